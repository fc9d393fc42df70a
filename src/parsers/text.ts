/**
 * Text helpers shared by the built-in parsers.
 *
 * Parsers read output from hosts we are debugging, so the text may be anything: empty,
 * binary, one 10 MB line, a million lines. Everything here is linear in its input and
 * avoids backtracking regexes, so that no input can stall a diagnosis.
 */

/** At most this many items in any list a parser returns (flows only need the first few). */
export const MAX_ITEMS = 10_000;

/**
 * At most this many tokens are split from one line. Real lines have a few dozen; the cap
 * keeps a hostile 10 MB line of `a a a …` from allocating millions of strings.
 */
export const MAX_TOKENS = 256;

/**
 * Splits text into lines. A trailing `\r` is dropped (CRLF output from Windows hosts or
 * PTYs) so the quoted evidence reads like the terminal did; nothing else is changed.
 */
export function splitLines(text: unknown): string[] {
  if (typeof text !== 'string' || text === '') return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  for (let i = 0; i < out.length; i++) {
    const l = out[i]!;
    if (l.endsWith('\r')) out[i] = l.slice(0, -1);
  }
  return out;
}

/** A token and where it starts in its line, so callers can take "the rest of the line" verbatim. */
export interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Splits a line on spaces and tabs, keeping offsets. Stops after `limit` tokens. */
export function tokenize(line: string, limit = MAX_TOKENS): Token[] {
  const out: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n && out.length < limit) {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isBlank(line.charCodeAt(i))) i++;
    out.push({ text: line.slice(start, i), start, end: i });
  }
  return out;
}

/** Like `tokenize`, but returns only the strings. */
export function words(line: string, limit = MAX_TOKENS): string[] {
  return tokenize(line, limit).map((t) => t.text);
}

/**
 * Splits a line into words where double-quoted runs stay one word (quotes removed,
 * `\"` unescaped): iptables and nft print comments and log prefixes that way.
 */
export function quotedWords(line: string, limit = MAX_TOKENS): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n && out.length < limit) {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) break;
    let word = '';
    while (i < n && !isBlank(line.charCodeAt(i))) {
      const c = line[i]!;
      if (c === '"') {
        i++;
        const start = i;
        while (i < n && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
        word += unescapeQuoted(line.slice(start, Math.min(i, n)));
        if (i < n) i++;
      } else {
        const start = i;
        while (i < n && line[i] !== '"' && !isBlank(line.charCodeAt(i))) i++;
        word += line.slice(start, i);
      }
    }
    out.push(word);
  }
  return out;
}

/** A non-negative decimal integer, or `fallback` for anything else (`-`, `*`, too long). */
export function toInt(s: string | undefined, fallback = 0): number {
  if (s === undefined || s.length === 0 || s.length > 15) return fallback;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return fallback;
  }
  return Number(s);
}

/** True if `s` is all decimal digits (and not empty). */
export function isDigits(s: string | undefined): boolean {
  if (s === undefined || s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Runs a parser body and falls back to `empty()` if it throws. The bodies are written not
 * to throw; this is the last line of defence, because one odd byte from a broken host must
 * degrade to "nothing found", never crash the diagnosis that is trying to explain it.
 */
export function total<T>(text: unknown, empty: () => T, body: (text: string) => T): T {
  try {
    return body(typeof text === 'string' ? text : '');
  } catch (e) {
    lastFault = e;
    faults++;
    return empty();
  }
}

let faults = 0;
let lastFault: unknown;

/**
 * How many times a parser body threw and `total` hid it, and the last error: for tests
 * (which require 0) and for `--debug` output, since a hidden bug is still a bug.
 */
export function parserFaults(): { count: number; last: unknown } {
  return { count: faults, last: lastFault };
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

function unescapeQuoted(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i++;
    } else {
      out += c;
    }
  }
  return out;
}
