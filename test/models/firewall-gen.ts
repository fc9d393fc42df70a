/**
 * Random rule sets within the grammar the firewall model claims to understand (plus a few
 * matches it does not, so that "unknown" and the branching over unknown matches are exercised),
 * for the differential test against the kernel. Deterministic for a seed.
 *
 * The lab's addresses: client 198.18.200.1 and .3 on `fwc0`, server 198.18.200.2 on `fws0`.
 */

export const SERVER = '198.18.200.2';
export const CLIENTS = ['198.18.200.1', '198.18.200.3'] as const;
export const LISTEN_PORTS = [80, 443, 2222, 5000, 8080] as const;
export const CLOSED_PORTS = [53, 81, 8443, 9000] as const;
const PORTS = [...LISTEN_PORTS, ...CLOSED_PORTS];

export type Rng = () => number;

/** mulberry32: small, fast, good enough for test inputs. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}
function chance(r: Rng, p: number): boolean {
  return r() < p;
}
function int(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

const SRC_NETS = ['198.18.200.1/32', '198.18.200.3/32', '198.18.200.0/24', '198.18.200.0/31', '198.18.0.0/15', '10.0.0.0/8', '198.18.200.2/32'];
const DST_NETS = ['198.18.200.2/32', '198.18.200.0/24', '10.0.0.0/8', '198.18.200.3/32'];
const IN_IFACES = ['fws0', 'fws+', 'eth+', 'lo', 'fw+'];
const OUT_IFACES = ['fws0', 'fws+', 'eth0', 'lo'];
const ICMP_REJECTS = [
  'icmp-port-unreachable',
  'icmp-host-unreachable',
  'icmp-net-unreachable',
  'icmp-host-prohibited',
  'icmp-net-prohibited',
  'icmp-admin-prohibited',
  'icmp-proto-unreachable',
];

function portSpec(r: Rng, sep: ':' | '-'): string {
  if (chance(r, 0.6)) return String(pick(r, PORTS));
  const a = pick(r, PORTS);
  return `${Math.max(1, a - int(r, 0, 100))}${sep}${a + int(r, 0, 3000)}`;
}

/** Two to four port specs that do not overlap (nft refuses overlapping intervals). */
function portList(r: Rng, sep: ':' | '-', joiner: string): string {
  const n = int(r, 2, 4);
  const out: string[] = [];
  const spans: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const spec = portSpec(r, sep);
    const [a, b = a] = spec.split(sep).map(Number) as [number, number?];
    if (spans.some(([x, y]) => a <= y && x <= b)) continue;
    spans.push([a, b]);
    out.push(spec);
  }
  return out.join(joiner);
}

// ---------------------------------------------------------------------------------------
// iptables-restore input.

interface IptSide {
  dir: 'in' | 'out';
}

function iptMatches(r: Rng, side: IptSide): { text: string; tcp: boolean } {
  const parts: string[] = [];
  let tcp = false;
  const n = int(r, 0, 3);
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    const kind = pick(r, side.dir === 'in' ? ['src', 'dst', 'if', 'port', 'port', 'port', 'state', 'state', 'comment', 'odd', 'addrtype', 'range'] : ['dst', 'if', 'port', 'port', 'state', 'state', 'flags']);
    if (used.has(kind)) continue;
    used.add(kind);
    const not = chance(r, 0.25) ? '! ' : '';
    switch (kind) {
      case 'src':
        parts.push(`${not}-s ${pick(r, SRC_NETS)}`);
        break;
      case 'dst':
        parts.push(`${not}-d ${pick(r, side.dir === 'in' ? DST_NETS : SRC_NETS)}`);
        break;
      case 'if':
        parts.push(side.dir === 'in' ? `${not}-i ${pick(r, IN_IFACES)}` : `${not}-o ${pick(r, OUT_IFACES)}`);
        break;
      case 'port': {
        if (used.has('flags')) break;
        const which = side.dir === 'in' ? (chance(r, 0.85) ? 'dport' : 'sport') : chance(r, 0.8) ? 'sport' : 'dport';
        const v = pick(r, ['tcp', 'tcp', 'tcp', 'multiport', 'udp', 'syn', 'icmp']);
        if (v === 'tcp') parts.push(`-p tcp -m tcp ${not}--${which} ${portSpec(r, ':')}`);
        else if (v === 'multiport') parts.push(`-p tcp -m multiport ${not}--${which}s ${portList(r, ':', ',')}`);
        else if (v === 'udp') parts.push(`-p udp -m udp --dport ${pick(r, PORTS)}`);
        else if (v === 'syn') parts.push(`-p tcp -m tcp ${not}--syn`);
        else parts.push(`${not}-p icmp`);
        tcp = v !== 'udp' && v !== 'icmp';
        used.add('flags');
        break;
      }
      case 'flags':
        if (used.has('port')) break;
        parts.push(`-p tcp -m tcp ${not}--tcp-flags ${pick(r, ['RST RST', 'SYN,ACK SYN,ACK', 'SYN,RST,ACK,FIN SYN'])}`);
        tcp = true;
        break;
      case 'state':
        parts.push(
          chance(r, 0.7)
            ? `-m conntrack ${not}--ctstate ${pick(r, ['NEW', 'ESTABLISHED', 'RELATED,ESTABLISHED', 'INVALID', 'NEW,ESTABLISHED', 'RELATED', 'UNTRACKED'])}`
            : `-m state ${not}--state ${pick(r, ['NEW', 'ESTABLISHED,RELATED', 'INVALID'])}`,
        );
        break;
      case 'comment':
        parts.push(`-m comment --comment "${pick(r, ['web', 'allow \\"x\\" y', 'a b c'])}"`);
        break;
      case 'odd':
        // Not modelled: the walk must branch on it, or say unknown.
        parts.push(pick(r, ['-m mark --mark 0x1', '-m limit --limit 10000/sec --limit-burst 10000', '-m length --length 0:1000']));
        break;
      case 'addrtype':
        parts.push(`-m addrtype ${not}--dst-type ${pick(r, ['LOCAL', 'BROADCAST', 'MULTICAST'])}`);
        break;
      case 'range':
        parts.push(`-m iprange ${not}--src-range ${pick(r, ['198.18.200.1-198.18.200.2', '198.18.200.3-198.18.200.9', '10.0.0.1-10.0.0.9'])}`);
        break;
    }
  }
  return { text: parts.join(' '), tcp };
}

function iptTarget(r: Rng, table: string, tcp: boolean, jumps: string[], user: boolean): string {
  const options: [string, number][] =
    table === 'filter'
      ? [
          ['ACCEPT', 25],
          ['DROP', 18],
          ['REJECT', 22],
          ['RETURN', user ? 8 : 2],
          ['JUMP', jumps.length ? 14 : 0],
          ['GOTO', jumps.length ? 5 : 0],
          ['LOG', 4],
          ['NONE', 2],
        ]
      : table === 'mangle'
        ? [
            ['ACCEPT', 10],
            ['DROP', 6],
            ['MARK', 3],
            ['RETURN', 2],
          ]
        : table === 'raw'
          ? [
              ['ACCEPT', 5],
              ['DROP', 4],
              ['NOTRACK', 2],
            ]
          : [
              ['ACCEPT', 5],
              ['RETURN', 3],
            ];
  let total = 0;
  for (const [, w] of options) total += w;
  let x = r() * total;
  let choice = options[0]![0];
  for (const [name, w] of options) {
    if ((x -= w) < 0) {
      choice = name;
      break;
    }
  }
  switch (choice) {
    case 'REJECT': {
      const w = tcp && chance(r, 0.4) ? 'tcp-reset' : pick(r, ICMP_REJECTS);
      return chance(r, 0.15) && w === 'icmp-port-unreachable' ? '-j REJECT' : `-j REJECT --reject-with ${w}`;
    }
    case 'JUMP':
      return `-j ${pick(r, jumps)}`;
    case 'GOTO':
      return `-g ${pick(r, jumps)}`;
    case 'LOG':
      return '-j LOG --log-prefix "fw test "';
    case 'MARK':
      return '-j MARK --set-xmark 0x2/0xffffffff';
    case 'NOTRACK':
      return '-j CT --notrack';
    case 'NONE':
      return '';
    default:
      return `-j ${choice}`;
  }
}

function iptRules(r: Rng, out: string[], table: string, chain: string, n: number, side: IptSide, jumps: string[], user: boolean): void {
  for (let i = 0; i < n; i++) {
    const m = iptMatches(r, side);
    const t = iptTarget(r, table, m.tcp, jumps, user);
    out.push(`-A ${chain} ${m.text} ${t}`.replace(/ +/g, ' ').trim());
  }
}

/** One `iptables-restore` input with every table. */
export function genIptables(r: Rng): string {
  const out: string[] = [];
  const IN: IptSide = { dir: 'in' };
  const OUT: IptSide = { dir: 'out' };
  out.push('*raw', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]');
  if (chance(r, 0.2)) iptRules(r, out, 'raw', 'PREROUTING', 1, IN, [], false);
  out.push('COMMIT', '*mangle');
  for (const c of ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']) out.push(`:${c} ACCEPT [0:0]`);
  if (chance(r, 0.3)) iptRules(r, out, 'mangle', 'INPUT', int(r, 1, 2), IN, [], false);
  if (chance(r, 0.15)) iptRules(r, out, 'mangle', 'OUTPUT', 1, OUT, [], false);
  out.push('COMMIT', '*nat');
  for (const c of ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']) out.push(`:${c} ACCEPT [0:0]`);
  if (chance(r, 0.2)) iptRules(r, out, 'nat', 'INPUT', 1, IN, [], false);
  out.push('COMMIT', '*filter');
  const inPolicy = chance(r, 0.5) ? 'DROP' : 'ACCEPT';
  const outPolicy = chance(r, 0.2) ? 'DROP' : 'ACCEPT';
  out.push(`:INPUT ${inPolicy} [0:0]`, ':FORWARD ACCEPT [0:0]', `:OUTPUT ${outPolicy} [0:0]`);
  const users = ['U1', 'U2', 'U3'];
  for (const u of [...users, 'O1']) out.push(`:${u} - [0:0]`);
  // Jumps go only to later chains: no loops (iptables-restore would refuse them).
  iptRules(r, out, 'filter', 'INPUT', int(r, 1, 7), IN, users, false);
  users.forEach((u, i) => iptRules(r, out, 'filter', u, int(r, 0, 4), IN, users.slice(i + 1), true));
  if (outPolicy === 'DROP' && chance(r, 0.7)) out.push('-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  iptRules(r, out, 'filter', 'OUTPUT', int(r, 0, 3), OUT, ['O1'], false);
  iptRules(r, out, 'filter', 'O1', int(r, 0, 2), OUT, [], true);
  out.push('COMMIT', '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------
// nft -f input.

function nftMatches(r: Rng, dir: 'in' | 'out', family: 'inet' | 'ip'): { text: string; tcp: boolean } {
  const parts: string[] = [];
  let tcp = false;
  const n = int(r, 0, 3);
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    const kind = pick(r, dir === 'in' ? ['src', 'dst', 'if', 'port', 'port', 'port', 'state', 'state', 'odd', 'l4'] : ['dst', 'if', 'port', 'state', 'state', 'flags']);
    if (used.has(kind)) continue;
    used.add(kind);
    const ne = chance(r, 0.25) ? '!= ' : '';
    switch (kind) {
      case 'src': {
        const v = pick(r, ['one', 'one', 'set', 'named']);
        if (v === 'one') parts.push(`ip saddr ${ne}${pick(r, SRC_NETS)}`);
        else if (v === 'set') parts.push(`ip saddr ${ne}{ ${pick(r, SRC_NETS)}, ${pick(r, ['10.1.2.3', '192.0.2.0/24'])} }`);
        else parts.push(`ip saddr ${ne}@allow`);
        break;
      }
      case 'dst':
        parts.push(`ip daddr ${ne}${pick(r, dir === 'in' ? DST_NETS : SRC_NETS)}`);
        break;
      case 'if':
        if (dir === 'in') parts.push(chance(r, 0.2) ? `iif ${ne}"lo"` : `iifname ${ne}"${pick(r, ['fws0', 'fws*', 'eth*', 'lo', 'fw*'])}"`);
        else parts.push(`oifname ${ne}"${pick(r, ['fws0', 'fws*', 'eth0', 'lo'])}"`);
        break;
      case 'port': {
        if (used.has('flags') || used.has('l4')) break;
        const which = dir === 'in' ? (chance(r, 0.85) ? 'dport' : 'sport') : chance(r, 0.8) ? 'sport' : 'dport';
        const v = pick(r, ['tcp', 'tcp', 'set', 'named', 'th', 'udp']);
        if (v === 'tcp') parts.push(`tcp ${which} ${ne}${portSpec(r, '-')}`);
        else if (v === 'set') parts.push(`tcp ${which} ${ne}{ ${portList(r, '-', ', ')} }`);
        else if (v === 'named') parts.push(`tcp ${which} ${ne}@ports`);
        else if (v === 'th') parts.push(`meta l4proto { tcp, udp } th ${which} ${ne}${portSpec(r, '-')}`);
        else parts.push(`udp dport ${pick(r, PORTS)}`);
        tcp = v !== 'udp';
        used.add('flags');
        break;
      }
      case 'flags':
        if (used.has('port')) break;
        parts.push(pick(r, ['tcp flags & (syn|ack) == syn', 'tcp flags & rst == rst', 'tcp flags & (syn|ack) == syn|ack', 'tcp flags & (fin|syn|rst|ack) != syn']));
        tcp = true;
        break;
      case 'state':
        parts.push(`ct state ${ne}${pick(r, ['new', 'established', 'established,related', 'invalid', 'related', 'untracked', '{ new, established }'])}`);
        break;
      case 'l4':
        if (used.has('port') || used.has('flags')) break;
        used.add('port');
        parts.push(`meta l4proto ${ne}${pick(r, ['tcp', 'udp', 'icmp'])}`);
        tcp = parts[parts.length - 1]!.endsWith(' tcp') && ne === '';
        break;
      case 'odd':
        parts.push(pick(r, ['meta mark 0x00000001', 'limit rate 10000/second', 'meta length < 1000']));
        break;
    }
  }
  // `reject with icmp` in an inet table needs the packet to be IPv4.
  if (family === 'inet' && !parts.some((p) => p.startsWith('ip '))) parts.unshift('meta nfproto ipv4');
  return { text: parts.join(' '), tcp };
}

function nftVerdict(r: Rng, family: 'inet' | 'ip', tcp: boolean, jumps: string[], user: boolean): string {
  const x = r();
  if (x < 0.25) return 'accept';
  if (x < 0.42) return 'drop';
  if (x < 0.65) {
    if (tcp && chance(r, 0.35)) return 'meta l4proto tcp reject with tcp reset';
    if (chance(r, 0.2)) return 'reject';
    if (family === 'inet' && chance(r, 0.5)) return `reject with icmpx type ${pick(r, ['port-unreachable', 'admin-prohibited', 'host-unreachable', 'no-route'])}`;
    return `reject with icmp type ${pick(r, ['port-unreachable', 'host-unreachable', 'net-unreachable', 'host-prohibited', 'net-prohibited', 'admin-prohibited', 'prot-unreachable'])}`;
  }
  if (x < 0.78 && jumps.length) return `jump ${pick(r, jumps)}`;
  if (x < 0.83 && jumps.length) return `goto ${pick(r, jumps)}`;
  if (x < 0.9 && user) return 'return';
  if (x < 0.95) return 'counter log prefix "fw " continue';
  return 'counter';
}

function nftChainRules(r: Rng, n: number, dir: 'in' | 'out', family: 'inet' | 'ip', jumps: string[], user: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = nftMatches(r, dir, family);
    // `reject with tcp reset` carries its own `meta l4proto tcp`.
    out.push(`    ${m.text} ${nftVerdict(r, family, m.tcp, jumps, user)}`.replace(/ +/g, ' ').replace(/^ /, '    '));
  }
  return out;
}

/** One `nft -f` input: an inet table and an ip table, each with input and output base chains. */
export function genNft(r: Rng): string {
  const out: string[] = ['flush ruleset'];
  for (const [family, name] of [
    ['inet', 'ta'],
    ['ip', 'tb'],
  ] as const) {
    if (name === 'tb' && chance(r, 0.3)) continue;
    out.push(`table ${family} ${name} {`);
    out.push(`  set allow { type ipv4_addr; flags interval; elements = { ${pick(r, SRC_NETS)}, 192.0.2.0/24 } }`);
    out.push(`  set ports { type inet_service; flags interval; elements = { ${portList(r, '-', ', ')} } }`);
    // Mostly distinct priorities: at equal ones the kernel's order is not in the dumps (the model says unknown).
    const prio = name === 'ta' ? pick(r, [-150, -10, 0, 10, 100]) : pick(r, [-20, 5, 20, 0]);
    out.push('  chain input {', `    type filter hook input priority ${prio}; policy ${chance(r, 0.4) ? 'drop' : 'accept'};`);
    out.push(...nftChainRules(r, int(r, 1, 6), 'in', family, ['u1', 'u2'], false), '  }');
    out.push('  chain u1 {', ...nftChainRules(r, int(r, 0, 3), 'in', family, ['u2'], true), '  }');
    out.push('  chain u2 {', ...nftChainRules(r, int(r, 0, 3), 'in', family, [], true), '  }');
    const outDrop = chance(r, 0.15);
    out.push('  chain output {', `    type filter hook output priority ${pick(r, [-10, 0, 10])}; policy ${outDrop ? 'drop' : 'accept'};`);
    if (outDrop && chance(r, 0.7)) out.push('    ct state established,related accept');
    out.push(...nftChainRules(r, int(r, 0, 2), 'out', family, [], false), '  }');
    out.push('}');
  }
  return out.join('\n') + '\n';
}
