/**
 * Issue 7 part 4, hostile or huge output: a host that prints 50 MB, a 10 MB line, binary
 * data or terminal escape sequences — through the `local` executor and over SSH to the lab's
 * server. The CLI's memory stays bounded (peak RSS from /usr/bin/time), output is capped at
 * 1 MB a stream and flagged (`truncated`), flow regexes and parsers on it end quickly, the
 * transcript stays whole and small, and nothing the CLI prints holds an escape sequence, a
 * C1 control or a bidi override.
 */
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { up, type Lab } from '../lab/lab.js';
import { canLab, fixNode, flowHead, flowsDir, STACK_FRAME, tempDir, transcriptLines } from './helpers.js';

const MODES = ['50mb', 'stderr50mb', 'line10mb', 'binary', 'escapes'] as const;
type Mode = (typeof MODES)[number];
const MAX_RSS_KB = 300 * 1024;
const CAP = 1024 * 1024;

const work = tempDir('out');
/** The generator as an executable with this machine's node in its shebang (the lab's server shares the file system). */
const GEN = join(work, 'spew');
writeFileSync(GEN, `#!${process.execPath}\n${readFileSync(new URL('./fixtures/spew.mjs', import.meta.url), 'utf8')}`);
chmodSync(GEN, 0o755);
// Declared read-only by the person running tshoot (the CLIs these tests start inherit it).
process.env.TSHOOT_READ_ONLY_PROGRAMS = GEN;

function outFlow(id: string, role: string, mode: Mode): string {
  return `${flowHead(id, 'run')}  run:
    kind: run
    title: { en: "Spew ${mode}", ja: "Spew ${mode}" }
    role: ${role}
    timeout: 60
    argv: [${JSON.stringify(GEN)}, ${mode}]
    extract:
      head: { regex: "^(?<w>\\\\S{0,16})" }
      quad: { regex: ".*z(?<after>y)" }
      quad2: { regex: "(?<a>\\\\w+)\\\\s+(?<b>\\\\w+)!", from: both }
      sockets: { parser: ss }
      access: { parser: nginx-access-log, from: both }
      conf: { parser: nginx-config, from: stderr }
    summary: { en: "head {{ run.head.w }}, truncated {{ run.truncated }}", ja: "head {{ run.head.w }}" }
    next: done
${fixNode('done', `${id}-done`, 'run')}`;
}

const flows = flowsDir(Object.fromEntries(MODES.flatMap((m) => [[`l-${m}.yaml`, outFlow(`out-local-${m}`, 'local', m)], [`s-${m}.yaml`, outFlow(`out-ssh-${m}`, 'server', m)]])));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(flows, { recursive: true, force: true });
});

// eslint-disable-next-line no-control-regex
const UNSAFE_DISPLAY = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

async function runHostile(mode: Mode, where: 'local' | 'ssh', extra: { prefix?: string[]; args?: string[] } = {}) {
  const transcript = join(work, `${where}-${mode}.ndjson`);
  const t0 = performance.now();
  const r = await runCli(['run', `out-${where}-${mode}`, '--flows', flows, '--non-interactive', '--verbose', '--transcript', transcript, ...(extra.args ?? [])], {
    prefix: [...(extra.prefix ?? []), '/usr/bin/time', '-f', 'MAXRSS_KB %M'],
    timeoutMs: 90_000,
  });
  const ms = performance.now() - t0;
  const rss = Number(/MAXRSS_KB (\d+)/.exec(r.stderr)?.[1]);
  const shown = `${r.stdout}${r.stderr.replace(/MAXRSS_KB \d+\n?$/, '')}`;
  return { ...r, ms, rss, shown, transcript };
}

function expectBounded(mode: Mode, r: Awaited<ReturnType<typeof runHostile>>) {
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  expect(r.rss, `peak RSS ${r.rss} kB`).toBeGreaterThan(0);
  expect(r.rss).toBeLessThan(MAX_RSS_KB);
  expect(r.ms).toBeLessThan(45_000);
  expect(r.shown).not.toMatch(STACK_FRAME);
  const bad = UNSAFE_DISPLAY.exec(r.shown);
  expect(bad && JSON.stringify(r.shown.slice(Math.max(0, bad.index - 40), bad.index + 40)), 'a control, C1 or bidi character on the terminal').toBeNull();
  // The transcript: every line JSON, the result capped and flagged, the file small.
  const lines = transcriptLines(r.transcript);
  expect(lines[0]).toMatchObject({ format: 'tshoot-transcript' });
  const result = lines.find((l) => l.kind === 'result') as { stdout: string; stderr: string; truncated: { stdout: boolean; stderr: boolean }; exit: number };
  expect(result.exit).toBe(0);
  const big = { '50mb': 'stdout', line10mb: 'stdout', binary: 'stdout', stderr50mb: 'stderr', escapes: null }[mode];
  expect(result.truncated).toEqual({ stdout: big === 'stdout', stderr: big === 'stderr' });
  // 1 MB of bytes kept; as text, an invalid byte becomes U+FFFD (3 bytes in UTF-8).
  if (big) expect(Buffer.byteLength(result[big as 'stdout' | 'stderr'])).toBeLessThanOrEqual(CAP * 3);
  if (mode === 'line10mb') expect(result.stdout.startsWith('HEADxxxx')).toBe(true);
  // The hostile text is shown (with -v), its controls as visible escapes.
  if (mode === 'escapes') expect(r.shown).toContain('bidi \\u{202e}evil\\u{202c}');
  if (mode === 'escapes') expect(r.shown).toContain('over\\x0dwritten\\x08');
  if (mode === '50mb') expect(result.stdout.startsWith('first-line-marker\n')).toBe(true);
  expect(statSync(r.transcript).size).toBeLessThan(8 * CAP);
  expect(lines.at(-1)).toMatchObject({ kind: 'outcome' });
}

describe('hostile output from a local command', () => {
  it.each(MODES)('%s: memory bounded, output capped and flagged, display sanitized', async (mode) => {
    const r = await runHostile(mode, 'local');
    expectBounded(mode, r);
    console.log(`local ${mode}: ${Math.round(r.ms)} ms, peak RSS ${Math.round(r.rss / 1024)} MB`);
  });
});

describe.runIf(canLab)('hostile output over SSH from the lab server', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await up('healthy');
  });
  afterAll(async () => {
    await lab?.down();
  });

  it.each(MODES)('%s: memory bounded, output capped and flagged, display sanitized', async (mode) => {
    const r = await runHostile(mode, 'ssh', { prefix: lab.nsExecArgv('client'), args: ['--ssh-config', lab.sshConfigPath, '--host', 'server=server'] });
    expectBounded(mode, r);
    console.log(`ssh ${mode}: ${Math.round(r.ms)} ms, peak RSS ${Math.round(r.rss / 1024)} MB`);
  });
});
