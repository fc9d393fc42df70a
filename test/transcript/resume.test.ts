/**
 * `tshoot resume`: a session stopped after two commands (waiting for an answer, or Ctrl-C
 * during the third) goes on from the transcript without running the first two again, and
 * appends to the same file, which then replays with --check.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { scratch, type Scratch } from './helpers.js';

const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n') : []);
let s: Scratch;
afterEach(() => rmSync(s.dir, { recursive: true, force: true }));

describe('tshoot resume', () => {
  it('a session that stopped for an answer after two commands completes without running them again', async () => {
    s = scratch();
    const file = join(s.dir, 'session.ndjson');
    const first = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--transcript', file], { env: s.env });
    expect(first.code, first.stderr).toBe(4);
    expect(lines(s.count)).toEqual(['one', 'two']);
    expect(first.stderr).toContain(`transcript: ${file}`);

    const answers = join(s.dir, 'answers.yaml');
    writeFileSync(answers, 'go_on: yes\n');
    const before = readFileSync(file, 'utf8');
    const r = await runCli(['resume', file, '--flows', s.flows, '--non-interactive', '--answers', answers, '--json'], { env: s.env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'fix', fix: { id: 'counted' }, commands: 3 });
    // one and two were replayed, not run: each ran once in all.
    expect(lines(s.count)).toEqual(['one', 'two', 'three']);
    // Appended: what was there is still there, byte for byte, then the rest.
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    const added = after.slice(before.length).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; id?: string });
    expect(added.map((e) => e.kind)).toEqual(['resumed', 'answer', 'decision', 'command', 'result', 'decision', 'outcome']);
    expect(added.filter((e) => e.kind === 'command').map((e) => e.id)).toEqual(['three']);

    const check = await runCli(['replay', '--check', file, '--flows', s.flows], { env: s.env });
    expect(check.code, check.stderr).toBe(0);
    // A finished session has nothing to resume.
    const again = await runCli(['resume', file, '--flows', s.flows, '--non-interactive'], { env: s.env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/session\.ndjson:\d+: the session already ended \(fix counted\)/);
  });

  it('Ctrl-C during the third command: resume runs only that one again', async () => {
    s = scratch({ gated: true });
    const file = join(s.dir, 'session.ndjson');
    const answers = join(s.dir, 'answers.yaml');
    writeFileSync(answers, 'go_on: yes\n');
    const args = ['--flows', s.flows, '--non-interactive', '--answers', answers];
    const child = spawn(process.execPath, [BIN, 'run', 'counter', ...args, '--transcript', file], {
      cwd: s.dir,
      env: { ...process.env, NO_COLOR: '1', ...s.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait until the third command is running (it is recorded before it starts).
    for (let i = 0; i < 200 && !lines(file).some((l) => l.includes('"kind":"command","id":"three"')); i++) await new Promise((r) => setTimeout(r, 50));
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.kill('SIGINT');
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toContain(`tshoot resume ${file}`);
    expect(lines(join(s.dir, 'count'))).toEqual(['one', 'two']);
    // The killed command has no result in the transcript: what it would have said is unknown.
    expect(lines(file).filter((l) => l.includes('"kind":"result"'))).toHaveLength(2);

    writeFileSync(join(s.dir, 'gate'), '');
    const r = await runCli(['resume', file, ...args], { cwd: s.dir, env: s.env });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(join(s.dir, 'count'))).toEqual(['one', 'two', 'three']);
    expect((await runCli(['replay', '--check', file, '--flows', s.flows], { cwd: ROOT, env: s.env })).code).toBe(0);
  });

  it('a transcript whose recorded commands today’s flow would not run is refused, nothing run', async () => {
    s = scratch();
    const file = join(s.dir, 'session.ndjson');
    await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--transcript', file], { env: s.env });
    // As if the flow had changed since: `two` was recorded with other arguments.
    writeFileSync(file, readFileSync(file, 'utf8').replace(/("kind":"command","id":"two"[^\n]*"argv":\["[^"]*",)"two"/, '$1"deux"'));
    rmSync(s.count);
    const answers = join(s.dir, 'answers.yaml');
    writeFileSync(answers, 'go_on: yes\n');
    const r = await runCli(['resume', file, '--flows', s.flows, '--non-interactive', '--answers', answers], { env: s.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/session\.ndjson:\d+: the flows changed since this session: the recording runs two \(local: \S+ deux\), today's flow runs two/);
    expect(existsSync(s.count)).toBe(false);
  });
});
