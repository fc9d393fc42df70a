/**
 * Host output is hostile: nothing it prints may reach the terminal as a control function.
 * The invariant (no ESC, no C0 but \t \n, no C1, no bidi control) is checked on crafted
 * inputs and on random ones; the cases strip-ansi gets wrong are spelled out.
 */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { terminalStream } from '../../src/cli/io.js';
import { cut, displayWidth, fold, oneLine, PLAIN, sanitize, terminalText, type Drawing } from '../../src/ui/sanitize.js';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\u{e0000}-\u{e007f}]/u;

/**
 * A megabyte in well under a second on an idle machine; the bound leaves room for a loaded
 * one (8 test runs on 2 cores), while a quadratic pass would take minutes.
 */
const LINEAR_MS = 5000;

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
    const rnd = prng(0x2545f491);
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

  it('is linear on adversarial input (1 MB)', () => {
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
      expect(performance.now() - t0).toBeLessThan(LINEAR_MS);
    }
  });
});

describe('oneLine, cut, fold', () => {
  it('oneLine shows newlines as ⏎, tabs as spaces, and cuts with …', () => {
    expect(oneLine('a\nb\tc')).toBe('a ⏎ b c');
    expect(oneLine('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(oneLine('\x1b]0;t\x07ok\x1b[2J', 10)).toBe('ok');
  });

  it('cut counts terminal columns (CJK and emoji take two), never splits a character or a surrogate pair', () => {
    expect(cut('🙂🙂🙂🙂', 5)).toBe('🙂🙂…');
    expect(cut('🙂🙂🙂🙂', 4)).toBe('🙂…');
    expect(cut('🙂🙂', 4)).toBe('🙂🙂');
    // Japanese is cut at the same column as English: 10 columns are 5 characters, not 10.
    expect(cut('クライアントから再度リクエスト', 10)).toBe('クライア…');
    expect(displayWidth(cut('クライアントから再度リクエスト', 10))).toBe(9);
    expect(cut('abcdefghijklmnop', 10)).toBe('abcdefghi…');
    expect(cut('e\u0301e\u0301e\u0301', 3)).toBe('e\u0301e\u0301e\u0301');
    expect(cut('anything', 0)).toBe('');
  });

  it('fold keeps the first lines, cuts long ones, and says how many more there were', () => {
    const text = Array.from({ length: 20 }, (_, i) => `line ${i} ${'z'.repeat(i * 10)}`).join('\n') + '\n';
    const folded = fold(text, { maxLines: 3, maxWidth: 20 });
    expect(folded).toEqual(['line 0 ', `line 1 ${'z'.repeat(10)}`, `line 2 ${'z'.repeat(12)}…`, '… 17 more lines (--verbose shows all)']);
    expect(fold(text, { maxLines: 3, maxWidth: 20, whole: true })).toHaveLength(20);
    expect(fold(['a\tb', 'c\x1b[2Jd'], { maxLines: 5, maxWidth: 80 })).toEqual(['a  b', 'cd']);
  });
});

/** A deterministic PRNG: the same cases on every run. */
function prng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
}

describe('terminalText: the one writer (issue 12 finding 11)', () => {
  const TTY: Drawing = { styles: true, modes: true, cursor: false };
  const PROMPT: Drawing = { styles: true, modes: true, cursor: true };

  it.each([
    ['clear screen', '\x1b[2Jx', '\\u001b[2Jx'],
    ['OSC 52 clipboard write', '\x1b]52;c;SGVsbG8=\x07', '\\u001b]52;c;SGVsbG8=\\u0007'],
    ['a title', '\x1b]0;PWNED\x1b\\', '\\u001b]0;PWNED\\u001b\\'],
    ['bidi override', 'a\u202eb', 'a\\u202eb'],
    ['8-bit CSI and NEL', '\u009b31m\u0085', '\\u009b31m\\u0085'],
    ['a tag character (a surrogate pair)', '\u{e0041}', '\\udb40\\udc41'],
    ['a lone carriage return, backspace, DEL', 'FAIL\rOK\b\x7f', 'FAIL\\u000dOK\\u0008\\u007f'],
  ])('shows %s escaped, nothing removed', (_name, input, want) => {
    expect(terminalText(input, PLAIN)).toBe(want);
    expect(terminalText(input, TTY)).toBe(want);
  });

  it('keeps newline, tab, CRLF and printable text', () => {
    const text = 'a\tb\nc\r\nGröße 日本語 🙂 \\x1b';
    expect(terminalText(text, PLAIN)).toBe(text);
  });

  it("lets tshoot's drawing through only where it draws", () => {
    const styled = '\x1b[1m\x1b[36mcyan\x1b[39m\x1b[22m \x1b[2mdim\x1b[22m \x1b[90;1mgray\x1b[0m\x1b[m';
    expect(terminalText(styled, TTY)).toBe(styled);
    expect(terminalText(styled, PLAIN)).not.toContain('\x1b');
    expect(terminalText('\x1b[?25l\x1b[?2026hx\x1b[?2026l\x1b[?25h', TTY)).toBe('\x1b[?25l\x1b[?2026hx\x1b[?2026l\x1b[?25h');
    expect(terminalText('\x1b[?25l', { ...TTY, modes: false })).toBe('\\u001b[?25l');
    // Cursor movement and \r only while a prompt draws.
    const redraw = '\x1b[2K\x1b[1A\x1b[2K\x1b[G? q\x1b[3G\x1b[0J\r';
    expect(terminalText(redraw, PROMPT)).toBe(redraw);
    expect(terminalText(redraw, TTY)).not.toContain('\x1b');
  });

  it.each([
    ['conceal', '\x1b[8m'],
    ['black', '\x1b[30m'],
    ['a background', '\x1b[41m'],
    ['a 256-colour foreground', '\x1b[38;5;0m'],
    ['blink', '\x1b[5m'],
    ['bold then conceal in one', '\x1b[1;8m'],
    ['clear screen', '\x1b[2J'],
    ['the alternate screen', '\x1b[?1049h'],
    ['an OSC', '\x1b]0;t\x07'],
  ])('never lets %s through, not even while a prompt draws', (_name, seq) => {
    const out = terminalText(`a${seq}b`, PROMPT);
    expect(out).not.toContain('\x1b');
    expect(out.startsWith('a\\u001b')).toBe(true);
  });

  it('a JSON text stays the same JSON value, with no control character left (random values)', () => {
    const rnd = prng(0x12c0ffee);
    const alphabet = ['\x1b', '[', ']', '"', '\\', '\x07', '\x9b', '\x9c', '\x9d', '\x85', '\x7f', '\u202e', '\u2066', '\u2028', '\u2029', '\u061c', '\u{e0041}', '\ud800', '\r', '\n', '\t', '\x00', 'a', '日', '🙂', 'u', '0'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let j = Math.floor(rnd() * 30); j > 0; j--) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const value = { s, list: [s, { [s]: s }] };
      for (const d of [PLAIN, TTY, PROMPT]) {
        const out = terminalText(JSON.stringify(value), d);
        expect(FORBIDDEN.test(out), JSON.stringify(s)).toBe(false);
        expect(JSON.parse(out)).toEqual(value);
      }
    }
  });

  it('leaves no control function in any text (random strings), and is idempotent', () => {
    const rnd = prng(0x5eed1234);
    const alphabet = ['\x1b', '[', ']', '?', '2', '5', 'l', 'h', 'm', 'J', 'A', ';', '\x07', '\x9b', '\r', '\n', '\x00', '\u202e', '\u{e0041}', 'x'];
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let j = Math.floor(rnd() * 40); j > 0; j--) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const out = terminalText(s, PLAIN);
      expect(FORBIDDEN.test(out.replace(/\r?\n/g, '')), JSON.stringify(s)).toBe(false);
      expect(terminalText(out, PLAIN)).toBe(out);
    }
  });

  it('is linear on adversarial input', () => {
    for (const s of ['\x1b['.repeat(500_000), '\x1b[' + '1;'.repeat(500_000), '\x9b'.repeat(1_000_000)]) {
      const t0 = performance.now();
      terminalText(s, TTY);
      expect(performance.now() - t0).toBeLessThan(LINEAR_MS);
    }
  });
});

describe('terminalStream', () => {
  /** A stream that records what reaches the "terminal", and the cursor calls made on it. */
  function fakeTerminal() {
    const got: string[] = [];
    const calls: string[] = [];
    const raw = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          got.push(chunk.toString());
          cb();
        },
      }),
      {
        isTTY: true,
        columns: 77,
        cursorTo(x: number) {
          calls.push(`cursorTo ${x}`);
          // A tty.WriteStream writes the sequence to itself: it must reach the terminal as is.
          raw.write(`\x1b[${x + 1}G`);
          return true;
        },
      },
    );
    return { raw, got, calls };
  }

  it('sanitizes every write, Buffers split inside a character too; the rest is the raw stream', () => {
    const { raw, got, calls } = fakeTerminal();
    const out = terminalStream(raw, () => PLAIN);
    out.write('a\x1b[2J\n');
    const rlo = Buffer.from('\u202e!');
    out.write(rlo.subarray(0, 1));
    out.write(rlo.subarray(1));
    expect(got.join('')).toBe('a\\u001b[2J\n\\u202e!');
    expect(out.isTTY).toBe(true);
    expect(out.columns).toBe(77);
    (out as unknown as { cursorTo(x: number): boolean }).cursorTo(4);
    expect(calls).toEqual(['cursorTo 4']);
    expect(got.at(-1)).toBe('\x1b[5G');
  });

  it('takes a replaced write (ora hooks it while it spins) and its own back', () => {
    const { raw, got } = fakeTerminal();
    const out = terminalStream(raw, () => PLAIN);
    const original = out.write;
    const seen: string[] = [];
    out.write = ((chunk: string) => (seen.push(chunk), (original as (c: string) => boolean).call(out, chunk))) as typeof out.write;
    out.write('\x1b]0;t\x07');
    expect(seen).toEqual(['\x1b]0;t\x07']);
    out.write = original;
    out.write('x');
    expect(seen).toHaveLength(1);
    expect(got.join('')).toBe('\\u001b]0;t\\u0007x');
  });

  it('asks what may pass at each write (a prompt starts and ends)', () => {
    const { raw, got } = fakeTerminal();
    let prompting = false;
    const out = terminalStream(raw, () => ({ styles: true, modes: true, cursor: prompting }));
    out.write('\x1b[1A');
    prompting = true;
    out.write('\x1b[1A');
    expect(got).toEqual(['\\u001b[1A', '\x1b[1A']);
  });
});
