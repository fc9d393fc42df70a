import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEnvironment, toCel } from '../../src/flow/expr.js';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';
import { closestName, nginxRoute } from '../../src/parsers/nginx-route.js';

const seedConf = `# configuration file /etc/nginx/conf.d/server.conf:\n${readFileSync(new URL('../fixtures/seed/nginx-server-conf.txt', import.meta.url), 'utf8').replace(/^\$.*\n/m, '')}`;

const multi = `# configuration file /etc/nginx/nginx.conf:
http {
    access_log /var/log/nginx/access.log;
    server {
        listen 80 default_server;
        server_name _;
        root /var/www/html;
        location /static/ {
            alias /srv/assets/;
        }
        location /docs/ {
            root /srv;
        }
    }
    server {
        listen 80;
        server_name api.example;
        root /srv/api;
    }
}
`;

describe('nginx_route: which file serves a URL', () => {
  it('the seed: /hogehoge under root /var/www/html', () => {
    const r = nginxRoute(nginxConfigParser.parse(seedConf), 80, 'example', '/hogehoge');
    expect(r).toMatchObject({ found: true, root: '/var/www/html', via: 'root', fs_path: '/var/www/html/hogehoge', dir: '/var/www/html', name: 'hogehoge', root_file: '/etc/nginx/conf.d/server.conf', root_line: 3, location: '/' });
  });

  it('alias and location root; server_name picks the server; default_server otherwise', () => {
    const c = nginxConfigParser.parse(multi);
    expect(nginxRoute(c, 80, 'x', '/static/app.js')).toMatchObject({ via: 'alias', fs_path: '/srv/assets/app.js', root_line: 7 });
    expect(nginxRoute(c, 80, 'x', '/docs/a.html')).toMatchObject({ via: 'root', fs_path: '/srv/docs/a.html', root: '/srv' });
    expect(nginxRoute(c, 80, 'API.example', '/v1')).toMatchObject({ fs_path: '/srv/api/v1', server_line: 14 });
    expect(nginxRoute(c, 8080, 'x', '/')).toMatchObject({ found: false });
  });

  it('a path cannot climb out of the root, and a query string is not part of the file', () => {
    const c = nginxConfigParser.parse(multi);
    expect(nginxRoute(c, 80, 'x', '/../../etc/passwd?x=1').fs_path).toBe('/var/www/html/etc/passwd');
    expect(nginxRoute(c, 80, 'x', '/a%20b').name).toBe('a b');
  });

  it('closest: a typo-sized difference, case-insensitive; nothing when too far', () => {
    expect(closestName('hogehoge', ['fugafuga', 'index.nginx-debian.html'])).toBe('fugafuga');
    expect(closestName('Index.HTML', ['index.html', 'x'])).toBe('index.html');
    expect(closestName('report.pdf', ['index.html', 'fugafuga'])).toBe('');
    expect(closestName('same', ['same'])).toBe('');
    expect(closestName('foo1.txt', ['bar1.txt', 'index.html'])).toBe('bar1.txt');
  });

  it('is callable from CEL on parsed values', () => {
    const env = buildEnvironment({ conf: nginxConfigParser.type });
    const conf = toCel(nginxConfigParser.parse(seedConf), nginxConfigParser.type);
    expect(env.evaluate('nginx_route(conf, 80, "example", "/hogehoge").fs_path', { conf })).toBe('/var/www/html/hogehoge');
    expect(env.evaluate('closest("hogehoge", ["fugafuga", "index.html"])', {})).toBe('fugafuga');
  });
});
