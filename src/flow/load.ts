/**
 * Reading a flow file: YAML with source positions, then the schema, node by node, so that
 * each problem points at the line and column it comes from.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { FlowSchema, NODE_ID, NODE_KINDS, NODE_SCHEMAS, type FlowDocT, type NodeKind } from './schema.js';
import type { Loc, Problem } from './problem.js';
import { didYouMean } from './problem.js';
import { ROLES } from '../exec/types.js';

export const MODELINE = '# yaml-language-server: $schema=./flow.schema.json';

export type Path = ReadonlyArray<string | number>;

/** A flow as read from its file: the data, and where each part of it came from. */
export interface FlowSource {
  readonly file: string;
  readonly doc: FlowDocT;
  /** Position of the value at `path` (or of the deepest part of it that exists). */
  loc(path: Path): Loc;
  /** Position of the key of `path` (a node's id, a field's name). */
  keyLoc(path: Path): Loc;
}

export interface LoadResult {
  readonly flow: FlowSource | null;
  readonly problems: Problem[];
}

let validators: { top: ValidateFunction; nodes: Record<NodeKind, ValidateFunction> } | undefined;

function getValidators() {
  if (validators) return validators;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The top level without the node union: nodes are checked one by one against their kind,
  // which gives one precise error instead of one per member of the union.
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
  validators = {
    top: ajv.compile(top),
    nodes: Object.fromEntries(NODE_KINDS.map((k) => [k, ajv.compile(NODE_SCHEMAS[k])])) as Record<
      NodeKind,
      ValidateFunction
    >,
  };
  return validators;
}

export function loadFlowSource(file: string, text: string): LoadResult {
  const problems: Problem[] = [];
  const lineCounter = new LineCounter();
  const ydoc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Loc => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  for (const e of ydoc.errors) {
    problems.push({ code: 'yaml-syntax', ...at(e.pos[0]), message: e.message.split('\n')[0] ?? e.message });
  }
  if (problems.length) return { flow: null, problems };
  if (!text.startsWith(MODELINE)) {
    problems.push({
      code: 'missing-modeline',
      file,
      line: 1,
      col: 1,
      message: 'the flow does not start with the schema modeline',
      hint: `make the first line "${MODELINE}"`,
    });
  }
  const data: unknown = ydoc.toJS({ maxAliasCount: 100 });
  const loc = (path: Path): Loc => at(rangeOf(ydoc, path, false));
  const keyLoc = (path: Path): Loc => at(rangeOf(ydoc, path, true));

  const v = getValidators();
  if (!v.top(data)) {
    problems.push(...precise(v.top.errors ?? []).map((e) => schemaProblem(e, [], loc, keyLoc)));
    if (!data || typeof data !== 'object' || Array.isArray(data)) return { flow: null, problems };
  }
  const nodes = (data as { nodes?: unknown }).nodes;
  if (nodes && typeof nodes === 'object' && !Array.isArray(nodes)) {
    for (const [id, node] of Object.entries(nodes as Record<string, unknown>)) {
      if (!node || typeof node !== 'object') continue;
      const kind = (node as { kind?: unknown }).kind;
      const base: Path = ['nodes', id];
      if (typeof kind !== 'string' || !(kind in NODE_SCHEMAS)) {
        const guess = typeof kind === 'string' ? didYouMean(kind, NODE_KINDS) : undefined;
        problems.push({
          code: 'unknown-kind',
          ...loc([...base, 'kind']),
          node: id,
          message: `unknown node kind ${JSON.stringify(kind)}`,
          hint: guess ? `did you mean "${guess}"?` : `use one of ${NODE_KINDS.join(', ')}`,
        });
        continue;
      }
      const role = (node as { role?: unknown }).role;
      const roleBad = kind === 'run' && typeof role === 'string' && !(ROLES as readonly string[]).includes(role);
      if (roleBad) {
        const guess = didYouMean(role as string, ROLES);
        problems.push({
          code: 'unknown-role',
          ...loc([...base, 'role']),
          node: id,
          message: `unknown role "${role as string}"`,
          hint: guess ? `did you mean "${guess}"?` : `use one of ${ROLES.join(', ')}`,
        });
      }
      const validate = v.nodes[kind as NodeKind];
      if (!validate(node)) {
        for (const e of precise(validate.errors ?? [])) {
          if (roleBad && e.instancePath === '/role') continue;
          problems.push({ ...schemaProblem(e, base, loc, keyLoc), node: id });
        }
      }
    }
  }
  if (problems.some((p) => p.code === 'schema' || p.code === 'unknown-kind' || p.code === 'unknown-role')) {
    return { flow: null, problems };
  }
  return { flow: { file, doc: data as FlowDocT, loc, keyLoc }, problems };
}

/** Drops the noise a union produces: `anyOf`/`type` errors beside a more precise one under the same path. */
function precise(errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => {
    if (e.keyword !== 'anyOf' && e.keyword !== 'type') return true;
    return !errors.some((o) => o !== e && o.keyword !== 'anyOf' && o.keyword !== 'type' && (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)));
  });
}

function schemaProblem(
  e: ErrorObject,
  base: Path,
  loc: (p: Path) => Loc,
  keyLoc: (p: Path) => Loc,
): Problem {
  const path: Path = [...base, ...e.instancePath.split('/').slice(1).map(unescapePointer)];
  const field = path.length ? String(path[path.length - 1]) : 'flow';
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const extra = String(params.additionalProperty);
    return { code: 'schema', ...keyLoc([...path, extra]), message: `unknown field "${extra}"`, hint: 'remove it or check its spelling' };
  }
  if (e.keyword === 'required') {
    const missing = String(params.missingProperty);
    return { code: 'schema', ...keyLoc(path), message: `missing field "${missing}"` };
  }
  if (e.keyword === 'pattern') {
    return { code: 'schema', ...loc(path), message: `"${field}" ${e.message ?? 'is invalid'}` };
  }
  return { code: 'schema', ...loc(path), message: `"${field}" ${e.message ?? 'is invalid'}` };
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The source offset of `path` in the document (of its key when `key`), or of its deepest existing parent. */
function rangeOf(doc: Document, path: Path, key: boolean): number {
  let node: Node | null = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const k = pair.key as Node | null;
      const val = pair.value as Node | null;
      if (key && i === path.length - 1) return k?.range?.[0] ?? offset;
      offset = val?.range?.[0] ?? k?.range?.[0] ?? offset;
      node = val;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}
