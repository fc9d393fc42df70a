/**
 * The JSON Schema validators of a flow file: the top level (nodes only as objects with a
 * `kind`) and one per node kind, so that each node gets one precise error instead of one per
 * member of the union.
 *
 * From source (tests) they are compiled by Ajv on first use. The build (esbuild.config.mjs)
 * replaces this module with the same validators precompiled by Ajv's standalone code, so the
 * CLI neither loads Ajv nor compiles a schema when it starts.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { FlowSchema, NODE_ID, NODE_KINDS, NODE_SCHEMAS, type NodeKind } from './schema.js';

export interface Validate {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export interface FlowValidators {
  readonly top: Validate;
  readonly nodes: Readonly<Record<NodeKind, Validate>>;
  /** The schemas they check (the field names for a did-you-mean). */
  readonly schemas: Readonly<Record<'top' | NodeKind, object>>;
}

/** The schemas behind the validators, by name (`top` and each node kind). */
export function validatorSchemas(): Record<'top' | NodeKind, object> {
  const top = {
    ...FlowSchema,
    properties: {
      ...FlowSchema.properties,
      nodes: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: NODE_ID },
        additionalProperties: { type: 'object', required: ['kind'] },
      },
    },
  };
  return { top, ...NODE_SCHEMAS };
}

/** The options both ways of compiling use. */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

let validators: FlowValidators | undefined;

export function flowValidators(): FlowValidators {
  if (validators) return validators;
  const ajv = new Ajv(AJV_OPTIONS);
  const s = validatorSchemas();
  validators = {
    top: ajv.compile(s.top),
    nodes: Object.fromEntries(NODE_KINDS.map((k) => [k, ajv.compile(s[k]) as Validate])) as Record<NodeKind, Validate>,
    schemas: s,
  };
  return validators;
}
