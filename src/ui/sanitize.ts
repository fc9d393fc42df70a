/**
 * Text from a remote host is hostile until shown otherwise: it could move the cursor,
 * rewrite what is on screen, set the window title, or reorder text with bidi overrides
 * (Trojan Source, CVE-2021-42574). Escape sequences are removed; any control character
 * left (C0 but newline and tab, DEL, C1, bidi controls, line/paragraph separators, Unicode
 * tag characters) becomes a visible `\xNN`/`\u{…}`. `\r\n` is a line end, a lone `\r` is not
 * (it would let `FAIL\rOK` print as `OKIL`).
 * Reference: ECMA-48 §5 (control functions), §8.3.89 (OSC); Unicode UAX #9 (bidi).
 */

import { stripVTControlCharacters } from 'node:util';

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

/**
 * Cut to `max` terminal columns, `…` last: a CJK character takes two (so Japanese is cut at the
 * same column as English), never split, nor a surrogate pair.
 */
export function cut(s: string, max: number): string {
  if (s.length <= max && !WIDE.test(s)) return s;
  if (displayWidth(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return max > 0 ? `${out}…` : '';
}

/** Columns a string takes on a terminal: SGR codes are 0, CJK and emoji 2, combining marks 0. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of stripVTControlCharacters(s)) w += charWidth(ch.codePointAt(0)!);
  return w;
}

// Anything at or past the combining marks: the fast path of `cut` is for plain text only.
const WIDE = /[^\u0000-\u02ff]/u;

/** A code point's columns: wide (East Asian Wide/Fullwidth, emoji) 2, combining and zero-width 0. */
export function charWidth(cp: number): number {
  if (cp < 0x300) return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? 0 : 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
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
  let s = VISIBLE.get(c);
  if (s === undefined) {
    const code = c.codePointAt(0)!;
    s = code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
    VISIBLE.set(c, s);
  }
  return s;
}

// As ESCAPED below: a hostile megabyte of C1 bytes is a million lookups, not a million formattings.
const VISIBLE = new Map<string, string>();

/**
 * What of tshoot's own drawing a stream lets through (`terminalText`); everything else that
 * could act on a terminal is shown escaped. Decided per stream by `main.ts`.
 */
export interface Drawing {
  /** Colour and weight (SGR) as chalk, `node:util` styleText and ui/style.ts write them. */
  readonly styles: boolean;
  /** Hiding and showing the cursor, synchronized output, bracketed paste: ora's, inquirer's and ui/paste.ts's terminal modes. */
  readonly modes: boolean;
  /** Cursor movement, erasing and `\r`: inquirer redrawing its prompt. */
  readonly cursor: boolean;
}

/** Nothing passes: off a terminal, and whatever tshoot did not draw itself. */
export const PLAIN: Drawing = { styles: false, modes: false, cursor: false };

/**
 * The last word before a terminal: every control character (ESC, C0 but `\t` `\n`, `\r` but
 * in `\r\n`, DEL, C1, bidi, separators, tags) becomes `\uXXXX`, unless it starts one of the
 * sequences tshoot draws with that `d` lets through. Nothing is removed, so what was hidden
 * stays readable (`\u001b[2J`), and the escape is JSON's: inside a JSON string it stands for
 * the same character (JSON.stringify leaves DEL, C1 and bidi raw), so `--json` output is the
 * same JSON value after this as before.
 *
 * Colour codes pass as a closed set: no concealed text, no background, no black, so a
 * forged one can colour text but never hide it.
 *
 * @example
 * terminalText('\x1b]52;c;x\x07', PLAIN) // → '\\u001b]52;c;x\\u0007'
 */
export function terminalText(text: string, d: Drawing): string {
  return text.replace(TERMINAL, (m) => {
    if (m === '\r\n' || (m === '\r' && d.cursor)) return m;
    if (m.length > 1 && m.charCodeAt(0) === 0x1b) return trusted(m, d) ? m : `\\u001b${m.slice(1)}`;
    return jsonEscape(m);
  });
}

// A CSI sequence (the only kind tshoot draws), a CRLF, or one control character.
const TERMINAL = new RegExp(`\\x1b\\[[0-?]*[ -/]*[@-~]|\\r\\n|${CONTROL.source}`, 'gu');

// SGR parameters chalk, styleText and makeStyle use: reset, bold, dim, italic, underline,
// inverse, strikethrough and their ends; foregrounds but black; default foreground.
const SGR_PARAMS = new Set(['', '0', '1', '2', '3', '4', '7', '9', '22', '23', '24', '27', '29', '31', '32', '33', '34', '35', '36', '37', '39', '90', '91', '92', '93', '94', '95', '96', '97']);
// Cursor shown/hidden, synchronized output, bracketed paste (ui/paste.ts).
const MODES = new Set(['\x1b[?25h', '\x1b[?25l', '\x1b[?2026h', '\x1b[?2026l', '\x1b[?2004h', '\x1b[?2004l']);

function trusted(seq: string, d: Drawing): boolean {
  const final = seq[seq.length - 1]!;
  const params = seq.slice(2, -1);
  if (final === 'm' && /^[\d;]*$/.test(params)) return d.styles && params.split(';').every((p) => SGR_PARAMS.has(p));
  if (MODES.has(seq)) return d.modes;
  // Up, down, forward, back, next/previous line, column, position, erase line; erase below
  // (readline), not the whole screen.
  if (final === 'J') return d.cursor && (params === '' || params === '0');
  return d.cursor && /^\d*(?:;\d*)?$/.test(params) && 'ABCDEFGHK'.includes(final);
}

// The controls are a few hundred characters: each one's escape is made once.
const ESCAPED = new Map<string, string>();

function jsonEscape(c: string): string {
  let s = ESCAPED.get(c);
  if (s === undefined) {
    s = '';
    for (let i = 0; i < c.length; i++) s += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    ESCAPED.set(c, s);
  }
  return s;
}
