/**
 * Issue 12, finding 8: a transcript is never written through something planted where it goes —
 * a link at the file's name (to a file, or dangling where O_CREAT alone would make one), a link
 * in place of the sessions folder, a folder on the path that someone else owns or can write to.
 * The names carry 64 random bits; a taken name is never reused. As root, `nobody` owns what an
 * attacker would.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/run-cli.js';
import { defaultTranscriptPath, openRecorder, type SessionInfo } from '../../src/transcript/recorder.js';
import { askFlow, userFlows } from '../helpers/user-flows.js';

const NOBODY = 65534;
const NOW = new Date('2025-01-01T12:00:00Z');
const INFO: SessionInfo = {
  flow: 'ask-demo',
  digest: `sha256:${'0'.repeat(64)}`,
  target: { url: '', scheme: '', host: '', port: 0, path: '', loopback: false, given: false },
  hosts: { client: 'local', server: '', bastion: '' },
  lang: 'en',
};

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tshoot-planted-'));
  made.push(d);
  return d;
}
/** A user's flow that asks, runs `printf` and reaches a fix; transcripts under `state`. */
function session() {
  const dir = userFlows({ 'ask-demo.yaml': askFlow, 'answers.yaml': 'q: a\n' });
  made.push(dir);
  const state = join(dir, 'state');
  return { dir, state, sessions: join(state, 'tshoot', 'sessions'), argv: ['run', 'ask-demo', '--flows', dir, '--non-interactive', '--json', '--answers', join(dir, 'answers.yaml')] };
}
type Session = ReturnType<typeof session>;
const run = (s: Session, ...extra: string[]) => runCli([...s.argv, ...extra], { env: { XDG_STATE_HOME: s.state } });
const FIXED = '"outcome":"fix"';

describe('a transcript in the sessions folder', () => {
  it('is a new file: links planted at its name are not written through, another name is drawn', () => {
    const tmp = temp();
    const env = { XDG_STATE_HOME: join(tmp, 'state') };
    const sessions = join(tmp, 'state', 'tshoot', 'sessions');
    mkdirSync(sessions, { recursive: true, mode: 0o700 });
    const victim = join(tmp, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(sessions, '20250101T120000Z-ask-demo-0000000000000000.ndjson'));
    const through = join(tmp, 'created-through-the-link');
    symlinkSync(through, join(sessions, '20250101T120000Z-ask-demo-0101010101010101.ndjson'));
    const draws = [0, 1, 2];
    const path = defaultTranscriptPath(env, 'ask-demo', NOW, (n) => Buffer.alloc(n, draws.shift()));
    expect(path).toBe(join(sessions, '20250101T120000Z-ask-demo-0202020202020202.ndjson'));
    const rec = openRecorder({ path, now: () => NOW });
    rec.begin(INFO);
    expect(rec.close()).toBeNull();
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(existsSync(through)).toBe(false);
    const st = lstatSync(path);
    expect([st.isFile(), st.mode & 0o777, st.nlink]).toEqual([true, 0o600, 1]);
    expect(JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!)).toMatchObject({ format: 'tshoot-transcript', flow: 'ask-demo' });
  });

  it('is named by the time, the flow and 64 random bits; one that got no line is removed', () => {
    const env = { XDG_STATE_HOME: join(temp(), 'state') };
    const a = defaultTranscriptPath(env, 'ask-demo', NOW);
    const b = defaultTranscriptPath(env, 'ask-demo', NOW);
    expect(a).toMatch(/\/20250101T120000Z-ask-demo-[0-9a-f]{16}\.ndjson$/);
    expect(b).not.toBe(a);
    for (const p of [a, b]) {
      expect(existsSync(p)).toBe(true);
      expect(openRecorder({ path: p }).close()).toBeNull();
      expect(existsSync(p)).toBe(false);
    }
  });

  it('is not written when the sessions folder is a link: the run says why before it starts (exit 2)', async () => {
    const s = session();
    const theirs = join(s.dir, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    mkdirSync(join(s.sessions, '..'), { recursive: true, mode: 0o700 });
    symlinkSync(theirs, s.sessions);
    const r = await run(s);
    expect(r.code).toBe(2);
    // --json: the one object is the usage error (README), nothing of the session.
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'error', error: { code: 'usage', message: expect.stringMatching(/^cannot write the transcript/) } });
    expect(r.stderr).toMatch(/^tshoot: cannot write the transcript .*\/sessions\/\d{8}T\d{6}Z-ask-demo\.ndjson: unsafe folder: .*\/tshoot\/sessions is a symbolic link \(choose another with --transcript FILE, or --no-transcript\)\n$/);
    expect(readdirSync(theirs)).toEqual([]);
    // The way out it names works.
    const elsewhere = join(s.dir, 'here.ndjson');
    const ok = await run(s, '--transcript', elsewhere);
    expect(ok.stdout).toContain(FIXED);
    expect(readFileSync(elsewhere, 'utf8')).toContain('"kind":"outcome"');
  });

  it('is not written under a folder someone else owns or can write to', async () => {
    const cases: Array<[string, (state: string) => void, RegExp]> = [
      ['owned by nobody', (state) => chownSync(state, NOBODY, NOBODY), /state belongs to uid 65534, neither root nor you/],
      ['0777, not sticky', (state) => chmodSync(state, 0o777), /state can be written by others and is not a root-owned sticky folder \(mode 0777\)/],
    ];
    for (const [what, plant, why] of cases) {
      const s = session();
      mkdirSync(s.state, { mode: 0o700 });
      plant(s.state);
      const r = await run(s);
      expect(r.code, what).toBe(2);
      expect(JSON.parse(r.stdout), what).toMatchObject({ outcome: 'error', error: { code: 'usage' } });
      expect(r.stderr, what).toMatch(why);
      expect(existsSync(join(s.state, 'tshoot')), what).toBe(false);
    }
  });

  it('without /proc, is checked by path: the run records; a linked sessions folder is still refused', () => {
    const s = session();
    // A mount namespace of this run's own, /proc hidden under an empty tmpfs.
    const noProc = () =>
      execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /proc && exec "$@"', 'sh', process.execPath, BIN, ...s.argv], {
        env: { ...process.env, XDG_STATE_HOME: s.state },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
    expect(noProc()).toContain(FIXED);
    const [name] = readdirSync(s.sessions);
    expect(name).toMatch(/^\d{8}T\d{6}Z-ask-demo-[0-9a-f]{16}\.ndjson$/);
    expect(readFileSync(join(s.sessions, name!), 'utf8')).toContain('"kind":"outcome"');
    rmSync(s.sessions, { recursive: true });
    const theirs = join(s.dir, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    symlinkSync(theirs, s.sessions);
    expect(() => noProc()).toThrow(expect.objectContaining({ status: 2, stderr: expect.stringMatching(/sessions is a symbolic link/) }));
    expect(readdirSync(theirs)).toEqual([]);
  });
});
