/**
 * The oracles' guard against leaks (nginx-oracle.ts): `Oracle.stop()` kills the servers the cases
 * left running, whole process groups, and throws when anything of the oracle outlives it, so a
 * later test file never meets this one's servers.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { leftovers, Oracle } from './nginx-oracle.js';

const killGroup = (pgid: number) => {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
};

describe('oracle leak guard', () => {
  const escaped: number[] = [];
  afterAll(() => escaped.forEach(killGroup));

  it('stop() kills a server left running with its children, removes the folder, finds nothing left', async () => {
    const o = new Oracle();
    await o.start();
    const dir = o.dir;
    // A server that forks workers, as nginx and apache2 do (theirs rename themselves); the case never stops it.
    const p = o.daemon('sh', ['-c', `sleep 300 & sleep 301; : ${dir}`]);
    const groups = new Set([p.pid!]);
    for (let i = 0; i < 100 && leftovers(dir, groups).length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    const before = leftovers(dir, groups);
    expect(before.filter((l) => l.startsWith('process')).length).toBe(3);
    expect(before).toContain(`folder ${dir}`);
    await o.stop();
    expect(leftovers(dir, groups)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('stop() throws naming a process out of its groups whose command line names its folder', async () => {
    const o = new Oracle();
    await o.start();
    const dir = o.dir;
    // setsid: a session and group of its own, out of the oracle's reach: a leak the guard must report.
    const q = spawn('setsid', ['sh', '-c', `sleep 302; : ${dir}`], { stdio: 'ignore' });
    escaped.push(q.pid!);
    for (let i = 0; i < 100 && !leftovers(dir, new Set()).some((l) => l.startsWith(`process ${q.pid} `)); i++) await new Promise((r) => setTimeout(r, 50));
    await expect(o.stop()).rejects.toThrow(`process ${q.pid} (group ${q.pid}): sh -c sleep 302; : ${dir}`);
  });
});
