/**
 * The request model against real nginx (Debian's nginx-light) on the public configurations of
 * ../shared/oracle-nginx/ (see nginx-oracle.ts for how a case runs). For every URL: nginx's own
 * record of the request (status, `$request_filename`, `$uri`, `$upstream_addr`) against the
 * model. Where the model is sure it must agree; elsewhere it must say "unknown" with a reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';
import { nginxRequest, type NginxRequest } from '../../src/models/nginx-request.js';
import { caseIds, logEscaped, Oracle, statFacts, type Answer, type OracleCase, type OracleRequest } from './nginx-oracle.js';

const canRun = process.getuid?.() === 0;
if (!canRun) console.warn('nginx oracle skipped: it runs nginx as root');

/** The model for one request, with the filesystem's answers for every path it asks about. */
export function modelFor(c: OracleCase, conf: ReturnType<typeof nginxConfigParser.parse>, req: OracleRequest): NginxRequest {
  let facts = ['client 127.0.0.1', `prefix ${c.prefix}`];
  let r = nginxRequest(conf, { addr: req.addr, port: req.port, host: req.host, path: req.path, facts });
  for (let round = 0; round < 4 && r.probe.length > 0; round++) {
    facts = [...facts, ...statFacts(r.probe)];
    r = nginxRequest(conf, { addr: req.addr, port: req.port, host: req.host, path: req.path, facts });
  }
  return r;
}

/** Where the model and nginx differ ('' when they agree). */
function differs(m: NginxRequest, a: Answer): string {
  const diffs: string[] = [];
  if (m.answer === 'upstream') {
    const used = a.upstream_addr.split(/, | : /).filter((x) => x !== '');
    if (used.length === 0) diffs.push(`nginx used no upstream (status ${a.status})`);
    for (const u of used) if (!m.upstream_addrs.includes(u)) diffs.push(`upstream ${u} not in ${m.upstream_addrs.join(', ')}`);
  } else {
    if (a.status !== m.status) diffs.push(`status ${a.status} ≠ ${m.status}`);
    if (a.upstream_addr) diffs.push(`nginx used upstream ${a.upstream_addr}`);
  }
  if (m.answer !== 'bad-request') {
    if (a.uri !== logEscaped(m.uri)) diffs.push(`$uri ${a.uri} ≠ ${m.uri}`);
    if (m.request_filename && a.request_filename !== logEscaped(m.request_filename)) diffs.push(`$request_filename ${a.request_filename} ≠ ${m.request_filename}`);
  }
  return diffs.join('; ');
}

describe.runIf(canRun)('nginx request model against real nginx (oracle-nginx)', () => {
  const oracle = new Oracle();
  const figures = { cases: 0, unsupported: 0, urls: 0, agreed: 0, unknown: 0, disagreements: [] as string[], unknowns: [] as string[] };

  beforeAll(async () => {
    await oracle.start();
  });
  afterAll(async () => {
    await oracle.stop();
  });

  const ids = caseIds();
  it('finds the cases', () => {
    expect(ids.length).toBeGreaterThanOrEqual(35);
  });

  for (const id of ids) {
    it(id, async () => {
      const c = await oracle.load(id);
      figures.cases++;
      oracle.setRoutes(c.json.app_routes ?? []);
      if (!(await c.startNginx())) {
        figures.unsupported++;
        console.log(`[oracle] ${id}: unsupported by the binary: ${c.unsupported}`);
        return;
      }
      try {
        const conf = nginxConfigParser.parse(c.dump());
        expect(conf.ok).toBe(true);
        for (const req of c.requests) {
          figures.urls++;
          const a = await c.ask(req);
          const m = modelFor(c, conf, req);
          if (!m.known) {
            figures.unknown++;
            expect(m.reason, `${id} ${req.line}`).not.toBe('');
            figures.unknowns.push(`${id} ${req.line}: ${m.reason}`);
            continue;
          }
          const d = differs(m, a);
          if (d) figures.disagreements.push(`${id} ${req.line}: ${d} (model: ${m.answer} via ${m.location || 'no location'}; nginx: ${a.status} ${a.uri} ${a.request_filename} ${a.upstream_addr})`);
          else figures.agreed++;
        }
      } finally {
        await c.stopNginx();
      }
    }, 60_000);
  }

  it('agrees wherever it claims certainty', () => {
    console.log(
      `[oracle] cases ${figures.cases} (unsupported by the binary ${figures.unsupported}), URLs ${figures.urls}, agreed ${figures.agreed}, unknown ${figures.unknown}, disagreements ${figures.disagreements.length}`,
    );
    for (const u of figures.unknowns) console.log(`[oracle] unknown: ${u}`);
    for (const d of figures.disagreements) console.log(`[oracle] DISAGREES: ${d}`);
    expect(figures.disagreements).toEqual([]);
    expect(figures.urls).toBeGreaterThan(400);
    // Most requests are within the model: it must not get by on "unknown".
    expect(figures.agreed).toBeGreaterThan(figures.urls * 0.8);
  });
});
