/**
 * The cards that end a session: a fix card (cause, evidence, fix, config file:line, verify),
 * an unresolved card (what was checked, what was ruled out, what to try next), and an error
 * card; then one line counting the checks that passed and failed. Boxed with boxen on a
 * terminal, plain sections elsewhere. Every piece of text is sanitized first (it may carry
 * host output); boxen passes `\r` and `\t` through, so those go too.
 */
import type boxenT from 'boxen';
import type { CheckView, Evidence, Outcome } from '../engine/types.js';
import { displayArgv } from '../exec/shell-quote.js';
import type { Lang } from '../flow/template.js';
import { cut, fold, oneLine, sanitize } from './sanitize.js';
import type { Style } from './style.js';
import { CARD_TEXT } from './messages.js';
import { displayWidth, wrapLine } from './wrap.js';

export interface CardOptions {
  readonly style: Style;
  /** The terminal's width; the card is at most 100 wide. */
  readonly width: number;
  /** null: plain text (not a terminal, or a test without boxes). */
  readonly boxen: typeof boxenT | null;
  /** `role` → what the user named for it (for evidence headers). */
  readonly dest: (role: Evidence['role']) => string;
  readonly lang: Lang;
  /** Evidence unfolded. */
  readonly verbose?: boolean;
}

/** Evidence lines shown per command before folding. */
const EVIDENCE_LINES = 8;

const L = CARD_TEXT;

export function renderOutcome(outcome: Outcome, checks: readonly CheckView[], o: CardOptions): string {
  const t = L[o.lang];
  const s = o.style;
  // Inner width: the box's border and padding take 4 columns.
  const boxWidth = Math.max(20, Math.min(o.width, 100));
  const inner = o.boxen ? boxWidth - 4 : Math.max(20, o.width);
  const body: string[] = [];
  const section = (head: string, lines: readonly string[]) => {
    if (!lines.length) return;
    if (body.length) body.push('');
    body.push(s.bold(head), ...lines);
  };
  const items = (xs: readonly string[], bullet = '') => xs.flatMap((x) => indent(clean(x), bullet));
  let title: string;
  let color: 'green' | 'yellow' | 'red';
  if (outcome.kind === 'fix') {
    const f = outcome.fix;
    // The id stays whole: the title gives way (boxen's top border holds boxWidth - 8 of it).
    title = `${oneLine(f.title, boxWidth - 8 - f.id.length - 4)}  [${f.id}]`;
    color = 'green';
    section(t.cause, indent(clean(f.cause)));
    section(
      t.evidence,
      f.evidence.flatMap((ev) => [
        `  ${s.dim(`${who(ev.role, o.dest(ev.role))} $`)} ${oneLine(displayArgv(ev.argv), inner - 20)}`,
        ...fold(ev.lines, { maxLines: EVIDENCE_LINES, maxWidth: inner - 4, whole: o.verbose === true, more: t.more }).map((l) => `    ${l}`),
      ]),
    );
    section(t.fix, f.fix.length > 1 ? f.fix.flatMap((x, i) => indent(clean(x), `${i + 1}. `)) : items(f.fix));
    if (f.config) section(t.config, indent(clean(f.config)));
    section(t.verify, items(f.verify, '- '));
  } else if (outcome.kind === 'unresolved') {
    title = `${t.unresolved}: ${oneLine(outcome.end.title, inner - 14)}`;
    color = 'yellow';
    section(
      t.checked,
      checks.map((c) => {
        const head = `${oneLine(c.title, 50)} (${c.role})`;
        // Too little room after the title (a narrow terminal, a Japanese title): the summary
        // takes a row of its own under it (wrapped below) rather than being cut to a few words.
        const room = inner - displayWidth(head) - 7;
        return `  ${c.ok ? s.green('✓') : s.red('✗')} ${oneLine(c.title, 50)} ${s.dim(`(${c.role})`)} — ${oneLine(c.summary, room >= 20 ? room : Math.max(16, room + inner - 6))}`;
      }),
    );
    // An end's `checked` is what the flow established, the failure itself included: "found", not "ruled out".
    section(t.found, items(outcome.end.checked, '- '));
    section(t.next, items(outcome.end.nextSteps, '- '));
  } else if (outcome.code === 'unreachable') {
    // A host tshoot could not use: which one and why, in the user's words; where in the flow is
    // of no use to them (the transcript keeps it).
    const role = checks[checks.length - 1]?.role;
    const code = outcome.transport ?? 'disconnected';
    title = `${t.error}: ${oneLine(t.transport[code](role ? who(role, o.dest(role)) : t.host), inner - 10)}`;
    color = 'red';
    body.push(...clean(outcome.message).split('\n'), '', ...indent(clean(t.transportNext[code]), '- '));
  } else {
    // A flow that cannot go on (a failing expression, a loop): its author needs the place.
    title = `${t.error}: ${t.flowError}`;
    color = 'red';
    body.push(...clean(outcome.message).split('\n'), s.dim(`${outcome.loc.file}:${outcome.loc.line}:${outcome.loc.col} node "${outcome.node}"`));
  }
  const summary = checks.length ? checkSummary(checks, { ...o, diagnosed: outcome.kind === 'fix' }) : '';
  if (!o.boxen) return `== ${title} ==\n${body.join('\n')}\n${summary ? `\n${summary}\n` : ''}`;
  // Wrapped here, not by boxen: its wrapping drops the indentation.
  const text = body.flatMap((l) => wrapLine(l, inner)).join('\n');
  return (
    o.boxen(text, {
      title: s.bold(cut(title, boxWidth - 8)),
      padding: { left: 1, right: 1, top: 0, bottom: 0 },
      borderStyle: 'round',
      ...(s.enabled ? { borderColor: color } : {}),
      width: boxWidth,
    }) + `\n${summary ? `${summary}\n` : ''}`
  );
}

/**
 * `7 checks: ✓ 6 passed · ✗ 1 failed (Repeat the request from the client)`. After a diagnosis
 * (`diagnosed`), a command that exited non-zero is what it found (the refused request, the
 * missing file), not a failure: `13 checks: ✓ 7 passed · 6 findings (…)`.
 */
export function checkSummary(checks: readonly CheckView[], o: Pick<CardOptions, 'style' | 'lang' | 'width'> & { readonly diagnosed?: boolean }): string {
  const t = L[o.lang];
  const s = o.style;
  const failed = checks.filter((c) => !c.ok);
  const passed = checks.length - failed.length;
  const names = failed.length ? ` (${failed.map((c) => oneLine(c.title, 40)).join(', ')})` : '';
  const rest = o.diagnosed ? t.findings(failed.length) : `${failed.length ? s.red('✗') : '✗'} ${failed.length} ${t.failed}`;
  const line = `${t.checks(checks.length)}: ${s.green('✓')} ${passed} ${t.passed} · ${rest}`;
  return names ? line + s.dim(cut(names, Math.max(0, o.width - displayWidth(line) - 1))) : line;
}

function who(role: string, dest: string): string {
  return dest && dest !== role ? `${role} (${oneLine(dest, 40)})` : role;
}

function indent(s: string, bullet = ''): string[] {
  const pad = ' '.repeat(bullet.length);
  return s.split('\n').map((l, i) => `  ${i === 0 ? bullet : pad}${l}`);
}

function clean(s: string): string {
  return sanitize(s).replace(/\t/g, '  ');
}

/**
 * What Ctrl-C leaves on stderr: that it stopped, and, when the session was recorded, where
 * and how to go on from there (`self`: how the user started tshoot, cli/io.ts `selfCommand`).
 */
export function interruptedNote(lang: Lang, transcript?: string | null, self = 'tshoot'): string {
  const how = transcript ? `${self} resume ${displayArgv([transcript])}` : null;
  const t = L[lang];
  return `\ntshoot: ${t.interrupted}${how ? `\n${t.sessionIn(oneLine(transcript!, 200))}\n${t.continueWith(how)}` : ''}\n`;
}
