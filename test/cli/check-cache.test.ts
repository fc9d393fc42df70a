/**
 * The record of a user's flow checked with no error (src/flow/check-cache.ts), through the built
 * CLI: written after such a check (warnings kept in it), trusted only for the very same text and
 * build, never by lint, and never in the way of an error.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { askFlow, userFlows } from '../helpers/user-flows.js';

interface Record_ {
  build: string;
  file: string;
  text: string;
  doc: string;
  positions: string;
  lets: Record<string, string>;
}

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(files: Record<string, string> = { 'ask-demo.yaml': askFlow, 'answers.yaml': 'q: a\n' }) {
  const dir = userFlows(files);
  const cache = mkdtempSync(join(tmpdir(), 'tshoot-cache-'));
  made.push(dir, cache);
  const env = { XDG_CACHE_HOME: cache };
  const records = () => {
    const d = join(cache, 'tshoot', 'flows');
    try {
      return readdirSync(d).map((f) => join(d, f));
    } catch {
      return [];
    }
  };
  const run = (...extra: string[]) => runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--json', '--answers', join(dir, 'answers.yaml'), '--no-transcript', ...extra], { env });
  return { dir, cache, env, records, run };
}

describe('the check record of a user flow', () => {
  it('is written after a clean check (0600 in a 0700 folder) and gives the same run next time', async () => {
    const s = setup();
    const first = await s.run();
    expect(first.code).toBe(0);
    const [rec, ...more] = s.records();
    expect(more).toEqual([]);
    expect(statSync(rec!).mode & 0o777).toBe(0o600);
    expect(statSync(join(s.cache, 'tshoot', 'flows')).mode & 0o777).toBe(0o700);
    // Written in ASCII (the flow's Japanese as \\u escapes): read back as one-byte strings.
    const bytes = readFileSync(rec!);
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    const r = JSON.parse(bytes.toString('latin1')) as Record_;
    expect(r.doc).toMatch(/^[\x00-\x7f]*$/);
    expect(JSON.parse(r.doc)).toMatchObject({ title: { ja: '質問デモ' } });
    expect(r.file).toBe(join(s.dir, 'ask-demo.yaml'));
    // Named by build and path: another build keeps its own record of the same file.
    expect(rec!.split('/').pop()).toBe(`${r.build}-${rec!.split('-').pop()}`);
    expect(r.text).toBe(askFlow);
    expect(r.build).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(r.doc)).toMatchObject({ id: 'ask-demo', start: 'q' });
    const before = statSync(rec!).mtimeMs;
    const second = await s.run();
    expect(second.stdout).toBe(first.stdout);
    expect(second.code).toBe(0);
    // Its Japanese texts, from the record, as from the file.
    const ja = await s.run('--lang', 'ja');
    const jaFresh = await runCli(['run', 'ask-demo', '--flows', s.dir, '--non-interactive', '--json', '--answers', join(s.dir, 'answers.yaml'), '--no-transcript', '--lang', 'ja'], { env: { ...s.env, TSHOOT_NO_CACHE: '1' } });
    expect(ja.stdout).toContain('修正');
    expect(ja.stdout).toBe(jaFresh.stdout);
    // Read, not rewritten.
    expect(statSync(rec!).mtimeMs).toBe(before);
  });

  it('is not trusted once the file changes: the new error is reported with its location', async () => {
    const s = setup();
    expect((await s.run()).code).toBe(0);
    writeFileSync(join(s.dir, 'ask-demo.yaml'), askFlow.replace('goto: done', 'goto: dnoe'));
    const r = await s.run();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ask-demo\.yaml:17:15 node "q": goto "dnoe" does not exist \(did you mean "done"\?\)/);
    // The record still describes the clean text; it is only replaced by another clean check.
    expect((JSON.parse(readFileSync(s.records()[0]!, 'utf8')) as Record_).text).toBe(askFlow);
  });

  it('is written for a flow with warnings only (kept in it), and read next time; never for an error', async () => {
    // A text without its Japanese is a warning (issue 18: most users' flows are English only).
    const s = setup({ 'ask-demo.yaml': askFlow.replace('title: { en: Done, ja: 完了 }', 'title: { en: Done }'), 'answers.yaml': 'q: a\n' });
    const first = await s.run();
    expect(first.code).toBe(0);
    expect((await runCli(['flows', 'lint', join(s.dir, 'ask-demo.yaml')], { env: s.env })).stdout).toContain('warning: no ja text');
    const [rec, ...more] = s.records();
    expect(more).toEqual([]);
    const r = JSON.parse(readFileSync(rec!, 'utf8')) as Record_ & { warnings: Array<{ code: string; severity: string; line: number }> };
    // Each of lint's warnings (the missing Japanese, the modeline's schema not beside the flow), without its file.
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: 'missing-translation', severity: 'warning', node: 'done' }));
    expect(r.warnings.every((w) => w.severity === 'warning' && !('file' in w))).toBe(true);
    // The next run reads it: a document planted in the record is what runs.
    writeFileSync(rec!, JSON.stringify({ ...r, doc: r.doc.replace('"Fixed"', '"From the record"') }));
    expect(JSON.parse((await s.run()).stdout)).toMatchObject({ fix: { title: 'From the record' } });
    // A record whose "warnings" hold an error is no record of a flow without errors: not read.
    writeFileSync(rec!, JSON.stringify({ ...r, doc: r.doc.replace('"Fixed"', '"From the record"'), warnings: [{ ...r.warnings[0], severity: 'error' }] }));
    expect((await s.run()).stdout).toBe(first.stdout);

    const bad = setup({ 'ask-demo.yaml': askFlow.replace('goto: done', 'goto: dnoe'), 'answers.yaml': 'q: a\n' });
    expect((await bad.run()).code).toBe(2);
    expect(bad.records()).toEqual([]);
  });

  it('that does not read, or comes from another build, is checked again and rewritten', async () => {
    const s = setup();
    const clean = await s.run();
    const rec = s.records()[0]!;
    const good = JSON.parse(readFileSync(rec, 'utf8')) as Record_;
    writeFileSync(rec, '{"build": "x", "tex');
    expect((await s.run()).stdout).toBe(clean.stdout);
    expect(JSON.parse(readFileSync(rec, 'utf8'))).toEqual(good);
    // Another build's record, claiming a different document for this very text: not used.
    writeFileSync(rec, JSON.stringify({ ...good, build: '0'.repeat(32), doc: good.doc.replace('"Fixed"', '"Forged"') }));
    expect((await s.run()).stdout).toBe(clean.stdout);
    expect(JSON.parse(readFileSync(rec, 'utf8'))).toEqual(good);
  });

  it('flows lint never reads it; TSHOOT_NO_CACHE turns it off', async () => {
    const s = setup();
    expect((await s.run()).code).toBe(0);
    const rec = s.records()[0]!;
    const good = JSON.parse(readFileSync(rec, 'utf8')) as Record_;
    // A record of this build for this text, but with another document: runs read it …
    writeFileSync(rec, JSON.stringify({ ...good, doc: good.doc.replace('"Fixed"', '"From the record"') }));
    const run = await s.run();
    expect(JSON.parse(run.stdout)).toMatchObject({ fix: { title: 'From the record' } });
    // … lint checks the file itself (and records what it found).
    const lint = await runCli(['flows', 'lint', join(s.dir, 'ask-demo.yaml')], { env: s.env });
    expect(lint.code).toBe(0);
    expect(JSON.parse(readFileSync(rec, 'utf8'))).toEqual(good);

    const off = setup();
    const r = await runCli(['run', 'ask-demo', '--flows', off.dir, '--non-interactive', '--answers', join(off.dir, 'answers.yaml')], { env: { ...off.env, TSHOOT_NO_CACHE: '1' } });
    expect(r.code).toBe(0);
    expect(off.records()).toEqual([]);
  });

  it('is not trusted in a folder others can write to', async () => {
    const s = setup();
    expect((await s.run()).code).toBe(0);
    const rec = s.records()[0]!;
    const good = JSON.parse(readFileSync(rec, 'utf8')) as Record_;
    writeFileSync(rec, JSON.stringify({ ...good, doc: good.doc.replace('"Fixed"', '"Planted"') }));
    chmodSync(join(s.cache, 'tshoot', 'flows'), 0o777);
    const run = await s.run();
    expect(JSON.parse(run.stdout)).toMatchObject({ fix: { title: 'Fixed' } });
  });

  it('answers positions as the YAML does: a divergence in a recorded flow points at the same line', async () => {
    const s = setup();
    const transcript = join(s.dir, 's.ndjson');
    expect((await s.run('--transcript', transcript)).code).toBe(0);
    // The recorded answer no longer leads where the transcript says.
    const lines = readFileSync(transcript, 'utf8').trim().split('\n');
    const edited = lines.map((l) => (l.includes('"kind":"decision"') && l.includes('"node":"q"') ? l.replace('"goto":"echo"', '"goto":"done"') : l));
    expect(edited).not.toEqual(lines);
    writeFileSync(transcript, edited.join('\n') + '\n');
    const check = (env: Record<string, string>) => runCli(['replay', '--check', transcript, '--flows', s.dir], { env: { ...s.env, ...env } });
    const cached = await check({});
    const fresh = await check({ TSHOOT_NO_CACHE: '1' });
    expect(cached.code).toBe(1);
    expect(cached.stderr).toMatch(/decision differs at node "q" of flow "ask-demo" \(.*ask-demo\.yaml:15:7\)/);
    expect(cached.stderr).toBe(fresh.stderr);
  });
});
