/**
 * The fix for a connection the host firewall stops, built from the rule that decided
 * (models/firewall.ts), and checked by running the model again on the fixed rules: a fix
 * says whether it clears the symptom ("another rule still drops it" is a different card).
 *
 * - a rule of iptables: `iptables -t TABLE -D CHAIN <the rule as iptables-save printed it>`;
 * - a rule of nft: `nft delete rule FAMILY TABLE CHAIN handle N`;
 * - a chain's policy: a rule that accepts the port, inserted first in that chain;
 * - ufw (chains `ufw-*`): `ufw allow PORT/tcp`; firewalld (table `firewalld`, chains
 *   `IN_<zone>`): `firewall-cmd --permanent --add-port=PORT/tcp` then `--reload`;
 * and how the change outlives a reboot.
 */
import type { IptRule, IptSave } from '../parsers/iptables-save.js';
import type { NftJsonRule, NftJsonRuleset } from '../parsers/nft-json.js';
import { list, struct, type Infer } from '../parsers/types.js';
import { describe, FW_FATE_TYPE, packetFate, type Firewall, type FwPacket, type FwRuleRef, type FwVerdict } from './firewall.js';

export const FW_FIX_TYPE = struct('FwFix', {
  /** `none` (nothing to fix), `delete-rule`, `insert-accept`, `ufw`, `firewalld`, `unknown`. */
  kind: 'string',
  /** One sentence: what is wrong and what the commands do. */
  summary: 'string',
  /** Each command as argv (run without a shell) … */
  argvs: list(list('string')),
  /** … and as one shell-quoted line, for a card. */
  commands: list('string'),
  /** How the change survives a reboot. */
  persist: list('string'),
  persist_note: 'string',
  /** After the fix, in the model: `yes` (the connection gets through), `no`, `unknown`. */
  clears: 'string',
  /** The fate after the fix, in words (what still stops it when `clears` is `no`). */
  after: 'string',
  fate: FW_FATE_TYPE,
});
export type FwFix = Infer<typeof FW_FIX_TYPE>;

/**
 * The fix for `packet` (the client's SYN, as `packetFate` takes it).
 *
 * @example
 * fixFor({ nft }, syn).commands // ['nft delete rule inet guard input handle 7']
 */
export function fixFor(fw: Firewall, packet: FwPacket, opts: { listener?: boolean } = {}): FwFix {
  const fate = packetFate(fw, packet, opts);
  const base = { argvs: [], commands: [], persist: [], persist_note: '', clears: '', after: '', fate };
  if (fate.verdict === 'accept') return { ...base, kind: 'none', summary: 'The host firewall lets this connection through both ways.' };
  const v: FwVerdict = fate.decided_by === 'reply' ? fate.reply : fate.decided_by === 'ack' ? fate.ack : fate.syn;
  if (fate.verdict === 'unknown' || v.verdict === 'unknown') {
    return { ...base, kind: 'unknown', summary: `What the host firewall does is not known: ${v.reason}.` };
  }
  const port = String(packet.dport);
  const proto = packet.proto || 'tcp';
  const outgoing = fate.decided_by === 'reply';
  const r = v.rule;
  const what = `${describe(r)} ${v.effect}`;
  const where = outgoing ? `the server's answer (${proto} source port ${port})` : `${proto} port ${port}`;

  let kind: string;
  let argvs: string[][];
  let persist: string[];
  let note: string;
  let fixed: Firewall;
  if (v.manager === 'ufw' && (r.chain.startsWith('ufw') || r.policy) && !outgoing) {
    kind = 'ufw';
    argvs = [['ufw', 'allow', `${port}/${proto}`]];
    persist = [];
    note = 'ufw keeps the rule in /etc/ufw/user.rules and restores it at boot.';
    fixed = { ...fw, iptables: fw.iptables && insertIptables(fw.iptables, { ...r, chain: 'ufw-user-input', table: 'filter' }, proto, port, false, true) };
  } else if (v.manager === 'firewalld' && (r.table === 'firewalld' || /^(filter_)?IN_/.test(r.chain) || r.policy) && !outgoing) {
    kind = 'firewalld';
    argvs = [
      ['firewall-cmd', '--permanent', `--add-port=${port}/${proto}`],
      ['firewall-cmd', '--reload'],
    ];
    persist = [];
    note = '--permanent writes the zone file under /etc/firewalld/zones; --reload applies it now.';
    fixed = {};
  } else if (!r.policy && r.source === 'iptables') {
    kind = 'delete-rule';
    argvs = [[iptablesBin(fw, r), '-t', r.table, '-D', r.chain, ...r.args]];
    ({ persist, note } = iptablesPersist(r));
    fixed = { ...fw, iptables: fw.iptables && deleteIptables(fw.iptables, r) };
  } else if (!r.policy && r.source === 'nft') {
    kind = 'delete-rule';
    argvs = [['nft', 'delete', 'rule', r.family, r.table, r.chain, 'handle', String(r.handle)]];
    persist = [];
    note = 'Also remove the rule from /etc/nftables.conf (or the file it includes), which nftables.service loads at boot.';
    fixed = { ...fw, nft: fw.nft && deleteNft(fw.nft, r) };
  } else if (r.source === 'iptables') {
    kind = 'insert-accept';
    argvs = [[iptablesBin(fw, r), '-t', r.table, '-I', r.chain, '-p', proto, outgoing ? '--sport' : '--dport', port, '-j', 'ACCEPT']];
    ({ persist, note } = iptablesPersist(r));
    fixed = { ...fw, iptables: fw.iptables && insertIptables(fw.iptables, r, proto, port, outgoing, false) };
  } else {
    kind = 'insert-accept';
    argvs = [['nft', 'insert', 'rule', r.family, r.table, r.chain, proto, outgoing ? 'sport' : 'dport', port, 'accept']];
    persist = [];
    note = 'Also add the rule to /etc/nftables.conf (or the file it includes), which nftables.service loads at boot.';
    fixed = { ...fw, nft: fw.nft && insertNft(fw.nft, r, proto, port, outgoing) };
  }
  const summary =
    kind === 'ufw' || kind === 'firewalld'
      ? `${where} is stopped by ${kind}'s rules (${what}); open it with ${kind}.`
      : kind === 'delete-rule'
        ? `${where} is ${v.verdict === 'reject' ? 'rejected' : 'dropped'} by ${what}; delete that rule.`
        : `${where} falls through to ${what}; accept it first in that chain.`;
  let clears = 'unknown';
  let after = kind === 'firewalld' ? "firewalld's rules after the change are not modelled" : '';
  if (kind !== 'firewalld') {
    const then = packetFate(fixed, packet, opts);
    clears = then.verdict === 'accept' ? 'yes' : then.verdict === 'unknown' ? 'unknown' : 'no';
    const still = then.decided_by === 'reply' ? then.reply : then.decided_by === 'ack' ? then.ack : then.syn;
    after = then.verdict === 'accept' ? 'the connection gets through' : `then ${describe(still.rule)} ${still.verdict === 'unknown' ? `leaves it unknown: ${still.reason}` : still.effect}`;
  }
  return { kind, summary, argvs, commands: argvs.map(shellLine), persist, persist_note: note, clears, after, fate };
}

function iptablesBin(fw: Firewall, r: FwRuleRef): string {
  const base = r.family === 'ip6' ? 'ip6tables' : 'iptables';
  // Both backends in the capture: `iptables` alone would reach only one of them.
  const backends = new Set(fw.iptables?.chains.map((c) => c.backend));
  return backends.size > 1 ? `${base}-${r.backend === 'nf_tables' ? 'nft' : 'legacy'}` : base;
}

function iptablesPersist(r: FwRuleRef): { persist: string[]; note: string } {
  const v6 = r.family === 'ip6';
  const file = v6 ? '/etc/iptables/rules.v6' : '/etc/iptables/rules.v4';
  return {
    persist: ['netfilter-persistent save'],
    note: `With iptables-persistent, \`netfilter-persistent save\` (or \`${v6 ? 'ip6tables' : 'iptables'}-save > ${file}\`) keeps the change across reboots; on RHEL-like hosts \`service iptables save\` (/etc/sysconfig/${v6 ? 'ip6tables' : 'iptables'}).`,
  };
}

function sameIptRule(x: IptRule, r: FwRuleRef): boolean {
  return x.table === r.table && x.chain === r.chain && x.position === r.position && x.backend === r.backend && (x.family === 6) === (r.family === 'ip6');
}

function deleteIptables(s: IptSave, r: FwRuleRef): IptSave {
  return { ...s, rules: s.rules.filter((x) => !sameIptRule(x, r)) };
}

function insertIptables(s: IptSave, r: FwRuleRef, proto: string, port: string, outgoing: boolean, append: boolean): IptSave {
  const fam = r.family === 'ip6' ? 6 : 4;
  const chain = s.chains.find((c) => c.table === r.table && c.chain === r.chain && (r.source !== 'iptables' || c.backend === r.backend));
  if (!chain) return s;
  const rule: IptRule = {
    family: chain.family || fam,
    backend: chain.backend,
    table: r.table,
    chain: r.chain,
    position: 0,
    line: 0,
    text: `-A ${r.chain} -p ${proto} --${outgoing ? 'sport' : 'dport'} ${port} -j ACCEPT`,
    args: [],
    matches: [
      { module: '', option: 'p', negated: false, values: [proto] },
      { module: proto, option: outgoing ? 'sport' : 'dport', negated: false, values: [port] },
    ],
    target: 'ACCEPT',
    goto: false,
    target_options: [],
  };
  return { ...s, rules: append ? [...s.rules, rule] : [rule, ...s.rules] };
}

function deleteNft(s: NftJsonRuleset, r: FwRuleRef): NftJsonRuleset {
  return { ...s, rules: s.rules.filter((x) => !(x.family === r.family && x.table === r.table && x.chain === r.chain && x.handle === r.handle)) };
}

function insertNft(s: NftJsonRuleset, r: FwRuleRef, proto: string, port: string, outgoing: boolean): NftJsonRuleset {
  const left = `${proto} ${outgoing ? 'sport' : 'dport'}`;
  const rule: NftJsonRule = {
    family: r.family,
    table: r.table,
    chain: r.chain,
    handle: 0,
    position: 0,
    comment: '',
    exprs: [
      { kind: 'match', op: '==', left, values: [{ kind: 'value', value: port, to: '', len: 0 }], set: '', target: '', code: '', text: '' },
      { kind: 'accept', op: '', left: '', values: [], set: '', target: '', code: '', text: '' },
    ],
  };
  return { ...s, rules: [rule, ...s.rules] };
}

/** One argv as a POSIX shell line: words with anything but `[A-Za-z0-9_./:=,+@%-]` single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[A-Za-z0-9_./:=,+@%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
