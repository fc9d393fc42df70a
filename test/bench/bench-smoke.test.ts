/**
 * The benchmark (npm run bench) once, tiny: one repetition, small flows. Only that the table
 * comes out with every row; the ratios are for `npm run bench` on a quiet machine. The lab
 * rows run as root or in CI, else they are listed as not run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_BUNDLE, ROOT, runBench, TSHOOT } from './bench.js';
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
  }, 60_000);
});
