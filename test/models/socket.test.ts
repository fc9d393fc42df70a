/**
 * models/socket.ts on listings the kernel test cannot produce here: ss before iproute2 4.17
 * (CentOS 7's `*:22` and `:::22`), a listing that does not say which ss printed it, truncated
 * listings, destinations that are not addresses, and the CEL function flows call.
 * The kernel's own answers are checked in socket-kernel.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { modelEnv } from './cel-env.js';
import { toCel } from '../../src/flow/expr.js';
import { acceptingSocket, registerSocket } from '../../src/models/socket.js';
import { bareHost } from '../../src/parsers/address.js';
import { type SsOutput, type SsSocket, ssParser } from '../../src/parsers/ss.js';

const ss = (...lines: string[]) => ssParser.parse(['State Recv-Q Send-Q Local Address:Port Peer Address:Port Process', ...lines].join('\n'));

// CentOS 7 (iproute 3.10 / 4.11): the IPv4 wildcard is `*`, IPv6 is unbracketed.
const LEGACY_V4 = [
  'LISTEN     0      128          *:22                       *:*                   users:(("sshd",pid=1104,fd=3))',
  'LISTEN     0      100    127.0.0.1:25                       *:*                   users:(("master",pid=1300,fd=13))',
];
const LEGACY_V6 = [
  'LISTEN     0      128         :::80                      :::*                   users:(("httpd",pid=1200,fd=4))',
  'LISTEN     0      100        ::1:25                      :::*                   users:(("master",pid=1300,fd=14))',
];
/**
 * parsers/ss.ts does not read unbracketed IPv6 (`:::80`) yet: these sockets are what it would
 * give (split at the last colon, as ss always prints a port), built from the bracketed form.
 */
function legacyV6(line: string): SsSocket {
  const bracketed = line.replace(/(\S*:)(\d+|\*)(?=\s)/g, (_m, a: string, p: string) => `[${a.slice(0, -1)}]:${p}`);
  const s = ssParser.parse(bracketed).sockets[0]!;
  return { ...s, local_addr: s.local_host, peer_addr: bareHost(s.peer_addr), line };
}
const LEGACY: SsOutput = { sockets: [...ss(...LEGACY_V4).sockets, ...LEGACY_V6.map(legacyV6)], truncated: false };

describe('acceptingSocket', () => {
  it('reads old ss: `*` is the IPv4 wildcard, `:::` an IPv6 wildcard whose v6only it cannot see', () => {
    expect(acceptingSocket(LEGACY, { addr: '198.18.2.10', port: 22 })).toMatchObject({ accepts: true, reason: 'wildcard', unknown: '', socket: { process: 'sshd', family: 'ipv4' } });
    expect(acceptingSocket(LEGACY, { addr: 'fd00::5', port: 22 })).toMatchObject({ accepts: false, reason: 'other-family', unknown: '' });
    expect(acceptingSocket(LEGACY, { addr: 'fd00::5', port: 80 })).toMatchObject({ accepts: true, reason: 'wildcard', socket: { process: 'httpd' } });
    const v4 = acceptingSocket(LEGACY, { addr: '198.18.2.10', port: 80, bindv6only: false });
    expect(v4).toMatchObject({ accepts: false, reason: 'v6only-unknown', socket: { process: 'httpd', v6only: '' } });
    expect(v4.unknown).toMatch(/ss -ltnpe.*net\.ipv6\.bindv6only=0 is only the default/);
    expect(acceptingSocket(LEGACY, { addr: '198.18.2.10', port: 25 })).toMatchObject({ accepts: false, reason: 'loopback-only', socket: { addr: '127.0.0.1' } });
    expect(acceptingSocket(LEGACY, { addr: '127.0.0.1', port: 25 })).toMatchObject({ accepts: true, reason: 'address', iface: 'lo' });
    expect(acceptingSocket(LEGACY, { addr: '::1', port: 25 })).toMatchObject({ accepts: true, reason: 'address', socket: { line: LEGACY_V6[1] } });
  });

  it('does not call a port closed from an old listing where no IPv6 socket was read', () => {
    const v4only = ss(...LEGACY_V4, ...LEGACY_V6);
    expect(v4only.sockets).toHaveLength(2);
    expect(acceptingSocket(v4only, { addr: '198.18.2.10', port: 80 })).toMatchObject({ accepts: false, reason: 'ss-format' });
    expect(acceptingSocket(v4only, { addr: '198.18.2.10', port: 22 })).toMatchObject({ accepts: true, reason: 'wildcard' });
  });

  it('takes v6only from ss -e even where the address form does not show it', () => {
    const withE = { sockets: [legacyV6('LISTEN     0      128         :::80                      :::*                   users:(("httpd",pid=1200,fd=4)) ino:1 sk:2 v6only:0 <->')], truncated: false };
    expect(acceptingSocket(withE, { addr: '198.18.2.10', port: 80 })).toMatchObject({ accepts: true, reason: 'dual-stack', socket: { v6only: 'no' } });
  });

  it('leaves a lone `*` open for IPv6 when the listing does not say which ss printed it', () => {
    const lone = ss('LISTEN 0 128 *:8080 *:* users:(("app",pid=9,fd=3))');
    expect(acceptingSocket(lone, { addr: '198.18.2.10', port: 8080 })).toMatchObject({ accepts: true, reason: 'wildcard' });
    expect(acceptingSocket(lone, { addr: 'fd00::1', port: 8080 })).toMatchObject({ accepts: false, reason: 'ss-format' });
    // With a modern line beside it, `*` is a dual-stack IPv6 socket.
    const modern = ss('LISTEN 0 128 *:8080 *:* users:(("app",pid=9,fd=3))', 'LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=8,fd=3))');
    expect(acceptingSocket(modern, { addr: 'fd00::1', port: 8080 })).toMatchObject({ accepts: true, reason: 'wildcard', socket: { family: 'ipv6', v6only: 'no' } });
  });

  it('names every socket that passes, and the one that explains the refusal best', () => {
    const l = ss(
      'LISTEN 0 511 127.0.0.1:80 0.0.0.0:* users:(("nginx",pid=7,fd=6))',
      'LISTEN 0 511 [::]:80 [::]:* users:(("nginx",pid=7,fd=7))',
      'LISTEN 0 511 198.18.9.9:80 0.0.0.0:* users:(("nginx",pid=7,fd=8))',
    );
    const v = acceptingSocket(l, { addr: '198.18.2.10', port: 80 });
    expect(v).toMatchObject({ accepts: false, reason: 'loopback-only', socket: { addr: '127.0.0.1' } });
    expect(v.passed.map((p) => `${p.socket.addr} ${p.reason}`)).toEqual(['127.0.0.1 loopback-only', '[::] v6only', '198.18.9.9 other-address']);
    expect(acceptingSocket(l, { addr: '198.18.2.10', port: 81 })).toMatchObject({ accepts: false, reason: 'no-listener', unknown: '' });
  });

  it('treats an IPv4-mapped destination as IPv4', () => {
    const l = ss('LISTEN 0 511 [::]:80 [::]:* users:(("nginx",pid=7,fd=7))');
    expect(acceptingSocket(l, { addr: '::ffff:198.18.2.10', port: 80 })).toMatchObject({ accepts: false, reason: 'v6only', family: 'ipv4', dest: '198.18.2.10' });
  });

  it('groups SO_REUSEPORT sockets and prefers a specific bind', () => {
    const l = ss(
      'LISTEN 0 511 0.0.0.0:443 0.0.0.0:* users:(("a",pid=1,fd=3))',
      'LISTEN 0 511 0.0.0.0:443 0.0.0.0:* users:(("a",pid=2,fd=3))',
      'LISTEN 0 511 198.18.2.10:443 0.0.0.0:* users:(("b",pid=3,fd=3))',
    );
    expect(acceptingSocket(l, { addr: '198.18.2.10', port: 443 })).toMatchObject({ accepts: true, reason: 'address', socket: { pid: 3 }, group: [{ pid: 3 }] });
    const w = acceptingSocket(l, { addr: '198.18.2.11', port: 443 });
    expect(w.group.map((s) => s.pid)).toEqual([1, 2]);
  });

  it('says unknown for a device-bound socket when the incoming device is not known', () => {
    const l = ss('LISTEN 0 128 0.0.0.0%eth1:8443 0.0.0.0:* users:(("app",pid=4,fd=5))');
    const v = acceptingSocket(l, { addr: '198.18.2.10', port: 8443 });
    expect(v).toMatchObject({ accepts: false, reason: 'device-unknown' });
    expect(v.unknown).toMatch(/bound to device eth1/);
    expect(acceptingSocket(l, { addr: '198.18.2.10', port: 8443, iface: 'eth1' })).toMatchObject({ accepts: true, unknown: '' });
    expect(acceptingSocket(l, { addr: '198.18.2.10', port: 8443, iface: 'eth0' })).toMatchObject({ accepts: false, reason: 'other-device', unknown: '' });
  });

  it('is total: names, bad ports and truncated listings are unknown, never a guess', () => {
    expect(acceptingSocket(LEGACY, { addr: 'example.invalid', port: 22 })).toMatchObject({ accepts: false, reason: 'bad-destination' });
    expect(acceptingSocket(LEGACY, { addr: '198.18.2.10', port: 70000 })).toMatchObject({ accepts: false, reason: 'bad-destination' });
    expect(acceptingSocket({ sockets: [], truncated: true }, { addr: '198.18.2.10', port: 22 })).toMatchObject({ reason: 'truncated' });
    expect(acceptingSocket(ssParser.parse('garbage'), { addr: '::1', port: 1 })).toMatchObject({ accepts: false, reason: 'no-listener' });
  });
});

describe('accepting_socket in CEL', () => {
  it('is registered with its types and returns the verdict as a struct', () => {
    const env = modelEnv((env, cel) => registerSocket(env, cel));
    env.registerVariable('ss', 'SsOutput');
    const ctx = { ss: toCel(LEGACY, ssParser.type) };
    expect(env.evaluate('accepting_socket(ss, "198.18.2.10", 22, false).socket.process', ctx)).toBe('sshd');
    expect(env.evaluate('accepting_socket(ss, "198.18.2.10", 25, false).reason', ctx)).toBe('loopback-only');
    expect(env.evaluate('accepting_socket(ss, "198.18.2.10", 80, true, "eth0").unknown != ""', ctx)).toBe(true);
    expect(env.evaluate('accepting_socket(ss, "198.18.2.10", 25, false).passed.map(p, p.reason)', ctx)).toEqual(['loopback-only', 'other-family']);
  });
});
