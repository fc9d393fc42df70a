/**
 * The checks of a transcript's lines, from their JSON Schemas (schema.ts, through
 * validators.ts): a small checker of the keywords those schemas use, compiled once into
 * closures (each event kind's on first use). It stops at the first problem, in the schema's
 * order: a missing required property, then the properties' values as declared. A keyword it
 * does not know is refused when the checker is built (by the build itself, for every schema),
 * never ignored.
 *
 * Not Ajv's standalone code, nor TypeBox's `Value.Errors`: both are large to load for the
 * few dozen lines of a session, and `replay --check` is measured against start (issue 8). It
 * pays (issue 18, BENCHMARKS.md): the same build with Ajv standalone validators in the bundle
 * instead (70 KB more) replayed a shipped session in 348.3 ms against 342.1 ms, the 201-event
 * user-flow session in 494.1 against 468.6 ms, and started (`--version`) in 196.3 against
 * 190.8 ms (medians of 21–31 interleaved runs).
 */
import type { EventKind } from './schema.js';
import { transcriptSchemas } from './validators.js';

export interface SchemaError {
  /** JSON pointer of the value (`/exit`, `/fix/evidence/0/role`); '' for the line itself. */
  readonly path: string;
  /** `expected …`: what the schema wants there. */
  readonly message: string;
}

export type Check = (value: unknown) => SchemaError | null;

export interface TranscriptValidators {
  readonly header: Check;
  readonly events: Readonly<Record<EventKind, Check>>;
}

/**
 * One schema's check of a value: null, or the problem with its path relative to that value.
 * Nothing is allocated when the value passes (a session has thousands of values): the path is
 * built only on the way back up from a problem.
 */
type Node = (v: unknown) => SchemaError | null;
type Schema = Readonly<Record<string, unknown>>;

const KNOWN = new Set(['type', 'const', 'anyOf', 'properties', 'required', 'patternProperties', 'items', 'minimum', 'maximum', 'minLength']);
// Annotations: no check.
const IGNORED = new Set(['description', 'title', '$id', 'default', 'examples']);

const TYPES: Readonly<Record<string, (v: unknown) => boolean>> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  null: (v) => v === null,
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

const pointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** The checker of one schema; throws on a keyword it does not implement. */
export function compileSchema(schema: Schema): Node {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k) && !IGNORED.has(k)) throw new Error(`transcript schema: unsupported keyword "${k}"`);
  const checks: Node[] = [];
  if (schema.type !== undefined) {
    const type = String(schema.type);
    const is = TYPES[type];
    if (!is) throw new Error(`transcript schema: unsupported type ${JSON.stringify(schema.type)}`);
    const e = { path: '', message: `expected ${type}` };
    checks.push((v) => (is(v) ? null : e));
  }
  if (schema.const !== undefined) {
    const c = schema.const;
    const e = { path: '', message: `expected ${JSON.stringify(c)}` };
    checks.push((v) => (v === c ? null : e));
  }
  if (schema.minLength !== undefined) {
    const n = Number(schema.minLength);
    const e = { path: '', message: `expected string length greater or equal to ${n}` };
    checks.push((v) => (typeof v !== 'string' || v.length >= n ? null : e));
  }
  // Worded as TypeBox's errors were (`expected integer to be greater or equal to 0`).
  const numeric = schema.type === 'integer' ? 'integer' : 'number';
  if (schema.minimum !== undefined) {
    const n = Number(schema.minimum);
    const e = { path: '', message: `expected ${numeric} to be greater or equal to ${n}` };
    checks.push((v) => (typeof v !== 'number' || v >= n ? null : e));
  }
  if (schema.maximum !== undefined) {
    const n = Number(schema.maximum);
    const e = { path: '', message: `expected ${numeric} to be less or equal to ${n}` };
    checks.push((v) => (typeof v !== 'number' || v <= n ? null : e));
  }
  if (schema.anyOf !== undefined) {
    const branches = (schema.anyOf as Schema[]).map(compileSchema);
    const e = { path: '', message: 'expected union value' };
    checks.push((v) => {
      for (let i = 0; i < branches.length; i++) if (branches[i]!(v) === null) return null;
      return e;
    });
  }
  if (schema.properties !== undefined || schema.required !== undefined) {
    const required = [...new Set((schema.required as string[] | undefined) ?? [])];
    const missing = required.map((k) => ({ path: `/${pointer(k)}`, message: 'expected required property' }));
    const props = Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {});
    const keys = props.map(([k]) => k);
    const steps = props.map(([k]) => `/${pointer(k)}`);
    const nodes = props.map(([, s]) => compileSchema(s));
    // Every required property first, then each value: the order TypeBox reported them in.
    checks.push((v) => {
      if (!TYPES.object!(v)) return null;
      const o = v as Record<string, unknown>;
      for (let i = 0; i < required.length; i++) if (!Object.hasOwn(o, required[i]!)) return missing[i]!;
      for (let i = 0; i < keys.length; i++) {
        if (!Object.hasOwn(o, keys[i]!)) continue;
        const e = nodes[i]!(o[keys[i]!]);
        if (e) return under(steps[i]!, e);
      }
      return null;
    });
  }
  if (schema.patternProperties !== undefined) {
    const pats = Object.entries(schema.patternProperties as Record<string, Schema>).map(([p, s]) => [new RegExp(p, 'u'), compileSchema(s)] as const);
    checks.push((v) => {
      if (!TYPES.object!(v)) return null;
      const o = v as Record<string, unknown>;
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        for (const [re, check] of pats) {
          if (!re.test(k)) continue;
          const e = check(o[k]);
          if (e) return under(`/${pointer(k)}`, e);
        }
      }
      return null;
    });
  }
  if (schema.items !== undefined) {
    const item = compileSchema(schema.items as Schema);
    checks.push((v) => {
      if (!Array.isArray(v)) return null;
      for (let i = 0; i < v.length; i++) {
        const e = item(v[i]);
        if (e) return under(`/${i}`, e);
      }
      return null;
    });
  }
  if (checks.length === 1) return checks[0]!;
  return (v) => {
    for (let i = 0; i < checks.length; i++) {
      const e = checks[i]!(v);
      if (e) return e;
    }
    return null;
  };
}

/** A problem of a value's part `step` (`/key`, `/0`), as the value's. */
const under = (step: string, e: SchemaError): SchemaError => ({ path: step + e.path, message: e.message });

let validators: TranscriptValidators | undefined;

export function transcriptValidators(): TranscriptValidators {
  if (validators) return validators;
  const { header, ...events } = transcriptSchemas();
  const top = (s: object): Check => compileSchema(s as Schema);
  // Each event kind's checker is built when a line of that kind is first read.
  const checks: Partial<Record<EventKind, Check>> = {};
  const lazy = {} as Record<EventKind, Check>;
  for (const [k, s] of Object.entries(events) as Array<[EventKind, object]>) {
    Object.defineProperty(lazy, k, { enumerable: true, get: () => (checks[k] ??= top(s)) });
  }
  validators = { header: top(header), events: lazy };
  return validators;
}
