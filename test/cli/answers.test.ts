/**
 * `--answers FILE` (issue 16): a key that is no question of the session is an error at its
 * FILE:LINE:COL, with the closest question id, before anything runs; ids of a called flow
 * (`FLOW.NODE` or the bare node) and the setup questions are questions of the session.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/flow/catalog.js';
import { MODELINE } from '../../src/flow/load.js';
import { checkAnswerIds, questionIds, readAnswers } from '../../src/cli/answers.js';
import { runCli } from '../helpers/run-cli.js';
import { scratch, type Scratch } from '../transcript/helpers.js';

let s: Scratch;
afterEach(() => rmSync(s.dir, { recursive: true, force: true }));

/** A flow that calls `counter` (helpers.ts) after a question of its own. */
const caller = `${MODELINE}
id: outer
title: { en: Outer, ja: 外 }
needs_target: false
start: pick
nodes:
  pick:
    kind: ask
    input: confirm
    text: { en: Count?, ja: 数える? }
    next: inner
  inner:
    kind: call
    flow: counter
`;

describe('--answers: unknown ids', () => {
  it('a misspelt id stops the run at its line and column, with did-you-mean and the flow’s questions; nothing runs', async () => {
    s = scratch();
    const answers = join(s.dir, 'answers.yaml');
    writeFileSync(answers, '# the answers\ntarget: x\n  \ngo_onn: yes\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', answers], { env: s.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `tshoot: ${answers}:4:1: "go_onn" is not a question of flow "counter" (did you mean "go_on"?); its questions: go_on, and target, host.client, host.server, host.bastion\n`,
    );
    expect(existsSync(s.count)).toBe(false);
  });

  it('a relative answers file is read from the working folder and named as given', async () => {
    s = scratch();
    writeFileSync(join(s.dir, 'a.yaml'), 'nothing_like_it: 1\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', 'a.yaml'], { env: s.env, cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tshoot: a\.yaml:1:1: "nothing_like_it" is not a question of flow "counter"; its questions: go_on/);
  });

  it('the known ids still answer: the session runs to its fix', async () => {
    s = scratch();
    const answers = join(s.dir, 'answers.yaml');
    writeFileSync(answers, 'go_on: yes\nhost.server: local\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--json', '--answers', answers], { env: s.env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'fix', fix: { id: 'counted' }, questions: 1 });
  });

  it('a called flow’s question is known as FLOW.NODE and as NODE; the flow run’s own by its node only', async () => {
    s = scratch();
    writeFileSync(join(s.flows, 'outer.yaml'), caller);
    const cat = loadCatalog([s.flows], { programs: new Set([s.env.TSHOOT_READ_ONLY_PROGRAMS!]) });
    expect(cat.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    const outer = cat.flows.get('outer')!;
    const ids = questionIds([outer, cat.flows.get('counter')!]);
    expect([...ids].sort()).toEqual(['counter.go_on', 'go_on', 'host.bastion', 'host.client', 'host.server', 'pick', 'target']);

    const file = join(s.dir, 'a.yaml');
    writeFileSync(file, 'pick: yes\ncounter.go_on: yes\ncounter.go_onn: yes\n');
    const a = readAnswers(file);
    expect(a.values.get('counter.go_on')).toBe('yes');
    expect(() => checkAnswerIds(a, 'outer', ids)).toThrow(`${file}:3:1: "counter.go_onn" is not a question of flow "outer" (did you mean "counter.go_on"?)`);
    writeFileSync(file, 'pick: yes\ngo_on: no\n');
    expect(() => checkAnswerIds(readAnswers(file), 'outer', ids)).not.toThrow();
    // The built CLI answers the called flow's question by FLOW.NODE.
    writeFileSync(file, 'pick: yes\ncounter.go_on: yes\n');
    const r = await runCli(['run', 'outer', '--flows', s.flows, '--non-interactive', '--json', '--answers', file], { env: s.env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'fix', fix: { id: 'counted' }, questions: 2 });
  });
});
