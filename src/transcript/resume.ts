/**
 * Resume: the recorded part of an interrupted session is replayed (answers and results
 * from the transcript, nothing run again), then the live ports take over where the
 * recording stops. A command that was started but has no result was cut short: it runs.
 */
import type { Executors, Prompter, Reporter } from '../engine/ports.js';
import type { Question } from '../engine/types.js';
import { resultOf, type EventOf, type Transcript } from './format.js';
import { createRedactor } from './redact.js';
import { walkOf } from './replay.js';

export class ResumeError extends Error {
  readonly code = 'resume-diverged';
}

export interface ResumePorts {
  prompter(live: Prompter): Prompter;
  executors(live: Executors): Executors;
  /** Commands served from the transcript, not run. */
  readonly replayed: { questions: number; commands: number };
}

/**
 * @example
 * const ports = resumePorts(transcript, reporter);
 * runSession(flows, start, { prompter: ports.prompter(live), executors: ports.executors(liveExec), … });
 */
export function resumePorts(t: Transcript, reporter?: () => Reporter | undefined): ResumePorts {
  const walk = walkOf(t);
  const answers: Array<{ q: EventOf<'question'>; a: EventOf<'answer'> | null; line: number }> = [];
  const commands: Array<{ c: EventOf<'command'>; r: EventOf<'result'> | null; line: number }> = [];
  for (const { line, event: e } of walk) {
    if (e.kind === 'question') answers.push({ q: e, a: null, line });
    else if (e.kind === 'answer') {
      const open = answers.find((x) => x.a === null && x.q.id === e.id);
      if (open) open.a = e;
    } else if (e.kind === 'command') commands.push({ c: e, r: null, line });
    else if (e.kind === 'result') {
      const open = commands.find((x) => x.r === null && x.c.id === e.id);
      if (open) open.r = e;
    }
  }
  const redactor = createRedactor({ salt: t.header.salt });
  const replayed = { questions: 0, commands: 0 };
  let qi = 0;
  let ci = 0;
  const diverged = (line: number, what: string, recorded: string, now: string) =>
    new ResumeError(`${t.file}:${line}: the flows changed since this session: the recording ${what} ${recorded}, today's flow ${now}; replay it with \`tshoot replay --check ${t.file}\``);
  return {
    replayed,
    prompter: (live) => ({
      async ask(q: Question) {
        const rec = answers[qi];
        if (!rec || !rec.a) return live.ask(q);
        if (rec.q.id !== q.id) throw diverged(rec.line, 'asks', `"${rec.q.id}"`, `asks "${q.id}"`);
        qi++;
        replayed.questions++;
        reporter?.()?.answered?.(q, rec.a.value, 'replay');
        return rec.a.value;
      },
    }),
    executors: (live) => ({
      dest: (role) => live.dest(role),
      assign: (role, dest) => live.assign?.(role, dest),
      close: () => live.close(),
      async run(role, cmd, signal) {
        const rec = commands[ci];
        if (!rec || !rec.r) return live.run(role, cmd, signal);
        const argv = redactor.value([...cmd.argv]);
        if (rec.c.id !== cmd.id || rec.c.role !== role || rec.c.argv.join('\0') !== argv.join('\0')) {
          throw diverged(rec.line, 'runs', `${rec.c.id} (${rec.c.role}: ${rec.c.argv.join(' ')})`, `runs ${cmd.id} (${role}: ${argv.join(' ')})`);
        }
        ci++;
        replayed.commands++;
        return resultOf(rec.r);
      },
    }),
  };
}
