/**
 * Replay: today's flows walked with a transcript's answers and results. Two ports stand in
 * for the outside world — a prompter that answers from the transcript and executors that
 * return the recorded results — and the one runner drives the engine as in a live session.
 * What today's flows derive (questions, commands, decisions, the outcome) is then compared,
 * field by field and in order, with what was recorded.
 */
import type { Executors, Prompter, Reporter, SessionObserver } from '../engine/ports.js';
import { runSession } from '../engine/runner.js';
import type { Answer, Command, EngineEvent, Outcome, Question, SessionState } from '../engine/types.js';
import type { CommandResult, Role } from '../exec/types.js';
import type { FlowSet } from '../flow/compile.js';
import type { Loc } from '../flow/problem.js';
import {
  answerEvent,
  commandEvent,
  questionEvent,
  resultEvent,
  resultOf,
  showEvent,
  type EventOf,
  type Header,
  type Located,
  type Transcript,
  type TranscriptEvent,
} from './format.js';
import { createRedactor } from './redact.js';

export interface Divergence {
  /** What differs: a step of the walk, or recorded steps today's flows never reached. */
  readonly kind: 'question' | 'command' | 'decision' | 'outcome' | 'unused' | 'unrecorded';
  /** The transcript line of the recorded event (the last line when nothing was recorded there). */
  readonly line: number;
  readonly flow: string;
  readonly node: string;
  /** Where the node is in today's flow, when it still exists. */
  readonly loc: Loc | null;
  readonly fields: ReadonlyArray<{ readonly field: string; readonly expected: unknown; readonly actual: unknown }>;
}

export interface ReplayResult {
  readonly outcome: Outcome | null;
  readonly state: SessionState | null;
  /** Empty when today's flows do what the transcript recorded. */
  readonly divergences: readonly Divergence[];
  /** The walk as today's flows produce it, with the recorded answers and results in place. */
  readonly events: readonly TranscriptEvent[];
  /** The transcript stops before an outcome (interrupted, or waiting for an answer). */
  readonly incomplete: boolean;
}

/** The transcript ran out or disagrees with what today's flow asks or runs: the walk stops. */
class Diverged extends Error {
  readonly code = 'diverged';
}

/** Kinds compared in order; answers and results are inputs, replayed rather than compared. */
const DERIVED = new Set<TranscriptEvent['kind']>(['question', 'command', 'decision', 'outcome']);

/**
 * Replays a transcript through today's flows.
 *
 * @example
 * const r = await replay(catalog, parseTranscript(file, text), reporter);
 * r.divergences.length === 0 // today's flows would do what was recorded
 */
export async function replay(flows: FlowSet, t: Transcript, reporter: Reporter): Promise<ReplayResult> {
  const h = t.header;
  const walk = walkOf(t);
  const lastLine = t.events.length ? t.events[t.events.length - 1]!.line : 1;
  const answers = pairs(walk, 'question', 'answer');
  const results = pairs(walk, 'command', 'result');
  // Secrets in today's argv are hidden as they were when recorded, so the two compare.
  const redactor = createRedactor({ salt: h.salt });

  const actual: TranscriptEvent[] = [];
  const observer: SessionObserver = {
    question: (q) => actual.push(questionEvent(q)),
    answer: (q, a) => actual.push(answerEvent(q, a, 'replay')),
    command: (c, dest) => actual.push(redactor.value(commandEvent(c, dest))),
    result: (c, r) => actual.push(resultEvent(c.id, r)),
    show: (item) => {
      const e = showEvent(item);
      if (e) actual.push(redactor.value(e));
    },
  };
  let answerAt = 0;
  let resultAt = 0;
  const prompter: Prompter = {
    async ask(q: Question): Promise<Answer> {
      const rec = answers[answerAt];
      if (!rec || rec.first.event.id !== q.id || !rec.second) throw new Diverged(q.id);
      answerAt++;
      reporter.answered?.(q, rec.second.event.value, 'replay');
      return rec.second.event.value;
    },
  };
  const assigned: Partial<Record<Role, string>> = {};
  const executors: Executors = {
    async run(role: Role, cmd: Command): Promise<CommandResult> {
      const rec = results[resultAt];
      const argv = redactor.value([...cmd.argv]);
      if (!rec || !rec.second || rec.first.event.id !== cmd.id || rec.first.event.role !== role || !same(rec.first.event.argv, argv)) throw new Diverged(cmd.id);
      resultAt++;
      return resultOf(rec.second.event);
    },
    dest: (role) => (role === 'local' ? 'local' : (assigned[role] ?? h.roles[role] ?? '(none)')),
    // A host asked during the session (`host.ROLE`) is in the walk, not the header.
    assign: (role, dest) => {
      assigned[role] = dest;
    },
    close: async () => {},
  };

  let outcome: Outcome | null = null;
  let state: SessionState | null = null;
  try {
    const end = await runSession(
      flows,
      startOf(h),
      { prompter, executors, reporter, observers: [observer] },
    );
    outcome = end.outcome;
    state = end.state;
  } catch (e) {
    if (!(e instanceof Diverged)) throw e;
  }

  const recorded = walk.filter((l) => DERIVED.has(l.event.kind));
  const derived = actual.filter((e) => DERIVED.has(e.kind));
  const incomplete = !walk.some((l) => l.event.kind === 'outcome');
  const divergences: Divergence[] = [];
  const locOf = (flow: string, node: string, ...path: Array<string | number>): Loc | null => {
    const f = flows.flows.get(flow);
    return f?.node(node) ? f.loc(['nodes', node, ...path]) : null;
  };
  const n = Math.max(recorded.length, derived.length);
  for (let i = 0; i < n; i++) {
    const r = recorded[i];
    const a = derived[i];
    if (r && a) {
      const fields = compare(r.event, a);
      if (fields.length === 0) continue;
      const { flow, node, loc } = whereOf(a, locOf);
      divergences.push({ kind: r.event.kind === a.kind ? (a.kind as Divergence['kind']) : stepKind(a), line: r.line, flow, node, loc, fields });
    } else if (r) {
      const { flow, node, loc } = whereOf(r.event, locOf);
      const rest = recorded.slice(i);
      divergences.push({
        kind: 'unused',
        line: r.line,
        flow,
        node,
        loc,
        fields: [{ field: 'not reached', expected: rest.map((x) => `line ${x.line}: ${label(x.event)}`), actual: null }],
      });
    } else if (a) {
      const { flow, node, loc } = whereOf(a, locOf);
      divergences.push({ kind: 'unrecorded', line: lastLine, flow, node, loc, fields: [{ field: a.kind, expected: null, actual: label(a) }] });
    }
    break;
  }
  // After the outcome only the fix's own commands may follow (applying it).
  const stray = afterOutcome(t).filter((l) => l.event.kind !== 'command' && l.event.kind !== 'result' && l.event.kind !== 'resumed');
  if (divergences.length === 0 && stray.length) {
    const { flow, node, loc } = whereOf(stray[0]!.event, locOf);
    divergences.push({ kind: 'unused', line: stray[0]!.line, flow, node, loc, fields: [{ field: 'not reached', expected: stray.map((x) => `line ${x.line}: ${label(x.event)}`), actual: null }] });
  }
  if (divergences.length === 0 && !outcome) {
    const last = walk[walk.length - 1]?.event;
    const where = last ? whereOf(last, locOf) : { flow: h.flow, node: '', loc: null };
    divergences.push({ kind: 'unrecorded', line: lastLine, ...where, fields: [{ field: 'end', expected: 'an outcome (fix or unresolved)', actual: 'the recording stops before the session ended (continue it: tshoot resume FILE)' }] });
  }
  return { outcome, state, divergences, events: actual, incomplete };
}

/**
 * The transcript with decisions and outcome as today's flows derive them; questions,
 * answers, commands and results are kept as recorded. Only when the walk asks and runs
 * exactly what was recorded (else the results would belong to other commands).
 */
export function updatedEvents(t: Transcript, r: ReplayResult): TranscriptEvent[] | null {
  if (r.divergences.some((d) => d.kind !== 'decision' && d.kind !== 'outcome' && !(d.kind === 'unused' && onlyDerived(t, d)))) return null;
  if (!r.outcome) return null;
  const setup = t.events.filter((l) => 'setup' in l.event && l.event.setup).map((l) => l.event);
  const inputs = walkOf(t).filter((l) => ['question', 'answer', 'command', 'result'].includes(l.event.kind)).map((l) => l.event);
  let k = 0;
  const out: TranscriptEvent[] = [...setup];
  for (const e of r.events) {
    if (e.kind === 'decision' || e.kind === 'outcome') out.push(e);
    else out.push(inputs[k++] ?? e);
  }
  return [...out, ...afterOutcome(t).map((l) => l.event)];
}

function onlyDerived(t: Transcript, d: Divergence): boolean {
  const walk = walkOf(t);
  const from = walk.findIndex((l) => l.line === d.line);
  return walk.slice(from).every((l) => l.event.kind === 'decision' || l.event.kind === 'outcome');
}

/**
 * The recorded walk: setup questions and `resumed` marks left out, and it stops at the
 * outcome. What follows the outcome is applying the fix (the user's choice, after the
 * diagnosis): recorded, shown by `report`, not part of what today's flow must reproduce.
 */
export function walkOf(t: Transcript): Located[] {
  const end = t.events.findIndex((l) => l.event.kind === 'outcome');
  return (end < 0 ? t.events : t.events.slice(0, end + 1)).filter((l) => l.event.kind !== 'resumed' && !('setup' in l.event && l.event.setup));
}

/** Events after the outcome: the fix being applied. */
export function afterOutcome(t: Transcript): Located[] {
  const end = t.events.findIndex((l) => l.event.kind === 'outcome');
  return end < 0 ? [] : t.events.slice(end + 1);
}

/** Each recorded question with its answer (or command with its result), in order. */
function pairs<A extends 'question' | 'command', B extends 'answer' | 'result'>(
  walk: readonly Located[],
  a: A,
  b: B,
): Array<{ first: Located<EventOf<A>>; second: Located<EventOf<B>> | null }> {
  const out: Array<{ first: Located<EventOf<A>>; second: Located<EventOf<B>> | null }> = [];
  for (const l of walk) {
    if (l.event.kind === a) out.push({ first: l as Located<EventOf<A>>, second: null });
    else if (l.event.kind === b) {
      const open = out.find((p) => p.second === null && (p.first.event as { id: string }).id === (l.event as { id: string }).id);
      if (open) open.second = l as Located<EventOf<B>>;
    }
  }
  return out;
}

type Field = { field: string; expected: unknown; actual: unknown };

/** Field by field; only what decides the walk (a question's text may be reworded). */
function compare(r: TranscriptEvent, a: TranscriptEvent): Field[] {
  const out: Field[] = [];
  const f = (field: string, expected: unknown, actual: unknown) => {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) out.push({ field, expected, actual });
  };
  if (r.kind !== a.kind) {
    f('step', label(r), label(a));
    return out;
  }
  if (r.kind === 'question' && a.kind === 'question') {
    f('question.id', r.id, a.id);
    f('question.input', r.input, a.input);
    if (r.input === 'select' && a.input === 'select') f('question.choices', r.choices?.map((c) => c.value), a.choices?.map((c) => c.value));
  } else if (r.kind === 'command' && a.kind === 'command') {
    f('command.id', r.id, a.id);
    f('command.role', r.role, a.role);
    f('command.argv', r.argv, a.argv);
  } else if (r.kind === 'decision' && a.kind === 'decision') {
    f('decision.node', r.node, a.node);
    f('decision.goto', r.goto, a.goto);
    if (out.length) f('decision.when', r.when ?? 'default', a.when ?? 'default');
  } else if (r.kind === 'outcome' && a.kind === 'outcome') {
    f('outcome', r.outcome, a.outcome);
    f('outcome.node', r.node, a.node);
    f('outcome.fix', r.fix?.id ?? null, a.fix?.id ?? null);
    if (r.error || a.error) f('outcome.error', r.error?.code ?? null, a.error?.code ?? null);
  }
  return out;
}

function stepKind(e: TranscriptEvent): Divergence['kind'] {
  return e.kind === 'question' || e.kind === 'command' || e.kind === 'decision' || e.kind === 'outcome' ? e.kind : 'unused';
}

function whereOf(e: TranscriptEvent, locOf: (flow: string, node: string, ...path: Array<string | number>) => Loc | null): { flow: string; node: string; loc: Loc | null } {
  switch (e.kind) {
    case 'question':
      return { flow: e.flow, node: e.node, loc: locOf(e.flow, e.node) };
    case 'command':
      return { flow: e.flow, node: e.node, loc: locOf(e.flow, e.node, 'argv') };
    case 'decision':
      return { flow: e.flow, node: e.node, loc: locOf(e.flow, e.node, 'next') ?? locOf(e.flow, e.node) };
    case 'outcome':
      return { flow: e.flow, node: e.node, loc: locOf(e.flow, e.node) };
    default:
      return { flow: '', node: '', loc: null };
  }
}

/** A step in one short line: `command listeners: ss -ltnp`, `decision listeners → processes`. */
export function label(e: TranscriptEvent): string {
  switch (e.kind) {
    case 'question':
      return `question ${e.id}`;
    case 'answer':
      return `answer ${e.id}`;
    case 'command':
      return `command ${e.id} (${e.role}): ${e.argv.join(' ')}`;
    case 'result':
      return `result ${e.id}`;
    case 'decision':
      return `decision ${e.node} → ${e.goto}`;
    case 'outcome':
      return `outcome ${e.outcome}${e.fix ? ` ${e.fix.id}` : ''} at ${e.node}`;
    case 'resumed':
      return 'resumed';
  }
}

/** The divergence report, one block per divergence. */
export function formatDivergences(file: string, ds: readonly Divergence[]): string {
  let s = '';
  for (const d of ds) {
    const where = d.loc ? ` (${d.loc.file}:${d.loc.line}:${d.loc.col})` : d.node ? ' (no longer in the flow)' : '';
    const what = d.kind === 'unused' ? 'recorded steps were not reached' : d.kind === 'unrecorded' ? 'today’s flow goes further than the recording' : `${d.kind} differs`;
    s += `${file}:${d.line}: ${what} at node "${d.node}"${d.flow ? ` of flow "${d.flow}"` : ''}${where}\n`;
    for (const f of d.fields) {
      s += `  ${f.field}:\n    expected ${show(f.expected)}\n    actual   ${show(f.actual)}\n`;
    }
  }
  return s;
}

function show(v: unknown): string {
  if (v === null) return '(nothing)';
  // The steps not reached, one per line.
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.startsWith('line '))) return v.join('\n             ');
  return JSON.stringify(v);
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The session's `start` event, as its header recorded it. */
export function startOf(h: Header): Extract<EngineEvent, { kind: 'start' }> {
  return { kind: 'start', flow: h.flow, target: h.target, hosts: { client: h.roles.client ?? 'local', server: h.roles.server ?? '', bastion: h.roles.bastion ?? '' }, lang: h.lang };
}
