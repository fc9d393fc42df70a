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

type Node = (v: unknown, path: string) => SchemaError | null;
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
    checks.push((v, path) => (is(v) ? null : { path, message: `expected ${type}` }));
  }
  if (schema.const !== undefined) {
    const c = schema.const;
    checks.push((v, path) => (v === c ? null : { path, message: `expected ${JSON.stringify(c)}` }));
  }
  if (schema.minLength !== undefined) {
    const n = Number(schema.minLength);
    checks.push((v, path) => (typeof v !== 'string' || v.length >= n ? null : { path, message: `expected string length greater or equal to ${n}` }));
  }
  // Worded as TypeBox's errors were (`expected integer to be greater or equal to 0`).
  const numeric = schema.type === 'integer' ? 'integer' : 'number';
  if (schema.minimum !== undefined) {
    const n = Number(schema.minimum);
    checks.push((v, path) => (typeof v !== 'number' || v >= n ? null : { path, message: `expected ${numeric} to be greater or equal to ${n}` }));
  }
  if (schema.maximum !== undefined) {
    const n = Number(schema.maximum);
    checks.push((v, path) => (typeof v !== 'number' || v <= n ? null : { path, message: `expected ${numeric} to be less or equal to ${n}` }));
  }
  if (schema.anyOf !== undefined) {
    const branches = (schema.anyOf as Schema[]).map(compileSchema);
    checks.push((v, path) => (branches.some((b) => b(v, path) === null) ? null : { path, message: 'expected union value' }));
  }
  if (schema.properties !== undefined || schema.required !== undefined) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const props = Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).map(([k, s]) => [k, compileSchema(s)] as const);
    // Every required property first, then each value: the order TypeBox reported them in.
    checks.push((v, path) => {
      if (!TYPES.object!(v)) return null;
      const o = v as Record<string, unknown>;
      for (const k of required) if (!Object.hasOwn(o, k)) return { path: `${path}/${pointer(k)}`, message: 'expected required property' };
      for (const [k, check] of props) {
        if (!Object.hasOwn(o, k)) continue;
        const e = check(o[k], `${path}/${pointer(k)}`);
        if (e) return e;
      }
      return null;
    });
  }
  if (schema.patternProperties !== undefined) {
    const pats = Object.entries(schema.patternProperties as Record<string, Schema>).map(([p, s]) => [new RegExp(p, 'u'), compileSchema(s)] as const);
    checks.push((v, path) => {
      if (!TYPES.object!(v)) return null;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        for (const [re, check] of pats) {
          if (!re.test(k)) continue;
          const e = check(x, `${path}/${pointer(k)}`);
          if (e) return e;
        }
      }
      return null;
    });
  }
  if (schema.items !== undefined) {
    const item = compileSchema(schema.items as Schema);
    checks.push((v, path) => {
      if (!Array.isArray(v)) return null;
      for (let i = 0; i < v.length; i++) {
        const e = item(v[i], `${path}/${i}`);
        if (e) return e;
      }
      return null;
    });
  }
  return (v, path) => {
    for (const c of checks) {
      const e = c(v, path);
      if (e) return e;
    }
    return null;
  };
}

let validators: TranscriptValidators | undefined;

export function transcriptValidators(): TranscriptValidators {
  if (validators) return validators;
  const { header, ...events } = transcriptSchemas();
  const top = (s: object): Check => {
    const node = compileSchema(s as Schema);
    return (v) => node(v, '');
  };
  // Each event kind's checker is built when a line of that kind is first read.
  const checks: Partial<Record<EventKind, Check>> = {};
  const lazy = {} as Record<EventKind, Check>;
  for (const [k, s] of Object.entries(events) as Array<[EventKind, object]>) {
    Object.defineProperty(lazy, k, { enumerable: true, get: () => (checks[k] ??= top(s)) });
  }
  validators = { header: top(header), events: lazy };
  return validators;
}
