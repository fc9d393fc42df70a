/**
 * The engine: `step(flows, state, event) → { state, effects }`. Pure: it performs nothing,
 * reads no clock, and imports nothing from the terminal or the executors. It walks nodes
 * until it needs something from outside (an answer, a command's result) or reaches an
 * outcome, and says so as effects. Live use, replay and tests drive this same function.
 */
import type { Flow, FlowSet } from '../flow/compile.js';
import { evaluate } from '../flow/expr.js';
import type { FlowNodeT, NextT, RunNodeT } from '../flow/schema.js';
import type { Result } from '../result.js';
import { earlier, keptAhead, keyOf, together, withPrefetch } from './ahead.js';
import { context } from './context.js';
import { hostQuestion, isAskedRole, MAX_HOST_ASKS } from './host-question.js';
import { applyPlan, commandOf, defaultSummary, evidenceOf, renderArgv, renderText } from './render.js';
import { EngineError, hostOf, langOf, qualify, replaceTop, top } from './state.js';
import type { Answer, AskedRole, ApplyPlan, CheckRecord, Effect, EngineEvent, Frame, Outcome, Question, SessionState, Step, Summary } from './types.js';
import { runValue } from './values.js';

export { EngineError } from './state.js';
export { MAX_TOGETHER_PER_HOST } from './ahead.js';
export { REGEX_LINE_MAX, REGEX_TEXT_MAX, regexText } from './values.js';

/** Transitions through branch, call and end nodes before giving up on a loop. */
const MAX_HOPS = 1_000;
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
  const value = runValue(node, event.result);
  const f: Frame = {
    ...frame,
    vars: { ...frame.vars, [frame.node]: value },
    runs: { ...frame.runs, [frame.node]: { role: node.role, argv: argv.ok ? argv.value : [], result: event.result } },
  };
  const fetched = reused === null && !prefetched;
  const ran = fetched && argv.ok && !event.result.transport ? [...(state.ran ?? []), { id: event.id, role: node.role, host: hostOf(state, node.role), argv: argv.value, root: node.root === true, result: event.result }] : state.ran;
  // The node's own result ends its exec: a command run beside it whose result did not come back is dropped.
  let s: SessionState = withPrefetch({ ...replaceTop(state, f), pending: null, status: 'running', commands: state.commands + (fetched ? 1 : 0), ...(ran ? { ran } : {}) }, []);
  if (event.result.transport?.code === 'dns' && canAskHost(state, node.role)) {
    // An answered host whose name does not resolve (a typo, not an alias): asked again,
    // with why; the command runs again on the new answer. A host given by flag is not.
    const shown: Effect = { kind: 'show', item: { kind: 'result', command: commandOf(flow, s, frame, node, argv.ok ? argv.value : []), result: event.result, summary: event.result.transport.message } };
    const retry = { answer: state.globals!.hosts[node.role as AskedRole], error: event.result.transport.message };
    return askHost(flow, withPrefetch({ ...state, pending: null, status: 'running', commands: state.commands + 1 }, []), node.role as AskedRole, [...before, shown], retry);
  }
  // Plain data (issue 18): a template's summary is where to render it from, rendered when a
  // port reads it (`render.ts` `shown`): replay --check and --quiet read none.
  const summary: Summary = event.result.transport
    ? event.result.transport.message
    : node.summary && s.globals
      ? { flow: flow.id, node: frame.node, frame: f, globals: s.globals }
      : defaultSummary(event.result);
  const command = commandOf(flow, s, f, node, argv.ok ? argv.value : []);
  const check: CheckRecord = { id: command.id, role: node.role, title: command.title, argv: command.argv, ok: event.result.exit === 0 && !event.result.transport, summary };
  s = { ...s, checks: [...s.checks, check] };
  const item = { kind: 'result' as const, command, result: event.result, summary, ...(reused !== null ? { reused } : {}), ...(prefetched ? { prefetched: true as const } : {}) };
  const effects: Effect[] = [...before, { kind: 'show', item }];
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
        if (!argv.ok) return finish(s, effects, failed(flow, frame.node, argv, ['nodes', frame.node, 'argv']));
        const cmd = commandOf(flow, s, frame, node, argv.value);
        const had = earlier(s, node, argv.value, cmd.id);
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
        const ahead = together(flows, s, flow, frame, node, keyOf(s, cmd.id, node, argv.value));
        effects.push({ kind: 'exec', commands: [cmd, ...ahead.map((a) => a.cmd)] });
        return { state: withPrefetch({ ...s, status: 'running', pending: cmd.id }, ahead.map((a) => a.key)), effects };
      }
      case 'branch': {
        const r = choose(flow, frame.node, node.next, ctx);
        if (!r.ok) return finish(s, effects, failed(flow, frame.node, r));
        effects.push(decision(flow, frame.node, r.value));
        s = replaceTop(s, { ...frame, node: r.value.goto });
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
          if (!r.ok) return finish(s, effects, failed(flow, frame.node, { ...r, message: `condition \`${node.requires.when}\` failed: ${r.message}` }, ['nodes', frame.node, 'requires', 'when']));
          if (r.value !== true) {
            effects.push({ kind: 'show', item: { kind: 'decision', flow: flow.id, node: frame.node, when: `!(${node.requires.when})`, goto: node.requires.otherwise, loc: flow.loc(['nodes', frame.node, 'requires', 'otherwise']) } });
            s = replaceTop(s, { ...frame, node: node.requires.otherwise });
            continue;
          }
        }
        let apply: ApplyPlan | undefined;
        if (node.apply) {
          const plan = applyPlan(flow, s, frame, node.apply, ctx, lang);
          if (!plan.ok) return finish(s, effects, failed(flow, frame.node, plan));
          // No step applies here (say, the service is not nginx): nothing to offer.
          if (plan.value.steps.length > 0) apply = plan.value;
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
          if (!r.ok) return finish(s, effects, failed(callerFlow, caller.node, r));
          effects.push(decision(callerFlow, caller.node, r.value));
          s = replaceTop(s, { ...caller, node: r.value.goto });
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
  if (!r.ok) return finish(s, effects, failed(flow, frame.node, r));
  effects.push(decision(flow, frame.node, r.value));
  return advance(flows, replaceTop(s, { ...frame, node: r.value.goto }), effects);
}

function go(flows: FlowSet, s: SessionState, flow: Flow, to: string, when: string | null, path: Array<string | number>, effects: Effect[]): Step {
  const frame = top(s);
  effects.push({ kind: 'show', item: { kind: 'decision', flow: flow.id, node: frame.node, when, goto: to, loc: flow.loc(path) } });
  return advance(flows, replaceTop(s, { ...frame, node: to }), effects);
}

interface Choice {
  readonly goto: string;
  readonly when: string | null;
  readonly path: Array<string | number>;
}

function choose(flow: Flow, nodeId: string, next: NextT, ctx: Record<string, unknown>): Result<Choice> {
  if (typeof next === 'string') return { ok: true, value: { goto: next, when: null, path: ['nodes', nodeId, 'next'] } };
  for (let i = 0; i < next.length; i++) {
    const b = next[i]!;
    if (b.when === undefined) return { ok: true, value: { goto: b.goto, when: null, path: ['nodes', nodeId, 'next', i] } };
    const r = evaluate(flow.env, b.when, ctx);
    if (!r.ok) return { ok: false, message: `condition \`${b.when}\` failed: ${r.message}`, at: ['nodes', nodeId, 'next', i, 'when'] };
    if (r.value === true) return { ok: true, value: { goto: b.goto, when: b.when, path: ['nodes', nodeId, 'next', i] } };
  }
  // Unreachable for a linted flow (a list must end in a default).
  return { ok: false, message: 'no branch matched and there is no default', at: ['nodes', nodeId, 'next'] };
}

/** A failed expression or template as the session's error, at its place in the flow (`at`, else `path`). */
function failed(flow: Flow, node: string, r: Extract<Result<unknown>, { ok: false }>, path: ReadonlyArray<string | number> = ['nodes', node]): Outcome {
  return { kind: 'error', code: 'expression', message: r.message, flow: flow.id, node, loc: flow.loc([...(r.at ?? path)]) };
}

function decision(flow: Flow, node: string, c: Choice): Effect {
  return { kind: 'show', item: { kind: 'decision', flow: flow.id, node, when: c.when, goto: c.goto, loc: flow.loc(c.path) } };
}

function finish(s: SessionState, effects: Effect[], outcome: Outcome): Step {
  effects.push({ kind: 'show', item: { kind: 'outcome', outcome, checks: s.checks } });
  return { state: { ...s, status: 'done', pending: null, outcome }, effects };
}

export type { FlowNodeT, Answer };
