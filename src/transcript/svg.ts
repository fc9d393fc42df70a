/**
 * A flow as an inline SVG, for the HTML report: a simple layered layout (the idea of
 * Sugiyama et al. 1981, kept small): back edges found by depth-first search, layers by
 * longest path from the start, one barycentre pass to order each layer, straight-ish
 * curves between layers. The session's path is drawn bold. No script, no external fonts.
 */
import type { Flow } from '../flow/compile.js';
import { parseTemplate, pickText, type Lang } from '../flow/template.js';

export interface Taken {
  /** `from\0to` of each edge the session went along. */
  readonly edges: ReadonlySet<string>;
  readonly nodes: ReadonlySet<string>;
  /** Where it ended. */
  readonly last: string | null;
  /** What the session showed at a node (the command as it ran, the question and its answer, the card's title), safe to display. */
  readonly labels?: ReadonlyMap<string, NodeLabel>;
}

export interface NodeLabel {
  readonly title: string;
  readonly sub: string;
}

const W = 168;
const H = 40;
const GAP_X = 24;
const GAP_Y = 46;
const PAD = 16;

const FILL: Record<string, string> = { run: '#e8f0fe', ask: '#fff4d6', branch: '#f1f3f4', call: '#ede7f6', fix: '#d4f7d4', end: '#f7e3d4' };

export function flowSvg(flow: Flow, taken: Taken, lang: Lang): string {
  const ids = Object.keys(flow.doc.nodes);
  const out = new Map<string, string[]>();
  for (const e of flow.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);

  // Back edges: those that close a cycle in a depth-first walk from the start.
  const back = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const order: string[] = [];
  const dfs = (n: string) => {
    state.set(n, 1);
    order.push(n);
    for (const m of out.get(n) ?? []) {
      if (state.get(m) === 1) back.add(`${n}\0${m}`);
      else if (!state.has(m)) dfs(m);
    }
    state.set(n, 2);
  };
  dfs(flow.doc.start);
  for (const n of ids) if (!state.has(n)) dfs(n);

  // Longest path layering over the forward edges (a DAG now), in topological order.
  const layer = new Map<string, number>(ids.map((n) => [n, 0]));
  const indeg = new Map<string, number>(ids.map((n) => [n, 0]));
  const fwd = flow.edges.filter((e) => !back.has(`${e.from}\0${e.to}`) && e.from !== e.to);
  for (const e of fwd) indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  const queue = ids.filter((n) => indeg.get(n) === 0);
  while (queue.length) {
    const n = queue.shift()!;
    for (const e of fwd) {
      if (e.from !== n) continue;
      layer.set(e.to, Math.max(layer.get(e.to)!, layer.get(n)! + 1));
      indeg.set(e.to, indeg.get(e.to)! - 1);
      if (indeg.get(e.to) === 0) queue.push(e.to);
    }
  }
  const layers: string[][] = [];
  for (const n of order) (layers[layer.get(n)!] ??= []).push(n);
  // Barycentre: each node under the mean position of the nodes that lead to it.
  const pos = new Map<string, number>();
  layers.forEach((l) => l.forEach((n, i) => pos.set(n, i)));
  for (let i = 1; i < layers.length; i++) {
    const l = layers[i] ?? [];
    const bary = (n: string) => {
      const ps = fwd.filter((e) => e.to === n).map((e) => pos.get(e.from)!);
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : pos.get(n)!;
    };
    const keyed = l.map((n) => [n, bary(n)] as const).sort((a, b) => a[1] - b[1]);
    layers[i] = keyed.map(([n]) => n);
    layers[i]!.forEach((n, j) => pos.set(n, j));
  }
  const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const width = PAD * 2 + widest * W + (widest - 1) * GAP_X + 40;
  const height = PAD * 2 + layers.length * H + (layers.length - 1) * GAP_Y;
  const xy = new Map<string, { x: number; y: number }>();
  layers.forEach((l, i) => {
    const rowW = l.length * W + (l.length - 1) * GAP_X;
    const x0 = (width - 40 - rowW) / 2;
    l.forEach((n, j) => xy.set(n, { x: x0 + j * (W + GAP_X), y: PAD + i * (H + GAP_Y) }));
  });

  const edges: string[] = [];
  for (const e of flow.edges) {
    const a = xy.get(e.from);
    const b = xy.get(e.to);
    if (!a || !b) continue;
    const on = taken.edges.has(`${e.from}\0${e.to}`);
    let d: string;
    if (b.y > a.y) {
      const [x1, y1, x2, y2] = [a.x + W / 2, a.y + H, b.x + W / 2, b.y];
      const my = (y1 + y2) / 2;
      d = `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2 - 2}`;
    } else {
      // Back (or same-layer) edge: out of the right side, around, into the right side.
      const [x1, y1, x2, y2] = [a.x + W, a.y + H / 2, b.x + W, b.y + H / 2];
      const bend = Math.max(x1, x2) + 30;
      d = `M${x1},${y1} C${bend},${y1} ${bend},${y2} ${x2 + 2},${y2}`;
    }
    edges.push(
      `<path d="${d}" class="${on ? 'edge taken' : 'edge'}" marker-end="url(#${on ? 'arrow-taken' : 'arrow'})"><title>${esc(`${e.from} → ${e.to}: ${e.label}`)}</title></path>`,
    );
  }
  const nodes: string[] = [];
  for (const id of ids) {
    const p = xy.get(id);
    const n = flow.doc.nodes[id];
    if (!p || !n) continue;
    const on = taken.nodes.has(id);
    // A node the session went through shows what it was; any other its text without `{{ }}`.
    const shown = taken.labels?.get(id);
    const title = shown?.title ?? withoutTemplates(n.kind === 'ask' ? pickText(n.text, lang) : n.kind === 'call' ? `call ${n.flow}` : n.title ? pickText(n.title, lang) : id);
    const sub = shown?.sub ?? (n.kind === 'run' ? `${n.role}: ${withoutTemplates(n.argv.join(' '))}` : n.kind === 'fix' ? `fix: ${n.id}` : n.kind === 'call' ? `call ${n.flow}` : title);
    const cls = `node ${n.kind}${on ? ' taken' : ''}${taken.last === id ? ' last' : ''}`;
    nodes.push(
      `<g class="${cls}" transform="translate(${p.x},${p.y})"><title>${esc(`${id} (${n.kind}): ${title}`)}</title>` +
        `<rect width="${W}" height="${H}" rx="${n.kind === 'branch' ? 14 : n.kind === 'fix' || n.kind === 'end' ? 20 : 4}" fill="${FILL[n.kind] ?? '#fff'}"/>` +
        `<text x="${W / 2}" y="16" class="id">${esc(cut(id, 24))}</text>` +
        `<text x="${W / 2}" y="31" class="sub">${esc(cut(sub, 30))}</text></g>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(`flow ${flow.id}`)}">` +
    `<defs>` +
    `<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9aa0a6"/></marker>` +
    `<marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#d93025"/></marker>` +
    `</defs>` +
    `<style>.edge{fill:none;stroke:#bdc1c6;stroke-width:1.2}.edge.taken{stroke:#d93025;stroke-width:3}` +
    `.node rect{stroke:#9aa0a6;stroke-width:1}.node.taken rect{stroke:#d93025;stroke-width:3}.node.last rect{stroke-dasharray:none;stroke-width:4}` +
    `.node text{font:11px ui-monospace,Menlo,Consolas,monospace;text-anchor:middle;fill:#202124}.node text.id{font-weight:bold}.node text.sub{fill:#5f6368;font-size:10px}</style>` +
    edges.join('') +
    nodes.join('') +
    `</svg>`
  );
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A flow's text with each `{{ expr }}` as `…`: the value is the session's, not the flow's. */
function withoutTemplates(s: string): string {
  try {
    return parseTemplate(s)
      .parts.map((p) => ('lit' in p ? p.lit : '…'))
      .join('');
  } catch {
    return s;
  }
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
