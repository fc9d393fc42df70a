/**
 * Issue 16: a command's duration (shown by the reporter, recorded in the transcript, printed in
 * the report) is the command's, not the time a person took to answer a prompt it waited for:
 * an unknown host key's question, a sudo password. Against a real sshd on 127.0.0.1 and a real
 * sudo that asks. Not a timed assertion: whatever the machine's load, the duration must be at
 * most the run's wall time less the time the prompt was held (both measured here, around it).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshExecutor, SshPool } from '../../src/exec/ssh-executor.js';
import type { CommandResult, Executor } from '../../src/exec/types.js';
import { HAVE_SSHD, type Sshd, startSshd } from './sshd-harness.js';
import { CAN_MAKE_SUDO_USERS, createSudoUser, type SudoUser, sudoerSshConfig } from './sudo-user.js';

// Longer than what the executor does before its clock starts (`ssh -G`), so that without the fix the check fails.
const HOLD_MS = 1500;

/** A person who takes HOLD_MS to answer; `held` is how long each answer really took. */
function slowPerson<T>(answer: T): { ask: () => Promise<T>; held: number[] } {
  const held: number[] = [];
  return {
    held,
    ask: async () => {
      const from = performance.now();
      await new Promise((r) => setTimeout(r, HOLD_MS));
      held.push(performance.now() - from);
      return answer;
    },
  };
}

async function timed(ex: Executor, argv: string[], root = false): Promise<{ r: CommandResult; wall: number }> {
  const from = performance.now();
  const r = await ex.run({ argv, timeoutMs: 20_000, root });
  return { r, wall: performance.now() - from };
}

describe.skipIf(!HAVE_SSHD)('a command waiting for a person over SSH', () => {
  let sshd: Sshd;
  let user: SudoUser | undefined;
  const pools: SshPool[] = [];
  const pool = () => {
    const p = new SshPool();
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    user?.remove();
    await sshd?.stop();
  });

  it('leaves out the time the unknown host key was being confirmed', async () => {
    const person = slowPerson(true);
    const ex = createSshExecutor('fresh', { configFile: sshd.config, pool: pool(), confirmHostKey: person.ask });
    try {
      const { r, wall } = await timed(ex, ['echo', 'hi']);
      expect(r).toMatchObject({ exit: 0, stdout: 'hi\n', transport: null });
      expect(person.held).toHaveLength(1);
      expect(r.durationMs).toBeLessThanOrEqual(Math.ceil(wall - person.held[0]!) + 1);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    } finally {
      rmSync(join(sshd.dir, 'fresh'), { recursive: true, force: true });
    }
  });

  it.runIf(CAN_MAKE_SUDO_USERS)('leaves out the time the sudo password was being typed', async () => {
    user = createSudoUser();
    const config = join(sshd.dir, 'ssh_config_sudo');
    sudoerSshConfig(sshd, user, config);
    const person = slowPerson(user.password);
    const ex = createSshExecutor('sudoer', { configFile: config, pool: pool(), askSecret: person.ask });
    // Connected first, so that only the password's question is in the root command's wait.
    expect((await ex.run({ argv: ['true'], timeoutMs: 20_000 })).exit).toBe(0);
    const { r, wall } = await timed(ex, ['id', '-u'], true);
    expect(r).toMatchObject({ exit: 0, stdout: '0\n', transport: null });
    expect(person.held).toHaveLength(1);
    expect(r.durationMs).toBeLessThanOrEqual(Math.ceil(wall - person.held[0]!) + 1);
  });
});
