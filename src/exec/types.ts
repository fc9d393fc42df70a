/**
 * The executor port: how the runner has a command run on a host. Implementations: `local`
 * (child_process, no shell) and `ssh`. A command that fails on the host is a value
 * (`exit` ≠ 0); only a failure to reach the host is a `transport` error, and even that is
 * returned, not thrown, so that a flow can branch on it.
 */

/** The hosts a flow's commands run on; the flow and transcript schemas are built from this list. */
export const ROLES = ['client', 'server', 'bastion', 'local'] as const;
export type Role = (typeof ROLES)[number];

export interface CommandSpec {
  /** The argv, already rendered. Never joined into a string for a local shell. */
  readonly argv: readonly string[];
  /** Wall-clock limit; the process is killed after it. */
  readonly timeoutMs: number;
  /** Run as root: `sudo -n` when not root already. */
  readonly root?: boolean;
  /** Bytes kept of each of stdout and stderr; the rest is dropped and flagged. */
  readonly maxOutputBytes?: number;
}

/** How a host could not be reached. A flow can branch on these (`node.error == "refused"`). */
export const TRANSPORT_ERROR_CODES = ['dns', 'refused', 'timeout', 'auth', 'host-key', 'disconnected', 'unconfigured'] as const;
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

export interface TransportError {
  readonly code: TransportErrorCode;
  readonly message: string;
}

export interface CommandResult {
  /** Exit status; null when the process did not exit by itself (killed, timed out, transport error). */
  readonly exit: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly truncated: { readonly stdout: boolean; readonly stderr: boolean };
  /** Set when the host itself could not be reached: then nothing ran. */
  readonly transport: TransportError | null;
}

export interface Executor {
  /** What the user named: `local`, `user@host:22`, an ssh alias. */
  readonly dest: string;
  run(cmd: CommandSpec, signal?: AbortSignal): Promise<CommandResult>;
  /**
   * Get ready without touching the host (SSH: resolve the destination with `ssh -G`), so the
   * first command does not wait for it; what it finds is what that command gets.
   */
  prepare?(): void;
  close(): Promise<void>;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export function transportFailure(code: TransportErrorCode, message: string, durationMs = 0): CommandResult {
  return {
    exit: null,
    stdout: '',
    stderr: '',
    durationMs: Math.round(durationMs),
    timedOut: code === 'timeout',
    truncated: { stdout: false, stderr: false },
    transport: { code, message },
  };
}
