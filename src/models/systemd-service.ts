/**
 * Which TCP port a systemd service is configured to listen on, read from its `ExecStart=` command
 * line and `Environment=` only where that can be told for sure: an option whose meaning is known
 * for that program (`gunicorn --bind 0.0.0.0:8080`, `uvicorn --port 8080`, `postgres -p 5433`,
 * `python3 -m http.server 8080`, `java -jar app.jar --server.port=8080`), a documented default of a
 * program that reads no configuration file, or `PORT=8080` for programs that follow that convention.
 * Never a guess from a number: anything else is `unknown` with the reason (a configuration file
 * decides, the program's code decides, an `EnvironmentFile=` tshoot does not read…).
 *
 * systemd.service(5) "Command lines": words split on blanks with "…"/'…' quoting, the prefixes
 * `@-:+!|` on the first, `$VAR` as a word of its own split on blanks, `${VAR}` inside a word; `%`
 * specifiers (`%i`) are resolved by systemd (systemctl show prints them resolved; a unit file's
 * line still holds them: unknown). The flow asks the socket model (models/socket.ts) whether the
 * sockets `serviceSockets` lists would take the requested address:port.
 */
import { list, struct, type Infer } from '../parsers/types.js';
import { SERVICE_STATE_FIELDS, type SystemdService, type SystemdServices } from '../parsers/systemd-units.js';
import { ssParser, type SsOutput } from '../parsers/ss.js';

const PORT_TYPE = struct('ServicePort', {
  port: 'int',
  /** `0.0.0.0`, `::` (and IPv4: bindv6only 0 assumed), `*` (both families), an address; `''` not known. */
  addr: 'string',
  /** The words that tell it (`--bind 0.0.0.0:8080`, `PORT=8080 (Environment=)`, a default named). */
  evidence: 'string',
});
export type ServicePort = Infer<typeof PORT_TYPE>;

export const SERVICE_LISTENS_TYPE = struct('ServiceListens', {
  ...SERVICE_STATE_FIELDS,
  /** The ExecStart= the ports come from. */
  command: 'string',
  /** The program the rules recognised (`gunicorn`, `http.server`…), else its file name. */
  program: 'string',
  ports: list(PORT_TYPE),
  /** Why no port can be told (empty when `ports` is not). */
  unknown: 'string',
});
export type ServiceListens = Infer<typeof SERVICE_LISTENS_TYPE>;
/** What one ExecStart= tells: its program and ports, or why none can be told. */
export type ServiceListen = Pick<ServiceListens, 'program' | 'ports' | 'unknown'>;

/** Every service of `systemctl show`, with what its (last) ExecStart= tells of its port. */
export function serviceListens(show: SystemdServices): ServiceListens[] {
  return show.units.map((u: SystemdService) => {
    // Type=oneshot may have several; the long-running one of a simple/notify service is the only one.
    const command = u.exec_start.at(-1) ?? '';
    const l = command === '' ? { program: '', ports: [], unknown: 'no ExecStart=' } : serviceListen(command, u.environment, u.environment_files);
    return { unit: u.unit, active_state: u.active_state, sub_state: u.sub_state, result: u.result, unit_file_state: u.unit_file_state, fragment_path: u.fragment_path, command, ...l };
  });
}

/** The sockets a service's known ports open, as `ss -ltnpe` would list them (ports whose address is not known are left out). */
export function serviceSockets(l: Pick<ServiceListen, 'ports' | 'program'>): SsOutput {
  const lines = l.ports
    .filter((p) => p.addr !== '')
    .map((p) => {
      const v6 = p.addr.includes(':') || p.addr === '*';
      const local = p.addr === '::' || p.addr === '*' ? '*' : v6 ? `[${p.addr}]` : p.addr;
      const dual = local === '*';
      return `LISTEN 0 4096 ${local}:${p.port} ${v6 ? '[::]:*' : '0.0.0.0:*'} users:(("${l.program.replace(/[^A-Za-z0-9._-]/g, '')}",pid=1,fd=3))${v6 ? ` v6only:${dual ? 0 : 1}` : ''}`;
    });
  return ssParser.parse(lines.join('\n'));
}

/**
 * One ExecStart= command line (a unit file's, or systemctl show's argv joined by spaces) with the
 * unit's `Environment=` (`NAME=value` each) and its `EnvironmentFiles=` (not read: named when a
 * value may come from them).
 */
export function serviceListen(execStart: string, environment: readonly string[] = [], environmentFiles: readonly string[] = []): ServiceListen {
  const env = new Map<string, string>();
  for (const e of environment) {
    const eq = e.indexOf('=');
    if (eq > 0) env.set(e.slice(0, eq), e.slice(eq + 1));
  }
  const files = environmentFiles.map((f) => f.replace(/^-/, ''));
  const ctx: Ctx = { env, files, unresolved: [] };
  let argv = expand(splitCommand(execStart), ctx);
  // Wrappers that run the real program: env, exec, a shell's -c, nice/ionice/setpriv/runuser/chpst…
  for (let guard = 0; guard < 8; guard++) {
    const w = unwrap(argv, ctx);
    if (w === null) break;
    if (typeof w === 'string') return { program: base(argv[0] ?? ''), ports: [], unknown: w };
    argv = w;
  }
  const prog = base(argv[0] ?? '');
  if (prog === '') return { program: '', ports: [], unknown: 'an empty command line' };
  const { name, args } = program(prog, argv.slice(1));
  const spec = SPECS[name] ?? (name.endsWith('_exporter') ? EXPORTER : undefined);
  if (ctx.unresolved.some((u) => u.word)) {
    const u = ctx.unresolved.find((x) => x.word)!;
    return { program: name, ports: [], unknown: `its options include $${u.name}: ${fileWhy(ctx, u.name)}` };
  }
  return { program: name, ...decide(name, spec, args, ctx) };
}

// ---------------------------------------------------------------------------------------------

interface Ctx {
  env: Map<string, string>;
  files: string[];
  /** Variables used but not set by Environment= (word: a whole word, `$VAR`, that may hold options). */
  unresolved: Array<{ name: string; word: boolean }>;
}

interface Spec {
  /** Options whose value is a port. */
  port?: string[];
  /** Options whose value is an address. */
  host?: string[];
  /** Options whose value is ADDR:PORT (a URL, `unix:` for no TCP); they may repeat. */
  bind?: string[];
  /** Options taking a value that are none of those (so a positional argument is found right). */
  valued?: string[];
  /** The first positional argument: a port, an [ADDR:]PORT, or a configuration file. */
  positional?: 'port' | 'addrport' | 'config';
  /** Options naming a configuration file that may set the port. */
  config?: string[];
  /** Options that make it listen on no TCP port. */
  noTcp?: string[];
  /** Environment variables it reads. */
  envPort?: string;
  envHost?: string;
  /** Its own default when nothing is set (documented), or why there is none. */
  def?: { port: number; addr: string; doc: string } | { unknown: string };
  /** `:PORT` means every address (Go's net.Listen, varnish). */
  emptyHostAll?: boolean;
  /** `-pVALUE` attached short options. */
  attached?: boolean;
}

const CODE_DECIDES = "its code decides (no --port, no PORT= in Environment=)";
const GO_ALL = { emptyHostAll: true, bind: ['--web.listen-address'], valued: ['--config.file', '--storage.tsdb.path', '--web.config.file', '--collector.textfile.directory'] };
const EXPORTER: Spec = { ...GO_ALL, def: { unknown: 'an exporter: its default port is its own (see its --help)' } };

/** The programs whose options are known (their --help and documentation). */
const SPECS: Record<string, Spec> = {
  // python -m http.server [-b ADDR] [-d DIR] [port]: "binds to all interfaces", port 8000 (docs.python.org/3/library/http.server.html).
  'http.server': { host: ['-b', '--bind'], valued: ['-d', '--directory', '-p', '--protocol'], positional: 'port', def: { port: 8000, addr: '0.0.0.0', doc: 'all addresses, port 8000' } },
  SimpleHTTPServer: { positional: 'port', def: { port: 8000, addr: '0.0.0.0', doc: 'all addresses, port 8000' } },
  // uvicorn: --host 127.0.0.1 --port 8000 by default; UVICORN_* environment (uvicorn.org/settings).
  uvicorn: { port: ['--port'], host: ['--host'], noTcp: ['--uds', '--fd'], valued: ['--workers', '--log-level', '--root-path', '--app-dir', '--env-file', '--log-config', '--lifespan', '--loop', '--http', '--ws', '--interface', '--limit-concurrency', '--timeout-keep-alive', '--ssl-keyfile', '--ssl-certfile', '--forwarded-allow-ips', '--reload-dir', '--factory'], envPort: 'UVICORN_PORT', envHost: 'UVICORN_HOST', def: { port: 8000, addr: '127.0.0.1', doc: '127.0.0.1:8000' } },
  // gunicorn: -b/--bind (repeatable); without it ./gunicorn.conf.py may set bind, else 127.0.0.1:8000 or 0.0.0.0:$PORT (docs.gunicorn.org/en/stable/settings.html#bind).
  gunicorn: { bind: ['-b', '--bind'], config: ['-c', '--config'], valued: ['-w', '--workers', '-k', '--worker-class', '-t', '--timeout', '--chdir', '--log-level', '--access-logfile', '--error-logfile', '-u', '--user', '-g', '--group', '--pid', '--threads', '-e', '--env', '--name', '-n', '--max-requests', '--pythonpath', '--log-file', '--graceful-timeout', '--keep-alive', '--worker-tmp-dir', '--forwarded-allow-ips'], attached: true, def: { unknown: 'no --bind: gunicorn.conf.py in its working directory, or GUNICORN_CMD_ARGS, may set it' } },
  hypercorn: { bind: ['-b', '--bind'], config: ['-c', '--config'], valued: ['-w', '--workers', '-k', '--worker-class', '--log-level', '--access-logfile', '--error-logfile', '--root-path'], def: { port: 8000, addr: '127.0.0.1', doc: '127.0.0.1:8000' } },
  // daphne -b 0.0.0.0 -p 8001 (github.com/django/daphne): 127.0.0.1:8000 by default; -e endpoints are Twisted's syntax (not read).
  daphne: { port: ['-p', '--port'], host: ['-b', '--bind'], noTcp: ['-u', '--unix-socket', '--fd'], config: ['-e', '--endpoint'], valued: ['--access-log', '-t', '--http-timeout', '--root-path', '--proxy-headers-host', '--proxy-headers-port', '-v', '--verbosity'], def: { port: 8000, addr: '127.0.0.1', doc: '127.0.0.1:8000' } },
  // waitress-serve --listen=HOST:PORT, or --host/--port: 0.0.0.0:8080 by default (docs.pylonsproject.org/projects/waitress/en/stable/arguments.html).
  'waitress-serve': { bind: ['--listen'], port: ['--port'], host: ['--host'], noTcp: ['--unix-socket'], valued: ['--threads', '--url-scheme', '--url-prefix', '--ident', '--backlog', '--call'], def: { port: 8080, addr: '0.0.0.0', doc: '0.0.0.0:8080' } },
  // flask run: 127.0.0.1:5000, FLASK_RUN_HOST/FLASK_RUN_PORT (flask.palletsprojects.com/en/stable/cli/).
  'flask run': { port: ['-p', '--port'], host: ['-h', '--host'], valued: ['--cert', '--key', '--extra-files', '--exclude-patterns'], envPort: 'FLASK_RUN_PORT', envHost: 'FLASK_RUN_HOST', def: { port: 5000, addr: '127.0.0.1', doc: '127.0.0.1:5000' } },
  // manage.py runserver [addrport]: 127.0.0.1:8000 (docs.djangoproject.com/en/stable/ref/django-admin/#runserver).
  'manage.py runserver': { positional: 'addrport', valued: ['--settings', '--pythonpath'], def: { port: 8000, addr: '127.0.0.1', doc: '127.0.0.1:8000' } },
  // php -S addr:port [-t docroot] (the built-in web server).
  php: { bind: ['-S'], valued: ['-t', '-c', '-d', '-z'], def: { unknown: 'php without -S runs a script: its code decides' } },
  // redis-server [/path/to/redis.conf] [--port N] [--bind ADDR…]: 6379 when neither sets it.
  'redis-server': { port: ['--port'], host: ['--bind'], positional: 'config', valued: ['--protected-mode', '--daemonize', '--supervised', '--dir', '--logfile', '--pidfile', '--save', '--appendonly', '--requirepass', '--maxmemory'], def: { port: 6379, addr: '', doc: 'port 6379 (its bind default depends on the version)' } },
  // postgres -p PORT -h ADDRS, or -c port=N: else port= in postgresql.conf decides.
  postgres: { port: ['-p'], host: ['-h'], valued: ['-D', '-B', '-N', '-k', '-r', '-S', '-d'], attached: true, def: { unknown: 'port= in postgresql.conf (its data directory) decides' } },
  'pg_ctlcluster': { def: { unknown: "the cluster's postgresql.conf decides (/etc/postgresql/VERSION/NAME/postgresql.conf)" } },
  'pg_ctl': { def: { unknown: "the cluster's postgresql.conf decides" } },
  mysqld: { port: ['-P', '--port'], host: ['--bind-address'], attached: true, valued: ['--basedir', '--datadir', '--plugin-dir', '--user', '--log-error', '--pid-file', '--socket', '--defaults-file', '--defaults-extra-file'], def: { unknown: 'port= in my.cnf decides (3306 unless set)' } },
  // mongod: --port/--bind_ip, else the --config file; 27017 on localhost without one (mongodb.com/docs/manual/reference/program/mongod/).
  mongod: { port: ['--port'], host: ['--bind_ip'], config: ['-f', '--config'], valued: ['--dbpath', '--logpath', '--replSet', '--keyFile', '--pidfilepath'], def: { port: 27017, addr: '127.0.0.1', doc: 'localhost:27017' } },
  // memcached -p 11211 -l ADDR: TCP 11211 on every address by default (memcached -h).
  memcached: { port: ['-p', '--port'], host: ['-l', '--listen'], attached: true, valued: ['-U', '--udp-port', '-m', '--memory-limit', '-c', '--conn-limit', '-u', '--user', '-t', '--threads', '-P', '--pidfile', '-s', '--unix-socket', '-I', '--max-item-size', '-o', '--extended'], def: { port: 11211, addr: '0.0.0.0', doc: 'every address, port 11211' } },
  sshd: { port: ['-p'], config: ['-f'], attached: true, valued: ['-o', '-E', '-h', '-c', '-k', '-g', '-u', '-C'], def: { unknown: 'Port in /etc/ssh/sshd_config decides' } },
  'php-fpm': { def: { unknown: "listen= in its pools' configuration (php-fpm.d/*.conf) decides" } },
  // Spring Boot's --server.port / -Dserver.port, Jenkins' --httpPort: else the application decides.
  java: { def: { unknown: 'the application decides (no --server.port, -Dserver.port or --httpPort)' } },
  node: { port: ['--port'], host: ['--host'], envPort: 'PORT', def: { unknown: `the program decides: ${CODE_DECIDES}` } },
  'http-server': { port: ['-p', '--port'], host: ['-a'], valued: ['-c', '-e', '--ext', '-s', '-S', '-C', '-K', '--proxy', '-t', '-P', '-u', '--username', '--password'], def: { unknown: 'no -p: http-server picks the first free port from 8080' } },
  rails: { port: ['-p', '--port'], host: ['-b', '--binding'], valued: ['-e', '--environment', '-c', '--config', '-P', '--pid', '-u', '--using'], def: { unknown: 'no -p: config/puma.rb or PORT decides' } },
  puma: { bind: ['-b', '--bind'], port: ['-p', '--port'], config: ['-C', '--config'], valued: ['-e', '--environment', '-t', '--threads', '-w', '--workers', '--pidfile', '--dir'], def: { unknown: 'no --bind: config/puma.rb decides' } },
  dotnet: { bind: ['--urls'], def: { unknown: 'ASP.NET decides (no --urls, no ASPNETCORE_URLS=)' } },
  varnishd: { bind: ['-a'], emptyHostAll: true, valued: ['-f', '-s', '-T', '-n', '-p', '-P', '-S', '-b', '-t', '-w', '-j', '-I', '-l', '-i'], def: { unknown: 'no -a: varnishd listens on :80 and :6081 unless its version says otherwise' } },
  prometheus: { ...GO_ALL, def: { port: 9090, addr: '*', doc: 'every address, port 9090 (--web.listen-address=0.0.0.0:9090)' } },
  node_exporter: { ...GO_ALL, def: { port: 9100, addr: '*', doc: 'every address, port 9100 (--web.listen-address=:9100)' } },
  alertmanager: { ...GO_ALL, def: { port: 9093, addr: '*', doc: 'every address, port 9093 (--web.listen-address=:9093)' } },
};
for (const [alias, name] of [['nodejs', 'node'], ['bun', 'node'], ['deno', 'node'], ['npm', 'node'], ['yarn', 'node'], ['pnpm', 'node'], ['postmaster', 'postgres'], ['mariadbd', 'mysqld'], ['mysqld_safe', 'mysqld'], ['uvicorn.workers', 'uvicorn']] as const) SPECS[alias] = SPECS[name]!;
/** Programs whose configuration file decides where they listen. */
const CONFIGURED = new Map<string, string>([
  ['nginx', 'its nginx.conf'],
  ['apache2', 'its Listen lines'],
  ['httpd', 'its Listen lines'],
  ['haproxy', 'its bind lines'],
  ['caddy', 'its Caddyfile'],
  ['lighttpd', 'its server.port'],
  ['traefik', 'its entryPoints'],
  ['envoy', 'its listeners'],
  ['grafana-server', 'http_port in grafana.ini'],
  ['grafana', 'http_port in grafana.ini'],
  ['docker', "the container's published ports (-p) and docker's proxy or NAT"],
  ['podman', "the container's published ports (-p) and podman's proxy or NAT"],
]);

function decide(name: string, spec: Spec | undefined, args: string[], ctx: Ctx): Omit<ServiceListen, 'program'> {
  if (CONFIGURED.has(name)) return { ports: [], unknown: `${name}: ${CONFIGURED.get(name)!} decides` };
  if (name === 'socat') return socat(args);
  if (name === 'java') return java(args, ctx);
  const s: Spec = spec ?? { port: ['--port'], host: ['--host', '--address', '--bind-address', '--listen-address'], bind: ['--listen', '--bind', '--web.listen-address', '--http-address', '--http.addr'] };
  const opts = readOptions(args, s);
  if (opts.noTcp) return { ports: [], unknown: `${opts.noTcp}: it listens on no TCP port` };
  const ports: ServicePort[] = [];
  const unix: string[] = [];
  for (const b of opts.binds) {
    const p = addrPort(b.value, s.emptyHostAll === true);
    if (p === 'unix') {
      unix.push(b.text);
      continue;
    }
    if (p === null) return { ports: [], unknown: b.value.includes('${') ? `${b.text}: its value comes from an EnvironmentFile= tshoot does not read` : `${b.text}: not an address and port tshoot can read` };
    ports.push({ ...p, evidence: b.text });
  }
  if (name === 'dotnet' && ports.length === 0 && ctx.files.length === 0 && ctx.env.has('ASPNETCORE_URLS')) {
    for (const u of ctx.env.get('ASPNETCORE_URLS')!.split(';')) {
      const p = addrPort(u, false);
      if (p && p !== 'unix') ports.push({ ...p, evidence: `ASPNETCORE_URLS=${ctx.env.get('ASPNETCORE_URLS')!} (Environment=)` });
    }
  }
  if (ports.length > 0) return { ports, unknown: '' };
  if (unix.length > 0) return { ports: [], unknown: `${unix.join(', ')}: a unix socket, no TCP port` };
  if (opts.bad) return { ports: [], unknown: opts.bad };
  // A port option, else the variable the program reads, else the first positional argument, else its default.
  let port: { port: number; evidence: string } | undefined;
  if (opts.port) port = opts.port;
  else if (s.envPort && ctx.files.length > 0) return { ports: [], unknown: fileWhy(ctx, s.envPort) };
  else if (s.envPort && ctx.env.has(s.envPort)) {
    const v = ctx.env.get(s.envPort)!;
    if (!isPort(v)) return { ports: [], unknown: `${s.envPort}=${v} (Environment=): not a port` };
    port = { port: Number(v), evidence: `${s.envPort}=${v} (Environment=)` };
  }
  else if (opts.positional !== undefined && s.positional === 'port') {
    if (!isPort(opts.positional)) return { ports: [], unknown: `${name} ${opts.positional}: ${opts.positional.includes('${') ? 'its value comes from an EnvironmentFile= tshoot does not read' : 'not a port'}` };
    port = { port: Number(opts.positional), evidence: `${name} ${opts.positional}` };
  } else if (opts.positional !== undefined && s.positional === 'addrport') {
    const p = addrPort(/^\d+$/.test(opts.positional) ? `127.0.0.1:${opts.positional}` : opts.positional, false);
    if (p === null || p === 'unix') return { ports: [], unknown: `${name} ${opts.positional}: not an address and port tshoot can read` };
    return { ports: [{ ...p, evidence: `${name} ${opts.positional}` }], unknown: '' };
  }
  let addr = opts.host?.addr;
  let addrWhy = opts.host?.evidence;
  if (addr === undefined && s.envHost && ctx.files.length > 0) {
    addr = '';
    addrWhy = `(its address: ${fileWhy(ctx, s.envHost)})`;
  } else if (addr === undefined && s.envHost && ctx.env.has(s.envHost)) {
    addr = normalHost(ctx.env.get(s.envHost)!) ?? '';
    addrWhy = `${s.envHost}=${ctx.env.get(s.envHost)!} (Environment=)`;
  }
  if (opts.config && !opts.port) return { ports: [], unknown: `${opts.config}: its configuration file may set the port (not read)` };
  if (opts.positional !== undefined && s.positional === 'config' && !opts.port) return { ports: [], unknown: `${name} ${opts.positional}: the port in that configuration file decides (not read)` };
  const def = s.def;
  if (!port) {
    if (!def) return { ports: [], unknown: `${name}: its command line names no port (its configuration or code decides)` };
    if ('unknown' in def) return { ports: [], unknown: def.unknown };
    const a = addr ?? def.addr;
    return { ports: [{ port: def.port, addr: a, evidence: `${name}'s default${addrWhy ? ` port ${def.port}, ${addrWhy}` : `: ${def.doc}`}` }], unknown: '' };
  }
  const a = addr ?? (def && !('unknown' in def) ? def.addr : '');
  const why = addrWhy ? `${port.evidence} ${addrWhy}` : def && !('unknown' in def) && def.addr !== '' ? `${port.evidence} (${name}'s default address ${def.addr})` : port.evidence;
  return { ports: [{ port: port.port, addr: a, evidence: why }], unknown: '' };
}

interface Options {
  binds: Array<{ value: string; text: string }>;
  port?: { port: number; evidence: string };
  host?: { addr: string; evidence: string };
  positional?: string;
  config?: string;
  noTcp?: string;
  bad?: string;
}

function readOptions(args: string[], s: Spec): Options {
  const out: Options = { binds: [] };
  const has = (list: string[] | undefined, o: string) => list !== undefined && list.includes(o);
  const valued = (o: string) => has(s.port, o) || has(s.host, o) || has(s.bind, o) || has(s.valued, o) || has(s.config, o) || has(s.noTcp, o);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    let opt = a;
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      opt = a.slice(0, eq);
      value = a.slice(eq + 1);
    } else if (s.attached && /^-[A-Za-z]./.test(a) && !a.startsWith('--') && valued(a.slice(0, 2))) {
      opt = a.slice(0, 2);
      value = a.slice(2);
    }
    if (!a.startsWith('-') || a === '-') {
      if (out.positional === undefined) out.positional = a;
      continue;
    }
    if (!valued(opt)) {
      if (has(s.noTcp, opt)) out.noTcp = opt;
      continue;
    }
    if (value === undefined) value = args[++i] ?? '';
    const text = a.includes('=') || a.length > opt.length ? a : `${opt} ${value}`;
    if (has(s.noTcp, opt)) out.noTcp = text;
    else if (has(s.bind, opt)) out.binds.push({ value, text });
    else if (has(s.config, opt)) out.config = text;
    else if (has(s.port, opt)) {
      if (!isPort(value)) out.bad = value.includes('${') ? `${text}: its value comes from an EnvironmentFile= tshoot does not read` : `${text}: not a port`;
      else out.port = { port: Number(value), evidence: text };
    } else if (has(s.host, opt)) {
      const h = normalHost(value.split(/[ ,]/)[0] ?? '');
      out.host = { addr: h ?? '', evidence: text };
    }
  }
  return out;
}

/** Java: Spring Boot's `--server.port=`/`-Dserver.port=`, `server.address`, Jenkins' `--httpPort=`/`--httpListenAddress=`. */
function java(args: string[], ctx: Ctx): Omit<ServiceListen, 'program'> {
  let port: { port: number; evidence: string } | undefined;
  let host: { addr: string; evidence: string } | undefined;
  for (const a of args) {
    const m = /^(?:-D|--)(server\.port|httpPort|server\.address|httpListenAddress)=(.*)$/.exec(a);
    if (!m) continue;
    if (m[1] === 'server.port' || m[1] === 'httpPort') {
      if (!isPort(m[2]!)) return { ports: [], unknown: `${a}: not a port` };
      port = { port: Number(m[2]), evidence: a };
    } else host = { addr: normalHost(m[2]!) ?? '', evidence: a };
  }
  if (!port && ctx.files.length === 0 && ctx.env.has('SERVER_PORT') && isPort(ctx.env.get('SERVER_PORT')!)) port = { port: Number(ctx.env.get('SERVER_PORT')), evidence: `SERVER_PORT=${ctx.env.get('SERVER_PORT')!} (Environment=)` };
  if (!port) return { ports: [], unknown: SPECS.java!.def && 'unknown' in SPECS.java!.def ? SPECS.java!.def.unknown : '' };
  // server.address unset: Tomcat/Jetty bind every address, unless application.properties sets it (not read).
  return { ports: [{ port: port.port, addr: host?.addr ?? '', evidence: host ? `${port.evidence} ${host.evidence}` : port.evidence }], unknown: '' };
}

/** socat TCP-LISTEN:8080,fork[,bind=ADDR] …: IPv4 (TCP6-LISTEN: IPv6) on every address unless bind=. */
function socat(args: string[]): Omit<ServiceListen, 'program'> {
  for (const a of args) {
    const m = /^(TCP4?|TCP6)-L(?:ISTEN)?:(\d+)((?:,[^,]*)*)$/i.exec(a);
    if (!m) continue;
    if (!isPort(m[2]!)) return { ports: [], unknown: `${a}: not a port` };
    const bind = /,bind=([^,]+)/i.exec(m[3] ?? '')?.[1];
    const v6 = m[1]!.toUpperCase() === 'TCP6';
    return { ports: [{ port: Number(m[2]), addr: bind !== undefined ? (normalHost(bind) ?? '') : v6 ? '::' : '0.0.0.0', evidence: a }], unknown: '' };
  }
  return { ports: [], unknown: 'socat: no TCP-LISTEN address' };
}

/** `0.0.0.0:8080`, `[::]:8080`, `*:8080`, `tcp://host:port`, `http://+:5000`, `:8080`, `localhost:8080`; `unix:` → 'unix'. */
function addrPort(v: string, emptyHostAll: boolean): { port: number; addr: string } | 'unix' | null {
  let s = v.trim();
  if (/^(unix|fd):/i.test(s) || s.startsWith('/')) return 'unix';
  s = s.replace(/^(?:tcp|http|https|ssl):\/\//i, '').replace(/\/.*$/, '');
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*):(\d+)$/.exec(s);
  if (!m) return null;
  if (!isPort(m[2]!)) return null;
  const h = m[1]!;
  const addr = h === '' ? (emptyHostAll ? '*' : '') : (normalHost(h) ?? '');
  return { port: Number(m[2]), addr };
}

/** An address the socket model can place, or null for a name (resolved when it starts: not known here). */
function normalHost(h: string): string | null {
  const x = h.replace(/^\[|\]$/g, '');
  if (x === '*' || x === '+') return '*';
  if (x === 'localhost') return '127.0.0.1';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(x)) return x;
  if (x.includes(':') && /^[0-9A-Fa-f:.]+$/.test(x)) return x;
  return null;
}

function isPort(v: string): boolean {
  return /^\d{1,5}$/.test(v) && Number(v) > 0 && Number(v) <= 65535;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** The program the rules know: `python3 -m http.server` → http.server, `flask run`, `manage.py runserver`, `php-fpm8.2` → php-fpm. */
function program(prog: string, args: string[]): { name: string; args: string[] } {
  if (/^python[0-9.]*$/.test(prog) || prog === 'pypy3') {
    let i = 0;
    while (i < args.length && args[i]!.startsWith('-') && args[i] !== '-m') i += args[i] === '-X' || args[i] === '-W' ? 2 : 1;
    if (args[i] === '-m') return program(args[i + 1] ?? '', args.slice(i + 2));
    if (args[i] !== undefined) return program(base(args[i]!), args.slice(i + 1));
    return { name: prog, args: [] };
  }
  if (prog === 'flask' && args.includes('run')) return { name: 'flask run', args: args.filter((a) => a !== 'run') };
  if (prog === 'manage.py' && args[0] === 'runserver') return { name: 'manage.py runserver', args: args.slice(1) };
  if ((prog === 'rails' || prog === 'bin/rails') && (args[0] === 'server' || args[0] === 's')) return { name: 'rails', args: args.slice(1) };
  if (prog === 'bundle' && args[0] === 'exec') return program(base(args[1] ?? ''), args.slice(2));
  if (/^php-fpm[0-9.]*$/.test(prog)) return { name: 'php-fpm', args };
  if (/^php[0-9.]*$/.test(prog)) return { name: 'php', args };
  if (prog === 'uvicorn.workers') return { name: 'uvicorn', args };
  if (/^node\d*$/.test(prog)) return { name: 'node', args };
  return { name: prog, args };
}

const SHELL_OPS = /(^|\s)(;|&&|\|\||\||&|>|<|\$\(|`)/;

/** One wrapper taken off the front (env, exec, sh -c, nice, runuser…), or null for none, or why it cannot be read. */
function unwrap(argv: string[], ctx: Ctx): string[] | string | null {
  const p = base(argv[0] ?? '');
  if (p === 'env') {
    let i = 1;
    while (i < argv.length && (argv[i]!.startsWith('-') || argv[i]!.includes('='))) {
      const a = argv[i]!;
      if (a === '-u' || a === '-C' || a === '--chdir' || a === '--unset') i++;
      else if (!a.startsWith('-')) ctx.env.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
      i++;
    }
    return argv.slice(i);
  }
  if (p === 'exec' || p === 'nohup' || p === 'setsid' || p === 'tini' || p === 'dumb-init') return argv.slice(argv[1] === '--' ? 2 : 1);
  if (p === 'nice' || p === 'ionice' || p === 'chrt' || p === 'taskset' || p === 'stdbuf') {
    let i = 1;
    while (i < argv.length && argv[i]!.startsWith('-')) i += /^-[nNcpCoie]$/.test(argv[i]!) ? 2 : 1;
    return argv.slice(i);
  }
  if (p === 'runuser' || p === 'sudo' || p === 'setpriv' || p === 'chpst' || p === 'authbind') {
    const i = argv.indexOf('--');
    if (i > 0) return argv.slice(i + 1);
    let j = 1;
    while (j < argv.length && argv[j]!.startsWith('-')) j += /^-[ugU]$/.test(argv[j]!) ? 2 : 1;
    return argv.slice(j);
  }
  if (/^(ba|da|z|k)?sh$/.test(p)) {
    const c = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c$/.test(a));
    if (c < 0) return 'a shell script: its code decides';
    // A unit file keeps `-c '…'` one word; systemctl show prints argv joined by spaces.
    const rest = argv.slice(c + 1);
    const script = rest.length === 1 ? rest[0]! : rest.join(' ');
    if (SHELL_OPS.test(script)) return `a shell command line (${script.slice(0, 80)}): tshoot does not read scripts`;
    return expand(splitCommand(script), ctx);
  }
  return null;
}

/** systemd's splitting of a command line: blanks, "…" and '…' quotes, `\` escapes; the prefixes `@-:+!|` on the first word. */
function splitCommand(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = Math.min(line.length, 65536);
  while (i < n && out.length < 256) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    let w = '';
    while (i < n && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const q = c;
        i++;
        while (i < n && line[i] !== q) {
          if (line[i] === '\\' && q === '"' && i + 1 < n) i++;
          w += line[i];
          i++;
        }
        i++;
      } else if (c === '\\' && i + 1 < n) {
        w += line[i + 1];
        i += 2;
      } else {
        w += c;
        i++;
      }
    }
    out.push(w);
  }
  if (out.length > 0) {
    const first = out[0]!;
    const stripped = first.replace(/^[@\-:+!|]+/, '');
    if (first.startsWith('@') || first.replace(/^[\-:+!|]+/, '').startsWith('@')) out.splice(0, 2, stripped);
    else out[0] = stripped;
  }
  return out;
}

/**
 * `$VAR` alone → its words; `${VAR}` → its value; unset → empty. With an EnvironmentFile= no value is
 * certain: "settings from these files override settings made with Environment=" (systemd.exec(5)),
 * and tshoot does not read them; the variable is remembered, `${VAR}` left as it is.
 */
function expand(words: string[], ctx: Ctx): string[] {
  const out: string[] = [];
  for (const w of words) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w);
    if (whole) {
      const v = envGet(ctx, whole[1]!);
      if (v === FROM_FILE) ctx.unresolved.push({ name: whole[1]!, word: true });
      else if (v !== undefined) out.push(...v.split(/\s+/).filter((x) => x !== ''));
      continue;
    }
    out.push(
      w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name: string) => {
        const v = envGet(ctx, name);
        if (v === FROM_FILE) {
          ctx.unresolved.push({ name, word: false });
          return all;
        }
        return v ?? '';
      }),
    );
  }
  return out;
}

const FROM_FILE = Symbol('from an EnvironmentFile=');

/** A variable's value, or FROM_FILE when an EnvironmentFile= may set or override it. */
function envGet(ctx: Ctx, name: string): string | typeof FROM_FILE | undefined {
  if (ctx.files.length > 0) return FROM_FILE;
  return ctx.env.get(name);
}

/** Why a value from the environment is not known. */
function fileWhy(ctx: Ctx, name: string): string {
  return `${name} may be set in EnvironmentFile=${ctx.files.join(', ')}, which tshoot does not read`;
}

