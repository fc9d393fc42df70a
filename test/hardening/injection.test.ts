/**
 * Issue 7 part 3, injection-proof: hostile answers go through real runs in the lab — an `input`
 * question whose answer is interpolated into the argv of a command on the `server` role, over
 * SSH and its persistent remote `/bin/sh` — and none of them executes. Every payload would
 * create a canary file if any shell read the answer as code; the canaries never appear, the
 * recorded argv and what `printf '%s'` printed on the server equal the answer byte for byte,
 * and answers with control characters (NUL, `\r`, newline…) or over 1024 characters are
 * refused by validation (exit 2) before anything runs.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { up, type Lab } from '../lab/lab.js';
import { canLab, fixNode, flowHead, flowsDir, prng, STACK_FRAME, tempDir, transcriptLines, type Line, type Prng } from './helpers.js';

const SEED = 0x7a5e_0003;
const CASES = 320;
const PER_RUN = 40;
/** Where every payload's canary would appear: one folder, created first (so `touch` could succeed). */
const CANARY_DIR = `/tmp/tshoot-canary-${process.pid}`;
/** Relative canaries land in the cwd of whatever shell ran them: the CLI's, or root's home over SSH. */
const REL = `tshoot-canary-rel-${process.pid}-`;

/** What checkAnswer refuses, decided here independently of it. */
// eslint-disable-next-line no-control-regex
const refused = (s: string) => /[\x00-\x1f\x7f]/.test(s) || s.length > 1024;

const PAYLOADS: ReadonlyArray<(c: string, rel: string) => string> = [
  (c) => `'; touch ${c}; '`,
  (c) => `"; touch ${c}; "`,
  (c) => `$(touch ${c})`,
  (c) => `\`touch ${c}\``,
  (c) => `; touch ${c}`,
  (c) => `&& touch ${c}`,
  (c) => `|| touch ${c} ||`,
  (c) => `| touch ${c}`,
  (c) => `& touch ${c} &`,
  (c) => `> ${c}`,
  (c) => `>>${c}`,
  (c) => `$(touch\${IFS}${c})`,
  (c) => `\${x:-$(touch ${c})}`,
  (c) => `'\\''$(touch ${c})'\\''`,
  (c) => `\\'; touch ${c} #`,
  (c) => `<(touch ${c})`,
  (c) => `$((0)); touch ${c}`,
  (c) => `{{ q0 }}$(touch ${c})`,
  (c) => `%s%n$(touch ${c})`,
  (c) => `-e; touch ${c}`,
  (c) => `--; touch ${c}`,
  (c) => `\ntouch ${c}\n`,
  (c) => `\rtouch ${c}`,
  (c) => `\r\n; touch ${c}`,
  (c) => `\0; touch ${c}`,
  (c) => `\x1b]0;$(touch ${c})\x07`,
  (c) => `\t$(touch ${c})`,
  (c) => `#E 00 0\n$(touch ${c})`,
  (_c, rel) => `; touch ${rel}`,
  (_c, rel) => `$(touch ${rel})`,
  (_c, rel) => `\`touch ${rel}\``,
];

const DECOR = ['', '', '-', '--', '-n', '*', '/*', '~', '~/', '~root', '\u202e', '\u202d\u2066', '\u200f', '\u2028', '\u0085', '\u009b31m', 'é', '日本語', '🙂', '\ufeff', "'", '"', '\\', '$', '!', '#', ' ', '  ', '%', '{{', '}}', '?', '[a-z]'];
const UNICODE = ['a', 'é', 'ß', 'Ω', 'ж', '日', '本', '語', '🙂', '𝔘', '\u202e', '\u0301', '\u00a0', '\u3000', '$', "'", '*'];

function hostile(r: Prng, i: number, dir = CANARY_DIR): string {
  const c = `${dir}/c${i}`;
  const rel = `${REL}${i}`;
  let s = r.pick(DECOR) + r.pick(PAYLOADS)(c, rel) + r.pick(DECOR);
  if (r.int(4) === 0) s += r.pick(PAYLOADS)(`${c}b`, `${rel}b`);
  if (r.int(6) === 0) {
    // long unicode: sometimes past the 1024-character limit
    const n = r.int(1100);
    let u = '';
    while (u.length < n) u += r.pick(UNICODE);
    s = r.int(2) ? u + s : s + u;
  }
  if (r.int(10) === 0) s = r.pick(['-', '--', '-rf /', '--help ']) + s;
  return s;
}

interface Out {
  outcome: string;
  fix?: { id: string } | null;
  commands: number;
  error?: { code: string; message: string };
}

describe.runIf(canLab)('hostile answers through real runs in the lab', () => {
  let lab: Lab;
  const dirs: string[] = [];

  beforeAll(async () => {
    lab = await up('healthy');
    rmSync(CANARY_DIR, { recursive: true, force: true });
    mkdirSync(CANARY_DIR, { mode: 0o777 });
  });
  afterAll(async () => {
    await lab?.down();
    rmSync(CANARY_DIR, { recursive: true, force: true });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const home of [ROOT, '/root']) for (const f of safeList(home)) if (f.startsWith(REL)) rmSync(join(home, f), { force: true });
  });

  const tshoot = (args: string[]) =>
    runCli([...args, '--ssh-config', lab.sshConfigPath, '--host', 'server=server', '--non-interactive', '--json'], { prefix: lab.nsExecArgv('client'), timeoutMs: 60_000 });

  /** A flow asking `answers.length` questions, each answer printed by `printf '%s'` on the server. */
  function batchFlow(id: string, n: number): string {
    let text = flowHead(id, 'q0');
    for (let k = 0; k < n; k++) {
      const next = k + 1 < n ? `q${k + 1}` : 'done';
      text += `  q${k}:
    kind: ask
    input: input
    pattern: '[\\s\\S]*'
    text: { en: "Answer ${k}", ja: "答え ${k}" }
    next: r${k}
  r${k}:
    kind: run
    title: { en: "Echo ${k}", ja: "表示 ${k}" }
    role: server
    timeout: 10
    argv: [printf, '%s', '{{ q${k} }}']
    next: ${next}
`;
    }
    return text + fixNode('done', `${id}-done`, `r${n - 1}`);
  }

  it('control: the same payloads, pasted unquoted into a shell, do create canaries', async () => {
    const dir = `${CANARY_DIR}-control`;
    mkdirSync(dir, { recursive: true });
    try {
      const r = prng(SEED);
      for (let i = 0; i < 30; i++) await lab.exec('server', ['sh', '-c', `cd ${dir} && printf '%s' ${hostile(r, i, dir)}`], { timeoutMs: 5000 });
      expect(readdirSync(dir).length).toBeGreaterThan(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`${CASES} seeded hostile answers: none executes, valid ones arrive byte for byte, the rest are refused with exit 2`, async () => {
    const r = prng(SEED);
    const answers = Array.from({ length: CASES }, (_, i) => hostile(r, i));
    // A templated word that starts with "-" would read as an option: the engine runs no command then.
    const dashed = answers.map((a, i) => [i, a] as const).filter(([, a]) => !refused(a) && a.startsWith('-'));
    const valid = answers.map((a, i) => [i, a] as const).filter(([, a]) => !refused(a) && !a.startsWith('-'));
    const invalid = answers.map((a, i) => [i, a] as const).filter(([, a]) => refused(a));
    // The generator must exercise both sides and every payload shape.
    expect(valid.length).toBeGreaterThan(CASES / 2);
    expect(invalid.length).toBeGreaterThan(20);

    const flows = flowsDir({ 'one.yaml': batchFlow('inj-one', 1) });
    dirs.push(flows);
    const work = tempDir('inj');
    dirs.push(work);

    // Valid answers, PER_RUN to a run: one SSH connection each, every answer in its own command.
    let checked = 0;
    for (let b = 0; b < valid.length; b += PER_RUN) {
      const batch = valid.slice(b, b + PER_RUN);
      const id = `inj-batch-${b / PER_RUN}`;
      writeFileSync(join(flows, `${id}.yaml`), batchFlow(id, batch.length));
      const answersFile = join(work, `${id}.json`);
      writeFileSync(answersFile, JSON.stringify(Object.fromEntries(batch.map(([, a], k) => [`q${k}`, a]))));
      const transcript = join(work, `${id}.ndjson`);
      const run = await tshoot(['run', id, '--flows', flows, '--answers', answersFile, '--transcript', transcript]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      const out = JSON.parse(run.stdout) as Out;
      expect(out).toMatchObject({ outcome: 'fix', commands: batch.length });
      const lines = transcriptLines(transcript);
      const commands = new Map(lines.filter((l) => l.kind === 'command').map((l) => [l.id as string, l]));
      const results = new Map(lines.filter((l) => l.kind === 'result').map((l) => [l.id as string, l]));
      const recorded = new Map(lines.filter((l) => l.kind === 'answer').map((l) => [l.id as string, l]));
      batch.forEach(([i, a], k) => {
        const where = `case ${i}: ${JSON.stringify(a)}`;
        expect((recorded.get(`q${k}`) as Line & { value: unknown }).value, where).toBe(a);
        expect(commands.get(`r${k}`)?.argv, where).toEqual(['printf', '%s', a]);
        const res = results.get(`r${k}`) as Line & { exit: number; stdout: string; stderr: string };
        expect(res, where).toMatchObject({ exit: 0, stdout: a, stderr: '', transport: null });
        checked++;
      });
    }

    // Refused answers: one run each (validation stops it at the first question), a few at a time.
    let refusedCount = 0;
    for (let b = 0; b < invalid.length; b += 8) {
      await Promise.all(
        invalid.slice(b, b + 8).map(async ([i, a]) => {
          const answersFile = join(work, `bad-${i}.json`);
          writeFileSync(answersFile, JSON.stringify({ q0: a }));
          const transcript = join(work, `bad-${i}.ndjson`);
          const run = await tshoot(['run', 'inj-one', '--flows', flows, '--answers', answersFile, '--transcript', transcript]);
          const where = `case ${i}: ${JSON.stringify(a)}`;
          expect(run.code, `${where}\n${run.stderr}`).toBe(2);
          expect(run.stderr, where).not.toMatch(STACK_FRAME);
          expect(`${run.stdout}\n${run.stderr}`, where).toMatch(/control character|longer than 1024/);
          if (existsSync(transcript)) expect(transcriptLines(transcript).filter((l) => l.kind === 'command'), where).toEqual([]);
          refusedCount++;
        }),
      );
    }

    // Answers starting with "-": accepted as answers, but the command is not run (an error names the node).
    let dashedCount = 0;
    for (let b = 0; b < dashed.length; b += 8) {
      await Promise.all(
        dashed.slice(b, b + 8).map(async ([i, a]) => {
          const answersFile = join(work, `dash-${i}.json`);
          writeFileSync(answersFile, JSON.stringify({ q0: a }));
          const transcript = join(work, `dash-${i}.ndjson`);
          const run = await tshoot(['run', 'inj-one', '--flows', flows, '--answers', answersFile, '--transcript', transcript]);
          const where = `case ${i}: ${JSON.stringify(a)}`;
          expect(run.code, `${where}\n${run.stderr}`).not.toBe(0);
          expect(run.stderr, where).not.toMatch(STACK_FRAME);
          expect(JSON.parse(run.stdout), where).toMatchObject({ outcome: 'error', commands: 0 });
          expect(transcriptLines(transcript).filter((l) => l.kind === 'command'), where).toEqual([]);
          dashedCount++;
        }),
      );
    }

    // No canary anywhere: not in the canary folder (the same file system as the server's
    // namespace — network namespaces share it — checked from the server too), nor relative
    // to the CLI's cwd or root's home (the remote shell's cwd).
    expect(readdirSync(CANARY_DIR)).toEqual([]);
    const onServer = await lab.exec('server', ['ls', '-A', CANARY_DIR]);
    expect(onServer).toMatchObject({ code: 0, stdout: '' });
    for (const [i] of answers.entries()) {
      if (i % 40 !== 0) continue; // a sample of test -e through the server namespace, on top of the listing
      expect((await lab.exec('server', ['test', '-e', `${CANARY_DIR}/c${i}`])).code).toBe(1);
    }
    for (const home of [ROOT, '/root']) expect(safeList(home).filter((f) => f.startsWith(REL))).toEqual([]);

    console.log(`hostile answers: ${CASES} tried (${checked} ran byte for byte on the server, ${dashedCount} starting with "-" ran no command, ${refusedCount} refused with exit 2), 0 canaries`);
    expect(checked + dashedCount + refusedCount).toBe(CASES);
  }, 300_000);
});

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
