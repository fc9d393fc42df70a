/**
 * Pipes (issue 16). `tshoot run … | tee log` from a terminal: the questions are asked on the
 * terminal (stderr), the log gets the progress and the card, not the prompts. `--json > out.json`:
 * the same, and the file is exactly one JSON object. Without any terminal the session runs while
 * every answer is known, and the first question without one stops it, naming it (exit 2).
 * Real pipes: tmux runs the shell line, the pipe is the shell's.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { quoteArgv } from '../../src/exec/shell-quote.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { scratch, type Scratch } from '../transcript/helpers.js';
import { exitCode, hasTmux, Tmux } from '../ui/tmux.js';

const made: Scratch[] = [];
const fresh = () => {
  const s = scratch();
  made.push(s);
  return s;
};
afterAll(() => {
  for (const s of made) rmSync(s.dir, { recursive: true, force: true });
});

describe.runIf(hasTmux)('stdin a terminal, stdout a pipe or a file (tmux)', () => {
  const tmux = new Tmux();
  afterAll(() => tmux.kill());

  /** `bash -c 'set -o pipefail; tshoot run counter … LINE'` in a terminal: the pipeline's exit code is tshoot's. */
  const start = (name: string, s: Scratch, tail: string, extra: string[] = []) =>
    tmux.start(name, ['bash', '-c', `set -o pipefail; ${quoteArgv([process.execPath, BIN, 'run', 'counter', '--flows', s.flows, '--no-transcript', ...extra])} ${tail}`], {
      env: s.env,
      cwd: s.dir,
    });

  it('`| tee log`: the question is asked on the terminal, the log gets the progress and the card but no prompt', async () => {
    const s = fresh();
    const log = join(s.dir, 'log');
    start('tee', s, `| tee ${log}`);
    await tmux.waitFor('tee', (sc) => sc.includes('Go on?'), 'the question');
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\n');
    tmux.type('tee', 'y');
    tmux.keys('tee', 'Enter');
    const screen = await tmux.waitFor('tee', (sc) => exitCode(sc) !== null, 'tshoot to end');
    expect(exitCode(screen), screen).toBe(0);
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\nthree\n');
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('Counted');
    expect(text).toMatch(/One/);
    expect(text).not.toContain('Go on?');
    // A log is text: no escape sequence reached it.
    expect(text).not.toContain('\x1b');
  });

  it('`--json > out.json`: asked on the terminal, the file is exactly one JSON object', async () => {
    const s = fresh();
    const out = join(s.dir, 'out.json');
    start('json', s, `> ${out}`, ['--json']);
    await tmux.waitFor('json', (sc) => sc.includes('Go on?'), 'the question');
    tmux.type('json', 'y');
    tmux.keys('json', 'Enter');
    const screen = await tmux.waitFor('json', (sc) => exitCode(sc) !== null, 'tshoot to end');
    expect(exitCode(screen), screen).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toMatchObject({ flow: 'counter', outcome: 'fix', fix: { id: 'counted' }, questions: 1, commands: 3 });
  });

  it('bare `tshoot | cat`: the symptom menu is drawn on the terminal (stderr); Ctrl-C there ends with 130', async () => {
    const s = fresh();
    tmux.start('menu', ['bash', '-c', `set -o pipefail; ${quoteArgv([process.execPath, BIN])} | cat`], { env: s.env, cwd: s.dir });
    await tmux.waitFor('menu', (sc) => sc.includes('What do you see?'), 'the menu');
    tmux.keys('menu', 'C-c');
    const screen = await tmux.waitFor('menu', (sc) => exitCode(sc) !== null, 'tshoot to end');
    expect(exitCode(screen), screen).toBe(130);
  });

  it('`--json 2> err` (stdout the only terminal): asked on stdout, which a person reads; progress in the file', async () => {
    const s = fresh();
    const err = join(s.dir, 'err');
    start('json-tty', s, `2> ${err}`, ['--json']);
    await tmux.waitFor('json-tty', (sc) => sc.includes('Go on?'), 'the question');
    tmux.type('json-tty', 'n');
    tmux.keys('json-tty', 'Enter');
    const screen = await tmux.waitFor('json-tty', (sc) => exitCode(sc) !== null, 'tshoot to end');
    expect(exitCode(screen), screen).toBe(1);
    expect(screen).toMatch(/\{"flow":"counter","outcome":"unresolved"/);
    expect(readFileSync(err, 'utf8')).toMatch(/One/);
    expect(readFileSync(err, 'utf8')).not.toContain('Go on?');
  });
});

describe('no terminal at all', () => {
  let s: Scratch;
  afterEach(() => rmSync(s.dir, { recursive: true, force: true }));

  it('every answer known: the session runs to its end without --non-interactive', async () => {
    s = scratch();
    writeFileSync(join(s.dir, 'a.yaml'), 'go_on: yes\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--answers', 'a.yaml', '--json'], { env: s.env, cwd: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'fix', fix: { id: 'counted' }, questions: 1, commands: 3 });
  });

  it('a question without an answer stops the session there, named, exit 2; what ran before it is in the transcript', async () => {
    s = scratch();
    const file = join(s.dir, 'session.ndjson');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--transcript', file], { env: s.env, cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tshoot: question "go_on" has no answer and there is no terminal to ask it on: run tshoot in one, or pass --non-interactive --answers FILE with "go_on" in it\n');
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\n');
    // It can be resumed once an answer is known.
    writeFileSync(join(s.dir, 'a.yaml'), 'go_on: yes\n');
    const again = await runCli(['resume', file, '--answers', 'a.yaml'], { env: s.env, cwd: s.dir });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\nthree\n');
  });
});
