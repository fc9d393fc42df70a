/**
 * What an expression sees at a node: the globals (`target`, `hosts`, `lang`), each node's value
 * (its zero value until it has run), and the flow's `let`s, each evaluated when first read.
 */
import type { Flow } from '../flow/compile.js';
import { evaluate, toCel, zeroValue } from '../flow/expr.js';
import type { Frame, SessionState } from './types.js';
import { celValue } from './values.js';

const zeroCache = new WeakMap<Flow, Record<string, unknown>>();

/**
 * The last context built for a frame's variables: a step renders titles, argv, summaries and
 * conditions from the same variables, and the `let`s need evaluating only once for them.
 * Frames and their `vars` are never changed in place (a new value is a new object), so the
 * same `vars`, flow and globals give the same context. Contexts are only read.
 */
const contextCache = new WeakMap<object, { readonly flow: Flow; readonly globals: SessionState['globals']; readonly ctx: Record<string, unknown> }>();

/** The variables a condition sees: globals, then each node's value (its zero value if it has not run). */
export function context(flow: Flow, s: Pick<SessionState, 'globals'>, frame: Frame): Record<string, unknown> {
  const hit = contextCache.get(frame.vars);
  if (hit && hit.flow === flow && hit.globals === s.globals) return hit.ctx;
  const ctx = buildContext(flow, s, frame);
  contextCache.set(frame.vars, { flow, globals: s.globals, ctx });
  return ctx;
}

function buildContext(flow: Flow, s: Pick<SessionState, 'globals'>, frame: Frame): Record<string, unknown> {
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
  const ctx = Object.create(zeros) as Record<string, unknown>;
  for (const [k, v] of Object.entries(frame.vars)) ctx[k] = celValue(v, flow.types[k]);
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
