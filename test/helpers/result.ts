import type { CommandResult } from '../../src/exec/types.js';

/** A command's result as the executor reports one that ran (no transport error), for engine tables. */
export const res = (stdout: string, exit = 0, stderr = ''): CommandResult => ({
  exit,
  stdout,
  stderr,
  durationMs: 5,
  timedOut: false,
  truncated: { stdout: false, stderr: false },
  transport: null,
});
