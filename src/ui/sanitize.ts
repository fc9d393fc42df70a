/**
 * Text from a remote host is hostile until shown otherwise: it could move the cursor,
 * rewrite what is on screen, set the window title, or reorder text with bidi overrides
 * (Trojan Source, CVE-2021-42574). Escape sequences are removed; any control character
 * left (C0 but newline and tab, DEL, C1, bidi controls, line/paragraph separators, Unicode
 * tag characters) becomes a visible `\xNN`/`\u{…}`. `\r\n` is a line end, a lone `\r` is not
 * (it would let `FAIL\rOK` print as `OKIL`).
 * Reference: ECMA-48 §5 (control functions), §8.3.89 (OSC); Unicode UAX #9 (bidi).
 */

// One pass, linear: ESC-introduced sequences (CSI `ESC [`, OSC `ESC ]` … BEL/ST, DCS/SOS/PM/APC
// `ESC P|X|^|_` … ST, two-byte `ESC x`) and their 8-bit C1 forms (CSI 0x9b, OSC 0x9d, …).
// An unterminated string sequence (OSC/DCS/…) runs to the next ESC or the end, as a terminal
// would swallow it. None of the repeated classes contains ESC, so each match stops at the
// next ESC: no backtracking across the text.
const SEQUENCE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/g;

// C0 but \t \n; DEL; C1; ALM, LRM/RLM, LRE…RLO, LRI…PDI; LS/PS; tags (invisible "ASCII smuggling").
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\u{e0000}-\u{e007f}]/gu;

/**
 * Make host output safe to print: sequences removed, other controls shown as escapes.
 *
 * @example
 * sanitize('\x1b]0;PWNED\x07\x1b[31mred\x1b[0m') // → 'red'
 */
export function sanitize(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(SEQUENCE, '').replace(CONTROL, visible);
}

/** One line for a spinner or a summary: sanitized, newlines shown as `⏎`, cut to `max`. */
export function oneLine(text: string, max = 120): string {
  const s = sanitize(text).replace(/\t/g, ' ').replace(/\n/g, ' ⏎ ');
  return cut(s, max);
}

/** Cut to `max` code points, `…` last; never splits a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const cps = [...s];
  return cps.length > max ? `${cps.slice(0, Math.max(0, max - 1)).join('')}…` : s;
}

export interface FoldOptions {
  /** Lines kept; the rest is counted in a last line. */
  readonly maxLines: number;
  /** Characters kept of each line. */
  readonly maxWidth: number;
  /** Show everything (`--verbose`). */
  readonly whole?: boolean;
  /** The line that replaces the dropped ones, given how many were dropped. */
  readonly more?: (n: number) => string;
}

/**
 * Sanitized output lines, folded: at most `maxLines` lines of at most `maxWidth` characters,
 * then a line saying how many more there were. Tabs become two spaces (boxen does not expand them).
 */
export function fold(text: string | readonly string[], o: FoldOptions): string[] {
  const raw = typeof text === 'string' ? sanitize(text).replace(/\n$/, '').split('\n') : text.flatMap((l) => sanitize(l).split('\n'));
  const lines = raw.map((l) => l.replace(/\t/g, '  '));
  if (o.whole) return lines;
  const kept = lines.slice(0, o.maxLines).map((l) => cut(l, o.maxWidth));
  const dropped = lines.length - kept.length;
  if (dropped > 0) kept.push(o.more ? o.more(dropped) : `… ${dropped} more line${dropped === 1 ? '' : 's'} (--verbose shows all)`);
  return kept;
}

function visible(c: string): string {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}
