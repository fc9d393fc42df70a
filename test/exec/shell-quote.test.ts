import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quoteArg, quoteArgv } from '../../src/exec/shell-quote.js';

const HOSTILE = [
  '',
  ' ',
  'plain',
  "it's",
  "''",
  '"double"',
  '$(touch /tmp/tshoot-canary-quote)',
  '`touch /tmp/tshoot-canary-quote`',
  'a; touch /tmp/tshoot-canary-quote',
  'line1\nline2\n',
  '\\n\\',
  '*',
  '~',
  '~root',
  '$HOME ${HOME}',
  'a=b',
  '-n',
  '!',
  '#not a comment',
  '|&><(){}[]?',
  'tab\there',
  'ünïcødé ✓',
  "\x01\x7f",
];

/** The words a real shell makes of the quoted text. */
function wordsVia(shell: string, argv: readonly string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${quoteArgv(argv)}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('quoteArgv', () => {
  const shells = ['/bin/sh', '/bin/dash', '/bin/bash', '/bin/zsh', '/bin/ksh'].filter((s) => existsSync(s));
  for (const shell of shells) {
    it(`round-trips hostile arguments through ${shell}`, () => {
      expect(wordsVia(shell, HOSTILE)).toEqual(HOSTILE);
      expect(existsSync('/tmp/tshoot-canary-quote')).toBe(false);
    });
  }

  it('keeps empty arguments as their own word', () => {
    expect(quoteArgv(['a', '', 'b'])).toBe("a '' b");
    expect(wordsVia('/bin/sh', ['', ''])).toEqual(['', '']);
  });

  it('leaves safe words bare and quotes everything else', () => {
    expect(quoteArg('/usr/bin/ss')).toBe('/usr/bin/ss');
    expect(quoteArg('a=b')).toBe("'a=b'");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
  });

  it('rejects NUL bytes', () => {
    expect(() => quoteArgv(['a\0b'])).toThrow(/NUL/);
  });
});
