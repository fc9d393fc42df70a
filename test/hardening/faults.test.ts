/**
 * Issue 7 part 5, faults in the middle of a flow, in the lab: sshd killed while a command
 * runs, the network cut (DROP on port 22) while a command runs, a command that hangs. Each
 * ends within its bound with a classified error (transport `disconnected`/`timeout`, or a
 * timed-out result), exit 3 or the flow's `on_unreachable` branch, and a transcript whose
 * every line is JSON; after healing, `tshoot resume FILE` completes without running again
 * the commands already recorded (each command logs its step to a file: the counts prove it).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { up, type Lab } from '../lab/lab.js';
import { canLab, endNode, fixNode, flowHead, flowsDir, STACK_FRAME, tempDir, transcriptLines } from './helpers.js';

const work = tempDir('faults');
const LOG = join(work, 'steps.log');
/** `step NAME [SECONDS]`: logs NAME, sleeps, prints NAME. Run by path (no shell in argv). */
const STEP = join(work, 'step');
writeFileSync(STEP, `#!/bin/bash\necho "$1" >> ${LOG}\n[ -n "$2" ] && sleep "$2"\nprintf '%s' "$1"\n`);
chmodSync(STEP, 0o755);
// Declared read-only by the person running tshoot (the CLIs these tests start inherit it).
process.env.TSHOOT_READ_ONLY_PROGRAMS = STEP;

function stepsFlow(id: string, role: string, o: { sleep: number; timeout: number; branch?: boolean }): string {
  return `${flowHead(id, 's1')}  s1:
    kind: run
    title: { en: one, ja: one }
    role: ${role}
    argv: [${STEP}, ${id}-one]
    next: s2
  s2:
    kind: run
    title: { en: two, ja: two }
    role: ${role}
    timeout: ${o.timeout}
    argv: [${STEP}, ${id}-two, "${o.sleep}"]
${o.branch ? '    on_unreachable: down\n' : ''}    next: s3
  s3:
    kind: run
    title: { en: three, ja: three }
    role: ${role}
    argv: [${STEP}, ${id}-three]
    next: done
${fixNode('done', `${id}-done`, 's3')}${o.branch ? endNode('down') : ''}`;
}

const flows = flowsDir({
  'a.yaml': stepsFlow('f-kill', 'server', { sleep: 5, timeout: 20 }),
  'b.yaml': stepsFlow('f-kill-branch', 'server', { sleep: 5, timeout: 20, branch: true }),
  'c.yaml': stepsFlow('f-cut', 'server', { sleep: 3, timeout: 6 }),
  'd.yaml': stepsFlow('f-hang', 'server', { sleep: 60, timeout: 2 }),
  'e.yaml': stepsFlow('f-hang-local', 'local', { sleep: 60, timeout: 2 }),
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(flows, { recursive: true, force: true });
});

const count = (name: string) => (existsSync(LOG) ? readFileSync(LOG, 'utf8').split('\n').filter((l) => l === name).length : 0);

interface Out {
  outcome: string;
  fix?: { id: string } | null;
  error?: { code: string; transport?: string; message: string };
}

/** Every line JSON, a header first, each result after its command. */
function expectIntact(file: string) {
  const lines = transcriptLines(file);
  expect(lines[0]).toMatchObject({ format: 'tshoot-transcript', version: 1 });
  const open = new Set<string>();
  for (const l of lines.slice(1)) {
    expect(typeof l.kind).toBe('string');
    if (l.kind === 'command') open.add(l.id as string);
    if (l.kind === 'result') expect(open.delete(l.id as string)).toBe(true);
  }
  return lines;
}

describe.runIf(canLab)('faults in the middle of a flow', () => {
  let lab: Lab;
  let faults = 0;
  beforeAll(async () => {
    lab = await up('healthy');
  });
  afterAll(async () => {
    console.log(`faults injected: ${faults}`);
    await lab?.down();
  });

  const sshArgs = () => ['--ssh-config', lab.sshConfigPath, '--host', 'server=server', '--non-interactive', '--json'];

  /** Starts the CLI in the client namespace; calls `fault` once the step `when` has started. */
  async function runWithFault(flow: string, when: string, fault: () => Promise<void>) {
    const transcript = join(work, `${flow}.ndjson`);
    const argv = [...lab.nsExecArgv('client'), process.execPath, BIN, 'run', flow, '--flows', flows, '--transcript', transcript, ...sshArgs()];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: work }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    for (let i = 0; i < 400 && count(when) === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(count(when), stderr).toBe(1);
    const t0 = performance.now();
    await fault();
    faults++;
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    return { code, stdout, stderr, ms: performance.now() - t0, transcript };
  }

  /** Kills the server's sshd: the listener (as the lab stops it) and every session it forked, by pid. */
  async function killSshd() {
    const pids = (await lab.exec('router', ['ip', 'netns', 'pids', lab.hosts.server.ns])).stdout.split('\n').filter(Boolean);
    await lab.inject('sshd-stopped');
    for (const pid of pids) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd') process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
  }

  const resume = (transcript: string) => runCli(['resume', transcript, '--flows', flows, ...sshArgs()], { prefix: lab.nsExecArgv('client'), timeoutMs: 60_000 });

  it('sshd killed while a command runs → disconnected, exit 3; healed → resume completes, nothing run twice', async () => {
    const r = await runWithFault('f-kill', 'f-kill-two', killSshd);
    expect(r.code, r.stderr).toBe(3);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect((JSON.parse(r.stdout) as Out).error).toMatchObject({ code: 'unreachable', transport: 'disconnected' });
    const lines = expectIntact(r.transcript);
    expect(lines.find((l) => l.kind === 'result' && l.id === 's2')).toMatchObject({ transport: { code: 'disconnected' } });
    await lab.heal('sshd-stopped');
    const again = await resume(r.transcript);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as Out).fix?.id).toBe('f-kill-done');
    expect([count('f-kill-one'), count('f-kill-two'), count('f-kill-three')]).toEqual([1, 2, 1]);
    const after = expectIntact(r.transcript);
    expect(after.filter((l) => l.kind === 'outcome')).toHaveLength(1);
    expect(after.at(-1)).toMatchObject({ kind: 'outcome', outcome: 'fix' });
  });

  it('sshd killed, the flow has on_unreachable → its branch, exit 1', async () => {
    const r = await runWithFault('f-kill-branch', 'f-kill-branch-two', killSshd);
    await lab.heal('sshd-stopped');
    expect(r.code, r.stderr).toBe(1);
    expect(r.ms).toBeLessThan(10_000);
    expect((JSON.parse(r.stdout) as Out).outcome).toBe('unresolved');
    expectIntact(r.transcript);
    expect(count('f-kill-branch-three')).toBe(0);
  });

  it('the network cut (DROP on port 22) while a command runs → a transport error within the timeout, exit 3; healed → resume completes', async () => {
    // Both ways: the lab's fault drops what reaches port 22; the frame back is dropped too.
    const out = ['OUTPUT', '-p', 'tcp', '--sport', '22', '-j', 'DROP'];
    const r = await runWithFault('f-cut', 'f-cut-two', async () => {
      await lab.inject('ssh-dropped');
      expect((await lab.exec('server', ['iptables', '-I', ...out])).code).toBe(0);
    });
    await lab.heal('ssh-dropped');
    expect((await lab.exec('server', ['iptables', '-D', ...out])).code).toBe(0);
    expect(r.code, r.stderr).toBe(3);
    expect(r.ms).toBeLessThan(6_000 + 3_000 + 4_000); // the command's timeout, the grace for the host's own, slack
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect((JSON.parse(r.stdout) as Out).error?.transport).toMatch(/^(timeout|disconnected)$/);
    expect(expectIntact(r.transcript).find((l) => l.kind === 'result' && l.id === 's2')).toMatchObject({ transport: { code: expect.stringMatching(/^(timeout|disconnected)$/) } });
    const again = await resume(r.transcript);
    expect(again.code, again.stderr).toBe(0);
    expect([count('f-cut-one'), count('f-cut-two'), count('f-cut-three')], `${readFileSync(r.transcript, 'utf8')}\n${again.stderr}`).toEqual([1, 2, 1]);
    expect(expectIntact(r.transcript).at(-1)).toMatchObject({ kind: 'outcome', outcome: 'fix' });
  });

  it.each([
    ['over SSH', 'f-hang'],
    ['locally', 'f-hang-local'],
  ])('a command that hangs (%s) is ended at its timeout: timed out, the flow goes on', async (_how, flow) => {
    const transcript = join(work, `${flow}.ndjson`);
    const t0 = performance.now();
    const r = await runCli(['run', flow, '--flows', flows, '--transcript', transcript, ...sshArgs()], { prefix: lab.nsExecArgv('client'), timeoutMs: 30_000 });
    faults++;
    expect(r.code, r.stderr).toBe(0);
    expect(performance.now() - t0).toBeLessThan(12_000);
    const res = expectIntact(transcript).find((l) => l.kind === 'result' && l.id === 's2');
    expect(res).toMatchObject({ timedOut: true, exit: null, transport: null });
    expect(count(`${flow}-three`)).toBe(1);
  });
});
