/**
 * Issue 16 in a real terminal (tmux): what Ctrl-C leaves on the screen when the spinner line is
 * as wide as the terminal, and what the key passphrase prompt shows while it is typed (OpenSSH
 * shows nothing). The passphrase test runs the built CLI against a real sshd on 127.0.0.1
 * (test/exec/sshd-harness.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { HAVE_SSHD, type Sshd, startSshd } from '../exec/sshd-harness.js';
import { flowsDir, oneCommandFlow } from './flows.js';
import { exitCode, hasTmux, Tmux } from './tmux.js';

const FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const tshoot = (...args: string[]) => [process.execPath, BIN, ...args];

describe.runIf(hasTmux)('issue 16 in a real terminal (tmux)', () => {
  const tmux = new Tmux();
  const dirs: string[] = [];
  let sshd: Sshd | undefined;
  afterAll(async () => {
    tmux.kill();
    await sshd?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('Ctrl-C while a spinner line fills the terminal: the terminal echoes ^C after it, and no frame is left', async () => {
    // `sleep 30 0 0 …` sleeps 30 s; its argv is longer than the 120 columns, so the line is cut to the width.
    const flows = flowsDir({ 'wide.yaml': oneCommandFlow('wide', ['sleep', '30', ...Array<string>(90).fill('0')], 60) });
    dirs.push(flows);
    tmux.start('wide', tshoot('run', 'wide', '--flows', flows, '--no-transcript'), { cwd: ROOT });
    const spinning = await tmux.waitFor('wide', (s) => FRAMES.test(s) && s.includes('Run it · local $ sleep 30 0 0'), 'the spinner');
    const line = spinning.split('\n').find((l) => FRAMES.test(l))!;
    expect(line.endsWith('…')).toBe(true); // cut: the widest line this argv can give
    tmux.keys('wide', 'C-c');
    const screen = await tmux.waitFor('wide', (s) => exitCode(s) !== null, 'tshoot to end', 10_000);
    expect(exitCode(screen), screen).toBe(130);
    expect(screen).toContain('tshoot: interrupted');
    expect(screen, screen).not.toMatch(FRAMES);
    expect(screen).not.toContain('Run it · local');
    expect(tmux.get('wide', 'cursor_flag')).toBe('1');
  });

  it('Ctrl-C through npx: the hint to go on says `npx tshoot resume FILE`; run directly, `tshoot resume FILE`', async () => {
    const flows = flowsDir({ 'slow.yaml': oneCommandFlow('slow', ['sleep', '30'], 60) });
    const state = mkdtempSync(join(tmpdir(), 'tshoot-st-'));
    dirs.push(flows, state);
    const hint = async (name: string, argv: string[]): Promise<string> => {
      // Transcripts in a folder of the test's; a wide terminal, so the hint fits on one line
      // whatever the run's TMPDIR (test/helpers/scratch.ts).
      tmux.start(name, argv, { cwd: ROOT, env: { XDG_STATE_HOME: state }, columns: 250 });
      await tmux.waitFor(name, (s) => FRAMES.test(s) && s.includes('Run it · local $ sleep 30'), 'the spinner', 60_000);
      tmux.keys(name, 'C-c');
      const screen = await tmux.waitFor(name, (s) => exitCode(s) !== null, 'tshoot to end', 10_000);
      expect(exitCode(screen), screen).toBe(130);
      return /^Continue it with: (.*)$/m.exec(screen)?.[1] ?? screen;
    };
    // npx finds this package's own bin (package.json "bin") without the registry; npm marks what it runs.
    const viaNpx = await hint('npx', ['npx', '--no', 'tshoot', 'run', 'slow', '--flows', flows]);
    expect(viaNpx).toMatch(new RegExp(`^npx tshoot resume ${state}/tshoot/sessions/\\S+-slow-[0-9a-f]+\\.ndjson$`));
    // Directly, with no npm in the environment (the test runner itself may run under npx).
    const direct = await hint('direct', ['env', '-u', 'npm_command', '-u', 'npm_lifecycle_event', ...tshoot('run', 'slow', '--flows', flows)]);
    expect(direct).toMatch(new RegExp(`^tshoot resume ${state}/tshoot/sessions/\\S+-slow-[0-9a-f]+\\.ndjson$`));
  });

  describe.runIf(HAVE_SSHD)('the key passphrase prompt', () => {
    it('echoes nothing while the passphrase is typed (no mask characters), and the session goes on with it', async () => {
      sshd = await startSshd();
      const flows = flowsDir({ 'remote.yaml': oneCommandFlow('remote-echo', ['echo', 'reached'], 20, 'server') });
      dirs.push(flows);
      tmux.start('pass', tshoot('run', 'remote-echo', '--flows', flows, '--ssh-config', sshd.config, '--host', 'server=locked', '--no-transcript'), { cwd: ROOT });
      const asked = await tmux.waitFor('pass', (s) => /passphrase/i.test(s) || exitCode(s) !== null, 'the passphrase prompt', 30_000);
      expect(exitCode(asked), asked).toBeNull();
      tmux.type('pass', 'open sesame');
      tmux.keys('pass', 'Enter');
      const screen = await tmux.waitFor('pass', (s) => exitCode(s) !== null, 'tshoot to end', 30_000);
      expect(exitCode(screen), screen).toBe(0);
      expect(screen).toContain('remote-echo-fix');
      // The answered prompt stays on the screen as it was drawn last: with a mask it would end in
      // one '*' per character typed (the prompt before issue 16 did); it ends with the prompt's text.
      const all = tmux.screen('pass', { history: true });
      expect(all).not.toContain('open sesame');
      const answered = all.split('\n').find((l) => /passphrase/i.test(l));
      expect(answered, all).toBeDefined();
      expect(answered).not.toContain('*');
      expect(answered!.trimEnd()).toMatch(/:$/);
    });
  });
});

