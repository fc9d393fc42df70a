/**
 * Text from a flow's templates: argv (a templated word is never an option), titles, summaries,
 * a fix's card and its `apply` plan, evidence lines. Pure; a failure is a value (`Result`).
 */
import type { CommandResult } from '../exec/types.js';
import type { Flow, FlowSet } from '../flow/compile.js';
import { evaluate, show } from '../flow/expr.js';
import type { ApplyStepT, FixNodeT, RunNodeT, TextT } from '../flow/schema.js';
import { parseTemplate, pickText, type Lang } from '../flow/template.js';
import { splitLines } from '../parsers/text.js';
import type { Result } from '../result.js';
import { context } from './context.js';
import { langOf, qualify } from './state.js';
import type { ApplyPlan, ApplyStep, Command, Evidence, Frame, SessionState, ShowItem, ShownItem, Summary } from './types.js';
import { combinedOutput } from './values.js';

const DEFAULT_TIMEOUT_S = 10;
const EVIDENCE_DEFAULT_LINES = 20;

/**
 * What a template's expressions read: a context, or how to make one when an expression needs
 * it. A literal template needs none: a command run ahead from another flow (`together`) with a
 * literal argv and title does not compile that flow (its CEL environment, its types) for nothing.
 */
export type Ctx = Record<string, unknown> | (() => Record<string, unknown>);

/** The command a run node runs, with its rendered argv. */
export function commandOf(flow: Flow, s: SessionState, frame: Frame, node: RunNodeT, argv: readonly string[]): Command {
  return {
    id: qualify(s, frame.node),
    flow: flow.id,
    node: frame.node,
    role: node.role,
    argv,
    timeoutMs: Math.round((node.timeout ?? DEFAULT_TIMEOUT_S) * 1000),
    root: node.root === true,
    title: renderText(flow, node.title, () => context(flow, s, frame), langOf(s)),
  };
}

export function renderArgv(flow: Pick<Flow, 'env'>, templates: readonly string[], ctx: Ctx): Result<string[]> {
  const argv: string[] = [];
  for (const a of templates) {
    const r = render(flow, a, ctx);
    if (!r.ok) return r;
    // Issue 12: a templated word is data, never an option (`-i`, `--output=…`), whatever a host
    // printed or an answer said; lint keeps them after `--` (flow/read-only.ts), this covers the rest.
    if (r.value.startsWith('-') && a.includes('{{')) return { ok: false, message: `${shownWord(a)} gave ${shownWord(r.value)}, which starts with "-": a templated word is never an option, so the command was not run` };
    argv.push(r.value);
  }
  return { ok: true, value: argv };
}

/** A host's value in a message: quoted, cut, every character outside printable ASCII escaped. */
const shownWord = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function renderText(flow: Flow, text: TextT, ctx: Ctx, lang: Lang): string {
  const r = render(flow, pickText(text, lang), ctx);
  return r.ok ? r.value : `‹${r.message}›`;
}

function render(flow: Pick<Flow, 'env'>, source: string, ctx: Ctx): Result<string> {
  let out = '';
  for (const part of parseTemplate(source).parts) {
    if ('lit' in part) {
      out += part.lit;
      continue;
    }
    if (typeof ctx === 'function') ctx = ctx();
    const r = evaluate(flow.env, part.expr, ctx);
    if (!r.ok) return { ok: false, message: `{{ ${part.expr} }}: ${r.message}` };
    out += show(r.value);
  }
  return { ok: true, value: out };
}

/** A fix's `apply` as the commands it would run, rendered now; a failure is located at `apply`. */
export function applyPlan(
  flow: Flow,
  s: SessionState,
  frame: Frame,
  apply: NonNullable<FixNodeT['apply']>,
  ctx: Record<string, unknown>,
  lang: Lang,
): Result<ApplyPlan> {
  const at = ['nodes', frame.node, 'apply'];
  const render1 = (steps: readonly ApplyStepT[]): Result<ApplyStep[]> => {
    const out: ApplyStep[] = [];
    for (const st of steps) {
      if (st.when !== undefined) {
        const w = evaluate(flow.env, st.when, ctx);
        if (!w.ok) return { ok: false, message: `apply step \`${st.when}\`: ${w.message}`, at };
        if (w.value !== true) continue;
      }
      const argv = renderArgv(flow, st.argv, ctx);
      if (!argv.ok) return { ...argv, at };
      const backup = st.backup !== undefined ? render(flow, st.backup, ctx) : undefined;
      if (backup && !backup.ok) return { ...backup, at };
      out.push({
        title: renderText(flow, st.title, ctx, lang),
        role: st.role,
        argv: argv.value,
        root: st.root === true,
        timeoutMs: Math.round((st.timeout ?? DEFAULT_TIMEOUT_S) * 1000),
        ...(backup?.ok && backup.value ? { backup: backup.value } : {}),
      });
    }
    return { ok: true, value: out };
  };
  const steps = render1(apply.steps);
  if (!steps.ok) return steps;
  const rollback = render1(apply.rollback ?? []);
  if (!rollback.ok) return rollback;
  const ids = typeof apply.check === 'string' ? [apply.check] : apply.check;
  const checkId = ids.find((c) => frame.runs[c]) ?? ids[0]!;
  const checkNode = flow.node(checkId);
  if (checkNode?.kind !== 'run') return { ok: false, message: `apply.check "${checkId}" is not a run node`, at };
  const argv = renderArgv(flow, checkNode.argv, ctx);
  if (!argv.ok) return { ...argv, at };
  const check = { ...commandOf(flow, s, { ...frame, node: checkId }, checkNode, argv.value), id: `${qualify(s, frame.node)}.check` };
  return { ok: true, value: { steps: steps.value, check, rollback: rollback.value } };
}

export function evidenceOf(flow: Flow, frame: Frame, list: ReadonlyArray<{ from: string; lines?: string }>, ctx: Record<string, unknown>): Evidence[] {
  const out: Evidence[] = [];
  for (const ev of list) {
    const run = frame.runs[ev.from];
    if (!run) continue;
    let lines: string[];
    if (ev.lines !== undefined) {
      const r = evaluate(flow.env, ev.lines, ctx);
      lines = r.ok && Array.isArray(r.value) ? r.value.map(String) : [`‹${r.ok ? 'not a list' : r.message}›`];
      // The flow chose no line of this command for this card (say, the other firewall decided): leave it out.
      if (lines.length === 0) continue;
    } else {
      const all = run.result.transport ? [run.result.transport.message] : splitLines(combinedOutput(run.result));
      lines = all.slice(0, EVIDENCE_DEFAULT_LINES);
    }
    out.push({ role: run.role, argv: run.argv, lines });
  }
  return out;
}

export function defaultSummary(r: CommandResult): string {
  if (r.timedOut) return `timed out after ${Math.round(r.durationMs / 100) / 10}s`;
  const first = splitLines(r.exit === 0 ? r.stdout : r.stderr || r.stdout).find((l) => l.trim());
  return `exit ${r.exit ?? '?'}${first ? `: ${first.trim().slice(0, 100)}` : ''}`;
}

/** A summary's text: as it is, or its node's `summary` template over the frame it ran in. */
export function summaryText(flows: FlowSet, summary: Summary): string {
  if (typeof summary === 'string') return summary;
  const flow = flows.flows.get(summary.flow);
  const node = flow?.node(summary.node);
  if (!flow || node?.kind !== 'run' || !node.summary) return '';
  return renderText(flow, node.summary, () => context(flow, summary, summary.frame), summary.globals.lang);
}

/**
 * A `show` item as the ports see it (the runner gives them this): each summary rendered when
 * first read, then kept. The laziness lives here, in the view, not in the engine's state.
 */
export function shown(flows: FlowSet, item: ShowItem): ShownItem {
  if (item.kind === 'result') return withText(item, flows);
  if (item.kind === 'outcome') return { ...item, checks: item.checks.map((c) => withText(c, flows)) };
  return item;
}

function withText<T extends { readonly summary: Summary }>(x: T, flows: FlowSet): Omit<T, 'summary'> & { readonly summary: string } {
  if (typeof x.summary === 'string') return x as Omit<T, 'summary'> & { readonly summary: string };
  const { summary, ...rest } = x;
  let text: string | undefined;
  return Object.defineProperty(rest, 'summary', { enumerable: true, get: () => (text ??= summaryText(flows, summary)) }) as Omit<T, 'summary'> & { readonly summary: string };
}
