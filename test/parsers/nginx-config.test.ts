import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, it, expect } from 'vitest';
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

/**
 * Issue 12 finding 10: apply edits the file a listen was found in, as root, and that path comes
 * from the `# configuration file PATH:` headers of `nginx -T`. A file name is whatever whoever
 * can create a file in an included folder wants: a newline and a whole fake header, or terminal
 * escapes. Real nginx writes the dumps here (its `-T` reads and prints; nothing listens).
 */
describe('nginx-config parser: header paths that could be forged are not returned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-ngx-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `nginx -T` of a main config including `inc/*.conf` and `inc/*` + `/*.conf`, with these files; 2>&1 as flows read it. */
  function dump(name: string, files: Record<string, string>): string {
    const root = join(dir, name);
    mkdirSync(join(root, 'logs'), { recursive: true });
    mkdirSync(join(root, 'inc'), { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, 'inc', rel)), { recursive: true });
      writeFileSync(join(root, 'inc', rel), text);
    }
    writeFileSync(join(root, 'nginx.conf'), `error_log ${root}/logs/error.log;\npid ${root}/logs/nginx.pid;\nevents {}\nhttp {\n  include ${root}/inc/*.conf;\n  include ${root}/inc/*/*.conf;\n}\n`);
    const r = spawnSync('nginx', ['-T', '-c', join(root, 'nginx.conf'), '-p', root], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stderr + r.stdout;
  }
  const SERVER = 'server {\n  listen 127.0.0.1:18099;\n}\n';

  it('a name with a terminal escape or a bidi override: its listens have no file, the path is not listed', () => {
    const c = parse(dump('esc', { 'a\x1b]0;x\x07\x1b[2J.conf': SERVER, 'b\u202e.conf': SERVER, 'good.conf': SERVER }));
    expect(c.ok).toBe(true);
    expect(c.listens.map((l) => l.file)).toEqual(['', '', join(dir, 'esc/inc/good.conf')]);
    expect(c.files).toEqual([join(dir, 'esc/nginx.conf'), join(dir, 'esc/inc/good.conf')]);
  });

  it('a name with a newline and a fake header right after it: neither path is returned', () => {
    // The folder `a.conf:⏎# configuration file ` and its file `forged.conf`: nginx prints the
    // path whole, its newline too, so the "/" and the file name complete a header of their own.
    const text = dump('nl', { 'a.conf:\n# configuration file /forged.conf': SERVER });
    expect(text).toContain(`\n# configuration file ${join(dir, 'nl/inc/a.conf')}:\n# configuration file /forged.conf:\nserver {`);
    const c = parse(text);
    expect(c.listens).toEqual([expect.objectContaining({ addr: '127.0.0.1', port: 18099, file: '', line: 2 })]);
    expect(c.files).toEqual([join(dir, 'nl/nginx.conf')]);
  });

  it('a name broken by a newline before other text: the header after it and the one before are not trusted', () => {
    const text = dump('partial', { 'x\nlisten 1;\n# configuration file /forged.conf': SERVER, 'z.conf': SERVER });
    expect(text).toContain('\nlisten 1;\n# configuration file /forged.conf:\n');
    const c = parse(text);
    // z.conf is dumped just before the broken name: the newline could have been in its name.
    expect(c.files).toEqual([join(dir, 'partial/nginx.conf')]);
    expect(c.listens.filter((l) => l.port === 18099).map((l) => l.file)).toEqual(['', '']);
  });

  it('a file whose text repeats a real header (a second copy of a path): that path is not returned at all', () => {
    const c = parse(dump('dup', { 'a.conf': `${SERVER}\n# configuration file ${join(dir, 'dup/inc/b.conf')}:\nserver { listen 127.0.0.1:18098; }\n`, 'b.conf': SERVER }));
    expect(c.files).toEqual([join(dir, 'dup/nginx.conf'), join(dir, 'dup/inc/a.conf')]);
    expect(c.listens.map((l) => [l.port, l.file])).toEqual([
      [18099, join(dir, 'dup/inc/a.conf')],
      [18098, ''],
      [18099, ''],
    ]);
  });

  it.each([
    ['a relative path (nginx prints full names)', 'conf.d/x.conf'],
    ['a tab', '/etc/nginx/a\tb.conf'],
    ['a carriage return', '/etc/nginx/a\rb.conf'],
    ['a C1 control', '/etc/nginx/a\u009bb.conf'],
    ['a line separator', '/etc/nginx/a\u2028b.conf'],
  ])('a header with %s is not trusted', (_name, path) => {
    const c = parse(`nginx: configuration file /etc/nginx/nginx.conf test is successful\n# configuration file /etc/nginx/nginx.conf:\nhttp { }\n\n# configuration file ${path}:\nserver { listen 81; }\n`);
    expect(c.files).toEqual(['/etc/nginx/nginx.conf']);
    expect(c.listens).toEqual([expect.objectContaining({ port: 81, file: '', line: 1 })]);
  });

  it('CRLF output and headers after nginx messages stay trusted', () => {
    const c = parse('nginx: the configuration file /e/n.conf syntax is ok\r\n# configuration file /e/n.conf:\r\nserver { listen 82; }\r\n\r\n# configuration file /e/m.conf:\r\nserver { listen 83; }\r\n\r\n');
    expect(c.files).toEqual(['/e/n.conf', '/e/m.conf']);
    expect(c.listens.map((l) => [l.port, l.file, l.line])).toEqual([
      [82, '/e/n.conf', 1],
      [83, '/e/m.conf', 1],
    ]);
  });
});

describe('nginx-config: directives with includes resolved in place', () => {
  const dump = [
    'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
    'nginx: configuration file /etc/nginx/nginx.conf test is successful',
    '# configuration file /etc/nginx/nginx.conf:',
    'http {',
    '    include conf.d/*.conf;',
    '    include missing.conf;',
    '}',
    '',
    '# configuration file /etc/nginx/conf.d/b.conf:',
    'server { listen 81; }',
    '',
    '# configuration file /etc/nginx/conf.d/a.conf:',
    'server {',
    '    listen 80;',
    '    location / { include snippets/x; }',
    '}',
    '',
    '# configuration file /etc/nginx/snippets/x:',
    'root /srv/www;',
    '',
  ].join('\n');

  it('splices each included file where its include is, in glob order, with each directive’s file:line', () => {
    const c = parse(dump);
    const shown = c.directives.map((d) => `${d.parent}:${d.name}@${d.file.replace('/etc/nginx/', '')}:${d.line}`);
    expect(shown).toEqual(['-1:http@nginx.conf:1', '0:server@conf.d/a.conf:1', '1:listen@conf.d/a.conf:2', '1:location@conf.d/a.conf:3', '3:root@snippets/x:1', '0:server@conf.d/b.conf:1', '5:listen@conf.d/b.conf:1']);
    expect(c.missing_includes).toEqual(['/etc/nginx/nginx.conf:3: include missing.conf']);
  });

  it('takes the prefix from nginx -V text, never one with control characters', () => {
    expect(parse(`nginx version: nginx/1.22.1\nnginx: configure arguments: --prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf\n`).prefix).toBe('/usr/share/nginx');
    expect(parse('nginx: configure arguments: --prefix=/x\u001b[2J\n').prefix).toBe('');
  });
});
