/**
 * Making one SSH connection: TCP (or a tunnel through a jump host), the handshake through
 * node-ssh, host keys checked against known_hosts as OpenSSH does (known-hosts.ts), and
 * authentication in OpenSSH's order (agent, then identity files; passphrases asked for, never
 * kept). `NodeSSH.connect` takes ssh2's own options, so the host key check, the jump host's
 * socket and the agent are given to ssh2 as they are; its `.connection` is the client that the
 * persistent shells (ssh-shells.ts) open their channels on.
 *
 * Failures are values (`TransportError`), classified as ssh-executor.ts describes. The connect
 * timeout covers TCP and the handshake, and stops counting while a person answers a prompt
 * (host key, passphrase): that time is handed back (`addPersonMs`), not charged to a command.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import {
  appendKnownHost,
  checkDestHostKey,
  fingerprintSha256,
  forgetHostCommand,
  hostKeyName,
  keyTypeOfBlob,
  knownKeyTypes,
  readKnownHosts,
} from './known-hosts.js';
import type { ResolvedDest } from './ssh-config.js';
import {
  algorithmsForKeyType,
  type ClientChannel,
  type ConnectConfig,
  DEFAULT_HOST_KEY_ALGORITHMS,
  type NextAuth,
  type ParsedKey,
  type Ssh2Client,
  ssh2,
} from './ssh2-types.js';
import type { TransportError, TransportErrorCode } from './types.js';
import { SSH_TEXT, type SshText, type UiLang } from '../ui/messages.js';

export interface HostKeyInfo {
  /** The name the key is filed under (HostName, or HostKeyAlias). */
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

/** What the person running tshoot decides about a connection. */
export interface ConnectOptions {
  /** TCP connect + SSH handshake; default ConnectTimeout from the config, else 10 s. */
  readonly connectTimeoutMs?: number;
  /** Accept and record a host key never seen before (OpenSSH `accept-new`). */
  readonly acceptNewHostKeys?: boolean;
  /** Ask the user about a host key never seen before; true accepts and records it. */
  readonly confirmHostKey?: (info: HostKeyInfo) => Promise<boolean>;
  /** Ask for a key passphrase or a sudo password; null = declined. Answers are never stored. */
  readonly askSecret?: (prompt: string) => Promise<string | null>;
  /** The language of the messages and prompts (the CLI's set-up passes the session's); default en. */
  readonly lang?: UiLang;
}

/** One connection attempt to a resolved destination. */
export interface Connecting {
  readonly resolved: ResolvedDest;
  /** `ssh HOST:PORT` or `ssh ALIAS (HOST:PORT)`: the start of every message. */
  readonly label: string;
  readonly opts: ConnectOptions;
  readonly timeoutMs: number;
  /** The TCP connect's own limit, when not `timeoutMs` (ssh-executor.ts: without ConnectTimeout). */
  readonly tcpTimeoutMs?: number;
  /** Aborted: the attempt stops at once, as `disconnected` (the session closed, Ctrl-C). */
  readonly signal?: AbortSignal;
  /** ProxyJump: a tunnel to this destination through the jump host's own connection. */
  tunnel(spec: string): Promise<Duplex | TransportError>;
  /** The handshake succeeded (counted per destination). */
  onReady(): void;
  /** Time a person spent answering this attempt's prompts. */
  addPersonMs(ms: number): void;
  /** After the handshake: the connection closed or failed. */
  onLost(client: Ssh2Client): void;
}

const DEFAULT_KEEPALIVE_MS = 15_000;

/** TCP or the jump host's tunnel, then the handshake: a client ready for channels, or why not. */
export async function connectSsh(c: Connecting): Promise<Ssh2Client | TransportError> {
  const r = c.resolved;
  const t = SSH_TEXT[c.opts.lang ?? 'en'];
  if (r.proxyCommand !== null) {
    return { code: 'unconfigured', message: t.proxyCommand(c.label) };
  }
  if (c.signal?.aborted) return closedError(c.label, t);
  const sock = r.proxyJump === null ? await tcpConnect(r, c.label, c.tcpTimeoutMs ?? c.timeoutMs, t, c.signal) : await c.tunnel(r.proxyJump);
  if (!('pipe' in sock)) return sock;
  if (c.signal?.aborted) {
    sock.destroy();
    return closedError(c.label, t);
  }
  const entries = await readKnownHosts([...r.userKnownHostsFiles, ...r.globalKnownHostsFiles]);
  const preferred = knownKeyTypes(entries, hostKeyName(r.hostname, r.port, r.hostKeyAlias)).flatMap(algorithmsForKeyType);
  const serverHostKey = [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS])].filter((a) =>
    DEFAULT_HOST_KEY_ALGORITHMS.includes(a),
  );
  return handshake(c, sock, serverHostKey);
}

/** A tunnel to `host:port` from a connected host (ProxyJump's `-W`). */
export function forwardOut(client: Ssh2Client, host: string, port: number, label: string, lang: UiLang = 'en'): Promise<ClientChannel | TransportError> {
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
        resolve({ code, message: SSH_TEXT[lang].tunnel(`${host}:${port}`, label, msg || null) });
      }
    });
  });
}

/** The session was closed (or Ctrl-C) while connecting. */
export function closedError(label: string, t: SshText = SSH_TEXT.en): TransportError {
  return { code: 'disconnected', message: t.closed(label) };
}

function tcpConnect(r: ResolvedDest, label: string, timeoutMs: number, t: SshText, signal?: AbortSignal): Promise<Socket | TransportError> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: r.hostname, port: r.port });
    const onAbort = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(closedError(label, t));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('close', () => signal?.removeEventListener('abort', onAbort));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ code: 'timeout', message: t.tcpTimeout(label, seconds(timeoutMs)) });
    }, timeoutMs);
    sock.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
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
      resolve(classifySocketError(err, label, t));
    });
  });
}

/**
 * The SSH handshake on `sock` through node-ssh. Its promise says only "ready" or "failed";
 * why it failed (which keys were tried, which host key check refused, a close mid-handshake)
 * comes from our own listeners on its `.connection`, which stay for the connection's life.
 */
function handshake(c: Connecting, sock: Duplex, serverHostKey: string[]): Promise<Ssh2Client | TransportError> {
  const r = c.resolved;
  const t = SSH_TEXT[c.opts.lang ?? 'en'];
  return new Promise((resolve) => {
    const ssh = new NodeSSH();
    let client: Ssh2Client | null = null;
    let failure: TransportError | null = null;
    let settled = false;
    const finish = (v: Ssh2Client | TransportError): void => {
      if (settled) return;
      settled = true;
      c.signal?.removeEventListener('abort', onAbort);
      deadline.stop();
      c.addPersonMs(deadline.pausedMs);
      if (!('exec' in v)) {
        client?.destroy();
        sock.destroy();
      }
      resolve(v);
    };
    const deadline = new PausableTimer(c.timeoutMs, () => {
      failure ??= { code: 'timeout', message: t.handshakeTimeout(c.label, seconds(c.timeoutMs)) };
      finish(failure);
    });
    function onAbort(): void {
      finish(closedError(c.label, t));
    }
    c.signal?.addEventListener('abort', onAbort, { once: true });
    if (c.signal?.aborted) return onAbort();
    const auth = new AuthPlan(r, c.opts, deadline);
    const config: ConnectConfig = {
      sock,
      username: r.user,
      readyTimeout: 0, // our own timer, paused while the user answers a prompt
      keepaliveInterval: r.serverAliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey },
      hostVerifier: (blob, verify) => {
        verifyHostKey(c, blob, deadline).then(
          (err) => {
            failure ??= err;
            verify(err === null);
          },
          (e: unknown) => {
            failure ??= { code: 'host-key', message: t.hostKeyCheckFailed(c.label, (e as Error).message) };
            verify(false);
          },
        );
      },
      authHandler: (methodsLeft, _partial, next) => {
        void auth.next(methodsLeft).then(next);
      },
    };
    // node-ssh rejects on the first error or close before 'ready'; the listeners below say why.
    const ready = ssh.connect(config);
    // `connect` makes its ssh2 client before it first waits: `.connection` is that client now.
    const made = ssh.connection as Ssh2Client | null;
    if (made === null) {
      ready.catch(() => undefined);
      finish({ code: 'disconnected', message: t.noConnection(c.label) });
      return;
    }
    client = made;
    ready.then(
      () => {
        if (settled) return;
        c.onReady();
        finish(made);
      },
      // Our listeners have settled it by now; this only covers a failure they did not see.
      (err: Error & { level?: string; code?: string }) => finish(failure ?? classifySshError(err, c.label, t)),
    );
    made.on('error', (err) => {
      if (!settled) {
        if (failure === null && err.level === 'client-authentication') failure = auth.failure(c.label);
        finish(failure ?? classifySshError(err, c.label, t));
      } else {
        c.onLost(made);
      }
    });
    made.on('close', () => {
      if (!settled) finish(failure ?? { code: 'disconnected', message: t.closedInHandshake(c.label) });
      else c.onLost(made);
    });
  });
}

/** null = accepted; otherwise why not (OpenSSH sshconnect.c check_host_key()). */
async function verifyHostKey(c: Connecting, blob: Buffer, deadline: PausableTimer): Promise<TransportError | null> {
  const r = c.resolved;
  const t = SSH_TEXT[c.opts.lang ?? 'en'];
  const name = hostKeyName(r.hostname, r.port, r.hostKeyAlias);
  const files = [...r.userKnownHostsFiles, ...r.globalKnownHostsFiles];
  const dest = { host: r.hostname, port: r.port, alias: r.hostKeyAlias };
  const status = checkDestHostKey(await readKnownHosts(files), dest, blob);
  const keyType = keyTypeOfBlob(blob);
  const fp = fingerprintSha256(blob);
  const fail = (message: string): TransportError => ({ code: 'host-key', message: `${c.label}: ${message}` });
  switch (status.kind) {
    case 'known':
      return null;
    case 'revoked':
      return fail(t.revoked(keyType, fp, `${status.entry.file}:${status.entry.line}`));
    case 'changed':
      return fail(t.changed(keyType, fp, `${status.entry.file}:${status.entry.line}`, fingerprintSha256(status.entry.key), forgetHostCommand(name, status.entry.file)));
    case 'other-type': {
      const e = status.entries[0];
      const where = e === undefined ? '' : ` (${e.file}:${e.line}: ${keyTypeOfBlob(e.key)} ${fingerprintSha256(e.key)})`;
      return fail(t.otherType(keyType, fp, where, [...new Set(status.entries.map((x) => x.file))].map((f) => forgetHostCommand(name, f)).join('; ')));
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
  const unknown = t.unknownKey(keyType, fp);
  if (r.strictHostKeyChecking === 'yes' && c.opts.acceptNewHostKeys !== true) {
    return fail(t.strictYes(unknown, first ?? '~/.ssh/known_hosts'));
  }
  if (c.opts.acceptNewHostKeys === true || r.strictHostKeyChecking === 'accept-new') return record();
  // StrictHostKeyChecking=no is treated like "ask": a diagnosis tool must not trust blindly.
  const confirm = c.opts.confirmHostKey;
  if (confirm === undefined) {
    return fail(t.noPrompt(unknown));
  }
  deadline.pause();
  try {
    const yes = await confirm({ host: r.hostKeyAlias ?? r.hostname, port: r.port, keyType, fingerprint: fp });
    if (!yes) return fail(t.notAccepted(unknown));
  } finally {
    deadline.resume();
  }
  return record();
}

/** The order OpenSSH tries: agent, then identity files; passphrases asked for, never kept. */
class AuthPlan {
  private step = 0;
  private readonly tried: string[] = [];
  private readonly notes: string[] = [];
  private serverMethods: string[] | null = null;
  private readonly t: SshText;

  constructor(
    private readonly r: ResolvedDest,
    private readonly opts: ConnectOptions,
    private readonly deadline: PausableTimer,
  ) {
    this.t = SSH_TEXT[opts.lang ?? 'en'];
  }

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
      parts.push(this.t.authOnly(this.serverMethods.join(', ')));
    } else {
      parts.push(this.tried.length > 0 ? this.t.authTried(this.tried.join(', ')) : this.t.authNoKey);
    }
    parts.push(...this.notes);
    return { code: 'auth', message: this.t.authFailed(label, this.r.user, parts.join('; ')) };
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
      this.notes.push(this.t.keyUnreadable(file));
      return null;
    }
    const ask = this.opts.askSecret;
    if (ask === undefined) {
      this.notes.push(this.t.keyNoPrompt(file));
      return null;
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      this.deadline.pause();
      let pass: string | null;
      try {
        pass = await ask(this.t.passphrase(file));
      } finally {
        this.deadline.resume();
      }
      if (pass === null) {
        this.notes.push(this.t.noPassphrase(file));
        return null;
      }
      const key = ssh2.utils.parseKey(data, pass);
      if (!(key instanceof Error)) return key;
    }
    this.notes.push(this.t.wrongPassphrase(file));
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

export function classifySocketError(err: NodeJS.ErrnoException, label: string, t: SshText = SSH_TEXT.en): TransportError {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return { code: 'dns', message: t.nameNotFound(label, err.code === 'EAI_AGAIN') };
    case 'ECONNREFUSED':
      return { code: 'refused', message: t.refused(label) };
    case 'ETIMEDOUT':
      return { code: 'timeout', message: t.timedOut(label) };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code: 'timeout', message: t.noRoute(label, err.code) };
    case 'ECONNRESET':
    case 'EPIPE':
      return { code: 'disconnected', message: t.reset(label) };
    default:
      return { code: 'disconnected', message: `${label}: ${err.message}` };
  }
}

function classifySshError(err: Error & { level?: string; code?: string }, label: string, t: SshText): TransportError {
  if (typeof err.code === 'string') return classifySocketError(err as NodeJS.ErrnoException, label, t);
  if (err.level === 'client-authentication') return { code: 'auth', message: t.authFailedShort(label) };
  if (err.level === 'client-timeout') return { code: 'timeout', message: t.handshakeTimedOut(label) };
  if (/verification failed|host denied/i.test(err.message)) return { code: 'host-key', message: t.hostKeyRefused(label) };
  return { code: 'disconnected', message: `${label}: ${err.message.split('\n')[0]}` };
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
