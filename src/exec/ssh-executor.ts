/**
 * The SSH executor: runs commands on a host over one pooled SSH connection per host
 * (made by ssh-connect.ts, through node-ssh), through persistent remote shells (ssh-shells.ts,
 * remote-shell.ts), root commands through sudo (ssh-sudo.ts), the destination resolved by
 * `ssh -G` (ssh-config.ts).
 *
 * Transport failures are values (`transportFailure`), classified:
 * - `dns`: ENOTFOUND / EAI_AGAIN / EAI_NONAME.
 * - `refused`: ECONNREFUSED (also when a jump host reports "Connection refused").
 * - `timeout`: no TCP connection or SSH handshake within the connect timeout, ETIMEDOUT, and
 *   also EHOSTUNREACH / ENETUNREACH: "no route" means packets don't get there, which a flow
 *   treats like a silent drop, not like a refusal. The message says which it was.
 * - `auth`: every key (agent, identity files) was rejected, or a key needed a passphrase and
 *   no prompt was available.
 * - `host-key`: unknown key not accepted, or a changed / revoked key.
 * - `disconnected`: the connection dropped while a command ran (that command gets it). The
 *   next command reconnects (a new handshake); after a second loss the host stays
 *   `disconnected` for the rest of the session, so a flapping link can't prompt forever.
 * - `unconfigured`: the destination can't be resolved (bad DEST, `ssh -G` failed,
 *   ProxyCommand, which is not supported).
 */
import type { Duplex } from 'node:stream';
import { knownHostName } from './known-hosts.js';
import { buildCommandScript, type ExecOutcome, newNonce, RemoteShell } from './remote-shell.js';
import { closedError, type Connecting, type ConnectOptions, connectSsh, forwardOut } from './ssh-connect.js';
import { SSH_CONFIG_TEXT, SSH_TEXT } from '../ui/messages.js';
import { configMessage, type ResolvedDest, resolveSshDest } from './ssh-config.js';
import { type ShellHost, ShellPool } from './ssh-shells.js';
import { type RunOn, Sudo, SUDO_AUTH_MS } from './ssh-sudo.js';
import type { ClientChannel, Ssh2Client } from './ssh2-types.js';
import {
  type CommandResult,
  type CommandSpec,
  DEFAULT_MAX_OUTPUT_BYTES,
  type Executor,
  type TransportError,
  transportFailure,
} from './types.js';

export { classifySocketError, type HostKeyInfo } from './ssh-connect.js';

export interface SshOptions extends ConnectOptions {
  /** An explicit OpenSSH config file (`ssh -F`). */
  readonly configFile?: string;
  /** Share connections between executors (one handshake per host per session). */
  readonly pool?: SshPool;
  /** Remote shells per connection for concurrent commands; default 8 (sshd MaxSessions is 10). */
  readonly maxShells?: number;
  /** A jump host (`--host bastion=…`) for destinations whose config names no ProxyJump. */
  readonly jump?: string;
  /** The destination's resolution (`resolveSshDest`), started by the caller before this code loaded (issue 17). */
  readonly resolving?: Promise<ResolvedDest>;
}

/** An SSH executor that can open its connection before its first command (issue 17). */
export interface SshExecutor extends Executor {
  /**
   * Resolve the destination and open its connection (through its jump host) and one shell
   * now, asking nobody; resolves when that ends, whatever it found (`SshConnection.warm`).
   */
  warm(): Promise<void>;
}

/**
 * An executor for `[user@]host[:port]` or an ssh config alias. Resolution and connection
 * happen on the first `run`, or before with `warm`. `close()` closes the pool only if the
 * executor made its own.
 *
 * @example
 * const pool = new SshPool();
 * const web = createSshExecutor('deploy@web1', { pool, askSecret });
 * const r = await web.run({ argv: ['ss', '-ltn'], timeoutMs: 5000 });
 * await pool.close();
 */
export function createSshExecutor(dest: string, opts: SshOptions = {}): SshExecutor {
  const ownPool = opts.pool === undefined;
  const pool = opts.pool ?? new SshPool();
  let resolved: Promise<ResolvedDest | TransportError> | null = null;
  let early = opts.resolving;
  const resolve = () =>
    (resolved ??= (early ?? resolveSshDest(dest, opts.configFile === undefined ? {} : { configFile: opts.configFile })).catch(
      (err: unknown): TransportError => ({ code: 'unconfigured', message: `ssh ${dest}: ${configMessage(err, SSH_CONFIG_TEXT[opts.lang ?? 'en'])}` }),
    ));
  // `--host bastion=…` for a destination whose config names no ProxyJump.
  const via = (r: ResolvedDest): ResolvedDest =>
    r.proxyJump === null && opts.jump !== undefined && opts.jump !== dest ? { ...r, proxyJump: opts.jump } : r;
  return {
    dest,
    prepare(): void {
      void resolve();
    },
    async warm(): Promise<void> {
      const r = await resolve();
      // A destination that does not resolve: the first command resolves it again and says why.
      if (!('code' in r)) await pool.connection(via(r), opts).warm();
    },
    async run(cmd: CommandSpec, signal?: AbortSignal): Promise<CommandResult> {
      const t0 = performance.now();
      const r = await resolve();
      if ('code' in r) {
        resolved = null; // the config may be fixed and the run retried
        early = undefined;
        return transportFailure(r.code, r.message, performance.now() - t0);
      }
      return pool.connection(via(r), opts).run(cmd, signal);
    },
    async close(): Promise<void> {
      if (ownPool) await pool.close();
    },
  };
}

/** One SSH connection per resolved destination, shared by every command of a session. */
export class SshPool {
  /** Successful handshakes per `user@host:port` (jump hosts included). */
  readonly handshakes = new Map<string, number>();
  private readonly conns = new Map<string, SshConnection>();
  private closed = false;

  /** The connection for a resolved destination; made on first use, not connected yet. */
  connection(r: ResolvedDest, opts: SshOptions): SshConnection {
    const key = poolKey(r);
    let conn = this.conns.get(key);
    if (conn === undefined) {
      conn = new SshConnection(this, r, opts, key);
      if (this.closed) conn.close();
      this.conns.set(key, conn);
    }
    return conn;
  }

  /** @internal */
  countHandshake(key: string): void {
    this.handshakes.set(key, (this.handshakes.get(key) ?? 0) + 1);
  }

  /** End every connection: running commands are killed on their hosts first. */
  async close(): Promise<void> {
    this.closed = true;
    // Targets before the jump hosts they ride on: closing in reverse creation order does it.
    for (const conn of [...this.conns.values()].reverse()) await conn.close();
  }
}

function poolKey(r: ResolvedDest): string {
  const base = `${r.user}@${knownHostName(r.hostname, r.port)}`;
  return r.proxyJump === null ? base : `${base} via ${r.proxyJump}`;
}

/**
 * Without ConnectTimeout in the user's config: the TCP connect gets 5 s — the client's own
 * probes give up at 5 s too (`curl --connect-timeout 5`), and by then Linux has sent the SYN
 * three times (at 0, 1 and 3 s): a host that has answered none of them is dropping or down —,
 * and the SSH handshake after it keeps 10 s (a busy sshd, a slow reverse DNS lookup, a jump).
 * OpenSSH itself waits for the system's TCP timeout (about two minutes); a ConnectTimeout the
 * user set bounds both, as it does for ssh (README, "SSH").
 */
const DEFAULT_TCP_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * The least time a new shell gets to start. ConnectTimeout bounds reaching the host; once the
 * handshake is done the host is there, and its shell's start (a session, the login shell, the
 * setup's few forks; through a jump host, twice the hops) can outlast a short ConnectTimeout
 * on a busy host — `ConnectTimeout 2` failed the bastion lab test so under load.
 */
const SHELL_START_MIN_MS = 10_000;
const BACKSTOP_GRACE_MS = 3_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Failures of warm-ups that stopped at a question (host key, passphrase): not the host's
 * answer, so never handed to a command; the tunnel through a jump host passes the same object on.
 */
const STOPPED_TO_ASK = new WeakSet<TransportError>();

/** One host: an SSH client, its remote shells, and what was learnt about the host. */
export class SshConnection implements ShellHost {
  private client: Ssh2Client | null = null;
  /** The attempt under way; `quiet`: a warm-up's, which asks nobody. */
  private connecting: { readonly quiet: boolean; readonly done: Promise<Ssh2Client | TransportError> } | null = null;
  /** Aborts the attempt under way (close, Ctrl-C; a warm-up that meets a question). */
  private attemptAbort: AbortController | null = null;
  /**
   * How a warm-up found the host unreachable: the result of the commands that start next, until
   * the first of them ends (`spent`; those that run together share it, as they would share an
   * attempt of their own); the commands after them connect again.
   */
  private warmFailure: TransportError | null = null;
  private losses = 0;
  closed = false;
  private readonly shells: ShellPool;
  private readonly sudo: Sudo;
  private readonly cleanups = new Set<Promise<unknown>>();
  /** Time people spent answering this connection's prompts (host key, passphrase): theirs, not a command's. */
  private personMs = 0;
  readonly label: string;

  constructor(
    private readonly pool: SshPool,
    readonly resolved: ResolvedDest,
    private readonly opts: SshOptions,
    readonly key: string,
  ) {
    const where = `${resolved.hostname.includes(':') ? `[${resolved.hostname}]` : resolved.hostname}:${resolved.port}`;
    this.label = resolved.alias === resolved.hostname ? `ssh ${where}` : `ssh ${resolved.alias} (${where})`;
    this.shells = new ShellPool(this, opts.maxShells);
    this.sudo = new Sudo(resolved, this.runOn, opts.askSecret, () => this.closed, opts.lang);
  }

  async run(cmd: CommandSpec, signal?: AbortSignal): Promise<CommandResult> {
    let t0 = performance.now();
    const since = (): number => performance.now() - t0;
    if (signal?.aborted) {
      return {
        exit: null,
        stdout: '',
        stderr: 'tshoot: cancelled before it ran\n',
        durationMs: 0,
        timedOut: false,
        truncated: { stdout: false, stderr: false },
        transport: null,
      };
    }
    const person0 = this.personMs;
    const shell = await this.shells.acquire();
    // A duration is the command's: what a person took to answer while it waited is left out (issue 16).
    t0 += this.personMs - person0;
    if (!(shell instanceof RemoteShell)) {
      this.spent(shell);
      return transportFailure(shell.code, shell.message, since());
    }
    try {
      if (cmd.root === true && shell.info.uid !== 0) return await this.sudo.run(shell, cmd, t0, signal);
      return await this.runOn(shell, cmd, { kind: 'none' }, t0, signal);
    } finally {
      this.shells.release(shell);
    }
  }

  /**
   * Connect and open one shell now, asking nobody (issue 17: while the client's probe runs). A
   * warm-up that meets a question (an unknown host key to confirm, a key's passphrase) stops
   * there and the first command connects as it would have, asking it; a failure to reach the
   * host is that command's result (warmFailure); a connection no command uses is closed with the
   * pool. Never a prompt, never a result of its own.
   */
  async warm(): Promise<void> {
    const c = await this.ensureClient(true);
    // `acquire` connects with prompts when there is no client: only with one, checked now.
    if (!('exec' in c) || this.client === null) return;
    await this.shells.prewarm();
  }

  /** A tunnel to `host:port` from this host (ProxyJump's `-W`); `quiet`: for a warm-up. */
  async forwardOut(host: string, port: number, quiet = false): Promise<ClientChannel | TransportError> {
    const client = await this.ensureClient(quiet);
    if (!('exec' in client)) {
      if (!quiet) this.spent(client);
      return client;
    }
    return forwardOut(client, host, port, this.label, this.opts.lang);
  }

  /** A command (or a tunnel) ended with the warm-up's failure: the next ones connect again. */
  private spent(failure: TransportError): void {
    if (failure === this.warmFailure) this.warmFailure = null;
  }

  /** Kill what still runs, close the shells and the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    const busy = this.shells.busy();
    if (busy.length > 0 && this.client !== null) {
      await Promise.all(busy.map((s) => this.killRemote(s)));
    }
    this.closed = true;
    this.attemptAbort?.abort();
    await Promise.allSettled([...this.cleanups]);
    this.shells.close();
    const client = this.client;
    this.client = null;
    if (client !== null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          client.destroy();
          resolve();
        }, 2000);
        client.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        client.end();
      });
    }
  }

  /** One command script on a shell, as is or through sudo (the `RunOn` ssh-sudo.ts calls back). */
  private readonly runOn: RunOn = async (shell, cmd, sudo, t0, signal, password) => {
    const cap = cmd.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const nonce = newNonce();
    // The host's `timeout` bounds the command. With a sudo that asks, it starts only once sudo
    // has checked the password (PAM may pause seconds after a wrong one), and the script also
    // waits for sudo's stderr to close (`sudo -v` has no `timeout` at all: it must stay our
    // shell's child): allow for that, and then a late answer is no sign of a lost link.
    const prompted = sudo.kind === 'validate' || sudo.kind === 'password';
    const remoteTimeout = shell.info.hasTimeout && sudo.kind !== 'validate';
    // setTimeout takes at most 2^31-1 ms; a longer limit means "none" in practice.
    const limitMs = Math.min(Math.max(cmd.timeoutMs, 1), MAX_TIMER_MS - BACKSTOP_GRACE_MS - SUDO_AUTH_MS);
    const script = buildCommandScript({
      argv: cmd.argv,
      nonce,
      capBytes: cap,
      timeoutSec: remoteTimeout ? limitMs / 1000 : null,
      sudo,
      encoder: shell.info.encoder,
    });
    const started = performance.now();
    const outcome = await shell.exec(script, nonce, {
      deadlineMs: limitMs + (remoteTimeout ? BACKSTOP_GRACE_MS : 0) + (sudo.kind === 'password' ? SUDO_AUTH_MS : 0),
      capBytes: cap,
      ...(signal === undefined ? {} : { signal }),
      ...(password === undefined ? {} : { password }),
    });
    const lostIfLate = remoteTimeout && !prompted;
    return this.toResult(shell, outcome, cmd, lostIfLate, performance.now() - started, performance.now() - t0);
  };

  private toResult(
    shell: RemoteShell,
    o: ExecOutcome,
    cmd: CommandSpec,
    lostIfLate: boolean,
    ranMs: number,
    durationMs: number,
  ): CommandResult {
    // The host's own `timeout` ends the command before our deadline and then answers, so
    // silence past it means the connection is gone (a cut network): killing the command
    // through it, or the next command, would wait for TCP keepalive. Drop it instead;
    // the host's `timeout` ends the command there.
    if (o.kind === 'deadline' && lostIfLate && this.client !== null) {
      const client = this.client;
      this.onLost(client);
      client.destroy();
      return transportFailure(
        'timeout',
        `${this.label}: no answer within ${Math.round(ranMs / 100) / 10} s, although the host ends ${cmd.argv[0] ?? 'the command'} at ${Math.round(cmd.timeoutMs / 100) / 10} s: the connection seems lost`,
        durationMs,
      );
    }
    const base = { durationMs: Math.round(durationMs), truncated: { stdout: false, stderr: false }, transport: null };
    switch (o.kind) {
      case 'frame': {
        // coreutils timeout exits 124 (137 after -k); busybox's may give 143 (SIGTERM).
        const timedOut =
          shell.info.hasTimeout && (o.exit === 124 || o.exit === 137 || o.exit === 143) && ranMs >= cmd.timeoutMs - 50;
        return {
          ...base,
          exit: timedOut ? null : o.exit,
          stdout: o.stdout.toString('utf8'),
          stderr: o.stderr.toString('utf8'),
          timedOut,
          truncated: o.truncated,
        };
      }
      case 'deadline':
      case 'aborted':
      case 'protocol': {
        this.track(this.killRemote(shell));
        const why =
          o.kind === 'deadline'
            ? `no answer from ${this.resolved.alias} within ${Math.round(ranMs / 100) / 10} s; the command was killed`
            : o.kind === 'aborted'
              ? 'cancelled; the command was killed'
              : `${o.detail}; the command was killed`;
        return { ...base, exit: null, stdout: '', stderr: `tshoot: ${why}\n`, timedOut: o.kind === 'deadline' };
      }
      case 'closed':
        return transportFailure(
          'disconnected',
          `${this.label}: connection lost while running ${cmd.argv[0] ?? ''}${o.detail ? ` (${o.detail})` : ''}`,
          durationMs,
        );
    }
  }

  /** Kill everything in a shell's session (the command, `timeout`, sudo) and drop the shell. */
  private async killRemote(victim: RemoteShell): Promise<void> {
    victim.destroy();
    if (victim.info.pid <= 1 || this.closed) return;
    const killer = await this.shells.acquire(true);
    if (!(killer instanceof RemoteShell)) return;
    try {
      const script =
        'pkill -KILL -s "$1" 2>/dev/null || kill -KILL -"$1" 2>/dev/null; rm -rf -- "$2"; exit 0';
      const argv = ['sh', '-c', script, 'sh', String(victim.info.pid), victim.info.tmpDir];
      await this.runOn(killer, { argv, timeoutMs: 5000 }, { kind: 'none' }, performance.now());
    } finally {
      this.shells.release(killer);
    }
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.cleanups.delete(q));
    this.cleanups.add(q);
  }

  // --- connection (ShellHost) ---------------------------------------------------------------

  connectTimeoutMs(): number {
    return this.opts.connectTimeoutMs ?? this.resolved.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** The TCP connect's limit: ConnectTimeout when set (the option, the config), else 5 s. */
  tcpConnectTimeoutMs(): number {
    return this.opts.connectTimeoutMs ?? this.resolved.connectTimeoutMs ?? DEFAULT_TCP_CONNECT_TIMEOUT_MS;
  }

  shellStartMs(): number {
    return Math.max(this.connectTimeoutMs(), SHELL_START_MIN_MS);
  }

  current(): Ssh2Client | null {
    return this.client;
  }

  /** The connected client, connecting first; `quiet`: a warm-up's attempt, which asks nobody. */
  ensureClient(quiet = false): Promise<Ssh2Client | TransportError> {
    if (this.client !== null) return Promise.resolve(this.client);
    if (this.closed) return Promise.resolve(closedError(this.label, SSH_TEXT[this.opts.lang ?? 'en']));
    if (this.losses >= 2) {
      return Promise.resolve({ code: 'disconnected', message: SSH_TEXT[this.opts.lang ?? 'en'].lostTwice(this.label) });
    }
    const under = this.connecting;
    // A command that finds a warm-up connecting waits for it, then takes what it found, or
    // connects itself (asking) when it stopped at a question.
    if (under !== null) return quiet || !under.quiet ? under.done : under.done.then(() => this.ensureClient());
    if (this.warmFailure !== null) return Promise.resolve(this.warmFailure);
    const abort = new AbortController();
    let asked = false;
    const stopToAsk = (): void => {
      asked = true;
      abort.abort();
    };
    this.attemptAbort = abort;
    const done = connectSsh(this.attempt(abort.signal, quiet ? stopToAsk : null)).then((c) => {
      this.connecting = null;
      if (this.attemptAbort === abort) this.attemptAbort = null;
      if ('exec' in c) {
        if (!this.closed) this.client = c;
        else {
          c.destroy();
          return closedError(this.label, SSH_TEXT[this.opts.lang ?? 'en']);
        }
      } else if (asked || STOPPED_TO_ASK.has(c)) STOPPED_TO_ASK.add(c);
      else if (quiet && !this.closed) this.warmFailure = c;
      return c;
    });
    this.connecting = { quiet, done };
    return done;
  }

  /** `stopToAsk`: a warm-up's; called instead of any prompt, it ends the attempt. */
  private attempt(signal: AbortSignal, stopToAsk: (() => void) | null): Connecting {
    const ask = <T>(answer: T) => async (): Promise<T> => {
      stopToAsk?.();
      return answer;
    };
    const opts: ConnectOptions =
      stopToAsk === null
        ? this.opts
        : {
            ...this.opts,
            ...(this.opts.confirmHostKey ? { confirmHostKey: ask(false) } : {}),
            ...(this.opts.askSecret ? { askSecret: ask(null) } : {}),
          };
    return {
      resolved: this.resolved,
      label: this.label,
      opts,
      timeoutMs: this.connectTimeoutMs(),
      tcpTimeoutMs: this.tcpConnectTimeoutMs(),
      signal,
      tunnel: (spec) => this.jump(spec, stopToAsk !== null),
      onReady: () => this.pool.countHandshake(this.key),
      addPersonMs: (ms) => {
        this.personMs += ms;
      },
      onLost: (client) => this.onLost(client),
    };
  }

  private onLost(client: Ssh2Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.losses++;
    this.shells.dropAll();
  }

  /** ProxyJump `a,b`: connect to `b` through `a` (b's own ProxyJump overridden), then tunnel. */
  private async jump(spec: string, quiet: boolean): Promise<Duplex | TransportError> {
    const hops = spec.split(',').map((h) => h.trim().replace(/^ssh:\/\//, ''));
    const last = hops.pop();
    const t = SSH_TEXT[this.opts.lang ?? 'en'];
    if (last === undefined || last === '') return { code: 'unconfigured', message: t.emptyProxyJump(this.label) };
    let hop: ResolvedDest;
    try {
      hop = await resolveSshDest(last, this.resolved.configFile === null ? {} : { configFile: this.resolved.configFile });
    } catch (err) {
      return { code: 'unconfigured', message: t.proxyJumpFailed(this.label, last, configMessage(err, SSH_CONFIG_TEXT[this.opts.lang ?? 'en'])) };
    }
    if (hops.length > 0) hop = { ...hop, proxyJump: hops.join(',') };
    if (poolKey(hop) === this.key) return { code: 'unconfigured', message: t.proxyJumpLoop(this.label) };
    const via = this.pool.connection(hop, this.opts);
    return via.forwardOut(this.resolved.hostname, this.resolved.port, quiet);
  }
}
