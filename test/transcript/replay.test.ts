/**
 * Replay through today's flows: every recorded session beside a flow (and each bundled
 * example) replays with `--check`; a changed result, a changed flow, extra steps and a
 * malformed file are each caught and located; `--update` rewrites derived steps.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

const FLOWS = join(ROOT, 'flows');
const recorded = readdirSync(FLOWS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(FLOWS, d.name, 'sessions')))
  .flatMap((d) => readdirSync(join(FLOWS, d.name, 'sessions')).filter((f) => f.endsWith('.ndjson')).map((f) => `flows/${d.name}/sessions/${f}`));
const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ndjson')).map((f) => `examples/${f}`);
const STOPPED = 'flows/refused/sessions/nginx-stopped.ndjson';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tshoot-replay-'));
});

/** A copy of a recorded session with its events edited. */
function edited(name: string, from: string, edit: (events: Array<Record<string, unknown>>) => Array<Record<string, unknown>>): string {
  const [header, ...lines] = readFileSync(join(ROOT, from), 'utf8').trimEnd().split('\n');
  const events = edit(lines.map((l) => JSON.parse(l) as Record<string, unknown>));
  const file = join(tmp, name);
  writeFileSync(file, [header, ...events.map((e) => JSON.stringify(e))].join('\n') + '\n');
  return file;
}

describe('recorded sessions replay against today’s flows', () => {
  it('there are recorded sessions to replay', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(4);
    expect(examples.length).toBeGreaterThanOrEqual(1);
  });

  it.each([...recorded, ...examples])('%s replays with --check → exit 0', async (file) => {
    const r = await runCli(['replay', '--check', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("matches today's flows");
  });
});

describe('tshoot replay', () => {
  it('shows the session as it happened, with the recorded durations, and its card', async () => {
    const r = await runCli(['replay', STOPPED]);
    expect(r.code, r.stderr).toBe(0);
    const first = JSON.parse(readFileSync(join(ROOT, STOPPED), 'utf8').split('\n').find((l) => l.includes('"kind":"result"'))!) as { durationMs: number };
    expect(r.stdout).toContain(`${first.durationMs} ms`);
    expect(r.stdout).toContain('[start-service]');
  });

  it('--json prints one object with the outcome and the verdict', async () => {
    const r = await runCli(['replay', '--check', '--json', STOPPED]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'refused', outcome: 'fix', fix: { id: 'start-service' }, matches: true, divergences: [] });
  });

  it('one recorded stdout changed → exit 1, naming the node, expected vs actual, and the flow line', async () => {
    // ss now shows nginx on the port, on loopback: the flow goes elsewhere at `listeners`.
    const file = edited('changed-stdout.ndjson', STOPPED, (es) =>
      es.map((e) => (e.kind === 'result' && e.id === 'listeners' ? { ...e, stdout: `${e.stdout as string}LISTEN 0 511 127.0.0.1:80 0.0.0.0:* users:(("nginx",pid=7,fd=6))\n` } : e)),
    );
    const r = await runCli(['replay', '--check', file]);
    expect(r.code).toBe(1);
    const m = /changed-stdout\.ndjson:(\d+): decision differs at node "(\w+)" of flow "refused" \(flows\/refused\.yaml:\d+:\d+\)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    // The line named is the recorded decision at that node.
    const line = readFileSync(file, 'utf8').split('\n')[Number(m![1]) - 1]!;
    expect(JSON.parse(line)).toMatchObject({ kind: 'decision', node: m![2] });
    expect(r.stderr).toMatch(/decision\.goto:\n\s+expected "\w+"\n\s+actual\s+"\w+"/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a recorded command today’s flow would not run → the argv, field by field', async () => {
    const file = edited('changed-argv.ndjson', STOPPED, (es) => es.map((e) => (e.kind === 'command' && e.id === 'listeners' ? { ...e, argv: ['ss', '-ltn'] } : e)));
    const r = await runCli(['replay', '--check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('command differs at node "listeners"');
    expect(r.stderr).toMatch(/command\.argv:\n\s+expected \["ss","-ltn"\]\n\s+actual\s+\["ss","-ltnpe"\]/);
  });

  it('recorded steps today’s flow never reaches are a divergence too', async () => {
    const file = edited('extra.ndjson', STOPPED, (es) => {
      const out = es.slice(0, -1);
      return [...out, { kind: 'decision', flow: 'refused', node: 'nginx_test', when: null, goto: 'elsewhere', at: 'flows/refused.yaml:1:1' }, es[es.length - 1]!];
    });
    const r = await runCli(['replay', '--check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/step:\n\s+expected "decision nginx_test → elsewhere"\n\s+actual\s+"outcome fix start-service at start_service"/);
    const cut = edited('cut.ndjson', STOPPED, (es) => [...es, { kind: 'question', id: 'later', flow: 'refused', node: 'later', input: 'confirm', text: '?' }]);
    const r2 = await runCli(['replay', '--check', cut]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/recorded steps were not reached[\s\S]*line \d+: question later/);
  });

  it('commands after the outcome (applying the fix) are recorded but not part of the walk --check compares', async () => {
    const file = edited('applied.ndjson', STOPPED, (es) => [
      ...es,
      { kind: 'command', id: 'apply.1', flow: 'refused', node: 'start_service', title: 'Start nginx', role: 'server', dest: 'server', argv: ['service', 'nginx', 'start'], timeoutMs: 30000, root: true },
      { kind: 'result', id: 'apply.1', exit: 0, stdout: '', stderr: '', durationMs: 120, timedOut: false, truncated: { stdout: false, stderr: false }, transport: null },
    ]);
    const r = await runCli(['replay', '--check', file]);
    expect(r.code, r.stderr).toBe(0);
    const md = await runCli(['report', file, '--format', 'md']);
    expect(md.stdout).toMatch(/## Applied\n\n- Start nginx: server `\$ service nginx start` — exit 0/);
  });

  it('--update rewrites stale decisions from the recorded results; then --check passes', async () => {
    const file = edited('stale.ndjson', STOPPED, (es) => es.map((e) => (e.kind === 'decision' && e.node === 'how' ? { ...e, when: 'old condition' , goto: 'old_node' } : e)));
    expect((await runCli(['replay', '--check', file])).code).toBe(1);
    const u = await runCli(['replay', '--update', file]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toContain('updated');
    expect((await runCli(['replay', '--check', file])).code).toBe(0);
    // Answers and results are kept byte for byte.
    const results = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.includes('"kind":"result"'));
    expect(results(file)).toEqual(results(join(ROOT, STOPPED)));
  });

  it('--update refuses when today’s flow runs something else: the results would not apply', async () => {
    const file = edited('cannot-update.ndjson', STOPPED, (es) => es.map((e) => (e.kind === 'command' && e.id === 'listeners' ? { ...e, argv: ['ss', '-x'] } : e)));
    const before = readFileSync(file, 'utf8');
    const u = await runCli(['replay', '--update', file]);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain('not updated');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it.each([
    ['empty.ndjson', '', /empty\.ndjson:1: empty file/],
    ['notjson.ndjson', '{"format":"tshoot-transcript"', /notjson\.ndjson:1: the header line is cut short|notjson\.ndjson:1: not JSON/],
    ['other.ndjson', '{"hello":1}\n', /other\.ndjson:1: not a tshoot transcript/],
    ['v2.ndjson', '{"format":"tshoot-transcript","version":2}\n', /v2\.ndjson:1: transcript format version 2 is not supported/],
  ])('malformed %s → FILE:LINE: message, exit 2', async (name, text, re) => {
    const file = join(tmp, name);
    writeFileSync(file, text);
    const r = await runCli(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a bad event is located at its line', async () => {
    const lines = readFileSync(join(ROOT, STOPPED), 'utf8').split('\n');
    const file = join(tmp, 'bad-event.ndjson');
    writeFileSync(file, [...lines.slice(0, 3), '{"kind":"result","id":"x","exit":"zero"}', ...lines.slice(3)].join('\n'));
    const r = await runCli(['replay', '--check', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-event\.ndjson:4: "result" event: \/\w+: /);
    writeFileSync(file, [...lines.slice(0, 3), '{"kind":"shrug"}', ...lines.slice(3)].join('\n'));
    expect((await runCli(['replay', file])).stderr).toMatch(/bad-event\.ndjson:4: unknown event kind "shrug"/);
    const missing = await runCli(['replay', join(tmp, 'nope.ndjson')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.ndjson:1: cannot read: ENOENT/);
  });
});

describe('tshoot flows test', () => {
  it('prints covered/total edges per flow, lists what is not covered, and is honest about it', async () => {
    const r = await runCli(['flows', 'test', 'refused']);
    const line = /^refused: (\d+)\/(\d+) edges covered by (\d+) recorded sessions$/m.exec(r.stdout);
    expect(line, r.stdout).not.toBeNull();
    const [covered, total, sessions] = [Number(line![1]), Number(line![2]), Number(line![3])];
    expect(sessions).toBeGreaterThanOrEqual(4);
    expect(covered).toBeGreaterThan(0);
    const missing = r.stdout.split('\n').filter((l) => l.startsWith('  not covered: ')).length;
    expect(missing).toBe(total - covered);
    expect(r.code).toBe(missing ? 1 : 0);
    if (missing) expect(r.stdout).toMatch(/ {2}not covered: \w+ → \w+ {2}\(.+\) {2}flows\/refused\.yaml:\d+:\d+/);
  });
});
