/**
 * ui/paste.ts on a fake terminal (the stdin port): what it keeps of the bytes a terminal sends.
 * The real terminal (tmux, bracketed paste) is in test/cli/diagnose.test.ts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Interrupted } from '../../src/engine/ports.js';
import { askPaste, MAX_PASTE } from '../../src/ui/paste.js';
import { makeStyle } from '../../src/ui/style.js';

function terminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[], setRawMode(r: boolean) { input.raw.push(r); return input; } });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  return { input, output, shown: () => shown };
}

const ask = (t: ReturnType<typeof terminal>, signal?: AbortSignal) =>
  askPaste({ input: t.input, output: t.output, style: makeStyle(false), ...(signal ? { signal } : {}) }, 'Paste the error message:', 'help');

describe('askPaste', () => {
  it('a bracketed paste keeps its line ends (CRLF as one), even split inside the marks; Enter after it submits', async () => {
    const t = terminal();
    const p = ask(t);
    for (const chunk of ['\x1b[20', '0~line one\r\n', 'line two\r', '\rline four\x1b[2', '01~', '\r']) t.input.write(chunk);
    await expect(p).resolves.toBe('line one\nline two\n\nline four');
    expect(t.input.raw).toEqual([true, false]);
    expect(t.shown()).toMatch(/^\x1b\[\?2004h\? Paste the error message:/);
    expect(t.shown()).toContain('\x1b[?2004l');
    expect(t.shown()).toContain('✔ Paste the error message: 3 lines');
  });

  it('typed: arrows are no text, Backspace removes, Enter on nothing waits', async () => {
    const t = terminal();
    const p = ask(t);
    t.input.write('\r');
    t.input.write('ERR_CONNECTION_REFUSEDX\x1b[D\x1b[A\x1bOB\x7f');
    t.input.write('\r');
    await expect(p).resolves.toBe('ERR_CONNECTION_REFUSED');
  });

  it('Ctrl-C, Ctrl-D on nothing, and the abort signal are Interrupted; raw mode is left', async () => {
    for (const key of ['\x03', '\x04']) {
      const t = terminal();
      const p = ask(t);
      t.input.write(key);
      await expect(p).rejects.toBeInstanceOf(Interrupted);
      expect(t.input.raw).toEqual([true, false]);
    }
    const t = terminal();
    const ac = new AbortController();
    const p = ask(t, ac.signal);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(Interrupted);
  });

  it('pasted escapes are not echoed as such; the text stops at its limit', async () => {
    const t = terminal();
    const p = ask(t);
    t.input.write(`\x1b[200~\x1b]0;PWNED\x07red\x1b[31m${'x'.repeat(MAX_PASTE)}\x1b[201~\r`);
    const text = await p;
    expect(text.length).toBeLessThanOrEqual(MAX_PASTE);
    expect(text.startsWith('0;PWNEDred')).toBe(true); // the OSC's introducer taken as a key, BEL dropped, the rest text
    expect(t.shown()).not.toContain('\x1b]0;');
    expect(t.shown()).not.toContain('\x07');
  });
});
