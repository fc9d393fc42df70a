/**
 * The sockets Apache httpd opens for its `Listen` lines, as `ss -ltnpe` would list them once it
 * runs, so the refused flow can ask the socket model (models/socket.ts) "would Apache, once
 * started, take ADDR:PORT?" the same way it asks of the real listing.
 *
 * Apache (server/listen.c, alloc_listener/open_listeners), as Debian's 2.4 does it on Linux
 * (checked against the real apache2 by test/models/apache-listen.test.ts):
 *   - `Listen 80` binds `[::]:80` with IPV6_V6ONLY off (dual stack: IPv4 too); `Listen [::]:80`
 *     the same;
 *   - `Listen 0.0.0.0:80` binds the IPv4 wildcard, unless a dual-stack `[::]:80` is also listed:
 *     then the IPv4 one is left out (the `::` socket takes IPv4 already);
 *   - any other IPv6 address is bound IPV6_V6ONLY; an IPv4 address as written;
 *   - the protocol word (`Listen 443 https`) does not change the socket.
 * A host name (`Listen localhost:80`) is looked up when Apache starts: not placed, named in
 * `unknown`. So is a `Listen` inside an `<IfModule>`/`<IfDefine>` whose truth is unknown. The
 * model assumes the host has IPv6 (without it `Listen 80` binds 0.0.0.0).
 */
import type { ApacheConfig } from '../parsers/apache-config.js';
import { ssParser, type SsOutput } from '../parsers/ss.js';

export interface ApacheSockets extends SsOutput {
  /** Listen lines the model could not turn into a socket (`file:line: text (why)`), else empty. */
  unknown: string[];
  /**
   * Why Apache would not start with these lines (then `sockets` is empty), else `''`: the same
   * address:port twice, or a wildcard and a specific address of its family on one port (Linux
   * refuses the second bind of listening sockets: EADDRINUSE, AH00072).
   */
  fails: string;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;

export function apacheSockets(conf: ApacheConfig): ApacheSockets {
  const unknown: string[] = [];
  const wanted: Array<{ addr: string; port: number }> = [];
  for (const l of conf.listens) {
    const where = `${l.file}:${l.line}: ${l.text}`;
    if (l.active === 'unknown') unknown.push(`${where} (inside a section whose condition is not known)`);
    else if (l.port <= 0 || l.port > 65535) unknown.push(`${where} (not a port)`);
    else if (l.addr === '' || l.addr === '[::]' || l.addr === '*') wanted.push({ addr: '*', port: l.port });
    else if (IPV4.test(l.addr) || IPV6.test(l.addr)) wanted.push({ addr: l.addr, port: l.port });
    else unknown.push(`${where} (a name Apache looks up when it starts)`);
  }
  const dual = new Set(wanted.filter((w) => w.addr === '*').map((w) => w.port));
  const lines: string[] = [];
  const kept = wanted.filter((w) => !(w.addr === '0.0.0.0' && dual.has(w.port)));
  const fails = conflict(kept);
  if (fails) return { ...ssParser.parse(''), unknown, fails };
  for (const w of kept) {
    const local = `${w.addr}:${w.port}`;
    const v6 = w.addr === '*' || w.addr.startsWith('[');
    // ss prints a dual-stack `::` as `*` with v6only:0 (iproute2 ≥ 4.17, -e).
    lines.push(`LISTEN 0 511 ${local} ${v6 ? (w.addr === '*' ? '*:*' : '[::]:*') : '0.0.0.0:*'} users:(("apache2",pid=0,fd=0))${v6 ? ` v6only:${w.addr === '*' ? 0 : 1}` : ''}`);
  }
  return { ...ssParser.parse(lines.join('\n')), unknown, fails: '' };
}

function conflict(ws: ReadonlyArray<{ addr: string; port: number }>): string {
  const seen = new Set<string>();
  for (const w of ws) {
    const key = `${w.addr}:${w.port}`;
    if (seen.has(key)) return `Listen ${w.addr === '*' ? '' : `${w.addr}:`}${w.port} twice`;
    seen.add(key);
  }
  for (const w of ws) {
    const covers = (o: { addr: string }) => (w.addr === '*' ? o.addr !== '*' : w.addr === '0.0.0.0' ? IPV4.test(o.addr) && o.addr !== '0.0.0.0' : false);
    const other = ws.find((o) => o.port === w.port && o !== w && covers(o));
    if (other) return `${other.addr}:${other.port} cannot be bound beside the wildcard ${w.addr === '*' ? '[::]' : w.addr}:${w.port} (EADDRINUSE)`;
  }
  return '';
}
