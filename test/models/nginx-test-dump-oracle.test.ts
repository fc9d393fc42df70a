/**
 * The refused flow takes `nginx -T`'s result as nginx's configuration test (its `nginx_test`
 * node runs `nginx -T`, so that after `nginx_conf` nothing runs again): that holds only if
 * `nginx -T` says what `nginx -t` says — the same exit status and the same stderr. Checked
 * against real nginx on the public configurations of ../shared/oracle-nginx/ (nginx-oracle.ts),
 * each as it is and broken three ways the flow meets on strangers' servers: an unknown
 * directive, a missing include, a file of its own that is no longer there.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseIds, Oracle, type OracleCase } from './nginx-oracle.js';

const canRun = process.getuid?.() === 0;
if (!canRun) console.warn('nginx -t/-T oracle skipped: it runs nginx as root');

/** stderr without what differs between any two runs: the time and the process id of a log line. */
const stable = (s: string) => s.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: /gm, '$1 ');

function run(c: OracleCase, flag: '-t' | '-T') {
  const r = spawnSync('nginx', [flag, '-p', c.prefix, '-c', c.conf], { encoding: 'utf8', timeout: 10_000 });
  return { exit: r.status, stderr: stable(r.stderr), stdout: r.stdout };
}

describe.runIf(canRun)('nginx -T as nginx -t (the refused flow reads its test from -T)', () => {
  const o = new Oracle();
  const ids = caseIds();
  beforeAll(async () => {
    await o.start();
  });
  afterAll(async () => {
    await o.stop();
  });

  it('gives the same exit status and stderr, as written and broken, on every real-world configuration', async () => {
    expect(ids.length).toBeGreaterThan(10);
    const figures = { configs: 0, passed: 0, failed: 0 };
    const breaks: Array<[string, (c: OracleCase) => void]> = [
      ['as written', () => {}],
      ['an unknown directive', (c) => appendFileSync(join(c.confDir, 'site.conf'), '\nfrobnicate_tshoot on;\n')],
      ['a missing include', (c) => appendFileSync(join(c.confDir, 'site.conf'), '\ninclude /nonexistent-tshoot/*.conf;\ninclude /nonexistent-tshoot/one.conf;\n')],
      ['its site file gone', (c) => rmSync(join(c.confDir, 'site.conf'))],
    ];
    for (const id of ids) {
      for (const [how, breakIt] of breaks) {
        const c = await o.load(id);
        breakIt(c);
        const t = run(c, '-t');
        const T = run(c, '-T');
        figures.configs++;
        if (t.exit === 0) figures.passed++;
        else figures.failed++;
        expect({ exit: T.exit, stderr: T.stderr }, `${id}, ${how}`).toEqual({ exit: t.exit, stderr: t.stderr });
        // The dump is printed only when the test passes: what nginx_conf parses.
        if (T.exit === 0) expect(T.stdout, `${id}, ${how}`).toContain('# configuration file ');
        else expect(T.stdout, `${id}, ${how}`).toBe('');
        // The break that must fail does (else the case tells nothing about failures).
        if (how !== 'as written') expect(t.exit, `${id}, ${how}`).not.toBe(0);
      }
    }
    console.log(`[nginx -t/-T] ${ids.length} configurations, ${figures.configs} runs each way: ${figures.passed} passed the test, ${figures.failed} failed it; -T said what -t said in all`);
    expect(figures.passed).toBeGreaterThan(0);
  }, 300_000);
});
