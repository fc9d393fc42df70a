/**
 * The nginx oracle cases (../shared/oracle-nginx/cases, read at test time): each case's site
 * config, file tree, URLs and application routes, run on real nginx on loopback.
 *
 * - Paths under /tmp/ngx-oracle/ move to a fresh temp folder, and every 127.0.0.x:port the
 *   case names moves to a free port (the URLs follow), so runs never collide.
 * - Stand-in applications on loopback: HTTP (proxy_pass), uwsgi, and FastCGI (php-fpm, on the
 *   case's unix socket and TCP port). HTTP and uwsgi answer 200 for the case's `app_routes`,
 *   404 otherwise. FastCGI answers as php-fpm does for a script that is not a file (404 "File
 *   not found.", "Primary script unknown"); a script whose text lists `route /x` lines answers
 *   200 for those paths (REQUEST_URI, or what follows SCRIPT_NAME in it), 404 otherwise; any
 *   other script answers 200.
 * - nginx runs with `user root`, a log_format that writes the request's id, `$status`,
 *   `$request_filename`, `$uri`, `$upstream_addr` and `$host`, and the case's prefix (`-p`).
 * - Every server the oracle starts (nginx, apache2) is a process group of its own, killed whole
 *   when its case stops, and at `stop()` whatever is still running; `stop()` then removes the temp
 *   folder and throws if anything is left behind: a process or mount naming the folder, or a
 *   listener on a port the oracle handed out (a leak would make a later file's result depend on this one).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ORACLE = new URL('../../../shared/oracle-nginx/cases/', import.meta.url).pathname;
const OLD_ROOT = '/tmp/ngx-oracle/';

export interface CaseJson {
  title: string;
  port: number;
  prefix?: string;
  files: string[];
  contents?: Record<string, string>;
  app_routes?: string[];
  urls: string[];
}

export interface OracleRequest {
  /** The URL line as the case writes it. */
  line: string;
  addr: string;
  port: number;
  /** The Host header sent. */
  host: string;
  path: string;
}

export interface Answer {
  status: number;
  request_filename: string;
  uri: string;
  upstream_addr: string;
  host: string;
}

export function caseIds(): string[] {
  return existsSync(ORACLE) ? readdirSync(ORACLE).filter((d) => existsSync(join(ORACLE, d, 'case.json'))).sort() : [];
}

/** A free TCP port on 127.0.0.1 (the kernel's choice; bound and closed). */
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

const UPSTREAM_PORTS = [19080, 19001, 19000];

/** Process groups of servers not stopped yet, in this process: killed if it exits first. */
const running = new Set<number>();
process.once('exit', () => {
  for (const g of running) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

export class Oracle {
  /** The temp folder, made by `start()` (a skipped file makes none). */
  get dir(): string {
    if (this.made === undefined) throw new Error('Oracle.start() first: it makes the temp folder');
    return this.made;
  }
  get root(): string {
    return `${this.dir}/`;
  }
  private made: string | undefined;
  readonly ports = new Map<number, number>();
  private servers: Array<http.Server | net.Server> = [];
  /** The servers started for the cases and not stopped yet; the process groups of all started. */
  private readonly daemons = new Set<ChildProcess>();
  private readonly groups = new Set<number>();
  private routes = new Set<string>();
  /** The paths the stand-in applications were asked, in order (for the cards' forwarded requests). */
  readonly appLog: string[] = [];

  async start(): Promise<void> {
    this.made = mkdtempSync(join(tmpdir(), 'ngx-oracle-'));
    mkdirSync(join(this.dir, 'run'), { recursive: true });
    for (const p of UPSTREAM_PORTS) this.ports.set(p, await freePort());
    const h = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.appLog.push(path);
      res.writeHead(this.routes.has(path) ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(this.routes.has(path) ? `app ${path}\n` : 'app: no route\n');
    });
    h.listen(this.ports.get(19080)!, '127.0.0.1');
    const uwsgi = net.createServer((sock) => this.uwsgi(sock));
    uwsgi.listen(this.ports.get(19001)!, '127.0.0.1');
    const fcgiTcp = net.createServer((sock) => this.fastcgi(sock));
    fcgiTcp.listen(this.ports.get(19000)!, '127.0.0.1');
    const fcgiUnix = net.createServer((sock) => this.fastcgi(sock));
    fcgiUnix.listen(join(this.dir, 'run', 'php-fpm.sock'));
    this.servers.push(h, uwsgi, fcgiTcp, fcgiUnix);
    await Promise.all(this.servers.map((s) => new Promise((r) => (s.listening ? r(null) : s.once('listening', r)))));
  }

  /**
   * A server for a case, in a process group of its own (its workers die with it). Out of the
   * test's group, it would not get a Ctrl-C: a worker that exits with servers still up kills them.
   */
  daemon(cmd: string, args: readonly string[]): ChildProcess {
    const p = spawn(cmd, args, { stdio: 'ignore', detached: true });
    this.daemons.add(p);
    if (p.pid) this.groups.add(p.pid);
    if (p.pid) running.add(p.pid);
    p.once('exit', () => this.daemons.delete(p));
    return p;
  }

  /** SIGTERM to the server's group, SIGKILL to what is left after `graceMs`; resolves when the group is gone (bounded). */
  async stopDaemon(p: ChildProcess | undefined, graceMs: number): Promise<void> {
    if (!p?.pid) return;
    const group = (sig: NodeJS.Signals | 0): boolean => {
      try {
        process.kill(-p.pid!, sig);
        return true;
      } catch {
        return false;
      }
    };
    const gone = async (ms: number): Promise<boolean> => {
      for (let t = 0; t < ms; t += 50) {
        if (!group(0)) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return !group(0);
    };
    group('SIGTERM');
    if (!(await gone(graceMs))) {
      group('SIGKILL');
      await gone(5000);
    }
    this.daemons.delete(p);
    running.delete(p.pid);
  }

  async stop(): Promise<void> {
    if (this.made === undefined) return;
    await Promise.all([...this.daemons].map((p) => this.stopDaemon(p, 3000)));
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(() => r(null)))));
    rmSync(this.dir, { recursive: true, force: true });
    const left = leftovers(this.dir, this.groups);
    for (const s of this.servers) if (s.listening) left.push(`stand-in still listening: ${JSON.stringify(s.address())}`);
    if (left.length > 0) throw new Error(`the oracle left behind:\n${left.join('\n')}`);
    this.made = undefined;
  }

  /** Text of the case with /tmp/ngx-oracle/ and every 127.0.0.x:port moved. */
  rewrite(text: string): string {
    return text.replaceAll(OLD_ROOT, this.root).replace(/\b(127\.0\.0\.\d+):(\d{4,5})\b/g, (m, a: string, p: string) => (this.ports.has(Number(p)) ? `${a}:${this.ports.get(Number(p))}` : m));
  }

  async load(id: string): Promise<OracleCase> {
    const src = join(ORACLE, id);
    const json = JSON.parse(readFileSync(join(src, 'case.json'), 'utf8')) as CaseJson;
    const site = readFileSync(join(src, 'site.conf'), 'utf8');
    const extra = readdirSync(src).filter((f) => f !== 'case.json' && f !== 'site.conf');
    const texts = [site, ...extra.filter((f) => statSync(join(src, f)).isFile()).map((f) => readFileSync(join(src, f), 'utf8'))].join('\n');
    for (const m of texts.matchAll(/\b127\.0\.0\.\d+:(\d{4,5})\b/g)) if (!this.ports.has(Number(m[1]))) this.ports.set(Number(m[1]), await freePort());
    if (!this.ports.has(json.port)) this.ports.set(json.port, await freePort());
    return new OracleCase(this, id, src, json, site, extra);
  }

  setRoutes(routes: readonly string[]): void {
    this.routes = new Set(routes);
  }

  private uwsgi(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const size = buf.readUInt16LE(1);
      if (buf.length < 4 + size) return;
      const vars = new Map<string, string>();
      for (let i = 4; i + 2 <= 4 + size; ) {
        const kl = buf.readUInt16LE(i);
        const k = buf.subarray(i + 2, i + 2 + kl).toString();
        const vl = buf.readUInt16LE(i + 2 + kl);
        vars.set(k, buf.subarray(i + 4 + kl, i + 4 + kl + vl).toString());
        i += 4 + kl + vl;
      }
      const path = (vars.get('REQUEST_URI') ?? '/').split('?')[0]!;
      this.appLog.push(path);
      const ok = this.routes.has(path);
      sock.end(`HTTP/1.1 ${ok ? '200 OK' : '404 Not Found'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${ok ? 'app' : 'app: no route'}\n`);
    });
    sock.on('error', () => {});
  }

  private fastcgi(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    let params = Buffer.alloc(0);
    let id = 1;
    // FCGI_KEEP_CONN (BEGIN_REQUEST's flags): php-fpm then keeps the connection for the next
    // request. Apache's `enablereuse=on` asks for it; a stand-in that closed anyway made Apache
    // answer 503 when it reused the connection before seeing the close (one wrong card in a CI rehearsal).
    let keep = false;
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const type = buf[1]!;
        const len = buf.readUInt16BE(4);
        const pad = buf[6]!;
        if (buf.length < 8 + len + pad) return;
        const body = buf.subarray(8, 8 + len);
        id = buf.readUInt16BE(2);
        buf = buf.subarray(8 + len + pad);
        if (type === 1) {
          keep = (body[2]! & 1) === 1;
          params = Buffer.alloc(0);
        }
        if (type === 4) params = Buffer.concat([params, body]);
        if (type === 5 && len === 0) {
          this.php(sock, id, readPairs(params), keep);
          params = Buffer.alloc(0);
        }
      }
    });
    sock.on('error', () => {});
  }

  private php(sock: net.Socket, id: number, p: Map<string, string>, keep = false): void {
    const script = p.get('SCRIPT_FILENAME') ?? `${p.get('DOCUMENT_ROOT') ?? ''}${p.get('SCRIPT_NAME') ?? ''}`;
    const path = (p.get('REQUEST_URI') ?? '/').split('?')[0]!;
    this.appLog.push(path);
    let status = 404;
    let text = 'File not found.\n';
    if (existsSync(script) && statSync(script).isFile()) {
      const routes = readFileSync(script, 'utf8').split('\n').filter((l) => l.startsWith('route ')).map((l) => l.slice(6));
      const name = p.get('SCRIPT_NAME') ?? '';
      const rest = name && path.startsWith(name) ? path.slice(name.length) || '/' : undefined;
      const ok = routes.length === 0 || routes.includes(path) || (rest !== undefined && routes.includes(rest));
      status = ok ? 200 : 404;
      text = ok ? `php ${script}\n` : 'php: no route\n';
    }
    const out = Buffer.from(`Status: ${status}\r\nContent-Type: text/html\r\n\r\n${text}`);
    const rec = (type: number, body: Buffer) => {
      const h = Buffer.alloc(8);
      h[0] = 1;
      h[1] = type;
      h.writeUInt16BE(id, 2);
      h.writeUInt16BE(body.length, 4);
      return Buffer.concat([h, body]);
    };
    const reply = Buffer.concat([rec(6, out), rec(6, Buffer.alloc(0)), rec(3, Buffer.alloc(8))]);
    if (keep) sock.write(reply);
    else sock.end(reply);
  }
}

function readPairs(b: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const len = (): number => {
    if (b[i]! >> 7 === 0) return b[i++]!;
    const v = b.readUInt32BE(i) & 0x7fffffff;
    i += 4;
    return v;
  };
  while (i < b.length) {
    const kl = len();
    const vl = len();
    out.set(b.subarray(i, i + kl).toString(), b.subarray(i + kl, i + kl + vl).toString());
    i += kl + vl;
  }
  return out;
}

const COPIED = ['mime.types', 'fastcgi_params', 'fastcgi.conf', 'proxy_params', 'uwsgi_params', 'scgi_params'];

export class OracleCase {
  readonly confDir: string;
  readonly conf: string;
  readonly prefix: string;
  readonly requests: OracleRequest[];
  private proc: ChildProcess | undefined;
  private seq = 0;
  /** Why the binary cannot run the case (a module nginx-light lacks), or `''`. */
  unsupported = '';

  constructor(
    readonly o: Oracle,
    readonly id: string,
    src: string,
    readonly json: CaseJson,
    site: string,
    extra: readonly string[],
  ) {
    this.confDir = join(o.dir, 'conf', id);
    mkdirSync(this.confDir, { recursive: true });
    for (const f of COPIED) cpSync(join('/etc/nginx', f), join(this.confDir, f));
    for (const f of extra) {
      cpSync(join(src, f), join(this.confDir, f), { recursive: true });
      const walk = (p: string): void => {
        if (statSync(p).isDirectory()) for (const c of readdirSync(p)) walk(join(p, c));
        else writeFileSync(p, o.rewrite(readFileSync(p, 'utf8')));
      };
      walk(join(this.confDir, f));
    }
    writeFileSync(join(this.confDir, 'site.conf'), o.rewrite(site));
    const www = join(o.dir, 'www', id);
    for (const f of json.files) {
      const p = join(www, f);
      if (f.endsWith('/')) mkdirSync(p, { recursive: true });
      else {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, json.contents?.[f] ?? `${f}\n`);
      }
    }
    mkdirSync(join(o.dir, 'run', id), { recursive: true });
    this.prefix = json.prefix ? o.rewrite(json.prefix) : `${this.confDir}/`;
    mkdirSync(this.prefix, { recursive: true });
    this.conf = join(this.confDir, 'nginx.conf');
    const t = join(this.confDir, 'temp');
    writeFileSync(
      this.conf,
      [
        'user root;',
        'worker_processes 1;',
        'daemon off;',
        `pid ${this.confDir}/nginx.pid;`,
        `error_log ${this.confDir}/error.log info;`,
        'events { worker_connections 64; }',
        'http {',
        '    include mime.types;',
        '    default_type application/octet-stream;',
        "    log_format oracle '$http_x_oracle_id\t$status\t$request_filename\t$uri\t$upstream_addr\t$host\t$server_port';",
        `    access_log ${this.confDir}/access.log oracle;`,
        `    client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi; uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;`,
        '    include site.conf;',
        '}',
        '',
      ].join('\n'),
    );
    mkdirSync(t, { recursive: true });
    this.requests = json.urls.map((line) => this.request(line));
  }

  private request(line: string): OracleRequest {
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

  /** `nginx -T` for the case, as tshoot reads it. */
  dump(): string {
    const r = spawnSync('nginx', ['-T', '-p', this.prefix, '-c', this.conf], { encoding: 'utf8', timeout: 10_000 });
    return `${r.stderr}${r.stdout}`;
  }

  async startNginx(): Promise<boolean> {
    const test = spawnSync('nginx', ['-t', '-p', this.prefix, '-c', this.conf], { encoding: 'utf8', timeout: 10_000 });
    if (test.status !== 0) {
      const unknownDirective = /unknown directive "([^"]+)"/.exec(test.stderr);
      this.unsupported = unknownDirective ? `nginx-light has no module for "${unknownDirective[1]}"` : test.stderr.trim().split('\n').pop() ?? 'nginx -t failed';
      return false;
    }
    this.proc = this.o.daemon('nginx', ['-p', this.prefix, '-c', this.conf]);
    const ports = [...new Set(this.requests.map((r) => `${r.addr}:${r.port}`))];
    for (let i = 0; i < 100; i++) {
      const up = await Promise.all(ports.map((hp) => connects(hp)));
      if (up.every(Boolean)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stopNginx();
    throw new Error(`${this.id}: nginx did not start listening on ${ports.join(', ')}`);
  }

  async stopNginx(): Promise<void> {
    await this.o.stopDaemon(this.proc, 3000);
  }

  /** Sends the request as written (no normalization), returns nginx's own record of it. */
  async ask(req: OracleRequest): Promise<Answer> {
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
    for (let i = 0; i < 40; i++) {
      const log = existsSync(join(this.confDir, 'access.log')) ? readFileSync(join(this.confDir, 'access.log'), 'utf8') : '';
      // A request proxied to the same nginx logs the id twice: the one on the asked port is ours.
      const line = log.split('\n').find((l) => l.startsWith(`${id}\t`) && l.endsWith(`\t${req.port}`));
      if (line) {
        const [, st, rf, uri, up, host] = line.split('\t');
        return { status: Number(st), request_filename: rf ?? '', uri: uri ?? '', upstream_addr: up === '-' ? '' : (up ?? ''), host: host ?? '' };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return { status, request_filename: '', uri: '', upstream_addr: '', host: '' };
  }
}

/**
 * What a finished oracle left on the machine: processes in a group it started (nginx's workers
 * rename themselves) or whose command line names its temp folder, mounts of that folder (in this
 * mount namespace), the folder itself.
 */
export function leftovers(dir: string, groups: ReadonlySet<number>): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      // stat: PID (COMM) STATE PPID PGRP …; COMM may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (cmd.includes(dir) || groups.has(pgrp)) out.push(`process ${pid} (group ${pgrp}): ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(dir)) out.push(`mount: ${line}`);
  if (existsSync(dir)) out.push(`folder ${dir}`);
  return out;
}

function connects(hostPort: string): Promise<boolean> {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A value as nginx's access log writes it (escape=default: `"`, `\`, bytes outside 0x20-0x7e as \xXX). */
export function logEscaped(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (b < 0x20 || b > 0x7e || b === 0x22 || b === 0x5c ? `\\x${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
}

/** What the filesystem says about paths, as the model's facts. */
export function statFacts(paths: readonly string[]): string[] {
  return paths.map((p) => {
    try {
      const s = statSync(p);
      return `${s.isDirectory() ? 'd' : s.isFile() ? 'f' : '-'} ${p}`;
    } catch {
      return `- ${p}`;
    }
  });
}
