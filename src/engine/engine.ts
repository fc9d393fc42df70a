/**
 * The engine: `step(flows, state, event) → { state, effects }`. Pure: it performs nothing,
 * reads no clock, and imports nothing from the terminal or the executors. It walks nodes
 * until it needs something from outside (an answer, a command's result) or reaches an
 * outcome, and says so as effects. Live use, replay and tests drive this same function.
 */
import type { CommandResult } from '../exec/types.js';
import { evaluate, show, toCel, zeroValue, type ValueType } from '../flow/expr.js';
import { splitLines } from '../parsers/text.js';
import type { Flow, FlowSet } from '../flow/compile.js';
import type { ApplyStepT, FixNodeT, FlowNodeT, NextT, RunNodeT, TextT } from '../flow/schema.js';
import { readOnly } from '../flow/read-only.js';
import { parseTemplate, pickText, type Lang } from '../flow/template.js';
import { PARSERS } from '../parsers/index.js';
import { hostQuestion, isAskedRole, MAX_HOST_ASKS } from './host-question.js';
import type {
  Answer,
  AskedRole,
  ApplyPlan,
  ApplyStep,
  CheckRecord,
  Command,
  Effect,
  EngineEvent,
  Evidence,
  Frame,
  Outcome,
  Prefetched,
  Question,
  RanCommand,
  SessionState,
  Step,
} from './types.js';

/** Transitions through branch, call and end nodes before giving up on a loop. */
const MAX_HOPS = 1_000;
const DEFAULT_TIMEOUT_S = 10;
const EVIDENCE_DEFAULT_LINES = 20;
/**
 * Commands one exec runs at once on one host (role): what runs together is work on different
 * hosts (the client's probe beside the server's reads). Two ways of running more were measured
 * and lost in the lab (issue 17): a shell each (their login-shell starts cost more than running
 * the reads one after another on a warm shell: refused's card 2.5 s later), and several sent
 * in one script (one round trip; side by side, `nginx -T` binding the port it tests made an `ss`
 * beside it see nginx on a stopped host; one after another, with `timeout` each, the cards came
 * 0.1 s later, as reads the flow would not need ran too: at no delay between the hosts nothing
 * is saved). The one listed first runs; the others when reached.
 */
export const MAX_TOGETHER_PER_HOST = 1;

export class EngineError extends Error {
  readonly code = 'unexpected-event';
}

export function step(flows: FlowSet, state: SessionState, event: EngineEvent): Step {
  switch (event.kind) {
    case 'start': {
      if (state.status !== 'new') throw new EngineError('the session has already started');
      const flow = flows.flows.get(event.flow);
      if (!flow) throw new EngineError(`unknown flow "${event.flow}"`);
      const s: SessionState = {
        ...state,
        status: 'running',
        globals: { target: event.target, hosts: event.hosts, lang: event.lang },
        stack: [{ flow: flow.id, node: flow.doc.start, vars: {}, runs: {} }],
      };
      return advance(flows, s, []);
    }
    case 'answer': {
      const role = pendingHost(flows, state, event.id);
      if (role) {
        // The host for the role the waiting command runs on: the command runs now.
        const g = state.globals!;
        const s: SessionState = { ...state, globals: { ...g, hosts: { ...g.hosts, [role]: String(event.value) } }, pending: null, status: 'running', questions: state.questions + 1 };
        return advance(flows, s, []);
      }
      const { frame, node, flow } = expectPending(flows, state, event.id, 'ask');
      if (node.kind !== 'ask') throw new EngineError(`"${event.id}" is not a question`);
      const value = node.input === 'confirm' ? event.value === true || event.value === 'yes' : String(event.value);
      const f: Frame = { ...frame, vars: { ...frame.vars, [frame.node]: value } };
      const s = { ...replaceTop(state, f), pending: null, status: 'running' as const, questions: state.questions + 1 };
      return follow(flows, s, flow, node.next, []);
    }
    case 'result': {
      // A command run beside the node's own (`together`): kept for the node it was run for.
      const ahead = state.pending !== event.id ? state.prefetch?.find((p) => p.id === event.id) : undefined;
      if (ahead && state.status === 'running') return { state: keptAhead(state, ahead, event.result), effects: [] };
      const { frame, node, flow } = expectPending(flows, state, event.id, 'exec');
      if (node.kind !== 'run') throw new EngineError(`"${event.id}" is not a command`);
      return received(flows, state, flow, frame, node, event, null, []);
    }
  }
}

/**
 * A run node's result, come back from its host or (`reused`: the id of the command that got it)
 * taken from the same command run earlier in the session, or run ahead for this node beside
 * another's (`prefetched`): the node's value, run and check are filled the same way, and the
 * walk goes on.
 */
function received(
  flows: FlowSet,
  state: SessionState,
  flow: Flow,
  frame: Frame,
  node: RunNodeT,
  event: Extract<EngineEvent, { kind: 'result' }>,
  reused: string | null,
  before: Effect[],
  prefetched = false,
): Step {
  const ctx = context(flow, state, frame);
  const argv = renderArgv(flow, node.argv, ctx);
  const value = runValue(flow, frame.node, node, event.result);
  const f: Frame = {
    ...frame,
    vars: { ...frame.vars, [frame.node]: value },
    runs: { ...frame.runs, [frame.node]: { role: node.role, argv: argv.ok ? argv.argv : [], result: event.result } },
  };
  const fetched = reused === null && !prefetched;
  const ran = fetched && argv.ok && !event.result.transport ? [...(state.ran ?? []), { id: event.id, role: node.role, host: hostOf(state, node.role), argv: argv.argv, root: node.root === true, result: event.result }] : state.ran;
  // The node's own result ends its exec: a command run beside it whose result did not come back is dropped.
  let s: SessionState = withPrefetch({ ...replaceTop(state, f), pending: null, status: 'running', commands: state.commands + (fetched ? 1 : 0), ...(ran ? { ran } : {}) }, []);
  const lang = langOf(s);
  if (event.result.transport?.code === 'dns' && canAskHost(state, node.role)) {
    // An answered host whose name does not resolve (a typo, not an alias): asked again,
    // with why; the command runs again on the new answer. A host given by flag is not.
    const shown: Effect = { kind: 'show', item: { kind: 'result', command: commandOf(flow, s, frame, node, argv.ok ? argv.argv : []), result: event.result, summary: event.result.transport.message } };
    const retry = { answer: state.globals!.hosts[node.role as AskedRole], error: event.result.transport.message };
    return askHost(flow, withPrefetch({ ...state, pending: null, status: 'running', commands: state.commands + 1 }, []), node.role as AskedRole, [...before, shown], retry);
  }
  // The summary and the check's title are rendered when first read (the progress line,
  // a card, --json): replay and --quiet read none of them. Same state, same text.
  const at = s;
  let summaryText: string | undefined;
  const summary = (): string =>
    (summaryText ??= event.result.transport
      ? event.result.transport.message
      : node.summary
        ? renderText(flow, node.summary, context(flow, at, f), lang)
        : defaultSummary(event.result));
  let titleText: string | undefined;
  const title = (): string => (titleText ??= renderText(flow, node.title, context(flow, at, f), lang));
  const check: CheckRecord = {
    id: qualify(s, frame.node),
    role: node.role,
    get title() {
      return title();
    },
    argv: argv.ok ? argv.argv : [],
    ok: event.result.exit === 0 && !event.result.transport,
    get summary() {
      return summary();
    },
  };
  s = { ...s, checks: [...s.checks, check] };
  const command = commandOf(flow, s, f, node, argv.ok ? argv.argv : []);
  const effects: Effect[] = [
    ...before,
    {
      kind: 'show',
      item: {
        kind: 'result',
        command,
        result: event.result,
        get summary() {
          return summary();
        },
        ...(reused !== null ? { reused } : {}),
        ...(prefetched ? { prefetched: true as const } : {}),
      },
    },
  ];
  if (event.result.transport) {
    if (node.on_unreachable) return go(flows, s, flow, node.on_unreachable, null, ['nodes', frame.node, 'on_unreachable'], effects);
    return finish(s, effects, {
      kind: 'error',
      code: 'unreachable',
      transport: event.result.transport.code,
      message: event.result.transport.message,
      flow: flow.id,
      node: frame.node,
      loc: flow.loc(['nodes', frame.node, 'role']),
    });
  }
  return follow(flows, s, flow, node.next, effects);
}

/** The host a role's commands run on ('' when not known: a role with no host in the session). */
function hostOf(s: SessionState, role: string): string {
  return (s.globals?.hosts as Readonly<Record<string, string>> | undefined)?.[role] ?? '';
}

/**
 * The same command run earlier in the session (any frame), whose result a run node takes instead
 * of running it again: same role, host, argv and root, a result that came back from the host (a
 * transport failure is no answer of the command's), and the node does not ask to `recheck`.
 */
function earlier(s: SessionState, node: RunNodeT, argv: readonly string[], id: string): RanCommand | undefined {
  if (node.recheck === true || !s.ran) return undefined;
  const key = keyOf(s, id, node, argv);
  // A host that could not be reached (connect timeout, refused) when a command ran ahead is what
  // the first node to take it finds too: a second wait would tell nothing new. Any other
  // transport failure (a shell that did not start, a lost connection) is no answer of the
  // command's: the node runs it.
  return s.ran.find((r) => sameCommand(r, key) && (!r.result.transport || (r.prefetched === true && UNREACHED.has(r.result.transport.code))));
}

const UNREACHED: ReadonlySet<string> = new Set(['timeout', 'refused']);

/** What makes two commands the same one: role, host, argv, root. */
function keyOf(s: SessionState, id: string, node: RunNodeT, argv: readonly string[]): Prefetched {
  return { id, role: node.role, host: hostOf(s, node.role), argv, root: node.root === true };
}

function sameCommand(a: Prefetched, b: Prefetched): boolean {
  return a.role === b.role && a.host === b.host && a.root === b.root && a.argv.length === b.argv.length && a.argv.every((x, i) => x === b.argv[i]);
}

/**
 * The commands of a run node's `together` that run beside its own (issue 17), in their declared
 * order, then those their nodes list (a node run ahead starts no exec of its own when reached),
 * at most `MAX_TOGETHER_PER_HOST` on one host: read-only run nodes of this flow or of a flow it calls, whose argv lint allows
 * to use only `target` and literals, so each is the command its node runs when the flow reaches
 * it. Left out: a node whose role has no host yet (a prefetch never asks for one, issue 16), one
 * that says `recheck`, a command the session already ran or already runs here.
 */
function together(flows: FlowSet, s: SessionState, flow: Flow, frame: Frame, node: RunNodeT, own: Prefetched): Array<{ readonly cmd: Command; readonly key: Prefetched }> {
  const out: Array<{ cmd: Command; key: Prefetched }> = [];
  const seen = new Set([`${flow.id}.${frame.node}`]);
  // Breadth first: the listed nodes, then what they list, and so on.
  const todo: Array<{ from: Flow; ref: string }> = (node.together ?? []).map((ref) => ({ from: flow, ref }));
  for (let i = 0; i < todo.length; i++) {
    const { from, ref } = todo[i]!;
    const dot = ref.indexOf('.');
    const f = dot < 0 ? from : flows.flows.get(ref.slice(0, dot));
    const id = dot < 0 ? ref : ref.slice(dot + 1);
    const n = f?.node(id);
    if (!f || n?.kind !== 'run' || seen.has(`${f.id}.${id}`)) continue;
    seen.add(`${f.id}.${id}`);
    for (const r of n.together ?? []) todo.push({ from: f, ref: r });
    if (n.recheck === true || (n.role !== 'local' && hostOf(s, n.role) === '')) continue;
    const fr: Frame = f === flow ? { ...frame, node: id } : { flow: f.id, node: id, vars: {}, runs: {} };
    const qid = f === flow ? qualify(s, id) : `${f.id}.${id}`;
    const argv = renderArgv(f, n.argv, context(f, s, fr));
    if (!argv.ok || earlier(s, n, argv.argv, qid)) continue;
    const key = keyOf(s, qid, n, argv.argv);
    const keys = [own, ...out.map((o) => o.key)];
    if (keys.some((k) => k.id === qid || sameCommand(k, key))) continue;
    if (keys.filter((k) => k.role === key.role && k.host === key.host).length >= MAX_TOGETHER_PER_HOST) continue;
    if (!mayRunAhead(own, key)) continue;
    out.push({ cmd: { ...commandOf(f, s, fr, n, key.argv), id: qid }, key });
  }
  return out;
}

/**
 * Whether a command may run ahead beside `own` (issue 17). Commands of one role run one after
 * another; another role's run at the same time, so what one does must not change what the
 * other sees: a command that sends traffic (curl, nc, ping: read-only.ts `sends`) never runs
 * ahead (another host's logs and sockets would see it, or not, by timing), and one that runs
 * code (`nginx -T` binds the ports it tests, for a moment) not while `own`, on another role,
 * sends: the probe could meet that moment. A program read-only.ts does not know is not run ahead.
 */
function mayRunAhead(own: Prefetched, ahead: Prefetched): boolean {
  const fx = readOnly(ahead.argv);
  if (fx.refused !== null || fx.sends) return false;
  return !fx.runsCode || ahead.role === own.role || !readOnly(own.argv).sends;
}

/** A command run ahead came back: kept in `ran` for its node (of transport failures, only a host not reached: `earlier`). */
function keptAhead(s: SessionState, ahead: Prefetched, result: CommandResult): SessionState {
  const keep = !result.transport || UNREACHED.has(result.transport.code);
  const ran = keep ? [...(s.ran ?? []), { ...ahead, result, prefetched: true as const }] : s.ran;
  return withPrefetch({ ...s, commands: s.commands + 1, ...(ran ? { ran } : {}) }, (s.prefetch ?? []).filter((p) => p !== ahead));
}

/** The state with these commands waited for beside the pending one (none: the field left out, as before issue 17). */
function withPrefetch(s: SessionState, prefetch: readonly Prefetched[]): SessionState {
  const { prefetch: _, ...rest } = s;
  return prefetch.length ? { ...rest, prefetch } : rest;
}

function expectPending(flows: FlowSet, state: SessionState, id: string, what: 'ask' | 'exec') {
  if (state.status !== (what === 'ask' ? 'asking' : 'running') || state.pending !== id) {
    throw new EngineError(`got ${what === 'ask' ? 'an answer' : 'a result'} for "${id}" but the engine waits for ${state.pending ?? 'nothing'}`);
  }
  const frame = top(state);
  const flow = flows.flows.get(frame.flow)!;
  const node = flow.node(frame.node)!;
  return { frame, node, flow };
}

/** Walk from the current node until something from outside is needed, or the end. */
function advance(flows: FlowSet, state: SessionState, effects: Effect[]): Step {
  let s = state;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const frame = top(s);
    const flow = flows.flows.get(frame.flow)!;
    const node = flow.node(frame.node)!;
    const lang = langOf(s);
    const ctx = context(flow, s, frame);
    switch (node.kind) {
      case 'ask': {
        const q: Question = {
          id: qualify(s, frame.node),
          flow: flow.id,
          node: frame.node,
          input: node.input,
          text: renderText(flow, node.text, ctx, lang),
          ...(node.help ? { help: renderText(flow, node.help, ctx, lang) } : {}),
          ...(node.choices ? { choices: node.choices.map((c) => ({ value: c.value, label: renderText(flow, c.label, ctx, lang) })) } : {}),
          ...(node.pattern !== undefined ? { pattern: node.pattern } : {}),
          ...(node.default !== undefined ? { default: node.default } : {}),
        };
        effects.push({ kind: 'ask', question: q });
        return { state: { ...s, status: 'asking', pending: q.id }, effects };
      }
      case 'run': {
        if (isAskedRole(node.role) && s.globals?.hosts[node.role] === '') return askHost(flow, s, node.role, effects);
        const argv = renderArgv(flow, node.argv, ctx);
        if (!argv.ok) return finish(s, effects, { kind: 'error', code: 'expression', message: argv.message, flow: flow.id, node: frame.node, loc: flow.loc(['nodes', frame.node, 'argv']) });
        const cmd = commandOf(flow, s, frame, node, argv.argv);
        const had = earlier(s, node, argv.argv, cmd.id);
        // A result the session already has is not fetched again (issue 17): derived from the
        // earlier result alone, so a replay walks the same way without anything recorded for it.
        // One run ahead for this very node (`together`) is shown as its own run.
        if (had) {
          // Run ahead and not taken yet: this node's own run from now on (a later node reuses it
          // from here); a transport failure is taken once, then the command runs again.
          const mine = had.prefetched === true;
          if (mine) s = { ...s, ran: (s.ran ?? []).flatMap((r) => (r !== had ? [r] : had.result.transport ? [] : [{ ...keyOf(s, cmd.id, node, had.argv), result: had.result }])) };
          return received(flows, { ...s, status: 'running', pending: cmd.id }, flow, frame, node, { kind: 'result', id: cmd.id, result: had.result }, mine ? null : had.id, effects, mine);
        }
        const ahead = together(flows, s, flow, frame, node, keyOf(s, cmd.id, node, argv.argv));
        effects.push({ kind: 'exec', commands: [cmd, ...ahead.map((a) => a.cmd)] });
        return { state: withPrefetch({ ...s, status: 'running', pending: cmd.id }, ahead.map((a) => a.key)), effects };
      }
      case 'branch': {
        const r = choose(flow, frame.node, node.next, ctx);
        if ('error' in r) return finish(s, effects, r.error);
        effects.push(decision(flow, frame.node, r));
        s = replaceTop(s, { ...frame, node: r.goto });
        continue;
      }
      case 'call': {
        const callee = flows.flows.get(node.flow)!;
        // Flows hand over to the flow for the symptom they find (not-found → refused → timeout…):
        // a symptom that changes back would call a running flow again, and again. Bounded here.
        if (s.stack.some((f) => f.flow === callee.id)) {
          const path = [...s.stack.map((f) => f.flow), callee.id].join(' → ');
          return finish(s, effects, { kind: 'error', code: 'loop', message: `the symptom changed back while tshoot looked (${path}): run it again while it fails the same way`, flow: flow.id, node: frame.node, loc: flow.loc(['nodes', frame.node, 'flow']) });
        }
        s = { ...s, stack: [...s.stack, { flow: callee.id, node: callee.doc.start, vars: {}, runs: {} }] };
        continue;
      }
      case 'fix': {
        // The would-fix check: a fix whose condition does not hold is not concluded.
        if (node.requires) {
          const r = evaluate(flow.env, node.requires.when, ctx);
          if (!r.ok) return finish(s, effects, { kind: 'error', code: 'expression', message: `condition \`${node.requires.when}\` failed: ${r.message}`, flow: flow.id, node: frame.node, loc: flow.loc(['nodes', frame.node, 'requires', 'when']) });
          if (r.value !== true) {
            effects.push({ kind: 'show', item: { kind: 'decision', flow: flow.id, node: frame.node, when: `!(${node.requires.when})`, goto: node.requires.otherwise, loc: flow.loc(['nodes', frame.node, 'requires', 'otherwise']) } });
            s = replaceTop(s, { ...frame, node: node.requires.otherwise });
            continue;
          }
        }
        let apply: ApplyPlan | undefined;
        if (node.apply) {
          const plan = applyPlan(flow, s, frame, node.apply, ctx, lang);
          if ('error' in plan) return finish(s, effects, { kind: 'error', code: 'expression', message: plan.error, flow: flow.id, node: frame.node, loc: flow.loc(['nodes', frame.node, 'apply']) });
          // No step applies here (say, the service is not nginx): nothing to offer.
          if (plan.steps.length > 0) apply = plan;
        }
        const fix = {
          id: node.id,
          title: renderText(flow, node.title, ctx, lang),
          cause: renderText(flow, node.cause, ctx, lang),
          evidence: evidenceOf(flow, frame, node.evidence ?? [], ctx),
          fix: node.fix.map((t) => renderText(flow, t, ctx, lang)),
          ...(node.config ? { config: renderText(flow, node.config, ctx, lang) } : {}),
          verify: node.verify.map((t) => renderText(flow, t, ctx, lang)),
          ...(apply ? { apply } : {}),
        };
        return finish(s, effects, { kind: 'fix', flow: flow.id, node: frame.node, fix });
      }
      case 'end': {
        const end = {
          title: renderText(flow, node.title, ctx, lang),
          checked: (node.checked ?? []).map((t) => renderText(flow, t, ctx, lang)),
          nextSteps: node.next_steps.map((t) => renderText(flow, t, ctx, lang)),
        };
        const caller = s.stack[s.stack.length - 2];
        const callNode = caller ? flows.flows.get(caller.flow)!.node(caller.node) : undefined;
        if (caller && callNode?.kind === 'call' && callNode.next !== undefined) {
          // The called flow could not decide: the caller goes on where it said to.
          s = { ...s, stack: s.stack.slice(0, -1) };
          const callerFlow = flows.flows.get(caller.flow)!;
          const r = choose(callerFlow, caller.node, callNode.next, context(callerFlow, s, caller));
          if ('error' in r) return finish(s, effects, r.error);
          effects.push(decision(callerFlow, caller.node, r));
          s = replaceTop(s, { ...caller, node: r.goto });
          continue;
        }
        return finish(s, effects, { kind: 'unresolved', flow: flow.id, node: frame.node, end });
      }
    }
  }
  const frame = top(s);
  const flow = flows.flows.get(frame.flow)!;
  return finish(s, effects, { kind: 'error', code: 'loop', message: `more than ${MAX_HOPS} steps without asking or running anything`, flow: flow.id, node: frame.node, loc: flow.loc(['nodes', frame.node]) });
}

/** The role whose host the engine waits for, when `id` answers that question. */
function pendingHost(flows: FlowSet, state: SessionState, id: string): AskedRole | null {
  if (state.status !== 'asking' || state.pending !== id || state.stack.length === 0) return null;
  const frame = top(state);
  const node = flows.flows.get(frame.flow)?.node(frame.node);
  return node?.kind === 'run' && isAskedRole(node.role) && id === `host.${node.role}` ? node.role : null;
}

/** A role's host may be asked (again) when it was asked before, fewer than `MAX_HOST_ASKS` times. */
function canAskHost(state: SessionState, role: string): boolean {
  const n = isAskedRole(role) ? state.hostAsks?.[role] : undefined;
  return n !== undefined && n < MAX_HOST_ASKS;
}

function askHost(flow: Flow, s: SessionState, role: AskedRole, effects: Effect[], retry?: Question['retry']): Step {
  const q = hostQuestion(flow.id, role, s.globals!.target, langOf(s), retry);
  effects.push({ kind: 'ask', question: q });
  const hostAsks = { ...s.hostAsks, [role]: (s.hostAsks?.[role] ?? 0) + 1 };
  return { state: { ...s, status: 'asking', pending: q.id, hostAsks }, effects };
}

function follow(flows: FlowSet, s: SessionState, flow: Flow, next: NextT | undefined, effects: Effect[]): Step {
  const frame = top(s);
  const r = choose(flow, frame.node, next ?? [], context(flow, s, frame));
  if ('error' in r) return finish(s, effects, r.error);
  effects.push(decision(flow, frame.node, r));
  return advance(flows, replaceTop(s, { ...frame, node: r.goto }), effects);
}

function go(flows: FlowSet, s: SessionState, flow: Flow, to: string, when: string | null, path: Array<string | number>, effects: Effect[]): Step {
  const frame = top(s);
  effects.push({ kind: 'show', item: { kind: 'decision', flow: flow.id, node: frame.node, when, goto: to, loc: flow.loc(path) } });
  return advance(flows, replaceTop(s, { ...frame, node: to }), effects);
}

type Choice = { goto: string; when: string | null; path: Array<string | number> } | { error: Outcome };

function choose(flow: Flow, nodeId: string, next: NextT, ctx: Record<string, unknown>): Choice {
  if (typeof next === 'string') return { goto: next, when: null, path: ['nodes', nodeId, 'next'] };
  for (let i = 0; i < next.length; i++) {
    const b = next[i]!;
    if (b.when === undefined) return { goto: b.goto, when: null, path: ['nodes', nodeId, 'next', i] };
    const r = evaluate(flow.env, b.when, ctx);
    if (!r.ok) {
      return { error: { kind: 'error', code: 'expression', message: `condition \`${b.when}\` failed: ${r.message}`, flow: flow.id, node: nodeId, loc: flow.loc(['nodes', nodeId, 'next', i, 'when']) } };
    }
    if (r.value === true) return { goto: b.goto, when: b.when, path: ['nodes', nodeId, 'next', i] };
  }
  // Unreachable for a linted flow (a list must end in a default).
  return { error: { kind: 'error', code: 'expression', message: 'no branch matched and there is no default', flow: flow.id, node: nodeId, loc: flow.loc(['nodes', nodeId, 'next']) } };
}

function decision(flow: Flow, node: string, c: Extract<Choice, { goto: string }>): Effect {
  return { kind: 'show', item: { kind: 'decision', flow: flow.id, node, when: c.when, goto: c.goto, loc: flow.loc(c.path) } };
}

function finish(s: SessionState, effects: Effect[], outcome: Outcome): Step {
  effects.push({ kind: 'show', item: { kind: 'outcome', outcome, checks: s.checks } });
  return { state: { ...s, status: 'done', pending: null, outcome }, effects };
}

function commandOf(flow: Flow, s: SessionState, frame: Frame, node: RunNodeT, argv: readonly string[]): Command {
  return {
    id: qualify(s, frame.node),
    flow: flow.id,
    node: frame.node,
    role: node.role,
    argv,
    timeoutMs: Math.round((node.timeout ?? DEFAULT_TIMEOUT_S) * 1000),
    root: node.root === true,
    title: renderText(flow, node.title, context(flow, s, frame), langOf(s)),
  };
}

/** Node ids of the top-level flow stay plain; those of called flows are `flow.node`. */
function qualify(s: SessionState, node: string): string {
  return s.stack.length > 1 ? `${top(s).flow}.${node}` : node;
}

function top(s: SessionState): Frame {
  const f = s.stack[s.stack.length - 1];
  if (!f) throw new EngineError('the session has not started');
  return f;
}

function replaceTop(s: SessionState, f: Frame): SessionState {
  return { ...s, stack: [...s.stack.slice(0, -1), f] };
}

function langOf(s: SessionState): Lang {
  return s.globals?.lang ?? 'en';
}

const zeroCache = new WeakMap<Flow, Record<string, unknown>>();

/**
 * The last context built for a frame's variables: a step renders titles, argv, summaries and
 * conditions from the same variables, and the `let`s need evaluating only once for them.
 * Frames and their `vars` are never changed in place (a new value is a new object), so the
 * same `vars`, flow and globals give the same context. Contexts are only read.
 */
const contextCache = new WeakMap<object, { readonly flow: Flow; readonly globals: SessionState['globals']; readonly ctx: Record<string, unknown> }>();

/** The variables a condition sees: globals, then each node's value (its zero value if it has not run). */
function context(flow: Flow, s: SessionState, frame: Frame): Record<string, unknown> {
  const hit = contextCache.get(frame.vars);
  if (hit && hit.flow === flow && hit.globals === s.globals) return hit.ctx;
  const ctx = buildContext(flow, s, frame);
  contextCache.set(frame.vars, { flow, globals: s.globals, ctx });
  return ctx;
}

function buildContext(flow: Flow, s: SessionState, frame: Frame): Record<string, unknown> {
  // Every variable's zero value, shared by the flow's contexts as their prototype (cel-js reads
  // a variable as `ctx[name]`): a context holds only what has run, not one entry per node. Not
  // frozen: a frozen prototype's properties could not be shadowed by assignment. Never written.
  let zeros = zeroCache.get(flow);
  if (!zeros) {
    zeros = Object.create(null) as Record<string, unknown>;
    for (const [k, t] of Object.entries(flow.types)) zeros[k] = zeroValue(t);
    zeroCache.set(flow, zeros);
  }
  const g = s.globals;
  const ctx: Record<string, unknown> = Object.assign(Object.create(zeros) as Record<string, unknown>, frame.vars);
  if (g) {
    ctx.target = toCel(g.target, flow.types.target!);
    ctx.hosts = toCel({ ...g.hosts, server_is_client: g.hosts.server === g.hosts.client }, flow.types.hosts!);
    ctx.lang = g.lang;
  }
  // Each `let` is evaluated when an expression first reads it (most read none or a few), then
  // kept. One that fails at run time (say, an index out of range) reads as unset: conditions
  // that use it then fail with their own located error.
  for (const [name, expr] of flow.lets) {
    let busy = false;
    Object.defineProperty(ctx, name, {
      configurable: true,
      enumerable: true,
      get() {
        if (busy) return undefined;
        busy = true;
        const r = evaluate(flow.env, expr, ctx);
        const value = r.ok ? r.value : undefined;
        Object.defineProperty(ctx, name, { value, configurable: true, enumerable: true, writable: false });
        return value;
      },
    });
  }
  return ctx;
}

/** stdout then stderr, as a run node's `output`, `from: both` and default evidence read them. */
function combinedOutput(r: CommandResult): string {
  return r.stderr ? (r.stdout ? `${r.stdout}\n${r.stderr}` : r.stderr) : r.stdout;
}

function runValue(flow: Flow, id: string, node: RunNodeT, r: CommandResult): unknown {
  const t = flow.types[id] as Extract<ValueType, { struct: string }>;
  const base: Record<string, unknown> = {
    ran: true,
    ok: r.exit === 0 && !r.transport,
    exit: r.exit ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    output: combinedOutput(r),
    error: r.transport?.code ?? '',
    timed_out: r.timedOut,
    truncated: r.truncated.stdout || r.truncated.stderr,
    duration_ms: r.durationMs,
  };
  if (!r.transport) {
    for (const [name, ex] of Object.entries(node.extract ?? {})) {
      const text = ex.from === 'stderr' ? r.stderr : ex.from === 'both' ? combinedOutput(r) : r.stdout;
      if ('parser' in ex) {
        base[name] = PARSERS.get(ex.parser)?.parse(text);
      } else {
        const m = new RegExp(ex.regex, 'm').exec(regexText(text));
        base[name] = { matched: m !== null, ...(m?.groups ?? {}) };
      }
    }
  }
  return toCel(base, t);
}

/**
 * What a flow's `extract` regex sees of a command's output: the first 1 MB, each line cut at
 * 4096 characters. Lint refuses the exponential shapes (flow/regex-safety.ts), but a plain
 * `.*x` is still quadratic in a line's length: on a 10 MB line with no `x` it would take
 * minutes; on lines of at most 4096 characters it is linear in the text, with a bounded factor.
 */
export const REGEX_TEXT_MAX = 1024 * 1024;
export const REGEX_LINE_MAX = 4096;

export function regexText(text: string): string {
  const head = text.length > REGEX_TEXT_MAX ? text.slice(0, REGEX_TEXT_MAX) : text;
  if (head.length <= REGEX_LINE_MAX) return head;
  let out = '';
  let from = 0;
  let changed = false;
  while (from <= head.length) {
    let nl = head.indexOf('\n', from);
    if (nl < 0) nl = head.length;
    if (nl - from > REGEX_LINE_MAX) {
      out += head.slice(from, from + REGEX_LINE_MAX);
      changed = true;
    } else out += head.slice(from, nl);
    if (nl < head.length) out += '\n';
    from = nl + 1;
  }
  return changed ? out : head;
}

type Rendered = { ok: true; argv: string[] } | { ok: false; message: string };

function renderArgv(flow: Flow, templates: readonly string[], ctx: Record<string, unknown>): Rendered {
  const argv: string[] = [];
  for (const a of templates) {
    const r = render(flow, a, ctx);
    if (!r.ok) return r;
    // Issue 12: a templated word is data, never an option (`-i`, `--output=…`), whatever a host
    // printed or an answer said; lint keeps them after `--` (flow/read-only.ts), this covers the rest.
    if (r.text.startsWith('-') && a.includes('{{')) return { ok: false, message: `${shownWord(a)} gave ${shownWord(r.text)}, which starts with "-": a templated word is never an option, so the command was not run` };
    argv.push(r.text);
  }
  return { ok: true, argv };
}

/** A host's value in a message: quoted, cut, every character outside printable ASCII escaped. */
const shownWord = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function renderText(flow: Flow, text: TextT, ctx: Record<string, unknown>, lang: Lang): string {
  const r = render(flow, pickText(text, lang), ctx);
  return r.ok ? r.text : `‹${r.message}›`;
}

function render(flow: Flow, source: string, ctx: Record<string, unknown>): { ok: true; text: string } | { ok: false; message: string } {
  let out = '';
  for (const part of parseTemplate(source).parts) {
    if ('lit' in part) {
      out += part.lit;
      continue;
    }
    const r = evaluate(flow.env, part.expr, ctx);
    if (!r.ok) return { ok: false, message: `{{ ${part.expr} }}: ${r.message}` };
    out += show(r.value);
  }
  return { ok: true, text: out };
}

function applyPlan(
  flow: Flow,
  s: SessionState,
  frame: Frame,
  apply: NonNullable<FixNodeT['apply']>,
  ctx: Record<string, unknown>,
  lang: Lang,
): ApplyPlan | { error: string } {
  const render1 = (steps: readonly ApplyStepT[]): ApplyStep[] | { error: string } => {
    const out: ApplyStep[] = [];
    for (const st of steps) {
      if (st.when !== undefined) {
        const w = evaluate(flow.env, st.when, ctx);
        if (!w.ok) return { error: `apply step \`${st.when}\`: ${w.message}` };
        if (w.value !== true) continue;
      }
      const argv = renderArgv(flow, st.argv, ctx);
      if (!argv.ok) return { error: argv.message };
      const backup = st.backup !== undefined ? render(flow, st.backup, ctx) : undefined;
      if (backup && !backup.ok) return { error: backup.message };
      out.push({
        title: renderText(flow, st.title, ctx, lang),
        role: st.role,
        argv: argv.argv,
        root: st.root === true,
        timeoutMs: Math.round((st.timeout ?? DEFAULT_TIMEOUT_S) * 1000),
        ...(backup?.ok && backup.text ? { backup: backup.text } : {}),
      });
    }
    return out;
  };
  const steps = render1(apply.steps);
  if ('error' in steps) return steps;
  const rollback = render1(apply.rollback ?? []);
  if ('error' in rollback) return rollback;
  const ids = typeof apply.check === 'string' ? [apply.check] : apply.check;
  const checkId = ids.find((c) => frame.runs[c]) ?? ids[0]!;
  const checkNode = flow.node(checkId);
  if (checkNode?.kind !== 'run') return { error: `apply.check "${checkId}" is not a run node` };
  const argv = renderArgv(flow, checkNode.argv, ctx);
  if (!argv.ok) return { error: argv.message };
  const check = { ...commandOf(flow, s, { ...frame, node: checkId }, checkNode, argv.argv), id: `${qualify(s, frame.node)}.check` };
  return { steps, check, rollback };
}

function evidenceOf(flow: Flow, frame: Frame, list: ReadonlyArray<{ from: string; lines?: string }>, ctx: Record<string, unknown>): Evidence[] {
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

function defaultSummary(r: CommandResult): string {
  if (r.timedOut) return `timed out after ${Math.round(r.durationMs / 100) / 10}s`;
  const first = splitLines(r.exit === 0 ? r.stdout : r.stderr || r.stdout).find((l) => l.trim());
  return `exit ${r.exit ?? '?'}${first ? `: ${first.trim().slice(0, 100)}` : ''}`;
}

export type { FlowNodeT, Answer };
