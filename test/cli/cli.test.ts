import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, ROOT } from '../helpers/run-cli.js';
import { askFlow, userFlows } from '../helpers/user-flows.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('the CLI contract', () => {
  it('--version prints the package version; --help lists the commands', async () => {
    const v = await runCli(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const h = await runCli(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['run', 'flows']) expect(h.stdout).toContain(c);
    const rh = await runCli(['run', '--help']);
    expect(rh.code).toBe(0);
    expect(rh.stdout).toContain('--non-interactive');
    const lh = await runCli(['flows', 'lint', '--help']);
    expect(lh.code).toBe(0);
  });

  it('flows schema prints the checked-in flows/flow.schema.json (the bundle carries it precomputed)', async () => {
    const r = await runCli(['flows', 'schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(ROOT, 'flows/flow.schema.json'), 'utf8')));
  });

  it('an unknown flag is one line on stderr and exit 2', async () => {
    const r = await runCli(['run', 'refused', '--nope']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown option '--nope'");
    expect(r.stdout).toBe('');
  });

  it('an unknown flow id is a one-line error with a suggestion, exit 2', async () => {
    const r = await runCli(['run', 'refusd', '--non-interactive', '--target', 'http://127.0.0.1:9/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tshoot: unknown flow "refusd" (did you mean "refused"?); known flows: ' + r.stderr.split('known flows: ')[1]);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a malformed flow stops the run with its location, exit 2, no stack trace', async () => {
    const dir = userFlows({ 'bad.yaml': askFlow.replace('id: ask-demo', 'id: bad').replace('goto: done', 'goto: dnoe') });
    const r = await runCli(['run', 'bad', '--flows', dir, '--non-interactive']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+ node "q": goto "dnoe" does not exist \(did you mean "done"\?\)/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a bad --target or --host is a usage error, exit 2', async () => {
    expect((await runCli(['run', 'refused', '--non-interactive', '--target', 'not a target'])).code).toBe(2);
    const h = await runCli(['run', 'refused', '--non-interactive', '--target', 'web:80', '--host', 'db=web']);
    expect(h.code).toBe(2);
    expect(h.stderr).toContain('unknown role "db"');
  });

  it('without a terminal and without --non-interactive it says what it needs instead of hanging', async () => {
    // The target is the first question: nothing is known, nothing runs.
    const r = await runCli(['run', 'refused'], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tshoot: question "target" has no answer and there is no terminal to ask it on: run tshoot in one, or pass --non-interactive --answers FILE with "target" in it\n');
  });

  it('--non-interactive with a missing answer: exit 4, and --json names the question', async () => {
    const dir = userFlows({ 'ask-demo.yaml': askFlow });
    const r = await runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--json']);
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ flow: 'ask-demo', outcome: 'needs-input', fix: null, question: { id: 'q', kind: 'select', text: 'Pick one', choices: ['a', 'b'] } });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('--answers (YAML) answers questions; --json carries exactly one object; counts questions and commands', async () => {
    const dir = userFlows({ 'ask-demo.yaml': askFlow, 'answers.yaml': 'q: a\n' });
    const r = await runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--json', '--answers', join(dir, 'answers.yaml')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      flow: 'ask-demo',
      outcome: 'fix',
      fix: { id: 'demo-fix', title: 'Fixed', summary: 'you picked a', steps: ['nothing'], config: null, verify: ['nothing'] },
      evidence: [{ role: 'local', command: "printf %s a", lines: ['a'] }],
      questions: 1,
      commands: 1,
      transcript: expect.stringMatching(/\/tshoot\/sessions\/[^/]*ask-demo[^/]*\.ndjson$/),
    });
  });

  it('an answer that is not one of the choices is refused with exit 2', async () => {
    const dir = userFlows({ 'ask-demo.yaml': askFlow, 'answers.json': '{"q": "c"}' });
    const r = await runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--answers', join(dir, 'answers.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"q" must be one of a, b');
  });

  it('--lang ja shows the Japanese texts; an unresolved end exits 1', async () => {
    const dir = userFlows({ 'ask-demo.yaml': askFlow, 'answers.yaml': 'q: b\n' });
    const r = await runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--lang', 'ja', '--answers', join(dir, 'answers.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('完了');
  });

  it('flows lint reports every problem as FILE:LINE:COL node "ID": message (hint), exit 2', async () => {
    const bad1 = askFlow.replace('id: ask-demo', 'id: bad1').replace('role: local', 'role: lcoal');
    const bad2 = askFlow.replace('id: ask-demo', 'id: bad2').replace('goto: done', 'goto: dnoe').replace('id: demo-fix', 'id: demo-fix-2').replace('when: q == "a"', 'when: q');
    const dir = userFlows({ 'bad1.yaml': bad1, 'bad2.yaml': bad2 });
    const r = await runCli(['flows', 'lint', join(dir, 'bad1.yaml'), join(dir, 'bad2.yaml')]);
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n');
    // (`done` stays reachable: the fix's `requires.otherwise` leads there.) Sorted by file and
    // line: each file's modeline names a flow.schema.json that is not beside it, a warning.
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/bad1\.yaml:1:33: warning: the modeline's schema "\.\/flow\.schema\.json" is not there/);
    expect(lines[1]).toMatch(/bad1\.yaml:21:11 node "echo": unknown role "lcoal" \(did you mean "local"\?\)$/);
    expect(lines).toContainEqual(expect.stringMatching(/bad2\.yaml:15:15 node "q": condition is string, not bool/));
    expect(lines).toContainEqual(expect.stringMatching(/bad2\.yaml:17:15 node "q": goto "dnoe" does not exist \(did you mean "done"\?\)$/));
    expect(r.stderr).toContain('2 flow files: 3 errors, 2 warnings');
    const ok = await runCli(['flows', 'lint', '--strict']);
    expect(ok.code).toBe(0);
  });

  it('flows lint: a flow file that does not load is one error; the calls of it in other files are not more', async () => {
    const caller = askFlow
      .replace('id: ask-demo', 'id: caller')
      .replace('      - goto: done', '      - goto: more')
      .replace('    argv: [printf, "%s", "{{ q }}"]', '    argv: [printf, "%s", "{{ q }}"]\n    together: [callee.look]')
      .replace('  done:\n', '  more:\n    kind: call\n    flow: callee\n  done:\n');
    const dir = userFlows({ 'caller.yaml': caller, 'callee.yaml': 'id: callee\nstart: look\nnodes: [look\n' });
    const r = await runCli(['flows', 'lint', join(dir, 'caller.yaml'), join(dir, 'callee.yaml')]);
    expect(r.code).toBe(2);
    const errors = r.stdout.trim().split('\n').filter((l) => !l.includes(': warning: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/callee\.yaml:\d+:\d+/);
    // A call of a flow that no file given defines is still reported.
    const r2 = await runCli(['flows', 'lint', join(dir, 'caller.yaml')]);
    expect(r2.stdout).toMatch(/calls flow "callee", which does not exist/);
  });

  it('flows list and flows graph', async () => {
    const l = await runCli(['flows', 'list', '--json']);
    expect(l.code).toBe(0);
    const rows = JSON.parse(l.stdout) as Array<{ id: string; fixes: string[] }>;
    expect(rows.find((r) => r.id === 'refused')?.fixes.sort()).toEqual(['bind-all-interfaces', 'fix-service-config', 'host-firewall-reject', 'port-conflict', 'port-mismatch', 'start-service']);
    const g = await runCli(['flows', 'graph', 'refused', '--format', 'dot']);
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^digraph "refused" \{/);
    expect((await runCli(['flows', 'graph', 'refused', '--format', 'svg'])).code).toBe(2);
  });
});
