/**
 * The sockets a systemd socket unit opens for its `ListenStream=` lines, as `ss -ltnpe` would list
 * them once the unit is started (systemd, PID 1, holds them), so the refused flow can ask the
 * socket model (models/socket.ts) "would this socket unit, once started, take ADDR:PORT?".
 *
 * systemd.socket(5) and src/shared/socket-netlink.c (socket_address_parse):
 *   - `ListenStream=80`, a port alone, binds the IPv6 wildcard `[::]:80` (the IPv4 one on a host
 *     without IPv6, which the model does not assume);
 *   - `[::]:80` the same; any other `[v6]:80` that address; `a.b.c.d:80` that IPv4 address;
 *   - an IPv6 socket is IPV6_V6ONLY only with `BindIPv6Only=ipv6-only`: `both` clears it, and
 *     `default` leaves net.ipv6.bindv6only, 0 unless changed: the model takes it as `both`;
 *   - `BindToDevice=` binds every socket to that device (ss prints `addr%dev`);
 *   - a path, `@abstract` or `vsock:` socket is no TCP port: left out. Anything else is named in
 *     `unknown`.
 */
import type { SystemdUnit } from '../parsers/systemd-units.js';
import { ssParser, type SsOutput } from '../parsers/ss.js';

export interface SystemdListenSockets extends SsOutput {
  /** ListenStream= values the model could not place (`file:line: ListenStream=…`), else empty. */
  unknown: string[];
}

const IPV4_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const IPV6_PORT = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/;
const PORT = /^\d{1,5}$/;

export function systemdSockets(unit: SystemdUnit): SystemdListenSockets {
  const v6only = unit.bind_ipv6_only === 'ipv6-only';
  const dev = unit.bind_to_device === '' ? '' : `%${unit.bind_to_device}`;
  const lines: string[] = [];
  const unknown: string[] = [];
  const add = (addr: string, port: string, v6: boolean) => {
    const dual = v6 && addr === '[::]' && !v6only;
    const local = `${dual ? '*' : addr}${dev}:${Number(port)}`;
    lines.push(`LISTEN 0 4096 ${local} ${v6 ? '[::]:*' : '0.0.0.0:*'} users:(("systemd",pid=1,fd=0))${v6 ? ` v6only:${dual ? 0 : 1}` : ''}`);
  };
  for (const l of unit.listen_streams) {
    const v = l.value.trim();
    const v4 = IPV4_PORT.exec(v);
    const v6 = IPV6_PORT.exec(v);
    if (PORT.test(v) && Number(v) > 0 && Number(v) <= 65535) add('[::]', v, true);
    else if (v4 && Number(v4[2]) > 0 && Number(v4[2]) <= 65535) add(v4[1]!, v4[2]!, false);
    else if (v6 && Number(v6[2]) > 0 && Number(v6[2]) <= 65535) add(v6[1] === '::' ? '[::]' : `[${v6[1]!}]`, v6[2]!, true);
    else if (!(v.startsWith('/') || v.startsWith('@') || v.startsWith('vsock:'))) unknown.push(`${l.file}:${l.line}: ListenStream=${v}`);
  }
  return { ...ssParser.parse(lines.join('\n')), unknown };
}
