/**
 * The timeout of a plain remote command, kept by tshoot's watchdog (remote-shell.ts) instead of
 * a `timeout` program per command (issue 18), against a real sshd on 127.0.0.1: what it kills,
 * what it keeps, and what it leaves alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshExecutor, SshPool } from '../../src/exec/ssh-executor.js';
import type { CommandSpec } from '../../src/exec/types.js';
import { eventually, HAVE_SSHD, pgrep, type Sshd, startSshd } from './sshd-harness.js';

describe.skipIf(!HAVE_SSHD)('the watchdog of a plain remote command', () => {
  let sshd: Sshd;
  const pools: SshPool[] = [];
  const executor = () => {
    const pool = new SshPool();
    pools.push(pool);
    return { pool, ex: createSshExecutor('good', { configFile: sshd.config, pool }) };
  };
  const cmd = (argv: string[], timeoutMs = 10_000): CommandSpec => ({ argv, timeoutMs });

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    await sshd?.stop();
  });

  it('runs a plain command as a child of our shell, with no `timeout` program between them', async () => {
    const { ex } = executor();
    // $PPID of this sh is whatever started it: our /bin/sh, not coreutils' timeout.
    const r = await ex.run(cmd(['sh', '-c', 'cat /proc/$PPID/comm']));
    expect(r.exit).toBe(0);
    expect(r.stdout.trim()).not.toBe('timeout');
    expect(['sh', 'dash', 'bash', 'ash', 'busybox']).toContain(r.stdout.trim());
  });

  it('ends the command and everything it started at the timeout, keeping what it printed', async () => {
    const { ex, pool } = executor();
    await ex.run(cmd(['true']));
    const r = await ex.run(cmd(['sh', '-c', 'echo started; echo oops >&2; sleep 41.1 & sleep 41.2; echo never'], 1500));
    expect(r).toMatchObject({ exit: null, timedOut: true, transport: null, stdout: 'started\n' });
    // What it wrote to stderr, then (dash) the shell's line about the signal that ended it, as in a terminal.
    expect(r.stderr).toMatch(/^oops\n(Terminated\n)?$/);
    expect(r.durationMs).toBeGreaterThanOrEqual(1450);
    // The background sleep is in the command's process group too.
    expect(await eventually(() => pgrep('sleep 41\\.[12]') === '')).toBe(true);
    // The shell that was signalled is not used again; the next command gets another one, same connection.
    expect((await ex.run(cmd(['echo', 'still fine']))).stdout).toBe('still fine\n');
    expect([...pool.handshakes.values()]).toEqual([1]);
  });

  it('kills a command that ignores SIGTERM 2 s on, as `timeout -k 2` did', async () => {
    const { ex, pool } = executor();
    const r = await ex.run(cmd(['sh', '-c', 'trap "" TERM; echo started; exec sleep 42.3'], 1000));
    expect(r).toMatchObject({ exit: null, timedOut: true, transport: null });
    expect(r.stderr).toContain('SIGTERM did not end it');
    expect(r.durationMs).toBeGreaterThanOrEqual(2950);
    expect(await eventually(() => pgrep('sleep 42\\.3') === '')).toBe(true);
    expect((await ex.run(cmd(['echo', 'back']))).stdout).toBe('back\n');
    expect([...pool.handshakes.values()]).toEqual([1]);
  });

  it('signals only the timed-out command: another one of the same connection runs to its end', async () => {
    const { ex } = executor();
    const [late, other] = await Promise.all([
      ex.run(cmd(['sleep', '43.4'], 800)),
      ex.run(cmd(['sh', '-c', 'sleep 2; echo survived'])),
    ]);
    expect(late).toMatchObject({ exit: null, timedOut: true });
    expect(other).toMatchObject({ exit: 0, stdout: 'survived\n', timedOut: false });
    expect(await eventually(() => pgrep('sleep 43\\.4') === '')).toBe(true);
  });

  it('does not count a command that ends before its timeout as timed out, whatever it exits with', async () => {
    const { ex } = executor();
    const r = await ex.run(cmd(['sh', '-c', 'exit 124'], 5000));
    expect(r).toMatchObject({ exit: 124, timedOut: false });
    const killed = await ex.run(cmd(['sh', '-c', 'kill -TERM $$'], 5000));
    expect(killed).toMatchObject({ exit: 143, timedOut: false });
  });
});
