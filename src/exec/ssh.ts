/**
 * The SSH executor: runs commands on a host over one pooled SSH connection per host, through
 * persistent remote shells (remote-shell.ts), with host keys checked against known_hosts as
 * OpenSSH does (known-hosts.ts) and the destination resolved by `ssh -G` (ssh-config.ts).
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
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  appendKnownHost,
  checkDestHostKey,
  fingerprintSha256,
  forgetHostCommand,
  hostKeyName,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  readKnownHosts,
} from './known-hosts.js';
import { buildCommandScript, type ExecOutcome, newNonce, RemoteShell, type SudoMode } from './remote-shell.js';
import { type ResolvedDest, resolveSshDest } from './ssh-config.js';
import {
  algorithmsForKeyType,
  type ClientChannel,
  DEFAULT_HOST_KEY_ALGORITHMS,
  type NextAuth,
  type ParsedKey,
  type Ssh2Client,
  ssh2,
} from './ssh2-types.js';
import {
  type CommandResult,
  type CommandSpec,
  DEFAULT_MAX_OUTPUT_BYTES,
  type Executor,
  type TransportError,
  type TransportErrorCode,
  transportFailure,
} from './types.js';

export interface HostKeyInfo {
  /** The name the key is filed under (HostName, or HostKeyAlias). */
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

export interface SshOptions {
  /** An explicit OpenSSH config file (`ssh -F`). */
  readonly configFile?: string;
  /** TCP connect + SSH handshake; default ConnectTimeout from the config, else 10 s. */
  readonly connectTimeoutMs?: number;
  /** Accept and record a host key never seen before (OpenSSH `accept-new`). */
  readonly acceptNewHostKeys?: boolean;
  /** Ask the user about a host key never seen before; true accepts and records it. */
  readonly confirmHostKey?: (info: HostKeyInfo) => Promise<boolean>;
  /** Ask for a key passphrase or a sudo password; null = declined. Answers are never stored. */
  readonly askSecret?: (prompt: string) => Promise<string | null>;
  /** Share connections between executors (one handshake per host per session). */
  readonly pool?: SshPool;
  /** Remote shells per connection for concurrent commands; default 8 (sshd MaxSessions is 10). */
  readonly maxShells?: number;
  /** A jump host (`--host bastion=…`) for destinations whose config names no ProxyJump. */
  readonly jump?: string;
}

/**
 * An executor for `[user@]host[:port]` or an ssh config alias. Resolution and connection
 * happen on the first `run`. `close()` closes the pool only if the executor made its own.
 *
 * @example
 * const pool = new SshPool();
 * const web = createSshExecutor('deploy@web1', { pool, askSecret });
 * const r = await web.run({ argv: ['ss', '-ltn'], timeoutMs: 5000 });
 * await pool.close();
 */
export function createSshExecutor(dest: string, opts: SshOptions = {}): Executor {
  const ownPool = opts.pool === undefined;
  const pool = opts.pool ?? new SshPool();
  let resolved: Promise<ResolvedDest | TransportError> | null = null;
  const resolve = () =>
    (resolved ??= resolveSshDest(dest, opts.configFile === undefined ? {} : { configFile: opts.configFile }).catch(
      (err: unknown): TransportError => ({ code: 'unconfigured', message: `ssh ${dest}: ${(err as Error).message}` }),
    ));
  return {
    dest,
    prepare(): void {
      void resolve();
    },
    async run(cmd: CommandSpec, signal?: AbortSignal): Promise<CommandResult> {
      const t0 = performance.now();
      const r = await resolve();
      if ('code' in r) {
        resolved = null; // the config may be fixed and the run retried
        return transportFailure(r.code, r.message, performance.now() - t0);
      }
      const via = r.proxyJump === null && opts.jump !== undefined && opts.jump !== dest ? { ...r, proxyJump: opts.jump } : r;
      return pool.connection(via, opts).run(cmd, signal);
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

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEPALIVE_MS = 15_000;
const BACKSTOP_GRACE_MS = 3_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const SUDO_PASSWORD_RE = /password is required|a terminal is required|askpass/i;
const SUDO_BAD_PASSWORD_RE = /incorrect password|Sorry, try again|no password was provided/i;
/** How long sudo may take to check a password (PAM pauses ~2 s after a wrong one). */
const SUDO_AUTH_MS = 20_000;

/** A question for the sudo password, shared by the commands waiting for it. */
interface SudoAsk {
  readonly answer: Promise<string | null>;
}

/** One host: an SSH client, its remote shells, and what was learnt about the host. */
export class SshConnection {
  private client: Ssh2Client | null = null;
  private connecting: Promise<Ssh2Client | TransportError> | null = null;
  private losses = 0;
  private closed = false;
  private readonly shells = new Set<RemoteShell>();
  private readonly idle: RemoteShell[] = [];
  private opening = 0;
  private maxShells: number;
  private readonly waiters: Array<(s: RemoteShell | TransportError) => void> = [];
  private readonly cleanups = new Set<Promise<unknown>>();
  /** Kept in memory for the session only; given to nothing but sudo's prompt. */
  private sudoPassword: string | null = null;
  /** False once `sudo -n` still asks right after `sudo -v` (timestamp_timeout=0). */
  private sudoTimestampLasts = true;
  private sudoAsk: SudoAsk | null = null;
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
    this.maxShells = Math.max(1, opts.maxShells ?? 8);
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
    const shell = await this.acquire();
    // A duration is the command's: what a person took to answer while it waited is left out (issue 16).
    t0 += this.personMs - person0;
    if (!(shell instanceof RemoteShell)) return transportFailure(shell.code, shell.message, since());
    try {
      if (cmd.root === true && shell.info.uid !== 0) return await this.runAsRoot(shell, cmd, t0, signal);
      return await this.runOn(shell, cmd, { kind: 'none' }, t0, signal);
    } finally {
      this.release(shell);
    }
  }

  /** A tunnel to `host:port` from this host (ProxyJump's `-W`). */
  async forwardOut(host: string, port: number): Promise<ClientChannel | TransportError> {
    const client = await this.ensureClient();
    if (!('exec' in client)) return client;
    return new Promise((resolve) => {
      client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (!err) resolve(stream);
        else {
          const msg = err.message.replace(/^\(SSH\) Channel open failure: /, '');
          const code: TransportErrorCode = /refused/i.test(msg)
            ? 'refused'
            : /resolve|getaddrinfo|name or service|not known/i.test(msg)
              ? 'dns'
              : /timed out|unreachable|no route/i.test(msg)
                ? 'timeout'
                : 'disconnected';
          resolve({ code, message: `${host}:${port} via ${this.label}: ${msg || 'the jump host could not open the tunnel'}` });
        }
      });
    });
  }

  /** Kill what still runs, close the shells and the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    const busy = [...this.shells].filter((s) => s.busy && !s.broken);
    if (busy.length > 0 && this.client !== null) {
      await Promise.all(busy.map((s) => this.killRemote(s)));
    }
    this.closed = true;
    await Promise.allSettled([...this.cleanups]);
    for (const w of this.waiters.splice(0)) w({ code: 'disconnected', message: `${this.label}: the session was closed` });
    for (const s of this.shells) s.destroy();
    this.shells.clear();
    this.idle.length = 0;
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

  /**
   * A root command as a user that is not root: `sudo -n`, which never asks. When sudo wants a
   * password (none yet, or its timestamp expired), the password goes to sudo's own prompt
   * only (remote-shell.ts): `sudo -v`, then `sudo -n` once more; where the timestamp does not
   * last (`timestamp_timeout=0`), to the prompt of the sudo that runs the command. The
   * password is kept in memory for the session, never written anywhere.
   */
  private async runAsRoot(shell: RemoteShell, cmd: CommandSpec, t0: number, signal?: AbortSignal): Promise<CommandResult> {
    let result = await this.runOn(shell, cmd, { kind: 'n' }, t0, signal);
    if (!(result.exit === 1 && SUDO_PASSWORD_RE.test(result.stderr))) return result;
    const who = `sudo on ${this.resolved.alias}`;
    for (let asked = 0; ; ) {
      let password = this.sudoPassword;
      let ask: SudoAsk | null = null;
      if (password === null) {
        if (asked++ === 3) return withNote(result, `${who} did not accept the password of ${this.resolved.user} (3 tries)`);
        // Commands that need it meanwhile share one question and its answer until it is judged.
        ask = this.sudoAsk ??= { answer: this.askSudoPassword() };
        const waitFrom = performance.now();
        password = await ask.answer;
        t0 += performance.now() - waitFrom; // the person's time, not the command's
        if (password === null) {
          if (this.sudoAsk === ask) this.sudoAsk = null;
          return withNote(
            result,
            `${who} needs a password for ${this.resolved.user} and there is no way to ask for it here; run interactively, or allow this command without a password (NOPASSWD in sudoers)`,
          );
        }
        if (!this.shellStillUsable(shell)) return result;
      }
      const attempt = await this.sudoWithPassword(shell, cmd, password, t0, signal);
      result = attempt.result;
      if (this.sudoAsk === ask) this.sudoAsk = null;
      if (!attempt.badPassword) {
        this.sudoPassword = password;
        return result;
      }
      if (this.sudoPassword === password) this.sudoPassword = null;
      if (!this.shellStillUsable(shell)) return withNote(result, `${who} did not accept the password of ${this.resolved.user}`);
    }
  }

  private async sudoWithPassword(
    shell: RemoteShell,
    cmd: CommandSpec,
    password: string,
    t0: number,
    signal?: AbortSignal,
  ): Promise<{ result: CommandResult; badPassword: boolean }> {
    if (this.sudoTimestampLasts) {
      const check = { argv: [], timeoutMs: SUDO_AUTH_MS };
      const v = await this.runPrompted(shell, check, 'validate', password, t0, signal);
      if (v.badPassword) return v;
      if (v.result.exit !== 0) {
        return { result: withNote(v.result, `\`sudo -v\` failed on ${this.resolved.alias}, so ${cmd.argv[0] ?? 'the command'} was not run`), badPassword: false };
      }
      const again = await this.runOn(shell, cmd, { kind: 'n' }, t0, signal);
      if (!(again.exit === 1 && SUDO_PASSWORD_RE.test(again.stderr))) return { result: again, badPassword: false };
      this.sudoTimestampLasts = false; // timestamp_timeout=0: every sudo asks
    }
    return this.runPrompted(shell, cmd, 'password', password, t0, signal);
  }

  /** A `validate`/`password` sudo script; its prompt lines taken out of stderr (one more = a wrong password). */
  private async runPrompted(
    shell: RemoteShell,
    cmd: CommandSpec,
    kind: 'validate' | 'password',
    password: string,
    t0: number,
    signal?: AbortSignal,
  ): Promise<{ result: CommandResult; badPassword: boolean }> {
    const prompt = newNonce();
    const r = await this.runOn(shell, cmd, { kind, prompt }, t0, signal, password);
    const lines = r.stderr.split('\n');
    const kept = lines.filter((l) => l !== `#P ${prompt}`);
    const result = { ...r, stderr: kept.join('\n') };
    const badPassword = r.exit !== 0 && (kept.length < lines.length || (r.exit === 1 && SUDO_BAD_PASSWORD_RE.test(r.stderr)));
    return { result, badPassword };
  }

  private async runOn(
    shell: RemoteShell,
    cmd: CommandSpec,
    sudo: SudoMode,
    t0: number,
    signal?: AbortSignal,
    password?: string,
  ): Promise<CommandResult> {
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
  }

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
    const killer = await this.acquire(true);
    if (!(killer instanceof RemoteShell)) return;
    try {
      const script =
        'pkill -KILL -s "$1" 2>/dev/null || kill -KILL -- -"$1" 2>/dev/null; rm -rf -- "$2"; exit 0';
      const argv = ['sh', '-c', script, 'sh', String(victim.info.pid), victim.info.tmpDir];
      await this.runOn(killer, { argv, timeoutMs: 5000 }, { kind: 'none' }, performance.now());
    } finally {
      this.release(killer);
    }
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.cleanups.delete(q));
    this.cleanups.add(q);
  }

  private shellStillUsable(s: RemoteShell): boolean {
    return !s.broken && !this.closed;
  }

  private async askSudoPassword(): Promise<string | null> {
    const ask = this.opts.askSecret;
    if (ask === undefined) return null;
    return ask(`[sudo] password for ${this.resolved.user}@${this.resolved.alias}: `);
  }

  // --- shells -------------------------------------------------------------------------------

  /** An idle shell, a new one (up to maxShells), or wait for one. `urgent` may exceed the cap by 2. */
  private async acquire(urgent = false, retried = false): Promise<RemoteShell | TransportError> {
    if (this.closed) return { code: 'disconnected', message: `${this.label}: the session was closed` };
    const client = await this.ensureClient();
    if (!('exec' in client)) return client;
    for (;;) {
      const s = this.idle.pop();
      if (s === undefined) break;
      if (!s.broken) {
        s.busy = true;
        return s;
      }
      this.shells.delete(s);
    }
    const limit = this.maxShells + (urgent ? 2 : 0);
    if (this.shells.size + this.opening < limit) {
      this.opening++;
      const s = await RemoteShell.open(client, this.connectTimeoutMs());
      this.opening--;
      if (s instanceof RemoteShell) {
        this.shells.add(s);
        s.busy = true;
        return s;
      }
      if (!retried && this.client !== client) {
        return this.acquire(urgent, true); // the connection died meanwhile: reconnect once
      }
      if (this.shells.size > 0 && /open failure|prohibited/i.test(s.message)) {
        this.maxShells = this.shells.size; // the server's MaxSessions: queue from now on
      } else {
        return { code: 'disconnected', message: `${this.label}: ${s.message}` };
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(s: RemoteShell): void {
    s.busy = false;
    if (s.broken || this.closed) {
      this.shells.delete(s);
      const w = this.waiters.shift();
      if (w !== undefined) void this.acquire().then(w);
      return;
    }
    const w = this.waiters.shift();
    if (w !== undefined) {
      s.busy = true;
      w(s);
    } else {
      this.idle.push(s);
    }
  }

  // --- connection ---------------------------------------------------------------------------

  private connectTimeoutMs(): number {
    return this.opts.connectTimeoutMs ?? this.resolved.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  private ensureClient(): Promise<Ssh2Client | TransportError> {
    if (this.client !== null) return Promise.resolve(this.client);
    if (this.closed) return Promise.resolve({ code: 'disconnected', message: `${this.label}: the session was closed` });
    if (this.losses >= 2) {
      return Promise.resolve({ code: 'disconnected', message: `${this.label}: the connection was lost twice; not reconnecting` });
    }
    this.connecting ??= this.connect().then((c) => {
      this.connecting = null;
      if ('exec' in c) this.client = c;
      return c;
    });
    return this.connecting;
  }

  private onLost(client: Ssh2Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.losses++;
    for (const s of this.shells) s.destroy();
    this.shells.clear();
    this.idle.length = 0;
  }

  private async connect(): Promise<Ssh2Client | TransportError> {
    const r = this.resolved;
    if (r.proxyCommand !== null) {
      return { code: 'unconfigured', message: `${this.label}: ProxyCommand is not supported; use ProxyJump instead` };
    }
    const timeoutMs = this.connectTimeoutMs();
    const sock = r.proxyJump === null ? await this.tcpConnect(timeoutMs) : await this.jump(r.proxyJump);
    if (!('pipe' in sock)) return sock;
    const entries = await readKnownHosts([...r.userKnownHostsFiles, ...r.globalKnownHostsFiles]);
    const preferred = knownKeyTypes(entries, hostKeyName(r.hostname, r.port, r.hostKeyAlias)).flatMap(algorithmsForKeyType);
    const serverHostKey = [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS])].filter((a) =>
      DEFAULT_HOST_KEY_ALGORITHMS.includes(a),
    );
    return this.handshake(sock, timeoutMs, serverHostKey);
  }

  private tcpConnect(timeoutMs: number): Promise<Socket | TransportError> {
    const r = this.resolved;
    return new Promise((resolve) => {
      const sock = netConnect({ host: r.hostname, port: r.port });
      const timer = setTimeout(() => {
        sock.destroy();
        resolve({ code: 'timeout', message: `${this.label}: no TCP connection within ${seconds(timeoutMs)} s (packets dropped?)` });
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        // Small request/response packets: Nagle + delayed ACK would add ~40 ms per command.
        sock.setNoDelay(true);
        sock.setKeepAlive(true, 30_000);
        resolve(sock);
      });
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        sock.destroy();
        resolve(classifySocketError(err, this.label));
      });
    });
  }

  /** ProxyJump `a,b`: connect to `b` through `a` (b's own ProxyJump overridden), then tunnel. */
  private async jump(spec: string): Promise<Duplex | TransportError> {
    const hops = spec.split(',').map((h) => h.trim().replace(/^ssh:\/\//, ''));
    const last = hops.pop();
    if (last === undefined || last === '') return { code: 'unconfigured', message: `${this.label}: empty ProxyJump` };
    let hop: ResolvedDest;
    try {
      hop = await resolveSshDest(last, this.resolved.configFile === null ? {} : { configFile: this.resolved.configFile });
    } catch (err) {
      return { code: 'unconfigured', message: `${this.label}: ProxyJump ${last}: ${(err as Error).message}` };
    }
    if (hops.length > 0) hop = { ...hop, proxyJump: hops.join(',') };
    if (poolKey(hop) === this.key) return { code: 'unconfigured', message: `${this.label}: ProxyJump loops back to itself` };
    const via = this.pool.connection(hop, this.opts);
    return via.forwardOut(this.resolved.hostname, this.resolved.port);
  }

  private handshake(sock: Duplex, timeoutMs: number, serverHostKey: string[]): Promise<Ssh2Client | TransportError> {
    const r = this.resolved;
    return new Promise((resolve) => {
      const client = new ssh2.Client();
      let failure: TransportError | null = null;
      let settled = false;
      const finish = (v: Ssh2Client | TransportError): void => {
        if (settled) return;
        settled = true;
        deadline.stop();
        this.personMs += deadline.pausedMs;
        if (!('exec' in v)) {
          client.destroy();
          sock.destroy();
        }
        resolve(v);
      };
      const deadline = new PausableTimer(timeoutMs, () => {
        failure ??= { code: 'timeout', message: `${this.label}: no SSH handshake within ${seconds(timeoutMs)} s` };
        finish(failure);
      });
      const auth = new AuthPlan(r, this.opts, deadline);
      client.on('ready', () => {
        this.pool.countHandshake(this.key);
        finish(client);
      });
      client.on('error', (err) => {
        if (!settled) {
          if (failure === null && err.level === 'client-authentication') failure = auth.failure(this.label);
          finish(failure ?? classifySshError(err, this.label));
        } else {
          this.onLost(client);
        }
      });
      client.on('close', () => {
        if (!settled) finish(failure ?? { code: 'disconnected', message: `${this.label}: the server closed the connection during the handshake` });
        else this.onLost(client);
      });
      client.connect({
        sock,
        username: r.user,
        readyTimeout: 0, // our own timer, paused while the user answers a prompt
        keepaliveInterval: r.serverAliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
        keepaliveCountMax: 3,
        algorithms: { serverHostKey },
        hostVerifier: (blob, verify) => {
          this.verifyHostKey(blob, deadline).then(
            (err) => {
              failure ??= err;
              verify(err === null);
            },
            (e: unknown) => {
              failure ??= { code: 'host-key', message: `${this.label}: host key check failed: ${(e as Error).message}` };
              verify(false);
            },
          );
        },
        authHandler: (methodsLeft, _partial, next) => {
          void auth.next(methodsLeft).then(next);
        },
      });
    });
  }

  /** null = accepted; otherwise why not (OpenSSH sshconnect.c check_host_key()). */
  private async verifyHostKey(blob: Buffer, deadline: PausableTimer): Promise<TransportError | null> {
    const r = this.resolved;
    const name = hostKeyName(r.hostname, r.port, r.hostKeyAlias);
    const files = [...r.userKnownHostsFiles, ...r.globalKnownHostsFiles];
    const dest = { host: r.hostname, port: r.port, alias: r.hostKeyAlias };
    const status = checkDestHostKey(await readKnownHosts(files), dest, blob);
    const keyType = keyTypeOfBlob(blob);
    const fp = fingerprintSha256(blob);
    const fail = (message: string): TransportError => ({ code: 'host-key', message: `${this.label}: ${message}` });
    switch (status.kind) {
      case 'known':
        return null;
      case 'revoked':
        return fail(`the ${keyType} host key ${fp} is marked @revoked in ${status.entry.file}:${status.entry.line}; refusing to connect`);
      case 'changed':
        return fail(
          `HOST KEY CHANGED — possibly someone in the middle. The server now shows ${keyType} ${fp}, but ${status.entry.file}:${status.entry.line} has ${fingerprintSha256(status.entry.key)}. If the change is expected, remove that line (${forgetHostCommand(name, status.entry.file)}) and connect again`,
        );
      case 'other-type': {
        const e = status.entries[0];
        const where = e === undefined ? '' : ` (${e.file}:${e.line}: ${keyTypeOfBlob(e.key)} ${fingerprintSha256(e.key)})`;
        return fail(
          `the server shows a ${keyType} host key ${fp}, but only keys of other types are known for it${where}; refusing, as the host may have been replaced. If expected, remove the old entries (${[...new Set(status.entries.map((x) => x.file))].map((f) => forgetHostCommand(name, f)).join('; ')})`,
        );
      }
      case 'unknown':
        break;
    }
    const first = r.userKnownHostsFiles[0];
    const record = async (): Promise<TransportError | null> => {
      if (first === undefined) return null;
      await appendKnownHost(first, name, blob, r.hashKnownHosts);
      return null;
    };
    const unknown = `unknown host key ${keyType} ${fp}`;
    if (r.strictHostKeyChecking === 'yes' && this.opts.acceptNewHostKeys !== true) {
      return fail(`${unknown}, and StrictHostKeyChecking is yes; add it to ${first ?? '~/.ssh/known_hosts'} after checking it`);
    }
    if (this.opts.acceptNewHostKeys === true || r.strictHostKeyChecking === 'accept-new') return record();
    // StrictHostKeyChecking=no is treated like "ask": a diagnosis tool must not trust blindly.
    const confirm = this.opts.confirmHostKey;
    if (confirm === undefined) {
      return fail(`${unknown}; not accepted without a prompt. Check the fingerprint, then run interactively or with --accept-new-host-keys`);
    }
    deadline.pause();
    try {
      const yes = await confirm({ host: r.hostKeyAlias ?? r.hostname, port: r.port, keyType, fingerprint: fp });
      if (!yes) return fail(`${unknown} was not accepted`);
    } finally {
      deadline.resume();
    }
    return record();
  }
}

/** The order OpenSSH tries: agent, then identity files; passphrases asked for, never kept. */
class AuthPlan {
  private step = 0;
  private readonly tried: string[] = [];
  private readonly notes: string[] = [];
  private serverMethods: string[] | null = null;

  constructor(
    private readonly r: ResolvedDest,
    private readonly opts: SshOptions,
    private readonly deadline: PausableTimer,
  ) {}

  async next(methodsLeft: string[] | null): Promise<NextAuth> {
    if (methodsLeft !== null) this.serverMethods = methodsLeft;
    if (methodsLeft !== null && !methodsLeft.includes('publickey')) return false;
    const username = this.r.user;
    for (;;) {
      const i = this.step++;
      if (i === 0) {
        const agent = this.r.identityAgent;
        if (agent !== null && !this.r.identitiesOnly && existsSync(agent)) {
          this.tried.push('ssh-agent');
          return { type: 'agent', username, agent };
        }
        continue;
      }
      const file = this.r.identityFiles[i - 1];
      if (file === undefined) return false;
      const key = await this.loadKey(file);
      if (key !== null) {
        this.tried.push(file);
        return { type: 'publickey', username, key };
      }
    }
  }

  failure(label: string): TransportError {
    const parts: string[] = [];
    if (this.serverMethods !== null && !this.serverMethods.includes('publickey')) {
      parts.push(`the server accepts only ${this.serverMethods.join(', ')}; tshoot logs in with keys`);
    } else {
      parts.push(this.tried.length > 0 ? `tried ${this.tried.join(', ')}` : 'no key to try (no ssh-agent, no identity file found)');
    }
    parts.push(...this.notes);
    return { code: 'auth', message: `${label}: authentication failed for user ${this.r.user} (${parts.join('; ')})` };
  }

  private async loadKey(file: string): Promise<ParsedKey | null> {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return null; // missing default keys are normal
    }
    const parsed = ssh2.utils.parseKey(data);
    if (!(parsed instanceof Error)) return parsed.isPrivateKey() ? parsed : null;
    if (!/no passphrase given/i.test(parsed.message)) {
      this.notes.push(`${file} could not be read as a private key`);
      return null;
    }
    const ask = this.opts.askSecret;
    if (ask === undefined) {
      this.notes.push(`key ${file} is passphrase-protected and there is no prompt to ask for it (load it with ssh-add first)`);
      return null;
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      this.deadline.pause();
      let pass: string | null;
      try {
        pass = await ask(`Enter passphrase for key '${file}': `);
      } finally {
        this.deadline.resume();
      }
      if (pass === null) {
        this.notes.push(`no passphrase given for ${file}`);
        return null;
      }
      const key = ssh2.utils.parseKey(data, pass);
      if (!(key instanceof Error)) return key;
    }
    this.notes.push(`wrong passphrase for ${file}`);
    return null;
  }
}

/** setTimeout that stops counting while the user is being asked something. */
class PausableTimer {
  private timer: NodeJS.Timeout | null = null;
  private remaining: number;
  private startedAt = 0;
  private paused = 0;
  private stopped = false;

  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.remaining = ms;
    this.arm();
  }

  /** How long it was paused in all (a person answering a prompt), the pauses that ended. */
  pausedMs = 0;
  private pausedAt = 0;

  pause(): void {
    if (this.paused++ > 0) return;
    this.pausedAt = performance.now();
    if (this.stopped || this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.remaining -= performance.now() - this.startedAt;
  }

  resume(): void {
    if (--this.paused > 0) return;
    this.pausedMs += performance.now() - this.pausedAt;
    if (this.stopped) return;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.startedAt = performance.now();
    this.timer = setTimeout(() => {
      this.stopped = true;
      this.onExpire();
    }, Math.max(0, this.remaining));
  }
}

export function classifySocketError(err: NodeJS.ErrnoException, label: string): TransportError {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return {
        code: 'dns',
        message: `${label}: host name not found${err.code === 'EAI_AGAIN' ? ' (DNS server not answering)' : ''}`,
      };
    case 'ECONNREFUSED':
      return { code: 'refused', message: `${label}: connection refused` };
    case 'ETIMEDOUT':
      return { code: 'timeout', message: `${label}: connection timed out` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code: 'timeout', message: `${label}: no route to host (${err.code})` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { code: 'disconnected', message: `${label}: connection reset` };
    default:
      return { code: 'disconnected', message: `${label}: ${err.message}` };
  }
}

function classifySshError(err: Error & { level?: string; code?: string }, label: string): TransportError {
  if (typeof err.code === 'string') return classifySocketError(err as NodeJS.ErrnoException, label);
  if (err.level === 'client-authentication') return { code: 'auth', message: `${label}: authentication failed` };
  if (err.level === 'client-timeout') return { code: 'timeout', message: `${label}: SSH handshake timed out` };
  if (/verification failed|host denied/i.test(err.message)) return { code: 'host-key', message: `${label}: host key not accepted` };
  return { code: 'disconnected', message: `${label}: ${err.message.split('\n')[0]}` };
}

function withNote(r: CommandResult, note: string): CommandResult {
  return { ...r, stderr: `${r.stderr.trimEnd()}${r.stderr.trim() === '' ? '' : '\n'}tshoot: ${note}\n` };
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
