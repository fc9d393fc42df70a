import { describe, it, expect } from 'vitest';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(nginxConfigParser, text);

describe('nginx-config parser', () => {
  it('seed: /etc/nginx/conf.d/server.conf (shown with cat) listens on loopback only', () => {
    const c = parse(fixture('seed/nginx-server-conf.txt'));
    expect(c.ok).toBe(false); // no `nginx -t` lines: nothing says the syntax was checked
    expect(c.servers).toHaveLength(1);
    const s = c.servers[0]!;
    expect(s).toMatchObject({ file: '', line: 1, text: 'server {', server_names: ['_'], root: '/var/www/html', root_line: 3, access_log: '' });
    expect(s.listens).toEqual([
      { addr: '127.0.0.1', port: 80, default_server: true, ssl: false, file: '', line: 2, text: '        listen 127.0.0.1:80 default_server;' },
    ]);
    expect(s.locations).toEqual([{ path: '/', modifier: '', root: '', alias: '', file: '', line: 6, text: '        location / {' }]);
    expect(c.listens).toEqual(s.listens);
  });

  describe('captured: `nginx -T` with an included file', () => {
    const c = parse(fixture('captured/nginx-T.txt'));
    const main = '/tmp/tshoot-nginx/nginx.conf';
    const inc = '/tmp/tshoot-nginx/conf.d-server.conf';

    it('reads the test result and the files in order', () => {
      expect(c.ok).toBe(true);
      expect(c.errors).toEqual([]);
      expect(c.files).toEqual([main, inc]);
    });

    it('numbers lines within each file, as nginx does', () => {
      expect(c.servers.map((s) => [s.file, s.line])).toEqual([
        [main, 9],
        [inc, 1],
      ]);
      expect(c.listens.map((l) => [l.addr, l.port, l.default_server, l.file, l.line, l.text])).toEqual([
        ['*', 18082, false, main, 10, '        listen 18082;'],
        ['127.0.0.1', 18080, true, inc, 2, '    listen 127.0.0.1:18080 default_server;'],
        ['[::1]', 18081, false, inc, 3, '    listen [::1]:18081;'],
      ]);
    });

    it('skips `listen unix:`, keeps names after a comment, unquotes alias', () => {
      const s = c.servers[1]!;
      expect(s.listens).toHaveLength(2);
      expect(s.server_names).toEqual(['tshoot.test', 'www.tshoot.test']);
      expect(s).toMatchObject({ root: '/tmp/tshoot-nginx/html', root_file: inc, root_line: 6, access_log: '/tmp/tshoot-nginx/logs/access.log' });
      expect(s.locations.map((l) => [l.path, l.modifier, l.alias, l.line])).toEqual([
        ['/', '', '', 8],
        ['/static/', '', '/tmp/tshoot-nginx/html/sub/', 11],
      ]);
    });

    it('reads an exact-match location and inherits access_log from http', () => {
      const s = c.servers[0]!;
      expect(s.locations).toEqual([
        { path: '/health', modifier: '=', root: '', alias: '', file: main, line: 12, text: '        location = /health { return 200 "ok\\n"; }' },
      ]);
      expect(s.access_log).toBe('/tmp/tshoot-nginx/logs/access.log');
      expect(s.root).toBe('');
    });
  });

  it('captured: `nginx -t` (no dump) only says the test passed', () => {
    expect(parse(fixture('captured/nginx-t-ok.txt'))).toMatchObject({ ok: true, servers: [], errors: [], files: [] });
  });

  it('captured: a failed `nginx -T` reports the [emerg] line and no servers', () => {
    const c = parse(fixture('captured/nginx-T-emerg.txt'));
    expect(c.ok).toBe(false);
    expect(c.servers).toEqual([]);
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]).toContain('[emerg]');
    expect(c.errors[0]).toContain('directive "server_name" is not terminated by ";" in /tmp/tshoot-nginx/nginx.conf:12');
  });

  it('reads listen forms, quoted strings with braces, comments, nested locations, upstream servers', () => {
    const conf = [
      'nginx: [warn] conflicting server name "_" on 0.0.0.0:80, ignored',
      'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
      'nginx: configuration file /etc/nginx/nginx.conf test is successful',
      '# configuration file /etc/nginx/nginx.conf:',
      'http {',
      '  root /usr/share/nginx/html;',
      '  upstream app { server 10.0.0.5:8080; }',
      '  server {',
      '    listen 80;',
      '    listen [::]:80 default_server ipv6only=on;',
      '    listen *:8080;',
      '    listen localhost;',
      '    listen 443 ssl http2;',
      "    server_name 'a.example' \"b.example\"; # listen 9999;",
      '    add_header X-Test "{ not a block; }";',
      '    location ~* \\.(png|jpg)$ { root /srv/img; }',
      '    location ^~ /api/ {',
      '      location /api/v1/ { alias /srv/v1/; }',
      '    }',
      '    set $x "${host}";',
      '    access_log off;',
      '  }',
      '}',
    ].join('\n');
    const c = parse(conf);
    expect(c.ok).toBe(true);
    expect(c.warnings).toHaveLength(1);
    expect(c.servers).toHaveLength(1);
    const s = c.servers[0]!;
    expect(s.listens.map((l) => [l.addr, l.port, l.default_server, l.ssl, l.line])).toEqual([
      ['*', 80, false, false, 5],
      ['[::]', 80, true, false, 6],
      ['*', 8080, false, false, 7],
      ['localhost', 80, false, false, 8],
      ['*', 443, false, true, 9],
    ]);
    expect(s.server_names).toEqual(['a.example', 'b.example']);
    expect(s).toMatchObject({ root: '/usr/share/nginx/html', root_line: 2, access_log: 'off' });
    expect(s.locations.map((l) => [l.modifier, l.path, l.root, l.alias])).toEqual([
      ['~*', '\\.(png|jpg)$', '/srv/img', ''],
      ['^~', '/api/', '', ''],
      ['', '/api/v1/', '', '/srv/v1/'],
    ]);
  });

  it('pathological: deep nesting, unterminated quotes, and many servers stay bounded', () => {
    const deep = parse('server {'.repeat(100_000) + 'listen 1;' + '}'.repeat(100_000));
    expect(deep.servers.length).toBeLessThanOrEqual(100);
    const quote = parse('server { listen 80; server_name "' + 'x'.repeat(2_000_000));
    expect(quote.servers).toHaveLength(1);
    expect(quote.servers[0]!.listens[0]).toMatchObject({ addr: '*', port: 80 });
    const many = parse('server { listen 80; }\n'.repeat(20_000));
    expect(many.servers).toHaveLength(10_000);
    expect(many.listens).toHaveLength(10_000);
    expect(many.truncated).toBe(true);
  });
});
