/**
 * Reading a flow file: YAML with source positions, then the schema, node by node, so that
 * each problem points at the line and column it comes from.
 */
import type { ErrorObject } from 'ajv';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { FlowDocT, NodeKind } from './schema.js';
import type { FlowOutline, FlowRecord } from './shipped-docs.js';
import { flowValidators } from './validators.js';
import type { Loc, Problem } from './problem.js';
import { didYouMean, guessHint } from './problem.js';
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
  /**
   * Present when its problems are already known (the build's data, or a user's flow's check
   * record): the `let` types its check found. It is compiled lazily, not type-checked again.
   */
  readonly checked?: Readonly<Record<string, string>>;
  /** Every position at once (what `loc` and `keyLoc` look up), for a record of the check. */
  positions(): PositionTable;
  /** With a record's document: what the checks between flows read, without parsing it. */
  readonly outline?: FlowOutline;
}

/** A flow's outline (shipped-docs.ts), from its document. */
export function outlineOf(doc: FlowDocT): FlowOutline {
  const fixes: Array<readonly [string, string]> = [];
  const calls: Array<readonly [string, string]> = [];
  for (const [nid, node] of Object.entries(doc.nodes)) {
    if (node.kind === 'fix') fixes.push([nid, node.id]);
    else if (node.kind === 'call') calls.push([nid, node.flow]);
  }
  return { id: doc.id, fixes, calls };
}

export interface LoadResult {
  readonly flow: FlowSource | null;
  readonly problems: Problem[];
}

export interface LoadOptions {
  /** Whether the modeline's schema (a path relative to the flow's folder) exists; not checked without it. */
  readonly schemaExists?: (ref: string) => boolean;
}

export function loadFlowSource(file: string, text: string, opts: LoadOptions = {}): LoadResult {
  const problems: Problem[] = [];
  const lineCounter = new LineCounter();
  const ydoc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Loc => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  for (const e of ydoc.errors) {
    if (e.code === 'DUPLICATE_KEY') {
      // A node (or field) defined twice: at the second, saying where the first is.
      const dup = duplicateKey(ydoc, e.pos[0]);
      if (dup) {
        problems.push({ code: 'yaml-syntax', ...at(dup.second), message: `"${dup.name}" is defined twice`, hint: `the first is at line ${lineCounter.linePos(dup.first).line}; rename or remove one` });
        continue;
      }
    }
    problems.push({ code: 'yaml-syntax', ...at(e.pos[0]), message: e.message.split('\n')[0] ?? e.message });
  }
  if (problems.length) return { flow: null, problems };
  const modeline = missingSchema(text, opts.schemaExists);
  if (modeline) problems.push({ code: 'missing-schema', ...at(modeline.offset), severity: 'warning', message: `the modeline's schema "${modeline.ref}" is not there: an editor cannot check this flow`, hint: 'write it beside the flow: `tshoot flows schema > flow.schema.json`; or remove the line, which is optional' });
  let data: unknown;
  try {
    data = ydoc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // An alias before its anchor, or too many aliases (a billion laughs): thrown, not collected.
    problems.push({ code: 'yaml-syntax', ...at(firstAlias(ydoc)), message: (e as Error).message.split('\n')[0] ?? String(e) });
    return { flow: null, problems };
  }
  let table: PositionTable | undefined;
  const positions = (): PositionTable => (table ??= positionTable(ydoc, lineCounter));
  const { loc, keyLoc } = locators(file, (k) => (Object.hasOwn(positions(), k) ? positions()[k] : undefined));

  const v = flowValidators();
  const schemas = v.schemas;
  const valueAt = (path: Path): unknown => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), data);
  // Node ids refused by their pattern: the gotos naming them are not reported again.
  const badIds = new Set<string>();
  if (!v.top(data)) {
    const errors = v.top.errors ?? [];
    for (const e of errors) if (e.keyword === 'propertyNames' && e.instancePath === '/nodes') badIds.add(String((e.params as { propertyName: unknown }).propertyName));
    problems.push(...schemaProblems(errors, [], schemas.top, { loc, keyLoc, valueAt, badIds }));
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
        problems.push({
          code: 'unknown-kind',
          ...loc([...base, 'kind']),
          node: id,
          message: `unknown node kind ${JSON.stringify(kind)}`,
          hint: guessHint(typeof kind === 'string' ? kind : '', kinds, `use one of ${kinds.join(', ')}`),
        });
        continue;
      }
      const role = (node as { role?: unknown }).role;
      const roleBad = kind === 'run' && typeof role === 'string' && !(ROLES as readonly string[]).includes(role);
      if (roleBad) {
        problems.push({
          code: 'unknown-role',
          ...loc([...base, 'role']),
          node: id,
          message: `unknown role "${role as string}"`,
          hint: guessHint(role as string, ROLES, `use one of ${ROLES.join(', ')}`),
        });
      }
      const validate = v.nodes[kind as NodeKind];
      if (!validate(node)) {
        const errors = (validate.errors ?? []).filter((e) => !(roleBad && e.instancePath.startsWith('/role')));
        problems.push(...schemaProblems(errors, base, schemas[kind as NodeKind], { loc, keyLoc, valueAt, badIds }).map((p) => ({ ...p, node: id })));
      }
    }
  }
  if (problems.some((p) => p.code === 'schema' || p.code === 'unknown-kind' || p.code === 'unknown-role')) {
    return { flow: null, problems };
  }
  return { flow: { file, doc: data as FlowDocT, loc, keyLoc, positions }, problems };
}

/**
 * A flow already loaded and checked — shipped (the build's data) or the user's (check-cache.ts):
 * its data, positions and `let` types come from the record; no YAML at all. `parsed`: its
 * document already parsed (a check record's, whose run nodes were checked on it). Otherwise the
 * document is parsed when the flow is first used (the checks between flows read the build's
 * outline), and the record's texts are read only then: the build's record has getters that read
 * them from `dist/flow-texts/` (esbuild.config.mjs), so a command reads only the flows it uses.
 */
export function checkedFlowSource(file: string, rec: FlowRecord, parsed?: FlowDocT): FlowSource {
  let table: PositionTable | undefined;
  const positionsOf = (): PositionTable => (table ??= JSON.parse(rec.positions) as PositionTable);
  const src = { file, ...locators(file, inJson(() => rec.positions)), checked: rec.lets, positions: positionsOf, ...(rec.outline ? { outline: rec.outline } : {}) };
  if (parsed) return { ...src, doc: parsed };
  // A replay or a diagnosis uses two or three of the five shipped flows: 0.7 MB of objects for all five.
  let doc: FlowDocT | undefined;
  return Object.defineProperty(src, 'doc', { get: () => (doc ??= JSON.parse(rec.doc) as FlowDocT), enumerable: true }) as FlowSource;
}

/** One entry of a position table: `[line, col]`, with the key's after it for a map entry. */
type Find = (key: string) => readonly number[] | undefined;

/**
 * Text in ASCII: every other character as `\uXXXX` (a pair for one outside the BMP), which
 * means the same in JSON and in JavaScript source. Read back, such a text is a one-byte string,
 * which V8 decodes, searches and parses faster than the two-byte string one Japanese character
 * makes of a whole text. The build writes the CLI's bundle so (esbuild.config.mjs, through
 * prebuild.ts) and a flow record's texts (`asciiJson`: check-cache.ts, prebuild.ts).
 */
export function asciiText(text: string): string {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON.stringify's text in ASCII (`asciiText`): `JSON.parse` gives the same value. */
export function asciiJson(value: unknown): string {
  return asciiText(JSON.stringify(value));
}

/**
 * Lookups in a position table's JSON text (a record's, `asciiJson`), never parsed whole: a
 * step's decision is located at every step, and parsing refused's table took 4.8 ms of its
 * first (issue 17). An entry is `{"KEY":[…]` or `,"KEY":[…]`, KEY as asciiJson writes it: inside
 * a key a quote is always escaped, so neither pattern can start within another key or a value.
 */
function inJson(text: () => string): Find {
  let json: string | undefined;
  return (key) => {
    json ??= text();
    const k = asciiJson(key);
    let at = json.startsWith(`{${k}:`) ? 0 : json.indexOf(`,${k}:`);
    if (at < 0) return undefined;
    at += k.length + 2;
    return JSON.parse(json.slice(at, json.indexOf(']', at) + 1)) as number[];
  };
}

/**
 * `loc` and `keyLoc` of every flow, loaded or from a record: one lookup in its position table
 * (of the deepest part of the path that exists).
 */
function locators(file: string, find: Find): Pick<FlowSource, 'loc' | 'keyLoc'> {
  const at = (key: boolean) => (path: Path): Loc => {
    const [line = 1, col = 1] = lookUp(find, path, key);
    return { file, line, col };
  };
  return { loc: at(false), keyLoc: at(true) };
}

/**
 * Every path of a document (segments joined by NUL) → `[line, col]` of its value, and of its
 * key when it is a map entry: what `loc` and `keyLoc` answer (for a shipped flow, computed by
 * the build). A value's position is its start, else its key's, else its parent's; a key
 * defined twice answers for the first.
 */
export type PositionTable = Record<string, readonly number[]>;

export function positionTable(doc: Document, lc: LineCounter): PositionTable {
  const out: PositionTable = {};
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return [p.line, p.col];
  };
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

function lookUp(find: Find, path: Path, key: boolean): readonly number[] {
  for (let n = path.length; n >= 0; n--) {
    const hit = find(path.slice(0, n).map(String).join('\0'));
    if (hit === undefined) continue;
    return key && n === path.length && hit.length === 4 ? hit.slice(2) : hit.slice(0, 2);
  }
  return [1, 1];
}

interface Where {
  loc(p: Path): Loc;
  keyLoc(p: Path): Loc;
  valueAt(p: Path): unknown;
  /** Node ids already reported as invalid. */
  badIds: ReadonlySet<string>;
}

/**
 * Ajv's errors → one problem per mistake, at the key or value that is wrong, in our words:
 * a union's alternatives become one "must be …" (or are dropped beside a more precise error
 * inside it), an unknown field next to the missing one it misspells becomes one did-you-mean,
 * an invalid node id is reported at its key (and not again at the gotos naming it).
 */
function schemaProblems(all: readonly ErrorObject[], base: Path, schema: object, w: Where): Problem[] {
  const errors = oneBranch(all);
  const out: Problem[] = [];
  const pathOf = (e: ErrorObject): Path => [...base, ...e.instancePath.split('/').slice(1).map(unescapePointer)];
  const deeper = (e: ErrorObject) => errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`));
  const fields = (path: Path) => fieldsAt(schema, path.slice(base.length));
  // Missing fields by instance path: an unknown field beside the one it misspells is one mistake.
  const missing = new Map<string, string[]>();
  for (const e of errors) if (e.keyword === 'required') (missing.get(e.instancePath) ?? missing.set(e.instancePath, []).get(e.instancePath)!).push(String(e.params.missingProperty));
  const misspelt = new Set<string>();
  const unions = new Set<string>();
  for (const e of errors) {
    const path = pathOf(e);
    const field = path.length ? String(path[path.length - 1]) : 'flow';
    if (e.keyword === 'propertyNames') {
      const id = String(e.params.propertyName);
      const fixed = id.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '');
      out.push({ code: 'schema', ...w.keyLoc([...path, id]), node: id, message: `node id "${id}" is not a valid name`, hint: `node ids are CEL names: lowercase letters, digits and _, starting with a letter${fixed ? `, e.g. "${fixed}"` : ''}` });
      continue;
    }
    if (e.propertyName !== undefined) continue; // the pattern behind a propertyNames error
    if (e.keyword === 'additionalProperties') {
      const extra = String(e.params.additionalProperty);
      const meant = didYouMean(extra, missing.get(e.instancePath) ?? []);
      if (meant !== undefined) misspelt.add(`${e.instancePath}\0${meant}`);
      const known = fields(path);
      out.push({ code: 'schema', ...w.keyLoc([...path, extra]), message: `unknown field "${extra}"`, hint: meant !== undefined ? `did you mean "${meant}"?` : guessHint(extra, known, `remove it; the fields here are ${known.join(', ')}`) });
      continue;
    }
    if (e.keyword === 'required') continue; // below, once the misspellings are known
    if (isAlternative(e)) {
      // A union: reported once for its path, and only when nothing inside it is more precise.
      if (deeper(e) || unions.has(e.instancePath)) continue;
      unions.add(e.instancePath);
      const here = errors.filter((o) => o.instancePath === e.instancePath && o.keyword !== 'anyOf');
      const value = w.valueAt(path);
      const consts = here.flatMap((o) => (o.keyword === 'const' ? [String(o.params.allowedValue)] : o.keyword === 'enum' ? (o.params.allowedValues as unknown[]).map(String) : []));
      if (consts.length && typeof value === 'string') {
        out.push({ code: 'schema', ...w.loc(path), message: `"${field}" is "${value}", not one of ${consts.map((c) => `"${c}"`).join(', ')}`, hint: guessHint(value, consts) });
        continue;
      }
      const types = [...new Set(here.filter((o) => o.keyword === 'type').map((o) => String(o.params.type)))];
      out.push({ code: 'schema', ...w.loc(path), message: `"${field}" must be ${types.length ? types.map(typeWord).join(' or ') : 'valid'}, not ${kindOf(value)}` });
      continue;
    }
    if (e.keyword === 'pattern' && w.badIds.has(String(w.valueAt(path)))) continue;
    out.push({ code: 'schema', ...w.loc(path), message: `"${field}" ${e.message ?? 'is invalid'}` });
  }
  for (const e of errors) {
    if (e.keyword !== 'required' || misspelt.has(`${e.instancePath}\0${String(e.params.missingProperty)}`)) continue;
    out.push({ code: 'schema', ...w.keyLoc(pathOf(e)), message: `missing field "${String(e.params.missingProperty)}"` });
  }
  return out;
}

/**
 * A union (anyOf) whose value has the type (or is the value) of some alternatives: only the
 * errors of the one of those that comes closest (fewest errors) are kept — `{regex: …, from:
 * stdot}` is a regex extract with a bad `from`, not also a parser extract without `parser`.
 * When it has the type of none, every alternative's error is kept (one "must be A or B").
 */
function oneBranch(errors: readonly ErrorObject[]): ErrorObject[] {
  let kept = [...errors];
  const unions = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const u of unions) {
    if (!kept.includes(u)) continue;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of kept) {
      if (!e.schemaPath.startsWith(`${u.schemaPath}/`)) continue;
      const b = e.schemaPath.slice(u.schemaPath.length + 1).split('/')[0]!;
      (branches.get(b) ?? branches.set(b, []).get(b)!).push(e);
    }
    const typed = [...branches.values()].filter((es) => !es.some((e) => e.instancePath === u.instancePath && e.keyword !== 'anyOf' && isAlternative(e)));
    if (!typed.length) continue;
    const best = typed.reduce((a, b) => (b.length < a.length ? b : a));
    kept = kept.filter((e) => e !== u && (!e.schemaPath.startsWith(`${u.schemaPath}/`) || best.includes(e)));
  }
  return kept;
}

/** The errors a union (or a type) produces, one per alternative. */
function isAlternative(e: ErrorObject): boolean {
  return e.keyword === 'anyOf' || e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'enum';
}

function typeWord(t: string): string {
  return t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'an integer' : `a ${t}`;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `the ${typeof v} ${JSON.stringify(v)}`;
}

/** The field names a schema allows at `path` (every alternative's, for a union). */
function fieldsAt(schema: object, path: Path): string[] {
  type S = { anyOf?: S[]; properties?: Record<string, S>; items?: S; additionalProperties?: S | boolean; patternProperties?: Record<string, S> };
  const alts = (s: S): S[] => s.anyOf?.flatMap(alts) ?? [s];
  let here: S[] = [schema as S];
  for (const seg of path) {
    here = here.flatMap(alts).flatMap((o): S[] => {
      if (/^\d+$/.test(String(seg)) && o.items) return [o.items];
      if (o.properties && Object.hasOwn(o.properties, seg)) return [o.properties[seg]!];
      if (o.patternProperties) return Object.values(o.patternProperties);
      return typeof o.additionalProperties === 'object' ? [o.additionalProperties] : [];
    });
  }
  return [...new Set(here.flatMap(alts).flatMap((s) => Object.keys(s.properties ?? {})))];
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The name and offsets of the key that `offset` (the error's position) points into, and of its first occurrence. */
function duplicateKey(doc: Document, offset: number): { name: string; first: number; second: number } | undefined {
  let hit: { name: string; first: number; second: number } | undefined;
  visit(doc, {
    Map(_k, map) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const name = String(pair.key.value);
        const first = seen.get(name);
        const [start, , end] = pair.key.range;
        if (first !== undefined && start <= offset && offset <= Math.max(end, start)) {
          hit = { name, first, second: start };
          return visit.BREAK;
        }
        if (first === undefined) seen.set(name, start);
      }
      return undefined;
    },
  });
  return hit;
}

/** The modeline's schema when it names a local file that `exists` says is not there, with the offset of its reference. */
function missingSchema(text: string, exists: ((ref: string) => boolean) | undefined): { ref: string; offset: number } | undefined {
  if (!exists) return undefined;
  const m = /^#\s*yaml-language-server:\s*\$schema=(\S+)/m.exec(text.slice(0, 4096));
  if (!m || /^[a-z][a-z0-9+.-]*:/i.test(m[1]!)) return undefined; // none, or a URL
  return exists(m[1]!) ? undefined : { ref: m[1]!, offset: m.index + m[0].length - m[1]!.length };
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
