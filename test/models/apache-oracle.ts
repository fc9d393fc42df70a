/**
 * The Apache oracle cases (../shared/oracle-apache/cases, read at test time): each case's site
 * config, file tree, CGI stand-ins and URLs, run on the real apache2 on loopback.
 *
 * - /tmp/apache-oracle/ moves to a fresh temp folder; every port the case names moves to a free
 *   one (URLs follow); the upstreams (127.0.0.1:19280 HTTP, 127.0.0.1:9000/19200 FastCGI, the
 *   php-fpm unix socket) go to the stand-in applications of nginx-oracle.ts (the same semantics).
 * - A generated apache2.conf owns ServerRoot, PidFile, Mutex, User/Group, ErrorLog, LogLevel
 *   info, loads Debian's default modules and the case's own (mods-available/*.load and .conf),
 *   includes Debian's base (unless `"base": "none"`) and the site, and logs every request with
 *   GlobalLog: its id, `%>s`, `%f` (the file it mapped), `%U`, `%R` (the handler), `%{Location}o`.
 * - A CGI stand-in answers 200 for its routes (PATH_INFO, `/` when empty; `*`: any), else 404.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { Oracle } from './nginx-oracle.js';

export const APACHE_ORACLE = new URL('../../../shared/oracle-apache/', import.meta.url).pathname;
const OLD = '/tmp/apache-oracle/';
const DEBIAN_MODULES = ['mpm_event', 'access_compat', 'alias', 'auth_basic', 'authn_core', 'authn_file', 'authz_core', 'authz_host', 'authz_user', 'autoindex', 'deflate', 'dir', 'env', 'filter', 'mime', 'negotiation', 'reqtimeout', 'setenvif', 'status', 'log_config'];

export interface ApacheCaseJson {
  title: string;
  port: number;
  base?: string;
  modules?: string[];
  files: string[];
  contents?: Record<string, string>;
  copy?: Record<string, string>;
  cgi?: Record<string, string[]>;
  app_routes?: string[];
  urls: string[];
}

export interface ApacheOracleRequest {
  line: string;
  addr: string;
  port: number;
  host: string;
  path: string;
}

export interface ApacheAnswer {
  status: number;
  filename: string;
  uri: string;
  handler: string;
  location: string;
}

export function apacheCaseIds(): string[] {
  const d = join(APACHE_ORACLE, 'cases');
  return existsSync(d) ? readdirSync(d).filter((c) => existsSync(join(d, c, 'case.json'))).sort() : [];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The stand-ins (from the nginx oracle) and the port map shared by every case. */
export class ApacheOracle {
  readonly apps = new Oracle();
  readonly ports = new Map<number, number>();
  get dir(): string {
    return this.apps.dir;
  }

  async start(): Promise<void> {
    await this.apps.start();
    chmodSync(this.dir, 0o755);
    // Apache's workers (www-data) connect to the php-fpm stand-in's socket.
    chmodSync(join(this.dir, 'run', 'php-fpm.sock'), 0o777);
    this.ports.set(19280, this.apps.ports.get(19080)!);
    this.ports.set(9000, this.apps.ports.get(19000)!);
    this.ports.set(19200, this.apps.ports.get(19000)!);
  }

  async stop(): Promise<void> {
    await this.apps.stop();
  }

  rewrite(text: string): string {
    return text
      .replaceAll(`${OLD}run/php-fpm.sock`, join(this.dir, 'run', 'php-fpm.sock'))
      .replaceAll(OLD, `${this.dir}/ap/`)
      .replace(/\b(18[23]\d\d|19280|19200)\b/g, (m) => String(this.ports.get(Number(m)) ?? m))
      .replace(/\b127\.0\.0\.1:9000\b/g, `127.0.0.1:${this.ports.get(9000)}`);
  }

  async load(id: string): Promise<ApacheOracleCase> {
    const src = join(APACHE_ORACLE, 'cases', id);
    const json = JSON.parse(readFileSync(join(src, 'case.json'), 'utf8')) as ApacheCaseJson;
    const texts = readdirSync(src).filter((f) => statSync(join(src, f)).isFile()).map((f) => readFileSync(join(src, f), 'utf8')).join('\n');
    for (const m of texts.matchAll(/\b(18[23]\d\d)\b/g)) if (!this.ports.has(Number(m[1]))) this.ports.set(Number(m[1]), await freePort());
    if (!this.ports.has(json.port)) this.ports.set(json.port, await freePort());
    return new ApacheOracleCase(this, id, src, json);
  }
}

export class ApacheOracleCase {
  readonly root: string;
  readonly conf: string;
  readonly www: string;
  readonly requests: ApacheOracleRequest[];
  private proc: ChildProcess | undefined;
  private seq = 0;
  unsupported = '';

  constructor(
    readonly o: ApacheOracle,
    readonly id: string,
    src: string,
    readonly json: ApacheCaseJson,
  ) {
    this.root = join(o.dir, 'apache', id);
    this.www = join(o.dir, 'ap', 'www', id);
    mkdirSync(join(this.root, 'logs'), { recursive: true });
    mkdirSync(join(this.root, 'run'), { recursive: true });
    const copyTree = (from: string, to: string): void => {
      if (statSync(from).isDirectory()) {
        mkdirSync(to, { recursive: true });
        for (const c of readdirSync(from)) copyTree(join(from, c), join(to, c));
      } else writeFileSync(to, o.rewrite(readFileSync(from, 'utf8')));
    };
    for (const f of readdirSync(src)) if (f !== 'case.json') copyTree(join(src, f), join(this.root, f));
    copyTree(join(APACHE_ORACLE, 'include'), join(this.root, 'include'));
    copyTree(join(APACHE_ORACLE, 'base'), join(this.root, 'base'));
    for (const f of json.files) {
      const p = join(this.www, f);
      if (f.endsWith('/')) mkdirSync(p, { recursive: true });
      else {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, json.contents?.[f] ?? `${f}\n`);
      }
    }
    for (const [to, from] of Object.entries(json.copy ?? {})) {
      mkdirSync(dirname(join(this.www, to)), { recursive: true });
      writeFileSync(join(this.www, to), o.rewrite(readFileSync(join(src, from), 'utf8')));
    }
    for (const [script, routes] of Object.entries(json.cgi ?? {})) {
      const p = join(this.www, script);
      mkdirSync(dirname(p), { recursive: true });
      const test = routes.includes('*') ? 'true' : routes.map((r) => `[ "$P" = '${r}' ]`).join(' || ');
      writeFileSync(p, `#!/bin/sh\nP="\${PATH_INFO:-/}"\nif ${test}; then printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\ncgi %s\\n' "$P"; else printf 'Status: 404 Not Found\\r\\nContent-Type: text/plain\\r\\n\\r\\nno route\\n'; fi\n`);
      chmodSync(p, 0o755);
    }
    const mods = [...DEBIAN_MODULES, ...(json.modules ?? [])];
    const loads = mods.flatMap((m) => [`/etc/apache2/mods-available/${m}.load`, `/etc/apache2/mods-available/${m}.conf`]).filter((f) => existsSync(f));
    this.conf = join(this.root, 'apache2.conf');
    writeFileSync(
      this.conf,
      [
        `ServerRoot ${this.root}`,
        `Define ORACLE_ROOT ${this.www}`,
        `Define APACHE_LOG_DIR ${this.root}/logs`,
        `PidFile ${this.root}/run/httpd.pid`,
        `Mutex file:${this.root}/run default`,
        `DefaultRuntimeDir ${this.root}/run`,
        'User www-data',
        'Group www-data',
        `ErrorLog ${this.root}/logs/error.log`,
        'LogLevel info',
        'ServerName oracle.invalid',
        ...loads.map((f) => `Include ${f}`),
        `<IfModule cgid_module>\nScriptSock ${this.root}/run/cgid.sock\n</IfModule>`,
        'LogFormat "%{X-Oracle-Id}i\\t%>s\\t%f\\t%U\\t%R\\t%{Location}o" oracle',
        `GlobalLog ${this.root}/logs/oracle.log oracle`,
        ...(json.base === 'none' ? [] : [`Include ${this.root}/base/debian-apache2.conf`]),
        `Include ${this.root}/site.conf`,
        '',
      ].join('\n'),
    );
    this.requests = json.urls.map((line) => this.request(line));
  }

  private request(line: string): ApacheOracleRequest {
    const words = line.split(' ');
    const path = words.pop()!;
    let addr = '127.0.0.1';
    let port = this.json.port;
    let host = '';
    for (const w of words) {
      const ap = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(w);
      if (ap) {
        addr = ap[1]!;
        port = Number(ap[2]);
      } else if (/^\d+$/.test(w)) port = Number(w);
      else host = w;
    }
    const real = this.o.ports.get(port) ?? port;
    return { line, addr, port: real, host: host || `${addr}:${real}`, path };
  }

  private args(): string[] {
    return ['-d', this.root, '-f', this.conf];
  }

  /** What a flow reads on the server: the dump command, and grep of the ServerRoot. */
  dumps(): string[] {
    const d = spawnSync('apache2', [...this.args(), '-t', '-D', 'DUMP_VHOSTS', '-D', 'DUMP_RUN_CFG', '-D', 'DUMP_MODULES', '-D', 'DUMP_INCLUDES'], { encoding: 'utf8', timeout: 10_000 });
    const g = spawnSync('grep', ['-RnH', '-e', '', '--', this.root], { encoding: 'utf8', timeout: 10_000, maxBuffer: 64 << 20 });
    const unread = ['/etc/apache2/mods-available'];
    const u = spawnSync('grep', ['-RnH', '-e', '', '--', ...unread], { encoding: 'utf8', timeout: 10_000, maxBuffer: 64 << 20 });
    return [`${d.stdout}${d.stderr}`, g.stdout, u.stdout];
  }

  async start(): Promise<boolean> {
    const test = spawnSync('apache2', [...this.args(), '-t'], { encoding: 'utf8', timeout: 10_000 });
    if (test.status !== 0) {
      this.unsupported = `${test.stderr}${test.stdout}`.trim().split('\n').slice(0, 2).join(' ');
      return false;
    }
    this.proc = this.o.apps.daemon('apache2', [...this.args(), '-D', 'FOREGROUND']);
    const ports = [...new Set(this.requests.map((r) => `${r.addr}:${r.port}`))];
    for (let i = 0; i < 100; i++) {
      const up = await Promise.all(ports.map((hp) => connects(hp)));
      if (up.every(Boolean)) return true;
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new Error(`${this.id}: apache2 did not start listening on ${ports.join(', ')}: ${readFileSync(join(this.root, 'logs', 'error.log'), 'utf8').slice(-2000)}`);
  }

  /** apache2 and its children (workers, cgid, CGI scripts): its process group. */
  async stop(): Promise<void> {
    await this.o.apps.stopDaemon(this.proc, 5000);
  }

  async ask(req: ApacheOracleRequest): Promise<ApacheAnswer> {
    const id = `${this.id}-${++this.seq}`;
    const status = await new Promise<number>((resolve) => {
      const r = http.request({ host: req.addr, port: req.port, path: req.path, headers: { host: req.host, 'x-oracle-id': id, connection: 'close' }, agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('error', () => resolve(0));
      r.on('timeout', () => r.destroy());
      r.end();
    });
    const logFile = join(this.root, 'logs', 'oracle.log');
    for (let i = 0; i < 40; i++) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      const line = log.split('\n').find((l) => l.startsWith(`${id}\t`));
      if (line) {
        const [, st, f, u, h, loc] = line.split('\t');
        const dash = (s: string | undefined) => (s === '-' || s === undefined ? '' : s);
        return { status: Number(st), filename: dash(f), uri: dash(u), handler: dash(h), location: dash(loc) };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return { status, filename: '', uri: '', handler: '', location: '' };
  }
}

function connects(hostPort: string): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = net.connect({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
