import { describe, expect, it } from 'vitest';
import { buildEnvironment, toCel } from '../../src/flow/expr.js';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';
import { concreteName, nginxOtherHost, type NginxOtherHost } from '../../src/models/nginx-request.js';

const conf = `# configuration file /etc/nginx/nginx.conf:
http {
    include /etc/nginx/sites/*.conf;
}

# configuration file /etc/nginx/sites/a.conf:
server {
    listen 80 default_server;
    server_name www.lab.invalid;
    root /srv/www/a;
}

# configuration file /etc/nginx/sites/b.conf:
server {
    listen 80;
    server_name *.docs.lab.invalid docs.lab.invalid;
    root /srv/www/b;
}

# configuration file /etc/nginx/sites/c.conf:
server {
    listen 8080;
    server_name other.lab.invalid;
    root /srv/www/c;
}
`;

/** Asks with nothing known, answers every probe from `files`, asks again (what the flow does with one find). */
function settled(text: string, host: string, path: string, files: Record<string, 'f' | 'd'>, port = 80): NginxOtherHost {
  const c = nginxConfigParser.parse(text);
  const first = nginxOtherHost(c, { addr: '127.0.0.1', port, host, path, facts: [] });
  return nginxOtherHost(c, { addr: '127.0.0.1', port, host, path, facts: first.probe.map((p) => `${files[p] ?? '-'} ${p}`) });
}

describe('nginx_other_host: the URL served by another server block on the same socket', () => {
  it('the file only under the second block: its concrete name, both blocks, the root that maps it', () => {
    const r = settled(conf, 'www.lab.invalid', '/guide.html', { '/srv/www/b/guide.html': 'f' });
    expect(r).toMatchObject({ found: true, known: true, name: 'docs.lab.invalid', server_file: '/etc/nginx/sites/b.conf', server_line: 1, here_file: '/etc/nginx/sites/a.conf', here_line: 1, listen: '127.0.0.1:80', fs_path: '/srv/www/b/guide.html', root: '/srv/www/b', via: 'root', root_file: '/etc/nginx/sites/b.conf', root_line: 4 });
  });

  it('asks for the other roots first (unknown until told), and finds nothing when the file is nowhere', () => {
    const c = nginxConfigParser.parse(conf);
    const first = nginxOtherHost(c, { addr: '127.0.0.1', port: 80, host: 'www.lab.invalid', path: '/guide.html', facts: [] });
    expect(first.found).toBe(false);
    expect(first.probe).toContain('/srv/www/b/guide.html');
    expect(first.probe).not.toContain('/srv/www/c/guide.html');
    expect(settled(conf, 'www.lab.invalid', '/guide.html', {})).toMatchObject({ found: false, known: true, reason: '' });
  });

  it('another port is another socket: a block on 8080 is never offered', () => {
    expect(settled(conf, 'www.lab.invalid', '/c.html', { '/srv/www/c/c.html': 'f' }).found).toBe(false);
  });

  it('a wildcard-only block gives no name: unknown, with the reason, not a guess', () => {
    const wild = conf.replace('server_name *.docs.lab.invalid docs.lab.invalid;', 'server_name *.docs.lab.invalid;');
    const r = settled(wild, 'www.lab.invalid', '/guide.html', { '/srv/www/b/guide.html': 'f' });
    expect(r).toMatchObject({ found: false, known: false });
    expect(r.reason).toContain('no concrete name for server_name *.docs.lab.invalid at /etc/nginx/sites/b.conf:1');
  });

  it('a block named only _ is reached by no name: not offered, and not unknown', () => {
    const catchAll = conf.replace('server_name *.docs.lab.invalid docs.lab.invalid;', 'server_name _;');
    expect(settled(catchAll, 'www.lab.invalid', '/guide.html', { '/srv/www/b/guide.html': 'f' })).toMatchObject({ found: false, known: true, reason: '' });
  });

  it('a name must select that very block on the socket the user reached: else it is not offered', () => {
    // b listens on another address: its name, sent to 127.0.0.1:80, reaches a, whose root follows $host.
    const other = conf.replace('root /srv/www/a;', 'root /srv/www/$host;').replace('    listen 80;\n    server_name *.docs', '    listen 127.0.0.9:80;\n    server_name *.docs');
    expect(settled(other, 'www.lab.invalid', '/guide.html', { '/srv/www/docs.lab.invalid/guide.html': 'f', '/srv/www/b/guide.html': 'f' }).found).toBe(false);
  });

  it('the block that answered is never its own suggestion; a directory is no static hit', () => {
    expect(settled(conf, 'docs.lab.invalid', '/guide.html', { '/srv/www/b/guide.html': 'f' }).found).toBe(false);
    expect(settled(conf, 'www.lab.invalid', '/guide', { '/srv/www/b/guide': 'd' }).found).toBe(false);
  });

  it('concrete names: exact, .x, anchored literal regexes; never a wildcard or a pattern', () => {
    expect(concreteName('Docs.Lab.invalid')).toBe('docs.lab.invalid');
    expect(concreteName('.lab.invalid')).toBe('lab.invalid');
    expect(concreteName('~^docs\\.lab\\.invalid$')).toBe('docs.lab.invalid');
    expect(concreteName('~^(www\\.)?lab\\.invalid$')).toBe('');
    expect(concreteName('*.lab.invalid')).toBe('');
    expect(concreteName('lab.*')).toBe('');
    expect(concreteName('_')).toBe('');
    expect(concreteName('')).toBe('');
  });

  it('is callable from CEL on parsed values', () => {
    const env = buildEnvironment({ conf: nginxConfigParser.type });
    const c = toCel(nginxConfigParser.parse(conf), nginxConfigParser.type);
    expect(env.evaluate('nginx_other_host(conf, "127.0.0.1", 80, "www.lab.invalid", "/guide.html", ["f /srv/www/b/guide.html"]).name', { conf: c })).toBe('docs.lab.invalid');
  });
});
