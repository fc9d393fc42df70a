/**
 * The sockets nginx opens for its `listen` directives, as `ss -ltnpe` would list them once it
 * runs: the would-fix check of "start it" or "change its listen" asks the socket model
 * (models/socket.ts) the same question of these as of the real listing.
 *
 * nginx (src/http/ngx_http_core_module.c, ngx_http_core_listen): `listen 80;` and a server
 * without `listen` bind `*:80` (0.0.0.0; `*:8000` when not started as root — tshoot reads the
 * root-started configuration); an IPv6 address is bound IPV6_V6ONLY unless `ipv6only=off`
 * (the default has been `on` since 1.3.4); `localhost` is looked up at start: 127.0.0.1 (and
 * ::1 where resolved so, which the model does not assume). A host name nginx would resolve, or
 * `unix:`, is not a TCP socket the model can place: it is left out and named in `unknown`.
 */
import type { NginxConfig } from '../parsers/nginx-config.js';
import { ssParser, type SsOutput } from '../parsers/ss.js';

export interface NginxSockets extends SsOutput {
  /** Listen lines the model could not turn into an address (`file:line: text`), else empty. */
  unknown: string[];
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export function nginxSockets(conf: NginxConfig): NginxSockets {
  const lines: string[] = [];
  const unknown: string[] = [];
  const add = (local: string, v6only?: boolean) =>
    lines.push(`LISTEN 0 511 ${local} ${local.startsWith('[') || local.startsWith('*') ? '[::]:*' : '0.0.0.0:*'} users:(("nginx",pid=0,fd=0))${v6only === undefined ? '' : ` v6only:${v6only ? 1 : 0}`}`);
  for (const server of conf.servers) {
    if (server.listens.length === 0) add('0.0.0.0:80');
    for (const l of server.listens) {
      const addr = l.addr === '*' || l.addr === '' ? '0.0.0.0' : l.addr === 'localhost' ? '127.0.0.1' : l.addr;
      if (IPV4.test(addr)) add(`${addr}:${l.port}`);
      else if (/^\[[0-9a-fA-F:.]+\]$/.test(addr)) {
        const dual = /\bipv6only=off\b/.test(l.text);
        // ss prints a dual-stack `::` as `*` (iproute2 ≥ 4.17) and says v6only:0 with -e.
        add(dual && addr === '[::]' ? `*:${l.port}` : `${addr}:${l.port}`, !dual);
      } else unknown.push(`${l.file}:${l.line}: ${l.text.trim()}`);
    }
  }
  return { ...ssParser.parse(lines.join('\n')), unknown };
}
