/**
 * The cards that end a session: a fix card (cause, evidence, fix, config, verify), an
 * unresolved card (what was checked, what to try next), and an error card. Boxed with
 * boxen on a terminal. Every piece of text that came from a host is sanitized first;
 * boxen passes `\r` and `\t` through, so those go too.
 */
import type boxenT from 'boxen';
import type { CheckRecord, Evidence, Outcome } from '../engine/types.js';
import { quoteArgv } from '../exec/shell-quote.js';
import { sanitize } from './sanitize.js';
import type { Style } from './style.js';

export interface CardOptions {
  readonly style: Style;
  readonly width: number;
  readonly boxen: typeof boxenT | null;
  /** `role` → what the user named for it (for evidence headers). */
  readonly dest: (role: Evidence['role']) => string;
  readonly lang: 'en' | 'ja';
}

const L = {
  en: { cause: 'Cause', evidence: 'Evidence', fix: 'Fix', config: 'Config', verify: 'Verify', checked: 'Checked', next: 'Try next', unresolved: 'Unresolved', error: 'Stopped', checks: 'checks', passed: 'passed', failed: 'failed' },
  ja: { cause: '原因', evidence: '根拠', fix: '対処', config: '設定', verify: '確認', checked: '確認したこと', next: '次に試すこと', unresolved: '未解決', error: '中断', checks: '件のチェック', passed: '成功', failed: '失敗' },
} as const;

export function renderOutcome(outcome: Outcome, checks: readonly CheckRecord[], o: CardOptions): string {
  const t = L[o.lang];
  const s = o.style;
  const body: string[] = [];
  let title: string;
  let color: 'green' | 'yellow' | 'red';
  if (outcome.kind === 'fix') {
    const f = outcome.fix;
    title = `${f.title}  [${f.id}]`;
    color = 'green';
    body.push(s.bold(t.cause), indent(clean(f.cause)), '');
    if (f.evidence.length) {
      body.push(s.bold(t.evidence));
      for (const ev of f.evidence) {
        body.push(`  ${s.dim(`${ev.role} (${o.dest(ev.role)}) $`)} ${clean(quoteArgv(ev.argv))}`);
        for (const line of ev.lines) body.push(`    ${clean(line)}`);
      }
      body.push('');
    }
    body.push(s.bold(t.fix), ...f.fix.map((x) => indent(clean(x))), '');
    if (f.config) body.push(s.bold(t.config), indent(clean(f.config)), '');
    body.push(s.bold(t.verify), ...f.verify.map((x) => indent(clean(x))));
  } else if (outcome.kind === 'unresolved') {
    title = `${t.unresolved}: ${outcome.end.title}`;
    color = 'yellow';
    if (outcome.end.checked.length) body.push(s.bold(t.checked), ...outcome.end.checked.map((x) => indent(`- ${clean(x)}`)), '');
    body.push(s.bold(t.next), ...outcome.end.nextSteps.map((x) => indent(`- ${clean(x)}`)));
  } else {
    title = `${t.error}: ${outcome.code}`;
    color = 'red';
    body.push(clean(outcome.message), s.dim(`${outcome.loc.file}:${outcome.loc.line}:${outcome.loc.col} node "${outcome.node}"`));
  }
  const passed = checks.filter((c) => c.ok).length;
  const summary = `${checks.length} ${t.checks}: ${passed} ${t.passed}, ${checks.length - passed} ${t.failed}`;
  const text = body.join('\n');
  if (!o.boxen) return `== ${title} ==\n${text}\n${summary}\n`;
  return (
    o.boxen(text, {
      title: s.bold(title),
      padding: { left: 1, right: 1, top: 0, bottom: 0 },
      borderStyle: 'round',
      borderColor: s.enabled ? color : undefined,
      width: Math.max(40, Math.min(o.width, 100)),
    }) + `\n${s.dim(summary)}\n`
  );
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function clean(s: string): string {
  return sanitize(s).replace(/\t/g, '  ');
}
