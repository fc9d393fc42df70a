/**
 * Issue 17 in the lab: the SSH connection to a host given with --host is opened when the session
 * starts, while the client's first command runs — seen from the server's side (`ss` in its
 * namespace) while that command is still blocked on a FIFO only this test releases, so no
 * timing is assumed. A host that cannot be reached: the warm-up says nothing of its own; the
 * first command on that host gets the classified failure, with the usual card and transcript.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { LAB_ENABLED } from './enabled.js';
import { ADDR, type HostName, type Lab, up } from './lab.js';

/** A client command that blocks until the test writes its FIFO, then a command on the server. */
const flowYaml = (fifo: string) => `id: preconnect
title: { en: Pre-connect, ja: Pre-connect }
needs_target: false
start: wait
nodes:
  wait:
    kind: run
    title: { en: Wait for the test, ja: Wait for the test }
    role: client
    argv: [cat, ${JSON.stringify(fifo)}]
    timeout: 120
    next:
      - when: wait.stdout.contains("skip")
        goto: done
      - goto: name
  name:
    kind: run
    title: { en: The server's name, ja: The server's name }
    role: server
    argv: [uname, -n]
    timeout: 20
    next: done
  done:
    kind: end
    title: { en: Done, ja: Done }
    next_steps: [{ en: nothing, ja: nothing }]
`;

interface Json {
  outcome: string;
  error?: { code: string; transport?: string; message: string };
  ssh?: { handshakes: Record<string, number> };
}

describe.runIf(LAB_ENABLED)('SSH connections opened at session start (issue 17)', () => {
  let lab: Lab;
  let tmp: string;
  let flows: string;
  let fifo: string;

  beforeAll(async () => {
    lab = await up('healthy');
    tmp = mkdtempSync(join(tmpdir(), 'tshoot-preconnect-'));
    flows = join(tmp, 'flows');
    mkdirSync(flows);
    fifo = join(tmp, 'go');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(flows, 'preconnect.yaml'), flowYaml(fifo));
  });
  afterAll(async () => {
    await lab?.down();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** The CLI from the client host, the client role local (its `cat` blocks on the FIFO). */
  const start = (hosts: string[], transcript: string): Promise<CliRun> =>
    runCli(
      ['run', 'preconnect', '--flows', flows, '--host', 'client=local', ...hosts.flatMap((h) => ['--host', h]), '--ssh-config', lab.sshConfigPath, '--non-interactive', '--json', '--transcript', transcript],
      { prefix: lab.nsExecArgv('client'), timeoutMs: 150_000 },
    );

  /** Let the client's `cat` end, printing `word` (bounded: `timeout` gives up if no reader ever opens the FIFO). */
  const release = (word = 'go') =>
    new Promise<void>((resolve) => spawn('timeout', ['60', 'sh', '-c', 'echo "$1" > "$0"', fifo, word], { stdio: 'ignore' }).once('close', () => resolve()));

  /** Polls `ss` on `host` (bounded) until an established SSH connection from `peer` shows. */
  async function sshFrom(host: HostName, peer: string): Promise<string> {
    for (let i = 0; i < 300; i++) {
      const r = await lab.exec(host, ['ss', '-Htn', 'state', 'established', '( sport = :22 )']);
      const line = r.stdout.split('\n').find((l) => l.includes(`${peer}:`));
      if (line) return line;
      await new Promise((res) => setTimeout(res, 200));
    }
    return '';
  }

  const events = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it("the server's connection is up while the client's first command still runs; that connection serves the server's command", async () => {
    const transcript = join(tmp, 'up.ndjson');
    const run = start(['server=server'], transcript);
    try {
      // The client's command cannot have ended: only release() ends it.
      expect(await sshFrom('server', ADDR.client)).toMatch(/ESTAB|:22\s/);
      expect(events(transcript).filter((e) => e.kind === 'result')).toEqual([]);
    } finally {
      await release();
    }
    const r = await run;
    // The flow ends at an end node, no fix: "unresolved".
    expect(r.code, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as Json).ssh?.handshakes).toEqual({ [`root@${ADDR.server}`]: 1 });
    const results = events(transcript).filter((e) => e.kind === 'result');
    expect(results.map((e) => [e.id, e.exit])).toEqual([['wait', 0], ['name', 0]]);
  });

  it('through a jump host: the bastion and the server are both connected to while the client waits', async () => {
    const transcript = join(tmp, 'jump.ndjson');
    const run = start(['server=server', 'bastion=bastion'], transcript);
    try {
      expect(await sshFrom('bastion', ADDR.client)).not.toBe('');
      expect(await sshFrom('server', ADDR.bastion)).not.toBe('');
    } finally {
      await release();
    }
    const r = await run;
    expect(r.code, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as Json).ssh?.handshakes).toEqual({ [`root@${ADDR.bastion}`]: 1, [`root@${ADDR.server} via bastion`]: 1 });
  });

  it("sshd stopped: no word from the warm-up; the server's first command gets the refused card, the transcript as always", async () => {
    await lab.inject('sshd-stopped');
    try {
      const transcript = join(tmp, 'refused.ndjson');
      const run = start(['server=server'], transcript);
      await release();
      const r = await run;
      expect(r.code).toBe(3);
      const out = JSON.parse(r.stdout) as Json;
      expect(out.error).toMatchObject({ code: 'unreachable', transport: 'refused', message: expect.stringContaining(`ssh server (${ADDR.server}:22): connection refused`) });
      // The progress (stderr with --json) says it once, on the server command's line: nothing of the warm-up's own.
      expect(r.stderr.split('\n').filter((l) => /connection refused/.test(l))).toEqual([expect.stringMatching(/^✖ The server's name \[server · .*\] — ssh server \(198\.18\.2\.10:22\): connection refused$/)]);
      const evs = events(transcript);
      expect(evs.slice(1).filter((e) => e.kind !== 'decision').map((e) => [e.kind, e.id ?? null])).toEqual([
        ['command', 'wait'],
        ['result', 'wait'],
        ['command', 'name'],
        ['result', 'name'],
        ['outcome', null],
      ]);
      expect(evs.find((e) => e.kind === 'result' && e.id === 'name')).toMatchObject({ exit: null, transport: { code: 'refused', message: `ssh server (${ADDR.server}:22): connection refused` } });
    } finally {
      await lab.heal('sshd-stopped');
    }
  });

  it("a host no command uses gets no card: sshd stopped, the flow never reaches the server's command", async () => {
    await lab.inject('sshd-stopped');
    try {
      const transcript = join(tmp, 'unused.ndjson');
      const run = start(['server=server'], transcript);
      await release('skip');
      const r = await run;
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout) as Json;
      expect(out.error).toBeUndefined();
      expect(out.outcome).toBe('unresolved');
      expect(r.stderr).not.toMatch(/refused/i);
      expect(events(transcript).filter((e) => e.kind === 'command').map((e) => e.id)).toEqual(['wait']);
    } finally {
      await lab.heal('sshd-stopped');
    }
  });
});
