import { describe, it, expect } from 'vitest';
import { connectErrorParser } from '../../src/parsers/connect-error.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(connectErrorParser, text);
const brief = (text: string) => {
  const { kind, host, port, tool } = parse(text);
  return { kind, host, port, tool };
};

describe('connect-error parser', () => {
  describe('seed', () => {
    it('curl refused from EC2-1', () => {
      expect(parse(fixture('seed/curl-refused-ec2-1.txt'))).toEqual({
        kind: 'refused',
        host: 'example',
        port: 80,
        tool: 'curl',
        reason: 'Connection refused',
        code: 7,
        line: 'curl: (7) Failed to connect to example port 80 after 4 ms: Connection refused',
      });
      expect(brief(fixture('seed/curl-refused-ec2-1-again.txt'))).toEqual({ kind: 'refused', host: 'example', port: 80, tool: 'curl' });
    });

    it('curl refused on the server itself', () => {
      expect(brief(fixture('seed/curl-refused-loopback.txt'))).toEqual({ kind: 'refused', host: '127.0.0.1', port: 80, tool: 'curl' });
    });

    it('`nc -vz` refused, printed as netcat: and as nc:', () => {
      const netcat = parse(fixture('seed/nc-vz-refused-netcat.txt'));
      expect(netcat).toMatchObject({ kind: 'refused', host: 'example', port: 80, tool: 'nc', reason: 'Connection refused' });
      expect(netcat.line).toBe('netcat: connect to example (11.111.111.111) port 80 (tcp) failed: Connection refused');
      expect(brief(fixture('seed/nc-vz-refused-nc.txt'))).toEqual({ kind: 'refused', host: 'example', port: 80, tool: 'nc' });
    });

    it('`nc -vz` succeeded', () => {
      expect(brief(fixture('seed/nc-vz-succeeded.txt'))).toEqual({ kind: 'ok', host: 'example', port: 80, tool: 'nc' });
    });
  });

  describe('captured (curl 7.88.1, OpenBSD nc, wget 1.21)', () => {
    it("curl 7.88 says only \"Couldn't connect to server\" for refused, REJECT and no route", () => {
      for (const f of ['captured/curl-refused.txt', 'captured/curl-refused-by-reject.txt', 'captured/curl-no-route-to-host.txt', 'captured/curl-w-refused.txt']) {
        expect(parse(fixture(f))).toMatchObject({ kind: 'connect_failed', tool: 'curl', code: 7, reason: "Couldn't connect to server" });
      }
      expect(brief(fixture('captured/curl-refused.txt'))).toMatchObject({ host: '127.0.0.1', port: 18090 });
    });

    it('curl -v names the errno, which wins over the summary line', () => {
      expect(parse(fixture('captured/curl-v-refused.txt'))).toMatchObject({
        kind: 'refused',
        host: '127.0.0.1',
        port: 18090,
        line: '* connect to 127.0.0.1 port 18090 failed: Connection refused',
      });
      expect(parse(fixture('captured/curl-v-network-unreachable.txt'))).toMatchObject({
        kind: 'unreachable',
        host: 'fd00:77::1',
        port: 80,
        reason: 'Network is unreachable',
      });
    });

    it('curl timeout, dns, tls', () => {
      expect(parse(fixture('captured/curl-timeout.txt'))).toMatchObject({ kind: 'timeout', host: '127.0.0.1', port: 18082, code: 28, reason: 'Timeout was reached' });
      expect(brief(fixture('captured/curl-unreachable-or-timeout.txt'))).toEqual({ kind: 'timeout', host: '203.0.113.9', port: 80, tool: 'curl' });
      expect(parse(fixture('captured/curl-dns.txt'))).toMatchObject({ kind: 'dns', host: 'no-such-host.invalid', port: 0, code: 6 });
      expect(parse(fixture('captured/curl-tls.txt'))).toMatchObject({ kind: 'tls', code: 35 });
    });

    it('curl -v that connected is ok, whatever the HTTP status', () => {
      expect(brief(fixture('captured/curl-v-200.txt'))).toEqual({ kind: 'ok', host: '127.0.0.1', port: 18080, tool: 'curl' });
      expect(brief(fixture('captured/curl-v-404-ipv6.txt'))).toEqual({ kind: 'ok', host: '::1', port: 18081, tool: 'curl' });
    });

    it('nc: refused, timeout, no route, dns, succeeded', () => {
      expect(brief(fixture('captured/nc-vz-refused.txt'))).toEqual({ kind: 'refused', host: '127.0.0.1', port: 18090, tool: 'nc' });
      expect(brief(fixture('captured/nc-vz-timeout.txt'))).toEqual({ kind: 'timeout', host: '127.0.0.1', port: 18082, tool: 'nc' });
      expect(brief(fixture('captured/nc-vz-unreachable.txt'))).toEqual({ kind: 'unreachable', host: '203.0.113.9', port: 80, tool: 'nc' });
      expect(brief(fixture('captured/nc-vz-no-route-to-host.txt'))).toEqual({ kind: 'unreachable', host: '10.9.0.77', port: 80, tool: 'nc' });
      expect(brief(fixture('captured/nc-vz-dns.txt'))).toEqual({ kind: 'dns', host: 'no-such-host.invalid', port: 80, tool: 'nc' });
      expect(brief(fixture('captured/nc-vz-succeeded.txt'))).toEqual({ kind: 'ok', host: '127.0.0.1', port: 18080, tool: 'nc' });
    });

    it('wget: refused, timeout, dns; `wget -q` prints nothing at all', () => {
      expect(brief(fixture('captured/wget-refused.txt'))).toEqual({ kind: 'refused', host: '127.0.0.1', port: 18090, tool: 'wget' });
      expect(brief(fixture('captured/wget-timeout.txt'))).toEqual({ kind: 'timeout', host: '127.0.0.1', port: 18082, tool: 'wget' });
      expect(brief(fixture('captured/wget-dns.txt'))).toEqual({ kind: 'dns', host: 'no-such-host.invalid', port: 0, tool: 'wget' });
      expect(parse(fixture('captured/wget-q-refused.txt'))).toEqual({ kind: 'unknown', host: '', port: 0, tool: '', reason: '', code: 0, line: '' });
    });

    it('an HTTP body or write-out line is not an error', () => {
      expect(parse(fixture('captured/curl-404-body.txt')).kind).toBe('unknown');
      expect(parse(fixture('captured/curl-w-200.txt'))).toMatchObject({ kind: 'unknown', line: '200 127.0.0.1 18080' });
    });
  });

  it.each([
    ['curl: (28) Connection timed out after 10001 milliseconds', 'timeout', '', 0],
    ['curl: (28) Operation timed out after 5000 milliseconds with 0 bytes received', 'timeout', '', 0],
    ['curl: (7) Failed to connect to 10.0.0.5 port 5432: No route to host', 'unreachable', '10.0.0.5', 5432],
    ['curl: (7) Failed to connect to 10.0.0.5 port 22 after 3 ms: Connection refused', 'refused', '10.0.0.5', 22],
    ["curl: (6) Couldn't resolve host 'db.internal'", 'dns', 'db.internal', 0],
    ['curl: (60) SSL certificate problem: self-signed certificate', 'tls', '', 0],
    ['curl: (52) Empty reply from server', 'reset', '', 0],
    ['curl: (56) Recv failure: Connection reset by peer', 'reset', '', 0],
    ['Ncat: Connection refused.', 'refused', '', 0],
    ['Ncat: TIMEOUT.', 'timeout', '', 0],
    ['Ncat: Connected to 10.0.0.5:22.', 'ok', '10.0.0.5', 22],
    ['Ncat: Could not resolve hostname "db": Name or service not known. QUITTING.', 'dns', 'db', 0],
    ['(UNKNOWN) [10.0.0.5] 80 (http) : Connection refused', 'refused', '10.0.0.5', 80],
    ['web [10.0.0.5] 80 (http) open', 'ok', '10.0.0.5', 80],
    ["nc: bad address 'nohost'", 'dns', 'nohost', 0],
    ['Connecting to example.com (example.com)|93.184.216.34|:80... connected.', 'ok', 'example.com', 80],
    ['Connecting to [::1]:8080... failed: Connection refused.', 'refused', '::1', 8080],
    ['ssh: connect to host 10.0.0.5 port 22: Connection timed out', 'timeout', '10.0.0.5', 22],
    ['ssh: Could not resolve hostname db: Name or service not known', 'dns', 'db', 0],
    ['This site can’t be reached 127.0.0.1 refused to connect. ERR_CONNECTION_REFUSED', 'refused', '', 0],
    ['ERR_CONNECTION_TIMED_OUT', 'timeout', '', 0],
    ['DNS_PROBE_FINISHED_NXDOMAIN', 'dns', '', 0],
    ['ERR_NAME_NOT_RESOLVED', 'dns', '', 0],
    ['NET::ERR_CERT_AUTHORITY_INVALID', 'tls', '', 0],
    ['Failed to connect to your instance', 'console', '', 0],
    ['Error establishing SSH connection to your instance. Failed to connect your instance', 'console', '', 0],
    ['psql: error: connection to server at "10.0.0.5", port 5432 failed: Connection refused', 'refused', '', 0],
    ['hello world', 'unknown', '', 0],
  ] as const)('%s → %s', (text, kind, host, port) => {
    expect(parse(text)).toMatchObject({ kind, host, port });
  });

  it('prefers the specific cause when curl tries several addresses', () => {
    const text = [
      '*   Trying [::1]:80...',
      '* connect to ::1 port 80 failed: Connection refused',
      '*   Trying 127.0.0.1:80...',
      '* Connected to localhost (127.0.0.1) port 80 (#0)',
    ].join('\n');
    expect(parse(text)).toMatchObject({ kind: 'ok', host: 'localhost', port: 80 });
  });

  it('pathological: long lines full of almost-matching phrases', () => {
    const v1 = parse('curl: (' + '7'.repeat(2_000_000));
    expect(v1.kind).toBe('unknown');
    const v2 = parse('nc: connect to ' + 'x '.repeat(1_000_000) + ': Connection refused');
    expect(v2.kind).toBe('refused');
    const v3 = parse('* '.repeat(1_000_000) + 'Connected to');
    expect(v3.kind).toBe('unknown');
    const v4 = parse('Connecting to ' + ':'.repeat(2_000_000) + '... failed: Connection refused.');
    expect(v4.kind).toBe('refused');
    const v5 = parse(' ['.repeat(1_000_000) + '] 80 (http) open');
    expect(['ok', 'unknown']).toContain(v5.kind);
  });
});
