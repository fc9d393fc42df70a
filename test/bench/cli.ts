/**
 * `npm run bench`: builds nothing itself (the script does), brings the lab up, measures every
 * target of issue 8 against its baseline, prints the table and writes BENCHMARKS.md.
 *
 *   node dist/bench.js [--reps N] [--no-lab] [--out FILE] [--node PATH]…
 *     --node: also measure with another Node binary (tshoot and the baselines run on it)
 *   node dist/bench.js ssh-probe CONFIG N REPS     (inside the client's namespace)
 *   node dist/bench.js diag CONFIG REPS TRANSCRIPT (inside the client's namespace)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnosis, FULL, ROOT, runBench, sshProbe } from './bench.js';

const [cmd, ...rest] = process.argv.slice(2);

if (cmd === 'ssh-probe') {
  process.stdout.write(JSON.stringify(await sshProbe(rest[0]!, Number(rest[1]), Number(rest[2]))) + '\n');
} else if (cmd === 'diag') {
  process.stdout.write(JSON.stringify(await diagnosis(rest[0]!, Number(rest[1]), rest[2]!)) + '\n');
} else {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const isRoot = process.getuid?.() === 0;
  const lab = !args.includes('--no-lab') && (isRoot || Boolean(process.env.CI));
  const out = opt('--out') ?? join(ROOT, 'BENCHMARKS.md');
  // This Node first, then each `--node PATH`: one table each.
  const others = args.flatMap((a, i) => (a === '--node' && args[i + 1] ? [args[i + 1]!] : []));
  const sections: string[] = [];
  for (const node of [process.execPath, ...others]) {
    const r = await runBench({ ...FULL, reps: Number(opt('--reps') ?? FULL.reps), lab, node, log: (l) => process.stderr.write(`bench: ${l}\n`) });
    process.stdout.write(r.markdown + '\n');
    sections.push(sections.length ? `## ${r.machine.split(' · ')[0]} (\`--node\`)\n\n${r.markdown}` : r.markdown);
  }
  const doc = [
    '# Benchmarks',
    '',
    'Issue 8\'s targets, measured by `npm run bench` (test/bench/): each against its baseline in one',
    'run on one machine. Regenerate with `npm run bench` (add `-- --node PATH` for a table per other',
    'Node binary); the numbers below are from the run named in the first line of each table.',
    '',
    sections.join('\n'),
  ].join('\n');
  writeFileSync(out, doc);
  process.stderr.write(`bench: written to ${out}\n`);
}
