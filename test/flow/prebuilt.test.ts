/**
 * What the build precomputes for the shipped flows (issue 8) must answer exactly as the
 * full load does: positions from the table, the lazily compiled flow, the problems.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinFlowsDir, flowFiles } from '../../src/flow/catalog.js';
import { compileFlows, compileOne } from '../../src/flow/compile.js';
import { checkedFlowSource, loadFlowSource, type FlowSource, type Path } from '../../src/flow/load.js';
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

describe('position table', () => {
  it.each(files)('%s: every loc and keyLoc as the YAML gives them', (file) => {
    const { text, src } = loaded(file);
    const table = src.positions();
    const cached = checkedFlowSource(file, text, src.doc, () => table);
    const paths: Path[] = Object.keys(table).map((k) => (k === '' ? [] : k.split('\0')));
    // Missing parts fall back to the deepest part that exists.
    const extra: Path[] = paths.slice(0, 200).flatMap((p) => [[...p, 'nope'], [...p, 7, 'x']]);
    for (const p of [...paths, ...extra, ['nodes', 'missing', 'next', 0, 'when']]) {
      expect(cached.loc(p), JSON.stringify(p)).toEqual(src.loc(p));
      expect(cached.keyLoc(p), JSON.stringify(p)).toEqual(src.keyLoc(p));
    }
  });
});

describe('checked (lazily compiled) flows', () => {
  it('compile to the same flows, problems and edges as a full load', () => {
    const full = files.map((f) => loaded(f).src);
    const cached = files.map((f) => {
      const { text, src } = loaded(f);
      return checkedFlowSource(src.file, text, src.doc);
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
    }
  });

  it('the build record holds what loading reports', () => {
    const { index, docs } = shippedFlows(builtinFlowsDir());
    for (const file of files) {
      const name = file.split('/').pop()!;
      const { src } = loaded(file);
      expect(JSON.parse(docs[name]!.doc)).toEqual(src.doc);
      expect(index[name]!.id).toBe(src.doc.id);
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
