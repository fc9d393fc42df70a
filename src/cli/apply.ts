/**
 * After a fix is reached: offer its `apply` plan. Nothing changes a host unless the user
 * agreed to that exact plan — `--apply`, or a yes to the confirmation that shows every
 * command and the host it runs on. `--dry-run` prints the plan and changes nothing.
 */
import { applyFix, type ApplyResult } from '../engine/apply.js';
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
  readonly quiet?: boolean;
}

export type ApplyOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'offered' }
  | { readonly kind: 'planned'; readonly plan: ApplyPlan }
  | { readonly kind: 'declined'; readonly plan: ApplyPlan }
  | { readonly kind: 'ran'; readonly plan: ApplyPlan; readonly result: ApplyResult };

export function describePlan(plan: ApplyPlan, dest: (r: ApplyPlan['check']['role']) => string, lang: Lang): string {
  const ja = lang === 'ja';
  const lines = [ja ? 'この修正で実行するコマンド:' : 'Applying this fix runs:'];
  plan.steps.forEach((st, i) => {
    if (st.backup) lines.push(`  ${ja ? '(先にバックアップ)' : '(first backs up)'} ${st.role} (${dest(st.role)}) $ cp -p -- ${st.backup} ${st.backup}.tshoot-…`);
    lines.push(`  ${i + 1}. ${sanitize(st.title)}: ${st.role} (${dest(st.role)}) $ ${st.root ? 'sudo ' : ''}${sanitize(displayArgv(st.argv))}`);
  });
  lines.push(`  ${ja ? '確認' : 'then checks'}: ${plan.check.role} (${dest(plan.check.role)}) $ ${sanitize(displayArgv(plan.check.argv))}`);
  const rb = plan.steps.some((s) => s.backup) || plan.rollback.length;
  if (rb) lines.push(`  ${ja ? '失敗したら元に戻す' : 'and rolls back if the check still fails'}: ${[...plan.steps.filter((s) => s.backup).map((s) => `restore ${s.backup}`), ...plan.rollback.map((s) => displayArgv(s.argv))].join('; ')}`);
  return lines.join('\n') + '\n';
}

export async function offerApply(outcome: Outcome, opts: ApplyOptions, ctx: ApplyContext): Promise<ApplyOutcome> {
  if (outcome.kind !== 'fix' || !outcome.fix.apply) return { kind: 'none' };
  const plan = outcome.fix.apply;
  const dest = (r: ApplyPlan['check']['role']) => ctx.executors.dest(r);
  if (opts.dryRun) {
    if (!ctx.quiet) ctx.out.write(`\n${describePlan(plan, dest, ctx.lang)}${ctx.lang === 'ja' ? '(--dry-run: 何も変更していない)' : '(--dry-run: nothing was changed)'}\n`);
    return { kind: 'planned', plan };
  }
  if (!opts.apply) {
    if (!ctx.terminal) {
      if (!ctx.quiet) ctx.out.write(ctx.lang === 'ja' ? '\nこの修正は tshoot で適用できる: --dry-run で内容を確認、--apply で実行\n' : '\ntshoot can apply this fix: --dry-run shows what it would run, --apply runs it\n');
      return { kind: 'offered' };
    }
    ctx.out.write(`\n${describePlan(plan, dest, ctx.lang)}`);
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
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const result = await applyFix(plan, { executors: ctx.executors, reporter: ctx.reporter, observers: ctx.observers, ...(ctx.signal ? { signal: ctx.signal } : {}) }, stamp);
  if (!ctx.quiet) {
    const ja = ctx.lang === 'ja';
    ctx.out.write(
      result.verified
        ? ja ? '\n✔ 適用し、確認できた: 元の失敗したリクエストが成功する\n' : '\n✔ Applied and verified: the request that failed now succeeds\n'
        : result.rolledBack
          ? ja ? `\n✖ 元に戻した: ${sanitize(result.reason ?? '')}\n` : `\n✖ Rolled back: ${sanitize(result.reason ?? '')}\n`
          : ja ? `\n✖ 適用しなかった: ${sanitize(result.reason ?? '')}\n` : `\n✖ Not applied: ${sanitize(result.reason ?? '')}\n`,
    );
  }
  return { kind: 'ran', plan, result };
}

/** The `apply` field of `--json`. */
export function applyJson(a: ApplyOutcome): Record<string, unknown> {
  if (a.kind === 'none') return {};
  if (a.kind === 'offered' || a.kind === 'declined') return { apply: { available: true, applied: false } };
  const steps = a.plan.steps.map((s) => ({ role: s.role, command: displayArgv(s.argv), root: s.root, ...(s.backup ? { backup: s.backup } : {}) }));
  if (a.kind === 'planned') return { apply: { available: true, applied: false, dry_run: true, steps, check: displayArgv(a.plan.check.argv) } };
  const r = a.result;
  return { apply: { available: true, applied: r.applied, verified: r.verified, rolled_back: r.rolledBack, ...(r.reason ? { reason: r.reason } : {}), commands: r.commands.map((c) => ({ title: c.title, role: c.role, command: displayArgv(c.argv), ok: c.ok })) } };
}
