/**
 * A connection's persistent remote shells (remote-shell.ts): an idle one is reused, a new one
 * is opened up to `maxShells` (lowered to the server's MaxSessions when it refuses a channel),
 * and past that a command waits for one to be released.
 *
 * Beside them, once a command has run for a second, one standing killer: a `/bin/sh -s` that
 * reads the watchdog's signal lines (remote-shell.ts) and prints nothing. It is started before
 * the timeout because a channel's login shell may take seconds to start on a busy host (rc
 * files), and a timeout's signal must not wait for that; but not at the first command, where its
 * start competed with the commands' own (lab, refused case: the card 0.6 s later with it).
 */
import { discardOutput, REMOTE_SHELL_COMMAND, RemoteShell } from './remote-shell.js';
import type { ClientChannel, Ssh2Client } from './ssh2-types.js';
import type { TransportError } from './types.js';

/** What the shells need of their connection. */
export interface ShellHost {
  readonly label: string;
  readonly closed: boolean;
  /** The connected client (connecting or reconnecting first), or why there is none. */
  ensureClient(): Promise<Ssh2Client | TransportError>;
  /** The client now, without connecting: null while there is none. */
  current(): Ssh2Client | null;
  /** How long a new shell may take to say it is ready. */
  shellStartMs(): number;
}

export class ShellPool {
  private readonly shells = new Set<RemoteShell>();
  private readonly idle: RemoteShell[] = [];
  private opening = 0;
  /** Shells being opened for no command yet (`prewarm`): a command that finds none idle waits for one. */
  private unclaimed = 0;
  private maxShells: number;
  private readonly waiters: Array<(s: RemoteShell | TransportError) => void> = [];
  /** The standing killer: its client, and its channel once open (null while opening or gone). */
  private killer: { readonly client: Ssh2Client; channel: ClientChannel | null } | null = null;
  private readonly killerNow = (): ClientChannel | null => this.killer?.channel ?? null;

  constructor(
    private readonly host: ShellHost,
    maxShells = 8,
  ) {
    this.maxShells = Math.max(1, maxShells);
  }

  /** An idle shell, a new one (up to maxShells), or wait for one. `urgent` may exceed the cap by 2. */
  async acquire(urgent = false, retried = false): Promise<RemoteShell | TransportError> {
    const label = this.host.label;
    if (this.host.closed) return { code: 'disconnected', message: `${label}: the session was closed` };
    const client = await this.host.ensureClient();
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
    // A shell the warm-up is opening is this command's rather than a second one started beside
    // it: on a host whose login shell is slow (rc files), two starts at once each take longer.
    if (!urgent && this.unclaimed > this.waiters.length) return new Promise((resolve) => this.waiters.push(resolve));
    const limit = this.maxShells + (urgent ? 2 : 0);
    if (this.shells.size + this.opening < limit) {
      this.opening++;
      const s = await RemoteShell.open(client, this.host.shellStartMs());
      this.opening--;
      if (s instanceof RemoteShell) {
        this.adopt(s, client);
        s.busy = true;
        return s;
      }
      if (!retried && this.host.current() !== client) {
        return this.acquire(urgent, true); // the connection died meanwhile: reconnect once
      }
      if (this.shells.size > 0 && /open failure|prohibited/i.test(s.message)) {
        this.maxShells = this.shells.size; // the server's MaxSessions: queue from now on
      } else {
        return { code: 'disconnected', message: `${label}: ${s.message}` };
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Open one shell for the commands to come (issue 17's warm-up), when the connection has none:
   * a command that arrives meanwhile waits for it rather than open its own.
   */
  async prewarm(): Promise<void> {
    const client = this.host.current();
    if (client === null || this.host.closed || this.shells.size + this.opening > 0) return;
    this.opening++;
    this.unclaimed++;
    const s = await RemoteShell.open(client, this.host.shellStartMs());
    this.opening--;
    this.unclaimed--;
    if (s instanceof RemoteShell) {
      this.adopt(s, client);
      this.release(s);
      return;
    }
    // It did not open: a command that waited for it tries on its own (and says why it failed).
    const w = this.waiters.shift();
    if (w !== undefined) void this.acquire().then(w);
  }

  private adopt(s: RemoteShell, client: Ssh2Client): void {
    s.killer = this.killerNow;
    s.wantKiller = () => this.standKiller(client);
    this.shells.add(s);
  }

  release(s: RemoteShell): void {
    s.busy = false;
    if (s.broken || this.host.closed) {
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

  /** Shells running a command now. */
  busy(): RemoteShell[] {
    return [...this.shells].filter((s) => s.busy && !s.broken);
  }

  /** The connection is gone: its shells with it (waiting commands keep waiting for a new one). */
  dropAll(): void {
    for (const s of this.shells) s.destroy();
    this.shells.clear();
    this.idle.length = 0;
    const k = this.killer?.channel;
    this.killer = null;
    k?.end();
  }

  /** Open the standing killer for this client, once (again after it closed); nothing waits for it. */
  private standKiller(client: Ssh2Client): void {
    if (this.killer?.client === client) return;
    const k: { readonly client: Ssh2Client; channel: ClientChannel | null } = { client, channel: null };
    this.killer = k;
    try {
      client.exec(REMOTE_SHELL_COMMAND, (err, ch) => {
        // Refused (MaxSessions): not asked again on this connection; signals take a channel each.
        if (err) return;
        if (this.killer !== k) {
          ch.end();
          return;
        }
        discardOutput(ch);
        ch.on('close', () => {
          if (this.killer === k) this.killer = null;
        });
        k.channel = ch;
      });
    } catch {
      this.killer = null;
    }
  }

  /** The session ends: waiting commands are told, every shell closed. */
  close(): void {
    for (const w of this.waiters.splice(0)) w({ code: 'disconnected', message: `${this.host.label}: the session was closed` });
    this.dropAll();
  }
}
