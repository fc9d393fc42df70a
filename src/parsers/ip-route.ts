/**
 * `ip route` (also `ip -6 route`, `ip route show table all`) and `ip route get ADDR`.
 *
 * `ip route get` prints the chosen route with the asked address as its destination and a
 * `    cache` continuation line, which is skipped (indented lines continue the line above).
 * Errors (`RTNETLINK answers: Network is unreachable`) are collected: for `route get` that
 * answer *is* the finding.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, splitLines, toInt, total, words } from './text.js';

const ROUTE = struct('Route', {
  /** `default`, a CIDR (`10.9.0.0/24`), or a bare address (`ip route get`, host routes). */
  dest: 'string',
  /** `unicast` unless the line starts with another type: `local`, `blackhole`, `unreachable`… */
  type: 'string',
  via: 'string',
  dev: 'string',
  src: 'string',
  proto: 'string',
  scope: 'string',
  table: 'string',
  metric: 'int',
  line: 'string',
});
export type Route = Infer<typeof ROUTE>;

const ROUTE_TABLE = struct('RouteTable', {
  routes: list(ROUTE),
  /** A `default` (or 0.0.0.0/0, ::/0) route exists: replies can leave for the internet. */
  has_default: 'bool',
  /** `RTNETLINK answers: …` / `Error: …` lines. */
  errors: list('string'),
  truncated: 'bool',
});
export type RouteTable = Infer<typeof ROUTE_TABLE>;

export const ipRouteParser = parser({
  name: 'ip-route',
  description: 'Routes from `ip route` / `ip route get ADDR`, and whether a default route exists.',
  type: ROUTE_TABLE,
  parse: (text) => total(text, empty, parseIpRoute),
});

function empty(): RouteTable {
  return { routes: [], has_default: false, errors: [], truncated: false };
}

// Route types (man ip-route, ROUTE TYPES); a line starting with one names it before the prefix.
const TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast']);
const KEYS = new Set(['via', 'dev', 'src', 'proto', 'scope', 'table', 'metric']);

function parseIpRoute(text: string): RouteTable {
  const out = empty();
  for (const line of splitLines(text)) {
    if (line.startsWith('RTNETLINK answers:') || line.startsWith('Error:')) {
      if (out.errors.length < MAX_ITEMS) out.errors.push(line);
      continue;
    }
    if (line === '' || line[0] === ' ' || line[0] === '\t') continue;
    const r = parseLine(line);
    if (!r) continue;
    if (out.routes.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    out.routes.push(r);
    if (r.type === 'unicast' && (r.dest === 'default' || r.dest === '0.0.0.0/0' || r.dest === '::/0')) out.has_default = true;
  }
  return out;
}

function parseLine(line: string): Route | undefined {
  const w = words(line, 64);
  let i = 0;
  let type = 'unicast';
  if (w[0] !== undefined && TYPES.has(w[0]) && w.length > 1) {
    type = w[0];
    i = 1;
  }
  const dest = w[i];
  if (dest === undefined || !looksLikeDest(dest)) return undefined;
  const r: Route = { dest, type, via: '', dev: '', src: '', proto: '', scope: '', table: '', metric: 0, line };
  for (let k = i + 1; k < w.length; k++) {
    const key = w[k]!;
    if (!KEYS.has(key)) continue;
    let value = w[k + 1] ?? '';
    // `via inet6 fe80::1` names the gateway's family when it differs from the route's.
    if (key === 'via' && (value === 'inet' || value === 'inet6')) {
      k++;
      value = w[k + 1] ?? '';
    }
    k++;
    if (key === 'metric') r.metric = toInt(value);
    else if (key === 'via' || key === 'dev' || key === 'src' || key === 'proto' || key === 'scope' || key === 'table') r[key] = value;
  }
  return r;
}

/** `default`, or something made of address characters (with an optional `/len`). */
function looksLikeDest(s: string): boolean {
  if (s === 'default') return true;
  if (s.length > 64) return false;
  let colonOrDot = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '.' || c === ':') colonOrDot = true;
    else if (!/[0-9a-fA-F/]/.test(c)) return false;
  }
  return colonOrDot;
}
