/**
 * Conditions and `{{ }}` interpolations are CEL (Common Expression Language): no access to
 * the JS runtime, bounded by parse limits, and type-checked against the variables a flow
 * declares, so that `listeners.exit + "x"` or a condition that is not a bool is reported
 * by `flows lint` rather than found during an outage.
 */
import type { Result } from '../result.js';
import { Environment } from '@marcbachmann/cel-js';
import type { StructType, ValueType } from '../parsers/types.js';
import { splitLines } from '../parsers/text.js';
import { registerModels } from '../models/cel.js';

export { GLOBALS } from './globals.js';

export type { StructType, ValueType };

const LIMITS = { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 16 };

export function typeName(t: ValueType): string {
  if (typeof t === 'string') return t;
  if ('list' in t) return `list<${typeName(t.list)}>`;
  return t.struct;
}

/** Builds a CEL environment with the given variables (and every struct type they use), and the models `uses` names (all by default). */
export function buildEnvironment(vars: Readonly<Record<string, ValueType>>, uses?: (name: string) => boolean): Environment {
  const env = new Environment({ limits: LIMITS, homogeneousAggregateLiterals: true });
  const seen = new Map<string, StructType>();
  const register = (t: ValueType): void => {
    if (typeof t === 'string') return;
    if ('list' in t) return register(t.list);
    if (seen.has(t.struct)) return;
    seen.set(t.struct, t);
    for (const f of Object.values(t.fields)) register(f);
    const fields: Record<string, string> = {};
    for (const [k, f] of Object.entries(t.fields)) fields[k] = typeName(f);
    env.registerType(t.struct, { ctor: structClass(t.struct), fields });
  };
  for (const t of Object.values(vars)) register(t);
  for (const [name, t] of Object.entries(vars)) env.registerVariable(name, typeName(t));
  registerModels(env, { register, toCel, fromCel }, uses);
  env.registerFunction('first(list<string>): string', (l: string[]) => l[0] ?? '');
  // The newest lines of a log (evidence folds after its first lines: the oldest).
  env.registerFunction('last(list<string>, int): list<string>', (l: string[], n: bigint) => l.slice(Math.max(0, l.length - Number(n))));
  // For sed addresses and patterns in a fix's apply: the text matched literally (POSIX BRE).
  env.registerFunction('sed_escape(string): string', (s: string) => s.replace(/[\\/.*[\]^$&]/g, (c) => `\\${c}`));
  // Non-empty lines: what a flow quotes as evidence or scans for a message.
  env.registerFunction('lines(string): list<string>', (s: string) => splitLines(s).filter((l) => l.trim() !== ''));
  return env;
}

/**
 * One class per struct type name, shared by every environment: cel-js checks a struct value's
 * type by its constructor, including inside lists (`list[0].field`) and in what functions
 * return, so values are built as instances, never as plain objects.
 */
type StructCtor = new (fields: Record<string, unknown>) => object;
const structClasses = new Map<string, StructCtor>();
function structClass(name: string): StructCtor {
  let c = structClasses.get(name);
  if (!c) {
    c = class {
      constructor(fields: Record<string, unknown>) {
        Object.assign(this, fields);
      }
    };
    Object.defineProperty(c, 'name', { value: name });
    structClasses.set(name, c);
  }
  return c;
}

export type CheckResult = { ok: true; type: string } | { ok: false; message: string };

export function checkExpression(env: Environment, source: string): CheckResult {
  try {
    const r = program(env, source).check();
    if (r.valid) return { ok: true, type: String(r.type) };
    return { ok: false, message: firstLine(r.error?.message ?? 'invalid expression') };
  } catch (e) {
    return { ok: false, message: firstLine(e instanceof Error ? e.message : String(e)) };
  }
}

/**
 * Each expression is parsed once per environment: the compiler's type check and every
 * evaluation in a session share the AST, which also keeps the types the check found
 * (cel-js then skips its run-time type check).
 */
type Program = ReturnType<Environment['parse']>;
const programs = new WeakMap<Environment, Map<string, Program>>();
function program(env: Environment, source: string): Program {
  let byText = programs.get(env);
  if (!byText) programs.set(env, (byText = new Map()));
  let p = byText.get(source);
  if (!p) byText.set(source, (p = env.parse(source)));
  return p;
}

export type Evaluated = Result<unknown>;

export function evaluate(env: Environment, source: string, context: Record<string, unknown>): Evaluated {
  try {
    return { ok: true, value: program(env, source)(context) };
  } catch (e) {
    return { ok: false, message: firstLine(e instanceof Error ? e.message : String(e)) };
  }
}

/** Converts a parser's plain JS value to what CEL expects for `t` (ints are BigInt). */
export function toCel(value: unknown, t: ValueType): unknown {
  if (t === 'int') return BigInt(Math.trunc(typeof value === 'number' && Number.isFinite(value) ? value : 0));
  if (t === 'string') return typeof value === 'string' ? value : value == null ? '' : String(value);
  if (t === 'bool') return value === true;
  if ('list' in t) return Array.isArray(value) ? value.map((v) => toCel(v, t.list)) : [];
  const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, ft] of Object.entries(t.fields)) out[k] = toCel(obj[k], ft);
  return new (structClass(t.struct))(out);
}

/**
 * A CEL value back to plain JS (ints as numbers), for functions written in TypeScript. CEL values
 * never change, so each object is converted once: a flow hands the same parsed configuration to
 * several model calls (frozen: the models only read their inputs).
 */
export function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v !== 'object') return v;
  const done = plainOf.get(v);
  if (done !== undefined) return done;
  let out: unknown;
  if (Array.isArray(v)) {
    const a = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) a[i] = fromCel(v[i]);
    out = a;
  } else {
    const o: Record<string, unknown> = {};
    if (v instanceof Map) for (const [k, x] of v) o[String(k)] = fromCel(x);
    else for (const k of Object.keys(v)) o[k] = fromCel((v as Record<string, unknown>)[k]);
    out = o;
  }
  // Shared between calls, so frozen: a model that wrote to its input would throw, not leak.
  plainOf.set(v, Object.freeze(out));
  return out;
}
const plainOf = new WeakMap<object, unknown>();

/**
 * The value of type `t` when nothing was recorded: a node that has not run yet. CEL values never
 * change, so the nodes of one type (a flow's nodes share a few shapes) share one zero value.
 */
export function zeroValue(t: ValueType): unknown {
  if (typeof t === 'string') return toCel(undefined, t);
  let z = zeros.get(t);
  if (z === undefined) zeros.set(t, (z = toCel(undefined, t)));
  return z;
}
const zeros = new WeakMap<object, unknown>();

/** Renders a CEL value for display in text or an argv element. */
export function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (value == null) return '';
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

function firstLine(s: string): string {
  return s.split('\n')[0]?.trim() ?? s;
}
