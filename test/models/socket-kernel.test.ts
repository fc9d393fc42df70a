/**
 * models/socket.ts against the kernel. Two network namespaces joined by a veth pair:
 *
 *   client ns  c0 198.18.77.10/24 fdaa::10/64 ── v0 198.18.77.1, .2/24 fdaa::1, ::2/64  server ns
 *
 * Generated listener sets are bound for real in the server namespace (python3 sockets with
 * IPV6_V6ONLY unset/0/1, SO_REUSEPORT, SO_BINDTODEVICE, specific, wildcard, loopback and
 * IPv4-mapped addresses; binds the kernel refuses are simply absent), under
 * net.ipv6.bindv6only 0 and 1, and nginx with `listen` in each form. Each destination is then
 * connected to for real, from the server itself (packets come in on `lo`) and from the client
 * namespace (on `v0`); every listener answers with its own id. The model, given the real
 * `ss -ltnp` (and `ss -ltnpe`), must agree whenever it claims a verdict.
 *
 * Needs root (CI runs as root). Traffic stays inside the two namespaces: 198.18.77.0/24,
 * fdaa::/64, loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptingSocket, type SocketVerdict } from '../../src/models/socket.js';
import { ssParser } from '../../src/parsers/ss.js';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';
import { nginxSockets } from '../../src/models/nginx-listen.js';
import { rng } from './firewall-gen.js';

const ENV = { ...process.env, PATH: `/usr/local/sbin:/usr/sbin:/sbin:${process.env.PATH ?? ''}` };
const TAG = randomBytes(3).toString('hex');
const SRV = `ts-sock-${TAG}`;
const CLI = `ts-sock-${TAG}-c`;
const DIR = mkdtempSync(join(tmpdir(), 'ts-sock-'));
const SEED = Number(process.env.TSHOOT_SOCK_SEED ?? randomBytes(4).readUInt32LE(0));

function sh(argv: string[], timeout = 10_000): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout, env: ENV });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const inNs = (ns: string, argv: string[], timeout?: number): string => sh(['ip', 'netns', 'exec', ns, ...argv], timeout);

// ── the listeners: one python3 process per round, binding a list of specs in order ──

interface Spec {
  id: string;
  fam: 4 | 6;
  addr: string;
  port: number;
  /** null: the sysctl's default */
  v6only: 0 | 1 | null;
  reuseport: boolean;
  dev: '' | 'lo' | 'v0';
}

const SERVER_PY = String.raw`
import json, os, selectors, socket, sys
specs = json.load(open(sys.argv[1]))
out, socks = [], []
for s in specs:
    fam = socket.AF_INET6 if s['fam'] == 6 else socket.AF_INET
    k = socket.socket(fam, socket.SOCK_STREAM)
    try:
        if s['reuseport']: k.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if s['v6only'] is not None: k.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, s['v6only'])
        if s['dev']: k.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, s['dev'].encode())
        k.bind((s['addr'], s['port']))
        k.listen(64)
        k.setblocking(False)
        socks.append((k, s['id']))
        out.append({'id': s['id'], 'fd': k.fileno()})
    except OSError as e:
        k.close()
        out.append({'id': s['id'], 'fd': -1, 'err': e.strerror})
json.dump(out, open(sys.argv[2], 'w'))
sel = selectors.DefaultSelector()
for k, i in socks: sel.register(k, selectors.EVENT_READ, i)
print('READY', flush=True)
while True:
    for key, _ in sel.select():
        try:
            c, _a = key.fileobj.accept()
            c.setblocking(True)
            c.sendall((key.data + '\n').encode())
            c.close()
        except OSError:
            pass
`;

const CLIENT_PY = String.raw`
import json, socket, sys
res = []
for d, port in json.load(open(sys.argv[1])):
    fam = socket.AF_INET6 if ':' in d else socket.AF_INET
    k = socket.socket(fam, socket.SOCK_STREAM)
    # ::ffff:a.b.c.d is sent as IPv4 only by a dual-stack client socket, whatever bindv6only says.
    if fam == socket.AF_INET6: k.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    k.settimeout(2)
    try:
        k.connect((d, port))
        buf = b''
        while not buf.endswith(b'\n') and len(buf) < 200:
            b = k.recv(200)
            if not b: break
            buf += b
        res.append('id:' + buf.decode().strip() if buf else 'connected')
    except ConnectionRefusedError:
        res.append('refused')
    except socket.timeout:
        res.append('timeout')
    except OSError as e:
        res.append('error:' + str(e))
    finally:
        k.close()
json.dump(res, sys.stdout)
`;

/** For HTTP listeners (nginx): connected or not. */
const CONNECT_PY = CLIENT_PY.replace("while not buf.endswith(b'\\n') and len(buf) < 200:", 'while False:');

const children: ChildProcess[] = [];

async function startListeners(specs: Spec[], round: string): Promise<Map<number, string>> {
  const specFile = join(DIR, `${round}.json`);
  const outFile = join(DIR, `${round}.out.json`);
  writeFileSync(specFile, JSON.stringify(specs));
  const child = spawn('ip', ['netns', 'exec', SRV, 'python3', '-c', SERVER_PY, specFile, outFile], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('listeners did not start')), 15_000);
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('READY')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`listeners exited ${code}`)));
  });
  const bound = JSON.parse(readFileSync(outFile, 'utf8')) as { id: string; fd: number }[];
  return new Map(bound.filter((b) => b.fd >= 0).map((b) => [b.fd, b.id]));
}

/** SIGTERM: nginx's master then stops its workers; afterAll kills what is left in the namespaces. */
function stop(child: ChildProcess | undefined): void {
  if (child && child.exitCode === null && child.pid) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
}

/** Whatever still runs in the test's namespaces (only processes this file started run there). */
function killLeftovers(): void {
  for (const ns of [SRV, CLI]) {
    const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', env: ENV, timeout: 5_000 });
    for (const pid of (r.stdout ?? '').split(/\s+/).map(Number).filter((n) => n > 0 && n !== process.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

function connectAll(ns: string, cases: [string, number][], script = CLIENT_PY): string[] {
  const f = join(DIR, `connect-${ns}-${cases.length}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(cases));
  // Refusals come back at once (RST) inside a namespace; 2 s per case bounds the worst case.
  return JSON.parse(inNs(ns, ['python3', '-c', script, f], 10_000 + 2_500 * cases.length)) as string[];
}

// ── generation ──


const V4 = ['0.0.0.0', '127.0.0.1', '198.18.77.1', '198.18.77.2'];
const V6 = ['::', '::', '::1', 'fdaa::1', '::ffff:127.0.0.1', '::ffff:198.18.77.1'];

function generate(rand: () => number, n: number, firstPort: number, round: string): Spec[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const specs: Spec[] = [];
  for (let k = 0; k < n; k++) {
    const port = firstPort + k;
    const count = 1 + Math.floor(rand() * 3);
    const reuse = rand() < 0.4;
    for (let j = 0; j < count; j++) {
      const fam = rand() < 0.5 ? 4 : 6;
      const s: Spec = {
        id: `${round}-${port}-${j}`,
        fam,
        addr: pick(fam === 4 ? V4 : V6),
        port,
        v6only: fam === 6 ? pick([null, 0, 1] as const) : null,
        reuseport: reuse || rand() < 0.15,
        dev: rand() < 0.15 ? pick(['lo', 'v0'] as const) : '',
      };
      specs.push(s);
      // An SO_REUSEPORT group: the same bind twice.
      if (s.reuseport && rand() < 0.3) specs.push({ ...s, id: `${s.id}b` });
    }
  }
  return specs;
}

// From the server itself (in on lo) and from the client namespace (in on v0).
const LOCAL_DESTS = ['127.0.0.1', '127.0.0.2', '::1', '198.18.77.1', '198.18.77.2', 'fdaa::1', 'fdaa::2', '::ffff:127.0.0.1', '::ffff:198.18.77.1'];
const REMOTE_DESTS = ['198.18.77.1', '198.18.77.2', 'fdaa::1', 'fdaa::2', '::ffff:198.18.77.2'];

interface Tally {
  cases: number;
  agreed: number;
  unknown: number;
  accepted: number;
  refused: number;
  /** Accepted through an SO_REUSEPORT group of several sockets. */
  grouped: number;
  disagreements: string[];
}
const tally: Tally = { cases: 0, agreed: 0, unknown: 0, accepted: 0, refused: 0, grouped: 0, disagreements: [] };
const reasons = new Map<string, number>();

function fdOf(line: string): number {
  return Number(/fd=(\d+)/.exec(line)?.[1] ?? -1);
}

/** Compares one model verdict with one real connection; `ids` maps fds to listener ids (null: any socket of `process`). */
function compare(v: SocketVerdict, real: string, ids: Map<number, string> | null, what: string, process = 'python3'): void {
  tally.cases++;
  reasons.set(v.unknown ? `unknown:${v.reason}` : v.reason, (reasons.get(v.unknown ? `unknown:${v.reason}` : v.reason) ?? 0) + 1);
  if (v.unknown) {
    tally.unknown++;
    return;
  }
  const connected = real.startsWith('id:') || real === 'connected';
  if (connected) tally.accepted++;
  else tally.refused++;
  if (v.accepts && v.group.length > 1) tally.grouped++;
  let ok: boolean;
  if (!v.accepts) ok = real === 'refused';
  else if (!connected) ok = false;
  else if (ids) ok = v.group.some((s) => ids.get(fdOf(s.line)) === real.slice(3));
  else ok = v.socket.process === process;
  if (ok) tally.agreed++;
  else {
    const said = v.accepts ? `accepts via ${v.group.map((s) => `${s.addr}:${s.port}#${ids?.get(fdOf(s.line)) ?? s.process}`).join('|')} (${v.reason})` : `refuses (${v.reason})`;
    tally.disagreements.push(`${what}: model ${said}, kernel ${real}`);
  }
}

describe('acceptingSocket against the kernel', () => {
  beforeAll(() => {
    sh(['ip', 'netns', 'add', SRV]);
    sh(['ip', 'netns', 'add', CLI]);
    sh(['ip', 'link', 'add', `tsv${TAG}`, 'netns', SRV, 'type', 'veth', 'peer', 'name', `tsc${TAG}`, 'netns', CLI]);
    inNs(SRV, ['ip', 'link', 'set', `tsv${TAG}`, 'name', 'v0']);
    inNs(CLI, ['ip', 'link', 'set', `tsc${TAG}`, 'name', 'c0']);
    for (const a of ['198.18.77.1/24', '198.18.77.2/24']) inNs(SRV, ['ip', 'addr', 'add', a, 'dev', 'v0']);
    for (const a of ['fdaa::1/64', 'fdaa::2/64']) inNs(SRV, ['ip', 'addr', 'add', a, 'dev', 'v0', 'nodad']);
    inNs(CLI, ['ip', 'addr', 'add', '198.18.77.10/24', 'dev', 'c0']);
    inNs(CLI, ['ip', 'addr', 'add', 'fdaa::10/64', 'dev', 'c0', 'nodad']);
    for (const [ns, dev] of [[SRV, 'v0'], [CLI, 'c0']] as const) {
      inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
      inNs(ns, ['ip', 'link', 'set', dev, 'up']);
    }
    // IPv6 neighbour discovery over a fresh veth: wait until the client reaches the server.
    for (let i = 0; i < 50; i++) {
      if (spawnSync('ip', ['netns', 'exec', CLI, 'ping', '-6', '-c', '1', '-W', '1', 'fdaa::1'], { env: ENV, timeout: 3_000 }).status === 0) break;
    }
  });

  afterAll(() => {
    for (const c of children) stop(c);
    spawnSync('sleep', ['0.5']);
    killLeftovers();
    for (const ns of [CLI, SRV]) spawnSync('ip', ['netns', 'del', ns], { env: ENV, timeout: 5_000 });
    rmSync(DIR, { recursive: true, force: true });
    const byReason = [...reasons].sort().map(([r, n]) => `${r}=${n}`).join(' ');
    console.log(`socket model vs kernel (seed ${SEED}): ${tally.cases} cases, ${tally.agreed} agreed, ${tally.unknown} unknown, ` +
      `${tally.disagreements.length} disagreements (kernel: ${tally.accepted} accepted, ${tally.refused} refused; ${tally.grouped} through SO_REUSEPORT groups); ${byReason}`);
  });

  for (const bindv6only of [0, 1] as const) {
    it(`python3 listeners, net.ipv6.bindv6only=${bindv6only}`, async () => {
      inNs(SRV, ['sysctl', '-qw', `net.ipv6.bindv6only=${bindv6only}`]);
      const rand = rng(SEED + bindv6only);
      const first = 20_000 + bindv6only * 1_000;
      const specs = generate(rand, 40, first, `b${bindv6only}`);
      const ids = await startListeners(specs, `b${bindv6only}`);
      const before = tally.disagreements.length;
      const listings = { plain: ssParser.parse(inNs(SRV, ['ss', '-ltnp'])), extended: ssParser.parse(inNs(SRV, ['ss', '-ltnpe'])) };
      const ports = [...new Set(specs.map((s) => s.port))];
      const local = ports.flatMap((p) => LOCAL_DESTS.map((d) => [d, p] as [string, number]));
      const remote = ports.flatMap((p) => REMOTE_DESTS.map((d) => [d, p] as [string, number]));
      const realLocal = connectAll(SRV, local);
      const realRemote = connectAll(CLI, remote);
      for (const [name, ss] of Object.entries(listings)) {
        local.forEach(([d, p], i) => compare(acceptingSocket(ss, { addr: d, port: p, bindv6only: bindv6only === 1 }), realLocal[i]!, ids, `${name} local ${d} :${p}`));
        remote.forEach(([d, p], i) =>
          compare(acceptingSocket(ss, { addr: d, port: p, bindv6only: bindv6only === 1, iface: 'v0' }), realRemote[i]!, ids, `${name} remote ${d} :${p}`),
        );
      }
      const mine = tally.disagreements.slice(before);
      expect(mine, `listeners:\n${inNs(SRV, ['ss', '-ltnp'])}`).toEqual([]);
      stop(children.pop());
    });
  }

  it('nginx listening each way', async () => {
    const P = 21_900;
    const listens: string[][] = [
      ['[::]:P ipv6only=on'],
      ['[::]:P ipv6only=off'],
      ['127.0.0.1:P'],
      ['198.18.77.1:P'],
      ['P'],
      ['P', '[::]:P'],
      ['127.0.0.1:P', '[::1]:P'],
      ['P reuseport'],
      ['198.18.77.2:P', '127.0.0.1:P'],
      ['[fdaa::1]:P'],
      ['[::1]:P'],
      ['198.18.77.1:P', '[::]:P ipv6only=on'],
    ];
    const servers = listens.map((ls, k) => `server {\n${ls.map((l) => `  listen ${l.replaceAll('P', String(P + k))};\n`).join('')}  return 200 "n${k}\\n";\n}`);
    const conf = join(DIR, 'nginx.conf');
    writeFileSync(
      conf,
      [
        'user root;',
        'worker_processes 2;',
        'daemon off;',
        `pid ${DIR}/nginx.pid;`,
        `error_log ${DIR}/nginx-error.log;`,
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${DIR}/${t};`),
        ...servers,
        '}',
      ].join('\n'),
    );
    const child = spawn('ip', ['netns', 'exec', SRV, 'nginx', '-c', conf, '-p', `${DIR}/`, '-e', `${DIR}/nginx-error.log`], { env: ENV, stdio: 'ignore' });
    children.push(child);
    let listing = '';
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      const last = listing;
      listing = inNs(SRV, ['ss', '-ltnp']);
      // nginx binds its sockets one by one: wait until every port shows, nginx owns a socket per
      // listen group at least, and two reads agree (a read between two binds saw 10 of them).
      const owned = ssParser.parse(listing).sockets.filter((s) => s.process === 'nginx').length;
      if (listens.every((_, k) => listing.includes(`:${P + k} `)) && owned >= listens.length && listing === last) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const ss = ssParser.parse(listing);
    expect(child.exitCode, readFileSync(`${DIR}/nginx-error.log`, 'utf8')).toBe(null);
    expect(ss.sockets.filter((s) => s.process === 'nginx').length).toBeGreaterThanOrEqual(listens.length);
    const before = tally.disagreements.length;
    const ports = listens.map((_, k) => P + k);
    const local = ports.flatMap((p) => LOCAL_DESTS.map((d) => [d, p] as [string, number]));
    const remote = ports.flatMap((p) => REMOTE_DESTS.map((d) => [d, p] as [string, number]));
    const realLocal = connectAll(SRV, local, CONNECT_PY);
    const realRemote = connectAll(CLI, remote, CONNECT_PY);
    local.forEach(([d, p], i) => compare(acceptingSocket(ss, { addr: d, port: p }), realLocal[i]!, null, `nginx local ${d} :${p}`, 'nginx'));
    remote.forEach(([d, p], i) => compare(acceptingSocket(ss, { addr: d, port: p, iface: 'v0' }), realRemote[i]!, null, `nginx remote ${d} :${p}`, 'nginx'));
    expect(tally.disagreements.slice(before), listing).toEqual([]);
    // The sockets nginx would open, from its configuration alone (models/nginx-listen.ts: the
    // would-fix check of start/bind fixes), against the same real connections.
    const would = nginxSockets(nginxConfigParser.parse(readFileSync(conf, 'utf8')));
    const wrong: string[] = [];
    let decided = 0;
    const check = (d: string, p: number, real: string) => {
      const v = acceptingSocket(would, { addr: d, port: p });
      if (v.unknown) return;
      decided++;
      const connected = real.startsWith('id:') || real === 'connected';
      if (v.accepts !== connected) wrong.push(`${d}:${p} model ${v.accepts ? 'accepts' : `refuses (${v.reason})`}, nginx ${real}`);
    };
    local.forEach(([d, p], i) => check(d, p, realLocal[i]!));
    remote.forEach(([d, p], i) => check(d, p, realRemote[i]!));
    console.log(`nginx listen model: ${decided} of ${local.length + remote.length} connections decided from the configuration alone, ${wrong.length} disagreements`);
    expect(wrong).toEqual([]);
    expect(decided).toBe(local.length + remote.length);
    stop(children.pop());
  });

  it('has enough cases, and the model decided nearly all of them', () => {
    expect(tally.cases).toBeGreaterThanOrEqual(500);
    expect(tally.agreed + tally.unknown).toBe(tally.cases);
    // Unknown only where the listing cannot tell (a device-bound socket and the device unknown).
    expect(tally.unknown).toBeLessThan(tally.cases / 10);
    expect(tally.accepted).toBeGreaterThan(50);
    expect(tally.refused).toBeGreaterThan(50);
  });
});
