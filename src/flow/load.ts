/**
 * Reading a flow file: YAML with source positions, then the schema, node by node, so that
 * each problem points at the line and column it comes from.
 */
import type { ErrorObject } from 'ajv';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { FlowDocT, NodeKind } from './schema.js';
import { flowValidators } from './validators.js';
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
  /** Its problems are already known (the build checked this very text): compile it lazily. */
  readonly checked?: boolean;
  /** A checked flow's `let` types as the build's compiler found them: not type-checked again. */
  readonly letTypes?: Readonly<Record<string, string>>;
  /** Every position at once, for a record of the check (check-cache.ts); from the parse already done. */
  positions(): PositionTable;
}

export interface LoadResult {
  readonly flow: FlowSource | null;
  readonly problems: Problem[];
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
  let data: unknown;
  try {
    data = ydoc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // An alias before its anchor, or too many aliases (a billion laughs): thrown, not collected.
    problems.push({ code: 'yaml-syntax', ...at(firstAlias(ydoc)), message: (e as Error).message.split('\n')[0] ?? String(e) });
    return { flow: null, problems };
  }
  const loc = (path: Path): Loc => at(rangeOf(ydoc, path, false));
  const keyLoc = (path: Path): Loc => at(rangeOf(ydoc, path, true));

  const v = flowValidators();
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
      if (typeof kind !== 'string' || !Object.hasOwn(v.nodes, kind)) {
        const kinds = Object.keys(v.nodes);
        const guess = typeof kind === 'string' ? didYouMean(kind, kinds) : undefined;
        problems.push({
          code: 'unknown-kind',
          ...loc([...base, 'kind']),
          node: id,
          message: `unknown node kind ${JSON.stringify(kind)}`,
          hint: guess ? `did you mean "${guess}"?` : `use one of ${kinds.join(', ')}`,
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
  return { flow: { file, doc: data as FlowDocT, loc, keyLoc, positions: () => positionTable(ydoc, lineCounter) }, problems };
}

/**
 * A flow already loaded and checked — shipped (the build's record) or the user's (check-cache.ts)
 * — with the same text: the data and the positions (`positionTable`) come from the record, so
 * the YAML is not parsed at all; without a table it is parsed on the first position asked for.
 */
export function checkedFlowSource(file: string, text: string, doc: FlowDocT, positions?: () => PositionTable, letTypes?: Readonly<Record<string, string>>): FlowSource {
  let table: PositionTable | undefined;
  const positionsOf = (): PositionTable => {
    if (table) return table;
    if (positions) return (table = positions());
    const lc = new LineCounter();
    return (table = positionTable(parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true }), lc));
  };
  const at = (key: boolean) => (path: Path): Loc => {
    const [line = 1, col = 1] = lookUp(positionsOf(), path, key);
    return { file, line, col };
  };
  return { file, doc, loc: at(false), keyLoc: at(true), checked: true, ...(letTypes ? { letTypes } : {}), positions: positionsOf };
}

/**
 * Every path of a document (segments joined by NUL) → `[line, col]` of its value, and of its
 * key when it is a map entry: what `loc` and `keyLoc` answer, precomputed by the build.
 */
export type PositionTable = Record<string, readonly number[]>;

export function positionTable(doc: Document, lc: LineCounter): PositionTable {
  const out: PositionTable = {};
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return [p.line, p.col];
  };
  // The same offsets as rangeOf: a value's start, else its key's, else its parent's.
  const walk = (node: Node | null, path: string[], offset: number, keyOffset: number | null): void => {
    const k = path.join('\0');
    if (Object.hasOwn(out, k)) return; // a duplicate key: rangeOf finds the first
    out[k] = keyOffset === null ? pos(offset) : [...pos(offset), ...pos(keyOffset)];
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const kn = pair.key as Node | null;
        const val = pair.value as Node | null;
        walk(val, [...path, String(pair.key.value)], val?.range?.[0] ?? kn?.range?.[0] ?? offset, kn?.range?.[0] ?? offset);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as Node, [...path, String(i)], (item as Node).range?.[0] ?? offset, null));
    }
  };
  const root = doc.contents as Node | null;
  walk(root, [], root?.range?.[0] ?? 0, null);
  return out;
}

function lookUp(table: PositionTable, path: Path, key: boolean): readonly number[] {
  for (let n = path.length; n >= 0; n--) {
    const hit = table[path.slice(0, n).map(String).join('\0')];
    if (hit === undefined) continue;
    return key && n === path.length && hit.length === 4 ? hit.slice(2) : hit.slice(0, 2);
  }
  return [1, 1];
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

/** Where the first alias is (what `toJS` refuses has no position of its own). */
function firstAlias(doc: Document): number {
  let offset = 0;
  visit(doc, (_key, node) => {
    if (isAlias(node) && node.range) {
      offset = node.range[0];
      return visit.BREAK;
    }
    return undefined;
  });
  return offset;
}
