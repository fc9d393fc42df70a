/**
 * Applying a fix, once the user has agreed to that exact plan: back up the files it edits,
 * run its steps, re-run the original failing probe, and roll back (restore the files, run
 * the rollback steps) when the probe still fails or a step fails. Every command goes through
 * the same executor port and observers as the diagnosis, so it is shown and recorded.
 */
import type { CommandResult } from '../exec/types.js';
import type { Executors, Reporter, SessionObserver } from './ports.js';
import type { ApplyPlan, ApplyStep, Command } from './types.js';

export interface ApplyPorts {
  readonly executors: Executors;
  readonly reporter: Reporter;
  readonly observers?: readonly SessionObserver[];
  readonly signal?: AbortSignal;
  /** Waits between check attempts (a service may take a moment to come up). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface AppliedCommand {
  readonly title: string;
  readonly role: Command['role'];
  readonly argv: readonly string[];
  readonly ok: boolean;
  readonly exit: number | null;
  readonly output: string;
}

export interface ApplyResult {
  /** Every step ran and succeeded. */
  readonly applied: boolean;
  /** The check passed after the steps. */
  readonly verified: boolean;
  readonly rolledBack: boolean;
  /** The commands in the order they ran: backups, steps, checks, rollback. */
  readonly commands: readonly AppliedCommand[];
  /** Why it stopped, when it did not verify. */
  readonly reason?: string;
}

const CHECK_ATTEMPTS = 3;
const CHECK_PAUSE_MS = 700;

export async function applyFix(plan: ApplyPlan, ports: ApplyPorts, stamp: string): Promise<ApplyResult> {
  const done: AppliedCommand[] = [];
  let n = 0;
  const run = async (title: string, step: Pick<ApplyStep, 'role' | 'argv' | 'root' | 'timeoutMs'>, id?: string): Promise<CommandResult> => {
    const cmd: Command = { id: id ?? `apply.${++n}`, flow: plan.check.flow, node: 'apply', role: step.role, argv: step.argv, timeoutMs: step.timeoutMs, root: step.root, title };
    const dest = ports.executors.dest(cmd.role);
    ports.reporter.commandsStart([cmd], [dest]);
    for (const o of ports.observers ?? []) o.command?.(cmd, dest);
    const r = await ports.executors.run(cmd.role, cmd, ports.signal);
    for (const o of ports.observers ?? []) o.result?.(cmd, r);
    const ok = r.exit === 0 && !r.transport;
    const output = (r.transport?.message ?? `${r.stdout}${r.stderr}`).trim();
    ports.reporter.show({ kind: 'result', command: cmd, result: r, summary: ok ? 'done' : output.split('\n')[0] || `exit ${r.exit}` });
    done.push({ title, role: cmd.role, argv: cmd.argv, ok, exit: r.exit, output });
    return r;
  };
  const okOf = (r: CommandResult) => r.exit === 0 && !r.transport;

  // 1. Back up every file a step edits, once, before anything changes.
  const backups = new Map<string, { step: ApplyStep; copy: string }>();
  for (const st of plan.steps) {
    if (!st.backup) continue;
    const key = `${st.role}\0${st.backup}`;
    if (backups.has(key)) continue;
    const copy = `${st.backup}.tshoot-${stamp}`;
    const r = await run(`Back up ${st.backup}`, { role: st.role, argv: ['cp', '-p', '--', st.backup, copy], root: st.root, timeoutMs: 15_000 });
    if (!okOf(r)) return { applied: false, verified: false, rolledBack: false, commands: done, reason: `could not back up ${st.backup}; nothing was changed` };
    backups.set(key, { step: st, copy });
  }

  const rollback = async (reason: string): Promise<ApplyResult> => {
    for (const { step, copy } of backups.values()) {
      await run(`Restore ${step.backup}`, { role: step.role, argv: ['cp', '-p', '--', copy, step.backup!], root: step.root, timeoutMs: 15_000 });
    }
    for (const st of plan.rollback) await run(st.title, st);
    return { applied: false, verified: false, rolledBack: true, commands: done, reason };
  };

  // 2. The steps, in order; the first failure rolls back.
  for (const st of plan.steps) {
    const r = await run(st.title, st);
    if (ports.signal?.aborted) return rollback('interrupted');
    if (!okOf(r)) return rollback(`"${st.title}" failed: ${(r.transport?.message ?? r.stderr.trim()) || `exit ${r.exit}`}`);
  }

  // 3. The original probe again, from where it failed.
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  let last: CommandResult | null = null;
  for (let attempt = 1; attempt <= CHECK_ATTEMPTS; attempt++) {
    last = await run(`Check: ${plan.check.title}`, plan.check, `${plan.check.id}.${attempt}`);
    if (okOf(last)) return { applied: true, verified: true, rolledBack: false, commands: done };
    if (ports.signal?.aborted || attempt === CHECK_ATTEMPTS) break;
    await sleep(CHECK_PAUSE_MS);
  }
  const why = last ? (last.transport?.message ?? last.stderr.trim().split('\n').pop()) || `exit ${last.exit}` : 'not run';
  return rollback(`the check still fails after the fix: ${why}`);
}
