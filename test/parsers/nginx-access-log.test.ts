import { describe, it, expect } from 'vitest';
import { nginxAccessLogParser } from '../../src/parsers/nginx-access-log.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(nginxAccessLogParser, text);

describe('nginx-access-log parser', () => {
  it('seed: the 404 for /hogehoge', () => {
    expect(parse(fixture('seed/nginx-access-log.txt'))).toEqual({
      entries: [
        {
          remote: '11.111.111.11',
          user: '-',
          time: '21/Jul/2023:21:13:53 +0000',
          request: 'GET /hogehoge HTTP/1.1',
          method: 'GET',
          path: '/hogehoge',
          protocol: 'HTTP/1.1',
          status: 404,
          bytes: 162,
          referer: '-',
          agent: 'curl/7.81.0',
          line: '11.111.111.11 - - [21/Jul/2023:21:13:53 +0000] "GET /hogehoge HTTP/1.1" 404 162 "-" "curl/7.81.0"',
        },
      ],
      truncated: false,
    });
  });

  it('captured: IPv4 and IPv6 clients, and a TLS handshake sent to a plain-HTTP port', () => {
    const { entries } = parse(fixture('captured/nginx-access-log.txt'));
    expect(entries.map((e) => [e.remote, e.method, e.path, e.status, e.bytes])).toEqual([
      ['127.0.0.1', 'GET', '/', 200, 3],
      ['127.0.0.1', 'GET', '/hogehoge', 404, 153],
      ['127.0.0.1', 'GET', '/', 200, 3],
      ['::1', 'GET', '/nope', 404, 153],
      ['127.0.0.1', 'GET', '/hogehoge', 404, 153],
      ['127.0.0.1', '', '', 400, 157],
    ]);
    expect(entries[5]!.request.startsWith('\\x16\\x03\\x01')).toBe(true);
    expect(entries[5]!.agent).toBe('-');
  });

  it('reads escaped quotes, `-` sizes, authenticated users and extra trailing fields', () => {
    const { entries } = parse(
      [
        '10.0.0.1 - alice [01/Jan/2024:00:00:00 +0900] "POST /api?q=\\"x\\" HTTP/2.0" 201 - "https://a/" "Mozilla/5.0 (X11)" "1.2.3.4" rt=0.003',
        'not a log line',
        '10.0.0.2 - - [01/Jan/2024:00:00:01 +0900] "-" 400 0 "-" "-"',
      ].join('\n'),
    );
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ user: 'alice', method: 'POST', path: '/api?q=\\"x\\"', protocol: 'HTTP/2.0', status: 201, bytes: 0, referer: 'https://a/', agent: 'Mozilla/5.0 (X11)' });
    expect(entries[1]).toMatchObject({ request: '-', method: '', status: 400 });
  });

  it('pathological: keeps the newest 10,000 entries and survives broken quoting', () => {
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) lines.push(`10.0.0.1 - - [t] "GET /${i} HTTP/1.1" 200 1 "-" "-"`);
    const log = parse(lines.join('\n'));
    expect(log.entries).toHaveLength(10_000);
    expect(log.truncated).toBe(true);
    expect(log.entries[0]!.path).toBe('/20000');
    expect(log.entries[9_999]!.path).toBe('/29999');
    expect(parse('a - - [x] "' + '\\'.repeat(2_000_001)).entries).toEqual([]);
    expect(parse('a - - [x] "' + '"'.repeat(2_000_000)).entries).toEqual([]);
  });
});
