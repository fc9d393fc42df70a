/**
 * What the README's flow-authoring section teaches (issue 18), checked on the engine: `{{ x }}`
 * of an int prints what `{{ string(x) }}` prints, and `x in list` is `list.exists(p, p == x)`.
 */
import { describe, expect, it } from 'vitest';
import { step } from '../../src/engine/engine.js';
import { INITIAL_STATE } from '../../src/engine/types.js';
import { compileFlows } from '../../src/flow/compile.js';
import { loadFlowSource } from '../../src/flow/load.js';
import { isError } from '../../src/flow/problem.js';

const FLOW = `id: teach
title: { en: T, ja: T }
start: probe
nodes:
  probe:
    kind: run
    title: { en: P, ja: P }
    role: client
    argv: [echo, --, "{{ target.port }}", "{{ string(target.port) }}", "{{ target.port in [80, 8080] }}", "{{ [80, 8080].exists(p, p == target.port) }}"]
    next: done
  done:
    kind: end
    title: { en: D, ja: D }
    next_steps: [{ en: x, ja: x }]
`;

function argvFor(port: number): readonly string[] {
  const src = loadFlowSource('teach.yaml', FLOW);
  expect(src.problems).toEqual([]);
  const { flows, problems } = compileFlows([src.flow!]);
  expect(problems.filter(isError)).toEqual([]);
  const target = { url: `http://198.18.0.10:${port}/`, scheme: 'http', host: '198.18.0.10', port, path: '/', loopback: false, given: true };
  const { effects } = step({ flows }, INITIAL_STATE, { kind: 'start', flow: 'teach', target, hosts: { client: 'local', server: 'local', bastion: '' }, lang: 'en' });
  const exec = effects.find((e) => e.kind === 'exec');
  expect(exec?.kind).toBe('exec');
  return exec!.kind === 'exec' ? exec!.commands[0]!.argv : [];
}

describe('README teaching points', () => {
  it('{{ target.port }} prints what {{ string(target.port) }} prints', () => {
    for (const port of [80, 8080, 65535]) {
      const [, , plain, viaString] = argvFor(port);
      expect(plain).toBe(String(port));
      expect(viaString).toBe(plain);
    }
  });

  it('x in list is list.exists(p, p == x)', () => {
    expect(argvFor(8080).slice(4)).toEqual(['true', 'true']);
    expect(argvFor(8081).slice(4)).toEqual(['false', 'false']);
  });
});
