/**
 * "Paste the error message": a prompt that takes a whole multi-line paste (a stack trace, a
 * browser page) as one answer. An inquirer input ends at the first line of a paste and drops the
 * rest, so this asks the terminal for bracketed paste (xterm's `CSI ? 2004 h`: the paste comes
 * between `CSI 200 ~` and `CSI 201 ~`): newlines inside a paste are text, Enter typed outside one
 * submits. A terminal without bracketed paste submits at the paste's first line, as inquirer did.
 * Reference: https://invisible-island.net/xterm/ctlseqs/ctlseqs.html#h2-Bracketed-Paste-Mode
 */
import { Interrupted } from '../engine/ports.js';
import { oneLine } from './sanitize.js';
import type { Style } from './style.js';

export interface PasteIO {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly output: NodeJS.WritableStream;
  readonly signal?: AbortSignal;
  readonly style: Style;
}

/** At most this much text: an error message, not a log file. */
export const MAX_PASTE = 1024 * 1024;

const PASTE_ON = '\x1b[?2004h';
const PASTE_OFF = '\x1b[?2004l';
const START = '\x1b[200~';
const END = '\x1b[201~';

/**
 * Asks `message` (with `help` dim under it) and resolves with the text pasted or typed, once
 * Enter is pressed outside a paste with something there (or Ctrl-D). Ctrl-C, or the signal,
 * rejects with `Interrupted`. Needs a terminal (`setRawMode`).
 */
export function askPaste(io: PasteIO, message: string, help: string): Promise<string> {
  const { input, output, style } = io;
  if (typeof input.setRawMode !== 'function') return Promise.reject(new Error('askPaste needs a terminal'));
  const setRaw = input.setRawMode.bind(input);
  // The mode first, in the same write: a paste that comes as soon as the question shows is bracketed.
  output.write(`${PASTE_ON}${style.green('?')} ${style.bold(message)}\n  ${style.dim(help)}\n  ${style.cyan('›')} `);
  setRaw(true);
  input.setEncoding('utf8');
  input.resume();
  let text = '';
  let pending = ''; // an escape sequence split between chunks
  let pasting = false;
  let afterCR = false; // a paste's `\r\n` is one line end
  return new Promise<string>((resolve, reject) => {
    const finish = (err: Error | null) => {
      input.removeListener('data', onData);
      io.signal?.removeEventListener('abort', onAbort);
      output.write(PASTE_OFF);
      setRaw(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else {
        const lines = text.split('\n').filter((l) => l.trim() !== '').length;
        output.write(`${style.green('✔')} ${style.bold(message)} ${style.dim(`${lines} line${lines === 1 ? '' : 's'}`)}\n`);
        resolve(text);
      }
    };
    const onAbort = () => finish(new Interrupted());
    const add = (t: string) => {
      const s = t.slice(0, Math.max(0, MAX_PASTE - text.length));
      if (s === '') return;
      text += s;
      // Echoed as text (whatever it holds), continuation lines under the first.
      output.write(s.split('\n').map((l) => oneLine(l, 10_000)).join(`\n    `));
    };
    const onData = (chunk: string | Buffer) => {
      let s = pending + String(chunk);
      pending = '';
      let i = 0;
      while (i < s.length) {
        const c = s[i]!;
        if (c === '\x1b') {
          // A sequence cut by the chunk's end waits for the next chunk.
          const rest = s.slice(i);
          if (START.startsWith(rest) || END.startsWith(rest) || /^\x1b(\[[0-9;?]*)?$/.test(rest)) {
            pending = rest;
            return;
          }
          if (rest.startsWith(START)) {
            pasting = true;
            i += START.length;
            continue;
          }
          if (rest.startsWith(END)) {
            pasting = false;
            i += END.length;
            continue;
          }
          // Any other key's sequence (arrows, function keys) is no text.
          const m = /^\x1b\[[0-9;?]*[ -/]*[@-~]|^\x1bO.|^\x1b./.exec(rest);
          i += m ? m[0].length : 1;
          continue;
        }
        if (pasting) {
          // The run up to the next escape, at once: line ends as `\n` (a CRLF cut by the chunk
          // included), tabs as spaces, other controls dropped.
          const end = s.indexOf('\x1b', i);
          let run = s.slice(i, end < 0 ? s.length : end);
          i += run.length;
          if (afterCR && run.startsWith('\n')) run = run.slice(1);
          afterCR = run.endsWith('\r');
          // eslint-disable-next-line no-control-regex
          add(run.replace(/\r\n?/g, '\n').replace(/\t/g, '  ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ''));
          continue;
        }
        i++;
        if (c === '\x03') return finish(new Interrupted());
        if (c === '\r' || c === '\n' || c === '\x04') {
          if (text.trim() !== '') return finish(null);
          if (c === '\x04') return finish(new Interrupted());
          continue;
        }
        if (c === '\x7f' || c === '\b') {
          if (text !== '' && !text.endsWith('\n')) {
            text = text.slice(0, -1);
            output.write('\x1b[D\x1b[K'); // back one column, erase to the end of the line
          }
          continue;
        }
        if (c >= ' ') add(c);
      }
    };
    input.on('data', onData);
    if (io.signal?.aborted) return onAbort();
    io.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
