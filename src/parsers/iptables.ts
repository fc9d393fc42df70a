/**
 * `iptables -S` / `ip6tables -S` and `iptables-save` (the same rule syntax, plus `*table`
 * and `:CHAIN POLICY [packets:bytes]` lines).
 *
 * Ports: `--dport 80`, `--dport 8000:8080`, `--dports 80,443,8000:8080` (multiport). Single
 * ports go to `dports`; every spec, ranges included, to `dport_ranges`, so a flow can ask
 * `r.dport_ranges.exists(p, p.from <= 80 && 80 <= p.to)`. Negated matches (`! --dport 22`)
 * are left out of both and flagged by `has_negation`, so read such rules with care.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, isDigits, quotedWords, splitLines, toInt, total } from './text.js';

const IPTABLES_PORT_RANGE = struct('IptablesPortRange', { from: 'int', to: 'int' });
export type IptablesPortRange = Infer<typeof IPTABLES_PORT_RANGE>;

const IPTABLES_POLICY = struct('IptablesPolicy', {
  table: 'string',
  chain: 'string',
  /** `ACCEPT`, `DROP`. */
  policy: 'string',
  line: 'string',
});
export type IptablesPolicy = Infer<typeof IPTABLES_POLICY>;

const IPTABLES_RULE = struct('IptablesRule', {
  /** From `*table` in iptables-save output; `filter` otherwise (what `-S` shows by default). */
  table: 'string',
  chain: 'string',
  /** The `-j`/`-g` target: `ACCEPT`, `DROP`, `REJECT`, `LOG`, a user chain; `''` if none. */
  action: 'string',
  /** `tcp`, `udp`, `!tcp` when negated, `''` for all. */
  proto: 'string',
  /** The first destination port named (a range's start), 0 if none. */
  dport: 'int',
  dports: list('int'),
  dport_ranges: list(IPTABLES_PORT_RANGE),
  /** `-s`, with `!` prefix when negated; `''` for any. */
  source: 'string',
  destination: 'string',
  in_iface: 'string',
  has_negation: 'bool',
  line: 'string',
});
export type IptablesRule = Infer<typeof IPTABLES_RULE>;

const IPTABLES_RULESET = struct('IptablesRuleset', {
  policies: list(IPTABLES_POLICY),
  rules: list(IPTABLES_RULE),
  /** iptables' own error lines (`Permission denied (you must be root)`). */
  errors: list('string'),
  truncated: 'bool',
});
export type IptablesRuleset = Infer<typeof IPTABLES_RULESET>;

export const iptablesParser = parser({
  name: 'iptables',
  description: 'Chain policies and rules (target, protocol, ports, source) from `iptables -S` or `iptables-save`.',
  type: IPTABLES_RULESET,
  parse: (text) => total(text, empty, parseIptables),
});

function empty(): IptablesRuleset {
  return { policies: [], rules: [], errors: [], truncated: false };
}

function parseIptables(text: string): IptablesRuleset {
  const out = empty();
  let table = 'filter';
  for (const line of splitLines(text)) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      continue;
    }
    if (line.startsWith(':')) {
      // iptables-save: `:INPUT DROP [0:0]`; user chains show `-` as policy.
      const w = quotedWords(line.slice(1), 3);
      if (w[0] && w[1] && w[1] !== '-') pushPolicy(out, { table, chain: w[0], policy: w[1], line });
      continue;
    }
    if (line.startsWith('-P ')) {
      const w = quotedWords(line, 3);
      if (w[1] && w[2]) pushPolicy(out, { table, chain: w[1], policy: w[2], line });
      continue;
    }
    if (line.startsWith('-A ') || line.startsWith('-I ')) {
      if (out.rules.length >= MAX_ITEMS) {
        out.truncated = true;
        continue;
      }
      out.rules.push(parseRule(line, table));
      continue;
    }
    if ((line.startsWith('iptables') || line.startsWith('ip6tables')) && line.includes(': ') && out.errors.length < MAX_ITEMS) {
      out.errors.push(line);
    }
  }
  return out;
}

function pushPolicy(out: IptablesRuleset, p: IptablesPolicy): void {
  if (out.policies.length < MAX_ITEMS) out.policies.push(p);
}

function parseRule(line: string, table: string): IptablesRule {
  const w = quotedWords(line);
  const r: IptablesRule = {
    table,
    chain: w[1] ?? '',
    action: '',
    proto: '',
    dport: 0,
    dports: [],
    dport_ranges: [],
    source: '',
    destination: '',
    in_iface: '',
    has_negation: false,
    line,
  };
  let negate = false;
  for (let k = 2; k < w.length; k++) {
    const opt = w[k]!;
    if (opt === '!') {
      negate = true;
      r.has_negation = true;
      continue;
    }
    const val = w[k + 1] ?? '';
    const neg = negate ? '!' : '';
    let used = true;
    switch (opt) {
      case '-p':
      case '--protocol':
        r.proto = neg + val;
        break;
      case '-s':
      case '--source':
        r.source = neg + val;
        break;
      case '-d':
      case '--destination':
        r.destination = neg + val;
        break;
      case '-i':
      case '--in-interface':
        r.in_iface = neg + val;
        break;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto':
        r.action = val;
        break;
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports':
        if (!negate) addPorts(r, val);
        break;
      default:
        used = false;
    }
    negate = false;
    if (used) k++;
  }
  return r;
}

/** `80`, `8000:8080`, `80,443,8000:8080` (a range with an open end means 0 or 65535). */
function addPorts(r: IptablesRule, spec: string): void {
  for (const part of spec.split(',', 64)) {
    const colon = part.indexOf(':');
    const a = colon < 0 ? part : part.slice(0, colon);
    const b = colon < 0 ? part : part.slice(colon + 1);
    if ((a !== '' && !isDigits(a)) || (b !== '' && !isDigits(b))) continue;
    const from = a === '' ? 0 : toInt(a);
    const to = b === '' ? 65535 : toInt(b);
    if (r.dport === 0) r.dport = from;
    if (colon < 0 && r.dports.length < MAX_ITEMS) r.dports.push(from);
    if (r.dport_ranges.length < MAX_ITEMS) r.dport_ranges.push({ from, to });
  }
}
