/**
 * The executable: the only place that touches `process` and sets the exit code.
 */
import { cli } from './cli/cli.js';

// chalk (under ora and boxen) does not read NO_COLOR: make it (https://no-color.org).
if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';

const controller = new AbortController();
let interrupts = 0;
// Reference: https://nodejs.org/api/process.html#signal-events — a second Ctrl-C exits at once.
process.on('SIGINT', () => {
  if (++interrupts > 1) process.exit(130);
  controller.abort();
});

cli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`tshoot: internal error: ${msg.split('\n')[0]}\n`);
    if (process.env.TSHOOT_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exitCode = 2;
  },
);
