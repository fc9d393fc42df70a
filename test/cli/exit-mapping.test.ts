/**
 * Issue 18: one error → exit code and `--json` object mapping (cli/outcome.ts `stopFor`,
 * `exitFor`) for run, replay and resume. The same usage error, missing answer, interruption or
 * unreachable host gives the same exit code and the same object whichever command met it; each
 * is compared with the mapping's own answer, so a command that said it its own way would fail.
 * In process (the signal is ours to abort), through `cli()` as main.ts calls it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cli } from '../../src/cli/cli.js';
import { EXIT, type CliIO } from '../../src/cli/io.js';
import { stopFor } from '../../src/cli/outcome.js';
import { UsageError } from '../../src/cli/target.js';
import { Interrupted, NeedsInput } from '../../src/engine/ports.js';
import { MODELINE } from '../../src/flow/load.js';
import { ResumeError } from '../../src/transcript/resume.js';
import { AnswerError } from '../../src/ui/prompter.js';
import { askFlow, userFlows } from '../helpers/user-flows.js';

/** A flow whose one command runs on the server: a server whose name does not resolve ends it unreachable. */
const reachFlow = `${MODELINE}
id: reach-demo
title: { en: Reach demo, ja: 到達デモ }
needs_target: false
start: name
nodes:
  name:
    kind: run
    title: { en: Its name, ja: 名前 }
    role: server
    argv: [uname, -n]
    next: done
  done:
    kind: end
    title: { en: Done, ja: 完了 }
    next_steps: [{ en: none, ja: なし }]
`;

const DIR = userFlows({ 'ask.yaml': askFlow, 'reach.yaml': reachFlow });
const HOME = mkdtempSync(join(tmpdir(), 'tshoot-exit-'));

interface Ran {
  readonly code: number;
  readonly stderr: string;
  /** The one `--json` object, without what only names this run (flow, transcript). */
  readonly json: Record<string, unknown>;
}

async function tshoot(argv: readonly string[], o: { aborted?: boolean } = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  if (o.aborted) controller.abort();
  const io: CliIO = {
    stdin: Readable.from([]),
    stdout: new Writable({ write: (c: Buffer, _e, done) => ((stdout += c.toString()), done()) }),
    stderr: new Writable({ write: (c: Buffer, _e, done) => ((stderr += c.toString()), done()) }),
    env: { NO_COLOR: '1', XDG_STATE_HOME: join(HOME, 'state'), XDG_CACHE_HOME: join(HOME, 'cache'), TSHOOT_NO_CACHE: '1', HOME },
    cwd: HOME,
    signal: controller.signal,
  };
  const code = await cli(argv, io);
  const lines = stdout.split('\n').filter((l) => l !== '');
  expect(lines, `tshoot ${argv.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`).toHaveLength(1);
  const { flow: _flow, transcript: _transcript, ...json } = JSON.parse(lines[0]!) as Record<string, unknown>;
  return { code, stderr, json };
}

const file = (name: string) => join(HOME, name);

describe('one mapping from what stopped a command to its exit code and --json object', () => {
  it('the mapping: usage errors (a bad answer, a resume that diverged) exit 2; a missing answer 4 (2 with no terminal); Ctrl-C 130; anything else is not a user error', () => {
    const usage = stopFor(new UsageError('m'));
    expect(usage).toEqual({ exit: EXIT.usage, json: { outcome: 'error', error: { code: 'usage', message: 'm', at: null }, fix: null, evidence: [] } });
    expect(stopFor(new AnswerError('m'))).toEqual(usage);
    expect(stopFor(new ResumeError('m'))).toEqual(usage);
    const q = { id: 'q', flow: 'f', node: 'q', input: 'select' as const, text: 'Pick', choices: [{ value: 'a', label: 'A' }] };
    expect(stopFor(new NeedsInput(q), { nonInteractive: true })).toEqual({
      exit: EXIT.needsInput,
      json: { outcome: 'needs-input', fix: null, evidence: [], question: { id: 'q', kind: 'select', text: 'Pick', choices: ['a'] } },
    });
    expect(stopFor(new NeedsInput(q))?.exit).toBe(EXIT.usage);
    expect(stopFor(new Interrupted())).toEqual({ exit: EXIT.interrupted, json: { outcome: 'interrupted', fix: null, evidence: [] } });
    expect(stopFor(new Error('bug'))).toBeNull();
    expect(stopFor('not an error')).toBeNull();
  });

  it('a usage error: run, replay and resume give exit 2 and the mapping object, its message the stderr line', async () => {
    const runs = [
      await tshoot(['run', 'no-such-flow', '--flows', DIR, '--json']),
      await tshoot(['replay', file('gone.ndjson'), '--json']),
      await tshoot(['resume', file('gone.ndjson'), '--json']),
    ];
    for (const r of runs) {
      const message = r.stderr.replace(/^tshoot: /, '').trimEnd();
      const stop = stopFor(new UsageError(message))!;
      expect(r.code).toBe(stop.exit);
      expect(r.json).toEqual({ ...stop.json, questions: 0, commands: 0 });
    }
  });

  it("a resumed session whose recorded step today's flow no longer takes: exit 2 and the usage object, as any usage error", async () => {
    // A local command first: its recorded result is replayed, against today's command.
    const twoSteps = reachFlow.replace('start: name\nnodes:\n', `start: here
nodes:
  here:
    kind: run
    title: { en: Here, ja: ここ }
    role: local
    argv: [printf, a]
    next: name
`);
    const dir = userFlows({ 'reach.yaml': twoSteps });
    const t = file('diverged.ndjson');
    const run = await tshoot(['run', 'reach-demo', '--flows', dir, '--host', 'server=nosuch-h18.invalid', '--non-interactive', '--json', '--transcript', t]);
    expect(run.code).toBe(EXIT.unreachable);
    writeFileSync(join(dir, 'reach.yaml'), twoSteps.replace('argv: [printf, a]', 'argv: [printf, b]'));
    const r = await tshoot(['resume', t, '--non-interactive', '--json']);
    const line = r.stderr.trimEnd().split('\n').at(-1)!;
    expect(line).toMatch(/^tshoot: .*diverged\.ndjson:\d+: the flows changed since this session/);
    const stop = stopFor(new ResumeError(line.replace(/^tshoot: /, '')))!;
    expect({ code: r.code, json: r.json }).toEqual({ code: stop.exit, json: { ...stop.json, questions: 0, commands: 0 } });
  }, 60_000);

  it('a question without an answer: run and resume give the same exit and object (4 with --non-interactive, 2 with no terminal)', async () => {
    const t = file('ask.ndjson');
    const run = await tshoot(['run', 'ask-demo', '--flows', DIR, '--non-interactive', '--json', '--transcript', t]);
    const resumed = await tshoot(['resume', t, '--non-interactive', '--json']);
    const q = { id: 'q', flow: 'ask-demo', node: 'q', input: 'select' as const, text: 'Pick one', choices: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] };
    const stop = stopFor(new NeedsInput(q), { nonInteractive: true })!;
    for (const r of [run, resumed]) expect({ code: r.code, json: r.json }).toEqual({ code: EXIT.needsInput, json: { ...stop.json, questions: 0, commands: 0 } });
    const noTerminal = [await tshoot(['run', 'ask-demo', '--flows', DIR, '--json', '--no-transcript']), await tshoot(['resume', t, '--json'])];
    for (const r of noTerminal) expect({ code: r.code, json: r.json }).toEqual({ code: EXIT.usage, json: { ...stopFor(new NeedsInput(q))!.json, questions: 0, commands: 0 } });
  });

  it('Ctrl-C: run and resume give 130 and the mapping object', async () => {
    const t = file('ask-interrupted.ndjson');
    await tshoot(['run', 'ask-demo', '--flows', DIR, '--non-interactive', '--json', '--transcript', t]);
    // Every answer known: what stops the session is the Ctrl-C alone (a missing answer would say so first).
    const answers = file('answers.yaml');
    writeFileSync(answers, 'q: a\n');
    const stop = stopFor(new Interrupted())!;
    const runs = [
      await tshoot(['run', 'ask-demo', '--flows', DIR, '--answers', answers, '--non-interactive', '--json', '--no-transcript'], { aborted: true }),
      await tshoot(['resume', t, '--answers', answers, '--non-interactive', '--json'], { aborted: true }),
    ];
    // The counts are the session's own (what ran before the signal was seen).
    for (const r of runs) expect({ code: r.code, json: r.json }).toEqual({ code: stop.exit, json: { ...stop.json, questions: expect.any(Number), commands: expect.any(Number) } });
  });

  it('a host that cannot be reached: run, replay and resume end with exit 3 and the same error object', async () => {
    const t = file('reach.ndjson');
    const run = await tshoot(['run', 'reach-demo', '--flows', DIR, '--host', 'server=nosuch-h18.invalid', '--non-interactive', '--json', '--transcript', t]);
    const replayed = await tshoot(['replay', t, '--json']);
    const resumed = await tshoot(['resume', t, '--non-interactive', '--json']);
    expect(run.code).toBe(EXIT.unreachable);
    expect(run.json).toMatchObject({ outcome: 'error', fix: null, evidence: [], error: { code: 'unreachable', transport: 'dns' } });
    for (const r of [replayed, resumed]) {
      expect(r.code).toBe(run.code);
      expect(r.json.error).toEqual(run.json.error);
      expect(r.json.outcome).toBe(run.json.outcome);
    }
  }, 60_000);
});
