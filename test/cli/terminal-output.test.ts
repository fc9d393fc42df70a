/**
 * Issue 12 finding 11: one sanitizing writer for every output path. The built CLI is run on
 * transcripts, file names, flows and pasted errors that hold terminal escapes (clear screen,
 * OSC 52 clipboard write, a title), 8-bit controls, bidi overrides and invisible tag
 * characters: nothing of it reaches stdout or stderr as a control character, and the text is
 * still there, escaped (`\u001b[2J`). `--json` stays the same JSON value. In a real terminal
 * (tmux) the title and the screen survive a `replay --check` of such a transcript.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, type CliRun } from '../helpers/run-cli.js';
import { askFlow } from '../helpers/user-flows.js';
import { oneCommandFlow } from '../ui/flows.js';
import { exitCode, hasTmux, Tmux } from '../ui/tmux.js';

// ESC, C0 but \t \n, DEL, C1, bidi controls, LS/PS, tag characters.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\u{e0000}-\u{e007f}]/u;

/** Everything a terminal would act on, and text on both sides to find it by. */
const HOSTILE = 'A\x1b[2J\x1b]52;c;SGVsbG8=\x07\x1b]0;PWNED\x07\x1b[8m\u202eRLO\u0085\u009b31m\u2028\u{e0041}\bZ\rQ';
/** The same bytes for printf's format (octal escapes: a flow's argv is plain text). */
const HOSTILE_PRINTF = 'A\\033[2J\\033]52;c;SGVsbG8=\\007\\033]0;PWNED\\007\\033[8m\\342\\200\\256RLO\\302\\205\\302\\23331m\\342\\200\\250\\363\\240\\201\\201\\bZ\\rQ';

/** Nothing a terminal acts on, in stdout or stderr; the hostile text shown escaped in `where`. */
function expectShownEscaped(r: CliRun, where: 'stdout' | 'stderr' = 'stderr'): void {
  for (const s of ['stdout', 'stderr'] as const) {
    const bad = FORBIDDEN.exec(r[s]);
    expect(bad && JSON.stringify(r[s].slice(Math.max(0, bad.index - 40), bad.index + 40)), `a control character on ${s}`).toBeNull();
  }
  // ESC shows as \u001b, whether the path JSON-quoted the text first or not; the bidi override too.
  expect(r[where]).toContain('\\u001b[2J');
  expect(r[where]).toContain('\\u001b]52;c;SGVsbG8=');
  expect(r[where]).toContain('\\u202eRLO');
}

const work = mkdtempSync(join(tmpdir(), 'tshoot-out-'));
const run = (args: readonly string[], env?: Record<string, string>) => runCli(args, { cwd: work, ...(env ? { env } : {}) });
type Event = Record<string, unknown> & { kind?: string };
const lines = (file: string): Event[] => readFileSync(join(work, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Event);
const write = (file: string, events: readonly Event[]) => writeFileSync(join(work, file), events.map((e) => JSON.stringify(e)).join('\n') + '\n');

let recorded: Event[] = [];

beforeAll(async () => {
  writeFileSync(join(work, 'ask.yaml'), askFlow);
  writeFileSync(join(work, 'hostile.yaml'), oneCommandFlow('hostile', ['printf', HOSTILE_PRINTF]));
  writeFileSync(join(work, 'answers.yaml'), 'q: a\n');
  const r = await run(['run', 'ask-demo', '--flows', '.', '--non-interactive', '--answers', 'answers.yaml', '--transcript', 'ask.ndjson']);
  expect(r.code, r.stderr).toBe(0);
  recorded = lines('ask.ndjson');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('every output path goes through the one sanitizing writer', () => {
  it('replay --check: a stray event after the outcome, its label on stderr', async () => {
    write('stray.ndjson', [...recorded, { kind: 'question', id: `q${HOSTILE}`, flow: 'ask-demo', node: 'q', input: 'input', text: 'x' }]);
    const r = await run(['replay', '--check', '--flows', '.', 'stray.ndjson']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('recorded steps were not reached');
    expectShownEscaped(r);
  });

  it('replay --check: a recorded step that differs, its label and argv on stderr', async () => {
    const extra = { kind: 'command', id: `stray${HOSTILE}`, flow: 'ask-demo', node: 'echo', title: HOSTILE, role: 'local', dest: 'local', argv: [`rm${HOSTILE}`], timeoutMs: 1000, root: false };
    write('step.ndjson', [...recorded.slice(0, -1), extra, recorded.at(-1)!]);
    const r = await run(['replay', '--check', '--flows', '.', 'step.ndjson']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('differs at node');
    expectShownEscaped(r);
  });

  it('replay --check --json: the divergence as JSON, the same value, no control character', async () => {
    const r = await run(['replay', '--check', '--json', '--flows', '.', 'stray.ndjson']);
    expect(r.code).toBe(1);
    expect(FORBIDDEN.test(r.stdout)).toBe(false);
    const j = JSON.parse(r.stdout) as { divergences: Array<{ fields: Array<{ expected: string[] }> }> };
    expect(j.divergences[0]!.fields[0]!.expected[0]).toBe(`line ${recorded.length + 1}: question q${HOSTILE}`);
  });

  it('resume: the divergence names the recorded argv', async () => {
    // Interrupted after the command, whose recorded argv is not today's.
    write('resume.ndjson', recorded.slice(0, 6).map((e) => (e.kind === 'command' ? { ...e, argv: ['printf', '%s', `a${HOSTILE}`] } : e)));
    const r = await run(['resume', '--flows', '.', '--non-interactive', 'resume.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the flows changed since this session');
    expectShownEscaped(r);
  });

  it('flows lint: a flow file whose name holds escapes', async () => {
    const name = `evil${HOSTILE}.yaml`;
    writeFileSync(join(work, name), 'id: x\n');
    const r = await run(['flows', 'lint', name]);
    rmSync(join(work, name));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('missing field "title"');
    expectShownEscaped(r, 'stdout');
  });

  it('flows list and graph: a title that holds escapes', async () => {
    const dir = mkdtempSync(join(work, 'flows-'));
    writeFileSync(join(dir, 't.yaml'), askFlow.replace('id: ask-demo', 'id: titled').replace('title: { en: Ask demo', `title: { en: ${JSON.stringify(HOSTILE)}`).replace('title: { en: Done', `title: { en: ${JSON.stringify(`Done${HOSTILE}`)}`));
    const list = await run(['flows', 'list', '--flows', dir]);
    expect(list.code, list.stderr).toBe(0);
    expectShownEscaped(list, 'stdout');
    const graph = await run(['flows', 'graph', 'titled', '--flows', dir]);
    expect(graph.code, graph.stderr).toBe(0);
    expect(FORBIDDEN.test(graph.stdout + graph.stderr)).toBe(false);
  });

  it('error messages: an unknown flow, an unreadable transcript, a bad --target, an unknown option', async () => {
    for (const args of [
      ['run', `x${HOSTILE}`, '--non-interactive'],
      ['replay', `missing${HOSTILE}.ndjson`],
      ['run', 'refused', '--non-interactive', '--target', `web${HOSTILE}`],
      ['run', `--nope${HOSTILE}`],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expectShownEscaped(r);
    }
  });

  it('diagnose --error: a pasted error whose host holds escapes', async () => {
    // A host curl could print as one word (the whole HOSTILE has characters that end a word).
    const host = 'web\x1b[2J\x1b]52;c;SGVsbG8=\x07\u202eRLO\u0085';
    const r = await run(['diagnose', '--non-interactive', '--error', `curl: (7) Failed to connect to ${host} port 80 after 1 ms: Connection refused`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--error: the target');
    expectShownEscaped(r);
  });

  describe('a session whose command printed the hostile bytes', () => {
    let json: CliRun;
    beforeAll(async () => {
      json = await run(['run', 'hostile', '--flows', '.', '--non-interactive', '--json', '--transcript', 'hostile.ndjson']);
    });

    it('--json: stdout is the same JSON value (the output byte for byte), with no control character; progress on stderr is clean', () => {
      expect(json.code, json.stderr).toBe(0);
      expect(FORBIDDEN.test(json.stdout)).toBe(false);
      expect(FORBIDDEN.test(json.stderr)).toBe(false);
      const j = JSON.parse(json.stdout) as { fix: { summary: string }; evidence: Array<{ lines: string[] }> };
      expect(j.fix.summary).toBe(`it printed ${HOSTILE}`);
      expect(j.evidence[0]!.lines.join('\n')).toContain('RLO');
      // The transcript records the output as it was.
      expect(lines('hostile.ndjson').find((e) => e.kind === 'result')).toMatchObject({ stdout: HOSTILE });
    });

    it('replay (the card, -v) and report to the terminal', async () => {
      for (const args of [
        ['replay', '-v', '--flows', '.', 'hostile.ndjson'],
        ['report', '--format', 'md', '--flows', '.', 'hostile.ndjson'],
        ['report', '--format', 'html', '--flows', '.', 'hostile.ndjson'],
      ]) {
        const r = await run(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toContain('RLO');
        for (const s of [r.stdout, r.stderr]) expect(FORBIDDEN.test(s), args.join(' ')).toBe(false);
      }
    });

    it('report -o: the HTML and Markdown files hold no control character either (report.ts sanitizes what it writes)', async () => {
      for (const out of ['r.html', 'r.md']) {
        const r = await run(['report', '--flows', '.', '-o', out, 'hostile.ndjson']);
        expect(r.code, r.stderr).toBe(0);
        const text = readFileSync(join(work, out), 'utf8');
        expect(text).toContain('RLO');
        expect(FORBIDDEN.test(text), out).toBe(false);
      }
    });
  });
});

describe.runIf(hasTmux)('in a real terminal (tmux)', () => {
  const tmux = new Tmux();
  afterAll(() => tmux.kill());

  it('replay --check of a transcript with escapes in a label: the title and the screen stay, the label shows escaped', async () => {
    const file = join(work, 'tty.ndjson');
    writeFileSync(file, [...recorded, { kind: 'question', id: `q${HOSTILE}`, flow: 'ask-demo', node: 'q', input: 'input', text: 'x' }].map((e) => JSON.stringify(e)).join('\n') + '\n');
    const before = `printf '\\033]2;clean-title\\033\\\\'; echo BEFORE-MARKER`;
    tmux.start('check', [process.execPath, BIN, 'replay', '--check', '--flows', '.', file], { before, cwd: work });
    const screen = await tmux.waitFor('check', (s) => exitCode(s) !== null, 'tshoot to end');
    expect(exitCode(screen), screen).toBe(1);
    expect(tmux.get('check', 'pane_title')).toBe('clean-title');
    expect(screen).toMatch(/^BEFORE-MARKER$/m);
    expect(screen).toContain('\\u001b[2J\\u001b]52;c;SGVsbG8=\\u0007\\u001b]0;PWNED\\u0007\\u001b[8m\\u202eRLO');
  });
});

describe('a target host starting with "-" is refused, exit 2, before anything runs (issue 12 finding 12)', () => {
  const CANARY = join(work, 'canary');
  const proxy = `-oProxyCommand=touch ${CANARY}`;

  /** One line on stderr, exit 2, no transcript, no canary. */
  async function expectRefused(args: readonly string[], says: string): Promise<void> {
    const transcript = join(work, `refused-${Math.random().toString(36).slice(2)}.ndjson`);
    const r = await run([args[0]!, '--transcript', transcript, ...args.slice(1)]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toContain(says);
    expect(r.stdout).toBe('');
    expect(existsSync(transcript)).toBe(false);
    expect(existsSync(CANARY)).toBe(false);
  }

  it.each([
    ['--target HOST:PORT', ['--target', '-oProxyCommand=x:80']],
    ['--target=HOST:PORT', ['--target=-esh:80']],
    ['--target URL', ['--target', 'http://-x/']],
  ])('run refused %s', async (_name, args) => {
    await expectRefused(['run', 'refused', '--non-interactive', ...args], 'starts with "-", which no host name does');
  });

  it('diagnose TARGET (after --)', async () => {
    await expectRefused(['diagnose', '--non-interactive', '--', '-x:443'], 'the host "-x" starts with "-"');
  });

  it('diagnose --error: the host read from the pasted text', async () => {
    await expectRefused(
      ['diagnose', '--non-interactive', '--error', `curl: (7) Failed to connect to ${proxy.replace(' ', '')} port 80 after 0 ms: Connection refused`],
      '--error: the target "-oProxyCommand=touch',
    );
    await expectRefused(['diagnose', '--non-interactive', '--error', 'nc: connect to -e port 22 (tcp) failed: Connection refused'], 'the host "-e" starts with "-"');
  });

  it('the answers file: target and host.server', async () => {
    writeFileSync(join(work, 'target.yaml'), 'target: "-x:80"\n');
    await expectRefused(['run', 'refused', '--non-interactive', '--answers', 'target.yaml'], '"target" "-x:80": the host "-x" starts with "-", which no host name does');
    writeFileSync(join(work, 'host.yaml'), `host.server: ${JSON.stringify(proxy)}\n`);
    // A target that is not this machine, so the server's destination is needed: checked before any command.
    await expectRefused(['run', 'refused', '--non-interactive', '--target', 'http://198.18.0.1/', '--answers', 'host.yaml'], '"host.server" is a host');
  });

  it('--host server=-DEST (already refused; kept tested)', async () => {
    await expectRefused(['run', 'refused', '--non-interactive', '--target', 'http://198.18.0.1/', '--host', `server=${proxy}`], 'is not a valid destination');
  });
});
