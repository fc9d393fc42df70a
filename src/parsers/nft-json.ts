/**
 * `nft -j list ruleset`: nftables' JSON (libnftables-json(5)), for the firewall model
 * (models/firewall.ts). The JSON, not the text, because the text's grammar changes between
 * versions and the JSON names every part: tables, base chains with `hook`, numeric `prio`
 * and `policy`, sets with their elements, and rules with their `handle` and `expr` array.
 * Handles are always present in the JSON, so `nft delete rule … handle N` can be built.
 *
 * Each `expr` becomes one flat struct the model (and CEL) can read: `kind` (`match`,
 * `accept`, `jump`, `reject`, `counter`, `xt`…), for a match its `op`, its left side as nft
 * writes it (`tcp dport`, `ip saddr`, `meta iifname`, `ct state`) and its right side as
 * values (a literal, a range, a prefix, each element of an anonymous set, or of the named
 * set `@name`, resolved here). Anything else keeps its JSON in `text`, so nothing is lost.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, MAX_TOKENS, total } from './text.js';

const NFT_JSON_VALUE = struct('NftJsonValue', {
  /** `value`, `range` (`value`..`to`), `prefix` (`value`/`len`), or `other` (JSON in `value`). */
  kind: 'string',
  value: 'string',
  to: 'string',
  len: 'int',
});
export type NftJsonValue = Infer<typeof NFT_JSON_VALUE>;

const NFT_JSON_EXPR = struct('NftJsonExpr', {
  /** The statement's JSON key: `match`, `accept`, `drop`, `reject`, `jump`, `goto`, `return`, `counter`, `log`, `xt`… */
  kind: 'string',
  /** For `match`: `==`, `!=`, `in`, `<`, `>`, `<=`, `>=`. */
  op: 'string',
  /** For `match`: `tcp dport`, `ip saddr`, `meta l4proto`, `ct state`, `fib`, `bitwise`…; `''` otherwise. */
  left: 'string',
  values: list(NFT_JSON_VALUE),
  /** The named set (`@name` without `@`) the right side refers to, `''` if none. */
  set: 'string',
  /** `jump`/`goto` target chain, `xt` match or target name, `reject` type (`tcp reset`, `icmp`, `icmpx`, `icmpv6`). */
  target: 'string',
  /** `reject`'s ICMP code (`port-unreachable`, `host-prohibited`…). */
  code: 'string',
  /** This expression's JSON. */
  text: 'string',
});
export type NftJsonExpr = Infer<typeof NFT_JSON_EXPR>;

const NFT_JSON_RULE = struct('NftJsonRule', {
  family: 'string',
  table: 'string',
  chain: 'string',
  handle: 'int',
  /** 1-based position in its chain. */
  position: 'int',
  comment: 'string',
  exprs: list(NFT_JSON_EXPR),
});
export type NftJsonRule = Infer<typeof NFT_JSON_RULE>;

const NFT_JSON_CHAIN = struct('NftJsonChain', {
  family: 'string',
  table: 'string',
  name: 'string',
  handle: 'int',
  /** A base chain (has a hook), as opposed to one reached by `jump`/`goto`. */
  base: 'bool',
  type: 'string',
  hook: 'string',
  prio: 'int',
  /** `accept` or `drop` for base chains (nft's default is accept). */
  policy: 'string',
});
export type NftJsonChain = Infer<typeof NFT_JSON_CHAIN>;

const NFT_JSON_SET = struct('NftJsonSet', {
  family: 'string',
  table: 'string',
  name: 'string',
  type: 'string',
  flags: list('string'),
  elems: list(NFT_JSON_VALUE),
});
export type NftJsonSet = Infer<typeof NFT_JSON_SET>;

const NFT_JSON_TABLE = struct('NftJsonTable', { family: 'string', name: 'string', handle: 'int' });
export type NftJsonTable = Infer<typeof NFT_JSON_TABLE>;

export const NFT_JSON_RULESET = struct('NftJsonRuleset', {
  version: 'string',
  tables: list(NFT_JSON_TABLE),
  chains: list(NFT_JSON_CHAIN),
  sets: list(NFT_JSON_SET),
  rules: list(NFT_JSON_RULE),
  errors: list('string'),
  truncated: 'bool',
});
export type NftJsonRuleset = Infer<typeof NFT_JSON_RULESET>;

export const nftJsonParser = parser({
  name: 'nft-json',
  description: 'Tables, base chains (hook, priority, policy), sets and rules with handles from `nft -j list ruleset`.',
  type: NFT_JSON_RULESET,
  parse: (text) => total(text, emptyNftJson, parseNftJson),
});

export function emptyNftJson(): NftJsonRuleset {
  return { version: '', tables: [], chains: [], sets: [], rules: [], errors: [], truncated: false };
}

type Json = unknown;

function parseNftJson(text: string): NftJsonRuleset {
  const out = emptyNftJson();
  const start = text.indexOf('{"nftables"');
  const from = start >= 0 ? start : text.indexOf('{');
  // Whatever is not the JSON document is nft's own complaint (`Error: …`, `Operation not permitted`).
  for (const l of (from >= 0 ? text.slice(0, from) : text).split('\n', MAX_ITEMS)) if (l.trim() !== '' && out.errors.length < 20) out.errors.push(l.slice(0, 500));
  if (from < 0) return out;
  let doc: Json;
  try {
    doc = JSON.parse(text.slice(from, text.lastIndexOf('}') + 1));
  } catch (e) {
    out.errors.push(`not JSON: ${e instanceof Error ? e.message : String(e)}`.slice(0, 500));
    return out;
  }
  const items = field(doc, 'nftables');
  if (!Array.isArray(items)) return out;
  const positions = new Map<string, number>();
  for (const item of items) {
    if (out.rules.length + out.chains.length + out.sets.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    const meta = field(item, 'metainfo');
    if (meta !== undefined) out.version = str(field(meta, 'version'));
    const t = field(item, 'table');
    if (t !== undefined) out.tables.push({ family: str(field(t, 'family')), name: str(field(t, 'name')), handle: int(field(t, 'handle')) });
    const c = field(item, 'chain');
    if (c !== undefined) {
      const hook = str(field(c, 'hook'));
      out.chains.push({
        family: str(field(c, 'family')),
        table: str(field(c, 'table')),
        name: str(field(c, 'name')),
        handle: int(field(c, 'handle')),
        base: hook !== '',
        type: str(field(c, 'type')),
        hook,
        prio: prio(field(c, 'prio')),
        policy: hook === '' ? '' : str(field(c, 'policy')) || 'accept',
      });
    }
    const s = field(item, 'set') ?? field(item, 'map');
    if (s !== undefined) {
      const flags = field(s, 'flags');
      const elem = field(s, 'elem');
      out.sets.push({
        family: str(field(s, 'family')),
        table: str(field(s, 'table')),
        name: str(field(s, 'name')),
        type: typeof field(s, 'type') === 'string' ? str(field(s, 'type')) : 'concat',
        flags: Array.isArray(flags) ? flags.slice(0, MAX_TOKENS).map(str) : typeof flags === 'string' ? [flags] : [],
        elems: Array.isArray(elem) ? elem.slice(0, MAX_ITEMS).map(value) : [],
      });
    }
    const r = field(item, 'rule');
    if (r !== undefined) {
      const rule: NftJsonRule = {
        family: str(field(r, 'family')),
        table: str(field(r, 'table')),
        chain: str(field(r, 'chain')),
        handle: int(field(r, 'handle')),
        position: 0,
        comment: str(field(r, 'comment')),
        exprs: [],
      };
      const key = `${rule.family} ${rule.table} ${rule.chain}`;
      rule.position = (positions.get(key) ?? 0) + 1;
      positions.set(key, rule.position);
      const exprs = field(r, 'expr');
      if (Array.isArray(exprs)) rule.exprs = exprs.slice(0, MAX_TOKENS).map(expression);
      out.rules.push(rule);
    }
  }
  // Named sets may be listed after the rules that use them: resolve once all are read.
  const sets = new Map(out.sets.map((s) => [`${s.family} ${s.table} ${s.name}`, s.elems]));
  for (const r of out.rules) {
    for (const x of r.exprs) if (x.set !== '') x.values = sets.get(`${r.family} ${r.table} ${x.set}`) ?? [];
  }
  return out;
}

const VERDICT_KEYS = new Set(['accept', 'drop', 'return', 'continue', 'jump', 'goto', 'queue', 'reject']);

function expression(x: Json): NftJsonExpr {
  const kind = x && typeof x === 'object' && !Array.isArray(x) ? (Object.keys(x)[0] ?? '') : '';
  const body = field(x, kind);
  const e: NftJsonExpr = { kind, op: '', left: '', values: [], set: '', target: '', code: '', text: json(x) };
  if (kind === 'match') {
    e.op = str(field(body, 'op'));
    e.left = leftSide(field(body, 'left'));
    const right = field(body, 'right');
    if (typeof right === 'string' && right.startsWith('@')) e.set = right.slice(1);
    else e.values = rightSide(right);
  } else if (kind === 'jump' || kind === 'goto') {
    e.target = str(field(body, 'target'));
  } else if (kind === 'reject') {
    e.target = str(field(body, 'type'));
    e.code = str(field(body, 'expr'));
  } else if (kind === 'xt') {
    e.target = `${str(field(body, 'type'))} ${str(field(body, 'name'))}`.trim();
  } else if (!VERDICT_KEYS.has(kind) && body && typeof body === 'object') {
    e.target = str(field(body, 'key'));
  }
  return e;
}

/** `{"payload": {"protocol": "tcp", "field": "dport"}}` → `tcp dport`, as nft writes it. */
function leftSide(l: Json): string {
  const p = field(l, 'payload');
  if (p !== undefined) {
    const proto = str(field(p, 'protocol'));
    return proto ? `${proto} ${str(field(p, 'field'))}` : 'raw';
  }
  const m = field(l, 'meta');
  if (m !== undefined) return `meta ${str(field(m, 'key'))}`;
  const c = field(l, 'ct');
  if (c !== undefined) return ['ct', str(field(c, 'dir')), str(field(c, 'family')), str(field(c, 'key'))].filter((w) => w !== '').join(' ');
  if (l && typeof l === 'object' && !Array.isArray(l)) {
    const k = Object.keys(l)[0] ?? '';
    if (k === '&' || k === '|' || k === '^' || k === '<<' || k === '>>') return 'bitwise';
    return k;
  }
  return 'other';
}

function rightSide(r: Json): NftJsonValue[] {
  const set = field(r, 'set');
  if (Array.isArray(set)) return set.slice(0, MAX_ITEMS).map(value);
  // A bare array is a list of flags (`ct state established,related`), any of which matches.
  if (Array.isArray(r)) return r.slice(0, MAX_ITEMS).map(value);
  return [value(r)];
}

function value(v: Json): NftJsonValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { kind: 'value', value: String(v), to: '', len: 0 };
  const elem = field(v, 'elem');
  if (elem !== undefined) return value(field(elem, 'val'));
  const range = field(v, 'range');
  if (Array.isArray(range) && isScalar(range[0]) && isScalar(range[1])) return { kind: 'range', value: String(range[0]), to: String(range[1]), len: 0 };
  const prefix = field(v, 'prefix');
  if (prefix !== undefined) return { kind: 'prefix', value: str(field(prefix, 'addr')), to: '', len: int(field(prefix, 'len')) };
  return { kind: 'other', value: json(v), to: '', len: 0 };
}

function isScalar(v: Json): v is string | number {
  return typeof v === 'string' || typeof v === 'number';
}

function field(o: Json, k: string): Json {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
  return Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, Json>)[k] : undefined;
}

function str(v: Json): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function int(v: Json): number {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : 0;
}

/** `prio` is a number; some versions print a named one (`{"prio": "filter"}` or the name). */
function prio(v: Json): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  const named: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
  return named[str(v)] ?? 0;
}

function json(v: Json): string {
  try {
    return (JSON.stringify(v) ?? '').slice(0, 4000);
  } catch {
    // Nested too deep to print: not an expression nft itself would produce.
    return '';
  }
}
