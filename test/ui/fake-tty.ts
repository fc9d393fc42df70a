/**
 * A writable that says it is a terminal of a given width, collecting what is written; the
 * cursor methods ora calls write the escape sequences a tty.WriteStream would.
 */
import { Writable } from 'node:stream';

export class FakeTTY extends Writable {
  text = '';
  readonly isTTY: boolean;
  columns: number | undefined;
  readonly rows = 50;

  constructor(o: { isTTY?: boolean; columns?: number } = {}) {
    super();
    this.isTTY = o.isTTY ?? true;
    this.columns = 'columns' in o ? o.columns : 80;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }

  cursorTo(x: number): boolean {
    return this.write(`\x1b[${x + 1}G`);
  }

  moveCursor(dx: number, dy: number): boolean {
    let s = '';
    if (dx) s += dx > 0 ? `\x1b[${dx}C` : `\x1b[${-dx}D`;
    if (dy) s += dy > 0 ? `\x1b[${dy}B` : `\x1b[${-dy}A`;
    return s ? this.write(s) : true;
  }

  clearLine(dir: number): boolean {
    return this.write(dir < 0 ? '\x1b[1K' : dir > 0 ? '\x1b[0K' : '\x1b[2K');
  }
}
