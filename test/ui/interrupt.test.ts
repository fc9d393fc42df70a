/**
 * Ctrl-C while a local command runs: the command (in its own process group, deaf to the
 * terminal's SIGINT, and here deaf to SIGTERM too) is killed, tshoot says how it stopped and
 * exits 130 promptly, with no stack trace. And without a terminal, no prompt and no hang.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { flowsDir, oneCommandFlow, stubbornSleeper } from './flows.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts the CLI, waits for `marker` to exist (the command runs), sends SIGINT. */
async function interruptWhileRunning(args: string[], marker: string) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  for (let i = 0; i < 200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 25));
  expect(existsSync(marker), stderr).toBe(true);
  const t0 = performance.now();
  child.kill('SIGINT');
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
  if (code === 'hung') child.kill('SIGKILL');
  return { code, ms: performance.now() - t0, stdout, stderr };
}

describe('interruption', () => {
  it('Ctrl-C during a command that ignores SIGTERM: killed, exit 130 within a second or two, no stack trace', async () => {
    const token = `tshoot-ui-${process.pid}-${Date.now()}`;
    const dir = flowsDir({});
    dirs.push(dir);
    const marker = join(dir, 'running');
    const flows = flowsDir({ 'slow.yaml': oneCommandFlow('slow', [stubbornSleeper(dir, marker, token)], 60) });
    dirs.push(flows);
    const r = await interruptWhileRunning(['run', 'slow', '--flows', flows, '--non-interactive'], marker);
    expect(r.code, r.stderr).toBe(130);
    expect(r.ms).toBeLessThan(3000);
    expect(r.stderr).toContain('tshoot: interrupted');
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(r.stdout).not.toContain('Done'); // no card from a killed command's result
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps).not.toContain(token);
  });

  it('--json: the one object says interrupted', async () => {
    const dir = flowsDir({});
    dirs.push(dir);
    const marker = join(dir, 'running');
    const flows = flowsDir({ 'slow.yaml': oneCommandFlow('slow', [stubbornSleeper(dir, marker, `tshoot-ui-json-${process.pid}`)], 60) });
    dirs.push(flows);
    const r = await interruptWhileRunning(['run', 'slow', '--flows', flows, '--non-interactive', '--json'], marker);
    expect(r.code).toBe(130);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'slow', outcome: 'interrupted' });
  });
});

describe('without a terminal', () => {
  it('bare `tshoot` with piped stdin says it needs a terminal or --non-interactive --answers FILE, at once', async () => {
    const t0 = performance.now();
    const r = await runCli([], { input: '\n\n\n', timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a terminal');
    expect(r.stderr).toContain('--non-interactive --answers FILE');
    expect(r.stdout).toBe('');
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('`tshoot run` with an idle stdin that is not a terminal does not wait for it', async () => {
    // Without --target its first question is the target (a session that needs no answer runs: test/cli/pipes.test.ts).
    const child = spawn(process.execPath, [BIN, 'run', 'refused'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await Promise.race([new Promise<number | null>((r) => child.on('close', r)), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000))]);
    child.kill('SIGKILL');
    expect(code).toBe(2);
    expect(stderr).toContain('--non-interactive --answers FILE');
  });
});
