/**
 * Issue 16, "CLI basics", through the built CLI: `help`, unknown commands, Examples in every
 * `--help`, one `tshoot:` prefix, `replay -q`'s verdict, and the `--json` contract — exactly one
 * object on stdout on every exit path (usage errors included), with the fix's steps, its
 * verify lines and the transcript's path.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cli } from '../../src/cli/cli.js';
import { errorLine, selfCommand, type CliIO } from '../../src/cli/io.js';
import { interruptedNote } from '../../src/ui/cards.js';
import { ROOT, runCli, type CliRun } from '../helpers/run-cli.js';
import { askFlow, userFlows } from '../helpers/user-flows.js';

const COMMANDS = ['run', 'diagnose', 'replay', 'resume', 'report', 'flows'];
const EXAMPLE = 'examples/refused-nginx-stopped.ndjson';

/** The one JSON object stdout must hold with --json. */
function oneObject(r: CliRun): Record<string, unknown> {
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  expect(lines, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toHaveLength(1);
  const o = JSON.parse(lines[0]!) as unknown;
  expect(typeof o === 'object' && o !== null && !Array.isArray(o)).toBe(true);
  return o as Record<string, unknown>;
}

describe('help', () => {
  it('`tshoot help` is `tshoot --help`, `tshoot help run` is `tshoot run --help`; both exit 0', async () => {
    const [help, dashHelp, helpRun, runHelp] = await Promise.all([runCli(['help']), runCli(['--help']), runCli(['help', 'run']), runCli(['run', '--help'])]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: tshoot \[options\] \[command\]/);
    expect(help.stdout).toBe(dashHelp.stdout);
    expect(helpRun).toMatchObject({ code: 0, stderr: '' });
    expect(helpRun.stdout).toMatch(/^Usage: tshoot run \[options\] <FLOW>/);
    expect(helpRun.stdout).toBe(runHelp.stdout);
    expect(help.stdout).toMatch(/^ {2}help \[command\] /m);
  });

  it('`tshoot help flows lint` is `tshoot flows lint --help`', async () => {
    const [a, b] = await Promise.all([runCli(['help', 'flows', 'lint']), runCli(['flows', 'lint', '--help'])]);
    expect(a).toMatchObject({ code: 0, stderr: '' });
    expect(a.stdout).toMatch(/^Usage: tshoot flows lint /);
    expect(a.stdout).toBe(b.stdout);
  });

  it("every command's --help ends with Examples, each a command line of that command", async () => {
    for (const cmd of [[], ...COMMANDS.map((c) => [c])]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      const tail = r.stdout.split('\nExamples:\n')[1];
      expect(tail, `tshoot ${cmd.join(' ')} --help:\n${r.stdout}`).toBeDefined();
      const lines = tail!.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const l of lines) expect(l).toMatch(new RegExp(`^ {2}\\$ tshoot${cmd.length ? ` ${cmd[0]}\\b` : ''}`));
      // The names in the examples are no real hosts (.invalid) nor real addresses.
      expect(tail).not.toMatch(/\b(?:example\.com|\d+\.\d+\.\d+\.\d+)\b/);
    }
  });
});

describe('unknown commands', () => {
  it.each([
    [['rnu'], "unknown command 'rnu' (did you mean 'run'?)"],
    [['replya', EXAMPLE], "unknown command 'replya' (did you mean 'replay'?)"],
    [['help', 'diagnoes'], "unknown command 'diagnoes' (did you mean 'diagnose'?)"],
    [['frobnicate'], "unknown command 'frobnicate';"],
    [['--json', 'rnu'], "unknown command 'rnu' (did you mean 'run'?)"],
  ])('tshoot %j: one line, "%s", exit 2', async (argv, said) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr.startsWith(`tshoot: ${said}`)).toBe(true);
    expect(r.stderr).toContain(`commands: ${COMMANDS.join(', ')}`);
    expect(r.stderr).not.toMatch(/too many arguments/);
  });
});

describe('the tshoot: prefix', () => {
  it('is written once, whether or not the message starts with it', () => {
    expect(errorLine('unknown flow "x"')).toBe('tshoot: unknown flow "x"\n');
    expect(errorLine('tshoot: unknown flow "x"')).toBe('tshoot: unknown flow "x"\n');
  });

  it('once on what a session without a terminal says', async () => {
    const r = await runCli(['run', 'refused'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tshoot: /);
    expect(r.stderr).not.toMatch(/tshoot: tshoot\b/);
  });
});

describe('replay -q', () => {
  it('prints the one-line verdict on stdout: no session, no card; the exit code is the outcome', async () => {
    const quiet = await runCli(['replay', '-q', EXAMPLE]);
    const full = await runCli(['replay', EXAMPLE]);
    expect(quiet.code).toBe(full.code);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(new RegExp(`^${EXAMPLE.replace(/[.]/g, '\\.')}: matches today's flows \\(\\d+ answers, \\d+ commands, fix start-service\\)\\n$`));
    expect(quiet.stderr).toBe('');
    expect(full.stdout).toContain('start-service'); // the card, for comparison
    // With --check the verdict is the check's, on stderr as without -q.
    const check = await runCli(['replay', '--check', '-q', EXAMPLE]);
    expect(check).toMatchObject({ code: 0, stdout: '' });
    expect(check.stderr).toBe(quiet.stdout);
  });

  it('a transcript that diverges: the report on stderr, the verdict on stdout, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tshoot-q-'));
    const file = join(dir, 'changed.ndjson');
    // The recorded outcome names another fix: today's flow concludes start-service.
    writeFileSync(file, readFileSync(EXAMPLE, 'utf8').replace(/"id":"start-service"/, '"id":"other-fix"'));
    const r = await runCli(['replay', '-q', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/: diverges from today's flows \(1 divergence\)\n$/);
    expect(r.stderr).toContain('other-fix');
  });
});

describe('--json: exactly one object on stdout, whatever ends the command', () => {
  const missing = 'no-such-transcript.ndjson';
  it.each([
    ['an unknown option', ['run', 'refused', '--json', '--nope']],
    ['a missing argument', ['replay', '--json']],
    ['an unknown command', ['--json', 'rnu']],
    ['an unknown flow', ['run', 'refusd', '--json', '--non-interactive']],
    ['a bad --target', ['run', 'refused', '--json', '--non-interactive', '--target', 'not a target']],
    ['an unreadable transcript (replay)', ['replay', '--json', missing]],
    ['an unreadable transcript (resume)', ['resume', '--json', missing]],
    ['--check with --update', ['replay', '--json', '--check', '--update', EXAMPLE]],
    ['diagnose without a target', ['diagnose', '--json', '--non-interactive']],
  ])('%s: exit 2, the error object, and the same message on stderr', async (_what, argv) => {
    const r = await runCli(argv, { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    const o = oneObject(r);
    expect(o).toMatchObject({ outcome: 'error', fix: null, error: { code: 'usage' } });
    const message = (o.error as { message: string }).message;
    expect(r.stderr).toContain(`tshoot: ${message}\n`);
  });

  it('a question with no terminal to ask it on, without --non-interactive: one object naming the question, exit 2', async () => {
    const r = await runCli(['run', 'refused', '--json'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(oneObject(r)).toMatchObject({ flow: 'refused', fix: null, question: { id: 'target' } });
  });

  it('a fix: the steps, the configuration line, the verify lines and the transcript path', async () => {
    const dir = userFlows({ 'ask-demo.yaml': askFlow, 'answers.yaml': 'q: a\n' });
    const transcript = join(dir, 'session.ndjson');
    const r = await runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--json', '--answers', join(dir, 'answers.yaml'), '--transcript', transcript]);
    expect(r.code).toBe(0);
    const o = oneObject(r);
    expect(o.fix).toEqual({ id: 'demo-fix', title: 'Fixed', summary: 'you picked a', steps: ['nothing'], config: null, verify: ['nothing'] });
    expect(o.transcript).toBe(transcript);
    expect(existsSync(transcript)).toBe(true);
    const none = oneObject(await runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--json', '--answers', join(dir, 'answers.yaml'), '--no-transcript']));
    expect(none.transcript).toBeNull();
  });

  it('a stop for input names the transcript to resume', async () => {
    const dir = userFlows({ 'ask-demo.yaml': askFlow });
    const transcript = join(dir, 'stopped.ndjson');
    const r = await runCli(['run', 'ask-demo', '--flows', dir, '--non-interactive', '--json', '--transcript', transcript]);
    expect(r.code).toBe(4);
    expect(oneObject(r)).toMatchObject({ outcome: 'needs-input', transcript });
  });

  it('replay: the recorded fix with its steps and verify lines; --update prints its object too', async () => {
    const o = oneObject(await runCli(['replay', '--json', EXAMPLE]));
    const fix = o.fix as { id: string; steps: string[]; verify: string[] };
    expect(fix.id).toBe('start-service');
    expect(fix.steps.length).toBeGreaterThan(0);
    expect(fix.verify.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'tshoot-upd-'));
    const copy = join(dir, 'copy.ndjson');
    writeFileSync(copy, readFileSync(EXAMPLE, 'utf8'));
    const u = await runCli(['replay', '--json', '--update', copy]);
    expect(u.code).toBe(0);
    expect(oneObject(u)).toMatchObject({ outcome: 'fix', updated: true, matches: true });
  });
});

describe('--json when the command itself fails (cli() with its IO faked at the port)', () => {
  /** Streams that keep what is written; an environment that fails the way `failure` says when read. */
  function io(failure: unknown): { io: CliIO; out: () => string } {
    let out = '';
    const stream = (keep: boolean) => new Writable({ write: (c: Buffer, _e, done) => ((keep ? (out += c.toString()) : ''), done()) });
    return {
      io: {
        stdin: Readable.from([]),
        stdout: stream(true),
        stderr: stream(false),
        get env(): CliIO['env'] {
          throw failure;
        },
        cwd: ROOT,
      },
      out: () => out,
    };
  }

  it('an internal error: the error object (code internal) on stdout, then the error goes on to main.ts', async () => {
    const t = io(new Error('the environment broke'));
    await expect(cli(['run', 'refused', '--json', '--non-interactive'], t.io)).rejects.toThrow('the environment broke');
    expect(JSON.parse(t.out())).toEqual({ outcome: 'error', error: { code: 'internal', message: 'the environment broke', at: null }, fix: null, evidence: [], questions: 0, commands: 0 });
  });

  it('an interruption no command caught: {"outcome":"interrupted"}', async () => {
    const t = io(Object.assign(new Error('interrupted'), { code: 'interrupted' }));
    await expect(cli(['run', 'refused', '--json', '--non-interactive'], t.io)).rejects.toThrow('interrupted');
    expect(JSON.parse(t.out())).toEqual({ outcome: 'interrupted', fix: null, evidence: [], questions: 0, commands: 0 });
  });

  it('without --json, nothing is added to stdout', async () => {
    const t = io(new Error('the environment broke'));
    await expect(cli(['run', 'refused', '--non-interactive'], t.io)).rejects.toThrow('the environment broke');
    expect(t.out()).toBe('');
  });
});

describe('the resume hint', () => {
  it('says `npx tshoot resume` when npx started tshoot, `tshoot resume` otherwise', () => {
    // What npx (npm 7+) puts in the environment of what it runs, seen from `npx -c env`.
    expect(selfCommand({ npm_command: 'exec', npm_lifecycle_event: 'npx' })).toBe('npx tshoot');
    expect(selfCommand({ npm_command: 'run-script', npm_lifecycle_event: 'test' })).toBe('tshoot');
    expect(selfCommand({})).toBe('tshoot');
    expect(interruptedNote('en', '/tmp/s.ndjson', 'npx tshoot')).toContain('Continue it with: npx tshoot resume /tmp/s.ndjson\n');
  });
});
