/**
 * Host output is hostile: nothing it prints may reach the terminal as a control function.
 * The invariant (no ESC, no C0 but \t \n, no C1, no bidi control) is checked on crafted
 * inputs and on random ones; the cases strip-ansi gets wrong are spelled out.
 */
import { describe, expect, it } from 'vitest';
import { cut, fold, oneLine, sanitize } from '../../src/ui/sanitize.js';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\u{e0000}-\u{e007f}]/u;

describe('sanitize', () => {
  it.each([
    ['SGR colour', '\x1b[31mred\x1b[0m', 'red'],
    ['CSI with parameters and intermediates', 'a\x1b[38;5;196mb\x1b[1 qc', 'abc'],
    ['clear screen and cursor home', '\x1b[2J\x1b[Hx', 'x'],
    ['private mode (alternate screen, hide cursor)', '\x1b[?1049h\x1b[?25lx', 'x'],
    ['OSC title ended by BEL', '\x1b]0;PWNED\x07after', 'after'],
    ['OSC title ended by ST', '\x1b]2;PWNED\x1b\\after', 'after'],
    ['OSC 8 hyperlink keeps its text', '\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['OSC 52 clipboard write', '\x1b]52;c;Y3VybCBldmls\x07ok', 'ok'],
    ['DCS (sixel, DECRQSS)', '\x1bPq#0;2;0;0;0\x1b\\ok', 'ok'],
    ['APC / PM / SOS strings', '\x1b_apc\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\ok', 'ok'],
    ['unterminated OSC swallows to the end like a terminal would', 'ok\x1b]0;PWNED', 'ok'],
    ['two-byte ESC sequences (RIS, DECSC, charset)', '\x1bc\x1b7\x1b(0x', 'x'],
    ['lone ESC at the end', 'x\x1b', 'x'],
    ['8-bit CSI', 'a\u009b31mb', 'ab'],
    ['8-bit OSC ended by 8-bit ST', 'a\u009d0;PWNED\u009cb', 'ab'],
  ])('removes %s', (_name, input, want) => {
    expect(sanitize(input)).toBe(want);
  });

  it.each([
    ['carriage return (boxen would print FAIL\\rOK as OKIL)', 'FAIL\rOK', 'FAIL\\x0dOK'],
    ['backspace', 'ab\bc', 'ab\\x08c'],
    ['BEL', 'ding\x07', 'ding\\x07'],
    ['NUL', 'a\x00b', 'a\\x00b'],
    ['DEL', 'a\x7fb', 'a\\x7fb'],
    ['a C1 control with no sequence (NEL)', 'a\u0085b', 'a\\x85b'],
    ['a lone 8-bit CSI with no final byte', '\u009b', '\\x9b'],
    ['bidi override (Trojan Source)', 'if (admin\u202e \u2066// check\u2069\u2066) {', 'if (admin\\u{202e} \\u{2066}// check\\u{2069}\\u{2066}) {'],
    ['arabic letter mark, LRM, RLM', '\u061c\u200e\u200f', '\\u{61c}\\u{200e}\\u{200f}'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u{2028}b\\u{2029}c'],
    ['invisible tag characters', 'ok\u{e0041}\u{e0042}', 'ok\\u{e0041}\\u{e0042}'],
  ])('shows %s as a visible escape', (_name, input, want) => {
    expect(sanitize(input)).toBe(want);
  });

  it('keeps newline, tab and every printable character; CRLF is a line end', () => {
    expect(sanitize('a\tb\nc')).toBe('a\tb\nc');
    expect(sanitize('HTTP/1.1 200 OK\r\nServer: nginx\r\n')).toBe('HTTP/1.1 200 OK\nServer: nginx\n');
    const text = 'Größe 日本語 ✔ — “quotes” emoji 🙂 [::1]:80 100%';
    expect(sanitize(text)).toBe(text);
  });

  it('leaves no control function whatever the input (random strings)', () => {
    // A deterministic PRNG: the same cases on every run.
    let seed = 0x2545f491;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    const alphabet = ['\x1b', '[', ']', '\\', '\x07', '\x9b', '\x9c', '\x9d', '\x90', 'P', '_', '^', 'X', ';', '0', '9', '?', ' ', 'm', 'a', '\r', '\n', '\t', '\x00', '\x7f', '\u202e', '\u2066', '\u{e0041}', '~', '@'];
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 40);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const out = sanitize(s);
      expect(FORBIDDEN.test(out), JSON.stringify(s)).toBe(false);
      // Idempotent: a second pass changes nothing (no sequence is formed by the removals).
      expect(sanitize(out)).toBe(out);
    }
  });

  it('is linear on adversarial input (1 MB in well under a second)', () => {
    const inputs = [
      '\x1b['.repeat(500_000),
      '\x1b[' + '1;'.repeat(500_000),
      '\x1b]' + 'x'.repeat(1_000_000),
      '\x9b'.repeat(1_000_000),
      ('\x1b]0;' + 'y'.repeat(100)).repeat(10_000),
    ];
    for (const s of inputs) {
      const t0 = performance.now();
      sanitize(s);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});

describe('oneLine, cut, fold', () => {
  it('oneLine shows newlines as ⏎, tabs as spaces, and cuts with …', () => {
    expect(oneLine('a\nb\tc')).toBe('a ⏎ b c');
    expect(oneLine('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(oneLine('\x1b]0;t\x07ok\x1b[2J', 10)).toBe('ok');
  });

  it('cut never splits a surrogate pair', () => {
    expect(cut('🙂🙂🙂🙂', 3)).toBe('🙂🙂…');
    expect(cut('🙂🙂', 2)).toBe('🙂🙂');
  });

  it('fold keeps the first lines, cuts long ones, and says how many more there were', () => {
    const text = Array.from({ length: 20 }, (_, i) => `line ${i} ${'z'.repeat(i * 10)}`).join('\n') + '\n';
    const folded = fold(text, { maxLines: 3, maxWidth: 20 });
    expect(folded).toEqual(['line 0 ', `line 1 ${'z'.repeat(10)}`, `line 2 ${'z'.repeat(12)}…`, '… 17 more lines (--verbose shows all)']);
    expect(fold(text, { maxLines: 3, maxWidth: 20, whole: true })).toHaveLength(20);
    expect(fold(['a\tb', 'c\x1b[2Jd'], { maxLines: 5, maxWidth: 80 })).toEqual(['a  b', 'cd']);
  });
});
