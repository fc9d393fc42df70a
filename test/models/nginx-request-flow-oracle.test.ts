/**
 * The not-found flow against real nginx on the oracle cases: for every URL nginx answers 404,
 * the built CLI (`tshoot run not-found --target URL --non-interactive --json`, the local
 * executor: this machine plays client and server) must give the card the oracle says is true:
 *
 * - nginx used an upstream (its log says `$upstream_addr`): the `upstream_404` end;
 * - no upstream: not `upstream_404`; a static fix must name a file that does not exist, the
 *   very `$request_filename` nginx missed when that is the file it ended on, and a `wrong-path`
 *   suggestion must answer 200 when the test asks for it; `config_404` (nginx's own return or
 *   internal location) is right; `model_unknown` is counted apart, with its reason.
 *
 * Host names resolve through a hosts file bind-mounted over /etc/hosts in a private mount
 * namespace (unshare -m): no DNS lookup, and the name reaches the address the case listens on.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { caseIds, Oracle, type Answer, type OracleCase, type OracleRequest } from './nginx-oracle.js';

const canRun = process.getuid?.() === 0 && existsSync(join(ROOT, 'dist', 'tshoot.cjs'));
if (!canRun) console.warn('not-found flow oracle skipped: it needs root and a built dist/tshoot.cjs');

interface Card {
  outcome: string;
  fix: { id: string; summary: string } | null;
  end?: { title: string; checked: string[] };
  error?: { message: string };
  evidence?: Array<{ role: string; command: string; lines: string[] }>;
}

/** The flow's ends by their English titles (the JSON card carries the title). */
const ENDS: Record<string, string> = {
  'The 404 comes from the application behind nginx': 'upstream_404',
  "nginx's configuration answers this URL with an error itself": 'config_404',
  'tshoot cannot tell what nginx does with this URL': 'model_unknown',
  'No nginx server block serves this port': 'not_nginx',
  'The server itself does not answer 404: something between does': 'other_server',
};

let hostsFiles = 0;

function runFlow(o: Oracle, req: OracleRequest, url: string, host: string): Promise<{ code: number; out: Card | undefined; stderr: string }> {
  const hosts = join(o.dir, `hosts-${++hostsFiles}`);
  writeFileSync(hosts, `127.0.0.1 localhost\n${host ? `${req.addr} ${host}\n` : ''}`);
  const cli = join(ROOT, 'dist', 'tshoot.cjs');
  const script = `mount --bind "$1" /etc/hosts && shift && exec "$@"`;
  const args = ['-m', 'sh', '-c', script, 'sh', hosts, process.execPath, cli, 'run', 'not-found', '--target', url, '--host', 'server=local', '--host', 'client=local', '--non-interactive', '--json', '--no-transcript'];
  return new Promise((resolve) => {
    const p = spawn('unshare', args, { env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: join(o.dir, 'state'), XDG_CACHE_HOME: join(o.dir, 'cache') } });
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

/** The end node or fix a JSON card names. */
function cardOf(out: Card): string {
  if (out.fix) return out.fix.id;
  if (out.end) return `end:${ENDS[out.end.title] ?? out.end.title}`;
  return `${out.outcome}: ${out.error?.message ?? ''}`;
}

describe.runIf(canRun)('not-found flow on the oracle cases (real CLI, local executor)', () => {
  const oracle = new Oracle();
  const figures = { notFound: 0, run: 0, right: 0, unknown: 0, skipped: [] as string[], wrong: [] as string[], unknowns: [] as string[], cards: new Map<string, number>() };

  beforeAll(async () => {
    await oracle.start();
  });
  afterAll(async () => {
    await oracle.stop();
  });

  for (const id of caseIds()) {
    it(id, async () => {
      const c: OracleCase = await oracle.load(id);
      oracle.setRoutes(c.json.app_routes ?? []);
      if (!(await c.startNginx())) return;
      try {
        const notFound: Array<{ req: OracleRequest; a: Answer }> = [];
        for (const req of c.requests) {
          const a: Answer = await c.ask(req);
          if (a.status === 404) notFound.push({ req, a });
        }
        // Three CLI runs at a time: each waits on its own commands, not on the CPU.
        const check = async ({ req, a }: { req: OracleRequest; a: Answer }): Promise<void> => {
          figures.notFound++;
          const name = req.host.includes(':') ? '' : req.host.toLowerCase();
          if (name.endsWith('.') || /%2e|\/\.\.?(\/|$)|\/\//i.test(req.path)) {
            figures.skipped.push(`${id} ${req.line}: a URL the CLI's URL parser would change (trailing dot, dot segments, //)`);
            return;
          }
          const url = `http://${name || req.addr}:${req.port}${req.path}`;
          const r = await runFlow(oracle, req, url, name);
          figures.run++;
          if (!r.out) {
            figures.wrong.push(`${id} ${req.line}: no JSON (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
            return;
          }
          const card = cardOf(r.out);
          figures.cards.set(card, (figures.cards.get(card) ?? 0) + 1);
          const text = JSON.stringify(r.out);
          if (process.env.FLOW_ORACLE_DUMP) console.log(`[flow-oracle] ${id} ${req.line}: ${text}`);
          const wrong = (why: string) => figures.wrong.push(`${id} ${req.line}: ${card}: ${why} (nginx: ${a.status} ${a.uri} ${a.request_filename} ${a.upstream_addr})`);
          if (card === 'end:model_unknown') {
            figures.unknown++;
            figures.unknowns.push(`${id} ${req.line}: ${r.out.end?.checked.join('; ') ?? ''}`);
            return;
          }
          if (a.upstream_addr) {
            if (card === 'end:upstream_404') figures.right++;
            else wrong('nginx used an upstream: expected upstream_404');
            return;
          }
          if (card === 'end:upstream_404') {
            wrong('no upstream was used');
            return;
          }
          if (card === 'end:config_404') {
            figures.right++;
            return;
          }
          if (!['wrong-path', 'wrong-host', 'missing-file', 'wrong-document-root'].includes(card)) {
            wrong('not a 404 card');
            return;
          }
          const missed = a.request_filename.replace(/\\x([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
          const finalMissing = !existsSync(Buffer.from(missed, 'latin1').toString('utf8'));
          if (finalMissing && !text.includes(JSON.stringify(Buffer.from(missed, 'latin1').toString('utf8')).slice(1, -1))) {
            wrong(`the card does not name ${missed}, the file nginx missed`);
            return;
          }
          if (card === 'wrong-path' || card === 'wrong-host') {
            // The suggestion the card checked (its last evidence: the URL, and the Host header for
            // another server block), asked again here.
            const checked = r.out.evidence?.at(-1)?.lines.join(' ') ?? '';
            const m = /for (http:\/\/\S+) \(Host: ([^)]+)\)/.exec(checked);
            const u = m ? new URL(m[1]!) : undefined;
            const meant = m?.[1] ?? '';
            const st = u ? await get(u.hostname, Number(u.port || 80), m![2]!, `${u.pathname}${u.search}`) : 0;
            if (st !== 200) {
              wrong(`the suggested URL ${meant} answers ${st}`);
              return;
            }
          }
          figures.right++;
        };
        for (let i = 0; i < notFound.length; i += 3) await Promise.all(notFound.slice(i, i + 3).map(check));
      } finally {
        await c.stopNginx();
      }
    }, 300_000);
  }

  it('gives the right card for every 404', () => {
    console.log(`[flow-oracle] 404s ${figures.notFound}, run ${figures.run}, right ${figures.right}, unknown ${figures.unknown}, wrong ${figures.wrong.length}, not run ${figures.skipped.length}`);
    console.log(`[flow-oracle] cards: ${[...figures.cards].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const s of figures.skipped) console.log(`[flow-oracle] not run: ${s}`);
    for (const u of figures.unknowns) console.log(`[flow-oracle] unknown: ${u}`);
    for (const w of figures.wrong) console.log(`[flow-oracle] WRONG: ${w}`);
    expect(figures.wrong).toEqual([]);
    expect(figures.run).toBeGreaterThan(100);
  });
});
