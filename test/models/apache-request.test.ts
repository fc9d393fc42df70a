/**
 * models/apache-request.ts on small configurations (the differential proof is
 * apache-request-oracle.test.ts), and the CEL functions of registerApache.
 */
import { describe, expect, it } from 'vitest';
import { toCel } from '../../src/flow/expr.js';
import { apacheRequest, registerApache } from '../../src/models/apache-request.js';
import { registerSocket } from '../../src/models/socket.js';
import { apacheConfigParser, mergeApacheConfigs } from '../../src/parsers/apache-config.js';
import { fixture } from '../parsers/helpers.js';
import { modelEnv } from './cel-env.js';

const F = '/c/site.conf';
const conf = apacheConfigParser.parse(
  [
    'DocumentRoot /srv/main',
    '<Directory />',
    '  Require all denied',
    '</Directory>',
    '<Directory /srv>',
    '  Require all granted',
    '</Directory>',
    '<Directory /srv/a/private>',
    '  Require all denied',
    '</Directory>',
    'Alias /icons/ /srv/icons/',
    '<VirtualHost *:80>',
    '  ServerName a.example',
    '  DocumentRoot /srv/a',
    '  Redirect /old /new',
    '  Alias /old /srv/never',
    '  ProxyPass /app/static !',
    '  ProxyPass /app http://127.0.0.1:9000/',
    '  ErrorDocument 404 /404.html',
    '</VirtualHost>',
    '<VirtualHost *:80>',
    '  ServerName b.example',
    '  ServerAlias *.b.example',
    '</VirtualHost>',
  ]
    .map((l, i) => `${F}:${i + 1}:${l}`)
    .join('\n'),
);
const fs = ['d /srv', 'd /srv/a', 'd /srv/main', 'd /srv/icons', 'f /srv/icons/x.png', 'f /srv/a/index.html', 'd /srv/a/docs', '- /srv/a/docs/index.html', 'd /srv/a/private', '- /srv/a/private/gone.txt', '- /srv/a/missing', '- /srv/main/icons', 'f /srv/main/index.html', '- /srv/a/icons', '- /srv/a/app', '- /srv/a/.htaccess'];
const ask = (host: string, path: string, facts = fs) => apacheRequest(conf, { addr: '127.0.0.1', port: 80, host, path, facts });

describe('apacheRequest', () => {
  it.each([
    ['a.example', '/', 200, 'file', '/srv/a/index.html'],
    ['A.Example.:80', '/missing', 404, 'miss', '/srv/a/missing'],
    ['x.b.example', '/index.html', 200, 'file', '/srv/main/index.html'], // no DocumentRoot: the main server's
    ['unknown.example', '/', 200, 'file', '/srv/a/index.html'], // unknown Host: the first vhost of the address
    ['a.example', '/private/gone.txt', 403, 'denied', '/srv/a/private/gone.txt'], // access before existence
    ['a.example', '/docs/', 403, 'dir-forbidden', '/srv/a/docs/'],
    ['a.example', '/docs', 301, 'redirect', '/srv/a/docs'],
    ['a.example', '/icons/x.png', 200, 'file', '/srv/icons/x.png'],
    ['a.example', '/icons', 404, 'miss', '/srv/a/icons'], // `Alias /icons/` does not take `/icons`
    ['a.example', '/old/page', 302, 'redirect', ''], // Redirect before Alias
    ['a.example', '/app/x', 0, 'proxy', 'proxy:http://127.0.0.1:9000//x'], // the rest of the URL appended as is (Apache does too)
    ['a.example', '/app/static', 404, 'miss', '/srv/a/app'], // `!` excludes from the proxy
  ] as const)('%s %s → %i %s %s', (host, path, status, answer, filename) => {
    const r = ask(host, path);
    expect(r.reason).toBe('');
    expect({ status: r.status, answer: r.answer }).toEqual({ status, answer });
    if (filename) expect(r.filename).toBe(filename);
  });

  it('keeps the status of a local ErrorDocument and says it served that page', () => {
    expect(ask('a.example', '/missing').redirects).toEqual(['ErrorDocument 404 /404.html']);
  });

  it('names the redirect target and the line that decided', () => {
    expect(ask('a.example', '/old/page')).toMatchObject({ location: '/new/page', via: 'Redirect', via_file: F, via_line: 15, vhost_line: 12 });
  });

  it('asks for the paths it needs, all components at once', () => {
    const r = ask('a.example', '/new/dir/f.txt', []);
    expect(r.known).toBe(false);
    expect(r.probe).toEqual(['/srv', '/srv/a', '/srv/a/new', '/srv/a/new/dir', '/srv/a/new/dir/f.txt']);
  });

  it('is unknown, with the reason, where it does not model', () => {
    const rw = apacheConfigParser.parse(`${F}:1:DocumentRoot /srv\n${F}:2:RewriteEngine On\n${F}:3:RewriteRule ^ /index.php`);
    expect(apacheRequest(rw, { addr: '127.0.0.1', port: 80, host: 'h', path: '/', facts: [] })).toMatchObject({ known: false, reason: `${F}:2: RewriteEngine On (mod_rewrite rules are not modelled)` });
    const ht = apacheConfigParser.parse(`${F}:1:DocumentRoot /srv\n${F}:2:<Directory /srv>\n${F}:3:AllowOverride All\n${F}:4:Require all granted\n${F}:5:</Directory>`);
    expect(apacheRequest(ht, { addr: '127.0.0.1', port: 80, host: 'h', path: '/x', facts: ['d /srv', '- /srv/x', 'f /srv/.htaccess'] }).reason).toBe(`/srv/.htaccess is read (AllowOverride All at ${F}:3)`);
  });

  it('is total on odd requests', () => {
    for (const path of ['', '%', '/%00', '/../../etc/passwd', '/a//b/./c', `/${'x/'.repeat(5000)}`]) {
      const r = ask('a.example', path);
      expect(typeof r.known).toBe('boolean');
    }
    expect(ask('a.example', '/../x')).toMatchObject({ status: 400, known: true });
  });
});

describe('registerApache: the CEL functions', () => {
  const env = modelEnv((e, cel) => {
    registerSocket(e, cel);
    registerApache(e, cel);
  });
  env.registerVariable('parts', 'list<ApacheConfig>');
  const c = mergeApacheConfigs([apacheConfigParser.parse(fixture('apache/dump-named.txt')), apacheConfigParser.parse(fixture('apache/grep-named.txt'))]);
  const parts = [apacheConfigParser.parse(fixture('apache/dump-named.txt')), apacheConfigParser.parse(fixture('apache/grep-named.txt'))].map((p) => toCel(p, apacheConfigParser.type));

  it('merges the two outputs and routes a request', () => {
    expect(env.evaluate('size(apache_merge(parts).directives)', { parts })).toBe(BigInt(c.directives.length));
    const r = env.evaluate('apache_request(apache_merge(parts), "127.0.0.1", 18291, "TWO.example", "/", ["d /tmp", "d /tmp/apfx", "d /tmp/apfx/www", "d /tmp/apfx/www/a", "- /tmp/apfx/www/a/index.html", "- /tmp/apfx/www/a/.htaccess"])', { parts }) as { server_name: string; vhost_line: bigint; known: boolean };
    expect({ server_name: r.server_name, vhost_line: r.vhost_line }).toEqual({ server_name: 'two.example', vhost_line: 12n });
  });

  it('gives the sockets Apache would open', () => {
    expect(env.evaluate('accepting_socket(apache_sockets(apache_merge(parts)), "198.18.0.9", 18293, false).accepts', { parts })).toBe(true);
    expect(env.evaluate('accepting_socket(apache_sockets(apache_merge(parts)), "198.18.0.9", 18291, false).reason', { parts })).toBe('loopback-only');
    expect(env.evaluate('apache_listen_unknown(apache_merge(parts))', { parts })).toEqual([]);
    expect(env.evaluate('apache_listen_fails(apache_merge(parts))', { parts })).toBe('');
  });
});
