/**
 * What the host firewall does with a packet: netfilter's walk, as a pure function.
 *
 * Input: `iptables-save` output (every table, v4 and v6, legacy and nf_tables backends, see
 * parsers/iptables-save.ts) and `nft -j list ruleset` (parsers/nft-json.ts). The packet goes
 * through every hook it crosses (input: prerouting then input; output: output then
 * postrouting), and at each hook through every base chain of its family in priority order,
 * across tables, backends and nft tables (`inet` for both families). An accept ends only
 * that base chain: the next base chain at the hook still sees the packet, so a drop in any
 * of them drops it (nft(8), "VERDICT STATEMENT"; iptables-extensions(8) for the iptables
 * side). `nat` chains see only the first packet of a connection (ct state new).
 *
 * Inside a chain the rules are matched in order, with jump/goto/return as netfilter has
 * them: `goto` does not come back, and at the end of a chain reached by `goto` the walk
 * returns to the chain that made the last `jump` (or to the policy of the base chain).
 *
 * Never a guess: a match the model does not understand is "unknown". The walk is then run
 * both ways (the match true, the match false), and only if every way ends with the same
 * verdict is that verdict returned; otherwise the verdict is `unknown`, naming the rule and
 * the reason. So an unknown match in a rule that cannot change the outcome (its other
 * matches fail, or its target only logs) costs nothing.
 *
 * iptables-nft's tables also appear in `nft -j` output, with `xt` expressions for what nft
 * cannot express; when the iptables-save input shows the same table from the nf_tables
 * backend, it is read from there instead (once).
 */
import type { IptMatch, IptRule, IptSave } from '../parsers/iptables-save.js';
import type { NftJsonExpr, NftJsonRule, NftJsonRuleset, NftJsonValue } from '../parsers/nft-json.js';
import { list, struct, type Infer } from '../parsers/types.js';
import { familyOf, inNet, parseAddr, parseNet, prefixNet } from './firewall-ip.js';

export type CtState = 'new' | 'established' | 'related' | 'invalid' | 'untracked' | '';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

export const FW_PACKET_TYPE = struct('FwPacket', {
  /** 4 or 6; 0 → taken from `src`. */
  family: 'int',
  /** `tcp`, `udp`, `icmp`, `icmpv6`. */
  proto: 'string',
  src: 'string',
  dst: 'string',
  sport: 'int',
  dport: 'int',
  /** Interface names; `''` when not known (a match on it is then unknown). */
  iif: 'string',
  oif: 'string',
  /** `new`, `established`, `related`, `invalid`, `untracked`; `''` when not known. */
  ct_state: 'string',
  /** The hook the packet is headed for: `input` (walks prerouting, input), `output` (output, postrouting), `forward`. */
  hook: 'string',
  /** TCP flags, comma-separated (`SYN`, `SYN,ACK`, `RST,ACK`); `''` → `SYN` for a new connection, else unknown. */
  tcp_flags: 'string',
});
export type FwPacket = Infer<typeof FW_PACKET_TYPE>;

const REF_TYPE = struct('FwRule', {
  /** `iptables` or `nft`; `''` when no rule decided (no base chain at all). */
  source: 'string',
  /** iptables: `legacy` or `nf_tables`; nft: `''`. */
  backend: 'string',
  /** `ip`, `ip6`, `inet`… (iptables: `ip` or `ip6`). */
  family: 'string',
  table: 'string',
  chain: 'string',
  /** nft rule handle (0 for iptables and for policies). */
  handle: 'int',
  /** 1-based position in the chain (0 for a policy). */
  position: 'int',
  /** Line in the iptables-save input (0 for nft). */
  line: 'int',
  /** The iptables-save line, or the nft rule's expressions as JSON; for a policy `policy drop`. */
  text: 'string',
  /** iptables-save arguments after `-A CHAIN` (for `iptables -D`). */
  args: list('string'),
  /** The chain's policy decided, not a rule. */
  policy: 'bool',
});
export type FwRuleRef = Infer<typeof REF_TYPE>;

export const FW_VERDICT_TYPE = struct('FwVerdict', {
  /** `accept`, `drop`, `reject`, `unknown`. */
  verdict: 'string',
  /** `tcp-reset`, `icmp-port-unreachable`, `icmp-host-prohibited`, `icmpx-admin-prohibited`…; `''` unless reject. */
  reject_with: 'string',
  /** `tcp-reset` or `icmp` (`''` unless reject). */
  reject_kind: 'string',
  /** What the client sees, in words: "refused with a TCP reset", "answered with ICMP port-unreachable". */
  effect: 'string',
  /** Why: for `unknown`, what was not understood; else how it was decided. */
  reason: 'string',
  rule: REF_TYPE,
  /** Base chains and chains entered, in order: `iptables ip filter INPUT`, `ufw-before-input`, `nft inet guard input`. */
  path: list('string'),
  /** Who manages the rules: `ufw`, `firewalld`, `docker`, or `''`. */
  manager: 'string',
  /** The packet's ct state after the walk (`untracked` after NOTRACK). */
  ct_state: 'string',
});
export type FwVerdict = Infer<typeof FW_VERDICT_TYPE>;

export const FW_FATE_TYPE = struct('FwFate', {
  /** `accept` (both ways pass), `drop`, `reject`, `unknown`: the connection's fate. */
  verdict: 'string',
  /**
   * What the client sees: `connected`, `refused` (TCP reset), `icmp-<code>`, `timeout`,
   * `stalled` (connect() succeeds, then nothing reaches the server: its ACK is dropped),
   * `broken` (connect() may succeed, then an error: its ACK is rejected), `unknown`.
   */
  observed: 'string',
  /** The client's SYN at the server's input. */
  syn: FW_VERDICT_TYPE,
  /** The server's answer at its output: SYN-ACK, the stack's RST (no listener) or the REJECT's own reset/ICMP. */
  reply: FW_VERDICT_TYPE,
  /** The client's ACK completing the handshake, at the server's input (verdict `''` when not sent). */
  ack: FW_VERDICT_TYPE,
  /** Which packet decided (`syn`, `reply`, `ack`; `''` when all pass). */
  decided_by: 'string',
});
export type FwFate = Infer<typeof FW_FATE_TYPE>;

/** The firewall as read from the host: either part may be empty. */
export interface Firewall {
  iptables?: IptSave | undefined;
  nft?: NftJsonRuleset | undefined;
}

/**
 * The verdict of the host firewall on one packet, and the rule that decided it.
 *
 * @example
 * evaluate({ iptables: iptablesSaveParser.parse(save) },
 *   { family: 4, proto: 'tcp', src: '198.18.1.10', dst: '198.18.2.10', sport: 40000, dport: 80,
 *     iif: 'eth0', oif: '', ct_state: 'new', hook: 'input', tcp_flags: '' }).verdict // 'drop'
 */
export function evaluate(fw: Firewall, packet: FwPacket): FwVerdict {
  return stripInternal(evaluateCompiled(compile(fw), packet));
}

/**
 * A connection's fate, both ways: the client's SYN through the server's input, then what
 * the server sends back through its output (the SYN-ACK with ct state established, the
 * stack's reset when nothing listens, or a REJECT's reset/ICMP error, which is `related`),
 * then the client's ACK that completes the handshake (input, established).
 */
export function packetFate(fw: Firewall, syn: FwPacket, opts: { listener?: boolean } = {}): FwFate {
  const c = compile(fw);
  const listener = opts.listener ?? true;
  const inSyn: FwPacket = { ...syn, hook: 'input', ct_state: syn.ct_state || 'new', tcp_flags: syn.tcp_flags || 'SYN' };
  const first = evaluateCompiled(c, inSyn);
  const back = (proto: string, flags: string, ct: string): Verdict =>
    evaluateCompiled(c, {
      ...inSyn,
      proto,
      src: inSyn.dst,
      dst: inSyn.src,
      sport: proto === 'tcp' ? inSyn.dport : 0,
      dport: proto === 'tcp' ? inSyn.sport : 0,
      iif: '',
      oif: inSyn.iif,
      ct_state: ct,
      hook: 'output',
      tcp_flags: flags,
    });
  const none = noVerdict('not sent');
  // Without a conntrack entry for the SYN (NOTRACK), the answer opens one of its own.
  const answerCt = first.ct_state === 'untracked' ? 'new' : 'established';
  let reply: Verdict = none;
  let ack: Verdict = none;
  let observed: string;
  if (first.verdict === 'accept') {
    reply = back('tcp', listener ? 'SYN,ACK' : 'RST,ACK', answerCt);
    if (reply.verdict !== 'accept') observed = reply.verdict === 'unknown' ? 'unknown' : 'timeout';
    else if (!listener) observed = 'refused';
    else {
      ack = evaluateCompiled(c, { ...inSyn, ct_state: 'established', tcp_flags: 'ACK' });
      // The client's connect() has returned by the time its ACK is judged: a dropped ACK
      // leaves a connection that stalls; a rejected one is torn down at once.
      observed = ack.verdict === 'accept' ? 'connected' : ack.verdict === 'drop' ? 'stalled' : ack.verdict === 'reject' ? 'broken' : 'unknown';
    }
  } else if (first.verdict === 'reject') {
    // REJECT's answer is attached to the SYN's conntrack entry as related (nf_conntrack_attach).
    const ct = first.ct_state === 'untracked' ? '' : 'related';
    reply = first.reject_kind === 'tcp-reset' ? back('tcp', 'RST,ACK', ct) : back(first.family6 ? 'icmpv6' : 'icmp', '', ct);
    observed =
      reply.verdict === 'accept'
        ? first.reject_kind === 'tcp-reset'
          ? 'refused'
          : `icmp-${icmpCode(first.reject_with)}`
        : reply.verdict === 'unknown'
          ? 'unknown'
          : 'timeout';
  } else {
    observed = first.verdict === 'drop' ? 'timeout' : 'unknown';
  }
  const legs: [string, Verdict][] = [
    ['syn', first],
    ['reply', reply],
    ['ack', ack],
  ];
  // The first leg that did not let its packet through decides; a SYN's reject decides even
  // when its answer then passes (that answer is the reject's own).
  const stop = legs.find(([, v]) => v.verdict !== 'accept' && v !== none);
  let verdict = stop ? stop[1].verdict : 'accept';
  if (stop && stop[0] === 'syn' && first.verdict === 'reject' && reply.verdict !== 'accept') verdict = reply.verdict === 'unknown' ? 'unknown' : 'drop';
  const decided = stop ? (stop[0] === 'syn' && first.verdict === 'reject' && reply.verdict !== 'accept' ? 'reply' : stop[0]) : '';
  return { verdict, observed, syn: stripInternal(first), reply: stripInternal(reply), ack: stripInternal(ack), decided_by: decided };
}

/** `icmp-port-unreachable` → `port-unreachable`; `icmpx-admin-prohibited` → `admin-prohibited`; `icmp6-adm-prohibited` → `admin-prohibited`. */
export function icmpCode(rejectWith: string): string {
  const code = rejectWith.replace(/^icmp(v6|6|x)?-/, '');
  return code === 'adm-prohibited' ? 'admin-prohibited' : code;
}

// ---------------------------------------------------------------------------------------
// Compiled form: both sources become chains of rules with conditions and an action.

type Tri = boolean | { unknown: string };
interface Ctx {
  pkt: Pkt;
  hook: Hook;
  /** The ct state a match sees here: before conntrack (priority below -200 at prerouting and output) none is attached, which reads as invalid. */
  ct: CtState;
}
interface Pkt {
  family: 4 | 6;
  proto: number;
  src: { family: 4 | 6; addr: bigint } | undefined;
  dst: { family: 4 | 6; addr: bigint } | undefined;
  sport: number;
  dport: number;
  iif: string;
  oif: string;
  ct: CtState;
  flags: Set<string> | undefined;
}
type Cond = (c: Ctx) => Tri;
type Action =
  | { kind: 'accept' | 'drop' | 'return' | 'continue' | 'nat-accept' }
  | { kind: 'reject'; with: string }
  | { kind: 'jump' | 'goto'; target: string }
  | { kind: 'unknown'; reason: string };
type Effect = { kind: 'notrack' } | { kind: 'unknown'; reason: string };

interface MRule {
  ref: FwRuleRef;
  conds: Cond[];
  effects: Effect[];
  action: Action;
}
interface MChain {
  label: string;
  source: 'iptables' | 'nft';
  family: string;
  /** 4, 6, or 0 for both (nft inet). */
  ipFamily: 0 | 4 | 6;
  backend: string;
  table: string;
  name: string;
  base: { hook: Hook; prio: number; policy: string; type: string } | undefined;
  rules: MRule[];
  /** Resolves jump/goto targets in the same table. */
  siblings: Map<string, MChain>;
}
interface Compiled {
  bases: MChain[];
  manager: string;
  /** Why the rules could not be read (any verdict is then unknown), or `''`. */
  unreadable: string;
}

const PROTO: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, 'ipv6-icmp': 58, sctp: 132, udplite: 136, dccp: 33, esp: 50, ah: 51, gre: 47, all: 0 };

function protoNumber(s: string): number | undefined {
  const l = s.toLowerCase();
  if (/^\d{1,3}$/.test(l)) return Number(l);
  return PROTO[l];
}

export function compile(fw: Firewall): Compiled {
  const bases: MChain[] = [];
  const ipt = fw.iptables;
  const nftTablesFromIptables = new Set<string>();
  let manager = '';
  if (ipt) {
    const byKey = new Map<string, MChain>();
    const tables = new Map<string, Map<string, MChain>>();
    for (const c of ipt.chains) {
      const fam = c.family === 6 ? 'ip6' : 'ip';
      const tkey = `${c.backend} ${fam} ${c.table}`;
      let siblings = tables.get(tkey);
      if (!siblings) tables.set(tkey, (siblings = new Map()));
      const hook = c.builtin ? BUILTIN_HOOK[c.chain] : undefined;
      const chain: MChain = {
        label: `iptables${c.backend === 'legacy' ? '-legacy' : '-nft'} ${fam} ${c.table} ${c.chain}`,
        source: 'iptables',
        family: fam,
        ipFamily: c.family === 6 ? 6 : 4,
        backend: c.backend,
        table: c.table,
        name: c.chain,
        base: hook ? { hook, prio: iptablesPrio(c.table, hook), policy: c.policy.toLowerCase(), type: c.table === 'nat' ? 'nat' : 'filter' } : undefined,
        rules: [],
        siblings,
      };
      siblings.set(c.chain, chain);
      byKey.set(`${tkey} ${c.chain}`, chain);
      if (chain.base) bases.push(chain);
      if (c.backend === 'nf_tables') nftTablesFromIptables.add(`${fam} ${c.table}`);
      if (c.chain.startsWith('ufw-') || c.chain.startsWith('ufw6-')) manager = 'ufw';
      else if (!manager && (c.chain.startsWith('IN_public') || c.chain === 'INPUT_direct' || c.chain.startsWith('INPUT_ZONES'))) manager = 'firewalld';
      else if (!manager && c.chain === 'DOCKER-USER') manager = 'docker';
    }
    for (const r of ipt.rules) {
      const fam = r.family === 6 ? 'ip6' : 'ip';
      const chain = byKey.get(`${r.backend} ${fam} ${r.table} ${r.chain}`);
      if (chain) chain.rules.push(iptablesRule(r, fam));
    }
  }
  const nft = fw.nft;
  if (nft) {
    const tables = new Map<string, Map<string, MChain>>();
    for (const c of nft.chains) {
      if (nftTablesFromIptables.has(`${c.family} ${c.table}`)) continue;
      if (c.family !== 'ip' && c.family !== 'ip6' && c.family !== 'inet') continue;
      const tkey = `${c.family} ${c.table}`;
      let siblings = tables.get(tkey);
      if (!siblings) tables.set(tkey, (siblings = new Map()));
      const hook = HOOKS.has(c.hook) ? (c.hook as Hook) : undefined;
      const chain: MChain = {
        label: `nft ${c.family} ${c.table} ${c.name}`,
        source: 'nft',
        family: c.family,
        ipFamily: c.family === 'ip' ? 4 : c.family === 'ip6' ? 6 : 0,
        backend: '',
        table: c.table,
        name: c.name,
        base: c.base && hook ? { hook, prio: c.prio, policy: c.policy || 'accept', type: c.type } : undefined,
        rules: [],
        siblings,
      };
      siblings.set(c.name, chain);
      if (chain.base) bases.push(chain);
      if (c.table === 'firewalld') manager = manager || 'firewalld';
    }
    for (const r of nft.rules) {
      const chain = tables.get(`${r.family} ${r.table}`)?.get(r.chain);
      if (chain) chain.rules.push(nftRule(r));
    }
  }
  // Stable: equal priorities keep input order (the kernel runs them in registration order).
  bases.sort((a, b) => a.base!.prio - b.base!.prio);
  // A capture that failed (not root, command missing) says nothing: no verdict from it.
  const failed = [
    ...(ipt && ipt.chains.length === 0 ? ipt.errors : []),
    ...(nft && nft.chains.length === 0 ? nft.errors : []),
  ];
  return { bases, manager, unreadable: !ipt && !nft ? 'no firewall rules were read' : failed.length > 0 ? `the firewall could not be read: ${failed[0]}` : '' };
}

const HOOKS = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting']);
const BUILTIN_HOOK: Readonly<Record<string, Hook>> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};

/** Priorities of the iptables tables (linux/netfilter_ipv4.h, NF_IP_PRI_*). */
function iptablesPrio(table: string, hook: Hook): number {
  switch (table) {
    case 'raw':
      return -300;
    case 'mangle':
      return -150;
    case 'nat':
      return hook === 'prerouting' || hook === 'output' ? -100 : 100;
    case 'security':
      return 50;
    default:
      return 0;
  }
}

/** The hooks a packet crosses on its way to `hook`. */
function hooksFor(hook: string): Hook[] {
  switch (hook) {
    case 'input':
      return ['prerouting', 'input'];
    case 'output':
      return ['output', 'postrouting'];
    case 'forward':
      return ['prerouting', 'forward', 'postrouting'];
    default:
      return HOOKS.has(hook) ? [hook as Hook] : [];
  }
}

// ---------------------------------------------------------------------------------------
// The walk.

const MAX_STEPS = 100_000;
const MAX_RUNS = 256;

interface Outcome {
  verdict: 'accept' | 'drop' | 'reject' | 'unknown';
  rejectWith: string;
  reason: string;
  rule: FwRuleRef;
  path: string[];
  ct: CtState;
}

/** Internal extra: whether the packet was IPv6 (for the reject's ICMP flavour). */
type Verdict = FwVerdict & { family6?: boolean };

function evaluateCompiled(c: Compiled, packet: FwPacket): Verdict {
  const fam = packet.family === 6 || packet.family === 4 ? packet.family : familyOf(packet.src) || familyOf(packet.dst) || 4;
  const proto = protoNumber(packet.proto) ?? -1;
  const flags = packet.tcp_flags
    ? new Set(packet.tcp_flags.toUpperCase().split(',').map((s) => s.trim()))
    : packet.ct_state === 'new'
      ? new Set(['SYN'])
      : undefined;
  const pkt: Pkt = {
    family: fam,
    proto,
    src: parseAddr(packet.src),
    dst: parseAddr(packet.dst),
    sport: packet.sport,
    dport: packet.dport,
    iif: packet.iif,
    oif: packet.oif,
    ct: (['new', 'established', 'related', 'invalid', 'untracked'].includes(packet.ct_state) ? packet.ct_state : '') as CtState,
    flags: proto === 6 ? flags : undefined,
  };
  const hooks = hooksFor(packet.hook);
  if (hooks.length === 0) return finish(c, unknownOutcome(`hook "${packet.hook}" is not one the model walks`), fam);
  // Every assignment of the unknown matches met on the way, depth first.
  const outcomes: Outcome[] = [];
  const pending: boolean[][] = [[]];
  let firstUnknown: { rule: FwRuleRef; reason: string } | undefined;
  while (pending.length > 0) {
    if (outcomes.length >= MAX_RUNS) {
      return finish(c, { ...unknownOutcome(`more than ${MAX_RUNS} combinations of matches the model cannot evaluate`), rule: firstUnknown?.rule ?? NO_RULE }, fam);
    }
    const choices = pending.pop()!;
    const seen: { rule: FwRuleRef; reason: string }[] = [];
    const o = walk(c, pkt, hooks, choices, seen);
    firstUnknown ??= seen[0];
    outcomes.push(o);
    // Branch on every unknown met past the given choices: the first run took "false".
    for (let i = seen.length - 1; i >= choices.length; i--) {
      pending.push([...choices, ...new Array<boolean>(i - choices.length).fill(false), true]);
    }
  }
  const first = outcomes[0]!;
  // The same verdict is not the same outcome when the packet leaves tracked on one branch and
  // untracked (NOTRACK) on another: its answer's ct state, and so the answer's fate, differ.
  const same = outcomes.every((o) => o.verdict === first.verdict && o.rejectWith === first.rejectWith && o.ct === first.ct && o.verdict !== 'unknown');
  if (same) {
    return finish(c, outcomes.length > 1 ? { ...first, reason: `${first.reason} (whatever ${firstUnknown!.reason})` } : first, fam);
  }
  const u = outcomes.find((o) => o.verdict === 'unknown');
  if (u && outcomes.length === 1) return finish(c, u, fam);
  const ctDiffers = outcomes.some((o) => o.ct !== first.ct);
  const kinds = [...new Set(outcomes.map((o) => o.verdict + (o.rejectWith ? ` (${o.rejectWith})` : '') + (ctDiffers ? (o.ct === 'untracked' ? ', untracked' : ', tracked') : '')))].join(' or ');
  return finish(
    c,
    {
      ...unknownOutcome(`the outcome depends on a match the model cannot evaluate: ${firstUnknown?.reason ?? u?.reason ?? ''}; it would be ${kinds}`),
      rule: firstUnknown?.rule ?? u?.rule ?? NO_RULE,
      path: first.path,
    },
    fam,
  );
}

function walk(c: Compiled, pkt0: Pkt, hooks: Hook[], choices: boolean[], seen: { rule: FwRuleRef; reason: string }[]): Outcome {
  const pkt: Pkt = { ...pkt0 };
  const path: string[] = [];
  let accepted: Outcome | undefined;
  const budget = { steps: 0 };
  const decide = (rule: FwRuleRef, reason: string): boolean => {
    const i = seen.length;
    seen.push({ rule, reason });
    return choices[i] ?? false;
  };
  for (const hook of hooks) {
    const here = c.bases.filter((base) => {
      const b = base.base!;
      // nat chains see the first packet of a connection only.
      return b.hook === hook && (base.ipFamily === 0 || base.ipFamily === pkt.family) && !(b.type === 'nat' && pkt.ct !== 'new');
    });
    for (let i = 0; i < here.length; ) {
      // Base chains of equal priority run in the order they were registered (the later
      // first: nf_hook_entries_grow), which no dump shows: each is run on its own, and when
      // their outcomes differ in a way the order decides, the verdict is unknown.
      const prio = here[i]!.base!.prio;
      let j = i;
      while (j < here.length && here[j]!.base!.prio === prio) j++;
      const group = here.slice(i, j);
      i = j;
      const results = group.map((base) => {
        if (path.length < 500) path.push(base.label);
        const own: Pkt = { ...pkt };
        return { result: runChain(base, own, hook, path, decide, budget), ct: own.ct };
      });
      const stops = results.filter((r) => r.result.verdict !== 'accept');
      const cts = new Set(results.map((r) => r.ct));
      if (group.length > 1 && (cts.size > 1 || (stops.length > 0 && stops.some((s) => s.result.verdict !== stops[0]!.result.verdict || s.result.rejectWith !== stops[0]!.result.rejectWith)) || stops.some((s) => s.result.verdict === 'unknown'))) {
        return {
          ...unknownOutcome(`base chains ${group.map((g) => g.label).join(', ')} share priority ${prio}, and their order (which the rule dumps do not show) decides`),
          rule: stops[0]?.result.rule ?? NO_RULE,
          path,
        };
      }
      pkt.ct = results[0]?.ct ?? pkt.ct;
      if (stops[0]) return { ...stops[0].result, path };
      for (const { result } of results) {
        // An accept ends this base chain only; remember the last explicit one as the decider.
        if (!accepted || !result.rule.policy || accepted.rule.policy) accepted = result;
      }
    }
  }
  if (!accepted) return { verdict: 'accept', rejectWith: '', reason: 'no base chain filters this packet', rule: NO_RULE, path, ct: pkt.ct };
  return { ...accepted, path, ct: pkt.ct };
}

/** One base chain, with the chains it jumps to: its verdict (accept, drop, reject, unknown). */
function runChain(
  base: MChain,
  pkt: Pkt,
  hook: Hook,
  path: string[],
  decide: (rule: FwRuleRef, reason: string) => boolean,
  budget: { steps: number },
): Outcome {
  const ctx: Ctx = { pkt, hook, ct: ctAt(pkt.ct, hook, base.base!.prio) };
  const stack: { chain: MChain; next: number }[] = [{ chain: base, next: 0 }];
  for (;;) {
    if (++budget.steps > MAX_STEPS) return { ...unknownOutcome(`more than ${MAX_STEPS} rules on the way (a loop?)`), path };
    const top = stack[stack.length - 1];
    if (!top) return policyOutcome(base, path, pkt.ct);
    const rule = top.chain.rules[top.next++];
    if (!rule) {
      stack.pop();
      continue;
    }
    const m = matches(rule, ctx);
    if (m === false) continue;
    if (m !== true && !decide(rule.ref, m.unknown)) continue;
    for (const e of rule.effects) {
      if (e.kind === 'notrack') pkt.ct = ctx.ct = 'untracked';
      else return { ...unknownOutcome(e.reason), rule: rule.ref, path };
    }
    const a = rule.action;
    switch (a.kind) {
      case 'continue':
        break;
      case 'accept':
      case 'nat-accept':
        return { verdict: 'accept', rejectWith: '', reason: `accepted by ${describe(rule.ref)}`, rule: rule.ref, path, ct: pkt.ct };
      case 'drop':
        return { verdict: 'drop', rejectWith: '', reason: `dropped by ${describe(rule.ref)}`, rule: rule.ref, path, ct: pkt.ct };
      case 'reject':
        return { verdict: 'reject', rejectWith: a.with, reason: `rejected by ${describe(rule.ref)}`, rule: rule.ref, path, ct: pkt.ct };
      case 'return':
        stack.pop();
        break;
      case 'jump':
      case 'goto': {
        const target = top.chain.siblings.get(a.target);
        if (!target) return { ...unknownOutcome(`"${a.target}" is neither a chain of the table nor a target the model knows`), rule: rule.ref, path };
        if (path.length < 500) path.push(target.name);
        if (a.kind === 'goto') stack.pop();
        stack.push({ chain: target, next: 0 });
        break;
      }
      case 'unknown':
        return { ...unknownOutcome(a.reason), rule: rule.ref, path };
    }
  }
}

/**
 * Conntrack attaches its entry at priority -200 (NF_IP_PRI_CONNTRACK) at prerouting and
 * output; earlier chains (raw) see no entry, which `ct state` / `--ctstate` read as invalid
 * (xt_conntrack.c, nft_ct.c), unless NOTRACK marked the packet untracked. At exactly -200
 * the order is the order of registration, which the dumps do not show.
 */
function ctAt(ct: CtState, hook: Hook, prio: number): CtState {
  if ((hook !== 'prerouting' && hook !== 'output') || ct === 'untracked' || prio > -200) return ct;
  return prio < -200 ? 'invalid' : '';
}

function policyOutcome(base: MChain, path: string[], ct: CtState): Outcome {
  const b = base.base!;
  const rule: FwRuleRef = {
    source: base.source,
    backend: base.backend,
    family: base.family,
    table: base.table,
    chain: base.name,
    handle: 0,
    position: 0,
    line: 0,
    text: `policy ${b.policy}`,
    args: [],
    policy: true,
  };
  const verdict = b.policy === 'drop' ? 'drop' : b.policy === 'accept' ? 'accept' : 'unknown';
  return { verdict, rejectWith: '', reason: `the policy of ${base.label} (${b.policy})`, rule, path, ct };
}

function matches(rule: MRule, ctx: Ctx): Tri {
  let unknown: { unknown: string } | undefined;
  for (const cond of rule.conds) {
    const r = cond(ctx);
    if (r === false) return false;
    if (r !== true) unknown ??= r;
  }
  return unknown ?? true;
}

const NO_RULE: FwRuleRef = { source: '', backend: '', family: '', table: '', chain: '', handle: 0, position: 0, line: 0, text: '', args: [], policy: false };

function unknownOutcome(reason: string): Outcome {
  return { verdict: 'unknown', rejectWith: '', reason, rule: NO_RULE, path: [], ct: '' };
}

function noVerdict(reason: string): FwVerdict {
  return { verdict: '', reject_with: '', reject_kind: '', effect: '', reason, rule: NO_RULE, path: [], manager: '', ct_state: '' };
}

function finish(c: Compiled, outcome: Outcome, fam: 4 | 6): Verdict {
  let o = outcome;
  const kind = o.verdict === 'reject' ? (o.rejectWith === 'tcp-reset' ? 'tcp-reset' : 'icmp') : '';
  if (c.unreadable) o = { ...unknownOutcome(c.unreadable), path: o.path };
  return {
    verdict: o.verdict,
    reject_with: o.rejectWith,
    reject_kind: kind,
    effect: effectText(o.verdict, o.rejectWith),
    reason: o.reason,
    rule: o.rule,
    path: o.path,
    manager: c.manager,
    ct_state: o.ct,
    family6: fam === 6,
  };
}

function stripInternal(v: Verdict | FwVerdict): FwVerdict {
  const { family6: _, ...rest } = v as Verdict;
  return rest;
}

/** What the client sees, in words. */
export function effectText(verdict: string, rejectWith: string): string {
  switch (verdict) {
    case 'accept':
      return 'let through';
    case 'drop':
      return 'dropped without an answer (the client times out)';
    case 'reject':
      return rejectWith === 'tcp-reset'
        ? 'refused with a TCP reset (the client sees "connection refused")'
        : `answered with ICMP ${icmpCode(rejectWith)}${icmpCode(rejectWith) === 'port-unreachable' ? ' (the client sees "connection refused")' : ''}`;
    default:
      return 'not known';
  }
}

export function describe(r: FwRuleRef): string {
  if (r.policy) return `the policy of ${r.source === 'nft' ? `nft ${r.family} ${r.table} ${r.chain}` : `${r.table} ${r.chain}`}`;
  if (r.source === 'iptables') return `iptables ${r.family === 'ip6' ? '(IPv6) ' : ''}-t ${r.table} rule ${r.position} of ${r.chain} (line ${r.line}: ${r.text})`;
  if (r.source === 'nft') return `nft rule ${r.family} ${r.table} ${r.chain} handle ${r.handle}`;
  return 'no rule';
}

// ---------------------------------------------------------------------------------------
// iptables rules.

function iptablesRule(r: IptRule, fam: string): MRule {
  const ref: FwRuleRef = {
    source: 'iptables',
    backend: r.backend,
    family: fam,
    table: r.table,
    chain: r.chain,
    handle: 0,
    position: r.position,
    line: r.line,
    text: r.text,
    args: r.args,
    policy: false,
  };
  const proto = r.matches.find((m) => m.module === '' && m.option === 'p');
  const conds = r.matches.map((m) => iptablesMatch(m, proto));
  const effects: Effect[] = [];
  let action: Action;
  const opt = (name: string): string | undefined => r.target_options.find((o) => o.option === name)?.values[0];
  switch (r.target) {
    case '':
      action = { kind: 'continue' };
      break;
    case 'ACCEPT':
      action = { kind: 'accept' };
      break;
    case 'DROP':
      action = { kind: 'drop' };
      break;
    case 'RETURN':
      action = { kind: 'return' };
      break;
    case 'REJECT':
      action = { kind: 'reject', with: opt('reject-with') ?? (fam === 'ip6' ? 'icmp6-port-unreachable' : 'icmp-port-unreachable') };
      break;
    case 'NOTRACK':
      effects.push({ kind: 'notrack' });
      action = { kind: 'continue' };
      break;
    case 'CT':
      if (r.target_options.length === 1 && r.target_options[0]!.option === 'notrack') effects.push({ kind: 'notrack' });
      else effects.push({ kind: 'unknown', reason: `-j CT ${r.target_options.map((o) => `--${o.option}`).join(' ')} changes conntrack in a way the model does not follow` });
      action = { kind: 'continue' };
      break;
    case 'SNAT':
    case 'MASQUERADE':
      action = { kind: 'nat-accept' };
      break;
    case 'DNAT':
    case 'REDIRECT':
    case 'NETMAP':
      action = { kind: 'unknown', reason: `-j ${r.target} rewrites the destination, which the model does not follow` };
      break;
    case 'QUEUE':
    case 'NFQUEUE':
      action = { kind: 'unknown', reason: `-j ${r.target} hands the packet to a program that decides` };
      break;
    default:
      // Anything else is a user chain; a target that is none (`-j SET`, `-j TEE`) is reported by the walk.
      action = NOOP_TARGETS.has(r.target) ? { kind: 'continue' } : { kind: r.goto ? 'goto' : 'jump', target: r.target };
  }
  return { ref, conds, effects, action };
}

// Targets that mark, log or count and let the packet go on: they cannot change a verdict.
const NOOP_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'MARK', 'CONNMARK', 'TCPMSS', 'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'HL', 'AUDIT', 'CHECKSUM', 'SECMARK', 'CONNSECMARK', 'IDLETIMER', 'LED']);

function iptablesMatch(m: IptMatch, proto: IptMatch | undefined): Cond {
  const v = m.values[0] ?? '';
  const neg = (t: Tri): Tri => (m.negated && typeof t === 'boolean' ? !t : t);
  const unknown = (): Cond => () => ({ unknown: `${m.module ? `-m ${m.module} ` : ''}--${m.option} is not modelled` });
  if (m.module === '') {
    switch (m.option) {
      case 's':
      case 'd': {
        const nets = v.split(',').map(parseNet);
        if (nets.some((n) => !n)) return () => ({ unknown: `address "${v}" is not understood` });
        return ({ pkt }) => {
          const a = m.option === 's' ? pkt.src : pkt.dst;
          if (!a) return { unknown: `the packet's ${m.option === 's' ? 'source' : 'destination'} is not known` };
          return neg(nets.some((n) => inNet(a, n!)));
        };
      }
      case 'i':
      case 'o':
        return (c) => neg(ifaceMatch(v, ifaceAt(c, m.option === 'i' ? 'in' : 'out'), '+'));
      case 'p': {
        const n = protoNumber(v);
        if (n === undefined) return () => ({ unknown: `protocol "${v}" is not understood` });
        return ({ pkt }) => neg(n === 0 || n === pkt.proto);
      }
      case 'f':
        // The model's packets are whole, never later fragments.
        return () => m.negated;
    }
    return unknown();
  }
  switch (m.module) {
    case 'tcp':
    case 'udp': {
      const want = PROTO[m.module]!;
      if (m.option === 'dport' || m.option === 'sport' || m.option === 'destination-port' || m.option === 'source-port') {
        const range = portRange(v);
        if (!range) return () => ({ unknown: `port "${v}" is not understood` });
        const dst = m.option.startsWith('d');
        return ({ pkt }) => (pkt.proto !== want ? false : portKnown(pkt, dst ? 'dport' : 'sport') ?? neg(inRange(dst ? pkt.dport : pkt.sport, range)));
      }
      if (m.module === 'tcp' && (m.option === 'tcp-flags' || m.option === 'syn')) {
        const mask = m.option === 'syn' ? ['SYN', 'RST', 'ACK', 'FIN'] : (m.values[0] ?? '').split(',');
        const comp = m.option === 'syn' ? ['SYN'] : (m.values[1] ?? '').split(',');
        return ({ pkt }) => (pkt.proto !== 6 ? false : !pkt.flags ? { unknown: 'the TCP flags are not known' } : neg(flagsMatch(pkt.flags, mask, comp)));
      }
      return unknown();
    }
    case 'multiport': {
      const ranges = v.split(',').map(portRange);
      if (ranges.some((r) => !r)) return () => ({ unknown: `ports "${v}" are not understood` });
      const pn = proto ? protoNumber(proto.values[0] ?? '') : undefined;
      return ({ pkt }) => {
        if (pn !== undefined && pn !== pkt.proto) return false;
        if (pkt.proto !== 6 && pkt.proto !== 17 && pkt.proto !== 132 && pkt.proto !== 33 && pkt.proto !== 136) return false;
        const hit = (which: 'dport' | 'sport'): Tri => portKnown(pkt, which) ?? ranges.some((r) => inRange(pkt[which], r!));
        if (m.option === 'dports' || m.option === 'destination-ports') return neg(hit('dport'));
        if (m.option === 'sports' || m.option === 'source-ports') return neg(hit('sport'));
        if (m.option === 'ports') {
          const d = hit('dport');
          const s = hit('sport');
          return neg(d === true || s === true ? true : d === false && s === false ? false : d === false ? s : d);
        }
        return { unknown: `-m multiport --${m.option} is not modelled` };
      };
    }
    case 'conntrack':
    case 'state': {
      if (m.option !== 'ctstate' && m.option !== 'state') return unknown();
      const states = v.toLowerCase().split(',');
      return ({ ct }) => (ct === '' ? { unknown: "the packet's conntrack state is not known here" } : neg(states.includes(ct)));
    }
    case 'comment':
      return () => true;
    case 'addrtype':
      return (c) => {
        // At input the route lookup said "local", so the destination's type is LOCAL (a TCP
        // client never connects to a broadcast or multicast address); at output the source's.
        const side = m.option === 'dst-type' ? 'dst' : m.option === 'src-type' ? 'src' : '';
        const known = (side === 'dst' && (c.hook === 'input' || c.hook === 'prerouting')) || (side === 'src' && c.hook === 'output');
        if (!known) return { unknown: `-m addrtype --${m.option} ${v} depends on the host's addresses` };
        return neg(v.split(',').includes('LOCAL'));
      };
    case 'iprange': {
      const [a, b] = v.split('-');
      const lo = parseAddr(a ?? '');
      const hi = parseAddr(b ?? a ?? '');
      if (!lo || !hi) return () => ({ unknown: `range "${v}" is not understood` });
      return ({ pkt }) => {
        const x = m.option === 'src-range' ? pkt.src : m.option === 'dst-range' ? pkt.dst : undefined;
        if (!x) return { unknown: `-m iprange --${m.option} is not modelled` };
        return neg(x.family === lo.family && x.addr >= lo.addr && x.addr <= hi.addr);
      };
    }
    case 'icmp':
    case 'icmp6':
    case 'icmpv6':
      return ({ pkt }) => (pkt.proto !== 1 && pkt.proto !== 58 ? false : { unknown: 'ICMP types are not modelled' });
    case 'pkttype':
      return (c) =>
        c.hook === 'input' || c.hook === 'prerouting' ? neg(v === 'unicast' || v === 'host') : { unknown: '-m pkttype outside input is not modelled' };
  }
  return unknown();
}

// ---------------------------------------------------------------------------------------
// nft rules.

function nftRule(r: NftJsonRule): MRule {
  const ref: FwRuleRef = {
    source: 'nft',
    backend: '',
    family: r.family,
    table: r.table,
    chain: r.chain,
    handle: r.handle,
    position: r.position,
    line: 0,
    text: `[${r.exprs.map((x) => x.text).join(',')}]`,
    args: [],
    policy: false,
  };
  const conds: Cond[] = [];
  const effects: Effect[] = [];
  let action: Action = { kind: 'continue' };
  for (const x of r.exprs) {
    const k = x.kind;
    if (k === 'match') {
      conds.push(nftMatch(x));
      continue;
    }
    if (k === 'counter' || k === 'log' || k === 'mangle' || k === 'set' || k === 'comment') continue;
    if (k === 'notrack') {
      effects.push({ kind: 'notrack' });
      continue;
    }
    if (k === 'limit' || k === 'quota' || (k === 'xt' && x.target.startsWith('match'))) {
      conds.push(() => ({ unknown: `${k === 'xt' ? `xt ${x.target} (an iptables extension in nft)` : k} is not modelled` }));
      continue;
    }
    if (k === 'accept' || k === 'drop' || k === 'return' || k === 'continue') action = { kind: k };
    else if (k === 'jump' || k === 'goto') action = { kind: k, target: x.target };
    else if (k === 'reject') action = { kind: 'reject', with: nftRejectWith(x, r.family) };
    else if (k === 'snat' || k === 'masquerade') action = { kind: 'nat-accept' };
    else if (k === 'xt' && NOOP_TARGETS.has(x.target.replace(/^target /, ''))) continue;
    else action = { kind: 'unknown', reason: `the statement ${x.text || k} is not modelled` };
    break;
  }
  return { ref, conds, effects, action };
}

function nftRejectWith(x: NftJsonExpr, family: string): string {
  if (x.target === 'tcp reset') return 'tcp-reset';
  const type = x.target || (family === 'ip6' ? 'icmpv6' : family === 'inet' ? 'icmpx' : 'icmp');
  return `${type}-${x.code || 'port-unreachable'}`;
}

const L4_WITH_PORTS = new Set([6, 17, 132, 33, 136]);

function nftMatch(x: NftJsonExpr): Cond {
  const op = x.op;
  const words = x.left.split(' ');
  const unknown = (why: string): Cond => () => ({ unknown: why });
  const vals = x.values;
  if (x.set !== '' && vals.length === 0) return unknown(`set @${x.set} is not listed`);
  if (vals.some((v) => v.kind === 'other')) return unknown(`the value ${x.text} is not modelled`);
  const compare = (hit: (v: NftJsonValue) => boolean | undefined): Tri => {
    let any = false;
    for (const v of vals) {
      const h = hit(v);
      if (h === undefined) return { unknown: `the value ${v.value} of ${x.left} is not understood` };
      if (h) any = true;
    }
    if (op === '==' || op === 'in') return any;
    if (op === '!=') return !any;
    return { unknown: `the operator ${op} on ${x.left} is not modelled` };
  };
  const ordered = (n: number): Tri | undefined => {
    if (op !== '<' && op !== '>' && op !== '<=' && op !== '>=') return undefined;
    const b = Number(vals[0]?.value);
    if (vals.length !== 1 || !Number.isInteger(b)) return { unknown: `${x.left} ${op} ${vals[0]?.value ?? ''} is not understood` };
    return op === '<' ? n < b : op === '>' ? n > b : op === '<=' ? n <= b : n >= b;
  };
  const numHit = (n: number) => (v: NftJsonValue) => {
    const a = portNumber(v.value);
    if (a === undefined) return undefined;
    if (v.kind === 'range') {
      const b = portNumber(v.to);
      return b === undefined ? undefined : n >= a && n <= b;
    }
    return v.kind === 'value' ? n === a : undefined;
  };
  const left = x.left;
  if (left === 'meta l4proto' || left === 'ip protocol' || left === 'ip6 nexthdr') {
    const need = left === 'ip protocol' ? 4 : left === 'ip6 nexthdr' ? 6 : 0;
    return ({ pkt }) => {
      if (need !== 0 && pkt.family !== need) return false;
      return ordered(pkt.proto) ?? compare((v) => (v.kind === 'value' ? protoNumber(v.value) === pkt.proto : undefined));
    };
  }
  if (left === 'meta nfproto' || left === 'meta protocol') {
    return ({ pkt }) => compare((v) => (v.kind !== 'value' ? undefined : ['ipv4', 'ip'].includes(v.value) ? pkt.family === 4 : ['ipv6', 'ip6'].includes(v.value) ? pkt.family === 6 : undefined));
  }
  if (left === 'meta iifname' || left === 'meta oifname' || left === 'meta iif' || left === 'meta oif') {
    const dir = left.startsWith('meta i') ? 'in' : 'out';
    return (c) => {
      const name = ifaceAt(c, dir);
      // No such device at this hook: nft's meta load fails and the rule does not match.
      if (name === null) return false;
      if (name === '') return { unknown: `the packet's ${dir === 'in' ? 'input' : 'output'} interface is not known` };
      return compare((v) => (v.kind === 'value' ? ifaceMatch(v.value, name, '*') === true : undefined));
    };
  }
  if ((words[0] === 'ip' || words[0] === 'ip6') && (words[1] === 'saddr' || words[1] === 'daddr')) {
    const fam = words[0] === 'ip' ? 4 : 6;
    return ({ pkt }) => {
      if (pkt.family !== fam) return false;
      const a = words[1] === 'saddr' ? pkt.src : pkt.dst;
      if (!a) return { unknown: `the packet's ${words[1] === 'saddr' ? 'source' : 'destination'} is not known` };
      return compare((v) => {
        if (v.kind === 'prefix') {
          const n = prefixNet(v.value, v.len);
          return n ? inNet(a, n) : undefined;
        }
        if (v.kind === 'range') {
          const lo = parseAddr(v.value);
          const hi = parseAddr(v.to);
          return lo && hi ? a.family === lo.family && a.addr >= lo.addr && a.addr <= hi.addr : undefined;
        }
        const n = parseNet(v.value);
        return n ? inNet(a, n) : undefined;
      });
    };
  }
  if (words.length === 2 && (words[1] === 'dport' || words[1] === 'sport') && (words[0] === 'th' || PROTO[words[0]!] !== undefined)) {
    const want = words[0] === 'th' ? 0 : PROTO[words[0]!]!;
    return ({ pkt }) => {
      if (want !== 0 && pkt.proto !== want) return false;
      if (want === 0 && !L4_WITH_PORTS.has(pkt.proto)) return { unknown: `th ${words[1]} on a packet without ports` };
      const n = words[1] === 'dport' ? pkt.dport : pkt.sport;
      return portKnown(pkt, words[1] as 'dport' | 'sport') ?? ordered(n) ?? compare(numHit(n));
    };
  }
  if (left === 'ct state') {
    return ({ ct }) => (ct === '' ? { unknown: "the packet's conntrack state is not known here" } : compare((v) => (v.kind === 'value' ? v.value === ct : undefined)));
  }
  if (left === 'ct status') {
    // NAT is not followed (a dnat/redirect on the way makes the verdict unknown), so the
    // packets the model judges are not NATed; other status bits depend on the traffic.
    if (vals.every((v) => v.value === 'dnat' || v.value === 'snat')) return () => compare(() => false);
    return unknown(`ct status ${vals.map((v) => v.value).join(',')} depends on the connection's history`);
  }
  if (left === 'tcp flags' || left === 'bitwise') return tcpFlagsMatch(x);
  if (left === 'fib') return unknown(`fib lookups depend on the host's routes (${x.text})`);
  return unknown(`the match on ${left} is not modelled`);
}

const NFT_FLAGS: Readonly<Record<string, string>> = { fin: 'FIN', syn: 'SYN', rst: 'RST', psh: 'PSH', ack: 'ACK', urg: 'URG', ecn: 'ECE', cwr: 'CWR' };

/** `tcp flags syn` / `tcp flags & (syn|ack) == syn` (the JSON keeps the mask in the `&` expression). */
function tcpFlagsMatch(x: NftJsonExpr): Cond {
  let mask: string[] | undefined;
  try {
    const j = JSON.parse(x.text) as { match?: { left?: Record<string, unknown> } };
    const l = j.match?.left;
    if (l && 'payload' in l) mask = undefined;
    else if (l && Array.isArray(l['&'])) {
      const [lhs, m] = l['&'] as unknown[];
      const p = (lhs as { payload?: { protocol?: string; field?: string } } | undefined)?.payload;
      if (p?.protocol !== 'tcp' || p.field !== 'flags') return () => ({ unknown: `the match ${x.text} is not modelled` });
      mask = (Array.isArray(m) ? m : [m]).map((f) => NFT_FLAGS[String(f)] ?? '?');
    } else return () => ({ unknown: `the match ${x.text} is not modelled` });
  } catch {
    return () => ({ unknown: `the match ${x.text} is not modelled` });
  }
  const want = x.values.map((v) => NFT_FLAGS[v.value] ?? '?');
  return ({ pkt }) => {
    if (pkt.proto !== 6) return false;
    if (!pkt.flags || want.includes('?') || mask?.includes('?')) return { unknown: 'the TCP flags are not known' };
    const f = pkt.flags;
    // With a mask: (flags & mask) compared to the value. Without: `tcp flags syn` tests the bits (op `in`) or equality.
    const masked = mask ? new Set([...f].filter((b) => mask!.includes(b))) : f;
    const eq = want.length === masked.size && want.every((b) => masked.has(b));
    const any = want.some((b) => f.has(b));
    const r = x.op === 'in' && !mask ? any : eq;
    if (x.op === '==' || x.op === 'in') return r;
    if (x.op === '!=') return !r;
    return { unknown: `the operator ${x.op} on tcp flags is not modelled` };
  };
}

// ---------------------------------------------------------------------------------------
// Shared helpers.

/** The interface at this hook: `null` when the hook has none (no input device at output). */
function ifaceAt(c: Ctx, dir: 'in' | 'out'): string | null {
  const has = dir === 'in' ? c.hook === 'prerouting' || c.hook === 'input' || c.hook === 'forward' : c.hook === 'output' || c.hook === 'postrouting' || c.hook === 'forward';
  if (!has) return null;
  return dir === 'in' ? c.pkt.iif : c.pkt.oif;
}

/** `eth+` (iptables) / `eth*` (nft) match by prefix. */
function ifaceMatch(pattern: string, name: string | null, wildcard: '+' | '*'): Tri {
  // iptables compares with an empty name where the hook has no device.
  const n = name ?? '';
  if (name === '') return { unknown: 'the packet\'s interface is not known' };
  if (pattern.endsWith(wildcard) && !pattern.endsWith(`\\${wildcard}`)) return n.startsWith(pattern.slice(0, -1));
  return n === pattern.replace(/\\(.)/g, '$1');
}

/** Port 0 stands for "not known" (a client's source port, usually). */
function portKnown(pkt: Pkt, which: 'dport' | 'sport'): { unknown: string } | undefined {
  return pkt[which] > 0 ? undefined : { unknown: `the packet's ${which === 'dport' ? 'destination' : 'source'} port is not known` };
}

function portRange(s: string): [number, number] | undefined {
  const colon = s.indexOf(':');
  const a = colon < 0 ? s : s.slice(0, colon);
  const b = colon < 0 ? s : s.slice(colon + 1);
  const lo = a === '' ? 0 : portNumber(a);
  const hi = b === '' ? 65535 : portNumber(b);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

// Services nft or iptables may print by name.
const SERVICES: Readonly<Record<string, number>> = { ssh: 22, http: 80, https: 443, domain: 53, smtp: 25, ftp: 21, 'http-alt': 8080 };

function portNumber(s: string): number | undefined {
  if (/^\d{1,5}$/.test(s)) return Number(s);
  return SERVICES[s];
}

function inRange(n: number, r: readonly [number, number]): boolean {
  return n >= r[0] && n <= r[1];
}

function flagsMatch(flags: Set<string>, mask: string[], comp: string[]): boolean {
  const all = mask.includes('ALL') ? ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'] : mask;
  const want = comp.includes('NONE') ? [] : comp.includes('ALL') ? all : comp;
  return all.every((f) => flags.has(f) === want.includes(f));
}
