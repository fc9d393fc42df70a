/**
 * What the CLI gets from the outside world. `main.ts` passes the process streams, each behind
 * `terminalStream`; tests pass their own. Nothing under `cli/` reads `process` directly.
 */
import { terminalText, type Drawing } from '../ui/sanitize.js';

export interface OutStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
  /** Until the returned release is called, Ctrl-C calls `onInterrupt` instead of aborting or exiting (a rollback runs to its end). */
  readonly holdInterrupts?: (onInterrupt: () => void) => () => void;
}

/** The process exit codes of the CLI contract (README). */
export const EXIT = {
  fix: 0,
  unresolved: 1,
  usage: 2,
  unreachable: 3,
  needsInput: 4,
  interrupted: 130,
} as const;

/**
 * Where prompts are drawn, or null when there is no terminal to ask on (stdin must be one).
 * The terminal among stdout and stderr, stdout first, stderr first with `--json`: a user piping
 * `tshoot run … | tee log` still answers on the terminal, and `--json > out.json` keeps stdout
 * pure JSON (issue 16). With `--json 2> err` the terminal is stdout: a person reads it.
 */
export function promptStream(io: CliIO, opts: { readonly nonInteractive?: boolean | undefined; readonly json?: boolean | undefined }): OutStream | null {
  if (opts.nonInteractive || io.stdin.isTTY !== true) return null;
  const order = opts.json ? [io.stderr, io.stdout] : [io.stdout, io.stderr];
  return order.find((s) => s.isTTY === true) ?? null;
}

/**
 * How the user runs tshoot, for the commands a message tells them to type: `npx tshoot` when
 * npx (or `npm exec`) started it — then `tshoot` is on no PATH of their shell — else `tshoot`.
 * npm marks what it runs that way with npm_command=exec and npm_lifecycle_event=npx.
 */
export function selfCommand(env: CliIO['env']): string {
  return env.npm_command === 'exec' && env.npm_lifecycle_event === 'npx' ? 'npx tshoot' : 'tshoot';
}

/** `tshoot: message` as one line on stderr, the prefix once even when the message starts with it. */
export function errorLine(message: string): string {
  return `tshoot: ${message.replace(/^(?:tshoot: )+/, '')}\n`;
}

/**
 * The one sanitizing writer (issue 12 finding 11): everything written to `raw` goes through
 * `terminalText`, so no transcript label, file name, host output or error message reaches
 * the terminal as a control function, whoever wrote it and whether or not it was sanitized
 * before. What tshoot draws itself passes as `drawing()` allows at the time of the write.
 *
 * Everything else is the raw stream's own (isTTY, columns, events): ora and inquirer get it
 * as they would the real one. Its cursor methods (`cursorTo`, `moveCursor`, `clearLine`, which
 * ora clears its spinner with) act on the raw stream, so they are not written as text here;
 * `write` may be replaced, as ora does while it spins, and put back.
 */
export function terminalStream<S extends OutStream>(raw: S, drawing: () => Drawing): S {
  // Bytes (rare: a piped stream) are decoded across writes, a character split between two too.
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  const sanitizing = (chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), cb?: (e?: Error | null) => void): boolean => {
    const done = typeof encoding === 'function' ? encoding : cb;
    const text = typeof chunk === 'string' ? chunk : (decoder ??= new TextDecoder()).decode(chunk, { stream: true });
    return done ? raw.write(terminalText(text, drawing()), done) : raw.write(terminalText(text, drawing()));
  };
  let write: unknown = sanitizing;
  return new Proxy(raw, {
    get(target, key) {
      if (key === 'write') return write;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, key, value) {
      if (key === 'write') write = value;
      else Reflect.set(target, key, value, target);
      return true;
    },
  });
}
