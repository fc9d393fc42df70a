/**
 * The lab: real hosts for tests, built as Linux network namespaces.
 *
 * Topology (all addresses in 198.18.0.0/15, nothing leaves the namespaces):
 *
 *   client 198.18.1.10/24 ──┐
 *                           │ 198.18.1.1
 *   bastion 198.18.3.10/24 ─┤ 198.18.3.1   router (ip_forward=1; its iptables FORWARD chain
 *                           │ 198.18.2.1           stands in for the cloud security group / NACL)
 *   server 198.18.2.10/24 ──┘
 *
 * Every host runs a real sshd (own ed25519 host key, own sshd_config); the server runs a real
 * nginx whose config is visible *inside the server namespace* at /etc/nginx (via iproute2's
 * /etc/netns/<ns>/ bind-mount convention), so `ssh server nginx -T` shows the lab's config with
 * file:line, while the files themselves live in the lab's temp dir.
 *
 * Needs root. Requires: ip (iproute2), iptables, sshd, ssh-keygen, nginx.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { labStatus, RUN_LAB_TESTS } from '../tools/lab-packages.mjs';

export const SCENARIOS = [
  'healthy',
  'nginx-stopped',
  'nginx-bad-config',
  'port-conflict',
  'nginx-loopback',
  'nginx-other-port',
  'server-firewall-drop',
  'server-firewall-reject',
  'cloud-drop',
  'server-down',
  'no-return-route',
  'missing-file',
  'apache-missing-file',
  'wrong-host',
  'apache-loopback',
  'sshd-stopped',
  'ssh-dropped',
  'bastion-only',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Every scenario but `healthy` is a fault that can be injected into / healed from a running lab. */
export type FaultName = Exclude<ScenarioName, 'healthy'>;
export const FAULTS = SCENARIOS.filter((s): s is FaultName => s !== 'healthy');

export type HostName = 'client' | 'server' | 'bastion' | 'router';
export const HOST_NAMES: readonly HostName[] = ['client', 'server', 'bastion', 'router'];

/** Root of all lab state: one dir per lab, `<LAB_ROOT>/<id>/` with `lab.json` in it. */
export const LAB_ROOT = '/tmp/tshoot-lab';
/** Every namespace the lab creates starts with this. */
export const NS_PREFIX = 'ts-';

export const ADDR = {
  client: '198.18.1.10',
  server: '198.18.2.10',
  bastion: '198.18.3.10',
  router: '198.18.1.1',
  routerClientSide: '198.18.1.1',
  routerServerSide: '198.18.2.1',
  routerBastionSide: '198.18.3.1',
  clientNet: '198.18.1.0/24',
  serverNet: '198.18.2.0/24',
  bastionNet: '198.18.3.0/24',
} as const;

export interface LabHost {
  /** network namespace name, e.g. `ts-1a2b3c-srv` */
  ns: string;
  /** the host's main address */
  addr: string;
  /** every address of the host (the router has three) */
  addrs: string[];
}

export interface ExecResult {
  /** exit code; 128+signal when killed; 124 on our own timeout */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ExecOptions {
  /** default 30 s; the process is SIGKILLed after it */
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface NginxPaths {
  /** nginx.conf in the temp dir (use with `nginx -T -c` from anywhere) */
  confPath: string;
  /** the site file in the temp dir (`conf.d/server.conf`) */
  siteConfPath: string;
  /** where the server namespace sees the config: `/etc/nginx/nginx.conf` */
  nsConfPath: string;
  nsSiteConfPath: string;
  docroot: string;
  accessLog: string;
  errorLog: string;
  pidFile: string;
}

export interface Lab {
  readonly id: string;
  readonly scenario: ScenarioName;
  /** the lab's temp dir */
  readonly dir: string;
  readonly hosts: Record<HostName, LabHost>;
  /** OpenSSH client config with Host aliases client/server/bastion/router (+ server-direct, server-via-bastion) */
  readonly sshConfigPath: string;
  readonly identityFile: string;
  readonly knownHostsFile: string;
  /** `SHA256:...` (as `ssh-keygen -lf` prints it) of each host's ed25519 host key */
  readonly hostKeyFingerprints: Record<HostName, string>;
  readonly nginx: NginxPaths;
  /** faults active right now */
  faults(): FaultName[];
  /** run argv inside the host's namespace (`ip netns exec <ns> ...argv`) */
  exec(host: HostName, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** argv prefix that runs a command inside the host's namespace: `['ip','netns','exec',ns]` */
  nsExecArgv(host: HostName): string[];
  /** `['ssh','-F',sshConfigPath, alias]` — append the remote command */
  sshArgv(alias: string): string[];
  inject(fault: FaultName): Promise<void>;
  heal(fault: FaultName): Promise<void>;
  /** kill every process in the lab's namespaces, delete namespaces and temp dir. Idempotent. */
  down(): Promise<void>;
}

export interface UpOptions {
  /** run id (lowercase letters/digits, ≤ 8); default: 6 random hex */
  id?: string;
  /**
   * Keep the lab after this process exits (for the `lab up` CLI). Default false: the lab is torn
   * down on process exit / SIGINT / SIGTERM.
   */
  persist?: boolean;
}

type ListenMode = 'default' | 'loopback' | 'other-port';

/** Everything needed to operate or tear down a lab, also from another process. Saved as lab.json. */
interface LabState {
  version: 1;
  id: string;
  scenario: ScenarioName;
  dir: string;
  ownerPid: number;
  persist: boolean;
  namespaces: string[];
  /** /etc/netns/<ns> dirs we created */
  etcNetns: string[];
  faults: FaultName[];
  listen: ListenMode;
  createdAt: string;
}

// ───────────────────────────── process helpers ─────────────────────────────

/** process.env with the sbin dirs on PATH (ip, iptables, sshd, nginx, ss, sysctl live there) */
const LAB_ENV: NodeJS.ProcessEnv = (() => {
  const parts = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!parts.includes(d)) parts.push(d);
  }
  return { ...process.env, PATH: parts.join(':') };
})();

function bin(name: string): string {
  for (const d of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(d, name))) return join(d, name);
  }
  return name;
}

function run(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? LAB_ENV,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : code, stdout, stderr, timedOut });
    };
    child.on('error', (e) => {
      stderr += String(e);
      finish(127);
    });
    child.on('close', (code, signal) => {
      finish(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1));
    });
  });
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return map[sig];
}

async function must(cmd: string, args: string[], opts: ExecOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`lab: \`${cmd} ${args.join(' ')}\` failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    // a zombie still answers kill(0); treat it as dead
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return false;
    } catch {
      /* no /proc entry: fall through */
    }
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 5_000, stepMs = 25) {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    if (await cond()) return;
    if (Date.now() > deadline) break;
    await sleep(stepMs);
  }
  throw new Error(`lab: timed out after ${timeoutMs} ms waiting for ${what}`);
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

// ───────────────────────────── naming ─────────────────────────────

const NS_SUFFIX: Record<HostName, string> = { client: 'cli', server: 'srv', bastion: 'bst', router: 'rtr' };

function nsName(id: string, host: HostName): string {
  return `${NS_PREFIX}${id}-${NS_SUFFIX[host]}`;
}

/** the lab id a `ts-<id>-xxx` namespace belongs to */
function idOfNs(ns: string): string | undefined {
  const m = /^ts-([a-z0-9]{1,8})-(cli|srv|bst|rtr)$/.exec(ns);
  return m?.[1];
}

function hostsOf(id: string): Record<HostName, LabHost> {
  return {
    client: { ns: nsName(id, 'client'), addr: ADDR.client, addrs: [ADDR.client] },
    server: { ns: nsName(id, 'server'), addr: ADDR.server, addrs: [ADDR.server] },
    bastion: { ns: nsName(id, 'bastion'), addr: ADDR.bastion, addrs: [ADDR.bastion] },
    router: {
      ns: nsName(id, 'router'),
      addr: ADDR.router,
      addrs: [ADDR.routerClientSide, ADDR.routerServerSide, ADDR.routerBastionSide],
    },
  };
}

function pathsOf(dir: string) {
  const hostDir = (h: HostName) => join(dir, h);
  const nginxDir = join(dir, 'server', 'nginx');
  return {
    dir,
    stateFile: join(dir, 'lab.json'),
    hostDir,
    sshdConfig: (h: HostName) => join(hostDir(h), 'sshd_config'),
    sshdPid: (h: HostName) => join(hostDir(h), 'sshd.pid'),
    sshdLog: (h: HostName) => join(hostDir(h), 'sshd.log'),
    hostKey: (h: HostName) => join(hostDir(h), 'ssh_host_ed25519_key'),
    identityFile: join(dir, 'id_ed25519'),
    authorizedKeys: join(dir, 'authorized_keys'),
    knownHosts: join(dir, 'known_hosts'),
    sshConfig: join(dir, 'ssh_config'),
    nginx: {
      dir: nginxDir,
      confPath: join(nginxDir, 'nginx.conf'),
      siteConfPath: join(nginxDir, 'conf.d', 'server.conf'),
      nsConfPath: '/etc/nginx/nginx.conf',
      nsSiteConfPath: '/etc/nginx/conf.d/server.conf',
      docroot: join(dir, 'server', 'www'),
      accessLog: join(dir, 'server', 'log', 'access.log'),
      errorLog: join(dir, 'server', 'log', 'error.log'),
      pidFile: join(dir, 'server', 'nginx.pid'),
      tempDir: join(dir, 'server', 'nginx-temp'),
      startLog: join(dir, 'server', 'log', 'nginx-start.log'),
    },
  };
}
type Paths = ReturnType<typeof pathsOf>;

// ───────────────────────────── teardown (sync: usable from exit handlers) ─────────────────────────────

function nsPidsSync(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5_000, env: LAB_ENV });
  if (r.status !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

function killAllInNamespacesSync(namespaces: string[]): void {
  const pids = new Set<number>();
  for (const ns of namespaces) for (const p of nsPidsSync(ns)) pids.add(p);
  if (pids.size === 0) return;
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + 2_000;
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    if ([...pids].every((p) => !alive(p))) return;
    sleepSync(20);
  }
  for (const p of pids) {
    if (!alive(p)) continue;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (let i = 0; i < 50; i++) {
    if ([...pids].every((p) => !alive(p))) return;
    sleepSync(20);
  }
}

function listNamespacesSync(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 5_000, env: LAB_ENV });
  if (r.status !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((s) => s.length > 0);
}

function removeEtcNetnsSync(ns: string): void {
  const d = join('/etc/netns', ns);
  try {
    rmSync(d, { recursive: true, force: true });
  } catch {
    /* ignore */
  }
  try {
    if (existsSync('/etc/netns') && readdirSync('/etc/netns').length === 0) rmdirSync('/etc/netns');
  } catch {
    /* someone else uses it */
  }
}

/** Tear down a lab by id: processes, namespaces, /etc/netns dirs, temp dir. Never throws. */
function teardownSync(id: string): void {
  const namespaces = HOST_NAMES.map((h) => nsName(id, h));
  killAllInNamespacesSync(namespaces);
  const present = new Set(listNamespacesSync());
  for (const ns of namespaces) {
    if (present.has(ns)) spawnSync('ip', ['netns', 'del', ns], { timeout: 5_000, env: LAB_ENV });
    removeEtcNetnsSync(ns);
  }
  // a process that slipped in between kill and del (unlikely): kill again by the same rule is no
  // longer possible after del; they die with their namespace handle anyway.
  try {
    rmSync(join(LAB_ROOT, id), { recursive: true, force: true });
  } catch {
    /* ignore */
  }
}

// live labs of this process that must not outlive it
const liveLabs = new Set<string>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanup = () => {
    for (const id of [...liveLabs]) {
      liveLabs.delete(id);
      teardownSync(id);
    }
  };
  process.on('exit', cleanup);
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(sig, () => {
      cleanup();
      process.exit(code);
    });
  }
}

// ───────────────────────────── file contents ─────────────────────────────

function sshdConfigText(p: Paths, host: HostName, addrs: string[]): string {
  return [
    `# tshoot lab sshd for ${host}`,
    'Port 22',
    ...addrs.map((a) => `ListenAddress ${a}`),
    `HostKey ${p.hostKey(host)}`,
    `PidFile ${p.sshdPid(host)}`,
    `AuthorizedKeysFile ${p.authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'AllowTcpForwarding yes',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

function nginxMainConf(p: Paths): string {
  const n = p.nginx;
  return [
    '# tshoot lab nginx (server). Inside the server namespace this file is /etc/nginx/nginx.conf.',
    'user root;',
    'worker_processes 1;',
    `pid ${n.pidFile};`,
    `error_log ${n.errorLog};`,
    '',
    'events {',
    '    worker_connections 64;',
    '}',
    '',
    'http {',
    '    include mime.types;',
    '    default_type application/octet-stream;',
    `    access_log ${n.accessLog};`,
    '    sendfile on;',
    '    keepalive_timeout 5;',
    `    client_body_temp_path ${n.tempDir}/body;`,
    `    proxy_temp_path ${n.tempDir}/proxy;`,
    `    fastcgi_temp_path ${n.tempDir}/fastcgi;`,
    `    uwsgi_temp_path ${n.tempDir}/uwsgi;`,
    `    scgi_temp_path ${n.tempDir}/scgi;`,
    '',
    '    include conf.d/*.conf;',
    '}',
    '',
  ].join('\n');
}

function nginxSiteConf(p: Paths, listen: ListenMode): string {
  const listenLine =
    listen === 'loopback'
      ? '    listen 127.0.0.1:80 default_server;'
      : listen === 'other-port'
        ? '    listen 8080 default_server;'
        : '    listen 80 default_server;';
  return [
    'server {',
    listenLine,
    '    server_name _;',
    '',
    `    root ${p.nginx.docroot};`,
    '    index index.html;',
    '',
    '    location / {',
    '        try_files $uri $uri/ =404;',
    '    }',
    '}',
    '',
  ].join('\n');
}

const MIME_FALLBACK = `types {
    text/html html htm;
    text/plain txt;
    application/json json;
}
`;

function sshConfigText(p: Paths, hosts: Record<HostName, LabHost>, bastionOnly: boolean, id: string): string {
  const block = (alias: string, hostName: string, proxyJump?: string) =>
    [
      `Host ${alias}`,
      `    HostName ${hostName}`,
      '    User root',
      '    Port 22',
      ...(proxyJump ? [`    ProxyJump ${proxyJump}`] : []),
      `    IdentityFile ${p.identityFile}`,
      '    IdentitiesOnly yes',
      `    UserKnownHostsFile ${p.knownHosts}`,
      '    GlobalKnownHostsFile /dev/null',
      '    StrictHostKeyChecking yes',
      '    BatchMode yes',
      '',
    ].join('\n');
  return [
    `# tshoot lab ${id}${bastionOnly ? ' (bastion-only: server is reached through the bastion)' : ''}`,
    '',
    block('client', hosts.client.addr),
    block('server', hosts.server.addr, bastionOnly ? 'bastion' : undefined),
    block('server-direct', hosts.server.addr),
    block('server-via-bastion', hosts.server.addr, 'bastion'),
    block('bastion', hosts.bastion.addr),
    block('router', hosts.router.addr),
  ].join('\n');
}

/** `SHA256:<base64 no padding>` of an OpenSSH public key line, as `ssh-keygen -lf` prints it */
export function fingerprintOf(pubLine: string): string {
  const b64 = pubLine.trim().split(/\s+/)[1] ?? '';
  const digest = createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** What the server namespace sees as /etc/apache2 when no scenario runs Apache: an empty folder. */
function noApacheDir(p: Paths): string {
  return join(p.dir, 'server', 'no-apache2');
}

/** The lab's Apache httpd (the `apache-missing-file` fault): Debian's layout under `dir`, seen as /etc/apache2 in the server namespace. */
function apachePaths(p: Paths) {
  const dir = join(p.dir, 'server', 'apache2');
  return { dir, run: join(p.dir, 'server', 'apache-run'), pidFile: join(p.dir, 'server', 'apache2.pid'), errorLog: join(p.dir, 'server', 'log', 'apache-error.log'), startLog: join(p.dir, 'server', 'log', 'apache-start.log') };
}

/** apache2.conf, the modules it loads (Debian's own .load files) and one site serving the nginx docroot on *:80 (`listen`: its Listen argument). */
async function writeApacheConf(p: Paths, listen = '80'): Promise<void> {
  const a = apachePaths(p);
  await mkdir(join(a.dir, 'mods-enabled'), { recursive: true });
  await mkdir(join(a.dir, 'sites-enabled'), { recursive: true });
  await mkdir(a.run, { recursive: true });
  for (const m of ['mpm_event', 'authz_core', 'dir', 'mime']) {
    await writeFile(join(a.dir, 'mods-enabled', `${m}.load`), await readFile(`/etc/apache2/mods-available/${m}.load`, 'utf8'));
  }
  await writeFile(
    join(a.dir, 'apache2.conf'),
    [
      '# tshoot lab Apache httpd (server). Inside the server namespace this folder is /etc/apache2.',
      'ServerRoot /etc/apache2',
      'ServerName lab-server',
      `PidFile ${a.pidFile}`,
      `DefaultRuntimeDir ${a.run}`,
      `Mutex file:${a.run} default`,
      'User www-data',
      'Group www-data',
      `ErrorLog ${a.errorLog}`,
      'LogLevel warn',
      'IncludeOptional mods-enabled/*.load',
      'TypesConfig /etc/mime.types',
      'DirectoryIndex index.html',
      `Listen ${listen}`,
      '',
      '<Directory />',
      '    Options FollowSymLinks',
      '    AllowOverride None',
      '    Require all denied',
      '</Directory>',
      '',
      'IncludeOptional sites-enabled/*.conf',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(a.dir, 'sites-enabled', '000-default.conf'),
    [
      '<VirtualHost *:80>',
      `    DocumentRoot ${p.nginx.docroot}`,
      `    <Directory ${p.nginx.docroot}>`,
      '        AllowOverride None',
      '        Require all granted',
      '    </Directory>',
      '</VirtualHost>',
      '',
    ].join('\n'),
  );
}

// ───────────────────────────── state ─────────────────────────────

async function saveState(p: Paths, s: LabState): Promise<void> {
  await writeFile(p.stateFile, JSON.stringify(s, null, 2) + '\n');
}

function loadStateSync(id: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(join(LAB_ROOT, id, 'lab.json'), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** ids of labs with a state dir under LAB_ROOT */
export function listLabIds(): string[] {
  try {
    return readdirSync(LAB_ROOT).filter((d) => /^[a-z0-9]{1,8}$/.test(d));
  } catch {
    return [];
  }
}

// ───────────────────────────── building ─────────────────────────────

function validateId(id: string): string {
  if (!/^[a-z0-9]{1,8}$/.test(id)) throw new Error(`lab: bad id ${JSON.stringify(id)} (want 1–8 of [a-z0-9])`);
  return id;
}

async function ipBatch(ns: string, lines: string[]): Promise<void> {
  await must('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n', timeoutMs: 10_000 });
}

async function buildNetwork(id: string, hosts: Record<HostName, LabHost>): Promise<void> {
  const veth = (side: string) => `ts-${id}-${side}`; // ≤ 13 chars
  for (const h of HOST_NAMES) await must('ip', ['netns', 'add', hosts[h].ns]);
  // no IPv6 chatter, forwarding on the router
  await Promise.all(
    HOST_NAMES.map((h) =>
      must('ip', [
        'netns',
        'exec',
        hosts[h].ns,
        'sysctl',
        '-qw',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
        ...(h === 'router' ? ['net.ipv4.ip_forward=1'] : []),
      ]),
    ),
  );
  const R = hosts.router.ns;
  // pairs: host-side name (in host ns) ↔ router-side name (in router ns)
  const pairs: Array<[HostName, string, string]> = [
    ['client', veth('r'), veth('c')],
    ['server', veth('r'), veth('s')],
    ['bastion', veth('r'), veth('b')],
  ];
  for (const [h, hostSide, routerSide] of pairs) {
    await must('ip', ['link', 'add', hostSide, 'netns', hosts[h].ns, 'type', 'veth', 'peer', 'name', routerSide, 'netns', R]);
  }
  const gw: Record<'client' | 'server' | 'bastion', string> = {
    client: ADDR.routerClientSide,
    server: ADDR.routerServerSide,
    bastion: ADDR.routerBastionSide,
  };
  await Promise.all([
    ...(['client', 'server', 'bastion'] as const).map((h) =>
      ipBatch(hosts[h].ns, [
        'link set lo up',
        `addr add ${hosts[h].addr}/24 dev ${veth('r')}`,
        `link set ${veth('r')} up`,
        `route add default via ${gw[h]}`,
      ]),
    ),
    ipBatch(R, [
      'link set lo up',
      `addr add ${ADDR.routerClientSide}/24 dev ${veth('c')}`,
      `addr add ${ADDR.routerServerSide}/24 dev ${veth('s')}`,
      `addr add ${ADDR.routerBastionSide}/24 dev ${veth('b')}`,
      `link set ${veth('c')} up`,
      `link set ${veth('s')} up`,
      `link set ${veth('b')} up`,
    ]),
  ]);
}

async function genKey(file: string, comment: string): Promise<string> {
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

// ───────────────────────────── the Lab object ─────────────────────────────

class LabImpl implements Lab {
  readonly id: string;
  readonly dir: string;
  readonly hosts: Record<HostName, LabHost>;
  readonly sshConfigPath: string;
  readonly identityFile: string;
  readonly knownHostsFile: string;
  readonly hostKeyFingerprints: Record<HostName, string>;
  readonly nginx: NginxPaths;
  private readonly p: Paths;
  private state: LabState;
  /** The pid of the program that holds nginx's port in the `port-conflict` fault. */
  private squatter: number | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private isDown = false;

  constructor(state: LabState, fingerprints: Record<HostName, string>) {
    this.state = state;
    this.id = state.id;
    this.dir = state.dir;
    this.p = pathsOf(state.dir);
    this.hosts = hostsOf(state.id);
    this.sshConfigPath = this.p.sshConfig;
    this.identityFile = this.p.identityFile;
    this.knownHostsFile = this.p.knownHosts;
    this.hostKeyFingerprints = fingerprints;
    const n = this.p.nginx;
    this.nginx = {
      confPath: n.confPath,
      siteConfPath: n.siteConfPath,
      nsConfPath: n.nsConfPath,
      nsSiteConfPath: n.nsSiteConfPath,
      docroot: n.docroot,
      accessLog: n.accessLog,
      errorLog: n.errorLog,
      pidFile: n.pidFile,
    };
  }

  get scenario(): ScenarioName {
    return this.state.scenario;
  }

  faults(): FaultName[] {
    return [...this.state.faults];
  }

  nsExecArgv(host: HostName): string[] {
    return ['ip', 'netns', 'exec', this.hosts[host].ns];
  }

  sshArgv(alias: string): string[] {
    return ['ssh', '-F', this.sshConfigPath, alias];
  }

  exec(host: HostName, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error('lab.exec: empty argv');
    return run('ip', ['netns', 'exec', this.hosts[host].ns, ...argv], opts);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }

  inject(fault: FaultName): Promise<void> {
    return this.serial(async () => {
      this.assertUp();
      if (this.state.faults.includes(fault)) return;
      await this.applyFault(fault, true);
      this.state.faults = [...this.state.faults.filter((f) => !conflicts(fault, f)), fault];
      await saveState(this.p, this.state);
    });
  }

  heal(fault: FaultName): Promise<void> {
    return this.serial(async () => {
      this.assertUp();
      if (!this.state.faults.includes(fault)) return;
      await this.applyFault(fault, false);
      this.state.faults = this.state.faults.filter((f) => f !== fault);
      await saveState(this.p, this.state);
    });
  }

  down(): Promise<void> {
    return this.serial(async () => {
      if (this.isDown) return;
      this.isDown = true;
      liveLabs.delete(this.id);
      teardownSync(this.id);
    });
  }

  private assertUp(): void {
    if (this.isDown) throw new Error(`lab ${this.id} is down`);
  }

  // ── daemons ──

  async startSshd(host: HostName): Promise<void> {
    const pidFile = this.p.sshdPid(host);
    const old = readPid(pidFile);
    if (old && alive(old)) return;
    rmSync(pidFile, { force: true });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const sshd = [bin('sshd'), '-f', this.p.sshdConfig(host), '-E', this.p.sshdLog(host)];
    // A lab host is another machine: its root's shell starts as a stock Debian root's does, not
    // with this machine's ~/.bashrc (bash sources it for every command sshd runs; on a build
    // machine it runs pyenv: 0.7 s of CPU per shell, on the cores tshoot itself runs on). sshd
    // runs where that file reads as empty: a bind mount in the mount namespace `ip netns exec`
    // gives it (private to it: nothing changes outside the lab host). As test/exec/sshd-harness.ts.
    const bashrc = join(homedir(), '.bashrc');
    const argv = existsSync(bashrc) ? ['/bin/sh', '-c', 'mount --bind /dev/null "$0" && exec "$@"', bashrc, ...sshd] : sshd;
    await this.daemon(host, argv, this.p.sshdLog(host));
    await waitFor(`sshd on ${host}`, () => {
      const pid = readPid(pidFile);
      return pid !== undefined && alive(pid);
    }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${tail(this.p.sshdLog(host))}`);
    });
    await this.waitListening(host, 22, true);
  }

  async stopSshd(host: HostName): Promise<void> {
    await this.stopPidFile(this.p.sshdPid(host), `sshd on ${host}`);
    await this.waitListening(host, 22, false);
  }

  async startNginx(): Promise<void> {
    const n = this.p.nginx;
    const old = readPid(n.pidFile);
    if (old && alive(old)) return;
    rmSync(n.pidFile, { force: true });
    // -c /etc/nginx/nginx.conf: inside the server namespace that is the lab's config (bind-mounted)
    await this.daemon('server', [bin('nginx'), '-c', n.nsConfPath, '-p', `${n.dir}/`, '-e', n.errorLog], n.startLog);
    await waitFor('nginx on server', () => {
      const pid = readPid(n.pidFile);
      return pid !== undefined && alive(pid);
    }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${tail(n.startLog)}\n${tail(n.errorLog)}`);
    });
    await this.waitListening('server', this.state.listen === 'other-port' ? 8080 : 80, true);
  }

  async stopNginx(): Promise<void> {
    await this.stopPidFile(this.p.nginx.pidFile, 'nginx on server');
  }

  /**
   * Apache in place of nginx: its config is written, /etc/apache2 in the server namespace points at
   * it (sshd is restarted to see it: `ip netns exec` binds /etc/netns/<ns>/* when a process starts).
   */
  async startApache(listen = '80'): Promise<void> {
    const a = apachePaths(this.p);
    await writeApacheConf(this.p, listen);
    const link = join('/etc/netns', this.hosts.server.ns, 'apache2');
    rmSync(link, { force: true });
    symlinkSync(a.dir, link);
    await this.stopSshd('server');
    await this.startSshd('server');
    await this.daemon('server', [bin('apache2'), '-d', '/etc/apache2', '-k', 'start'], a.startLog);
    await waitFor('apache2 on server', () => {
      const pid = readPid(a.pidFile);
      return pid !== undefined && alive(pid);
    }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${tail(a.startLog)}\n${tail(a.errorLog)}`);
    });
    await this.waitListening('server', 80, true);
  }

  async stopApache(): Promise<void> {
    await this.stopPidFile(apachePaths(this.p).pidFile, 'apache2 on server');
    await this.waitListening('server', 80, false);
    const link = join('/etc/netns', this.hosts.server.ns, 'apache2');
    rmSync(link, { force: true });
    symlinkSync(noApacheDir(this.p), link);
    await this.stopSshd('server');
    await this.startSshd('server');
  }

  private nginxRunning(): boolean {
    const pid = readPid(this.p.nginx.pidFile);
    return pid !== undefined && alive(pid);
  }

  /** run a self-daemonizing program in the host's namespace; returns when its foreground part exits */
  private async daemon(host: HostName, argv: string[], logFile: string): Promise<void> {
    const fd = openSync(logFile, 'a');
    try {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn('ip', ['netns', 'exec', this.hosts[host].ns, ...argv], {
          stdio: ['ignore', fd, fd],
          detached: true,
          env: LAB_ENV,
        });
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`lab: starting ${argv[0]} on ${host} took > 10 s`));
        }, 10_000);
        child.on('error', (e) => {
          clearTimeout(t);
          reject(e);
        });
        child.on('exit', (c) => {
          clearTimeout(t);
          resolve(c ?? 1);
        });
      });
      if (code !== 0) throw new Error(`lab: ${argv.join(' ')} on ${host} exited ${code}\n${tail(logFile)}`);
    } finally {
      closeSync(fd);
    }
  }

  private async stopPidFile(pidFile: string, what: string): Promise<void> {
    const pid = readPid(pidFile);
    if (!pid || !alive(pid)) {
      rmSync(pidFile, { force: true });
      return;
    }
    process.kill(pid, 'SIGTERM');
    await waitFor(`${what} to stop`, () => !alive(pid), 5_000).catch(async () => {
      process.kill(pid, 'SIGKILL');
      await waitFor(`${what} to die`, () => !alive(pid), 2_000);
    });
    rmSync(pidFile, { force: true });
  }

  private async waitListening(host: HostName, port: number, want: boolean): Promise<void> {
    await waitFor(
      `${host} port ${port} ${want ? 'listening' : 'closed'}`,
      async () => {
        const r = await this.exec(host, ['ss', '-Hltn', `sport = :${port}`], { timeoutMs: 5_000 });
        return (r.code === 0 && r.stdout.trim().length > 0) === want;
      },
      5_000,
      30,
    );
  }

  // ── faults ──

  private async iptables(host: HostName, args: string[]): Promise<ExecResult> {
    return this.exec(host, ['iptables', '-w', '5', ...args], { timeoutMs: 10_000 });
  }

  /** insert (on) or delete every copy (off) of one rule */
  private async rule(host: HostName, chain: string, spec: string[], on: boolean): Promise<void> {
    if (on) {
      const r = await this.iptables(host, ['-I', chain, '1', ...spec]);
      if (r.code !== 0) throw new Error(`lab: iptables on ${host}: ${r.stderr.trim()}`);
      return;
    }
    for (let i = 0; i < 20; i++) {
      const r = await this.iptables(host, ['-D', chain, ...spec]);
      if (r.code !== 0) return;
    }
  }

  private async setListen(mode: ListenMode): Promise<void> {
    this.state.listen = mode;
    await writeFile(this.p.nginx.siteConfPath, nginxSiteConf(this.p, mode));
    if (this.nginxRunning()) {
      await this.stopNginx();
      await this.startNginx();
    }
  }

  private async writeSshConfig(bastionOnly: boolean): Promise<void> {
    await writeFile(this.p.sshConfig, sshConfigText(this.p, this.hosts, bastionOnly, this.id));
  }

  private async applyFault(fault: FaultName, on: boolean): Promise<void> {
    const srv = ADDR.server;
    switch (fault) {
      case 'nginx-stopped':
        if (on) await this.stopNginx();
        else await this.startNginx();
        return;
      case 'nginx-bad-config':
        // nginx stopped, and its site config now fails `nginx -t` (an unknown directive on its last line).
        if (on) {
          await this.stopNginx();
          await writeFile(this.p.nginx.siteConfPath, `${nginxSiteConf(this.p, this.state.listen)}this_is_not_a_directive on;\n`);
        } else {
          await writeFile(this.p.nginx.siteConfPath, nginxSiteConf(this.p, this.state.listen));
          await this.startNginx();
        }
        return;
      case 'port-conflict':
        // nginx stopped, and another program (python's http.server) holds 127.0.0.1:80, so nginx
        // could not bind *:80 ("Address already in use") and the client is refused.
        if (on) {
          await this.stopNginx();
          const child = spawn('ip', ['netns', 'exec', this.hosts.server.ns, 'python3', '-m', 'http.server', '--bind', '127.0.0.1', '80'], { stdio: 'ignore', detached: true, env: LAB_ENV });
          child.unref();
          this.squatter = child.pid;
          for (let i = 0; i < 50 && !(await run('ip', ['netns', 'exec', this.hosts.server.ns, 'ss', '-ltn'])).stdout.includes('127.0.0.1:80 '); i++) await new Promise((r) => setTimeout(r, 100));
        } else {
          if (this.squatter !== undefined && alive(this.squatter)) process.kill(this.squatter, 'SIGKILL');
          this.squatter = undefined;
          await this.startNginx();
        }
        return;
      case 'nginx-loopback':
        await this.setListen(on ? 'loopback' : 'default');
        return;
      case 'nginx-other-port':
        await this.setListen(on ? 'other-port' : 'default');
        return;
      case 'server-firewall-drop':
        await this.rule('server', 'INPUT', ['-p', 'tcp', '--dport', '80', '-j', 'DROP'], on);
        return;
      case 'server-firewall-reject':
        await this.rule('server', 'INPUT', ['-p', 'tcp', '--dport', '80', '-j', 'REJECT', '--reject-with', 'tcp-reset'], on);
        return;
      case 'cloud-drop':
        await this.rule('router', 'FORWARD', ['-d', `${srv}/32`, '-p', 'tcp', '--dport', '80', '-j', 'DROP'], on);
        return;
      case 'server-down':
        // The server as the network sees a stopped instance: nothing of it answers (web, SSH,
        // ping); the router drops every packet to it, silently.
        await this.rule('router', 'FORWARD', ['-d', `${srv}/32`, '-j', 'DROP'], on);
        return;
      case 'no-return-route': {
        const ns = this.hosts.server.ns;
        if (on) {
          // the server keeps a route to the bastion's subnet (so it can still be managed through it)
          await ipBatch(ns, [`route replace ${ADDR.bastionNet} via ${ADDR.routerServerSide}`, 'route del default']);
        } else {
          await ipBatch(ns, [`route replace default via ${ADDR.routerServerSide}`]);
          await run('ip', ['-n', ns, 'route', 'del', ADDR.bastionNet]);
        }
        return;
      }
      case 'missing-file':
        // healthy already has no `hogehoge`; healing (the fix) creates it
        if (on) await rm(join(this.p.nginx.docroot, 'hogehoge'), { force: true });
        else await writeFile(join(this.p.nginx.docroot, 'hogehoge'), 'hogehoge\n');
        return;
      case 'apache-missing-file':
        // nginx stopped, Apache httpd serving the same docroot on *:80 (no `hogehoge` there, `fugafuga` is);
        // healing (as for missing-file, the fix) creates it.
        if (on) {
          await rm(join(this.p.nginx.docroot, 'hogehoge'), { force: true });
          await this.stopNginx();
          await this.startApache();
        } else {
          await this.stopApache();
          await writeFile(join(this.p.nginx.docroot, 'hogehoge'), 'hogehoge\n');
          await this.startNginx();
        }
        return;
      case 'wrong-host': {
        // A second server block on *:80 (server_name docs.lab.invalid, its own root) holds
        // /guide.html; the default one (what the client reaches by address) does not.
        const conf = join(this.p.nginx.dir, 'conf.d', 'docs.conf');
        const root = join(this.p.dir, 'server', 'www-docs');
        if (on) {
          await mkdir(root, { recursive: true });
          await writeFile(join(root, 'guide.html'), '<h1>guide</h1>\n');
          await writeFile(conf, ['server {', '    listen 80;', '    server_name docs.lab.invalid;', `    root ${root};`, '}', ''].join('\n'));
        } else {
          await rm(conf, { force: true });
          await rm(root, { recursive: true, force: true });
        }
        if (this.nginxRunning()) {
          await this.stopNginx();
          await this.startNginx();
        }
        return;
      }
      case 'apache-loopback':
        // nginx stopped, Apache httpd on 127.0.0.1:80 only (`Listen 127.0.0.1:80`): the client is refused.
        if (on) {
          await this.stopNginx();
          await this.startApache('127.0.0.1:80');
        } else {
          await this.stopApache();
          await this.startNginx();
        }
        return;
      case 'sshd-stopped':
        if (on) await this.stopSshd('server');
        else await this.startSshd('server');
        return;
      case 'ssh-dropped':
        await this.rule('server', 'INPUT', ['-p', 'tcp', '--dport', '22', '-j', 'DROP'], on);
        return;
      case 'bastion-only':
        await this.rule(
          'router',
          'FORWARD',
          ['-s', ADDR.clientNet, '-d', `${srv}/32`, '-p', 'tcp', '--dport', '22', '-j', 'DROP'],
          on,
        );
        await this.writeSshConfig(on);
        return;
    }
  }
}

function conflicts(a: FaultName, b: FaultName): boolean {
  const listen: FaultName[] = ['nginx-loopback', 'nginx-other-port'];
  return a !== b && listen.includes(a) && listen.includes(b);
}

function tail(file: string, n = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

// ───────────────────────────── public entry points ─────────────────────────────

/** Build a lab for `scenario`. Requires root. */
let ready = false;

/** Root and the lab's Debian packages (test/tools/lab-packages.mjs), or an error that says what is missing and what to run. */
function checkReady(): void {
  if (ready) return;
  const status = labStatus(LAB_ENV);
  if (!status.ready) {
    const fix = status.root ? 'install them with `node test/tools/lab-packages.mjs --install` (`npm test` does it first)' : `run the lab tests with \`${RUN_LAB_TESTS}\``;
    throw new Error(`lab: cannot build the lab: ${status.why}; ${fix}`);
  }
  ready = true;
}

export async function up(scenario: ScenarioName, opts: { id?: string; persist?: boolean } = {}): Promise<Lab> {
  if (!SCENARIOS.includes(scenario)) throw new Error(`lab: unknown scenario ${JSON.stringify(scenario)}; one of ${SCENARIOS.join(', ')}`);
  checkReady();
  const id = validateId(opts.id ?? randomBytes(3).toString('hex'));
  const persist = opts.persist ?? false;
  const dir = join(LAB_ROOT, id);
  const p = pathsOf(dir);
  const hosts = hostsOf(id);

  mkdirSync(LAB_ROOT, { recursive: true, mode: 0o755 });
  // the state dir exists before any namespace does: sweep() can always tell who owns a namespace
  mkdirSync(dir, { mode: 0o755 });
  const present = new Set(listNamespacesSync());
  const existing = HOST_NAMES.map((h) => hosts[h].ns).filter((ns) => present.has(ns));
  if (existing.length > 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`lab: namespaces already exist: ${existing.join(', ')}`);
  }
  const state: LabState = {
    version: 1,
    id,
    scenario,
    dir,
    ownerPid: process.pid,
    persist,
    namespaces: HOST_NAMES.map((h) => hosts[h].ns),
    etcNetns: [join('/etc/netns', hosts.server.ns)],
    faults: [],
    listen: 'default',
    createdAt: new Date().toISOString(),
  };
  await saveState(p, state);
  if (!persist) {
    liveLabs.add(id);
    installExitHandlers();
  }

  try {
    // files
    for (const h of HOST_NAMES) await mkdir(p.hostDir(h), { recursive: true });
    const n = p.nginx;
    await mkdir(join(n.dir, 'conf.d'), { recursive: true });
    await mkdir(n.docroot, { recursive: true });
    await mkdir(join(dir, 'server', 'log'), { recursive: true });
    await mkdir(n.tempDir, { recursive: true });
    const [clientPub, ...hostPubs] = await Promise.all([
      genKey(p.identityFile, `tshoot-lab-${id}`),
      ...HOST_NAMES.map((h) => genKey(p.hostKey(h), `tshoot-lab-${id}-${h}`)),
    ]);
    await writeFile(p.authorizedKeys, `${clientPub}\n`);
    const fingerprints = {} as Record<HostName, string>;
    const kh: string[] = [];
    HOST_NAMES.forEach((h, i) => {
      const pub = hostPubs[i] ?? '';
      fingerprints[h] = fingerprintOf(pub);
      const [type, key] = pub.split(/\s+/);
      const names = [h, ...hosts[h].addrs, ...(h === 'server' ? ['server-direct', 'server-via-bastion'] : [])];
      kh.push(`${names.join(',')} ${type} ${key}`);
    });
    await writeFile(p.knownHosts, kh.join('\n') + '\n');
    for (const h of HOST_NAMES) await writeFile(p.sshdConfig(h), sshdConfigText(p, h, hosts[h].addrs));
    await writeFile(n.confPath, nginxMainConf(p));
    await writeFile(n.siteConfPath, nginxSiteConf(p, 'default'));
    let mime = MIME_FALLBACK;
    try {
      mime = await readFile('/etc/nginx/mime.types', 'utf8');
    } catch {
      /* fallback */
    }
    await writeFile(join(n.dir, 'mime.types'), mime);
    await writeFile(join(n.docroot, 'index.html'), `<!doctype html>\n<title>tshoot lab ${id}</title>\n<p>hello from the lab server</p>\n`);
    await writeFile(join(n.docroot, 'fugafuga'), 'fugafuga\n');
    await writeFile(p.sshConfig, sshConfigText(p, hosts, false, id));
    // inside the server namespace, /etc/nginx is the lab's nginx dir
    mkdirSync(join('/etc/netns', hosts.server.ns), { recursive: true });
    symlinkSync(n.dir, join('/etc/netns', hosts.server.ns, 'nginx'));
    // The server has no Apache configured unless a scenario says so: its /etc/apache2 is an empty
    // folder of the lab's (the machine's own Debian apache2, installed for the tests, is not the server's).
    mkdirSync(noApacheDir(p), { recursive: true });
    symlinkSync(noApacheDir(p), join('/etc/netns', hosts.server.ns, 'apache2'));

    await buildNetwork(id, hosts);

    const lab = new LabImpl(state, fingerprints);
    await Promise.all(HOST_NAMES.map((h) => lab.startSshd(h)));
    if (scenario !== 'nginx-stopped') await lab.startNginx();
    if (scenario !== 'healthy') await lab.inject(scenario);
    return lab;
  } catch (e) {
    liveLabs.delete(id);
    teardownSync(id);
    throw e;
  }
}

/** Operate a lab created by another process (e.g. by `lab up`), from its state under LAB_ROOT. */
export function attach(id: string): Lab {
  const state = loadStateSync(validateId(id));
  if (!state) throw new Error(`lab: no lab ${id} under ${LAB_ROOT}`);
  const p = pathsOf(state.dir);
  const fingerprints = {} as Record<HostName, string>;
  for (const h of HOST_NAMES) {
    try {
      fingerprints[h] = fingerprintOf(readFileSync(`${p.hostKey(h)}.pub`, 'utf8'));
    } catch {
      fingerprints[h] = '';
    }
  }
  return new LabImpl(state, fingerprints);
}

/** Tear down the lab `id` (from any process). */
export async function downById(id: string): Promise<void> {
  liveLabs.delete(id);
  teardownSync(validateId(id));
}

/**
 * Remove leftovers of lab runs. With `prefix` (e.g. `'ts-'` or `'ts-1a2b3c'`): everything whose
 * namespace name starts with it. Without: only labs whose owning process is dead and that were not
 * made to persist (a namespace `ts-*` with no state dir at all counts as dead).
 * Returns the ids removed.
 */
export async function sweep(prefix?: string): Promise<string[]> {
  const ids = new Set<string>();
  const nsNames = listNamespacesSync();
  for (const ns of nsNames) {
    const id = idOfNs(ns);
    if (id) ids.add(id);
  }
  for (const id of listLabIds()) ids.add(id);
  try {
    for (const ns of readdirSync('/etc/netns')) {
      const id = idOfNs(ns);
      if (id) ids.add(id);
    }
  } catch {
    /* none */
  }
  const removed: string[] = [];
  for (const id of ids) {
    if (liveLabs.has(id) && prefix === undefined) continue;
    let doomed: boolean;
    if (prefix !== undefined) {
      doomed = HOST_NAMES.some((h) => nsName(id, h).startsWith(prefix)) || `ts-${id}`.startsWith(prefix);
    } else {
      const st = loadStateSync(id);
      if (!st) {
        // no state: an orphan — unless its dir is being created right now (state written right after mkdir)
        let ageMs = Infinity;
        try {
          ageMs = Date.now() - statSync(join(LAB_ROOT, id)).mtimeMs;
        } catch {
          /* no dir */
        }
        doomed = ageMs > 60_000;
      } else {
        doomed = !st.persist && !alive(st.ownerPid);
      }
    }
    if (doomed) {
      liveLabs.delete(id);
      teardownSync(id);
      removed.push(id);
    }
  }
  return removed;
}

/** Namespace names of all labs present right now (`ts-*`). */
export function labNamespaces(): string[] {
  return listNamespacesSync().filter((ns) => idOfNs(ns) !== undefined);
}
