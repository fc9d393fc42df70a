/**
 * Display width and word wrapping for card text. boxen wraps lines longer than the box with
 * wrap-ansi, which trims leading spaces: indented evidence would lose its indentation. So
 * lines are wrapped here first (with a hanging indent), and boxen never has to.
 */
import { stripVTControlCharacters } from 'node:util';

/** Columns a string takes on a terminal: SGR codes are 0, CJK and emoji 2, combining marks 0. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of stripVTControlCharacters(s)) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/**
 * Wrap one line to `width` columns at spaces (a word longer than a line is split), continuing
 * under the text after the line's indentation and bullet (`- `, `1. `, `✔ `).
 *
 * @example
 * wrapLine('  - one two three', 10) // → ['  - one', '    two', '    three']
 */
export function wrapLine(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  const lead = /^(\s*)((?:[-•✓✗✔✖]|\d+\.)\s+)?/u.exec(stripVTControlCharacters(line));
  const hang = Math.min(displayWidth(lead?.[0] ?? ''), Math.floor(width / 2));
  const pad = ' '.repeat(hang);
  const out: string[] = [];
  let cur = '';
  let curW = 0;
  const room = () => width - (out.length ? hang : 0);
  const flush = () => {
    out.push((out.length ? pad : '') + cur);
    cur = '';
    curW = 0;
  };
  // The leading indentation stays on the first row; words are what follows it.
  const indentText = /^\s*/.exec(line)![0];
  cur = indentText;
  curW = indentText.length;
  for (const word of line.slice(indentText.length).split(' ')) {
    const ww = displayWidth(word);
    if (curW > 0 && curW + 1 + ww > room() && cur.trim() !== '') flush();
    else if (curW > 0 && cur.trim() !== '') {
      cur += ' ';
      curW += 1;
    }
    if (ww <= room() - curW) {
      cur += word;
      curW += ww;
      continue;
    }
    // Longer than a row: split it by columns.
    for (const ch of word) {
      const cw = charWidth(ch.codePointAt(0)!);
      if (curW + cw > room()) flush();
      cur += ch;
      curW += cw;
    }
  }
  if (cur !== '' || out.length === 0) flush();
  return out;
}

function charWidth(cp: number): number {
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
