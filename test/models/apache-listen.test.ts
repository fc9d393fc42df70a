/**
 * models/apache-listen.ts against the real apache2: two network namespaces joined by a veth pair
 * (server 198.18.78.1, .2/24 and fdab::1/64, client 198.18.78.10 and fdab::10), one apache2 per
 * set of `Listen` lines started in the server namespace, every destination connected to for real
 * from the server itself and from the client namespace. The sockets the model derives from the
 * configuration alone, asked through the socket model, must agree with every connection; a set
 * Apache refuses to start with must be one the model says fails. Needs root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheSockets } from '../../src/models/apache-listen.js';
import { acceptingSocket } from '../../src/models/socket.js';
import { apacheConfigParser, mergeApacheConfigs } from '../../src/parsers/apache-config.js';

const ENV = { ...process.env, PATH: `/usr/local/sbin:/usr/sbin:/sbin:${process.env.PATH ?? ''}` };
const TAG = randomBytes(3).toString('hex');
const SRV = `ts-apl-${TAG}`;
const CLI = `ts-apl-${TAG}-c`;
const DIR = mkdtempSync(join(tmpdir(), 'ts-apl-'));
const canRun = process.getuid?.() === 0 && spawnSync('apache2', ['-v'], { env: ENV }).status === 0;

function sh(argv: string[], timeout = 10_000): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout, env: ENV });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const inNs = (ns: string, argv: string[], timeout?: number): string => sh(['ip', 'netns', 'exec', ns, ...argv], timeout);

const CONNECT_PY = String.raw`
import json, socket, sys
out = []
for addr, port in json.load(open(sys.argv[1])):
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(1.5)
    try:
        s.connect((addr, port)); out.append('connected')
    except ConnectionRefusedError:
        out.append('refused')
    except OSError as e:
        out.append('error ' + str(e))
    finally:
        s.close()
print(json.dumps(out))
`;

function connectAll(ns: string, cases: Array<[string, number]>): string[] {
  const f = join(DIR, `connect-${ns}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(cases));
  return JSON.parse(inNs(ns, ['python3', '-c', CONNECT_PY, f], 10_000 + 2_000 * cases.length)) as string[];
}

const LOCAL = ['127.0.0.1', '::1', '198.18.78.1', '198.18.78.2', 'fdab::1'];
const REMOTE = ['198.18.78.1', '198.18.78.2', 'fdab::1'];
const P = 22_600;
/** Each set of Listen lines gets its own port (P+k); `P` stands for it. */
const FORMS: string[][] = [
  ['P'],
  ['0.0.0.0:P'],
  ['127.0.0.1:P'],
  ['198.18.78.1:P'],
  ['[::]:P'],
  ['[::1]:P'],
  ['[fdab::1]:P'],
  ['[::]:P', '0.0.0.0:P'],
  ['0.0.0.0:P', '[::]:P'],
  ['P https'],
  ['127.0.0.1:P', '[::1]:P'],
  ['198.18.78.2:P', '127.0.0.1:P'],
  ['0.0.0.0:P', '[::1]:P'],
  // Apache does not start with these: the model must say so.
  ['P', '127.0.0.1:P'],
  ['0.0.0.0:P', '198.18.78.1:P'],
  ['[::]:P', '[::1]:P'],
];

describe.runIf(canRun)('apacheSockets against the real apache2 (Listen forms, real connections)', () => {
  beforeAll(() => {
    sh(['ip', 'netns', 'add', SRV]);
    sh(['ip', 'netns', 'add', CLI]);
    sh(['ip', 'link', 'add', `tav${TAG}`, 'netns', SRV, 'type', 'veth', 'peer', 'name', `tac${TAG}`, 'netns', CLI]);
    inNs(SRV, ['ip', 'link', 'set', `tav${TAG}`, 'name', 'v0']);
    inNs(CLI, ['ip', 'link', 'set', `tac${TAG}`, 'name', 'c0']);
    for (const a of ['198.18.78.1/24', '198.18.78.2/24']) inNs(SRV, ['ip', 'addr', 'add', a, 'dev', 'v0']);
    inNs(SRV, ['ip', 'addr', 'add', 'fdab::1/64', 'dev', 'v0', 'nodad']);
    inNs(CLI, ['ip', 'addr', 'add', '198.18.78.10/24', 'dev', 'c0']);
    inNs(CLI, ['ip', 'addr', 'add', 'fdab::10/64', 'dev', 'c0', 'nodad']);
    for (const [ns, dev] of [[SRV, 'v0'], [CLI, 'c0']] as const) {
      inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
      inNs(ns, ['ip', 'link', 'set', dev, 'up']);
    }
    for (let i = 0; i < 30; i++) if (spawnSync('ip', ['netns', 'exec', CLI, 'ping', '-6', '-c', '1', '-W', '1', 'fdab::1'], { env: ENV, timeout: 3_000 }).status === 0) break;
    chmodSync(DIR, 0o755);
  });

  afterAll(() => {
    for (const ns of [CLI, SRV]) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', env: ENV, timeout: 5_000 }).stdout ?? '';
      for (const pid of pids.split(/\s+/).map(Number).filter((n) => n > 0 && n !== process.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      spawnSync('ip', ['netns', 'del', ns], { env: ENV, timeout: 5_000 });
    }
    rmSync(DIR, { recursive: true, force: true });
  });

  const figures = { forms: 0, connections: 0, decided: 0, agreed: 0, refusedToStart: 0, wrong: [] as string[] };

  FORMS.forEach((form, k) => {
    const port = P + k;
    const lines = form.map((l) => `Listen ${l.replace('P', String(port))}`);
    it(lines.join(' + '), async () => {
      figures.forms++;
      const d = join(DIR, `f${k}`);
      const conf = `${d}.conf`;
      sh(['mkdir', '-p', d]);
      writeFileSync(
        conf,
        [
          `ServerRoot ${d}`,
          `PidFile ${d}/httpd.pid`,
          `Mutex file:${d} default`,
          `DefaultRuntimeDir ${d}`,
          `ErrorLog ${d}/error.log`,
          'ServerName listen.test',
          'User www-data',
          'Group www-data',
          'Include /etc/apache2/mods-available/mpm_event.load',
          'Include /etc/apache2/mods-available/authz_core.load',
          ...lines,
          '',
        ].join('\n'),
      );
      const dump = spawnSync('apache2', ['-d', d, '-f', conf, '-t', '-D', 'DUMP_VHOSTS', '-D', 'DUMP_RUN_CFG', '-D', 'DUMP_MODULES', '-D', 'DUMP_INCLUDES'], { encoding: 'utf8', env: ENV, timeout: 10_000 });
      const grep = spawnSync('grep', ['-RnH', '-e', '', '--', conf], { encoding: 'utf8', timeout: 10_000 });
      const model = apacheSockets(mergeApacheConfigs([apacheConfigParser.parse(`${dump.stdout}${dump.stderr}`), apacheConfigParser.parse(grep.stdout)]));
      expect(model.unknown).toEqual([]);
      const child = spawn('ip', ['netns', 'exec', SRV, 'apache2', '-d', d, '-f', conf, '-D', 'FOREGROUND'], { env: ENV, stdio: 'ignore' });
      let listing = '';
      for (let i = 0; i < 60 && child.exitCode === null; i++) {
        listing = inNs(SRV, ['ss', '-ltn']);
        if (listing.includes(`:${port} `)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 200));
      const started = child.exitCode === null && listing.includes(`:${port} `);
      try {
        if (!started) {
          figures.refusedToStart++;
          const log = existsSync(`${d}/error.log`) ? readFileSync(`${d}/error.log`, 'utf8') : '';
          expect(model.fails, `apache2 did not start: ${log}`).not.toBe('');
          return;
        }
        expect(model.fails).toBe('');
        const local = LOCAL.map((a) => [a, port] as [string, number]);
        const remote = REMOTE.map((a) => [a, port] as [string, number]);
        const realLocal = connectAll(SRV, local);
        const realRemote = connectAll(CLI, remote);
        const check = (addr: string, real: string, iface: string) => {
          figures.connections++;
          const v = acceptingSocket(model, { addr, port, iface });
          if (v.unknown) return;
          figures.decided++;
          if (v.accepts === (real === 'connected')) figures.agreed++;
          else figures.wrong.push(`${lines.join(' + ')}: ${addr} (${iface || 'lo'}) model ${v.accepts ? 'accepts' : `refuses (${v.reason})`}, apache2 ${real}`);
        };
        local.forEach(([a], i) => check(a, realLocal[i]!, ''));
        remote.forEach(([a], i) => check(a, realRemote[i]!, 'v0'));
      } finally {
        if (child.exitCode === null) {
          const done = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
        }
        const pid = existsSync(`${d}/httpd.pid`) ? Number(readFileSync(`${d}/httpd.pid`, 'utf8')) : 0;
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            /* gone */
          }
        }
      }
    }, 30_000);
  });

  it('agrees on every connection, decided from the configuration alone', () => {
    console.log(
      `[apache-listen] ${figures.forms} Listen sets (${figures.refusedToStart} Apache refused to start with, all foreseen), ${figures.connections} connections, ${figures.decided} decided, ${figures.agreed} agreed, ${figures.wrong.length} disagreements`,
    );
    for (const w of figures.wrong) console.log(`[apache-listen] DISAGREES: ${w}`);
    expect(figures.wrong).toEqual([]);
    expect(figures.refusedToStart).toBe(3);
    expect(figures.decided).toBe(figures.connections);
    expect(figures.connections).toBe((FORMS.length - 3) * (LOCAL.length + REMOTE.length));
  });
});

describe('apacheSockets: forms it cannot place', () => {
  it('names a host name and a Listen under an unknown condition', () => {
    const c = apacheConfigParser.parse(['/c/a.conf:1:Listen localhost:8080', '/c/a.conf:2:<IfModule ssl_module>', '/c/a.conf:3:Listen 443 https', '/c/a.conf:4:</IfModule>', '/c/a.conf:5:Listen 8081'].join('\n'));
    const s = apacheSockets(c);
    expect(s.unknown).toEqual(['/c/a.conf:1: Listen localhost:8080 (a name Apache looks up when it starts)', '/c/a.conf:3: Listen 443 https (inside a section whose condition is not known)']);
    expect(s.sockets.map((x) => `${x.local_addr}:${x.local_port}`)).toEqual(['*:8081']);
    expect(acceptingSocket(s, { addr: '198.18.0.5', port: 8081 }).accepts).toBe(true);
  });
});
