/**
 * Which listening TCP socket accepts a connection, asked of `ss -ltnp` the way the kernel
 * answers it (net/ipv4/inet_hashtables.c `__inet_lookup_listener`, net/ipv6/inet6_hashtables.c
 * `inet6_lookup_listener`):
 *
 *   - a socket bound to the destination address is looked up first, one bound to the wildcard
 *     only when there is none (both hash to the same buckets: a specific bind beats a wildcard);
 *   - an IPv4 packet matches IPv4 sockets and IPv6 sockets that are not IPV6_V6ONLY, bound to
 *     `::` (dual-stack) or to the IPv4-mapped destination (`::ffff:a.b.c.d`); an IPv6 packet
 *     matches IPv6 sockets only;
 *   - a socket bound to a device (`SO_BINDTODEVICE`, ss's `%eth0`) matches only packets that
 *     come in on it (a local client's packets come in on `lo`);
 *   - several sockets can match at once only as SO_REUSEPORT sockets (otherwise the second
 *     bind fails: EADDRINUSE). The kernel takes the first in its bucket, and within an
 *     SO_REUSEPORT group (same family, address, device) picks one per connection by hash.
 *     `ss` prints a family's listeners in that bucket order; IPv4 sockets come before IPv6 ones
 *     (an IPv6 SO_REUSEPORT socket is added at the tail).
 *
 * Whether an IPv6 socket is v6only: `ss -e` prints `v6only:0|1`; without it, iproute2 ≥ 4.17
 * prints a dual-stack `::` as `*` and a v6only one as `[::]`. Older ss (CentOS 7) prints the
 * IPv4 wildcard as `*` and `::` as `:::` whatever the flag, so there the flag is unknown;
 * `net.ipv6.bindv6only` is only the default a program may override (nginx sets
 * `ipv6only=on` itself), and is quoted in the reason, never assumed.
 *
 * Pure and total: any listing, any destination text.
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { CelHelpers } from './cel.js';
import { type SsOutput, type SsSocket, ssParser } from '../parsers/ss.js';
import { list, struct, type Infer } from '../parsers/types.js';
import { type Ip, isAnyIp, isLoopbackIp, isMappedV4, parseIp, unmapV4 } from './ip.js';

const LISTEN_SOCKET_TYPE = struct('ListenSocket', {
  line: 'string',
  process: 'string',
  processes: 'string',
  pid: 'int',
  pids: list('int'),
  /** As ss printed it: `0.0.0.0`, `*`, `[::]`, `127.0.0.1%lo`. */
  addr: 'string',
  port: 'int',
  /** `ipv4`, `ipv6`, or `''` when ss's format leaves it open (a lone `*`). */
  family: 'string',
  /** IPv6 sockets: `yes`, `no`, or `''` (not shown by this ss). */
  v6only: 'string',
  /** The device it is bound to (`%eth0`), or `''`. */
  iface: 'string',
});
export type ListenSocket = Infer<typeof LISTEN_SOCKET_TYPE>;

/** A socket on the port that does not take the connection, and why (a `SocketReason`). */
const PASSED_SOCKET_TYPE = struct('PassedSocket', { socket: LISTEN_SOCKET_TYPE, reason: 'string' });
export type PassedSocket = Infer<typeof PASSED_SOCKET_TYPE>;

export type SocketReason =
  // accepted
  | 'address' // bound to the destination address itself
  | 'mapped' // an IPv6 socket bound to the IPv4-mapped destination (::ffff:a.b.c.d)
  | 'wildcard' // bound to its own family's wildcard
  | 'dual-stack' // an IPv6 `::` socket that is not v6only, taking IPv4
  // refused
  | 'no-listener' // nothing listens on the port
  | 'other-address'
  | 'loopback-only' // bound to 127.x/::1 or to `lo`, and the packets do not come that way
  | 'other-family' // IPv4 socket for an IPv6 destination or the reverse
  | 'v6only' // an IPv6 `::` socket with IPV6_V6ONLY, for an IPv4 destination
  | 'other-device' // bound to another device than the one the packets come in on
  // unknown
  | 'bad-destination'
  | 'device-unknown'
  | 'v6only-unknown'
  | 'ss-format'
  | 'truncated';

export const SOCKET_VERDICT_TYPE = struct('SocketVerdict', {
  accepts: 'bool',
  /** `''` when the model knows; otherwise what it cannot tell (then `accepts` is false). */
  unknown: 'string',
  reason: 'string',
  /** The accepting socket; when none accepts, the one `reason` is about (empty when none is). */
  socket: LISTEN_SOCKET_TYPE,
  /** The SO_REUSEPORT group the kernel picks from per connection (one socket when no group). */
  group: list(LISTEN_SOCKET_TYPE),
  /** Every other socket on the port, and why it does not take the connection. */
  passed: list(PASSED_SOCKET_TYPE),
  /** The destination as the kernel sees it: `ipv4` for `::ffff:a.b.c.d`. */
  family: 'string',
  dest: 'string',
  port: 'int',
  /** The device assumed for the incoming packets (`lo` for a loopback destination), or `''`. */
  iface: 'string',
});
// CEL sees `reason` as a string; the TypeScript code keeps the closed set.
export type SocketVerdict = Infer<typeof SOCKET_VERDICT_TYPE> & { reason: SocketReason };

export interface SocketQuery {
  /** The address the client connects to, as the server receives it. */
  addr: string;
  port: number;
  /** `sysctl -n net.ipv6.bindv6only`: quoted when ss does not show a socket's flag. */
  bindv6only?: boolean;
  /** The device the packets come in on, when known (`lo` for a client on the host itself). */
  iface?: string;
}

/**
 * The socket the kernel would hand a TCP connection to `q.addr`:`q.port`.
 * @example
 * acceptingSocket(ssParser.parse(text), { addr: '198.18.2.10', port: 80 }).reason // 'loopback-only'
 */
export function acceptingSocket(ss: SsOutput, q: SocketQuery): SocketVerdict {
  const port = Number.isInteger(q.port) && q.port > 0 && q.port < 65536 ? q.port : 0;
  const parsed = parseIp(q.addr);
  const base = { family: '', dest: q.addr, port, iface: q.iface ?? '' };
  if (!parsed || port === 0) {
    const what = !parsed ? `${JSON.stringify(q.addr)} is not an IP address` : `${q.port} is not a TCP port`;
    return { ...verdict(base, false, 'bad-destination', undefined), unknown: what };
  }
  const dest = unmapV4(parsed);
  const iface = q.iface || (isLoopbackIp(dest) ? 'lo' : '');
  const ctx = { ...base, family: dest.v6 ? 'ipv6' : 'ipv4', dest: ipText(dest), iface };

  const format = listingFormat(ss.sockets);
  const entries = ss.sockets.filter((s) => isTcpListener(s) && s.local_port === port).map((s) => toEntry(s, format));
  const looks = entries.map((e) => look(e, dest, iface));
  // IPv4 sockets first: the order of the kernel's bucket for IPv4 packets (see the header).
  const order = looks.map((_, i) => i).sort((a, b) => familyRank(entries[a]!) - familyRank(entries[b]!) || a - b);

  for (const bucket of ['specific', 'wildcard'] as const) {
    const first = order.find((i) => looks[i]!.bucket === bucket);
    if (first === undefined) continue;
    const l = looks[first]!;
    const e = entries[first]!;
    const passed = entries.filter((_, i) => i !== first && !sameGroup(entries[i]!, e)).map((x) => passedOf(x, dest, iface));
    if (l.kind === 'maybe') {
      return { ...verdict(ctx, false, l.reason, e, passed), unknown: unknownText(l.reason, e, ctx, q.bindv6only) };
    }
    const group = entries.filter((x) => sameGroup(x, e)).map((x) => x.socket);
    return { ...verdict(ctx, true, l.reason, e, passed), group };
  }

  const passed = entries.map((x, i) => ({ socket: x.socket, reason: looks[i]!.reason }));
  if (ss.truncated) {
    return { ...verdict(ctx, false, 'truncated', undefined, passed), unknown: 'the ss listing was cut short: the socket may be among the sockets not read' };
  }
  if (format === 'legacy' && !ss.sockets.some((s) => isTcpListener(s) && s.local_host.includes(':'))) {
    // Old ss prints IPv6 unbracketed (`:::22`); a listing with none read may have lost them.
    const unknown = 'this ss (before iproute2 4.17) prints IPv6 sockets as `:::PORT` and none was read: an IPv6 listener may be missing from the listing';
    return { ...verdict(ctx, false, 'ss-format', undefined, passed), unknown };
  }
  const worst = [...passed].sort((a, b) => rank(a.reason) - rank(b.reason))[0];
  if (!worst) return verdict(ctx, false, 'no-listener', undefined, []);
  return { ...verdict(ctx, false, worst.reason as SocketReason, undefined, passed), socket: worst.socket };
}

/**
 * Registers `accepting_socket(SsOutput, string, int, bool[, string]): SocketVerdict` and its types.
 * `cel` is what flow/expr.ts builds environments with (passed in, so that this module does not
 * import expr.ts at run time).
 */
export function registerSocket(
  env: Environment,
  cel: CelHelpers,
): void {
  cel.register(ssParser.type);
  cel.register(SOCKET_VERDICT_TYPE);
  const call = (ss: unknown, addr: string, port: bigint, v6: boolean, iface: string): unknown =>
    cel.toCel(acceptingSocket(cel.fromCel(ss) as SsOutput, { addr, port: Number(port), bindv6only: v6, iface }), SOCKET_VERDICT_TYPE);
  env.registerFunction('accepting_socket(SsOutput, string, int, bool): SocketVerdict', (ss: unknown, a: string, p: bigint, v: boolean) => call(ss, a, p, v, ''));
  env.registerFunction('accepting_socket(SsOutput, string, int, bool, string): SocketVerdict', call);
}

// ---------------------------------------------------------------------------------------------

type Format = 'modern' | 'legacy' | 'unclear';

interface Entry {
  socket: ListenSocket;
  /** undefined: a `*` whose family this listing does not tell. */
  ip: Ip | undefined;
  v6only: boolean | undefined;
  iface: string;
}

type Look =
  | { kind: 'yes'; bucket: 'specific' | 'wildcard'; reason: SocketReason }
  | { kind: 'maybe'; bucket: 'specific' | 'wildcard'; reason: SocketReason }
  | { kind: 'no'; bucket: ''; reason: SocketReason };

function isTcpListener(s: SsSocket): boolean {
  return s.state === 'LISTEN' && (s.netid === '' || s.netid === 'tcp');
}

/**
 * iproute2 ≥ 4.17 prints `0.0.0.0` and brackets IPv6 (`[::]`, `[::1]`); older ss prints the
 * IPv4 wildcard as `*`, IPv6 unbracketed (`:::22`) and an IPv4 listener's peer as `*:*`.
 */
function listingFormat(sockets: SsSocket[]): Format {
  let modern = false;
  let legacy = false;
  for (const s of sockets) {
    if (s.netid.startsWith('u_')) continue;
    for (const a of [s.local_addr, s.peer_addr]) {
      if (a.startsWith('0.0.0.0') || a.startsWith('[')) modern = true;
      else if (a.includes(':')) legacy = true;
    }
    if (/^\d+\.\d+\.\d+\.\d+/.test(s.local_addr) && s.peer_addr === '*') legacy = true;
    if (s.local_host === '*' && v6onlyField(s.line) !== undefined) modern = true;
  }
  return modern === legacy ? 'unclear' : modern ? 'modern' : 'legacy';
}

function v6onlyField(line: string): boolean | undefined {
  const m = / v6only:([01])\b/.exec(line);
  return m ? m[1] === '1' : undefined;
}

function toEntry(s: SsSocket, format: Format): Entry {
  const field = v6onlyField(s.line);
  let ip: Ip | undefined;
  let v6only: boolean | undefined;
  if (s.local_host === '*') {
    if (format === 'legacy' && field === undefined) ip = { v6: false, n: 0n };
    else if (format === 'modern' || field !== undefined) {
      ip = { v6: true, n: 0n };
      v6only = field ?? false;
    }
  } else {
    ip = parseIp(s.local_host);
    if (ip?.v6) {
      // [::] is v6only in the modern format; an address other than :: or ::ffff:… is bound v6only
      // by the kernel (inet6_bind); `v6only:` says it outright.
      v6only = field ?? (isMappedV4(ip) ? false : isAnyIp(ip) ? (format === 'legacy' ? undefined : true) : true);
    }
  }
  const family = ip ? (ip.v6 ? 'ipv6' : 'ipv4') : '';
  return {
    ip,
    v6only,
    iface: s.local_zone,
    socket: {
      line: s.line,
      process: s.process,
      processes: s.processes,
      pid: s.pid,
      pids: s.pids,
      addr: s.local_addr,
      port: s.local_port,
      family,
      v6only: ip?.v6 ? (v6only === undefined ? '' : v6only ? 'yes' : 'no') : '',
      iface: s.local_zone,
    },
  };
}

/** Whether `e` matches a packet for `dest` coming in on `iface` (`''`: not known). */
function look(e: Entry, dest: Ip, iface: string): Look {
  const addr = lookAddress(e, dest);
  if (addr.kind === 'no' || !e.iface) return addr;
  if (iface) {
    if (e.iface === iface) return addr;
    return { kind: 'no', bucket: '', reason: e.iface === 'lo' ? 'loopback-only' : 'other-device' };
  }
  return addr.kind === 'yes' ? { kind: 'maybe', bucket: addr.bucket, reason: 'device-unknown' } : addr;
}

function lookAddress(e: Entry, dest: Ip): Look {
  const no = (reason: SocketReason): Look => ({ kind: 'no', bucket: '', reason });
  if (!e.ip) {
    // A `*` of a listing that does not say which ss printed it: IPv4's wildcard or a dual-stack `::`.
    return dest.v6 ? { kind: 'maybe', bucket: 'wildcard', reason: 'ss-format' } : { kind: 'yes', bucket: 'wildcard', reason: 'wildcard' };
  }
  const ip = e.ip;
  if (!dest.v6) {
    if (ip.v6 && !isMappedV4(ip)) {
      if (!isAnyIp(ip)) return no('other-family');
      if (e.v6only === true) return no('v6only');
      if (e.v6only === undefined) return { kind: 'maybe', bucket: 'wildcard', reason: 'v6only-unknown' };
      return { kind: 'yes', bucket: 'wildcard', reason: 'dual-stack' };
    }
    const v4 = unmapV4(ip);
    if (v4.n === 0n) return { kind: 'yes', bucket: 'wildcard', reason: ip.v6 ? 'mapped' : 'wildcard' };
    if (v4.n === dest.n) return { kind: 'yes', bucket: 'specific', reason: ip.v6 ? 'mapped' : 'address' };
    return no(isLoopbackIp(v4) && !isLoopbackIp(dest) ? 'loopback-only' : 'other-address');
  }
  if (!ip.v6 || isMappedV4(ip)) return no('other-family');
  if (isAnyIp(ip)) return { kind: 'yes', bucket: 'wildcard', reason: 'wildcard' };
  if (ip.n === dest.n) return { kind: 'yes', bucket: 'specific', reason: 'address' };
  return no(isLoopbackIp(ip) && !isLoopbackIp(dest) ? 'loopback-only' : 'other-address');
}

function passedOf(e: Entry, dest: Ip, iface: string): PassedSocket {
  const l = look(e, dest, iface);
  // A socket that would match but loses to the chosen one (a less specific bind).
  return { socket: e.socket, reason: l.kind === 'no' ? l.reason : l.bucket === 'wildcard' ? 'wildcard' : l.reason };
}

/** One SO_REUSEPORT group: same family, address, v6only flag and device (inet_reuseport_add_sock). */
function sameGroup(a: Entry, b: Entry): boolean {
  return a.socket.family === b.socket.family && a.ip?.n === b.ip?.n && a.v6only === b.v6only && a.iface === b.iface;
}

function familyRank(e: Entry): number {
  return e.ip?.v6 ? 1 : 0;
}

/** Which refusal names the cause best when several sockets refuse. */
const RANK: readonly SocketReason[] = ['loopback-only', 'v6only', 'other-device', 'other-family', 'other-address'];
function rank(r: string): number {
  const i = RANK.indexOf(r as SocketReason);
  return i < 0 ? RANK.length : i;
}

function unknownText(reason: SocketReason, e: Entry, ctx: { dest: string; iface: string }, bindv6only: boolean | undefined): string {
  const where = `${e.socket.addr}:${e.socket.port}`;
  switch (reason) {
    case 'device-unknown':
      return `${where} is bound to device ${e.iface}: it takes the connection only if the packets for ${ctx.dest} come in on ${e.iface}, and that device is not known`;
    case 'v6only-unknown': {
      const sysctl = bindv6only === undefined ? '' : `; net.ipv6.bindv6only=${bindv6only ? 1 : 0} is only the default, which the program may override`;
      return `this ss does not show whether ${where} is IPV6_V6ONLY (ss -ltnpe shows v6only:0/1)${sysctl}`;
    }
    case 'ss-format':
      return `${where} is the IPv4 wildcard in ss before iproute2 4.17 and a dual-stack IPv6 socket after it; the listing does not tell which`;
    default:
      return reason;
  }
}

function verdict(
  ctx: { family: string; dest: string; port: number; iface: string },
  accepts: boolean,
  reason: SocketReason,
  e: Entry | undefined,
  passed: PassedSocket[] = [],
): SocketVerdict {
  const socket = e?.socket ?? NO_SOCKET;
  return { accepts, unknown: '', reason, socket, group: e ? [socket] : [], passed, ...ctx };
}

const NO_SOCKET: ListenSocket = { line: '', process: '', processes: '', pid: 0, pids: [], addr: '', port: 0, family: '', v6only: '', iface: '' };

function ipText(ip: Ip): string {
  if (!ip.v6) return [24n, 16n, 8n, 0n].map((s) => String((ip.n >> s) & 255n)).join('.');
  const g: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) g.push(((ip.n >> s) & 0xffffn).toString(16));
  // The longest run of zero groups becomes `::` (RFC 5952 §4.2).
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > len && j - i > 1) [best, len] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + len).join(':')}`;
}
