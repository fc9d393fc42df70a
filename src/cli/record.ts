/**
 * The transcript of `run` (and `resume`): where it goes (`--transcript FILE`, else the user's
 * state folder; `--no-transcript` for none), and the hooks through which `resume` puts a
 * recording in front of the live ports.
 */
import { resolve } from 'node:path';
import type { Executors, LiveAnswerSource, Prompter } from '../engine/ports.js';
import type { Question } from '../engine/types.js';
import { defaultTranscriptPath, openRecorder, type Recorder } from '../transcript/recorder.js';
import { SESSION_TEXT, type UiLang } from '../ui/messages.js';
import type { CliIO } from './io.js';
import { UsageError } from './target.js';

/** What `resume` changes in a `run`: the transcript it appends to, and ports that replay first. */
export interface SessionHooks {
  readonly recorder?: (sourceOf: (q: Question) => LiveAnswerSource) => Recorder;
  readonly prompter?: (live: Prompter) => Prompter;
  readonly executors?: (live: Executors) => Executors;
}

export function answerSource(answers: ReadonlyMap<string, unknown>): (q: Question) => LiveAnswerSource {
  return (q) => (answers.has(q.id) || answers.has(q.node) ? 'answers' : 'prompt');
}

export function openTranscript(
  io: CliIO,
  opts: { transcript?: string | boolean; redactHosts?: boolean },
  flow: string,
  answers: ReadonlyMap<string, unknown>,
  hooks: SessionHooks,
): Recorder | null {
  if (hooks.recorder) return hooks.recorder(answerSource(answers));
  if (opts.transcript === false) return null;
  const path = typeof opts.transcript === 'string' && opts.transcript ? resolve(io.cwd, opts.transcript) : defaultTranscriptPath(io.env, flow, new Date());
  try {
    return openRecorder({ path, sourceOf: answerSource(answers), redactHosts: opts.redactHosts === true });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError((t) => t.cannotWriteTranscript(path, why));
  }
}

/** Closes the transcript and says where it is (stderr: stdout may be `--json`). */
export function closeTranscript(io: CliIO, rec: Recorder | null, quietPath: boolean, lang: UiLang = 'en'): void {
  if (!rec) return;
  const problem = rec.close();
  if (problem) io.stderr.write(`tshoot: ${SESSION_TEXT[lang].transcriptIncomplete(problem)}\n`);
  else if (!quietPath && rec.written()) io.stderr.write(`${SESSION_TEXT[lang].transcript(rec.path)}\n`);
}
