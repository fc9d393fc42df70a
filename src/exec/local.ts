/**
 * The `local` executor: runs argv on this machine with no shell in between, in its own
 * process group so that a timeout ends the command and everything it started.
 */
import { spawn } from 'node:child_process';
import { DEFAULT_MAX_OUTPUT_BYTES, type CommandResult, type CommandSpec, type Executor } from './types.js';

export function createLocalExecutor(): Executor {
  return {
    dest: 'local',
    run: runLocal,
    close: async () => {},
  };
}

const KILL_AFTER_ABORT_MS = 300;

export function runLocal(cmd: CommandSpec, signal?: AbortSignal): Promise<CommandResult> {
  const argv = cmd.root && process.getuid?.() !== 0 ? ['sudo', '-n', '--', ...cmd.argv] : [...cmd.argv];
  const max = cmd.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const started = performance.now();
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    let child;
    try {
      child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, LC_ALL: 'C' } });
    } catch (e) {
      resolve(notRun(argv, e, started));
      return;
    }
    const out = capped(max);
    const err = capped(max);
    let timedOut = false;
    let settled = false;
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 1000).unref();
    }, cmd.timeoutMs);
    // Ctrl-C: the command is in its own process group (no SIGINT from the terminal reaches it),
    // so end the group; a command that ignores SIGTERM gets SIGKILL soon after. The timer is
    // not unref'd: the process waits (at most KILL_AFTER_ABORT_MS) rather than leave it running.
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), KILL_AFTER_ABORT_MS);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(notRun(argv, e, started));
    });
    child.on('close', (code) => {
      clearTimeout(killTimer);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({
        exit: timedOut ? null : code,
        stdout: out.text(),
        stderr: err.text(),
        durationMs: Math.round(performance.now() - started),
        timedOut,
        truncated: { stdout: out.truncated(), stderr: err.truncated() },
        transport: null,
      });
    });
  });
}

/** A command that could not start is a result like a shell would give: 127, "command not found". */
function notRun(argv: readonly string[], e: unknown, started: number): CommandResult {
  const code = (e as NodeJS.ErrnoException).code;
  const exit = code === 'ENOENT' ? 127 : 126;
  const why = code === 'ENOENT' ? 'command not found' : ((e as Error).message ?? String(e));
  return {
    exit,
    stdout: '',
    stderr: `${argv[0]}: ${why}\n`,
    durationMs: Math.round(performance.now() - started),
    timedOut: false,
    truncated: { stdout: false, stderr: false },
    transport: null,
  };
}

/** Keeps the first `max` bytes and counts the rest, so memory stays bounded whatever the host prints. */
export function capped(max: number) {
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  return {
    push: (b: Buffer) => {
      const room = max - kept;
      if (room <= 0) {
        dropped += b.length;
        return;
      }
      const take = b.length <= room ? b : b.subarray(0, room);
      chunks.push(take);
      kept += take.length;
      dropped += b.length - take.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
    truncated: () => dropped > 0,
  };
}
