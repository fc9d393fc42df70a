/**
 * A transcript as a report for a ticket: what was tried to reach, on which hosts, each
 * check with its command and an excerpt of what the host printed, the path through the
 * flow, and the fix card. Markdown, or one self-contained HTML file (inline CSS and SVG, no
 * script, nothing fetched) that opens offline. Everything from a host is untrusted: control
 * characters are made visible and, in HTML, every character that means something is escaped.
 */
import { displayArgv } from '../exec/shell-quote.js';
import type { Flow } from '../flow/compile.js';
import { pickText } from '../flow/template.js';
import { CARD_TEXT, REPORT_TEXT, type CardText, type ReportText } from '../ui/messages.js';
import { sanitize } from '../ui/sanitize.js';
import type { EventOf, Transcript, TranscriptEvent } from './format.js';
import { esc, flowSvg, type NodeLabel } from './svg.js';

export type ReportFormat = 'md' | 'html';

const EXCERPT_LINES = 20;
const LINE_CHARS = 300;

interface Check {
  readonly command: EventOf<'command'>;
  result: EventOf<'result'> | null;
}

interface Model {
  readonly title: string;
  readonly file: string;
  readonly t: Transcript;
  readonly checks: readonly Check[];
  /** Commands run to apply the fix, after the diagnosis. */
  readonly applied: readonly Check[];
  readonly answers: ReadonlyArray<{ q: EventOf<'question'>; a: EventOf<'answer'> | null }>;
  readonly decisions: readonly EventOf<'decision'>[];
  readonly outcome: EventOf<'outcome'> | null;
  readonly apply: ApplyState;
  /** The words, in the transcript's language. */
  readonly w: ReportText;
  readonly c: CardText;
}

/**
 * What became of the fix's `apply`, read from the commands after the outcome as engine/apply.ts
 * runs them: backups and steps are `apply.N`; the original probe again is `CHECK.N` (attempt N),
 * and the apply ends at the first that passes (`verified`); after a failed last check only the
 * rollback runs (restore, compare, the plan's rollback steps).
 */
type ApplyState = 'not-run' | 'verified' | 'rolled-back' | 'rollback-failed' | 'stopped' | 'interrupted';

/**
 * @example
 * writeFileSync('report.html', renderReport(transcript, catalog.flows.get('refused'), 'html'));
 */
export function renderReport(t: Transcript, flow: Flow | undefined, format: ReportFormat): string {
  const m = model(t, flow);
  return format === 'md' ? markdown(m) : html(m, flow);
}

function model(t: Transcript, flow: Flow | undefined): Model {
  const events: TranscriptEvent[] = t.events.map((l) => l.event);
  const checks: Check[] = [];
  const answers: Array<{ q: EventOf<'question'>; a: EventOf<'answer'> | null }> = [];
  const decisions: EventOf<'decision'>[] = [];
  let outcome: EventOf<'outcome'> | null = null;
  const applied: Check[] = [];
  for (const e of events) {
    // Commands after the outcome apply the fix.
    if (e.kind === 'command') (outcome ? applied : checks).push({ command: e, result: null });
    else if (e.kind === 'result' && outcome) {
      const c = applied.find((x) => x.result === null && x.command.id === e.id);
      if (c) c.result = e;
    } else if (e.kind === 'result') {
      const c = checks.find((x) => x.result === null && x.command.id === e.id);
      if (c) c.result = e;
    } else if (e.kind === 'question') answers.push({ q: e, a: null });
    else if (e.kind === 'answer') {
      const x = answers.find((y) => y.a === null && y.q.id === e.id);
      if (x) x.a = e;
    } else if (e.kind === 'decision') decisions.push(e);
    else if (e.kind === 'outcome') outcome = e;
  }
  const title = flow ? pickText(flow.doc.title, t.header.lang) : t.header.flow;
  const lang = t.header.lang;
  return { title, file: t.file, t, checks, applied, answers, decisions, outcome, apply: applyState(applied), w: REPORT_TEXT[lang], c: CARD_TEXT[lang] };
}

const isStep = (c: Check) => /^apply\.\d+$/.test(c.command.id);
const passed = (r: EventOf<'result'> | null) => r !== null && r.exit === 0 && !r.transport;

function applyState(applied: readonly Check[]): ApplyState {
  if (!applied.length) return 'not-run';
  if (applied.some((c) => c.result === null)) return 'interrupted';
  const lastCheck = applied.findLastIndex((c) => !isStep(c));
  if (lastCheck < 0) return 'stopped';
  if (passed(applied[lastCheck]!.result)) return 'verified';
  return applied.slice(lastCheck + 1).every((c) => passed(c.result)) ? 'rolled-back' : 'rollback-failed';
}

function excerpt(r: EventOf<'result'> | null, w: ReportText): { lines: string[]; more: number } {
  if (!r) return { lines: [w.noResult], more: 0 };
  if (r.transport) return { lines: [w.unreachable(r.transport.code, r.transport.message)], more: 0 };
  const text = [r.stdout.replace(/\n$/, ''), r.stderr.replace(/\n$/, '')].filter(Boolean).join('\n');
  const all = text ? text.split('\n') : [w.noOutput];
  const lines = all.slice(0, EXCERPT_LINES).map((l) => {
    const s = sanitize(l);
    return s.length > LINE_CHARS ? `${s.slice(0, LINE_CHARS)}…` : s;
  });
  return { lines, more: all.length - lines.length };
}

function status(r: EventOf<'result'> | null, w: ReportText): string {
  if (!r) return w.interrupted;
  if (r.transport) return w.unreachableStatus(r.transport.code);
  if (r.timedOut) return w.timedOut(r.durationMs);
  return `${w.exit(String(r.exit ?? '?'), r.durationMs)}${r.truncated.stdout || r.truncated.stderr ? ` · ${w.truncated}` : ''}`;
}

function outcomeLine(m: Model): string {
  const { outcome: o, w, c } = m;
  if (!o) return w.notFinished;
  if (o.fix) return `${m.apply === 'not-run' ? c.fix : w.applyState[m.apply]}: ${o.fix.title} [${o.fix.id}]`;
  if (o.end) return `${c.unresolved}: ${o.end.title}`;
  return `${c.error}: ${o.error?.code ?? 'error'}: ${o.error?.message ?? ''}`;
}

// ---- Markdown

function markdown(m: Model): string {
  const h = m.t.header;
  const { w, c: card } = m;
  const md: string[] = [];
  const text = (s: string) => mdEscape(sanitize(s));
  const label = (word: string) => `**${w.label(word)}**`;
  md.push(`# ${text(w.title(m.title))}`, '');
  md.push(`**${text(outcomeLine(m))}**`, '');
  md.push('| | |', '|---|---|');
  md.push(`| ${w.target} | ${h.target.given ? `\`${code(h.target.url)}\`` : w.none} |`);
  for (const [role, dest] of Object.entries(h.roles)) md.push(`| ${text(role)} | \`${code(dest)}\` |`);
  md.push(`| ${w.flow} | \`${code(h.flow)}\` (${text(h.digest.slice(0, 19))}…) |`, `| ${w.started} | ${text(h.started)} |`, `| tshoot | ${text(h.tshoot)} |`, '');
  if (m.outcome?.fix) {
    const f = m.outcome.fix;
    md.push(`## ${card.fix}: ${text(f.title)} \`${code(f.id)}\``, '', `${label(card.cause)} ${text(f.cause)}`, '');
    if (f.evidence.length) {
      md.push(label(card.evidence), '');
      for (const ev of f.evidence) md.push(`${text(ev.role)} \`$ ${code(displayArgv(ev.argv))}\``, '', fence(ev.lines.map(sanitize).join('\n')), '');
    }
    md.push(label(card.fix), '', ...f.fix.map((x, i) => `${i + 1}. ${text(x)}`), '');
    if (f.config) md.push(label(card.config), '', fence(sanitize(f.config)), '');
    md.push(label(card.verify), '', ...f.verify.map((x) => `- ${text(x)}`), '');
  } else if (m.outcome?.end) {
    const e = m.outcome.end;
    md.push(`## ${card.unresolved}: ${text(e.title)}`, '');
    if (e.checked.length) md.push(label(card.checked), '', ...e.checked.map((x) => `- ${text(x)}`), '');
    md.push(label(card.next), '', ...e.nextSteps.map((x) => `- ${text(x)}`), '');
  } else if (m.outcome?.error) {
    md.push(`## ${card.error}: ${text(m.outcome.error.code)}`, '', text(m.outcome.error.message), '', `${w.at} \`${code(m.outcome.error.at)}\``, '');
  }
  md.push(`## ${w.checks}`, '');
  m.checks.forEach((c, i) => {
    const ex = excerpt(c.result, w);
    md.push(`### ${i + 1}. ${text(c.command.title)}`, '', `${text(c.command.role)} (\`${code(c.command.dest)}\`) \`$ ${code(displayArgv(c.command.argv))}\` — ${text(status(c.result, w))}`, '');
    md.push(fence(ex.lines.join('\n') + (ex.more > 0 ? `\n${w.moreLines(ex.more)}` : '')), '');
  });
  if (m.applied.length) {
    md.push(`## ${w.applied}`, '');
    for (const c of m.applied) md.push(`- ${text(c.command.title)}: ${text(c.command.role)} \`$ ${code(displayArgv(c.command.argv))}\` — ${text(status(c.result, w))}`);
    md.push('');
  }
  const asked = m.answers.filter((x) => !x.q.setup);
  if (asked.length) {
    md.push(`## ${w.answers}`, '');
    for (const { q, a } of asked) md.push(`- ${text(q.text)} → **${a ? text(String(a.value)) : w.notAnswered}**${a ? ` (${w.source[a.source]})` : ''}`);
    md.push('');
  }
  md.push(`## ${w.path}`, '');
  m.decisions.forEach((d, i) => md.push(`${i + 1}. \`${code(d.node)}\` → \`${code(d.goto)}\`${d.when ? ` ${w.when} \`${code(d.when)}\`` : ''}`));
  md.push('', `<sub>${text(w.from(m.file, h.tshoot))}</sub>`, '');
  return md.join('\n');
}

/** Markdown inline text: no HTML, no emphasis or links made by a host's output. */
function mdEscape(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!).replace(/[\\`*_[\]|#]/g, '\\$&');
}

/** Inside `…`: a backtick would close it. */
function code(s: string): string {
  return sanitize(s).replaceAll('`', 'ˋ');
}

/** A fence longer than any run of backticks inside (CommonMark §4.5). */
function fence(body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((x) => x[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${body}\n${f}`;
}

// ---- HTML

const CSS = `
:root{color-scheme:light}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f8f9fa;color:#202124}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #dadce0;padding-bottom:4px}h3{font-size:16px;margin:18px 0 4px}
.outcome{padding:12px 16px;border-radius:8px;font-weight:600;margin:12px 0}
.outcome.fix{background:#d4f7d4;border:1px solid #2a7a2a}.outcome.unresolved{background:#fef3d6;border:1px solid #b26a00}.outcome.error,.outcome.none{background:#fce8e6;border:1px solid #c5221f}
table.meta{border-collapse:collapse}table.meta td{padding:2px 12px 2px 0;vertical-align:top}table.meta td:first-child{color:#5f6368}
code,pre{font:13px/1.45 ui-monospace,Menlo,Consolas,monospace}
pre{background:#fff;border:1px solid #dadce0;border-radius:6px;padding:8px 10px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.check{background:#fff;border:1px solid #dadce0;border-radius:8px;padding:8px 14px;margin:10px 0}
.check .cmd{color:#3c4043}.check .st{color:#5f6368;font-size:13px}.check.bad{border-left:4px solid #c5221f}.check.ok{border-left:4px solid #188038}
.card{background:#fff;border:2px solid #2a7a2a;border-radius:10px;padding:4px 18px 12px}.card.unresolved{border-color:#b26a00}
ol.path li code{background:#eef}
.graph{overflow-x:auto;background:#fff;border:1px solid #dadce0;border-radius:8px;padding:8px}
footer{color:#5f6368;font-size:12px;margin-top:32px}
`;

function html(m: Model, flow: Flow | undefined): string {
  const h = m.t.header;
  const e = (s: string) => esc(sanitize(s));
  const o = m.outcome;
  const { w, c: card } = m;
  const label = (word: string) => `<b>${e(w.label(word))}</b>`;
  const b: string[] = [];
  b.push(`<h1>${e(m.title)}</h1>`);
  // A fix that was applied and did not verify is not the green of a fix.
  const failedApply = m.apply !== 'not-run' && m.apply !== 'verified';
  b.push(`<div class="outcome ${o ? (failedApply ? 'unresolved' : o.outcome) : 'none'}" id="outcome">${e(outcomeLine(m))}</div>`);
  b.push('<table class="meta">');
  b.push(`<tr><td>${w.target}</td><td><code>${h.target.given ? e(h.target.url) : w.none}</code></td></tr>`);
  for (const [role, dest] of Object.entries(h.roles)) b.push(`<tr><td>${e(role)}</td><td><code>${e(dest)}</code></td></tr>`);
  b.push(`<tr><td>${w.flow}</td><td><code>${e(h.flow)}</code> <small>${e(h.digest.slice(0, 19))}…</small></td></tr>`);
  b.push(`<tr><td>${w.started}</td><td>${e(h.started)}</td></tr><tr><td>tshoot</td><td>${e(h.tshoot)}</td></tr></table>`);

  if (o?.fix) {
    const f = o.fix;
    b.push(`<h2>${e(card.fix)}</h2><section class="card fix" id="fix-${e(f.id)}"><h3>${e(f.title)} <code>[${e(f.id)}]</code></h3>`);
    b.push(`<p>${label(card.cause)} ${e(f.cause)}</p>`);
    if (f.evidence.length) {
      b.push(`<p>${label(card.evidence)}</p>`);
      for (const ev of f.evidence) b.push(`<div class="cmd"><code>${e(ev.role)} $ ${e(displayArgv(ev.argv))}</code></div><pre>${e(ev.lines.join('\n'))}</pre>`);
    }
    b.push(`<p>${label(card.fix)}</p><ol>${f.fix.map((x) => `<li>${e(x)}</li>`).join('')}</ol>`);
    if (f.config) b.push(`<p>${label(card.config)}</p><pre>${e(f.config)}</pre>`);
    b.push(`<p>${label(card.verify)}</p><ul>${f.verify.map((x) => `<li>${e(x)}</li>`).join('')}</ul></section>`);
  } else if (o?.end) {
    b.push(`<h2>${e(card.unresolved)}</h2><section class="card unresolved"><h3>${e(o.end.title)}</h3>`);
    if (o.end.checked.length) b.push(`<p>${label(card.checked)}</p><ul>${o.end.checked.map((x) => `<li>${e(x)}</li>`).join('')}</ul>`);
    b.push(`<p>${label(card.next)}</p><ul>${o.end.nextSteps.map((x) => `<li>${e(x)}</li>`).join('')}</ul></section>`);
  } else if (o?.error) {
    b.push(`<h2>${e(card.error)}</h2><p><b>${e(o.error.code)}</b>: ${e(o.error.message)} <code>${e(o.error.at)}</code></p>`);
  }

  if (flow) {
    const edges = new Set(m.decisions.filter((d) => d.flow === flow.id).map((d) => `${d.node}\0${d.goto}`));
    const nodes = new Set<string>([flow.doc.start]);
    for (const d of m.decisions) if (d.flow === flow.id) (nodes.add(d.node), nodes.add(d.goto));
    for (const c of m.checks) if (c.command.flow === flow.id) nodes.add(c.command.node);
    b.push(`<h2>${e(w.path)}</h2><div class="graph">${flowSvg(flow, { edges, nodes, last: o && o.flow === flow.id ? o.node : null, labels: nodeLabels(m, flow.id) }, h.lang)}</div>`);
  } else b.push(`<h2>${e(w.path)}</h2>`);
  b.push(`<ol class="path">${m.decisions.map((d) => `<li><code>${e(d.node)}</code> → <code>${e(d.goto)}</code>${d.when ? ` <small>${e(w.when)} <code>${e(d.when)}</code></small>` : ''}</li>`).join('')}</ol>`);

  b.push(`<h2>${e(w.checks)}</h2>`);
  m.checks.forEach((c, i) => {
    const ex = excerpt(c.result, w);
    const ok = passed(c.result);
    b.push(
      `<section class="check ${ok ? 'ok' : 'bad'}"><h3>${i + 1}. ${e(c.command.title)}</h3>` +
        `<div class="cmd"><code>${e(c.command.role)} (${e(c.command.dest)}) $ ${e(displayArgv(c.command.argv))}</code></div>` +
        `<div class="st">${e(status(c.result, w))}</div><pre>${e(ex.lines.join('\n'))}${ex.more > 0 ? `\n${e(w.moreLines(ex.more))}` : ''}</pre></section>`,
    );
  });
  if (m.applied.length) {
    b.push(`<h2>${e(w.applied)}</h2><ul>${m.applied.map((c) => `<li>${e(c.command.title)}: <code>${e(c.command.role)} $ ${e(displayArgv(c.command.argv))}</code> — ${e(status(c.result, w))}</li>`).join('')}</ul>`);
  }
  const asked = m.answers.filter((x) => !x.q.setup);
  if (asked.length) {
    b.push(`<h2>${e(w.answers)}</h2><ul>${asked.map(({ q, a }) => `<li>${e(q.text)} → <b>${a ? e(String(a.value)) : e(w.notAnswered)}</b></li>`).join('')}</ul>`);
  }
  b.push(`<footer>${e(w.from(m.file, h.tshoot))} ${e(w.selfContained)}</footer>`);
  return (
    `<!doctype html>\n<html lang="${h.lang}"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(w.title(m.title))}</title>` +
    `<style>${CSS}</style></head><body><main>\n${b.join('\n')}\n</main></body></html>\n`
  );
}

/** What the session showed at each node of `flowId` it went through (the last time), for the drawing. */
function nodeLabels(m: Model, flowId: string): Map<string, NodeLabel> {
  const labels = new Map<string, NodeLabel>();
  const set = (node: string, title: string, sub: string) => labels.set(node, { title: sanitize(title), sub: sanitize(sub) });
  for (const c of m.checks) if (c.command.flow === flowId) set(c.command.node, c.command.title, `${c.command.role}: ${displayArgv(c.command.argv)}`);
  for (const { q, a } of m.answers) if (!q.setup && q.flow === flowId) set(q.node, q.text, a ? `→ ${String(a.value)}` : m.w.notAnswered);
  const o = m.outcome;
  if (o && o.flow === flowId) {
    if (o.fix) set(o.node, o.fix.title, m.w.fixNode(o.fix.id));
    else if (o.end) set(o.node, o.end.title, o.end.title);
  }
  return labels;
}
