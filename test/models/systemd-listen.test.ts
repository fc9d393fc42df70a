/**
 * ListenStream= forms → the sockets ss would list → what the socket model says of a destination.
 */
import { describe, expect, it } from 'vitest';
import { acceptingSocket } from '../../src/models/socket.js';
import { systemdSockets } from '../../src/models/systemd-listen.js';
import { apacheListenAll } from '../../src/models/apache-rebind.js';
import { apacheSockets } from '../../src/models/apache-listen.js';
import { apacheConfigParser } from '../../src/parsers/apache-config.js';
import { systemdUnitParser } from '../../src/parsers/systemd-units.js';

const unit = (...lines: string[]) => systemdUnitParser.parse(`# /etc/systemd/system/w.socket\n[Socket]\n${lines.join('\n')}\n`);
const takes = (u: ReturnType<typeof unit>, addr: string, port = 80) => acceptingSocket(systemdSockets(u), { addr, port, bindv6only: false, iface: '' });

describe('systemd_sockets', () => {
  it.each([
    ['ListenStream=80', '198.18.2.10', true],
    ['ListenStream=80', '2001:db8::1', true],
    ['ListenStream=[::]:80', '198.18.2.10', true],
    ['ListenStream=0.0.0.0:80', '198.18.2.10', true],
    ['ListenStream=0.0.0.0:80', '2001:db8::1', false],
    ['ListenStream=127.0.0.1:80', '198.18.2.10', false],
    ['ListenStream=127.0.0.1:80', '127.0.0.1', true],
    ['ListenStream=8080', '198.18.2.10', false],
  ])('%s takes %s: %s', (line, addr, want) => {
    expect(takes(unit(line), addr).accepts).toBe(want);
  });

  it('BindIPv6Only=ipv6-only keeps IPv4 off the IPv6 wildcard', () => {
    expect(takes(unit('ListenStream=80', 'BindIPv6Only=ipv6-only'), '198.18.2.10').accepts).toBe(false);
    expect(takes(unit('ListenStream=80', 'BindIPv6Only=ipv6-only'), '2001:db8::1').accepts).toBe(true);
  });

  it('leaves out unix and vsock sockets, and names what it cannot place', () => {
    const s = systemdSockets(unit('ListenStream=/run/w.sock', 'ListenStream=@w', 'ListenStream=vsock:2:80', 'ListenStream=[fe80::1%eth0]:80', 'ListenStream=99999'));
    expect(s.sockets).toEqual([]);
    expect(s.unknown).toEqual(['/etc/systemd/system/w.socket:5: ListenStream=[fe80::1%eth0]:80', '/etc/systemd/system/w.socket:6: ListenStream=99999']);
  });
});

describe('apache_listen_all', () => {
  const conf = (text: string) => apacheConfigParser.parse(text);
  it('rewrites one Listen to the port alone, keeping the protocol word; the socket model then takes any address', () => {
    const c = conf('/etc/apache2/ports.conf:1:Listen 127.0.0.1:443 https\n/etc/apache2/ports.conf:2:Listen 8080\n');
    const after = apacheListenAll(c, '/etc/apache2/ports.conf', 1);
    expect(after.listens.map((l) => l.text)).toEqual(['Listen 443 https', 'Listen 8080']);
    expect(acceptingSocket(apacheSockets(after), { addr: '198.18.2.10', port: 443, bindv6only: false, iface: '' }).accepts).toBe(true);
    expect(c.listens[0]?.addr).toBe('127.0.0.1');
  });
  it('a second Listen for the port beside the new wildcard: Apache would not start', () => {
    const c = conf('/etc/apache2/ports.conf:1:Listen 127.0.0.1:80\n/etc/apache2/ports.conf:2:Listen [::1]:80\n');
    expect(apacheSockets(apacheListenAll(c, '/etc/apache2/ports.conf', 1)).fails).toContain('EADDRINUSE');
  });
});
