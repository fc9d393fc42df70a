/**
 * After a fix is reached: offer its `apply` plan. Nothing changes a host unless the user
 * agreed to that exact plan — `--apply`, or a yes to the confirmation that shows every
 * command and the host it runs on. `--dry-run` prints the plan and changes nothing.
 */
import { applyFix, backupLayout, copyArgv, folderCommands, resolveArgv, type ApplyResult, type ManualStep } from '../engine/apply.js';
import type { Executors, Prompter, Reporter, SessionObserver } from '../engine/ports.js';
import type { ApplyPlan, Outcome } from '../engine/types.js';
import { displayArgv } from '../exec/shell-quote.js';
import type { Lang } from '../flow/template.js';
import { APPLY_TEXT } from '../ui/messages.js';
import { sanitize } from '../ui/sanitize.js';
import type { OutStream } from './io.js';

export interface ApplyOptions {
  readonly apply?: boolean;
  readonly dryRun?: boolean;
}

export interface ApplyContext {
  readonly out: OutStream;
  readonly executors: Executors;
  readonly reporter: Reporter;
  readonly observers: readonly SessionObserver[];
  /** The terminal prompter, when there is a terminal. */
  readonly terminal: Prompter | null;
  readonly lang: Lang;
  readonly signal?: AbortSignal;
  /**
   * While held, Ctrl-C calls `onInterrupt` instead of aborting `signal` or ending the process;
   * the returned function lets go. Without it, the first Ctrl-C aborts `signal` (the apply
   * rolls back) and the process decides what a second one does.
   */
  readonly holdInterrupts?: (onInterrupt: () => void) => () => void;
  readonly quiet?: boolean;
}

export type ApplyOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'offered' }
  | { readonly kind: 'planned'; readonly plan: ApplyPlan }
  | { readonly kind: 'declined'; readonly plan: ApplyPlan }
  | { readonly kind: 'ran'; readonly plan: ApplyPlan; readonly result: ApplyResult };

type Dest = (r: ApplyPlan['check']['role']) => string;

/** Host-derived text on one line: sanitized, a newline shown as `\n`. */
const flat = (s: string) => sanitize(s).replace(/\t/g, ' ').replace(/\n/g, '\\n');

/** `role (dest) $ [sudo ]argv`, every host-derived piece sanitized. */
function at(role: ApplyPlan['check']['role'], dest: Dest, root: boolean, argv: readonly string[]): string {
  return `${role} (${flat(dest(role))}) $ ${root ? 'sudo ' : ''}${sanitize(displayArgv(argv))}`;
}

/** Every command the apply may run, in order, for the user to agree to. */
export function describePlan(plan: ApplyPlan, dest: Dest, lang: Lang, stamp = 'STAMP'): string {
  const m = APPLY_TEXT[lang];
  const lines = [m.runs];
  const layout = backupLayout(plan, stamp);
  for (const b of layout) {
    const c = folderCommands(b);
    lines.push(
      `  ${m.mkdir} ${at(b.role, dest, b.root, c.mkdir)}` +
        (c.stat && c.mkroot
          ? `\n    ${m.checkParents} $ sudo ${sanitize(displayArgv(c.stat))}` +
            `\n    $ sudo ${sanitize(displayArgv(c.mkroot))}`
          : ''),
    );
    const dir = b.root ? b.dir : '$FOLDER';
    b.files.forEach((f, i) => {
      lines.push(`  ${m.backup} ${at(b.role, dest, b.root, resolveArgv(f))}`);
      lines.push(`    $ ${b.root ? 'sudo ' : ''}${sanitize(displayArgv(copyArgv('$REAL', `${dir}/${i + 1}-…`)))}`);
    });
  }
  plan.steps.forEach((st, i) => lines.push(`  ${i + 1}. ${flat(st.title)}: ${at(st.role, dest, st.root, st.argv)}`));
  lines.push(`  ${m.checks}: ${at(plan.check.role, dest, false, plan.check.argv)}`);
  const files = layout.flatMap((b) => b.files);
  if (files.length || plan.rollback.length) {
    lines.push(`  ${m.rollsBack}:`);
    for (const f of files) lines.push(`    ${m.restore} ${sanitize(displayArgv([f]))}`);
    for (const st of plan.rollback) lines.push(`    ${flat(st.title)}: ${at(st.role, dest, st.root, st.argv)}`);
  }
  return lines.join('\n') + '\n';
}

/** What a person runs to finish a rollback, one command a line. */
export function describeManual(manual: readonly ManualStep[], dest: Dest, lang: Lang): string {
  const t = APPLY_TEXT[lang];
  return manual
    .map((m) =>
      m.kind === 'undo'
        ? `  ${t.undoByHand(flat(m.title), at(m.role, dest, m.root, m.argv))}`
        : `  ${at(m.role, dest, m.root, m.argv)}    # ${flat(m.title)}`,
    )
    .join('\n');
}

function describeResult(r: ApplyResult, dest: Dest, lang: Lang): string {
  const m = APPLY_TEXT[lang];
  const reason = flat(r.reason ?? '');
  const head = {
    verified: m.verified,
    'rolled-back': m.rolledBack(reason),
    'rollback-failed': m.rollbackFailed(reason, describeManual(r.manual, dest, lang)),
    'not-applied': m.notApplied(reason),
  }[r.outcome];
  const kept = r.backups.map((b) => `${b.role} (${flat(dest(b.role))}):${flat(b.dir)}/`).join(', ');
  return `\n${head}\n${kept ? `  ${m.backupsKept}: ${kept}\n` : ''}`;
}

export async function offerApply(outcome: Outcome, opts: ApplyOptions, ctx: ApplyContext): Promise<ApplyOutcome> {
  if (outcome.kind !== 'fix' || !outcome.fix.apply) return { kind: 'none' };
  const plan = outcome.fix.apply;
  const dest: Dest = (r) => ctx.executors.dest(r);
  const stamp = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${Math.random().toString(16).slice(2, 8).padEnd(6, '0')}`;
  if (opts.dryRun) {
    if (!ctx.quiet) ctx.out.write(`\n${describePlan(plan, dest, ctx.lang, stamp)}${APPLY_TEXT[ctx.lang].dryRun}\n`);
    return { kind: 'planned', plan };
  }
  if (!opts.apply) {
    if (!ctx.terminal) {
      if (!ctx.quiet) ctx.out.write(`\n${APPLY_TEXT[ctx.lang].canApply}\n`);
      return { kind: 'offered' };
    }
    ctx.out.write(`\n${describePlan(plan, dest, ctx.lang, stamp)}`);
    const yes = await ctx.terminal.ask({
      id: 'apply',
      flow: outcome.flow,
      node: 'apply',
      input: 'confirm',
      text: APPLY_TEXT[ctx.lang].confirm,
      default: false,
    });
    if (yes !== true) return { kind: 'declined', plan };
  }
  const result = await applyWithCtrlC(plan, ctx, dest, stamp);
  if (!ctx.quiet) ctx.out.write(describeResult(result, dest, ctx.lang));
  return { kind: 'ran', plan, result };
}

/**
 * Ctrl-C during the apply: the first stops it after the running step and rolls back. During
 * the rollback every Ctrl-C is held (when the process lets us hold it): the first says the
 * rollback continues and prints what to run by hand should tshoot be killed anyway, later
 * ones that it is still rolling back.
 */
async function applyWithCtrlC(plan: ApplyPlan, ctx: ApplyContext, dest: Dest, stamp: string): Promise<ApplyResult> {
  const t = APPLY_TEXT[ctx.lang];
  const stop = new AbortController();
  let manual: readonly ManualStep[] | null = null;
  let held = 0;
  const say = (s: string) => ctx.out.write(`\n${s}\n`);
  const onInterrupt = () => {
    if (!manual) {
      if (stop.signal.aborted) return;
      stop.abort();
      say(t.ctrlCStopping);
      return;
    }
    if (++held === 1) {
      say(t.ctrlCContinues(describeManual(manual, dest, ctx.lang)));
    } else say(t.ctrlCStill);
  };
  const release = ctx.holdInterrupts?.(onInterrupt);
  if (ctx.signal?.aborted) onInterrupt();
  else ctx.signal?.addEventListener('abort', onInterrupt, { once: true });
  try {
    return await applyFix(
      plan,
      {
        executors: ctx.executors,
        reporter: ctx.reporter,
        observers: ctx.observers,
        signal: stop.signal,
        onRollback: (m) => {
          manual = m;
          if (stop.signal.aborted) say(t.rollingBack);
        },
      },
      stamp,
    );
  } finally {
    ctx.signal?.removeEventListener('abort', onInterrupt);
    release?.();
  }
}

/** The `apply` field of `--json`. */
export function applyJson(a: ApplyOutcome): Record<string, unknown> {
  if (a.kind === 'none') return {};
  if (a.kind === 'offered' || a.kind === 'declined') return { apply: { available: true, applied: false } };
  const steps = a.plan.steps.map((s) => ({ role: s.role, command: displayArgv(s.argv), root: s.root, ...(s.backup ? { backup: s.backup } : {}) }));
  if (a.kind === 'planned') return { apply: { available: true, applied: false, dry_run: true, steps, check: displayArgv(a.plan.check.argv) } };
  const r = a.result;
  return {
    apply: {
      available: true,
      outcome: r.outcome,
      applied: r.applied,
      verified: r.verified,
      rolled_back: r.rolledBack,
      interrupted: r.interrupted,
      ...(r.reason ? { reason: r.reason } : {}),
      backups: r.backups.map((b) => ({ role: b.role, dir: b.dir })),
      ...(r.manual.length ? { manual: r.manual.map((m) => ({ kind: m.kind, title: m.title, role: m.role, root: m.root, command: displayArgv(m.argv) })) } : {}),
      commands: r.commands.map((c) => ({ title: c.title, role: c.role, command: displayArgv(c.argv), ok: c.ok })),
    },
  };
}
