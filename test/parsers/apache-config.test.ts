/**
 * apache-config on what the real apache2 here printed (test/fixtures/apache/: the dump command and
 * `grep -RnH` of the ServerRoot, for Debian's stock /etc/apache2 and a temp layout with named
 * vhosts, IPv6 and a syntax error), hostile text, and the read-only allowlist for its commands.
 */
import { describe, expect, it } from 'vitest';
import { APACHE_COMMANDS, apacheConfigParser, confWords, mergeApacheConfigs, moduleId } from '../../src/parsers/apache-config.js';
import { readOnly } from '../../src/flow/read-only.js';
import { binary, fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(apacheConfigParser, text);
const both = (dump: string, grep: string) => mergeApacheConfigs([parse(fixture(`apache/${dump}`)), parse(fixture(`apache/${grep}`))]);

describe('apache-config parser', () => {
  describe('Debian stock /etc/apache2', () => {
    const dump = parse(fixture('apache/dump-debian-stock.txt'));
    const c = both('dump-debian-stock.txt', 'grep-debian-stock.txt');

    it('reads the run configuration, modules and the include tree of the dump', () => {
      expect(dump).toMatchObject({ ok: true, server_root: '/etc/apache2', document_root: '/var/www/html', pid_file: '/var/run/apache2/apache2.pid', user: 'www-data', group: 'www-data', modules_known: true, defines_known: true });
      expect(dump.defines).toEqual([]); // the command's own DUMP_* defines are not the server's
      expect(dump.modules).toContain('alias_module');
      expect(dump.modules).not.toContain('rewrite_module');
      expect(dump.includes[0]).toEqual({ file: '/etc/apache2/apache2.conf', parent: '', line: 0 });
      expect(dump.includes).toContainEqual({ file: '/etc/apache2/ports.conf', parent: '/etc/apache2/apache2.conf', line: 150 });
      expect(dump.vhost_map).toEqual([{ addr: '*', port: 80, name: '127.0.0.1', aliases: [], file: '/etc/apache2/sites-enabled/000-default.conf', line: 1, default: true }]);
      expect(dump.directives).toEqual([]); // no file text in the dump
      expect(dump.unread).toHaveLength(dump.includes.length);
    });

    it('puts the files in Include order with file:line, and the Listen of ports.conf', () => {
      expect(c.unread).toEqual([]);
      expect(c.listens).toEqual([{ addr: '', port: 80, proto: '', file: '/etc/apache2/ports.conf', line: 5, text: 'Listen 80', active: 'yes' }]);
      const files = [...new Set(c.directives.map((d) => d.file))];
      expect(files).toEqual(c.includes.map((i) => i.file).filter((f) => files.includes(f)));
      const vh = c.directives.find((d) => d.name === 'VirtualHost')!;
      expect(vh).toMatchObject({ args: ['*:80'], file: '/etc/apache2/sites-enabled/000-default.conf', line: 1, block: true, active: 'yes' });
      const root = c.directives.find((d) => d.name === 'DocumentRoot' && d.parent === c.directives.indexOf(vh))!;
      expect(root).toMatchObject({ args: ['/var/www/html'], line: 12 });
      // ${APACHE_LOG_DIR} comes from envvars, not a Define: left as written.
      expect(c.directives.find((d) => d.name === 'ErrorLog' && d.file.endsWith('apache2.conf'))!.args).toEqual(['${APACHE_LOG_DIR}/error.log']);
    });

    it('marks <IfModule> bodies by the loaded modules', () => {
      const ifs = c.directives.filter((d) => d.name === 'IfModule');
      const ssl = ifs.find((d) => d.args[0] === 'ssl_module' && d.file.endsWith('ports.conf'))!;
      const inside = c.directives.filter((d) => d.parent === c.directives.indexOf(ssl));
      expect(inside.map((d) => [d.name, d.args, d.active])).toEqual([['Listen', ['443'], 'no']]);
      expect(c.listens.every((l) => l.port !== 443)).toBe(true);
      expect(c.listens.length).toBe(1);
    });
  });

  describe('named vhosts, IPv6, Define, IfModule/IfDefine, a continued line', () => {
    const c = both('dump-named.txt', 'grep-named.txt');
    const F = '/tmp/apfx/conf';

    it('reads the -S vhost map with aliases and the default of each address', () => {
      expect(c.vhost_map.map((v) => [v.addr, v.port, v.name, v.aliases, v.line, v.default])).toEqual([
        ['[::1]', 18292, 'www.one.example', [], 1, true],
        ['127.0.0.1', 18291, 'www.one.example', ['one.example', '*.one.example'], 1, true],
        ['127.0.0.1', 18291, 'two.example', [], 12, false],
        ['*', 18293, 'default.example', [], 1, true],
      ]);
      expect(c.defines).toEqual(['SITE_ROOT=/tmp/apfx/www']);
    });

    it('lists the Listen forms with their protocol, and the files outside the folder read', () => {
      expect(c.listens.map((l) => [l.addr, l.port, l.proto, l.file, l.line])).toEqual([
        ['127.0.0.1', 18291, '', `${F}/ports.conf`, 1],
        ['[::1]', 18292, '', `${F}/ports.conf`, 2],
        ['', 18293, 'http', `${F}/ports.conf`, 3],
      ]);
      expect(c.unread).toEqual(['/etc/apache2/mods-available/mpm_event.load', '/etc/apache2/mods-available/authz_core.load', '/etc/apache2/mods-available/alias.load', '/etc/apache2/mods-available/dir.load', '/etc/apache2/mods-available/mime.load', '/etc/apache2/mods-available/rewrite.load']);
    });

    it('replaces ${NAME} from Define, unquotes, joins a continued line at its first line', () => {
      const roots = c.directives.filter((d) => d.name === 'DocumentRoot');
      expect(roots.map((d) => [d.args[0], d.file.slice(F.length), d.line])).toEqual([
        ['/tmp/apfx/www/a', '/apache2.conf', 26],
        ['/tmp/apfx/www/a', '/sites/000-default.conf', 3],
        ['/tmp/apfx/www/a', '/sites/10-named.conf', 4],
        ['/tmp/apfx/www/a', '/sites/10-named.conf', 14],
      ]);
      expect(c.directives.find((d) => d.name === 'Require')).toMatchObject({ args: ['all', 'granted'], line: 6 });
      expect(c.directives.find((d) => d.name === 'RedirectMatch')!.args).toEqual(['301', '^/old/(.*)$', '/new/$1']);
    });

    it('evaluates IfModule (both spellings) and IfDefine', () => {
      const act = (name: string) => c.directives.filter((d) => d.name === name).map((d) => d.active);
      expect(act('RewriteEngine')).toEqual(['yes']); // <IfModule rewrite_module>, loaded
      expect(c.directives.find((d) => d.name === 'ServerName' && d.args[0] === 'fixture.example')!.active).toBe('yes'); // <IfDefine !NOPE>
      const proxy = c.directives.find((d) => d.name === 'IfModule' && d.args[0] === 'mod_proxy.c')!;
      expect(c.directives.filter((d) => d.parent === c.directives.indexOf(proxy)).map((d) => d.active)).toEqual(['no']);
    });

    it('says unknown for conditionals when no dump told modules or defines', () => {
      const g = parse(fixture('apache/grep-named.txt'));
      expect(g.directives.find((d) => d.name === 'RewriteEngine')!.active).toBe('unknown');
      expect(g.directives.find((d) => d.name === 'ServerName' && d.args[0] === 'fixture.example')!.active).toBe('unknown');
      expect(g.directives.find((d) => d.name === 'DocumentRoot')!.args).toEqual(['${SITE_ROOT}/a']);
    });
  });

  it('a failed test: the error with its file:line, not ok', () => {
    const c = parse(fixture('apache/dump-bad.txt'));
    expect(c.ok).toBe(false);
    expect(c).toMatchObject({ error_file: '/tmp/apfx/conf-bad/sites/10-named.conf', error_line: 16 });
    expect(c.errors).toEqual([
      'AH00526: Syntax error on line 16 of /tmp/apfx/conf-bad/sites/10-named.conf:',
      "Invalid command 'Frobnicate', perhaps misspelled or defined by a module not included in the server configuration",
    ]);
  });

  it('no configuration file: the binary\'s own line is the error, not ok (apache2ctl where only the package is installed)', () => {
    // apache2ctl -t … on a host with apache2 installed and /etc/apache2 removed (this project's lab server).
    const c = parse(
      'apache2: Could not open configuration file /etc/apache2/apache2.conf: No such file or directory\n' +
        "Action '-t -D DUMP_VHOSTS -D DUMP_RUN_CFG -D DUMP_MODULES -D DUMP_INCLUDES' failed.\n" +
        'The Apache error log may have more information.\n',
    );
    expect(c.ok).toBe(false);
    expect(c.errors).toEqual(['apache2: Could not open configuration file /etc/apache2/apache2.conf: No such file or directory']);
  });

  it('words and module names as Apache reads them', () => {
    expect(confWords(`Header set X "a \\"b\\" c" 'd e'`)).toEqual(['Header', 'set', 'X', 'a "b" c', 'd e']);
    expect(moduleId('mod_rewrite.c')).toBe('rewrite_module');
    expect(moduleId('prefork.c')).toBe('mpm_prefork_module');
    expect(moduleId('proxy_fcgi_module')).toBe('proxy_fcgi_module');
  });

  it('is total on hostile text', () => {
    for (const t of ['', binary(4096), '<VirtualHost'.repeat(10_000), '/x:1:<If\n'.repeat(20_000), 'VirtualHost configuration:\n   port x namevhost\n', 'Included configuration files:\n(*) \n  (9) /a\n    (1) /b\n  (2) /c\n']) {
      const c = parse(t);
      expect(c.directives.length).toBeLessThanOrEqual(10_000);
    }
    expect(parse('/x:1:<If\n'.repeat(20_000)).truncated).toBe(true);
  });

  it('its command sequence passes the read-only allowlist; the dump (runs code) has no templated word', () => {
    for (const argv of [...APACHE_COMMANDS.debian, ...APACHE_COMMANDS.rhel]) {
      const v = readOnly(argv);
      expect(v.refused, argv.join(' ')).toBeNull();
      if (v.runsCode) expect(argv.some((a) => a.includes('{{'))).toBe(false);
    }
    expect(readOnly(APACHE_COMMANDS.debian[0]!).runsCode).toBe(true);
    expect(readOnly(['grep', '-nH', '-e', '', '--', '{{ item(apache.unread, 0) }}']).refused).toBeNull();
    // What the flow must not do: start the server, or add directives.
    expect(readOnly(['apache2ctl', '-D', 'DUMP_INCLUDES'])).toMatchObject({ refused: expect.any(String) });
    expect(readOnly(['apache2ctl', '-t', '-C', 'LoadModule info_module x.so', '-D', 'DUMP_CONFIG']).refused).not.toBeNull();
  });
});
