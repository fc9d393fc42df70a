/**
 * `nginx_other_host` against real nginx on the oracle cases (../shared/oracle-nginx): for every
 * URL nginx answers 404 without an upstream, the model is asked (the filesystem answering every
 * path it probes) whether another server block on the same socket serves it. Every suggestion
 * must hold on real nginx: the URL with the suggested name as Host answers 200, from the file
 * the model named, with no upstream. And the other way: every concrete server_name of the case
 * that makes real nginx answer that URL 200 from a static file must be found by the model (or
 * the model says unknown, with its reason).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';
import { concreteName, nginxOtherHost, type NginxOtherHost } from '../../src/models/nginx-request.js';
import { caseIds, Oracle, statFacts, type OracleCase, type OracleRequest } from './nginx-oracle.js';

const canRun = process.getuid?.() === 0;
if (!canRun) console.warn('nginx_other_host oracle skipped: it needs root (nginx with user root)');
const cliBuilt = existsSync(join(ROOT, 'dist', 'tshoot.cjs'));

/**
 * The built CLI on the URL (local executor: this machine is client and server), the name resolved
 * by a hosts file bind-mounted over /etc/hosts in a private mount namespace (no DNS lookup).
 */
async function cardFor(o: Oracle, req: OracleRequest, n: number): Promise<{ id: string; text: string }> {
  const name = req.host.includes(':') ? '' : req.host.toLowerCase();
  const hosts = join(o.dir, `other-host-hosts-${n}`);
  writeFileSync(hosts, `127.0.0.1 localhost\n${name ? `${req.addr} ${name}\n` : ''}`);
  const url = `http://${name || req.addr}:${req.port}${req.path}`;
  const prefix = ['unshare', '-m', 'sh', '-c', 'mount --bind "$1" /etc/hosts && shift && exec "$@"', 'sh', hosts];
  const r = await runCli(['run', 'not-found', '--target', url, '--host', 'server=local', '--host', 'client=local', '--non-interactive', '--json', '--no-transcript'], { prefix, env: { XDG_CACHE_HOME: join(o.dir, 'cache') }, timeoutMs: 60_000 });
  const out = JSON.parse(r.stdout || '{}') as { fix?: { id: string } | null };
  return { id: out.fix?.id ?? `none (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`, text: r.stdout };
}

function otherFor(c: OracleCase, conf: ReturnType<typeof nginxConfigParser.parse>, req: OracleRequest): NginxOtherHost {
  let facts = ['client 127.0.0.1', `prefix ${c.prefix}`];
  let r = nginxOtherHost(conf, { addr: req.addr, port: req.port, host: req.host, path: req.path, facts });
  for (let round = 0; round < 4 && r.probe.some((p) => !facts.some((f) => f.endsWith(` ${p}`))); round++) {
    facts = [...facts, ...statFacts(r.probe)];
    r = nginxOtherHost(conf, { addr: req.addr, port: req.port, host: req.host, path: req.path, facts });
  }
  return r;
}

describe.runIf(canRun)('nginx_other_host on the oracle cases (real nginx)', () => {
  const oracle = new Oracle();
  const figures = { cards: 0, misses: 0, suggested: 0, verified: 0, realHits: 0, unknown: 0, wrong: [] as string[], missed: [] as string[], unknowns: [] as string[] };

  beforeAll(async () => {
    await oracle.start();
  });
  afterAll(async () => {
    await oracle.stop();
    console.log(`[other-host oracle] ${figures.cards} wrong-host cards from the CLI;`);
    console.log(`[other-host oracle] ${figures.misses} static 404s; ${figures.suggested} suggestions, ${figures.verified} answer 200 from the named file on real nginx; ${figures.realHits} (URL, name) pairs real nginx serves; ${figures.unknown} unknown`);
    for (const u of figures.unknowns) console.log(`[other-host oracle] unknown: ${u}`);
    expect(figures.wrong).toEqual([]);
    expect(figures.missed).toEqual([]);
    // The cases hold URLs served under another server_name: the test is not vacuous.
    expect(figures.verified).toBeGreaterThan(0);
    expect(figures.verified).toBe(figures.suggested);
    if (cliBuilt) expect(figures.cards).toBe(figures.suggested);
  });

  for (const id of caseIds()) {
    it(id, async () => {
      const c = await oracle.load(id);
      oracle.setRoutes(c.json.app_routes ?? []);
      if (!(await c.startNginx())) return;
      try {
        const conf = nginxConfigParser.parse(c.dump());
        const names = [...new Set(conf.directives.filter((d) => d.name === 'server_name').flatMap((d) => d.args.map(concreteName)).filter((n) => n !== ''))];
        for (const req of c.requests) {
          const a = await c.ask(req);
          if (a.status !== 404 || a.upstream_addr !== '') continue;
          figures.misses++;
          const m = otherFor(c, conf, req);
          const where = `${id} ${req.line}`;
          if (m.found) {
            figures.suggested++;
            const b = await c.ask({ ...req, host: m.name });
            console.log(`[other-host oracle] suggestion: ${where} → Host ${m.name}: nginx ${b.status} ${b.request_filename}`);
            if (b.status === 200 && b.upstream_addr === '' && b.request_filename === m.fs_path) figures.verified++;
            else figures.wrong.push(`${where}: Host ${m.name} → nginx ${b.status} ${b.request_filename} ${b.upstream_addr}, model ${m.fs_path}`);
            if (cliBuilt) {
              // The flow reaches the same conclusion from the server's own answer.
              const card = await cardFor(oracle, req, figures.suggested);
              if (card.id === 'wrong-host' && card.text.includes(`curl -H 'Host: ${m.name}:${req.port}'`) && card.text.includes(`${m.server_file}:${m.server_line}`) && card.text.includes(`${m.here_file}:${m.here_line}`)) figures.cards++;
              else figures.wrong.push(`${where}: the CLI gave ${card.id}, not wrong-host with Host ${m.name} and both server blocks`);
            }
            continue;
          }
          if (!m.known) {
            figures.unknown++;
            expect(m.reason, where).not.toBe('');
            figures.unknowns.push(`${where}: ${m.reason}`);
          }
          for (const name of names) {
            const b = await c.ask({ ...req, host: name });
            if (b.status !== 200 || b.upstream_addr !== '' || b.request_filename === '') continue;
            figures.realHits++;
            if (m.known) figures.missed.push(`${where}: real nginx serves ${b.request_filename} with Host ${name}; the model found none`);
          }
        }
      } finally {
        await c.stopNginx();
      }
    }, 300_000);
  }
});
