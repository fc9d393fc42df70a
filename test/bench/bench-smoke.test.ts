/**
 * The benchmark (npm run bench) once, tiny: one repetition, small flows. Only that the table
 * comes out with every row; the ratios are for `npm run bench` on a quiet machine. The lab
 * rows run as root or in CI, else they are listed as not run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_BUNDLE, CARD_CASES, cardRows, ROOT, runBench, TSHOOT } from './bench.js';
import { cardMarkdown } from './time-to-card.js';
import { LAB_ENABLED } from '../lab/enabled.js';

const lab = LAB_ENABLED;

describe('npm run bench, smoke', () => {
  beforeAll(async () => {
    if (!existsSync(TSHOOT)) throw new Error('dist/tshoot.cjs is missing: npm test builds it first');
    // The lab rows run parts of the benchmark inside a namespace, from its bundle.
    if (lab) await build({ absWorkingDir: ROOT, entryPoints: [join(ROOT, 'test/bench/cli.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: BENCH_BUNDLE, logLevel: 'warning' });
  });

  it('produces the table with every target', async () => {
    const r = await runBench({ reps: 1, lintNodes: 60, replayNodes: 31, sshCommands: 5, lab });
    const targets = ['start:', 'first prompt:', 'per remote command:', 'whole diagnosis:', 'flows lint:', 'replay --check:', 'replay --check: shipped'];
    expect(r.rows.map((row) => targets.findLast((t) => row.target.startsWith(t)))).toEqual(targets);
    expect(r.markdown).toContain('| target | tshoot | baseline | ratio | goal |');
    for (const t of targets) expect(r.markdown).toMatch(new RegExp(`\\| ${t.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}`));
    expect(r.machine).toMatch(/^Node v\d+/);
    for (const row of r.rows.filter((x) => x.met !== null)) {
      expect(row.tshoot).toBeGreaterThan(0);
      expect(row.baseline).toBeGreaterThan(0);
    }
    // A bound, not a measurement: the lab, 15 SSH commands, a diagnosis and the replays, on a loaded machine.
  }, 300_000);

  // Issue 17's table, one quick row (refused: no connect timeout to wait for), one run: the
  // diagnosis reaches the expected card with no question (cardRows throws otherwise), timed.
  it.runIf(lab)('time to card: the refused row', async () => {
    const refused = CARD_CASES.filter((c) => c.scenario === 'nginx-stopped');
    const rows = await cardRows({ reps: 1, dropReps: 1, cases: refused });
    expect(rows.map((r) => [r.c.symptom, r.median.fix, r.median.questions])).toEqual([['refused', 'start-service', 0]]);
    const [row] = rows;
    expect(row!.tshootMs).toBeGreaterThan(0);
    expect(row!.median.cardMs).toBeLessThanOrEqual(row!.median.exitMs);
    // refused's probe is triage's request: taken, not sent again (issue 17).
    expect(row!.median.commands.map((c) => c.id).slice(0, 2)).toEqual(['probe_http', 'refused.listeners']);
    expect(cardMarkdown(rows, 'machine', { reps: 1, dropReps: 1 })).toMatch(/\| refused \(nginx-stopped\) \| start-service \| [\d.]+ s \| [\d.]+ s \| [+-]\d+ ms \| ≤ \+500 ms \| (yes|\*\*no\*\*) \|/);
  }, 120_000);
});
