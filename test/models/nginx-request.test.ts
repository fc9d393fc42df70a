import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEnvironment, toCel } from '../../src/flow/expr.js';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';
import { closestName, nginxClosest, nginxFacts, nginxPrefix, nginxRequest, type NginxRequest } from '../../src/models/nginx-request.js';

const seedConf = `# configuration file /etc/nginx/conf.d/server.conf:\nhttp {\n${readFileSync(new URL('../fixtures/seed/nginx-server-conf.txt', import.meta.url), 'utf8').replace(/^\$.*\n/m, '')}}\n`;

const multi = `# configuration file /etc/nginx/nginx.conf:
http {
    access_log /var/log/nginx/access.log;
    include /etc/nginx/sites/*.conf;
}

# configuration file /etc/nginx/sites/a.conf:
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
    location ~ \\.php$ {
        fastcgi_pass unix:/run/php.sock;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    }
    location /app/ {
        proxy_pass http://127.0.0.1:3000/;
    }
}

# configuration file /etc/nginx/sites/b.conf:
server {
    listen 80;
    server_name api.example *.api.example;
    root /srv/api;
    location / {
        try_files $uri $uri/ =404;
    }
}
`;

const ask = (conf: string, port: number, host: string, path: string, facts: string[] = []): NginxRequest =>
  nginxRequest(nginxConfigParser.parse(conf), { addr: '127.0.0.1', port, host, path, facts });

/** Asks, stats nothing, answers every probe from `files` (`f`/`d` by path), asks again. */
function settled(conf: string, port: number, host: string, path: string, files: Record<string, 'f' | 'd'>): NginxRequest {
  const first = ask(conf, port, host, path);
  return ask(conf, port, host, path, first.probe.map((p) => `${files[p] ?? '-'} ${p}`));
}

describe('nginx_request: what nginx does with a request', () => {
  it('the seed: /hogehoge is a static miss under root /var/www/html', () => {
    const r = settled(seedConf, 80, 'example', '/hogehoge', { '/var/www/html': 'd' });
    expect(r).toMatchObject({ found: true, known: true, status: 404, answer: 'miss', root: '/var/www/html', via: 'root', fs_path: '/var/www/html/hogehoge', dir: '/var/www/html', name: 'hogehoge', root_file: '/etc/nginx/conf.d/server.conf', listen: '127.0.0.1:80' });
  });

  it('asks for the paths whose existence decides, and is unknown until told', () => {
    const first = ask(multi, 80, 'api.example', '/v1');
    expect(first.known).toBe(false);
    expect(first.reason).toContain('/srv/api/v1');
    expect(first.probe).toEqual(expect.arrayContaining(['/srv/api/v1']));
  });

  it('includes resolved in place; alias keeps the prefix; wildcard names; try_files =404', () => {
    expect(settled(multi, 80, 'x', '/static/app.js', { '/srv/assets/app.js': 'f' })).toMatchObject({ answer: 'file', status: 200, request_filename: '/srv/assets/app.js', via: 'alias', prefix: '/static/', root_line: 6, root_file: '/etc/nginx/sites/a.conf' });
    expect(settled(multi, 80, 'x', '/docs/a.html', {})).toMatchObject({ answer: 'miss', fs_path: '/srv/docs/a.html', root: '/srv' });
    expect(settled(multi, 80, 'V2.API.example.:80', '/v1', {})).toMatchObject({ answer: 'miss', status: 404, server_name: '*.api.example', server_line: 1, fs_path: '/srv/api/v1' });
    expect(ask(multi, 8080, 'x', '/')).toMatchObject({ found: false, known: false });
  });

  it('upstreams: FastCGI by regex location with its script, proxy_pass with a URI replacing the prefix', () => {
    expect(ask(multi, 80, 'x', '/index.php?a=1')).toMatchObject({ known: true, answer: 'upstream', handler: 'fastcgi', upstream_addrs: ['unix:/run/php.sock'], script: '/var/www/html/index.php', upstream_uri: '/index.php?a=1' });
    expect(ask(multi, 80, 'x', '/app/a%20b?x')).toMatchObject({ answer: 'upstream', handler: 'proxy', upstream_addrs: ['127.0.0.1:3000'], upstream_uri: '/a%20b?x' });
  });

  it('a path cannot climb out of the root: 400; a query string is not part of the file', () => {
    expect(ask(multi, 80, 'x', '/../../etc/passwd')).toMatchObject({ known: true, status: 400, answer: 'bad-request' });
    expect(settled(multi, 80, 'x', '/a%20b?x=1', {}).name).toBe('a b');
  });

  it('a regex that could backtrack for ever is not run: unknown, with the reason', () => {
    const conf = `# configuration file /etc/nginx/nginx.conf:\nhttp { server { listen 80; location ~ ^(a+)+$ { return 200; } } }\n`;
    const r = ask(conf, 80, 'x', '/aaaa');
    expect(r.known).toBe(false);
    expect(r.reason).toContain('(a+)+');
  });

  it('facts from find, the prefix from ps or nginx -V', () => {
    expect(nginxFacts(['/a', '/b', '/c'], 'f /a\nd /b\n')).toEqual(['f /a', 'd /b', '- /c']);
    expect(nginxPrefix('1 0 0 nginx: master process /usr/sbin/nginx -p /srv/ngx/ -c /srv/ngx/nginx.conf', '')).toBe('/srv/ngx/');
    expect(nginxPrefix('', 'configure arguments: --prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf')).toBe('/usr/share/nginx');
  });
});

describe('closest: the URL the user probably meant', () => {
  const miss = (fs: string, root = '/r', via = 'root', prefix = ''): Pick<NginxRequest, 'answer' | 'root' | 'via' | 'prefix' | 'fs_path'> => ({ answer: 'miss', root, via, prefix, fs_path: fs });
  const tree = 'd css\nf css/Site.css\nd About\nf About/index.html\nf report.pdf\nf logo.png\nf faq.html\n';

  it('walks the path component by component: case, extension, dir/ and name.html, typos', () => {
    expect(nginxClosest(miss('/r/CSS/site.css'), tree)).toMatchObject({ found: true, uri: '/css/Site.css', fs_path: '/r/css/Site.css' });
    expect(nginxClosest(miss('/r/logo.svg'), tree)).toMatchObject({ found: true, uri: '/logo.png', how: 'extension' });
    expect(nginxClosest(miss('/r/faq'), tree)).toMatchObject({ found: true, uri: '/faq.html' });
    expect(nginxClosest(miss('/r/about.html'), tree)).toMatchObject({ found: true, uri: '/About/' });
    expect(nginxClosest(miss('/r/reprot.pdf'), tree)).toMatchObject({ found: true, uri: '/report.pdf' });
    expect(nginxClosest(miss('/r/nothing/like/this.txt'), tree).found).toBe(false);
  });

  it('keeps an alias location prefix and percent-encodes the URL path', () => {
    expect(nginxClosest(miss('/srv/assets/My Fiel.txt', '/srv/assets/', 'alias', '/static/'), 'f My File.txt\n')).toMatchObject({ uri: '/static/My File.txt', url_path: '/static/My%20File.txt' });
  });

  it('closestName: a typo-sized difference, case-insensitive; nothing when too far', () => {
    expect(closestName('hogehoge', ['fugafuga', 'index.nginx-debian.html'])).toBe('fugafuga');
    expect(closestName('Index.HTML', ['index.html', 'x'])).toBe('index.html');
    expect(closestName('report.pdf', ['index.html', 'fugafuga'])).toBe('');
    expect(closestName('same', ['same'])).toBe('');
    expect(closestName('foo1.txt', ['bar1.txt', 'index.html'])).toBe('bar1.txt');
  });

  it('is callable from CEL on parsed values', () => {
    const env = buildEnvironment({ conf: nginxConfigParser.type });
    const conf = toCel(nginxConfigParser.parse(seedConf), nginxConfigParser.type);
    expect(env.evaluate('nginx_request(conf, "127.0.0.1", 80, "example", "/hogehoge", ["d /var/www/html", "- /var/www/html/hogehoge"]).fs_path', { conf })).toBe('/var/www/html/hogehoge');
    expect(env.evaluate('nginx_closest(nginx_request(conf, "127.0.0.1", 80, "example", "/hogehoge", ["- /var/www/html/hogehoge"]), "f fugafuga\\n").uri', { conf })).toBe('/fugafuga');
    expect(env.evaluate('closest("hogehoge", ["fugafuga", "index.html"])', {})).toBe('fugafuga');
    expect(env.evaluate('shell_quote("http://h/it\'s")', {})).toBe(`'http://h/it'\\''s'`);
  });
});
