/**
 * The not-found flow against real Apache httpd on the oracle cases (../shared/oracle-apache): for
 * every URL Apache answers 404, the built CLI (`tshoot run not-found --target URL
 * --non-interactive --json`, the local executor: this machine plays client and server) must give
 * the card the oracle says is true:
 *
 * - Apache handed the request to a backend (its log's `%R` is a proxy or CGI handler): the
 *   `apache_upstream` end;
 * - no backend: not `apache_upstream`; a static fix must name the file Apache missed (its `%f`)
 *   when that file does not exist, and a `wrong-path` suggestion must answer 200 when the test
 *   asks for it; `apache_unknown` is counted apart, with its reason.
 *
 * Each run is in a private mount namespace (unshare -m): a hosts file over /etc/hosts (no DNS
 * lookup, the name reaches the address the case listens on), and the case's ServerRoot over
 * /etc/apache2, so `apache2ctl` and `grep -R /etc/apache2` read the case as they read a Debian
 * host (Debian's mods-available copied in: the case's apache2.conf includes them by that path).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { ApacheOracle, apacheCaseIds, type ApacheAnswer, type ApacheOracleCase, type ApacheOracleRequest } from './apache-oracle.js';

const canRun = process.getuid?.() === 0 && existsSync(join(ROOT, 'dist', 'tshoot.cjs')) && existsSync('/etc/apache2/mods-available');
if (!canRun) console.warn('Apache not-found flow oracle skipped: it needs root, apache2 and a built dist/tshoot.cjs');

interface Card {
  outcome: string;
  fix: { id: string; summary: string } | null;
  end?: { title: string; checked: string[] };
  error?: { message: string };
  evidence?: Array<{ role: string; command: string; lines: string[] }>;
}

/** The flow's Apache ends by their English titles (the JSON card carries the title). */
const ENDS: Record<string, string> = {
  'The 404 comes from the application behind Apache': 'apache_upstream',
  'tshoot cannot tell what Apache does with this URL': 'apache_unknown',
  'Not a 404 on the server: Apache answers 403 Forbidden': 'apache_forbidden',
  'The server itself does not answer 404: something between does': 'other_server',
  'No nginx server block serves this port': 'not_nginx',
};

let hostsFiles = 0;

function runFlow(c: ApacheOracleCase, url: string, req: ApacheOracleRequest, host: string): Promise<{ code: number; out: Card | undefined; stderr: string }> {
  const hosts = join(c.o.dir, `hosts-${++hostsFiles}`);
  writeFileSync(hosts, `127.0.0.1 localhost\n${host ? `${req.addr} ${host}\n` : ''}`);
  const cli = join(ROOT, 'dist', 'tshoot.cjs');
  const script = `mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/apache2 && shift 2 && exec "$@"`;
  const args = ['-m', 'sh', '-c', script, 'sh', hosts, c.root, process.execPath, cli, 'run', 'not-found', '--target', url, '--host', 'server=local', '--host', 'client=local', '--non-interactive', '--json', '--no-transcript'];
  return new Promise((resolve) => {
    const p = spawn('unshare', args, { env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: join(c.o.dir, 'state'), XDG_CACHE_HOME: join(c.o.dir, 'cache') } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      let out: Card | undefined;
      try {
        out = JSON.parse(stdout) as Card;
      } catch {
        out = undefined;
      }
      resolve({ code: code ?? -1, out, stderr });
    });
  });
}

function get(addr: string, port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve) => {
    const r = http.request({ host: addr, port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', () => resolve(0));
    r.on('timeout', () => r.destroy());
    r.end();
  });
}

function cardOf(out: Card): string {
  if (out.fix) return out.fix.id;
  if (out.end) return `end:${ENDS[out.end.title] ?? out.end.title}`;
  return `${out.outcome}: ${out.error?.message ?? ''}`;
}

/**
 * Apache handed the request to something that decides the status itself: a proxy, or a CGI
 * script that exists (a missing script under ScriptAlias is Apache's own 404, `%R` says cgi-script all the same).
 */
const backend = (a: ApacheAnswer) => a.handler.startsWith('proxy') || (/cgi-script/.test(a.handler) && existsSync(a.filename) && statSync(a.filename).isFile());

/**
 * The file the card must name: Apache's `%f` (the final request's), unless that is an
 * ErrorDocument's own file, missing too: then the card names the ErrorDocument.
 */
function namesTheMiss(text: string, a: ApacheAnswer): boolean {
  if (!a.filename || existsSync(a.filename) || text.includes(JSON.stringify(a.filename).slice(1, -1))) return true;
  const doc = /ErrorDocument 404 (\/[^ "]+)/.exec(text)?.[1];
  return doc !== undefined && a.filename.endsWith(doc);
}

/** A free port P for which `ss -ltn` lists 127.0.0.2:P before 127.0.0.1:P (tried on both, at most 64 ports). */
async function portListedSecondAddressFirst(): Promise<number> {
  const listen = (port: number, host: string) =>
    new Promise<net.Server | undefined>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, host, () => resolve(s));
    });
  for (let i = 0; i < 64; i++) {
    const a = (await listen(0, '127.0.0.1'))!;
    const port = (a.address() as net.AddressInfo).port;
    const b = await listen(port, '127.0.0.2');
    const ss = b ? spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).stdout : '';
    await Promise.all([a, b].map((s) => new Promise((r) => (s ? s.close(r) : r(null)))));
    if (/^\S+\s+\S+\s+\S+\s+127\.0\.0\.2:/.test(ss)) return port;
  }
  throw new Error('no port among 64 that ss lists 127.0.0.2 first');
}

describe.runIf(canRun)('not-found flow on the Apache oracle cases (real CLI, local executor)', () => {
  const oracle = new ApacheOracle();
  const figures = { notFound: 0, run: 0, right: 0, unknown: 0, skipped: [] as string[], unsupported: [] as string[], wrong: [] as string[], unknowns: [] as string[], cards: new Map<string, number>() };

  beforeAll(async () => {
    await oracle.start();
  });
  afterAll(async () => {
    await oracle.stop();
  });

  for (const id of apacheCaseIds()) {
    it(id, async () => {
      const c = await oracle.load(id);
      oracle.apps.setRoutes(c.json.app_routes ?? []);
      if (!(await c.start())) {
        figures.unsupported.push(`${id}: ${c.unsupported}`);
        return;
      }
      // The case's apache2.conf includes Debian's module files by their /etc/apache2 path.
      cpSync('/etc/apache2/mods-available', join(c.root, 'mods-available'), { recursive: true, dereference: true });
      try {
        const notFound: Array<{ req: ApacheOracleRequest; a: ApacheAnswer }> = [];
        for (const req of c.requests) {
          const a = await c.ask(req);
          if (a.status === 404) notFound.push({ req, a });
        }
        const check = async ({ req, a }: { req: ApacheOracleRequest; a: ApacheAnswer }): Promise<void> => {
          figures.notFound++;
          const name = /^[\d.]+(:\d+)?$/.test(req.host) ? '' : req.host.replace(/:\d+$/, '').toLowerCase();
          if (name.endsWith('.') || /%2e|\/\.\.?(\/|$)|\/\//i.test(req.path)) {
            figures.skipped.push(`${id} ${req.line}: a URL the CLI's URL parser would change (trailing dot, dot segments, //)`);
            return;
          }
          const url = `http://${name || req.addr}:${req.port}${req.path}`;
          const r = await runFlow(c, url, req, name);
          figures.run++;
          if (!r.out) {
            figures.wrong.push(`${id} ${req.line}: no JSON (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
            return;
          }
          const card = cardOf(r.out);
          figures.cards.set(card, (figures.cards.get(card) ?? 0) + 1);
          const text = JSON.stringify(r.out);
          if (process.env.FLOW_ORACLE_DUMP) console.log(`[apache-flow-oracle] ${id} ${req.line}: ${text}`);
          const wrong = (why: string): void => {
            figures.wrong.push(`${id} ${req.line}: ${card}: ${why} (Apache: ${a.status} ${a.filename} ${a.handler})`);
          };
          if (card === 'end:apache_unknown') {
            figures.unknown++;
            figures.unknowns.push(`${id} ${req.line}: ${r.out.end?.checked.join('; ') ?? ''}`);
            return;
          }
          if (backend(a)) {
            if (card === 'end:apache_upstream') figures.right++;
            else wrong('Apache handed it to a backend: expected apache_upstream');
            return;
          }
          if (card === 'end:apache_upstream') return wrong('no backend was used');
          if (!['wrong-path', 'missing-file', 'wrong-document-root'].includes(card)) return wrong('not a 404 card');
          if (!namesTheMiss(text, a)) return wrong(`the card does not name ${a.filename}, the file Apache missed`);
          if (card === 'wrong-path') {
            // The suggestion the card checked (its last evidence), asked again here.
            const checked = r.out.evidence?.at(-1)?.lines.join(' ') ?? '';
            const m = /for (http:\/\/\S+) \(Host: ([^)]+)\)/.exec(checked);
            const u = m ? new URL(m[1]!) : undefined;
            const st = u ? await get(u.hostname, Number(u.port || 80), m![2]!, `${u.pathname}${u.search}`) : 0;
            if (st !== 200) return wrong(`the suggested URL ${m?.[1] ?? '(none)'} answers ${st}`);
          }
          figures.right++;
        };
        for (let i = 0; i < notFound.length; i += 3) await Promise.all(notFound.slice(i, i + 3).map(check));
      } finally {
        await c.stop();
      }
    }, 300_000);
  }

  // The main server of 07-vhosts-ip-based listens on 127.0.0.1:P and 127.0.0.2:P (its name-based
  // vhosts on the second). ss lists the two in the kernel's hash order of address and port, so
  // for some ports 127.0.0.2 comes first: the request from the server must still reach the main server.
  it('07-vhosts-ip-based: the main server on a port ss lists 127.0.0.2 first', async () => {
    const port = await portListedSecondAddressFirst();
    const o = new ApacheOracle();
    await o.start();
    try {
      o.ports.set(18208, port);
      const c = await o.load('07-vhosts-ip-based');
      expect(await c.start()).toBe(true);
      cpSync('/etc/apache2/mods-available', join(c.root, 'mods-available'), { recursive: true, dereference: true });
      const req = c.requests.find((r) => r.line === '/one.html')!;
      expect((await c.ask(req)).status).toBe(404);
      const r = await runFlow(c, `http://127.0.0.1:${port}/one.html`, req, '');
      expect(r.out && cardOf(r.out)).toBe('wrong-path');
      expect(JSON.stringify(r.out)).toContain(`for http://127.0.0.1:${port}/index.html`);
    } finally {
      await o.stop();
    }
  }, 120_000);

  it('gives the right card for every 404', () => {
    console.log(`[apache-flow-oracle] 404s ${figures.notFound}, run ${figures.run}, right ${figures.right}, unknown ${figures.unknown}, wrong ${figures.wrong.length}, not run ${figures.skipped.length}, cases apache2 refused ${figures.unsupported.length}`);
    console.log(`[apache-flow-oracle] cards: ${[...figures.cards].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const s of figures.unsupported) console.log(`[apache-flow-oracle] case not started: ${s}`);
    for (const s of figures.skipped) console.log(`[apache-flow-oracle] not run: ${s}`);
    for (const u of figures.unknowns) console.log(`[apache-flow-oracle] unknown: ${u}`);
    for (const w of figures.wrong) console.log(`[apache-flow-oracle] WRONG: ${w}`);
    expect(figures.wrong).toEqual([]);
    expect(figures.run).toBeGreaterThan(50);
  });
});
