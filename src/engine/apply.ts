/**
 * Applying a fix, once the user has agreed to that exact plan: back up the files it edits,
 * run its steps, re-run the original failing probe, and roll back (restore the files, run
 * the rollback steps) when a step fails, the probe still fails, or the user presses Ctrl-C.
 * Every command goes through the same executor port and observers as the diagnosis, so it
 * is shown and recorded.
 *
 * Backups go to a private folder outside every configuration tree (a copy beside the file,
 * in an include folder like `sites-enabled/`, would be loaded by the server): as root
 * `/var/backups/tshoot/STAMP/`, made with `mkdir -m 0700` (which fails if it exists) once
 * `stat` has shown that `/`, `/var`, `/var/backups` and `/var/backups/tshoot` are root's
 * folders that no one else can write to; otherwise `mktemp -d` in `/var/tmp` (0700, a fresh
 * name). The folder is kept and named in the result. A file is edited where it really is:
 * `readlink -e` resolves it first and every argv word naming it is replaced by the real path,
 * so a symlink (`sites-enabled/default`) stays a symlink.
 *
 * Ctrl-C (`ports.signal`) never kills a step half-way (a half-done restart is worse than
 * either end): the running step finishes, nothing more runs, and the rollback starts. The
 * rollback has a signal of its own and runs to its end. `rolledBack` is true only when every
 * restored file compares equal to its copy and every rollback step succeeded; otherwise the
 * outcome is `rollback-failed` with what is left to do by hand.
 */
import { basename } from 'node:path';
import type { CommandResult, Role } from '../exec/types.js';
import type { Executors, Reporter, SessionObserver } from './ports.js';
import type { ApplyPlan, ApplyStep, Command } from './types.js';

export interface ApplyPorts {
  readonly executors: Executors;
  readonly reporter: Reporter;
  readonly observers?: readonly SessionObserver[];
  /** Ctrl-C: stop after the step that is running and roll back. The rollback ignores it. */
  readonly signal?: AbortSignal;
  /** Waits between check attempts (a service may take a moment to come up); ends early on abort. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The rollback starts: `manual` is all it will do, as commands a person could run instead. */
  readonly onRollback?: (manual: readonly ManualStep[]) => void;
}

export interface AppliedCommand {
  readonly title: string;
  readonly role: Command['role'];
  readonly argv: readonly string[];
  readonly ok: boolean;
  readonly exit: number | null;
  readonly output: string;
}

/** A command for a person to run on a host, when tshoot could not (or was stopped). */
export interface ManualStep {
  readonly role: Role;
  readonly root: boolean;
  readonly argv: readonly string[];
  /** What it is for: `restore`, `rollback` (a step of the plan's rollback), `undo` (a step nothing undoes: reverse it). */
  readonly kind: 'restore' | 'check' | 'rollback' | 'undo';
  readonly title: string;
}

export interface BackupFolder {
  readonly role: Role;
  readonly dir: string;
}

/**
 * - `verified`: applied, and the failing probe now succeeds; the changes stay.
 * - `not-applied`: nothing on the host was changed (a backup failed, or Ctrl-C before the first step).
 * - `rolled-back`: every file is restored (compared equal to its copy) and every rollback step succeeded.
 * - `rollback-failed`: something is left: `manual` says what to run by hand.
 */
export type ApplyOutcomeKind = 'verified' | 'not-applied' | 'rolled-back' | 'rollback-failed';

export interface ApplyResult {
  readonly outcome: ApplyOutcomeKind;
  /** Every step ran and succeeded. */
  readonly applied: boolean;
  /** The check passed after the steps. */
  readonly verified: boolean;
  /** Everything the steps changed is undone and checked (outcome `rolled-back`). */
  readonly rolledBack: boolean;
  /** Ctrl-C stopped it. */
  readonly interrupted: boolean;
  /** The commands in the order they ran: backups, steps, checks, rollback. */
  readonly commands: readonly AppliedCommand[];
  /** Why it stopped, when it did not verify. */
  readonly reason?: string;
  /** Where the copies are (kept in every outcome). */
  readonly backups: readonly BackupFolder[];
  /** With `rollback-failed`: what is left to do, in order. */
  readonly manual: readonly ManualStep[];
}

const CHECK_ATTEMPTS = 3;
const CHECK_PAUSE_MS = 700;
const BACKUP_TIMEOUT_MS = 15_000;

/** Root's backups: one folder per apply under it. */
export const BACKUP_ROOT = '/var/backups/tshoot';
/** Folders that must be root's and writable by root only before a backup goes under them. */
const BACKUP_ANCESTORS = ['/', '/var', '/var/backups'] as const;
const UNPRIVILEGED_BACKUP_PARENT = '/var/tmp';

/** Every backup folder an apply makes, and the files copied into it. */
export interface BackupLayout {
  readonly role: Role;
  readonly root: boolean;
  /** Root's folder; for a user, `mktemp`'s template (the real name comes from the host). */
  readonly dir: string;
  readonly files: readonly string[];
}

/** Which folders and files `applyFix` backs up for `plan`: also what the plan shows. */
export function backupLayout(plan: ApplyPlan, stamp: string): BackupLayout[] {
  if (!/^[A-Za-z0-9-]+$/.test(stamp)) throw new Error(`backup stamp ${JSON.stringify(stamp)}: letters, digits and - only`);
  const out = new Map<string, { role: Role; root: boolean; dir: string; files: string[] }>();
  for (const st of plan.steps) {
    if (!st.backup) continue;
    const key = `${st.role}\0${st.root}`;
    let g = out.get(key);
    if (!g) {
      const dir = st.root ? `${BACKUP_ROOT}/${stamp}` : `${UNPRIVILEGED_BACKUP_PARENT}/tshoot-backup-${stamp}-XXXXXXXX`;
      g = { role: st.role, root: st.root, dir, files: [] };
      out.set(key, g);
    }
    if (!g.files.includes(st.backup)) g.files.push(st.backup);
  }
  return [...out.values()];
}

/** The commands that make a backup folder (root: check its parents, then `mkdir -m 0700`). */
export function folderCommands(b: Pick<BackupLayout, 'root' | 'dir'>): { stat?: string[]; mkroot?: string[]; mkdir: string[] } {
  if (!b.root) return { mkdir: ['mktemp', '-d', '-p', UNPRIVILEGED_BACKUP_PARENT, basename(b.dir)] };
  return { stat: ['stat', '-c', '%u %f %n', '--', ...BACKUP_ANCESTORS, BACKUP_ROOT], mkroot: ['mkdir', '-m', '0700', '--', BACKUP_ROOT], mkdir: ['mkdir', '-m', '0700', '--', b.dir] };
}

export const resolveArgv = (file: string): string[] => ['readlink', '-e', '--', file];
export const copyArgv = (from: string, to: string): string[] => ['cp', '--no-dereference', '--preserve=all', '--', from, to];
export const compareArgv = (copy: string, file: string): string[] => ['cmp', '--', copy, file];

/** One file backed up: `file` as the plan names it, `real` where it is, `copy` the backup. */
interface Copy {
  readonly role: Role;
  readonly root: boolean;
  readonly file: string;
  readonly real: string;
  readonly copy: string;
}

export async function applyFix(plan: ApplyPlan, ports: ApplyPorts, stamp: string): Promise<ApplyResult> {
  const done: AppliedCommand[] = [];
  // Steps and the rollback never see the user's Ctrl-C: they run to their own end (or timeout).
  const own = new AbortController().signal;
  const stop = ports.signal;
  let n = 0;
  const run = async (title: string, step: Pick<ApplyStep, 'role' | 'argv' | 'root' | 'timeoutMs'>, signal: AbortSignal | undefined, id?: string): Promise<CommandResult> => {
    const cmd: Command = { id: id ?? `apply.${++n}`, flow: plan.check.flow, node: 'apply', role: step.role, argv: step.argv, timeoutMs: step.timeoutMs, root: step.root, title };
    const dest = ports.executors.dest(cmd.role);
    ports.reporter.commandsStart([cmd], [dest]);
    for (const o of ports.observers ?? []) o.command?.(cmd, dest);
    const r = await ports.executors.run(cmd.role, cmd, signal);
    for (const o of ports.observers ?? []) o.result?.(cmd, r);
    const ok = okOf(r);
    const output = (r.transport?.message ?? `${r.stdout}${r.stderr}`).trim();
    ports.reporter.show({ kind: 'result', command: cmd, result: r, summary: ok ? 'done' : output.split('\n')[0] || `exit ${r.exit}` });
    done.push({ title, role: cmd.role, argv: cmd.argv, ok, exit: r.exit, output });
    return r;
  };
  const small = (role: Role, root: boolean, argv: readonly string[]) => ({ role, root, argv, timeoutMs: BACKUP_TIMEOUT_MS });
  const folders: BackupFolder[] = [];
  const copies: Copy[] = [];
  const result = (outcome: ApplyOutcomeKind, extra: { reason?: string; manual?: ManualStep[] } = {}): ApplyResult => ({
    outcome,
    applied: outcome === 'verified',
    verified: outcome === 'verified',
    rolledBack: outcome === 'rolled-back',
    interrupted: stop?.aborted === true,
    commands: done,
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
    backups: folders,
    manual: extra.manual ?? [],
  });
  const notApplied = (why: string) => result('not-applied', { reason: `${why}; nothing was changed` });
  const interruptedEarly = () => (stop?.aborted ? notApplied('interrupted before the first step') : null);
  const before = interruptedEarly();
  if (before) return before;

  // 1. A private folder on each host, and a copy of every file a step edits, before anything changes.
  for (const b of backupLayout(plan, stamp)) {
    const c = folderCommands(b);
    if (c.stat && c.mkroot) {
      const r = await run('Check the backup folder’s parents', small(b.role, b.root, c.stat), own);
      const bad = unsafeAncestors(r.stdout);
      if (bad) return notApplied(`no private backup folder on ${b.role}: ${bad}`);
      if (!r.stdout.split('\n').some((l) => l.endsWith(` ${BACKUP_ROOT}`))) {
        const m = await run(`Make ${BACKUP_ROOT}`, small(b.role, b.root, c.mkroot), own);
        if (!okOf(m)) return notApplied(`could not make ${BACKUP_ROOT} on ${b.role}: ${why(m)}`);
      }
    }
    const m = await run('Make the backup folder', small(b.role, b.root, c.mkdir), own);
    if (!okOf(m)) return notApplied(`could not make the backup folder ${b.dir} on ${b.role}: ${why(m)}`);
    const dir = b.root ? b.dir : pathOf(m.stdout);
    if (!dir) return notApplied(`mktemp on ${b.role} named no usable folder`);
    folders.push({ role: b.role, dir });
    for (const [i, file] of b.files.entries()) {
      const l = await run(`Find where ${file} is`, small(b.role, b.root, resolveArgv(file)), own);
      const real = okOf(l) ? pathOf(l.stdout) : null;
      if (!real) return notApplied(okOf(l) ? `the real path of ${file} is not a plain absolute path` : `cannot find ${file} on ${b.role}: ${why(l)}`);
      const copy = `${dir}/${i + 1}-${basename(real)}`;
      const r = await run(`Back up ${file}`, small(b.role, b.root, copyArgv(real, copy)), own);
      if (!okOf(r)) return notApplied(`could not back up ${file}: ${why(r)}`);
      copies.push({ role: b.role, root: b.root, file, real, copy });
    }
  }
  const early = interruptedEarly();
  if (early) return early;

  // A step edits the real file, never a symlink to it.
  const onReal = <T extends ApplyStep>(st: T): T => ({ ...st, argv: st.argv.map((w) => copies.find((c) => c.role === st.role && c.file === w)?.real ?? w) });
  const ran: ApplyStep[] = [];

  const rollback = async (reason: string): Promise<ApplyResult> => {
    const restores = copies.map((c) => ({ c, step: { role: c.role, root: c.root, kind: 'restore' as const, title: `Restore ${c.real}`, argv: copyArgv(c.copy, c.real) } }));
    const steps = plan.rollback.map(onReal);
    // Nothing undoes a step without a backup when the plan has no rollback steps: a person must.
    const undo: ManualStep[] = steps.length ? [] : ran.filter((s) => !s.backup).map((s) => ({ role: s.role, root: s.root, kind: 'undo', title: s.title, argv: s.argv }));
    const asManual = (s: ApplyStep): ManualStep => ({ role: s.role, root: s.root, kind: 'rollback', title: s.title, argv: s.argv });
    ports.onRollback?.([...restores.map((r) => r.step), ...steps.map(asManual), ...undo]);

    const failedRestores: ManualStep[] = [];
    for (const { c, step } of restores) {
      const r = await run(step.title, small(c.role, c.root, step.argv), own);
      const same = okOf(r) && okOf(await run(`Compare ${c.real} with its copy`, small(c.role, c.root, compareArgv(c.copy, c.real)), own));
      const where = await run(`Check that ${c.file} is still ${c.real}`, small(c.role, c.root, resolveArgv(c.file)), own);
      const linked = okOf(where) && pathOf(where.stdout) === c.real;
      if (!same) failedRestores.push(step, { role: c.role, root: c.root, kind: 'check', title: `Compare ${c.real} with its copy`, argv: compareArgv(c.copy, c.real) });
      else if (!linked) failedRestores.push({ role: c.role, root: c.root, kind: 'check', title: `${c.file} no longer leads to ${c.real}: put it back (it was restored at ${c.real})`, argv: resolveArgv(c.file) });
    }
    const failedSteps: ManualStep[] = [];
    for (const st of steps) {
      const r = await run(st.title, st, own);
      if (!okOf(r)) failedSteps.push(asManual(st));
    }
    // A file not restored makes every rollback step worth running again once it is.
    const manual = [...failedRestores, ...(failedRestores.length ? steps.map(asManual) : failedSteps), ...undo];
    if (!manual.length) return result('rolled-back', { reason });
    const what = [
      failedRestores.length ? 'a file is not as it was' : '',
      failedSteps.length ? `${failedSteps.map((s) => `"${s.title}"`).join(', ')} failed` : '',
      undo.length ? `nothing undoes ${undo.map((s) => `"${s.title}"`).join(', ')}` : '',
    ].filter(Boolean);
    return result('rollback-failed', { reason: `${reason}; the rollback did not finish: ${what.join(', ')}`, manual });
  };

  // 2. The steps, in order; the first failure (or Ctrl-C) rolls back.
  for (const raw of plan.steps) {
    if (stop?.aborted) return rollback('interrupted');
    const st = onReal(raw);
    ran.push(st);
    const r = await run(st.title, st, own);
    if (!okOf(r)) return rollback(`"${st.title}" failed: ${why(r)}`);
  }

  // 3. The original probe again, from where it failed (Ctrl-C ends it: it only reads).
  const sleep = ports.sleep ?? pause;
  let last: CommandResult | null = null;
  for (let attempt = 1; attempt <= CHECK_ATTEMPTS && !stop?.aborted; attempt++) {
    last = await run(`Check: ${plan.check.title}`, plan.check, stop, `${plan.check.id}.${attempt}`);
    if (stop?.aborted) break;
    if (okOf(last)) return result('verified');
    if (attempt < CHECK_ATTEMPTS) await sleep(CHECK_PAUSE_MS, stop);
  }
  if (stop?.aborted) return rollback('interrupted');
  const w = last ? (last.transport?.message ?? last.stderr.trim().split('\n').pop()) || `exit ${last.exit}` : 'not run';
  return rollback(`the check still fails after the fix: ${w}`);
}

const okOf = (r: CommandResult) => r.exit === 0 && !r.transport;
const why = (r: CommandResult) => (r.transport?.message ?? r.stderr.trim().split('\n')[0]) || `exit ${r.exit}`;

/** One absolute path printed by `readlink`/`mktemp`, or null when it is anything else. */
function pathOf(stdout: string): string | null {
  const p = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  // eslint-disable-next-line no-control-regex
  return p.startsWith('/') && !/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(p) ? p : null;
}

/**
 * What is wrong with the folders above the backups, from `stat -c '%u %f %n'`: each must be a
 * directory (not a symlink), owned by root, not writable by group or others. `BACKUP_ROOT`
 * may be missing (it is then made); the others must be there.
 */
export function unsafeAncestors(stdout: string): string | null {
  const seen = new Map<string, { uid: string; mode: number }>();
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) ([0-9a-f]+) (.+)$/.exec(line);
    if (m) seen.set(m[3]!, { uid: m[1]!, mode: parseInt(m[2]!, 16) });
  }
  for (const dir of [...BACKUP_ANCESTORS, BACKUP_ROOT]) {
    const s = seen.get(dir);
    if (!s) {
      if (dir === BACKUP_ROOT) continue;
      return `${dir} could not be checked`;
    }
    if ((s.mode & 0o170000) !== 0o040000) return `${dir} is not a folder`;
    if (s.uid !== '0') return `${dir} is not root's`;
    if (s.mode & 0o022) return `${dir} can be written by others than root`;
  }
  return null;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal?.aborted) return res();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      res();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
