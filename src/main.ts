/**
 * The process around the CLI: the only place that touches `process` and sets the exit code.
 * The build bundles it (with everything it imports) into `dist/cli.bundle.js`, which bin.cts loads.
 */
import type { ReadStream } from 'node:tty';
import { cli } from './cli/cli.js';
import { terminalStream, type OutStream } from './cli/io.js';
import type { Drawing } from './ui/sanitize.js';
import { colorEnabled } from './ui/style.js';

/** Runs the command line of this process; resolves once the exit code is set. */
export function main(): Promise<void> {
  // chalk (under ora and boxen) does not read NO_COLOR: make it (https://no-color.org).
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';

  // `tshoot … | head`: the reader went away; that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }

  const controller = new AbortController();
  let interrupts = 0;
  // While a rollback runs (cli/apply.ts), Ctrl-C is held: it is told to the rollback, which finishes.
  let held: (() => void) | null = null;
  // Reference: https://nodejs.org/api/process.html#signal-events — else a second Ctrl-C exits at once.
  process.on('SIGINT', () => {
    if (held) return held();
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });

  // Every byte the CLI prints goes through one sanitizing writer (cli/io.ts terminalStream).
  let stdinMade = false;
  const stdout = terminalStream(process.stdout, drawing(process.stdout, () => stdinMade));
  const stderr = terminalStream(process.stderr, drawing(process.stderr, () => stdinMade));

  return cli(process.argv.slice(2), {
    // On first use: \`process.stdin\` builds a stream (about 1 ms) that most commands never read.
    get stdin() {
      stdinMade = true;
      return process.stdin;
    },
    stdout,
    stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    holdInterrupts: (fn) => {
      held = fn;
      return () => {
        if (held === fn) held = null;
      };
    },
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // Ctrl-C that reached here (a command that does not handle it itself) is still no crash.
      if ((e as { code?: unknown } | null)?.code === 'interrupted') {
        stderr.write('\ntshoot: interrupted\n');
        process.exitCode = 130;
        return;
      }
      const msg = e instanceof Error ? e.message : String(e);
      stderr.write(`tshoot: internal error: ${msg.split('\n')[0]}\n`);
      if (process.env.TSHOOT_DEBUG) stderr.write(`${(e as Error)?.stack ?? ''}\n`);
      process.exitCode = 2;
    },
  );
}

/**
 * What of tshoot's drawing a process stream lets through. Colours on a terminal (inquirer on
 * Node 20 colours its prompt even under NO_COLOR), or off one when FORCE_COLOR asks; cursor
 * modes on a terminal; cursor movement only while a prompt holds the terminal (stdin in raw
 * mode: inquirer redrawing). Off a terminal nothing passes: a log or a pipe gets text only.
 */
function drawing(stream: OutStream, stdinMade: () => boolean): () => Drawing {
  const tty = stream.isTTY === true;
  const styles = tty || colorEnabled(process.env, false);
  const prompting = () => tty && stdinMade() && (process.stdin as ReadStream).isRaw === true;
  return () => ({ styles, modes: tty, cursor: prompting() });
}
