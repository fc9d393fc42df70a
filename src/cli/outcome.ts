/**
 * How a command ends, as the exit code and the `--json` object: a session's outcome
 * (`exitFor`, `jsonResult`) and an error that stopped it (`stopFor`). The one mapping for
 * `run`, `diagnose`, `resume`, `replay` and the CLI's own usage errors (issue 18); replay loads
 * nothing else of run.ts.
 */
import type { Question, Outcome, SessionState } from '../engine/types.js';
import { displayArgv } from '../exec/shell-quote.js';
import { EXIT } from './io.js';

export function exitFor(o: Outcome): number {
  if (o.kind === 'fix') return EXIT.fix;
  if (o.kind === 'unresolved') return EXIT.unresolved;
  return o.code === 'unreachable' ? EXIT.unreachable : EXIT.usage;
}

export function jsonResult(o: Outcome, s: SessionState, questions: number): Record<string, unknown> {
  const base = { questions, commands: s.commands };
  if (o.kind === 'fix') {
    return {
      outcome: 'fix',
      // What the card shows, in full: the steps, the configuration line they are about, how to verify.
      fix: { id: o.fix.id, title: o.fix.title, summary: o.fix.cause, steps: o.fix.fix, config: o.fix.config ?? null, verify: o.fix.verify },
      evidence: o.fix.evidence.map((e) => ({ role: e.role, command: displayArgv(e.argv), lines: e.lines })),
      ...base,
    };
  }
  if (o.kind === 'unresolved') return { outcome: 'unresolved', fix: null, evidence: [], end: { title: o.end.title, checked: o.end.checked, next_steps: o.end.nextSteps }, ...base };
  return { outcome: 'error', fix: null, evidence: [], error: { code: o.code, ...(o.transport ? { transport: o.transport } : {}), message: o.message, node: o.node, at: `${o.loc.file}:${o.loc.line}:${o.loc.col}` }, ...base };
}

/** An error that ends a command before its outcome, as the exit code and the `--json` object. */
export interface Stop {
  readonly exit: number;
  /** `outcome`, `fix: null`, `evidence: []` and what stopped it; the command adds its counts. */
  readonly json: Record<string, unknown>;
}

/**
 * The errors a user can cause, by their `code` (the error classes carry one: target.ts
 * `UsageError`, ui/prompter.ts `AnswerError`, transcript/resume.ts `ResumeError`,
 * engine/ports.ts `NeedsInput` and `Interrupted`); matched by code so that replay and the CLI's
 * usage path load none of those modules. A question without an answer is exit 4 with
 * `--non-interactive`; without it, there was no terminal to ask on: a usage error (exit 2).
 */
export function stopFor(e: unknown, o: { nonInteractive?: boolean | undefined } = {}): Stop | null {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  const message = e instanceof Error ? e.message : '';
  switch (code) {
    case 'interrupted':
      return { exit: EXIT.interrupted, json: { outcome: 'interrupted', fix: null, evidence: [] } };
    case 'needs-input': {
      const q = (e as Error & { question: Question }).question;
      return {
        exit: o.nonInteractive ? EXIT.needsInput : EXIT.usage,
        json: { outcome: 'needs-input', fix: null, evidence: [], question: { id: q.id, kind: q.input, text: q.text, choices: q.choices?.map((c) => c.value) ?? null } },
      };
    }
    case 'usage':
    case 'bad-answer':
    case 'resume-diverged':
      return { exit: EXIT.usage, json: { outcome: 'error', error: { code: 'usage', message, at: null }, fix: null, evidence: [] } };
    default:
      return null;
  }
}
