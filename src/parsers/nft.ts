/**
 * `nft list ruleset` (nftables), including the tables iptables-nft creates.
 *
 * Read line by line, as nft prints it: `table FAMILY NAME {`, `chain NAME {`, the base
 * chain's `type filter hook input priority filter; policy drop;`, one rule per line, and
 * `set NAME { … elements = { … } }`. A statement whose `{` is not closed on its line (a
 * long anonymous set) is joined with the following lines. `tcp dport @name` is resolved
 * against the table's named sets, so `dports` holds the ports the rule really matches.
 * Ports as in the iptables parser: single ports in `dports`, every spec in `dport_ranges`;
 * negated matches (`tcp dport != 22`) are left out and flagged by `has_negation`.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, isDigits, splitLines, toInt, total } from './text.js';

const NFT_PORT_RANGE = struct('NftPortRange', { from: 'int', to: 'int' });
export type NftPortRange = Infer<typeof NFT_PORT_RANGE>;

const NFT_CHAIN = struct('NftChain', {
  table: 'string',
  /** `ip`, `ip6`, `inet`, `arp`, `bridge`, `netdev`. */
  family: 'string',
  chain: 'string',
  /** Base chains only: `filter`, `nat`, `route`; `''` for regular chains. */
  type: 'string',
  /** `input`, `forward`, `output`, `prerouting`, `postrouting`, `ingress`; `''` for regular chains. */
  hook: 'string',
  priority: 'string',
  /** `accept` or `drop` for base chains; `''` for regular chains. */
  policy: 'string',
  line: 'string',
});
export type NftChain = Infer<typeof NFT_CHAIN>;

const NFT_RULE = struct('NftRule', {
  table: 'string',
  family: 'string',
  chain: 'string',
  /** The chain's hook and policy (`''` for a regular chain, reached by `jump`). */
  hook: 'string',
  policy: 'string',
  /** The verdict: `accept`, `drop`, `reject`, `jump`, `goto`, `return`, `queue`, `continue`, or `''`. */
  action: 'string',
  /** The chain named by `jump`/`goto`, else `''`. */
  target: 'string',
  /** `tcp`, `udp`… from `tcp dport`, `meta l4proto tcp`, `ip protocol tcp`; `''` if any. */
  proto: 'string',
  dports: list('int'),
  dport_ranges: list(NFT_PORT_RANGE),
  /** `blocked` for `tcp dport @blocked`, else `''`. */
  dport_set: 'string',
  /** `ip saddr` / `ip6 saddr` value, else `''`. */
  source: 'string',
  /** `iif`/`iifname` value, else `''`. */
  in_iface: 'string',
  comment: 'string',
  has_negation: 'bool',
  line: 'string',
});
export type NftRule = Infer<typeof NFT_RULE>;

const NFT_RULESET = struct('NftRuleset', {
  chains: list(NFT_CHAIN),
  rules: list(NFT_RULE),
  errors: list('string'),
  truncated: 'bool',
});
export type NftRuleset = Infer<typeof NFT_RULESET>;

export const nftParser = parser({
  name: 'nft',
  description: 'Chains (hook, policy) and rules (verdict, protocol, ports) from `nft list ruleset`.',
  type: NFT_RULESET,
  parse: (text) => total(text, empty, parseNft),
});

function empty(): NftRuleset {
  return { chains: [], rules: [], errors: [], truncated: false };
}

interface Block {
  kind: 'table' | 'chain' | 'set' | 'other';
  name: string;
}

// Joining an unclosed `{` stops after this many lines: a real anonymous set is a few lines.
const MAX_JOIN = 1_000;

function parseNft(text: string): NftRuleset {
  const out = empty();
  const stack: Block[] = [];
  let family = '';
  let table = '';
  let chain: NftChain | undefined;
  const sets = new Map<string, NftPortRange[]>();
  const lines = splitLines(text);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('Error:') || trimmed.startsWith('netlink: Error') || trimmed.includes('Operation not permitted')) {
      if (out.errors.length < MAX_ITEMS) out.errors.push(line);
      continue;
    }
    if (trimmed === '}') {
      const b = stack.pop();
      if (b?.kind === 'chain') chain = undefined;
      continue;
    }
    const t = lex(trimmed);
    const first = t[0]?.text ?? '';
    if (trimmed.endsWith('{') && !t[t.length - 2]?.text.endsWith('=') && isBlockOpener(first, stack)) {
      if (first === 'table') {
        family = t.length > 3 ? t[1]!.text : 'ip';
        table = t.length > 3 ? t[2]!.text : (t[1]?.text ?? '');
        stack.push({ kind: 'table', name: table });
      } else if (first === 'chain' && stack.length === 1) {
        chain = { table, family, chain: t[1]?.text ?? '', type: '', hook: '', priority: '', policy: '', line };
        if (out.chains.length < MAX_ITEMS) out.chains.push(chain);
        stack.push({ kind: 'chain', name: chain.chain });
      } else if ((first === 'set' || first === 'map') && stack.length === 1) {
        stack.push({ kind: 'set', name: t[1]?.text ?? '' });
      } else {
        stack.push({ kind: 'other', name: first });
      }
      continue;
    }

    // A statement; join lines while its braces are open.
    let tokens = t;
    let depth = depthOf(t);
    let joined = 0;
    while (depth > 0 && n + 1 < lines.length && joined < MAX_JOIN && tokens.length < MAX_ITEMS) {
      n++;
      joined++;
      const more = lex(lines[n]!.trim());
      depth += depthOf(more);
      tokens = tokens.concat(more);
    }
    const top = stack[stack.length - 1];
    if (top?.kind === 'set') {
      const i = tokens.findIndex((x) => x.text === 'elements');
      if (i >= 0) {
        const key = `${family} ${table} ${top.name}`;
        const into = sets.get(key) ?? [];
        readPortSpec(tokens, i + 2, into);
        sets.set(key, into);
      }
      continue;
    }
    if (top?.kind !== 'chain' || !chain) continue;
    if (first === 'type' || (first === 'policy' && tokens.length <= 3)) {
      readChainHeader(tokens, chain);
      continue;
    }
    if (out.rules.length >= MAX_ITEMS) {
      out.truncated = true;
      continue;
    }
    out.rules.push(parseRule(tokens, line, chain, (name) => sets.get(`${family} ${table} ${name}`)));
  }
  return out;
}

function isBlockOpener(first: string, stack: readonly Block[]): boolean {
  if (stack.length === 0) return first === 'table';
  // Inside a chain every line is a rule, whatever it starts with.
  return stack[stack.length - 1]!.kind !== 'chain';
}

interface Lexeme {
  text: string;
  quoted: boolean;
}

/** Words, with `{ } , ;` as their own tokens and `"…"` as one quoted token. */
function lex(s: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  const n = s.length;
  while (i < n && out.length < 4 * 256) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '{' || c === '}' || c === ',' || c === ';') {
      out.push({ text: c, quoted: false });
      i++;
    } else if (c === '"') {
      const start = ++i;
      while (i < n && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      out.push({ text: s.slice(start, Math.min(i, n)), quoted: true });
      i++;
    } else {
      const start = i;
      while (i < n && !' \t{},;"'.includes(s[i]!)) i++;
      out.push({ text: s.slice(start, i), quoted: false });
    }
  }
  return out;
}

function depthOf(tokens: readonly Lexeme[]): number {
  let d = 0;
  for (const t of tokens) {
    if (t.quoted) continue;
    if (t.text === '{') d++;
    else if (t.text === '}') d--;
  }
  return d;
}

/** `type filter hook input priority filter ; policy accept ;` */
function readChainHeader(tokens: readonly Lexeme[], chain: NftChain): void {
  for (let k = 0; k + 1 < tokens.length; k++) {
    const key = tokens[k]!.text;
    const val = tokens[k + 1]!.text;
    if (key === 'type') chain.type = val;
    else if (key === 'hook') chain.hook = val;
    else if (key === 'priority') chain.priority = val;
    else if (key === 'policy') chain.policy = val;
    else continue;
    k++;
  }
}

const VERDICTS = new Set(['accept', 'drop', 'reject', 'return', 'queue', 'continue']);
const L4 = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite', 'th']);
// Named services nft may print instead of numbers (`nft -S`, older versions).
const SERVICES: Readonly<Record<string, number>> = { ssh: 22, http: 80, https: 443, domain: 53, smtp: 25, postgresql: 5432, mysql: 3306 };

function parseRule(
  tokens: readonly Lexeme[],
  line: string,
  chain: NftChain,
  lookupSet: (name: string) => NftPortRange[] | undefined,
): NftRule {
  const r: NftRule = {
    table: chain.table,
    family: chain.family,
    chain: chain.chain,
    hook: chain.hook,
    policy: chain.policy,
    action: '',
    target: '',
    proto: '',
    dports: [],
    dport_ranges: [],
    dport_set: '',
    source: '',
    in_iface: '',
    comment: '',
    has_negation: false,
    line,
  };
  for (let k = 0; k < tokens.length; k++) {
    const tk = tokens[k]!;
    if (tk.quoted) continue;
    const w = tk.text;
    const next = tokens[k + 1]?.text ?? '';
    if (w === '!=') r.has_negation = true;
    if (w === 'comment' || w === 'prefix') {
      if (w === 'comment') r.comment = next;
      k++;
    } else if (VERDICTS.has(w)) {
      r.action = w;
    } else if ((w === 'jump' || w === 'goto') && next) {
      r.action = w;
      r.target = next;
      k++;
    } else if (L4.has(w) && next === 'dport') {
      if (w !== 'th') r.proto = w;
      let at = k + 2;
      const negated = tokens[at]?.text === '!=';
      if (negated) {
        r.has_negation = true;
        at++;
      }
      const spec = tokens[at]?.text ?? '';
      if (!negated && spec.startsWith('@')) {
        r.dport_set = spec.slice(1);
        for (const p of lookupSet(r.dport_set) ?? []) addRange(r, p.from, p.to);
      } else if (!negated) {
        readPortSpec(tokens, at, r.dport_ranges);
        for (const p of r.dport_ranges) if (p.from === p.to && !r.dports.includes(p.from) && r.dports.length < MAX_ITEMS) r.dports.push(p.from);
      }
      k = at;
    } else if (L4.has(w) && next === 'sport' && w !== 'th') {
      r.proto = w;
    } else if ((w === 'l4proto' || w === 'protocol' || w === 'nexthdr') && L4.has(next)) {
      r.proto = next;
      k++;
    } else if ((w === 'saddr' && (tokens[k - 1]?.text === 'ip' || tokens[k - 1]?.text === 'ip6')) || ((w === 'iif' || w === 'iifname') && next)) {
      // `ip saddr != 10.0.0.0/8`: keep the negation visible as a `!` prefix.
      const negated = next === '!=';
      const value = negated ? '!' + (tokens[k + 2]?.text ?? '') : next;
      if (negated) r.has_negation = true;
      if (w === 'saddr') r.source = value;
      else r.in_iface = value;
      k += negated ? 2 : 1;
    }
  }
  return r;
}

function addRange(r: NftRule, from: number, to: number): void {
  if (r.dport_ranges.length < MAX_ITEMS) r.dport_ranges.push({ from, to });
  if (from === to && r.dports.length < MAX_ITEMS) r.dports.push(from);
}

/** Reads `80`, `8000-8080`, or `{ 80, 443, 8000-8080 }` starting at token `at`. */
function readPortSpec(tokens: readonly Lexeme[], at: number, into: NftPortRange[]): void {
  const first = tokens[at];
  if (!first) return;
  if (first.text !== '{') {
    pushPort(first.text, into);
    return;
  }
  for (let k = at + 1; k < tokens.length && into.length < MAX_ITEMS; k++) {
    const x = tokens[k]!.text;
    if (x === '}') break;
    if (x !== ',') pushPort(x, into);
  }
}

function pushPort(spec: string, into: NftPortRange[]): void {
  const dash = spec.indexOf('-');
  const a = dash < 0 ? spec : spec.slice(0, dash);
  const b = dash < 0 ? spec : spec.slice(dash + 1);
  const from = isDigits(a) ? toInt(a) : SERVICES[a];
  const to = isDigits(b) ? toInt(b) : SERVICES[b];
  if (from === undefined || to === undefined || into.length >= MAX_ITEMS) return;
  into.push({ from, to });
}
