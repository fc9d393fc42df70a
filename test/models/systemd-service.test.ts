/**
 * ExecStart= lines from real packages' unit files and from public repositories' units → the port
 * the model tells (with the address when known), or unknown and why. Sources:
 *   [deb]  Debian 12 packages' units as installed on this machine (/lib/systemd/system) or shipped
 *          by the named Debian package;
 *   [doc]  the program's own documentation of running it under systemd;
 *   [pub]  units in public repositories (found through the library's code search, quoted as written).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acceptingSocket } from '../../src/models/socket.js';
import { serviceListen, serviceListens, serviceSockets } from '../../src/models/systemd-service.js';
import { systemctlShowParser } from '../../src/parsers/systemd-units.js';

type Want = string | { unknown: RegExp };
/** [source, ExecStart= value, Environment= entries, EnvironmentFile= paths, want: `ADDR:PORT` ('' address: not known) or unknown]. */
type Row = [string, string, string[], string[], Want];

const ROWS: Row[] = [
  // Python
  ['[pub] myapp.service', '/usr/bin/python3 -m http.server 8080', [], [], '0.0.0.0:8080'],
  ['[pub] loopback assets', '/usr/bin/python3 -m http.server 8765 --bind 127.0.0.1', [], [], '127.0.0.1:8765'],
  ['[pub] telemetry-web', '/usr/bin/python3 -m http.server 8001 --bind 0.0.0.0', [], [], '0.0.0.0:8001'],
  ['[doc] http.server defaults', '/usr/bin/python3 -m http.server', [], [], '0.0.0.0:8000'],
  ['[pub] http.server -d DIR', '/usr/bin/python3 -m http.server -d /srv/www 9090', [], [], '0.0.0.0:9090'],
  ['[pub] http.server ${VAR} with an EnvironmentFile', '/usr/bin/python3 -m http.server ${FRONTEND_PORT}', [], ['/etc/default/frontend'], { unknown: /EnvironmentFile/ }],
  ['[pub] gunicorn --bind 127.0.0.1:5000', '/home/lazaristes/lazaristes/venv/bin/gunicorn --bind 127.0.0.1:5000 --workers 4 --timeout 120 app:app', ['PATH=/home/lazaristes/lazaristes/venv/bin'], [], '127.0.0.1:5000'],
  ['[pub] gunicorn --bind 0.0.0.0:5000', '/home/eero/dashboard/venv/bin/gunicorn --bind 0.0.0.0:5000 --workers 2 --timeout 120 app:app', [], [], '0.0.0.0:5000'],
  ['[pub] gunicorn unix socket', '/home/u/openwebpos/venv/bin/gunicorn --bind unix:openwebpos.sock wsgi:app', [], [], { unknown: /unix socket, no TCP port/ }],
  ['[pub] gunicorn with EnvironmentFile (explicit bind still certain)', '/opt/wconquest/.venv/bin/gunicorn --bind 127.0.0.1:5000 --workers 1 --threads 4 --timeout 60 --forwarded-allow-ips=127.0.0.1,::1 app:app', [], ['/etc/wconquest.env'], '127.0.0.1:5000'],
  ['[doc] gunicorn deploy example (docs.gunicorn.org)', '/usr/bin/gunicorn applicationname.wsgi', [], [], { unknown: /gunicorn\.conf\.py/ }],
  ['[pub] gunicorn -b attached', '/srv/venv/bin/gunicorn -b0.0.0.0:8000 -w 3 proj.wsgi', [], [], '0.0.0.0:8000'],
  ['[pub] uvicorn 0.0.0.0 8000', '/opt/xnow-flow/venv/bin/uvicorn main:app --host 0.0.0.0 --port 8000', [], [], '0.0.0.0:8000'],
  ['[pub] uvicorn 127.0.0.1', '/opt/homelab-dashboard/backend/.venv/bin/uvicorn main:app --host 127.0.0.1 --port 8000 --timeout-graceful-shutdown 1', [], [], '127.0.0.1:8000'],
  ['[doc] uvicorn defaults', '/srv/api/venv/bin/uvicorn app.main:app', [], [], '127.0.0.1:8000'],
  ['[pub] python -m uvicorn --port only', '/srv/api/venv/bin/python -m uvicorn app:app --port 8081', [], [], '127.0.0.1:8081'],
  ['[doc] uvicorn --uds', '/srv/api/venv/bin/uvicorn app:app --uds /run/api.sock', [], [], { unknown: /no TCP port/ }],
  ['[doc] daphne (channels deploying docs)', '/srv/venv/bin/daphne -b 0.0.0.0 -p 8001 myproject.asgi:application', [], [], '0.0.0.0:8001'],
  ['[doc] waitress-serve --listen', '/srv/venv/bin/waitress-serve --listen=*:8041 myapp:wsgifunc', [], [], '*:8041'],
  ['[doc] waitress-serve defaults', '/srv/venv/bin/waitress-serve myapp:wsgifunc', [], [], '0.0.0.0:8080'],
  ['[doc] flask run', '/srv/venv/bin/flask --app hello run --host=0.0.0.0 --port 5001', [], [], '0.0.0.0:5001'],
  ['[doc] django runserver', '/srv/venv/bin/python manage.py runserver 0.0.0.0:8000', [], [], '0.0.0.0:8000'],
  // Node
  ['[pub] node, port in its .env', '/usr/bin/node src/index.js', [], ['/opt/milli-mala/.env'], { unknown: /PORT may be set in EnvironmentFile=\/opt\/milli-mala\/\.env/ }],
  ['[pub] node, nothing set', '/usr/bin/node /home/opc/BookExchange/server/server.js', [], [], { unknown: /its code decides/ }],
  ['[pub] node with PORT= and no EnvironmentFile', '/usr/bin/node dist/server.js', ['NODE_ENV=production', 'PORT=3000'], [], ':3000'],
  ['[pub] node, PORT= beside an EnvironmentFile (it may override)', '/usr/bin/node /opt/podshelf/.output/server/index.mjs', ['NODE_ENV=production', 'PORT=3000', 'HOST=127.0.0.1'], ['/opt/podshelf/.env'], { unknown: /EnvironmentFile/ }],
  ['[pub] npm start', '/usr/bin/npm start', ['PORT=8080'], [], ':8080'],
  // Java
  ['[pub] Spring Boot --server.port', '/usr/bin/java -jar /opt/app/backend-blossom.jar --server.port=9999', [], [], ':9999'],
  ['[pub] Spring Boot -Dserver.port', '/usr/bin/java -Xms512m -Dserver.port=8083 -jar spring01-1.0.0-RELEASE.jar', [], [], ':8083'],
  ['[pub] Spring Boot with server.address', '/usr/bin/java -jar app.jar --server.port=8080 --server.address=0.0.0.0', [], [], '0.0.0.0:8080'],
  ['[pub] java -jar alone', '/usr/bin/java -jar /opt/app/app.jar', [], [], { unknown: /the application decides/ }],
  ['[doc] Jenkins war --httpPort', '/usr/bin/java -Djava.awt.headless=true -jar /usr/share/java/jenkins.war --webroot=/var/cache/jenkins/war --httpPort=8080', [], [], ':8080'],
  // Databases and caches
  ['[deb] redis-server (Debian 12 redis-server.service)', '/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no', [], [], { unknown: /redis\.conf: the port in that configuration file/ }],
  ['[pub] redis-server --port', '/usr/bin/redis-server /etc/redis/redis.conf --port 6380 --bind 127.0.0.1', [], [], '127.0.0.1:6380'],
  ['[pub] redis templated instance (unit file, %i unresolved)', '/usr/bin/redis-server /etc/redis/redis-%i.conf', [], [], { unknown: /configuration file/ }],
  ['[deb] postgresql@.service', '-/usr/bin/pg_ctlcluster --skip-systemctl-redirect %i start', [], [], { unknown: /postgresql\.conf/ }],
  ['[doc] postgres -p', '/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -p 5433 -h 0.0.0.0', [], [], '0.0.0.0:5433'],
  ['[doc] postgres without -p', '/usr/pgsql-16/bin/postgres -D ${PGDATA}', ['PGDATA=/var/lib/pgsql/16/data/'], [], { unknown: /postgresql\.conf/ }],
  ['[deb] mariadb.service', '/usr/sbin/mariadbd $MYSQLD_OPTS $_WSREP_NEW_CLUSTER $_WSREP_START_POSITION', [], [], { unknown: /my\.cnf/ }],
  ['[deb] memcached.service (its wrapper reads /etc/memcached.conf)', '/usr/share/memcached/scripts/systemd-memcached-wrapper /etc/memcached.conf', [], [], { unknown: /names no port/ }],
  ['[doc] memcached -p -l', '/usr/bin/memcached -u memcache -m 64 -p 11211 -l 127.0.0.1', [], [], '127.0.0.1:11211'],
  ['[doc] mongod --config (mongod.service)', '/usr/bin/mongod --config /etc/mongod.conf', [], [], { unknown: /configuration file/ }],
  ['[deb] php8.2-fpm.service', '/usr/sbin/php-fpm8.2 --nodaemonize --fpm-config /etc/php/8.2/fpm/php-fpm.conf', [], [], { unknown: /pools' configuration/ }],
  ['[doc] php -S', '/usr/bin/php -S 0.0.0.0:8000 -t /srv/public', [], [], '0.0.0.0:8000'],
  // Servers configured by their files, and the ssh daemon
  ['[deb] nginx.service', "/usr/sbin/nginx -g 'daemon on; master_process on;'", [], [], { unknown: /nginx\.conf/ }],
  ['[deb] apache2.service', '/usr/sbin/apachectl start', [], [], { unknown: /names no port/ }],
  ['[deb] ssh.service (EnvironmentFile=-/etc/default/ssh)', '/usr/sbin/sshd -D $SSHD_OPTS', [], ['-/etc/default/ssh'], { unknown: /\$SSHD_OPTS: SSHD_OPTS may be set in EnvironmentFile=\/etc\/default\/ssh/ }],
  ['[doc] sshd -p', '/usr/sbin/sshd -D -p 2222', [], [], ':2222'],
  ['[deb] dbus.service', '/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only', [], [], { unknown: /names no port/ }],
  // Go exporters, socat, dotnet, shells and wrappers
  ['[doc] node_exporter defaults', '/usr/local/bin/node_exporter', [], [], '*:9100'],
  ['[doc] prometheus --web.listen-address', '/usr/local/bin/prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/var/lib/prometheus/ --web.listen-address=0.0.0.0:9090', [], [], '0.0.0.0:9090'],
  ['[deb] prometheus-node-exporter.service', '/usr/bin/prometheus-node-exporter $ARGS', [], ['/etc/default/prometheus-node-exporter'], { unknown: /\$ARGS/ }],
  ['[pub] socat forwarder', '/usr/bin/socat TCP-LISTEN:8443,fork,reuseaddr TCP:198.18.2.20:443', [], [], '0.0.0.0:8443'],
  ['[doc] dotnet --urls', '/usr/bin/dotnet /var/www/app/app.dll --urls http://0.0.0.0:5000', [], [], '0.0.0.0:5000'],
  ['[doc] dotnet ASPNETCORE_URLS', '/usr/bin/dotnet /var/www/app/app.dll', ['ASPNETCORE_URLS=http://+:5005', 'ASPNETCORE_ENVIRONMENT=Production'], [], '*:5005'],
  ['[pub] sh -c exec', "/bin/sh -c 'exec /srv/venv/bin/gunicorn -b 0.0.0.0:8000 app:app'", [], [], '0.0.0.0:8000'],
  ['[pub] bash -c with a pipeline', "/bin/bash -c 'cd /srv && ./start.sh >> /var/log/app.log 2>&1'", [], [], { unknown: /shell command line/ }],
  ['[pub] env VAR=… program', '/usr/bin/env PORT=4000 /usr/bin/node /srv/app/index.js', [], [], ':4000'],
  ['[pub] docker run -p', '/usr/bin/docker run --rm --name web -p 8080:80 nginx:alpine', [], [], { unknown: /container/ }],
];

const show = (l: { ports: Array<{ addr: string; port: number }> }) => l.ports.map((p) => `${p.addr}:${p.port}`).join(' ');

describe('service_listens: ExecStart= lines from real units', () => {
  it(`has at least 30 lines, most from real packages' or public units (${ROWS.length})`, () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(30);
    expect(ROWS.filter((r) => !r[0].startsWith('[doc]')).length).toBeGreaterThanOrEqual(30);
  });

  it.each(ROWS)('%s: %s', (_src, line, env, files, want) => {
    const l = serviceListen(line, env, files);
    if (typeof want === 'string') {
      expect(l.unknown).toBe('');
      expect(show(l)).toBe(want);
      for (const p of l.ports) expect(p.evidence).not.toBe('');
    } else {
      expect(l.ports).toEqual([]);
      expect(l.unknown).toMatch(want.unknown);
    }
  });

  it('never takes a port from a number that is not a port option', () => {
    for (const line of ['/usr/bin/node server.js 8080', '/usr/bin/app --workers 8080', '/usr/bin/java -Xmx8080m -jar a.jar', '/opt/x/bin/run 198.18.2.10:8080']) {
      expect(serviceListen(line).ports).toEqual([]);
    }
  });

  it('the evidence names the words that tell the port', () => {
    expect(serviceListen('/usr/bin/python3 -m http.server 8765 --bind 127.0.0.1').ports[0]?.evidence).toBe('http.server 8765 --bind 127.0.0.1');
    expect(serviceListen('/usr/bin/node dist/server.js', ['PORT=3000']).ports[0]?.evidence).toBe('PORT=3000 (Environment=)');
    expect(serviceListen('/srv/api/venv/bin/uvicorn app.main:app').ports[0]?.evidence).toBe("uvicorn's default: 127.0.0.1:8000");
  });
});

describe('service_sockets: asked of the socket model', () => {
  const takes = (line: string, addr: string, port: number, env: string[] = []) =>
    acceptingSocket(serviceSockets(serviceListen(line, env)), { addr, port, bindv6only: false, iface: '' });

  it.each([
    ['/usr/bin/python3 -m http.server 8080', '198.18.2.10', 8080, true],
    ['/usr/bin/python3 -m http.server 8080', '198.18.2.10', 8081, false],
    ['/usr/bin/python3 -m http.server 8765 --bind 127.0.0.1', '198.18.2.10', 8765, false],
    ['/usr/bin/python3 -m http.server 8765 --bind 127.0.0.1', '127.0.0.1', 8765, true],
    ['/usr/local/bin/node_exporter', '2001:db8::1', 9100, true],
    ['/usr/local/bin/node_exporter', '198.18.2.10', 9100, true],
    ['/srv/api/venv/bin/uvicorn app:app --host :: --port 8000', '198.18.2.10', 8000, true],
    // The port without its address: no socket, so no "would take".
    ['/usr/bin/node dist/server.js', '198.18.2.10', 3000, false],
  ] as const)('%s takes %s:%d: %s', (line, addr, port, want) => {
    expect(takes(line, addr, port, line.includes('node dist') ? ['PORT=3000'] : []).accepts).toBe(want);
  });
});

// `systemctl show -p Id,ExecStart,Environment,EnvironmentFiles,ActiveState,SubState,Result,UnitFileState,FragmentPath -- '*.service'`
// (test/fixtures/systemd/README.md says where its format comes from).
const SHOW = readFileSync(new URL('../fixtures/systemd/show-services.txt', import.meta.url), 'utf8');

describe('systemctl show → service_listens', () => {
  it('reads each unit, its command as it runs, and the port it would take', () => {
    const units = serviceListens(systemctlShowParser.parse(SHOW));
    expect(units.map((u) => [u.unit, u.active_state, u.result, u.unit_file_state, show(u) || u.unknown])).toEqual([
      ['webapp.service', 'failed', 'exit-code', 'enabled', '0.0.0.0:8080'],
      ['metrics.service', 'inactive', 'success', 'enabled', '0.0.0.0:8081'],
      ['ssh.service', 'active', 'success', 'enabled', 'its options include $SSHD_OPTS: SSHD_OPTS may be set in EnvironmentFile=/etc/default/ssh, which tshoot does not read'],
      ['nginx.service', 'inactive', 'success', 'disabled', 'nginx: its nginx.conf decides'],
    ]);
    expect(units[0]!.command).toBe('/usr/bin/python3 -m http.server 8080');
  });
});
