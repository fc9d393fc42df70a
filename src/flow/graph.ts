/**
 * A flow drawn as a graph: Mermaid (for the README and reports) or Graphviz dot.
 * Deterministic, so that a test can tell when a checked-in drawing is stale.
 */
import type { Flow } from './compile.js';
import type { FlowNodeT } from './schema.js';
import { pickText } from './template.js';

export type GraphFormat = 'mermaid' | 'dot';

export function drawFlow(flow: Flow, format: GraphFormat, highlight: ReadonlySet<string> = new Set()): string {
  return format === 'mermaid' ? mermaid(flow, highlight) : dot(flow, highlight);
}

function label(id: string, node: FlowNodeT): string {
  switch (node.kind) {
    case 'ask':
      return `ask: ${pickText(node.text, 'en')}`;
    case 'run':
      return `${node.role}: ${node.argv.join(' ')}`;
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

function mermaidText(s: string): string {
  return `"${short(s).replace(/"/g, '#quot;')}"`;
}

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
    lines.push(`  ${id}${shape}`);
  }
  for (const e of flow.edges) {
    const l = e.label === 'next' ? '' : `|${mermaidText(e.label)}|`;
    lines.push(`  ${e.from} -->${l} ${e.to}`);
  }
  lines.push('  classDef fix fill:#d4f7d4,stroke:#2a7a2a', '  classDef end fill:#f7e3d4,stroke:#a0522d');
  const fixes = Object.entries(flow.doc.nodes).filter(([, n]) => n.kind === 'fix').map(([id]) => id);
  const ends = Object.entries(flow.doc.nodes).filter(([, n]) => n.kind === 'end').map(([id]) => id);
  if (fixes.length) lines.push(`  class ${fixes.join(',')} fix`);
  if (ends.length) lines.push(`  class ${ends.join(',')} end`);
  if (hl.size) lines.push('  classDef taken stroke:#d00,stroke-width:3px', `  class ${[...hl].join(',')} taken`);
  return lines.join('\n') + '\n';
}

function dotText(s: string): string {
  return `"${short(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function dot(flow: Flow, hl: ReadonlySet<string>): string {
  const lines = [`digraph ${JSON.stringify(flow.id)} {`, '  rankdir=TB;', '  node [fontname="Helvetica"];'];
  for (const [id, node] of Object.entries(flow.doc.nodes)) {
    const shape = { ask: 'parallelogram', run: 'box', branch: 'diamond', fix: 'box', end: 'box', call: 'component' }[node.kind];
    const style = node.kind === 'fix' ? ', style="rounded,filled", fillcolor="#d4f7d4"' : node.kind === 'end' ? ', style="rounded,filled", fillcolor="#f7e3d4"' : '';
    const taken = hl.has(id) ? ', color="#dd0000", penwidth=3' : '';
    lines.push(`  ${id} [label=${dotText(label(id, node))}, shape=${shape}${style}${taken}];`);
  }
  for (const e of flow.edges) {
    const l = e.label === 'next' ? '' : ` [label=${dotText(e.label)}]`;
    lines.push(`  ${e.from} -> ${e.to}${l};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
