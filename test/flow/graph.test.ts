/**
 * `tshoot flows graph` and the README's drawings, checked by Mermaid's own parser (the
 * `mermaid` package, version 11, as GitHub renders it). Mermaid parses flowcharts with its
 * jison grammar inside the main package (`@mermaid-js/parser` has only the Langium diagrams),
 * and its text sanitizer (DOMPurify) needs a window when it loads: jsdom gives it one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlows } from '../../src/flow/compile.js';
import { drawFlow, missingGotos } from '../../src/flow/graph.js';
import { loadFlowSource, MODELINE } from '../../src/flow/load.js';
import { ROOT, runCli } from '../helpers/run-cli.js';

type Parse = (text: string) => Promise<unknown>;
let parse: Parse;
let tmp: string;

beforeAll(async () => {
  // jsdom ships no types, and @types/jsdom would bring the DOM's into every file: typed here.
  const jsdom = 'jsdom';
  const { JSDOM } = (await import(jsdom)) as { JSDOM: new (html: string) => { window: { document: unknown } } };
  const { window } = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window, document: window.document });
  const mermaid = (await import('mermaid')).default;
  parse = (text) => mermaid.parse(text);
  tmp = mkdtempSync(join(tmpdir(), 'tshoot-graph-'));
}, 120_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Mermaid's verdict: null when it parses, else its message. */
async function mermaidError(text: string): Promise<string | null> {
  try {
    await parse(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe("Mermaid's parser on every drawing", () => {
  it('is strict: it refuses `classDef end` (what flows graph printed before) and a node called `end`', async () => {
    expect(await mermaidError('flowchart TD\n  a --> b\n  classDef end fill:#fff\n')).toMatch(/Parse error/);
    expect(await mermaidError('flowchart TD\n  a --> end\n')).toMatch(/Parse error/);
    expect(await mermaidError('flowchart TD\n  a["x"] --> b\n  classDef unresolved fill:#fff\n  class b unresolved\n')).toBeNull();
  });

  it('parses `tshoot flows graph` for every shipped flow', async () => {
    const list = await runCli(['flows', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const ids = (JSON.parse(list.stdout) as Array<{ id: string }>).map((f) => f.id);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    for (const id of ids) {
      const r = await runCli(['flows', 'graph', id]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^flowchart TD\n/);
      expect(await mermaidError(r.stdout), `flows graph ${id}`).toBeNull();
    }
  });

  it('parses every drawing in README.md', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const [i, b] of blocks.entries()) expect(await mermaidError(b), `README.md mermaid block ${i + 1}:\n${b.slice(0, 200)}`).toBeNull();
  });

  it('parses a flow whose node ids are Mermaid keywords and whose texts have quotes, #, |, brackets, braces and HTML', async () => {
    const words = ['end', 'graph', 'subgraph', 'style', 'class', 'click', 'call', 'default', 'flowchart', 'interpolate', 'href', 'o', 'x', 'direction'];
    const nodes = words.map((w, i) => {
      const next = i + 1 < words.length ? words[i + 1] : 'done';
      return `  ${w}:\n    kind: branch\n    title: 'say "hi" #quot; #35; a|b [x] {y} (z) <b>bold</b> \`code\` ${w}'\n    next:\n      - when: "1 == 1"\n        goto: ${next}\n      - goto: done`;
    });
    const yaml = `${MODELINE}\nid: keywords\ntitle: K\nneeds_target: false\nstart: end\nnodes:\n${nodes.join('\n')}\n  done:\n    kind: end\n    title: '"quoted" end'\n    next_steps: [x]\n`;
    const src = loadFlowSource('keywords.yaml', yaml);
    expect(src.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    const { flows, problems } = compileFlows([src.flow!]);
    expect(problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    const flow = flows.get('keywords')!;
    const text = drawFlow(flow, 'mermaid', new Set(['end', 'class', 'done']));
    expect(await mermaidError(text)).toBeNull();
    expect(text).toContain('class n_end,n_class,n_done taken');
    expect(text).not.toContain('"say "hi"');
  });
});

describe('a goto to a node that does not exist', () => {
  const BAD = `${MODELINE}
id: badgoto
title: Bad goto
needs_target: false
start: q
nodes:
  q:
    kind: ask
    input: confirm
    text: Is it on?
    next:
      - when: q == true
        goto: done
      - goto: nowhere
  done:
    kind: end
    title: Done
    next_steps: [Look]
`;

  it('is drawn, dashed, into a "missing: X" node; graph exits 2 with the located error on stderr', async () => {
    const flowsDir = mkdtempSync(join(tmp, 'flows-'));
    writeFileSync(join(flowsDir, 'bad.yaml'), BAD);
    const r = await runCli(['flows', 'graph', 'badgoto', '--flows', flowsDir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('  missing_1["missing: nowhere"]');
    expect(r.stdout).toContain('  n_q -.->|"default"| missing_1');
    expect(r.stdout).toContain('  n_q -->|"q == true"| n_done');
    expect(r.stdout).toContain('class missing_1 missing');
    expect(await mermaidError(r.stdout)).toBeNull();
    expect(r.stderr).toContain(`${join(flowsDir, 'bad.yaml')}:14:15 node "q": goto "nowhere" does not exist`);

    const dot = await runCli(['flows', 'graph', 'badgoto', '--flows', flowsDir, '--format', 'dot']);
    expect(dot.code).toBe(2);
    expect(dot.stdout).toContain('"q" -> "?missing_1" [style=dashed, color="#c5221f", label="default"];');
    expect(dot.stdout).toContain('"?missing_1" [label="missing: nowhere"');
  });

  it('every kind of goto counts: next, on_unreachable, requires.otherwise', () => {
    const yaml = `${MODELINE}
id: gotos
title: G
needs_target: false
start: r
nodes:
  r:
    kind: run
    title: R
    role: local
    argv: ["true"]
    on_unreachable: gone_a
    next: f
  f:
    kind: fix
    id: f
    title: F
    cause: C
    requires: { when: "r.ok", otherwise: gone_b }
    fix: [x]
    verify: [y]
`;
    const src = loadFlowSource('gotos.yaml', yaml);
    expect(src.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    const { flows } = compileFlows([src.flow!]);
    const flow = flows.get('gotos')!;
    expect(missingGotos(flow)).toEqual([
      { from: 'r', to: 'gone_a', label: 'unreachable' },
      { from: 'f', to: 'gone_b', label: 'not (r.ok)' },
    ]);
    expect(flow.edges.map((e) => `${e.from}->${e.to}`)).toEqual(['r->f']);
  });
});
