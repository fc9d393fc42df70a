/**
 * What the CLI gets from the outside world. `main.ts` passes the real process streams;
 * tests pass their own. Nothing under `cli/` reads `process` directly.
 */
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
