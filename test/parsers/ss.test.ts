import { describe, it, expect } from 'vitest';
import { ssParser } from '../../src/parsers/ss.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(ssParser, text);

describe('ss parser', () => {
  describe('seed: `sudo ss -antup` on EC2-2 before nginx started', () => {
    const { sockets } = parse(fixture('seed/ss-antup.txt'));

    it('reads every socket line and skips the header', () => {
      expect(sockets).toHaveLength(8);
      expect(sockets.map((s) => `${s.netid} ${s.state} ${s.local_addr}:${s.local_port}`)).toEqual([
        'udp UNCONN 127.0.0.53%lo:53',
        'udp UNCONN 10.1.0.110%eth0:68',
        'udp UNCONN 127.0.0.1:323',
        'udp UNCONN [::1]:323',
        'tcp LISTEN 127.0.0.53%lo:53',
        'tcp LISTEN 0.0.0.0:22',
        'tcp ESTAB 10.1.0.110:22',
        'tcp LISTEN [::]:22',
      ]);
    });

    it('finds nothing listening on :80', () => {
      expect(sockets.filter((s) => s.state === 'LISTEN' && s.local_port === 80)).toEqual([]);
    });

    it('finds sshd (pid 714) on 0.0.0.0:22, a wildcard address', () => {
      const ssh = sockets.find((s) => s.state === 'LISTEN' && s.local_addr === '0.0.0.0' && s.local_port === 22);
      expect(ssh).toMatchObject({
        netid: 'tcp',
        recv_q: 0,
        send_q: 128,
        local_host: '0.0.0.0',
        local_zone: '',
        peer_addr: '0.0.0.0',
        peer_port: 0,
        processes: 'sshd',
        pids: [714],
        process: 'sshd',
        pid: 714,
        wildcard: true,
        loopback: false,
      });
      expect(ssh?.line).toBe(
        'tcp       LISTEN     0          128                     0.0.0.0:22                  0.0.0.0:*          users:(("sshd",pid=714,fd=3))',
      );
    });

    it('marks 127.0.0.53%lo:53 as loopback, with its zone', () => {
      const dns = sockets.find((s) => s.netid === 'tcp' && s.local_port === 53);
      expect(dns).toMatchObject({
        local_addr: '127.0.0.53%lo',
        local_host: '127.0.0.53',
        local_zone: 'lo',
        loopback: true,
        wildcard: false,
        process: 'systemd-resolve',
        pid: 394,
      });
    });

    it('reads IPv6 [::1] as loopback and [::] as wildcard', () => {
      expect(sockets[3]).toMatchObject({ local_addr: '[::1]', local_host: '::1', loopback: true, wildcard: false, peer_addr: '[::]' });
      expect(sockets[7]).toMatchObject({ local_addr: '[::]', local_host: '::', wildcard: true, loopback: false, pids: [714] });
    });

    it('keeps an interface zone that is not lo as not loopback', () => {
      expect(sockets[1]).toMatchObject({ local_host: '10.1.0.110', local_zone: 'eth0', loopback: false, wildcard: false });
    });

    it('joins process names once and keeps every pid of an established socket', () => {
      expect(sockets[6]).toMatchObject({
        peer_addr: '3.112.23.3',
        peer_port: 10792,
        processes: 'sshd',
        pids: [2805, 2380],
        process: 'sshd',
        pid: 2805,
      });
    });
  });

  it('seed: `ss -antup | grep 80` (no header) after starting nginx', () => {
    const { sockets } = parse(fixture('seed/ss-antup-grep-80.txt'));
    expect(sockets).toEqual([
      {
        netid: 'tcp',
        state: 'LISTEN',
        recv_q: 0,
        send_q: 511,
        local_addr: '0.0.0.0',
        local_host: '0.0.0.0',
        local_zone: '',
        local_port: 80,
        peer_addr: '0.0.0.0',
        peer_port: 0,
        processes: 'nginx',
        pids: [2878, 2877],
        process: 'nginx',
        pid: 2878,
        wildcard: true,
        loopback: false,
        line: fixture('seed/ss-antup-grep-80.txt').trimEnd(),
      },
    ]);
  });

  it('seed: `ss -antup | grep nginx` shows nginx on loopback only', () => {
    const { sockets } = parse(fixture('seed/ss-antup-grep-nginx.txt'));
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toMatchObject({ local_addr: '127.0.0.1', local_port: 80, loopback: true, wildcard: false, process: 'nginx', pid: 2266 });
  });

  describe('captured on this machine (nginx in a network namespace)', () => {
    it('`ss -ltnp`: no Netid column, header glued as `Peer Address:PortProcess`', () => {
      const { sockets } = parse(fixture('captured/ss-ltnp.txt'));
      // ss lists sockets in kernel hash order, not by port.
      const byPort = [...sockets].sort((a, b) => a.local_port - b.local_port);
      expect(byPort.map((s) => [s.netid, s.local_addr, s.local_port, s.process, s.wildcard, s.loopback])).toEqual([
        ['', '127.0.0.1', 18080, 'nginx', false, true],
        ['', '[::1]', 18081, 'nginx', false, true],
        ['', '0.0.0.0', 18082, 'nginx', true, false],
      ]);
      expect(sockets.every((s) => s.pids.length === 2 && s.pid === s.pids[0])).toBe(true);
    });

    it('`ss -ltn`: no process column at all', () => {
      const { sockets } = parse(fixture('captured/ss-ltn.txt'));
      expect(sockets).toHaveLength(3);
      expect(sockets.every((s) => s.process === '' && s.pid === 0 && s.pids.length === 0 && s.processes === '')).toBe(true);
      expect(sockets.map((s) => s.local_port).sort()).toEqual([18080, 18081, 18082]);
    });

    it('`ss -antup`, `ss -H -ltnp` and a grep agree', () => {
      const a = parse(fixture('captured/ss-antup.txt')).sockets;
      const h = parse(fixture('captured/ss-H-ltnp.txt')).sockets;
      const g = parse(fixture('captured/ss-antup-grep-nginx.txt')).sockets;
      expect(a.map((s) => s.netid)).toEqual(['tcp', 'tcp', 'tcp']);
      const key = (s: { local_addr: string; local_port: number; pids: number[] }) => `${s.local_addr}:${s.local_port} ${s.pids.join(',')}`;
      expect(h.map(key)).toEqual(a.map(key));
      expect(g.map(key)).toEqual(a.map(key));
    });

    it('`ss -antup` / `ss -ltnp` on the host: a listener whose process is not shown', () => {
      const { sockets } = parse(fixture('captured/ss-antup-host.txt'));
      expect(parse(fixture('captured/ss-ltnp-host.txt')).sockets.map((s) => s.local_port)).toEqual([2024]);
      expect(sockets).toEqual([
        expect.objectContaining({ netid: 'tcp', state: 'LISTEN', local_addr: '0.0.0.0', local_port: 2024, process: '', pid: 0, wildcard: true }),
      ]);
    });

    it('`ss -lnxp`: unix sockets give path and inode, never wildcard or loopback', () => {
      const { sockets } = parse(fixture('captured/ss-lnxp.txt'));
      expect(sockets).toHaveLength(1);
      expect(sockets[0]).toMatchObject({
        netid: 'u_str',
        local_addr: '/tmp/tshoot-nginx/nginx.sock',
        peer_addr: '*',
        peer_port: 0,
        wildcard: false,
        loopback: false,
        process: 'nginx',
      });
      expect(sockets[0]!.local_port).toBeGreaterThan(0);
    });
  });

  it('reads `*:80` (dual-stack) and a zoned IPv6 address', () => {
    const { sockets } = parse(
      [
        'tcp   LISTEN 0      511                  *:80               *:*    users:(("apache2",pid=10,fd=4))',
        'udp   UNCONN 0      0      [fe80::1%eth0]:546            [::]:*',
        'tcp   LISTEN 0      128       [::ffff:127.0.0.1]:8080        *:*',
      ].join('\n'),
    );
    expect(sockets.map((s) => [s.local_addr, s.local_host, s.local_zone, s.local_port, s.wildcard, s.loopback])).toEqual([
      ['*', '*', '', 80, true, false],
      ['[fe80::1%eth0]', 'fe80::1', 'eth0', 546, false, false],
      ['[::ffff:127.0.0.1]', '::ffff:127.0.0.1', '', 8080, false, true],
    ]);
  });

  it('ignores lines that only resemble sockets', () => {
    const { sockets } = parse(
      ['LISTEN', 'tcp LISTEN x y 0.0.0.0:80 0.0.0.0:*', 'tcp LISTEN 0 0 0.0.0.0:http 0.0.0.0:*', 'grep: ss: No such file', 'Netid State Recv-Q'].join('\n'),
    );
    expect(sockets).toEqual([]);
  });

  it('pathological: 100k socket lines are capped at 10,000, and a huge users:() list is bounded', () => {
    const line = 'tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=714,fd=3))\n';
    const many = parse(line.repeat(100_000));
    expect(many.sockets).toHaveLength(10_000);
    expect(many.truncated).toBe(true);
    const users = 'tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(' + '("x",pid=1,fd=3),'.repeat(200_000) + ')';
    const one = parse(users);
    expect(one.sockets[0]).toMatchObject({ processes: 'x', pids: [1] });
    const unclosed = parse('tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(' + '("'.repeat(1_000_000));
    expect(unclosed.sockets[0]).toMatchObject({ process: '', pid: 0 });
  });
});
