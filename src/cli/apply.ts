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
  const ja = lang === 'ja';
  const lines = [ja ? 'この修正で実行するコマンド:' : 'Applying this fix runs:'];
  const layout = backupLayout(plan, stamp);
  for (const b of layout) {
    const c = folderCommands(b);
    lines.push(
      `  ${ja ? '(先にバックアップ用の非公開フォルダを作る)' : '(first makes a private folder for backups)'} ${at(b.role, dest, b.root, c.mkdir)}` +
        (c.stat && c.mkroot
          ? `\n    ${ja ? '(その前に親フォルダが root のもので他人が書けないことを確認し、なければ作る)' : '(after checking that its parents are root’s and no one else can write to them, and making the last if missing)'} $ sudo ${sanitize(displayArgv(c.stat))}` +
            `\n    $ sudo ${sanitize(displayArgv(c.mkroot))}`
          : ''),
    );
    const dir = b.root ? b.dir : '$FOLDER';
    b.files.forEach((f, i) => {
      lines.push(`  ${ja ? '(バックアップ: シンボリックリンクはリンク先を編集)' : '(backs up, and edits a symlink’s target, not the link)'} ${at(b.role, dest, b.root, resolveArgv(f))}`);
      lines.push(`    $ ${b.root ? 'sudo ' : ''}${sanitize(displayArgv(copyArgv('$REAL', `${dir}/${i + 1}-…`)))}`);
    });
  }
  plan.steps.forEach((st, i) => lines.push(`  ${i + 1}. ${flat(st.title)}: ${at(st.role, dest, st.root, st.argv)}`));
  lines.push(`  ${ja ? '確認' : 'then checks'}: ${at(plan.check.role, dest, false, plan.check.argv)}`);
  const files = layout.flatMap((b) => b.files);
  if (files.length || plan.rollback.length) {
    lines.push(`  ${ja ? '失敗・Ctrl-C のときは元に戻す' : 'and rolls back if a step or the check fails, or on Ctrl-C'}:`);
    for (const f of files) lines.push(`    ${ja ? '復元して比較 (cmp)' : 'restore and compare (cmp)'} ${sanitize(displayArgv([f]))}`);
    for (const st of plan.rollback) lines.push(`    ${flat(st.title)}: ${at(st.role, dest, st.root, st.argv)}`);
  }
  return lines.join('\n') + '\n';
}

/** What a person runs to finish a rollback, one command a line. */
export function describeManual(manual: readonly ManualStep[], dest: Dest, lang: Lang): string {
  const ja = lang === 'ja';
  return manual
    .map((m) =>
      m.kind === 'undo'
        ? `  ${ja ? `「${flat(m.title)}」を手で元に戻す (実行したのは` : `undo by hand what "${flat(m.title)}" did (it ran`} ${at(m.role, dest, m.root, m.argv)})`
        : `  ${at(m.role, dest, m.root, m.argv)}    # ${flat(m.title)}`,
    )
    .join('\n');
}

function describeResult(r: ApplyResult, dest: Dest, lang: Lang): string {
  const ja = lang === 'ja';
  const reason = flat(r.reason ?? '');
  const head = {
    verified: ja ? '✔ 適用し、確認できた: 元の失敗したリクエストが成功する' : '✔ Applied and verified: the request that failed now succeeds',
    'rolled-back': ja ? `✖ 元に戻した: ${reason}\n  編集したファイルはすべて復元し、コピーと一致することを確認した。戻す手順もすべて成功した` : `✖ Rolled back: ${reason}\n  Every edited file is restored and compares equal to its copy; every rollback step succeeded`,
    'rollback-failed': ja
      ? `✖ 元に戻しきれなかった: ${reason}\n  残りは手で、この順に実行する:\n${describeManual(r.manual, dest, lang)}`
      : `✖ Rollback did not finish: ${reason}\n  Left to do by hand, in this order:\n${describeManual(r.manual, dest, lang)}`,
    'not-applied': ja ? `✖ 適用しなかった: ${reason}` : `✖ Not applied: ${reason}`,
  }[r.outcome];
  const kept = r.backups.map((b) => `${b.role} (${flat(dest(b.role))}):${flat(b.dir)}/`).join(', ');
  return `\n${head}\n${kept ? `  ${ja ? 'バックアップ (残してある)' : 'Backups (kept)'}: ${kept}\n` : ''}`;
}

export async function offerApply(outcome: Outcome, opts: ApplyOptions, ctx: ApplyContext): Promise<ApplyOutcome> {
  if (outcome.kind !== 'fix' || !outcome.fix.apply) return { kind: 'none' };
  const plan = outcome.fix.apply;
  const dest: Dest = (r) => ctx.executors.dest(r);
  const stamp = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${Math.random().toString(16).slice(2, 8).padEnd(6, '0')}`;
  if (opts.dryRun) {
    if (!ctx.quiet) ctx.out.write(`\n${describePlan(plan, dest, ctx.lang, stamp)}${ctx.lang === 'ja' ? '(--dry-run: 何も変更していない)' : '(--dry-run: nothing was changed)'}\n`);
    return { kind: 'planned', plan };
  }
  if (!opts.apply) {
    if (!ctx.terminal) {
      if (!ctx.quiet) ctx.out.write(ctx.lang === 'ja' ? '\nこの修正は tshoot で適用できる: --dry-run で内容を確認、--apply で実行\n' : '\ntshoot can apply this fix: --dry-run shows what it would run, --apply runs it\n');
      return { kind: 'offered' };
    }
    ctx.out.write(`\n${describePlan(plan, dest, ctx.lang, stamp)}`);
    const yes = await ctx.terminal.ask({
      id: 'apply',
      flow: outcome.flow,
      node: 'apply',
      input: 'confirm',
      text: ctx.lang === 'ja' ? 'この修正を今適用するか? (上のコマンドを実行する)' : 'Apply this fix now (run the commands above)?',
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
  const ja = ctx.lang === 'ja';
  const stop = new AbortController();
  let manual: readonly ManualStep[] | null = null;
  let held = 0;
  const say = (s: string) => ctx.out.write(`\n${s}\n`);
  const onInterrupt = () => {
    if (!manual) {
      if (stop.signal.aborted) return;
      stop.abort();
      say(ja ? 'Ctrl-C: 実行中の手順が終わったら止めて元に戻す' : 'Ctrl-C: stopping after the step that is running, then rolling back');
      return;
    }
    if (++held === 1) {
      say(
        ja
          ? `Ctrl-C: 元に戻す処理は最後まで続ける (Ctrl-C では止まらない)。それでも tshoot を止めた場合は、手でこの順に実行する:\n${describeManual(manual, dest, ctx.lang)}`
          : `Ctrl-C: the rollback continues to its end (Ctrl-C does not stop it). Should tshoot be killed anyway, finish by hand, in this order:\n${describeManual(manual, dest, ctx.lang)}`,
      );
    } else say(ja ? 'Ctrl-C: まだ元に戻している…' : 'Ctrl-C: still rolling back…');
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
          if (stop.signal.aborted) say(ja ? '元に戻している (最後まで続ける)…' : 'Rolling back (this runs to its end)…');
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
