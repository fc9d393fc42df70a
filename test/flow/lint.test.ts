import { describe, expect, it } from 'vitest';
import { compileFlows } from '../../src/flow/compile.js';
import { loadFlowSource, MODELINE, type FlowSource } from '../../src/flow/load.js';
import { formatProblem, type Problem } from '../../src/flow/problem.js';

/** Lints flows given as YAML texts (each gets the modeline), as `flows lint` does. */
function lint(...texts: string[]): Problem[] {
  const problems: Problem[] = [];
  const sources: FlowSource[] = [];
  texts.forEach((t, i) => {
    const r = loadFlowSource(`f${i}.yaml`, `${MODELINE}\n${t}`);
    problems.push(...r.problems);
    if (r.flow) sources.push(r.flow);
  });
  problems.push(...compileFlows(sources).problems);
  return problems.filter((p) => p.code !== 'missing-translation');
}

const ok = `id: t
title: T
start: a
nodes:
  a:
    kind: run
    title: A
    role: client
    argv: [echo, hi]
    next:
      - when: a.exit == 0
        goto: done
      - goto: done
  done:
    kind: end
    title: D
    next_steps: [x]
`;

/** [code, yaml, line, col] — line numbers count the modeline as line 1. */
const cases: Array<[Problem['code'], string, number, number]> = [
  ['yaml-syntax', 'id: t\ntitle: [unclosed\n', 4, 1],
  ['schema', ok.replace('    title: A\n', '    title: A\n    colour: red\n'), 9, 5],
  ['schema', ok.replace('    argv: [echo, hi]\n', ''), 6, 3],
  ['unknown-kind', ok.replace('kind: end', 'kind: finish'), 16, 11],
  ['unknown-role', ok.replace('role: client', 'role: clinet'), 9, 11],
  ['missing-node', ok.replace('goto: done\n      - goto', 'goto: dome\n      - goto'), 13, 15],
  ['unreachable', `${ok}  orphan:\n    kind: end\n    title: O\n    next_steps: [y]\n`, 19, 3],
  ['no-default', ok.replace('      - goto: done\n', ''), 12, 7],
  ['default-not-last', ok.replace('      - when: a.exit == 0\n        goto: done\n      - goto: done\n', '      - goto: done\n      - when: a.exit == 0\n        goto: done\n'), 12, 9],
  ['no-exit', `id: t
title: T
start: a
nodes:
  a:
    kind: branch
    next: b
  b:
    kind: branch
    next: a
`, 6, 3],
  ['not-boolean', ok.replace('when: a.exit == 0', 'when: a.exit + 1'), 12, 15],
  ['bad-expression', ok.replace('when: a.exit == 0', 'when: a.nosuch == 0'), 12, 15],
  ['bad-expression', ok.replace('when: a.exit == 0', 'when: a.exit =='), 12, 15],
  ['bad-regex', ok.replace('    argv: [echo, hi]\n', '    argv: [echo, hi]\n    extract:\n      v: { regex: "(unclosed" }\n'), 12, 19],
  ['unknown-parser', ok.replace('    argv: [echo, hi]\n', '    argv: [echo, hi]\n    extract:\n      v: { parser: sss }\n'), 12, 20],
  ['bad-template', ok.replace('title: A', 'title: "A {{ a.exit"'), 8, 12],
  ['changes-host', ok.replace('argv: [echo, hi]', 'argv: [sed, -ni, "s/a/b/", f]'), 10, 11],
];

describe('flows lint: one fixture per problem kind, with its position', () => {
  for (const [code, yaml, line, col] of cases) {
    it(`${code} at ${line}:${col}`, () => {
      const problems = lint(yaml);
      const p = problems.find((x) => x.code === code);
      expect(p, JSON.stringify(problems)).toBeDefined();
      expect({ line: p!.line, col: p!.col }).toEqual({ line, col });
    });
  }

  it('duplicate-fix-id across flows, pointing at the second', () => {
    const fix = (id: string) => `id: ${id}
title: T
start: f
nodes:
  f:
    kind: fix
    id: same-fix
    title: F
    cause: C
    fix: [x]
    verify: [y]
`;
    const p = lint(fix('one'), fix('two')).find((x) => x.code === 'duplicate-fix-id');
    expect(p).toMatchObject({ file: 'f1.yaml', line: 8, col: 9, node: 'f' });
  });

  it('unknown-flow in a call, with a did-you-mean', () => {
    const caller = `id: caller
title: T
start: c
nodes:
  c:
    kind: call
    flow: refusd
`;
    const callee = ok.replace('id: t', 'id: refused');
    const p = lint(caller, callee).find((x) => x.code === 'unknown-flow');
    expect(p?.hint).toBe('did you mean "refused"?');
  });

  it('reports every problem in one run, formatted FILE:LINE:COL node "ID": message (hint)', () => {
    const bad = ok.replace('goto: done\n      - goto', 'goto: dnoe\n      - goto').replace('when: a.exit == 0', 'when: a.exit');
    const lines = lint(bad).map(formatProblem);
    expect(lines).toContain('f0.yaml:13:15 node "a": goto "dnoe" does not exist (did you mean "done"?)');
    expect(lines.some((l) => l.startsWith('f0.yaml:12:15 node "a": condition is int, not bool'))).toBe(true);
  });

  it('a clean flow has no problems', () => {
    expect(lint(ok)).toEqual([]);
  });

  it('the schema modeline is optional; one naming a schema that is not there is a warning at its reference', () => {
    expect(loadFlowSource('f.yaml', ok, { schemaExists: () => false }).problems).toEqual([]);
    const asked: string[] = [];
    const seen = (there: boolean) => loadFlowSource('f.yaml', `# yaml-language-server: $schema=../schema/flow.json\n${ok}`, { schemaExists: (ref) => (asked.push(ref), there) }).problems;
    expect(seen(true)).toEqual([]);
    expect(seen(false)).toEqual([expect.objectContaining({ code: 'missing-schema', line: 1, col: 33, severity: 'warning' })]);
    expect(asked).toEqual(['../schema/flow.json', '../schema/flow.json']);
    // A URL is the editor's to fetch: not checked.
    expect(loadFlowSource('f.yaml', `# yaml-language-server: $schema=https://example.invalid/flow.schema.json\n${ok}`, { schemaExists: () => false }).problems).toEqual([]);
  });

  it('a missing translation is a warning, not an error', () => {
    const r = loadFlowSource('f.yaml', `${MODELINE}\n${ok}`);
    const ps = compileFlows([r.flow!]).problems.filter((p) => p.code === 'missing-translation');
    expect(ps.length).toBeGreaterThan(0);
    expect(ps.every((p) => p.severity === 'warning')).toBe(true);
  });
});

describe('matches() in conditions is held to the regex rule', () => {
  it('an exponential pattern, or one that is not a literal, is unsafe-regex', () => {
    const bad = ok.replace('when: a.exit == 0', `when: 'a.stdout.matches("(a+)+$")'`);
    expect(lint(bad).map((p) => p.code)).toContain('unsafe-regex');
    const dyn = ok.replace('when: a.exit == 0', `when: 'a.stdout.matches(a.stderr)'`);
    expect(lint(dyn).find((p) => p.code === 'unsafe-regex')?.message).toContain('string literal');
    const fine = ok.replace('when: a.exit == 0', `when: 'a.stdout.matches("^HTTP/1\\\\.[01] 200")'`);
    expect(lint(fine)).toEqual([]);
  });
});

describe('changes-host: the allowlist of read-only commands (issue 12)', () => {
  const withArgv = (argv: string, lets = '') => `${lets}${ok.replace('argv: [echo, hi]', `argv: ${argv}`)}`;
  const hostProblems = (yaml: string) => lint(yaml).filter((p) => p.code === 'changes-host');

  it('says what is not known and how to proceed', () => {
    const [p] = hostProblems(withArgv('[frobnicate, -x]'));
    expect(p?.message).toBe('this command is not known to be read-only: frobnicate is not a program tshoot knows to be read-only');
    expect(p?.hint).toContain("move the command into a fix's `apply`");
    expect(hostProblems(withArgv('[iptables, --flu]'))[0]?.message).toContain('--flu (that is --flush) changes the firewall');
  });

  it('a templated operand goes after `--`', () => {
    expect(hostProblems(withArgv('[ls, -la, "{{ target.host }}"]'))[0]?.message).toContain('after `--`');
    expect(hostProblems(withArgv('[ls, -la, --, "{{ target.host }}"]'))).toEqual([]);
  });

  it('nginx -T takes a templated -c only from a let named trusted_…', () => {
    expect(hostProblems(withArgv('[nginx, -T, -c, "{{ conf }}"]', 'let:\n  conf: "target.host"\n'))[0]?.message).toContain('runs code');
    expect(hostProblems(withArgv('[nginx, -T, -c, "{{ trusted_conf }}"]', 'let:\n  trusted_conf: "target.host"\n'))).toEqual([]);
  });
});
