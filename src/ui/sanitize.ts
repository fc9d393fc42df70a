/**
 * Text from a remote host is hostile until shown otherwise: it could move the cursor,
 * rewrite what is on screen, set the window title, or reorder text with bidi overrides
 * (Trojan Source, CVE-2021-42574). Escape sequences are removed; any control character
 * left (C0 but newline and tab, DEL, C1, bidi controls) becomes a visible `\xNN`/`\u{…}`.
 * Reference: ECMA-48 §5 (control functions), §8.3.89 (OSC).
 */

// One pass, linear: ESC-introduced sequences (CSI `ESC [`, OSC `ESC ]` … BEL/ST, DCS/SOS/PM/APC
// `ESC P|X|^|_` … ST, two-byte `ESC x`) and their 8-bit C1 forms (CSI 0x9b, OSC 0x9d, …).
const SEQUENCE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/g;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function sanitize(text: string): string {
  return text.replace(SEQUENCE, '').replace(CONTROL, visible);
}

/** One line for a spinner or a summary: sanitized, newlines shown as `⏎`, cut to `max`. */
export function oneLine(text: string, max = 120): string {
  const s = sanitize(text).replace(/\t/g, ' ').replace(/\n/g, ' ⏎ ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function visible(c: string): string {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}
