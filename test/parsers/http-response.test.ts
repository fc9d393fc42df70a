import { describe, it, expect } from 'vitest';
import { httpResponseParser } from '../../src/parsers/http-response.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(httpResponseParser, text);

describe('http-response parser', () => {
  it('seed: `curl -v http://127.0.0.1` (with the memo\'s "(snip)" lines) is 200 OK', () => {
    expect(parse(fixture('seed/curl-v-root.txt'))).toEqual({
      status: 200,
      reason: 'OK',
      http_version: 'HTTP/1.1',
      server: '',
      remote_ip: '127.0.0.1',
      remote_port: 80,
      source: 'status-line',
      line: '< HTTP/1.1 200 OK',
    });
  });

  it("seed: only nginx's 404 page (plain `curl`), read from the page itself", () => {
    expect(parse(fixture('seed/curl-404-body.txt'))).toEqual({
      status: 404,
      reason: 'Not Found',
      http_version: '',
      server: 'nginx/1.18.0 (Ubuntu)',
      remote_ip: '',
      remote_port: 0,
      source: 'html',
      line: '<head><title>404 Not Found</title></head>',
    });
  });

  describe('captured (curl 7.88.1 against nginx 1.22.1)', () => {
    it('curl -v: the progress meter is glued to "*   Trying"', () => {
      expect(parse(fixture('captured/curl-v-200.txt'))).toMatchObject({
        status: 200,
        reason: 'OK',
        server: 'nginx/1.22.1',
        remote_ip: '127.0.0.1',
        remote_port: 18080,
      });
      expect(parse(fixture('captured/curl-v-404-ipv6.txt'))).toMatchObject({
        status: 404,
        reason: 'Not Found',
        server: 'nginx/1.22.1',
        remote_ip: '::1',
        remote_port: 18081,
        line: '< HTTP/1.1 404 Not Found',
      });
    });

    it('curl -w: status, remote ip and port', () => {
      expect(parse(fixture('captured/curl-w-200.txt'))).toEqual({
        status: 200,
        reason: '',
        http_version: '',
        server: '',
        remote_ip: '127.0.0.1',
        remote_port: 18080,
        source: 'write-out',
        line: '200 127.0.0.1 18080',
      });
      expect(parse(fixture('captured/curl-w-404.txt'))).toMatchObject({ status: 404, remote_port: 18080 });
    });

    it('curl -w when refused: `000  0` (empty ip) after curl\'s error', () => {
      expect(parse(fixture('captured/curl-w-refused.txt'))).toMatchObject({ status: 0, remote_ip: '', remote_port: 0, source: 'write-out', line: '000  0' });
    });

    it('curl -v when refused: no status, but the address tried', () => {
      expect(parse(fixture('captured/curl-v-refused.txt'))).toMatchObject({ status: 0, source: '', remote_ip: '127.0.0.1', remote_port: 18090 });
    });

    it('a plain 404 page from nginx 1.22', () => {
      expect(parse(fixture('captured/curl-404-body.txt'))).toMatchObject({ status: 404, server: 'nginx/1.22.1', source: 'html' });
    });

    it('errors without any response', () => {
      for (const f of ['captured/curl-refused.txt', 'captured/curl-dns.txt', 'captured/curl-timeout.txt']) {
        expect(parse(fixture(f))).toMatchObject({ status: 0, source: '', line: '' });
      }
    });
  });

  it('reads the last response after redirects, and HTTP/2 without a reason', () => {
    const text = [
      'HTTP/1.1 301 Moved Permanently',
      'Server: nginx',
      'Location: https://example.com/',
      '',
      'HTTP/2 200 ',
      'server: cloudflare',
      'content-type: text/html',
    ].join('\r\n');
    expect(parse(text)).toMatchObject({ status: 200, reason: '', http_version: 'HTTP/2', server: 'cloudflare', line: 'HTTP/2 200 ' });
  });

  it('reads a bare `%{http_code}` and ignores body lines that look like it', () => {
    expect(parse('502\n')).toMatchObject({ status: 502, source: 'write-out' });
    expect(parse('200 OK\n')).toMatchObject({ status: 0 });
    expect(parse('<p>Server: hacked</p>')).toMatchObject({ server: '' });
  });

  it('pathological: giant header values, status lines and titles', () => {
    const big = parse('HTTP/1.1 200 ' + 'O'.repeat(2_000_000) + '\nServer: ' + 'n'.repeat(2_000_000));
    expect(big.status).toBe(200);
    expect(big.server.length).toBe(2_000_000);
    expect(parse('<title>' + '4'.repeat(2_000_000)).status).toBe(0);
    expect(parse('HTTP/1.1 200 OK\n'.repeat(100_000)).status).toBe(200);
    expect(parse('* Trying '.repeat(500_000)).status).toBe(0);
  });
});
