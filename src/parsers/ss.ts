/**
 * `ss` (iproute2) socket listings: `ss -antup`, `ss -ltnp`, `ss -ltn`, with or without the
 * header, and lines piped through `grep` (no header).
 *
 * Columns are found by content, not by header position: ss pads columns to the terminal
 * width and glues headers together when they overflow (`Peer Address:PortProcess` on a
 * narrow pipe), and the Netid column is missing when one socket type was asked for
 * (`ss -ltn`). So a line is a socket when its words read
 * `[netid] STATE recv-q send-q local peer [process…]`.
 */
import { list, parser, struct, type Infer } from './types.js';
import { bareHost, isLoopback, isWildcard, splitHostPort, zoneOf } from './address.js';
import { MAX_ITEMS, isDigits, splitLines, tokenize, toInt, total } from './text.js';

const SS_SOCKET = struct('SsSocket', {
  /** `tcp`, `udp`, `u_str`…; `''` when ss printed no Netid column (e.g. `ss -ltn`). */
  netid: 'string',
  state: 'string',
  recv_q: 'int',
  send_q: 'int',
  /** As printed: `0.0.0.0`, `[::]`, `*`, `127.0.0.53%lo`; a path for unix sockets. */
  local_addr: 'string',
  /** The address without brackets or zone: `::`, `127.0.0.53`. */
  local_host: 'string',
  /** The device after `%` (`lo`, `eth0`), or `''`. */
  local_zone: 'string',
  /** 0 for `*`; the inode for unix sockets. */
  local_port: 'int',
  peer_addr: 'string',
  peer_port: 'int',
  /** Distinct process names, comma-joined, in order (`sshd`, `nginx`). */
  processes: 'string',
  /** Every pid of `users:(…)`, in order, without repeats. */
  pids: list('int'),
  /** The first process name, or `''` (ss shows none without root or `-p`). */
  process: 'string',
  /** The first pid, or 0. */
  pid: 'int',
  /** Bound to all addresses: `0.0.0.0`, `*`, `[::]`. */
  wildcard: 'bool',
  /** Reachable only from this host: 127/8, `[::1]`, or bound to `%lo`. */
  loopback: 'bool',
  line: 'string',
});
export type SsSocket = Infer<typeof SS_SOCKET>;

const SS_OUTPUT = struct('SsOutput', { sockets: list(SS_SOCKET), truncated: 'bool' });
export type SsOutput = Infer<typeof SS_OUTPUT>;

export const ssParser = parser({
  name: 'ss',
  description: 'Sockets from `ss -antup` / `ss -ltnp` / `ss -ltn` (header optional, grep-filtered lines fine).',
  type: SS_OUTPUT,
  parse: (text) => total(text, empty, parseSs),
});

function empty(): SsOutput {
  return { sockets: [], truncated: false };
}

function parseSs(text: string): SsOutput {
  const out = empty();
  for (const line of splitLines(text)) {
    const s = parseLine(line);
    if (!s) continue;
    if (out.sockets.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    out.sockets.push(s);
  }
  return out;
}

// ss's names for socket types (man ss, `-A`), and TCP states as ss spells them.
const NETIDS = new Set([
  'tcp', 'udp', 'raw', 'u_str', 'u_dgr', 'u_seq', 'p_raw', 'p_dgr', 'nl', 'v_str', 'v_dgr',
  'xdp', 'mptcp', 'sctp', 'tipc', 'icmp', 'icmp6', 'dccp',
]);
const STATES = new Set([
  'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'UNCONN', 'CLOSE-WAIT',
  'LAST-ACK', 'LISTEN', 'CLOSING', 'CLOSED', 'UNKNOWN', 'BOUND',
]);

function parseLine(line: string): SsSocket | undefined {
  const t = tokenize(line, 9);
  let i = 0;
  let netid = '';
  if (t[0] && NETIDS.has(t[0].text)) {
    netid = t[0].text;
    i = 1;
  }
  const state = t[i]?.text;
  if (state === undefined || !STATES.has(state)) return undefined;
  const rq = t[i + 1]?.text;
  const sq = t[i + 2]?.text;
  if (!isDigits(rq) || !isDigits(sq)) return undefined;

  // Unix sockets print "path inode" for each end instead of "addr:port".
  const unix = netid.startsWith('u_');
  const lt = t[i + 3];
  const lp = unix ? t[i + 4] : undefined;
  const pt = unix ? t[i + 5] : t[i + 4];
  const pp = unix ? t[i + 6] : undefined;
  if (!lt || !pt || (unix && (!lp || !pp))) return undefined;
  const local = unix ? { addr: lt.text, port: lp!.text } : splitHostPort(lt.text);
  const peer = unix ? { addr: pt.text, port: pp!.text } : splitHostPort(pt.text);
  if (!isPort(local.port) || !isPort(peer.port)) return undefined;

  const lastEnd = (unix ? pp! : pt).end;
  const users = parseUsers(line, lastEnd);
  return {
    netid,
    state,
    recv_q: toInt(rq),
    send_q: toInt(sq),
    local_addr: local.addr,
    local_host: unix ? local.addr : bareHost(local.addr),
    local_zone: unix ? '' : zoneOf(local.addr),
    local_port: toInt(local.port),
    peer_addr: peer.addr,
    peer_port: toInt(peer.port),
    processes: users.names.join(','),
    pids: users.pids,
    process: users.names[0] ?? '',
    pid: users.pids[0] ?? 0,
    wildcard: !unix && isWildcard(local.addr),
    loopback: !unix && isLoopback(local.addr),
    line,
  };
}

function isPort(p: string): boolean {
  return p === '*' || isDigits(p);
}

/** Reads `users:(("nginx",pid=2878,fd=6),("nginx",pid=2877,fd=6))` from `from` on. */
function parseUsers(line: string, from: number): { names: string[]; pids: number[] } {
  const names: string[] = [];
  const pids: number[] = [];
  const start = line.indexOf('users:(', from);
  if (start < 0) return { names, pids };
  let pos = start + 7;
  // Each step moves `pos` forward, so this is linear in the line's length.
  while (names.length + pids.length < 2 * MAX_ITEMS) {
    const open = line.indexOf('("', pos);
    if (open < 0) break;
    const close = line.indexOf('",', open + 2);
    if (close < 0) break;
    const name = line.slice(open + 2, close);
    if (!names.includes(name) && names.length < 64) names.push(name);
    pos = close + 2;
    if (line.startsWith('pid=', pos)) {
      let e = pos + 4;
      while (e < line.length && e - pos < 20 && isDigits(line[e])) e++;
      const pid = toInt(line.slice(pos + 4, e));
      if (pid > 0 && !pids.includes(pid) && pids.length < 64) pids.push(pid);
      pos = e;
    }
  }
  return { names, pids };
}
