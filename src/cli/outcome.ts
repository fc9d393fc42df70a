/**
 * A session's outcome as the exit code and the `--json` object: shared by `run`, `diagnose`,
 * `resume` and `replay` (which loads nothing else of run.ts).
 */
import type { Outcome, SessionState } from '../engine/types.js';
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
