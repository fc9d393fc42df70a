import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/cli/diagnose.js';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { exitCode, hasTmux, Tmux } from '../ui/tmux.js';

const seed = (name: string) => readFileSync(new URL(`../fixtures/seed/${name}`, import.meta.url), 'utf8').replace(/^\$.*\n/m, '');

describe('diagnose --error: the pasted text names the flow', () => {
  const cases: Array<[string, string, string | undefined]> = [
    [seed('curl-refused-ec2-1.txt'), 'refused', 'example:80'],
    [seed('nc-vz-refused-nc.txt'), 'refused', 'example:80'],
    [seed('nc-vz-refused-netcat.txt'), 'refused', 'example:80'],
    ['curl: (28) Failed to connect to web port 8080 after 130001 ms: Connection timed out', 'timeout', 'web:8080'],
    ['nc: connect to 10.1.0.5 port 5432 (tcp) timed out: Operation now in progress', 'timeout', '10.1.0.5:5432'],
    ['This site can’t be reached\nweb refused to connect.\nERR_CONNECTION_REFUSED', 'refused', undefined],
    ['This site can’t be reached\nweb took too long to respond.\nERR_CONNECTION_TIMED_OUT', 'timeout', undefined],
    ['Failed to connect to your instance\nError establishing SSH connection to your instance. Try again later.', 'console-connect', undefined],
    [seed('curl-404-body.txt'), 'not-found', undefined],
    ['curl: (6) Could not resolve host: nosuch.example', 'triage', undefined],
    // Issue 16's misses.
    ['Error: connect ECONNREFUSED 198.18.2.10:3000', 'refused', '198.18.2.10:3000'],
    ['Error: connect ETIMEDOUT 198.18.2.10:443', 'timeout', '198.18.2.10:443'],
    ['curl: (22) The requested URL returned error: 404', 'not-found', undefined],
    ['curl: (22) The requested URL returned error: 503', 'triage', undefined],
    ["ERROR 2003 (HY000): Can't connect to MySQL server on '198.18.2.10' (111)", 'refused', '198.18.2.10:3306'],
    ['Error establishing SSH connection to your instance. Try again later.', 'console-connect', undefined],
    ['Get "http://web.invalid:8080/x": dial tcp 198.18.2.10:8080: connect: connection refused', 'refused', '198.18.2.10:8080'],
    ['psql: error: connection to server at "db.invalid" (198.18.2.10), port 5432 failed: Connection timed out', 'timeout', 'db.invalid:5432'],
    ['--2026-12-01 10:00:00--  http://web.invalid/hogehoge\n2026-12-01 10:00:00 ERROR 404: Not Found.', 'not-found', 'http://web.invalid/hogehoge'],
    ['java.net.ConnectException: Connection refused', 'refused', undefined],
  ];
  for (const [text, flow, target] of cases) {
    it(`${text.split('\n')[0]!.slice(0, 70)} → ${flow}`, () => {
      const c = classifyError(text);
      expect(c?.flow).toBe(flow);
      expect(c?.target).toBe(target);
    });
  }

  it('text that names no symptom is a usage error, exit 2, naming what it read', async () => {
    const r = await runCli(['diagnose', '--error', 'it does not work', '--non-interactive']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot tell the symptom from that text (1 line, first "it does not work")');
    expect(r.stderr).toContain('give the TARGET to probe it');
  });

  it('with a TARGET too, text that names no symptom probes the target (triage), exit 1 at its end', async () => {
    // A .invalid name: the probe's one lookup fails without leaving the machine's resolver.
    const r = await runCli(['diagnose', '--error', 'it does not work', 'http://nosuch.invalid/', '--non-interactive', '--json', '--no-transcript']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'triage', outcome: 'unresolved', end: { title: 'The name does not resolve' }, commands: 1 });
    const plain = await runCli(['diagnose', '--error', 'it does not work', '--target', 'http://nosuch.invalid/', '--non-interactive', '--no-transcript']);
    expect(plain.stderr).toContain('tshoot: cannot tell the symptom from that text: probing http://nosuch.invalid/ → flow "triage"');
  });

  it('--error - reads the text from stdin (a whole trace), and its target', async () => {
    const trace = [
      'Traceback (most recent call last):',
      '  File "/srv/app/client.py", line 12, in <module>',
      "requests.exceptions.ConnectionError: HTTPConnectionPool(host='nosuch.invalid', port=8080): Max retries exceeded with url: /api (Caused by NameResolutionError(\"<urllib3.connection.HTTPConnection object at 0x7f>: Failed to resolve 'nosuch.invalid' ([Errno -2] Name or service not known)\"))",
      '',
    ].join('\n');
    const r = await runCli(['diagnose', '--error', '-', '--non-interactive', '--no-transcript'], { input: trace });
    expect(r.stderr).toContain('tshoot: a dns failure: probing the target → flow "triage" for nosuch.invalid:8080');
    expect(r.code, r.stderr).toBe(1);
    const j = await runCli(['diagnose', '--error', '-', '--non-interactive', '--json'], { input: 'ERR_CONNECTION_REFUSED\n' });
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout)).toMatchObject({ flow: 'refused', outcome: 'needs-input', question: { id: 'target' } });
  });

  it('--error - with nothing, or more than 1 MiB, on stdin is a usage error that says so', async () => {
    const none = await runCli(['diagnose', '--error', '-', '--non-interactive'], { input: ' \n' });
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe('tshoot: --error -: stdin was empty; paste the error message, or give it as --error "TEXT"');
    const big = await runCli(['diagnose', '--error', '-', '--non-interactive'], { input: `curl: (7) x\n${'x'.repeat(1024 * 1024)}` });
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('--error -: more than 1024 KiB on stdin');
  });

  it('a host without its port (a browser page) is named, not guessed', async () => {
    const r = await runCli(['diagnose', '--error', 'This site can’t be reached\nlocalhost refused to connect.\nERR_CONNECTION_REFUSED', '--non-interactive']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('→ flow "refused" (the text names localhost, not its port)');
  });

  it('without a target the flow needs one: --non-interactive → exit 4 naming the question "target"', async () => {
    const r = await runCli(['diagnose', '--error', 'ERR_CONNECTION_REFUSED', '--non-interactive', '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'refused', outcome: 'needs-input', question: { id: 'target' } });
  });

  it('diagnose with neither a target nor --error says what it needs', async () => {
    const r = await runCli(['diagnose', '--non-interactive']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('diagnose needs a TARGET');
  });
});

describe.runIf(hasTmux)('the symptom menu: "Paste the error message I saw" (tmux)', () => {
  const tmux = new Tmux();
  afterAll(() => tmux.kill());
  const tshoot = [process.execPath, BIN, '--no-transcript'];

  /** Bare `tshoot` → the menu's last entry → the paste question. */
  async function toPaste(name: string): Promise<void> {
    tmux.start(name, tshoot, { cwd: ROOT, env: { NO_COLOR: '1' } });
    let screen = await tmux.waitFor(name, (s) => s.includes('? What do you see?') && s.includes('Paste the error message I saw'), 'the menu', 60_000);
    for (let i = 0; i < 20 && !/^❯ Paste the error message I saw/m.test(screen); i++) {
      tmux.keys(name, 'Down');
      screen = await tmux.waitFor(name, (s) => s !== screen, 'the menu to move', 2000).catch(() => tmux.screen(name));
    }
    expect(screen).toMatch(/^❯ Paste the error message I saw/m);
    tmux.keys(name, 'Enter');
    await tmux.waitFor(name, (s) => s.includes('? Paste the error message:'), 'the paste question', 60_000);
  }

  /** `tshoot diagnose --error -` at a terminal → its paste prompt. */
  async function toDash(name: string): Promise<void> {
    tmux.start(name, [process.execPath, BIN, 'diagnose', '--error', '-', '--no-transcript'], { cwd: ROOT, env: { NO_COLOR: '1' } });
    await tmux.waitFor(name, (s) => s.includes('? Paste the error message:'), 'the paste prompt', 60_000);
  }

  it('a pasted Go error: its flow and its URL, no other question, to the card', async () => {
    await toPaste('go');
    tmux.type('go', 'Get "http://nosuch.invalid/x": dial tcp: lookup nosuch.invalid on 127.0.0.53:53: no such host');
    tmux.keys('go', 'Enter');
    const screen = await tmux.waitFor('go', (s) => exitCode(s) !== null, 'tshoot to end', 90_000);
    expect(exitCode(screen), screen).toBe(1);
    expect(screen).toContain('tshoot: a dns failure: probing the target → flow "triage" for http://nosuch.invalid/x');
    expect(screen).toContain('The name does not resolve');
    expect(screen).not.toContain('What did you try to reach?');
  }, 240_000);

  it('text that names no symptom: triage asks for the target, then probes it', async () => {
    await toPaste('vague');
    tmux.type('vague', 'it does not work');
    tmux.keys('vague', 'Enter');
    await tmux.waitFor('vague', (s) => s.includes('? What did you try to reach?'), 'the target question', 90_000);
    expect(tmux.screen('vague')).toContain('tshoot: cannot tell the symptom from that text: probing the target → flow "triage"');
    tmux.type('vague', 'http://nosuch.invalid/');
    tmux.keys('vague', 'Enter');
    const screen = await tmux.waitFor('vague', (s) => exitCode(s) !== null, 'tshoot to end', 90_000);
    expect(exitCode(screen), screen).toBe(1);
    expect(screen).toContain('The name does not resolve');
  }, 240_000);

  it('a multi-line paste (bracketed) is one answer: a Python trace, its blank line and its target', async () => {
    await toPaste('trace');
    const trace = [
      'Traceback (most recent call last):',
      '  File "/srv/app/client.py", line 12, in <module>',
      '',
      "requests.exceptions.ConnectionError: HTTPConnectionPool(host='nosuch.invalid', port=8080): Max retries exceeded with url: /api (Caused by NameResolutionError(\"<urllib3.connection.HTTPConnection object at 0x7f>: Failed to resolve 'nosuch.invalid' ([Errno -2] Name or service not known)\"))",
    ].join('\n');
    const file = join(mkdtempSync(join(tmpdir(), 'tshoot-paste-')), 'trace.txt');
    writeFileSync(file, trace);
    // As a terminal pastes: tmux wraps the text in the bracketed-paste marks the prompt asked for.
    execFileSync('tmux', ['-L', tmux.socket, 'load-buffer', file]);
    execFileSync('tmux', ['-L', tmux.socket, 'paste-buffer', '-p', '-t', 'trace']);
    await tmux.waitFor('trace', (s) => s.includes('Failed to resolve'), 'the paste echoed', 60_000);
    expect(tmux.screen('trace')).not.toContain('✔ Paste the error message'); // not submitted by the paste's line ends
    tmux.keys('trace', 'Enter');
    const screen = await tmux.waitFor('trace', (s) => exitCode(s) !== null, 'tshoot to end', 90_000);
    expect(exitCode(screen), screen).toBe(1);
    expect(screen).toContain('✔ Paste the error message: 3 lines');
    expect(screen).toContain('tshoot: a dns failure: probing the target → flow "triage" for nosuch.invalid:8080');
    expect(screen).toContain('The name does not resolve');
  }, 240_000);

  it('typed text: Backspace edits it, Enter submits it', async () => {
    await toPaste('typed');
    tmux.type('typed', 'ERR_CONNECTION_REFUSEDX');
    tmux.keys('typed', 'BSpace');
    tmux.keys('typed', 'Enter');
    const screen = await tmux.waitFor('typed', (s) => s.includes('? What did you try to reach?'), 'the target question', 90_000);
    expect(screen).toMatch(/› ERR_CONNECTION_REFUSED\s*$/m);
    expect(screen).toContain('→ flow "refused"');
    tmux.keys('typed', 'C-c');
    expect(exitCode(await tmux.waitFor('typed', (s) => exitCode(s) !== null, 'tshoot to end', 30_000))).toBe(130);
  }, 240_000);

  it('diagnose --error - at a terminal: the paste prompt, and the terminal stays for the flow\'s questions', async () => {
    await toDash('dash');
    tmux.type('dash', 'ERR_NAME_NOT_RESOLVED');
    tmux.keys('dash', 'Enter');
    await tmux.waitFor('dash', (s) => s.includes('? What did you try to reach?'), 'the target question', 90_000);
    tmux.type('dash', 'http://nosuch.invalid/');
    tmux.keys('dash', 'Enter');
    const screen = await tmux.waitFor('dash', (s) => exitCode(s) !== null, 'tshoot to end', 90_000);
    expect(exitCode(screen), screen).toBe(1);
    expect(screen).toContain('tshoot: a dns failure: probing the target → flow "triage"');
    expect(screen).toContain('The name does not resolve');
  }, 240_000);

  it.each([
    ['the menu\'s paste question', toPaste],
    ['diagnose --error -\'s prompt', toDash],
  ] as const)('Ctrl-C at %s: interrupted, exit 130', async (what, to) => {
    const name = what.startsWith('the menu') ? 'cc' : 'dashc';
    await to(name);
    tmux.keys(name, 'C-c');
    const screen = await tmux.waitFor(name, (s) => exitCode(s) !== null, 'tshoot to end', 30_000);
    expect(exitCode(screen), screen).toBe(130);
    expect(screen).toContain('tshoot: interrupted');
  }, 120_000);
});
