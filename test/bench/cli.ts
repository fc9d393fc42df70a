/**
 * `npm run bench`: builds nothing itself (the script does), brings the lab up, measures every
 * target of issue 8 against its baseline, prints the table and writes BENCHMARKS.md.
 *
 *   node dist/bench.js [--reps N] [--no-lab] [--out FILE] [--node PATH]…
 *     --node: also measure with another Node binary (tshoot and the baselines run on it)
 *   node dist/bench.js --time-to-card [--reps N] [--drop-reps N] [--rows SCENARIO,…] [--out FILE]
 *     only issue 17's time-to-card table (lab, root), its section of FILE replaced in place
 *   node dist/bench.js ssh-probe CONFIG N REPS     (inside the client's namespace)
 *   node dist/bench.js diag CONFIG REPS TRANSCRIPT (inside the client's namespace)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CARD_CASES, CARD_SECTION, cardSection, diagnosis, FULL, ROOT, runBench, sshProbe } from './bench.js';

const [cmd, ...rest] = process.argv.slice(2);
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const isRoot = process.getuid?.() === 0;
const out = opt('--out') ?? join(ROOT, 'BENCHMARKS.md');
const DECISIONS = '## What pays at start (issue 18)';
const log = (l: string) => process.stderr.write(`bench: ${l}\n`);
// Issue 17's table: medians of 5 runs, 3 for the rows that wait for a connect timeout.
// `--rows SCENARIO,…`: only those rows (lab scenarios, e.g. nginx-stopped,cloud-drop).
const only = opt('--rows')?.split(',');
const cardOpts = { reps: Number(opt('--reps') ?? 5), dropReps: Number(opt('--drop-reps') ?? 3), log, ...(only ? { cases: CARD_CASES.filter((c) => only.includes(c.scenario)) } : {}) };

if (cmd === 'ssh-probe') {
  process.stdout.write(JSON.stringify(await sshProbe(rest[0]!, Number(rest[1]), Number(rest[2]))) + '\n');
} else if (cmd === 'diag') {
  process.stdout.write(JSON.stringify(await diagnosis(rest[0]!, Number(rest[1]), rest[2]!)) + '\n');
} else if (args.includes('--time-to-card')) {
  if (!isRoot) throw new Error('--time-to-card needs the lab: run it as root');
  const section = await cardSection(cardOpts);
  process.stdout.write(section + '\n');
  if (only && !opt('--out')) {
    // A part of the table does not replace the whole one in BENCHMARKS.md.
    process.stderr.write('bench: --rows: BENCHMARKS.md not written (give --out FILE to write this part)\n');
  } else {
    // Only this table's section is replaced; the rest of the file stays as the last full run wrote it.
    const doc = existsSync(out) ? readFileSync(out, 'utf8') : '# Benchmarks\n';
    const at = doc.indexOf(CARD_SECTION);
    const end = at < 0 ? -1 : doc.indexOf('\n## ', at + CARD_SECTION.length);
    writeFileSync(out, at < 0 ? `${doc.trimEnd()}\n\n${section}` : `${doc.slice(0, at)}${section}${end < 0 ? '' : doc.slice(end + 1)}`);
    process.stderr.write(`bench: written to ${out}\n`);
  }
} else {
  const lab = !args.includes('--no-lab') && (isRoot || Boolean(process.env.CI));
  // This Node first, then each `--node PATH`: one table each.
  const others = args.flatMap((a, i) => (a === '--node' && args[i + 1] ? [args[i + 1]!] : []));
  const sections: string[] = [];
  for (const node of [process.execPath, ...others]) {
    const r = await runBench({ ...FULL, reps: Number(opt('--reps') ?? FULL.reps), lab, node, log });
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
    // Issue 17's table, with this Node: its rows are seconds of waiting, not start-up.
    ...(lab ? [await cardSection(cardOpts)] : []),
    // Measured by hand, not by this program: kept as the file has it.
    ...keptSection(DECISIONS),
  ].join('\n');
  writeFileSync(out, doc);
  process.stderr.write(`bench: written to ${out}\n`);
}

/** The section of BENCHMARKS.md that says why issue 18 kept or removed each start-up device (measured by hand). */
function keptSection(title: string): string[] {
  const doc = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const at = doc.indexOf(title);
  if (at < 0) return [];
  const end = doc.indexOf('\n## ', at + title.length);
  return ['', doc.slice(at, end < 0 ? undefined : end).trimEnd(), ''];
}
