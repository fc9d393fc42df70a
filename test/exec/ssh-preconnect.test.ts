/**
 * Issue 17: an SSH connection opened before its first command (`warm`), against a real sshd on
 * 127.0.0.1. A warm-up asks nobody: when the connection would need a person (an unknown host
 * key, a key's passphrase) it stops, and the first command connects and asks as it always did;
 * when the host cannot be reached, the first command gets exactly the failure it would have got
 * connecting itself; closing the pool stops a warm-up under way.
 */
import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshExecutor, SshPool } from '../../src/exec/ssh-executor.js';
import { freePort, HAVE_SSHD, type Sshd, startSshd } from './sshd-harness.js';

const ECHO = { argv: ['echo', 'hi'], timeoutMs: 20_000 };

/** `p`, or a failure naming what did not end (a bound, not a timing: 20 s is far past any load). */
async function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end`)), 20_000);
  });
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!HAVE_SSHD)('SSH warm-up before the first command', () => {
  let sshd: Sshd;
  const pools: SshPool[] = [];
  const pool = () => {
    const p = new SshPool();
    pools.push(p);
    return p;
  };
  /** A prompt that counts its questions and gives `answer`. */
  const person = <T>(answer: T) => {
    const asked: string[] = [];
    return { asked, ask: async (q?: unknown) => (asked.push(String(q ?? 'host key')), answer) };
  };

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    await sshd?.stop();
  });

  it('opens the connection once: the first command finds it open (one handshake in all)', async () => {
    const p = pool();
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: p });
    await ex.warm();
    expect([...p.handshakes.values()]).toEqual([1]);
    expect(await ex.run(ECHO)).toMatchObject({ exit: 0, stdout: 'hi\n', transport: null });
    expect([...p.handshakes.values()]).toEqual([1]);
  });

  it('a command that comes while the warm-up opens its shell takes that shell: one shell on the host, not two', async () => {
    const p = pool();
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: p });
    // The shells of this connection: the children, named sh, of the sshd process above ours.
    const count = { argv: ['sh', '-c', 'ps -o comm= --ppid "$(ps -o ppid= -p "$PPID" | tr -d " ")" | grep -c "^sh$"'], timeoutMs: 20_000 };
    const [, r] = await Promise.all([ex.warm(), ex.run(count)]);
    expect(r).toMatchObject({ exit: 0, stdout: '1\n', transport: null });
    // Commands one after another keep using it.
    expect(await ex.run(count)).toMatchObject({ exit: 0, stdout: '1\n' });
  });

  it('an unknown host key: the warm-up does not ask; the first command asks, once, and runs', async () => {
    try {
      const p = pool();
      const confirm = person(true);
      const ex = createSshExecutor('fresh', { configFile: sshd.config, pool: p, confirmHostKey: confirm.ask });
      await ex.warm();
      expect(confirm.asked).toEqual([]);
      expect(p.handshakes.size).toBe(0);
      expect(await ex.run(ECHO)).toMatchObject({ exit: 0, stdout: 'hi\n', transport: null });
      expect(confirm.asked).toHaveLength(1);
      expect([...p.handshakes.values()]).toEqual([1]);
    } finally {
      rmSync(join(sshd.dir, 'fresh'), { recursive: true, force: true });
    }
  });

  it('a command that starts while the warm-up runs waits for it, then asks the host key question itself', async () => {
    try {
      const p = pool();
      const confirm = person(true);
      const ex = createSshExecutor('fresh', { configFile: sshd.config, pool: p, confirmHostKey: confirm.ask });
      const [, r] = await Promise.all([ex.warm(), ex.run(ECHO)]);
      expect(r).toMatchObject({ exit: 0, stdout: 'hi\n', transport: null });
      expect(confirm.asked).toHaveLength(1);
      expect([...p.handshakes.values()]).toEqual([1]);
    } finally {
      rmSync(join(sshd.dir, 'fresh'), { recursive: true, force: true });
    }
  });

  it('a passphrase-protected key: the warm-up does not ask; the first command asks and logs in', async () => {
    const p = pool();
    const secret = person<string | null>('open sesame');
    const ex = createSshExecutor('locked', { configFile: sshd.config, pool: p, askSecret: secret.ask });
    await ex.warm();
    expect(secret.asked).toEqual([]);
    expect(p.handshakes.size).toBe(0);
    expect(await ex.run(ECHO)).toMatchObject({ exit: 0, stdout: 'hi\n', transport: null });
    expect(secret.asked).toEqual([expect.stringContaining('id_locked')]);
  });

  it('a host that refuses: the first commands get the same failure as without a warm-up; a later one connects again', async () => {
    const port = await freePort();
    const dest = `${sshd.user}@127.0.0.1:${port}`;
    const cold = await createSshExecutor(dest, { pool: pool(), connectTimeoutMs: 2000 }).run(ECHO);
    expect(cold.transport?.code).toBe('refused');
    // A short handshake limit: the listener below hangs up before ssh2 listens, which it notices only then.
    const warmEx = createSshExecutor(dest, { pool: pool(), connectTimeoutMs: 2000 });
    await warmEx.warm();
    // Two commands that run together both get the warm-up's failure.
    const [a, b] = await Promise.all([warmEx.run(ECHO), warmEx.run(ECHO)]);
    for (const r of [a, b]) expect({ ...r, durationMs: 0 }).toEqual({ ...cold, durationMs: 0 });
    // The next command connects again: something listens there now (and hangs up).
    let connections = 0;
    const rude = createServer((sock) => {
      connections++;
      sock.destroy();
    });
    await new Promise<void>((r) => rude.listen(port, '127.0.0.1', () => r()));
    try {
      expect((await warmEx.run({ ...ECHO, timeoutMs: 1000 })).transport?.code).not.toBe('refused');
      expect(connections).toBe(1);
    } finally {
      await new Promise((r) => rude.close(r));
    }
  });

  it('a warm-up stuck in the handshake stops when the pool closes (Ctrl-C), its socket closed', async () => {
    // Accepts and never says a word: the handshake would wait for its whole limit.
    const sockets: Socket[] = [];
    const closed: Promise<void>[] = [];
    const mute = createServer((s) => {
      sockets.push(s);
      closed.push(new Promise((r) => s.once('close', () => r())));
      // Read (and drop) what the client sends: a socket nobody reads may not see the client's FIN
      // (here it did not when the pool closed before ssh2 wrote its ident: 3 failures of 3).
      s.on('error', () => undefined);
      s.resume();
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
    const port = (mute.address() as { port: number }).port;
    try {
      const p = pool();
      const ex = createSshExecutor(`${sshd.user}@127.0.0.1:${port}`, { pool: p, connectTimeoutMs: 600_000 });
      const warming = ex.warm();
      for (let i = 0; i < 500 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(sockets).toHaveLength(1);
      await settles(p.close(), 'the pool closing');
      await settles(warming, 'the warm-up');
      await settles(closed[0]!, "the listener's side of the socket closing");
      expect(p.handshakes.size).toBe(0);
      expect((await ex.run(ECHO)).transport).toMatchObject({ code: 'disconnected', message: expect.stringContaining('the session was closed') });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => mute.close(r));
    }
  });
});
