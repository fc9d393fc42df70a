/**
 * A flow drawn as a graph: Mermaid (for the README and reports) or Graphviz dot.
 * Deterministic, so that a test can tell when a checked-in drawing is stale.
 *
 * A goto that names no node (compile.ts reports it as `missing-node` and leaves it out of
 * `flow.edges`) is drawn, dashed, into a red "missing: X" node: an author draws a flow to see
 * where it is wrong, and a drawing that silently leaves the edge out hides exactly that.
 */
import type { Flow } from './compile.js';
import type { FlowNodeT } from './schema.js';
import { pickText } from './template.js';

export type GraphFormat = 'mermaid' | 'dot';

export function drawFlow(flow: Flow, format: GraphFormat, highlight: ReadonlySet<string> = new Set()): string {
  return format === 'mermaid' ? mermaid(flow, highlight) : dot(flow, highlight);
}

/** A goto to a node that does not exist. */
export interface MissingGoto {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

/** Every goto (`next`, `on_unreachable`, `requires.otherwise`) that names no node of the flow. */
export function missingGotos(flow: Flow): MissingGoto[] {
  const nodes = flow.doc.nodes;
  const out: MissingGoto[] = [];
  for (const [from, n] of Object.entries(nodes)) {
    const gotos: Array<[to: string, label: string]> = [];
    if (n.kind !== 'fix' && n.kind !== 'end' && n.next !== undefined) {
      if (typeof n.next === 'string') gotos.push([n.next, 'next']);
      else for (const b of n.next) gotos.push([b.goto, b.when ?? 'default']);
    }
    if (n.kind === 'run' && n.on_unreachable !== undefined) gotos.push([n.on_unreachable, 'unreachable']);
    if (n.kind === 'fix' && n.requires) gotos.push([n.requires.otherwise, `not (${n.requires.when})`]);
    for (const [to, label] of gotos) if (!Object.hasOwn(nodes, to)) out.push({ from, to, label });
  }
  return out;
}

function label(id: string, node: FlowNodeT): string {
  switch (node.kind) {
    case 'ask':
      return `ask: ${pickText(node.text, 'en')}`;
    case 'run':
      return `${node.role}: ${node.argv.join(' ')}${node.together ? ` (+${node.together.length} run together)` : ''}`;
    case 'branch':
      return node.title ? pickText(node.title, 'en') : id;
    case 'fix':
      return `fix: ${node.id}`;
    case 'end':
      return `unresolved: ${pickText(node.title, 'en')}`;
    case 'call':
      return `flow: ${node.flow}`;
  }
}

function short(s: string, n = 60): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/**
 * A quoted Mermaid label: `#` and `"` as Mermaid's own entity codes (`#35;`, `#quot;`), so
 * that neither a quote nor a `#name;` in a flow's text is read as syntax.
 */
function mermaidText(s: string): string {
  return `"${short(s).replace(/#/g, '#35;').replace(/"/g, '#quot;')}"`;
}

/**
 * Node ids are prefixed: Mermaid's flowchart grammar reserves words a node may well be called
 * (`end`, `style`, `class`, `click`, `call`, `graph`, `subgraph`, …), and a node named so
 * fails the whole drawing.
 */
const mid = (id: string) => `n_${id}`;

/** Class names: `end` is reserved in Mermaid 11 (a `classDef end` fails the whole drawing). */
const MERMAID_CLASSES = {
  fix: 'fix fill:#d4f7d4,stroke:#2a7a2a',
  unresolved: 'unresolved fill:#f7e3d4,stroke:#a0522d',
  missing: 'missing fill:#fce8e6,stroke:#c5221f,stroke-dasharray:4 3',
  taken: 'taken stroke:#d00,stroke-width:3px',
} as const;

function mermaid(flow: Flow, hl: ReadonlySet<string>): string {
  const lines = ['flowchart TD'];
  for (const [id, node] of Object.entries(flow.doc.nodes)) {
    const t = mermaidText(label(id, node));
    const shape =
      node.kind === 'ask'
        ? `[/${t}/]`
        : node.kind === 'branch'
          ? `{${t}}`
          : node.kind === 'fix' || node.kind === 'end'
            ? `([${t}])`
            : node.kind === 'call'
              ? `[[${t}]]`
              : `[${t}]`;
    lines.push(`  ${mid(id)}${shape}`);
  }
  for (const e of flow.edges) {
    const l = e.label === 'next' ? '' : `|${mermaidText(e.label)}|`;
    lines.push(`  ${mid(e.from)} -->${l} ${mid(e.to)}`);
  }
  const missing = missingIds(flow);
  for (const [to, m] of missing) lines.push(`  ${m}[${mermaidText(`missing: ${to}`)}]`);
  for (const e of missingGotos(flow)) {
    const l = e.label === 'next' ? '' : `|${mermaidText(e.label)}|`;
    lines.push(`  ${mid(e.from)} -.->${l} ${missing.get(e.to)}`);
  }
  const of = (kind: FlowNodeT['kind']) => Object.entries(flow.doc.nodes).filter(([, n]) => n.kind === kind).map(([id]) => mid(id));
  const classes: Array<[keyof typeof MERMAID_CLASSES, string[]]> = [
    ['fix', of('fix')],
    ['unresolved', of('end')],
    ['missing', [...missing.values()]],
    ['taken', [...hl].map(mid)],
  ];
  for (const [name, ids] of classes) if (ids.length) lines.push(`  classDef ${MERMAID_CLASSES[name]}`, `  class ${ids.join(',')} ${name}`);
  return lines.join('\n') + '\n';
}

/** One drawn node per missing target, `missing_1`, `missing_2`, … in the order first named. */
function missingIds(flow: Flow): Map<string, string> {
  const ids = new Map<string, string>();
  for (const e of missingGotos(flow)) if (!ids.has(e.to)) ids.set(e.to, `missing_${ids.size + 1}`);
  return ids;
}

function dotText(s: string): string {
  return `"${short(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Node ids quoted: `node`, `edge`, `graph` are dot keywords; a missing node's id has a `?`, which no node id has. */
const did = (id: string) => `"${id}"`;

function dot(flow: Flow, hl: ReadonlySet<string>): string {
  const lines = [`digraph ${JSON.stringify(flow.id)} {`, '  rankdir=TB;', '  node [fontname="Helvetica"];'];
  for (const [id, node] of Object.entries(flow.doc.nodes)) {
    const shape = { ask: 'parallelogram', run: 'box', branch: 'diamond', fix: 'box', end: 'box', call: 'component' }[node.kind];
    const style = node.kind === 'fix' ? ', style="rounded,filled", fillcolor="#d4f7d4"' : node.kind === 'end' ? ', style="rounded,filled", fillcolor="#f7e3d4"' : '';
    const taken = hl.has(id) ? ', color="#dd0000", penwidth=3' : '';
    lines.push(`  ${did(id)} [label=${dotText(label(id, node))}, shape=${shape}${style}${taken}];`);
  }
  for (const e of flow.edges) {
    const l = e.label === 'next' ? '' : ` [label=${dotText(e.label)}]`;
    lines.push(`  ${did(e.from)} -> ${did(e.to)}${l};`);
  }
  const missing = missingIds(flow);
  for (const [to, m] of missing) lines.push(`  ${did(`?${m}`)} [label=${dotText(`missing: ${to}`)}, shape=box, style="dashed,filled", fillcolor="#fce8e6", color="#c5221f"];`);
  for (const e of missingGotos(flow)) {
    lines.push(`  ${did(e.from)} -> ${did(`?${missing.get(e.to)}`)} [style=dashed, color="#c5221f"${e.label === 'next' ? '' : `, label=${dotText(e.label)}`}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
