/**
 * What an expression sees at a node: the globals (`target`, `hosts`, `lang`), each node's value
 * (its zero value until it has run), and the flow's `let`s, each evaluated when first read.
 */
import type { Flow } from '../flow/compile.js';
import { evaluate, zeroValue } from '../flow/expr.js';
import type { Frame, Globals, SessionState } from './types.js';
import { celValue } from './values.js';

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
  const g = s.globals;
  const ctx = Object.create(baseOf(flow)) as Record<string, unknown>;
  const vars = frame.vars;
  // A step's context copies every variable so far: a loop that allocates nothing of its own.
  for (const k in vars) ctx[k] = celValue(vars[k], flow.types[k]);
  if (g) {
    ctx.target = celValue(g.target, flow.types.target!);
    ctx.hosts = celValue(hostsOf(g.hosts), flow.types.hosts!);
    ctx.lang = g.lang;
  }
  return ctx;
}

/**
 * What every context of a flow inherits (cel-js reads a variable as `ctx[name]`): each node's
 * zero value, so that a context holds only what has run, and each `let` as a getter. Made once
 * a flow. Not frozen: a frozen prototype's properties could not be shadowed by assignment.
 *
 * A `let` is evaluated when an expression first reads it in a context (most read none or a
 * few), then kept on that context. One that fails at run time (say, an index out of range)
 * reads as unset: conditions that use it then fail with their own located error. One read
 * again while it is being evaluated (through another let) reads as unset too.
 */
const bases = new WeakMap<Flow, object>();
const evaluating: Array<{ readonly ctx: object; readonly name: string }> = [];
function baseOf(flow: Flow): object {
  let base = bases.get(flow);
  if (base) return base;
  const zeros = Object.create(null) as Record<string, unknown>;
  for (const [k, t] of Object.entries(flow.types)) zeros[k] = zeroValue(t);
  base = Object.create(zeros) as object;
  const memo = letMemo(flow);
  for (const [name, expr] of flow.lets) {
    const m = memo.get(name)!;
    Object.defineProperty(base, name, {
      configurable: true,
      enumerable: true,
      get(this: Record<string, unknown>) {
        if (evaluating.some((e) => e.ctx === this && e.name === name)) return undefined;
        const inputs = m.inputs?.map((k) => this[k]);
        let value: unknown;
        if (inputs && m.last?.inputs.every((v, i) => v === inputs[i])) value = m.last.value;
        else {
          evaluating.push({ ctx: this, name });
          try {
            const r = evaluate(flow.env, expr, this);
            value = r.ok ? r.value : undefined;
          } finally {
            evaluating.pop();
          }
          if (inputs) m.last = { inputs, value };
        }
        Object.defineProperty(this, name, { value, configurable: true, enumerable: true, writable: false });
        return value;
      },
    });
  }
  bases.set(flow, base);
  return base;
}

/** `hosts` as CEL reads it: one object per hosts value (so a `let` reading it sees the same input). */
function hostsOf(h: Globals['hosts']): object {
  let v = hostsCel.get(h);
  if (!v) hostsCel.set(h, (v = { ...h, server_is_client: h.server === h.client }));
  return v;
}
const hostsCel = new WeakMap<object, object>();

/**
 * A `let` is a pure function of the node values and globals it reads, directly or through other
 * `let`s (CEL has no side effects, and the models it calls are pure). Each step builds a new
 * context (a node ran: new variables), and most `let`s read nothing that changed: the last value
 * of each is kept with the inputs it was computed from, and given again while those inputs are
 * the same values (node values are converted to CEL once per value: `celValue`). A let parsing
 * a configuration and asking the nginx model is then evaluated once a session, not once a step.
 * The inputs are found in the expression's text (every identifier not after a `.`, that names a
 * node, a global or a let): a string or a macro variable that happens to spell a name only adds
 * an input, never drops one.
 */
interface LetMemo {
  /** null: not kept (a let that reads itself through others: cel-js evaluates it as unset). */
  readonly inputs: readonly string[] | null;
  last?: { readonly inputs: readonly unknown[]; readonly value: unknown };
}
const memos = new WeakMap<Flow, Map<string, LetMemo>>();
function letMemo(flow: Flow): Map<string, LetMemo> {
  let m = memos.get(flow);
  if (m) return m;
  const lets = new Map(flow.lets.map(([name, expr]) => [name, expr] as const));
  const found = new Map<string, Set<string> | null>();
  const open = new Set<string>();
  const inputs = (name: string): Set<string> | null => {
    if (found.has(name)) return found.get(name)!;
    if (open.has(name)) return null;
    open.add(name);
    let out: Set<string> | null = new Set<string>();
    for (const w of new Set(lets.get(name)!.match(/(?<![.\w])[A-Za-z_]\w*/g))) {
      if (w in flow.types) out?.add(w);
      else if (lets.has(w)) {
        const theirs = inputs(w);
        if (theirs === null) out = null;
        else for (const x of theirs) out?.add(x);
      }
    }
    open.delete(name);
    found.set(name, out);
    return out;
  };
  m = new Map([...lets.keys()].map((name) => {
    const i = inputs(name);
    return [name, { inputs: i && [...i] }];
  }));
  memos.set(flow, m);
  return m;
}
