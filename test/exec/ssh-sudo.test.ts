/**
 * Root commands over SSH as a real user whose sudo needs a password (sudo-user.ts), against a
 * real sshd on 127.0.0.1 (sshd-harness.ts). Issue 12 finding 5: with `printf PW | sudo -S cmd`,
 * once sudo's timestamp was warm the command read the password from its stdin. Now the
 * password goes to sudo's prompt only; a root `cat` shows that nothing else ever gets it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshExecutor, SshPool } from '../../src/exec/ssh-executor.js';
import type { CommandResult, CommandSpec, Executor } from '../../src/exec/types.js';
import { HAVE_SSHD, type Sshd, startSshd } from './sshd-harness.js';
import { CAN_MAKE_SUDO_USERS, createSudoUser, type SudoUser, sudoerSshConfig } from './sudo-user.js';

const root = (argv: string[], timeoutMs = 15_000): CommandSpec => ({ argv, timeoutMs, root: true });

describe.skipIf(!HAVE_SSHD || !CAN_MAKE_SUDO_USERS)('sudo with a password over SSH', () => {
  let sshd: Sshd;
  let user: SudoUser;
  let config: string;
  const pools: SshPool[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    user = createSudoUser();
    config = join(sshd.dir, 'ssh_config_sudo');
    sudoerSshConfig(sshd, user, config);
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    user?.remove();
    await sshd?.stop();
  });

  function executor(answers: (n: number) => string | null): { ex: Executor; prompts: string[] } {
    const pool = new SshPool();
    pools.push(pool);
    const prompts: string[] = [];
    const ex = createSshExecutor('sudoer', {
      configFile: config,
      pool,
      askSecret: async (p) => answers(prompts.push(p)),
    });
    return { ex, prompts };
  }

  /** The password, or any telling piece of it, in nothing a command gave back. */
  function expectNoPassword(results: readonly CommandResult[]): void {
    const secretPart = user.password.trim().split(' ').pop() ?? user.password;
    for (const r of results) {
      const seen = JSON.stringify(r);
      expect(seen).not.toContain(secretPart);
      expect(seen).not.toContain('pw\'\\"$(touch');
    }
    expect(existsSync(`/tmp/${user.name}-canary`)).toBe(false);
  }

  it('gives the password to sudo only: a root cat reads nothing, before and after the timestamp is warm', async () => {
    const { ex, prompts } = executor(() => user.password);
    const first = await ex.run(root(['cat']));
    expect(first).toMatchObject({ exit: 0, stdout: '', stderr: '', transport: null });
    const warm = await ex.run(root(['cat']));
    expect(warm).toMatchObject({ exit: 0, stdout: '', stderr: '' });
    const id = await ex.run(root(['sh', '-c', 'cat; id -u']));
    expect(id).toMatchObject({ exit: 0, stdout: '0\n' });
    const mine = await ex.run({ argv: ['id', '-u'], timeoutMs: 5000 });
    expect(mine.stdout).toBe(`${user.uid}\n`);
    expect(prompts).toEqual([`[sudo] password for ${user.name}@sudoer: `]);
    expectNoPassword([first, warm, id, mine]);
  });

  it('validates again, without asking, when the timestamp expired mid-session', async () => {
    const { ex, prompts } = executor(() => user.password);
    expect((await ex.run(root(['id', '-u']))).stdout).toBe('0\n');
    user.expire();
    const after = await ex.run(root(['cat']));
    expect(after).toMatchObject({ exit: 0, stdout: '', stderr: '' });
    expect(prompts).toHaveLength(1);
    expectNoPassword([after]);
  });

  it('asks once for concurrent root commands, each shell validating on its own', async () => {
    const { ex, prompts } = executor(() => user.password);
    const results = await Promise.all(Array.from({ length: 4 }, () => ex.run(root(['sh', '-c', 'sleep 0.3; cat; id -u']))));
    expect(results.map((r) => r.stdout)).toEqual(['0\n', '0\n', '0\n', '0\n']);
    expect(prompts).toHaveLength(1);
    expectNoPassword(results);
  });

  it('reports a wrong password as such, after three tries, and never shows what was typed', async () => {
    const { ex, prompts } = executor((n) => `wrong-${n}-guess`);
    const r = await ex.run(root(['cat']));
    expect(r.exit).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/tshoot: sudo on sudoer did not accept the password of tshsudo\w+ \(3 tries\)/);
    expect(r.stderr).not.toMatch(/wrong-\d-guess|#P /);
    expect(prompts).toHaveLength(3);
    // A wrong answer then the right one: the command runs.
    const { ex: ex2, prompts: p2 } = executor((n) => (n === 1 ? 'wrong' : user.password));
    expect(await ex2.run(root(['id', '-u']))).toMatchObject({ exit: 0, stdout: '0\n' });
    expect(p2).toHaveLength(2);
  });

  it('works with timestamp_timeout=0, where every sudo needs the password', async () => {
    user.sudoers([`Defaults:${user.name} timestamp_timeout=0`, `${user.name} ALL=(ALL) ALL`]);
    try {
      const { ex, prompts } = executor(() => user.password);
      const results = [await ex.run(root(['cat'])), await ex.run(root(['sh', '-c', 'cat; id -u; echo note >&2']))];
      expect(results[0]).toMatchObject({ exit: 0, stdout: '', stderr: '' });
      expect(results[1]).toMatchObject({ exit: 0, stdout: '0\n', stderr: 'note\n' });
      expect(prompts).toHaveLength(1);
      expectNoPassword(results);
    } finally {
      user.sudoers([`${user.name} ALL=(ALL) ALL`]);
    }
  });

  it('says how to go on when it cannot ask for the password', async () => {
    const pool = new SshPool();
    pools.push(pool);
    const r = await createSshExecutor('sudoer', { configFile: config, pool }).run(root(['cat']));
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/a password is required/);
    expect(r.stderr).toMatch(/no way to ask for it here.*NOPASSWD/);
  });

  it('costs a root command no more than sudo -n itself costs, once the timestamp is warm', async () => {
    const { ex } = executor(() => user.password);
    await ex.run(root(['true']));
    const median = async (spec: CommandSpec): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 41; i++) {
        const t = performance.now();
        expect((await ex.run(spec)).exit).toBe(0);
        times.push(performance.now() - t);
      }
      return times.sort((a, b) => a - b)[20] ?? Infinity;
    };
    const plain = await median({ argv: ['true'], timeoutMs: 5000 });
    const asRoot = await median(root(['true']));
    // What sudo -n itself costs on this machine: a loop in the user's own shell (validated there).
    const loop = (cmd: string): string =>
      `s=$(date +%s%N); i=0; while [ $i -lt 41 ]; do ${cmd}; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e-s)/41000 ))`;
    const local = execFileSync('runuser', ['-u', user.name, '--', 'sh', '-c', `sudo -v -S -p '' 2>/dev/null; ${loop('sudo -n true')}; ${loop('/bin/true')}`], {
      input: `${user.password}\n`,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map((us) => Number(us) / 1000);
    const sudoCost = (local[0] ?? NaN) - (local[1] ?? NaN);
    console.log(
      `ssh sudo: median ${plain.toFixed(2)} ms per \`true\`, ${asRoot.toFixed(2)} ms per root \`true\` (sudo -n); sudo -n true itself ${sudoCost.toFixed(2)} ms`,
    );
    expect(asRoot - plain).toBeLessThan(2 * sudoCost + 5); // no validation, no extra round trip
  });
});
