/**
 * What the build compiles the shipped flows to (issue 8, 18) must answer exactly as the full
 * load does: the lazily compiled flow from the data, the problems, the positions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinFlowsDir, flowFiles } from '../../src/flow/catalog.js';
import { compileFlows, compileOne } from '../../src/flow/compile.js';
import { checkedFlowSource, loadFlowSource, type FlowSource } from '../../src/flow/load.js';
import type { Problem } from '../../src/flow/problem.js';
import { shippedFlows } from '../../src/flow/prebuild.js';
import { generateFlow } from '../bench/gen-flow.js';

const files = flowFiles(builtinFlowsDir());

function loaded(file: string): { text: string; src: FlowSource } {
  const text = readFileSync(file, 'utf8');
  const r = loadFlowSource(file, text);
  if (!r.flow) throw new Error(`${file} does not load`);
  return { text, src: r.flow };
}

describe('checked (lazily compiled) flows', () => {
  it('compile to the same flows, problems and edges as a full load', () => {
    const full = files.map((f) => loaded(f).src);
    const { docs } = shippedFlows(builtinFlowsDir());
    // As the catalogue makes them from the build's data: JSON in, no YAML.
    const cached = files.map((f) => {
      const rec = docs[f.split('/').pop()!]!;
      return checkedFlowSource(f, { ...rec, outline: undefined }, JSON.parse(rec.doc));
    });
    const a = compileFlows(full);
    const b = compileFlows(cached);
    // A checked flow's own problems come from the build's record; between flows, from here.
    const own: Problem[] = [];
    for (const s of full) compileOne(s, own);
    const between = a.problems.filter((p) => !own.some((o) => JSON.stringify(o) === JSON.stringify(p)));
    expect(b.problems).toEqual(between);
    for (const [id, f] of a.flows) {
      const g = b.flows.get(id)!;
      expect(g.edges).toEqual(f.edges);
      expect(g.lets).toEqual(f.lets);
      expect(Object.keys(g.types)).toEqual(Object.keys(f.types));
      expect(g.env.check('target.port == 80').valid).toBe(true);
      for (const nid of Object.keys(f.doc.nodes)) {
        expect(g.loc(['nodes', nid, 'kind'])).toEqual(f.loc(['nodes', nid, 'kind']));
        expect(g.loc(['nodes', nid, 'nope', 3])).toEqual(f.loc(['nodes', nid]));

      }
    }
  });

  it('locates every path of a flow from its record (lookups in its JSON text) as from its YAML', () => {
    const { docs } = shippedFlows(builtinFlowsDir());
    for (const f of files) {
      const yaml = loaded(f).src;
      const rec = docs[f.split('/').pop()!]!;
      const record = checkedFlowSource(f, { ...rec, outline: undefined }, JSON.parse(rec.doc));
      const keys = Object.keys(yaml.positions());
      expect(keys.length).toBeGreaterThan(100);
      for (const key of keys) {
        const path = key === '' ? [] : key.split('\0');
        expect([record.loc(path), record.keyLoc(path)]).toEqual([yaml.loc(path), yaml.keyLoc(path)]);
        // A path below it that is not in the flow: its nearest ancestor's place, from both.
        expect(record.loc([...path, 'nope'])).toEqual(yaml.loc([...path, 'nope']));
      }
    }
  });

  it('a record\'s document is parsed only when its flow is used; the checks between flows read its outline', () => {
    const { docs } = shippedFlows(builtinFlowsDir());
    // Every document but refused's is text that does not parse: reading one would throw.
    const sources = files.map((f) => {
      const rec = docs[f.split('/').pop()!]!;
      expect(rec.outline).toBeDefined();
      return checkedFlowSource(f, rec.outline!.id === 'refused' ? rec : { ...rec, doc: '{not json' });
    });
    const { flows, problems } = compileFlows(sources);
    expect(problems).toEqual([]);
    expect([...flows.keys()].sort()).toEqual(['console-connect', 'not-found', 'refused', 'timeout', 'triage']);
    expect(flows.get('refused')!.node('listeners')?.kind).toBe('run');
    expect(() => flows.get('timeout')!.node('probe_http')).toThrow(SyntaxError);
    // The outline still finds what is wrong between flows: a fix id used twice, a call of no flow.
    const twice = docs['timeout.yaml']!.outline!;
    const bad = { ...twice, id: 'timeout-2', fixes: [...twice.fixes, ['x', 'start-service'] as const], calls: [['y', 'nowhere'] as const] };
    const more = compileFlows([...sources, checkedFlowSource('t2.yaml', { doc: '{not json', positions: '{"":[1,1]}', lets: {}, outline: bad })]);
    // Each of timeout's fix ids again, and refused's start-service.
    expect(more.problems.filter((p) => p.code === 'duplicate-fix-id')).toHaveLength(twice.fixes.length + 1);
    expect(more.problems.filter((p) => p.code === 'unknown-flow').map((p) => p.message)).toEqual(['calls flow "nowhere", which does not exist']);
  });

  it('the build record holds what loading reports', () => {
    const { index, docs } = shippedFlows(builtinFlowsDir());
    for (const file of files) {
      const name = file.split('/').pop()!;
      const { src } = loaded(file);
      expect(JSON.parse(docs[name]!.doc)).toEqual(src.doc);
      expect(index[name]!.id).toBe(src.doc.id);
      expect(docs[name]!.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });
});

describe('a generated 5,000-node flow', () => {
  it('lints clean, with one struct type per shape', () => {
    const r = loadFlowSource('big.yaml', generateFlow(5000));
    expect(r.problems).toEqual([]);
    const c = compileFlows([r.flow!]);
    expect(c.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    const flow = c.flows.get('bench-big')!;
    const structs = new Set(Object.values(flow.types).flatMap((t) => (typeof t === 'object' && 'struct' in t ? [t.struct] : [])));
    expect(structs.size).toBeLessThan(10);
  });
});
