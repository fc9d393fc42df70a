/**
 * `tshoot resume FILE`: an interrupted session goes on where it stopped. The recorded
 * answers and results are replayed (no command runs twice), then the same live ports as
 * `run` take over; the new steps are appended to the same transcript.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openRecorder } from '../transcript/recorder.js';
import { ResumeError, resumePorts } from '../transcript/resume.js';
import { openCatalog } from './catalog.js';
import { EXIT, type CliIO } from './io.js';
import { readTranscript, transcriptFlow } from './replay.js';
import { runCommand, type RunOptions } from './run.js';
import { UsageError } from './target.js';
import type { Transcript } from '../transcript/format.js';

export type ResumeOptions = Omit<RunOptions, 'transcript' | 'redactHosts' | 'lang'>;

export async function resumeCommand(io: CliIO, file: string, opts: ResumeOptions): Promise<number> {
  let t = readTranscript(io, file);
  const h = t.header;
  const end = t.events.find((l) => l.event.kind === 'outcome');
  const o = end?.event.kind === 'outcome' ? end.event : null;
  // A session that ended because a host could not be reached goes on once it can be: the
  // failed command runs again, the steps before it are replayed.
  const cut = o?.outcome === 'error' && o.error?.transport ? beforeUnreachable(io, file, t) : null;
  if (cut) t = cut;
  else if (end) {
    throw new UsageError(`${file}:${end.line}: the session already ended (${o?.fix ? `fix ${o.fix.id}` : o?.outcome}); nothing to resume (show it: tshoot replay ${file})`);
  }
  if (h.redacted.hosts && !(opts.host?.length && opts.target)) {
    throw new UsageError(`${file}:1: recorded with --redact-hosts, so its hosts are placeholders: give --target and --host ROLE=DEST to resume it`);
  }
  const cat = openCatalog(io, opts.flows);
  transcriptFlow(cat, t);
  if (cat.digest !== h.digest) io.stderr.write(`tshoot: the flows changed since ${file} was recorded; its steps are checked as they are replayed\n`);
  const given = new Set((opts.host ?? []).map((x) => x.split('=')[0]));
  const hosts = [...(opts.host ?? []), ...Object.entries(h.roles).filter(([role]) => !given.has(role)).map(([role, dest]) => `${role}=${dest}`)];
  const target = opts.target ?? (h.target.given ? h.target.url : undefined);
  const ports = resumePorts(t);
  try {
    return await runCommand(
      io,
      h.flow,
      { ...opts, host: hosts, lang: h.lang, ...(target !== undefined ? { target } : {}) },
      {
        recorder: (sourceOf) => openRecorder({ path: resolve(io.cwd, file), resume: t, sourceOf }),
        prompter: (live) => ports.prompter(live),
        executors: (live) => ports.executors(live),
      },
    );
  } catch (e) {
    if (e instanceof ResumeError) {
      io.stderr.write(`${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

/**
 * The transcript up to the result that said the host could not be reached: that result, the
 * decisions after it and the outcome are dropped (the file is cut there when the recorder
 * opens it), so the command is a started one without a result, which resume runs.
 */
function beforeUnreachable(io: CliIO, file: string, t: Transcript): Transcript | null {
  const failed = t.events.findLast((l) => l.event.kind === 'result' && l.event.transport !== null);
  if (!failed) return null;
  const lines = readFileSync(resolve(io.cwd, file), 'utf8').split('\n');
  const completeBytes = lines.slice(0, failed.line - 1).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  return { ...t, events: t.events.filter((l) => l.line < failed.line), completeBytes, torn: false };
}
