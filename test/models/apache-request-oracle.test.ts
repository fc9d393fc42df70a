/**
 * The Apache request model against the real apache2 on the public configurations of
 * ../shared/oracle-apache/ (see apache-oracle.ts for how a case runs). For every URL: Apache's own
 * record of the request (status, `%f`, `%R`, `Location`) against the model, fed with what a flow
 * reads (the dump command and grep of the configuration). Where the model is sure it must agree;
 * elsewhere it says "unknown" with a reason.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheConfigParser, mergeApacheConfigs } from '../../src/parsers/apache-config.js';
import { apacheRequestWith, type ApacheRequest } from '../../src/models/apache-request.js';
import { ApacheOracle, apacheCaseIds, type ApacheAnswer } from './apache-oracle.js';

const canRun = process.getuid?.() === 0;

function stat(paths: string[]): string[] {
  return paths.map((p) => {
    try {
      const s = statSync(p);
      return `${s.isDirectory() ? 'd' : s.isFile() ? 'f' : '-'} ${p}`;
    } catch {
      return `- ${p}`;
    }
  });
}

/** Where the model and Apache differ ('' when they agree). */
function differs(m: ApacheRequest, a: ApacheAnswer): string {
  const d: string[] = [];
  if (m.answer === 'proxy') {
    if (!a.handler.startsWith('proxy')) d.push(`Apache's handler is ${a.handler || 'none'} (status ${a.status})`);
  } else if (m.answer === 'cgi') {
    if (!/cgi-script/.test(a.handler)) d.push(`Apache's handler is ${a.handler || 'none'} (status ${a.status})`);
    if (a.filename !== m.filename) d.push(`%f ${a.filename} ≠ ${m.filename}`);
  } else {
    if (a.status !== m.status) d.push(`status ${a.status} ≠ ${m.status}`);
    if (a.handler.startsWith('proxy')) d.push(`Apache proxied (${a.handler})`);
    if (m.answer === 'redirect' && a.location !== m.location && !a.location.endsWith(m.location)) d.push(`Location ${a.location} ≠ ${m.location}`);
    if ((m.answer === 'file' || m.answer === 'miss') && m.redirects.length === 0 && a.filename !== m.filename) d.push(`%f ${a.filename} ≠ ${m.filename}`);
  }
  return d.join('; ');
}

describe.runIf(canRun)('Apache request model against real apache2 (oracle-apache)', () => {
  const oracle = new ApacheOracle();
  const figures = { cases: 0, unsupported: 0, urls: 0, agreed: 0, unknown: 0, disagreements: [] as string[], unknowns: [] as string[] };

  beforeAll(async () => {
    await oracle.start();
  });
  afterAll(async () => {
    await oracle.stop();
  });

  const ids = apacheCaseIds();
  it('finds the cases', () => {
    expect(ids.length).toBeGreaterThanOrEqual(27);
  });

  for (const id of ids) {
    it(id, async () => {
      const c = await oracle.load(id);
      figures.cases++;
      oracle.apps.setRoutes(c.json.app_routes ?? []);
      if (!(await c.start())) {
        figures.unsupported++;
        console.log(`[apache-oracle] ${id}: unsupported by this binary: ${c.unsupported}`);
        return;
      }
      try {
        const conf = mergeApacheConfigs(c.dumps().map((t) => apacheConfigParser.parse(t)));
        expect(conf.ok).toBe(true);
        for (const req of c.requests) {
          figures.urls++;
          const a = await c.ask(req);
          const m = apacheRequestWith(conf, { addr: req.addr, port: req.port, host: req.host, path: req.path, facts: [] }, stat);
          if (!m.known) {
            figures.unknown++;
            expect(m.reason, `${id} ${req.line}`).not.toBe('');
            figures.unknowns.push(`${id} ${req.line}: ${m.reason} (Apache: ${a.status} ${a.filename} ${a.handler})`);
            continue;
          }
          const d = differs(m, a);
          if (d) figures.disagreements.push(`${id} ${req.line}: ${d} (model: ${m.answer} ${m.status} ${m.filename} via ${m.via}; Apache: ${a.status} ${a.filename} ${a.handler} ${a.location})`);
          else figures.agreed++;
        }
      } finally {
        await c.stop();
      }
    }, 60_000);
  }

  it('agrees wherever it claims certainty', () => {
    console.log(`[apache-oracle] cases ${figures.cases} (unsupported by this binary ${figures.unsupported}), URLs ${figures.urls}, agreed ${figures.agreed}, unknown ${figures.unknown}, disagreements ${figures.disagreements.length}`);
    for (const u of figures.unknowns) console.log(`[apache-oracle] unknown: ${u}`);
    for (const d of figures.disagreements) console.log(`[apache-oracle] DISAGREES: ${d}`);
    expect(figures.disagreements).toEqual([]);
    expect(figures.urls).toBeGreaterThan(350);
    expect(figures.agreed).toBeGreaterThan(figures.urls * 0.4);
  });
});
