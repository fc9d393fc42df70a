/**
 * Display width and word wrapping for card text. boxen wraps lines longer than the box with
 * wrap-ansi, which trims leading spaces: indented evidence would lose its indentation. So
 * lines are wrapped here first (with a hanging indent), and boxen never has to.
 */
import { stripVTControlCharacters } from 'node:util';
import { charWidth, displayWidth } from './sanitize.js';

export { displayWidth };

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
