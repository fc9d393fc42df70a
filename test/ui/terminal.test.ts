/**
 * The built CLI in a real terminal (tmux): what a user sees. Hostile command output must not
 * reach the screen; Ctrl-C at a prompt and during a command ends cleanly with 130; and, in
 * the lab (root or CI), the interactive menu leads to the fix card for a stopped nginx.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up, type Lab } from '../lab/lab.js';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { flowsDir, oneCommandFlow } from './flows.js';
import { exitCode, hasTmux, Tmux } from './tmux.js';

const FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const tshoot = (...args: string[]) => [process.execPath, BIN, ...args];

describe.runIf(hasTmux)('in a real terminal (tmux)', () => {
  const tmux = new Tmux();
  const dirs: string[] = [];
  afterAll(() => {
    tmux.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a hostile command output neither sets the title, nor clears the screen, nor colours it', async () => {
    // The printf argument holds backslash escapes: printf turns them into the real bytes.
    const flows = flowsDir({ 'hostile.yaml': oneCommandFlow('hostile', ['printf', '\\033]0;PWNED\\007\\033[2J\\033[31mred']) });
    dirs.push(flows);
    const title = `printf '\\033]2;clean-title\\033\\\\'; echo BEFORE-MARKER`;

    // Control: the same bytes printed straight to this terminal do all three.
    tmux.start('control', ['printf', '\\033]0;PWNED\\007\\033[2J\\033[31mred'], { before: title });
    const control = await tmux.waitFor('control', (s) => exitCode(s) !== null, 'the control to end');
    expect(tmux.get('control', 'pane_title')).toBe('PWNED');
    expect(control).not.toContain('BEFORE-MARKER');
    expect(tmux.screen('control', { escapes: true })).toMatch(/\x1b\[31mred/);

    tmux.start('hostile', tshoot('run', 'hostile', '--flows', flows, '--non-interactive'), { before: title, env: { NO_COLOR: '1' }, cwd: ROOT });
    const screen = await tmux.waitFor('hostile', (s) => exitCode(s) !== null, 'tshoot to end');
    expect(exitCode(screen), screen).toBe(0);
    expect(tmux.get('hostile', 'pane_title')).toBe('clean-title');
    expect(screen).toMatch(/^BEFORE-MARKER$/m);
    expect(screen).toContain('╭ Done  [hostile-fix]'); // the card is there, with the output as text
    expect(screen).toMatch(/^│ +red +│$/m);
    expect(tmux.screen('hostile', { escapes: true })).not.toMatch(/\x1b\[(?:\d+;)*3\dm/); // NO_COLOR: no colour at all
  });

  it('Ctrl-C at the symptom menu: "interrupted", exit 130, no stack trace, cursor back', async () => {
    tmux.start('menu', tshoot(), { cwd: ROOT });
    await tmux.waitFor('menu', (s) => s.includes('? What do you see?') && s.includes('❯'), 'the menu');
    tmux.keys('menu', 'C-c');
    const screen = await tmux.waitFor('menu', (s) => exitCode(s) !== null, 'tshoot to end', 5000);
    expect(exitCode(screen), screen).toBe(130);
    expect(screen).toContain('tshoot: interrupted');
    expect(screen).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
    expect(tmux.get('menu', 'cursor_flag')).toBe('1');
  });

  it('Ctrl-C while a command spins: the spinner goes, the command is killed, exit 130 at once', async () => {
    const flows = flowsDir({ 'slow.yaml': oneCommandFlow('slow', ['sleep', '30'], 60) });
    dirs.push(flows);
    tmux.start('spin', tshoot('run', 'slow', '--flows', flows), { cwd: ROOT });
    await tmux.waitFor('spin', (s) => FRAMES.test(s) && s.includes('Run it · local $ sleep 30'), 'the spinner');
    const t0 = Date.now();
    tmux.keys('spin', 'C-c');
    const screen = await tmux.waitFor('spin', (s) => exitCode(s) !== null, 'tshoot to end', 5000);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(exitCode(screen), screen).toBe(130);
    expect(screen).not.toMatch(FRAMES);
    expect(screen).toContain('tshoot: interrupted');
    expect(tmux.get('spin', 'cursor_flag')).toBe('1');
  });

  it('stdin a terminal but stdout a pipe: no prompt, it says what it needs', async () => {
    tmux.start('pipe', ['sh', '-c', `${process.execPath} ${BIN} 2>&1 | cat`], { cwd: ROOT });
    const screen = await tmux.waitFor('pipe', (s) => exitCode(s) !== null, 'tshoot to end', 10_000);
    expect(screen).toContain('--non-interactive --answers FILE');
    expect(screen).not.toContain('What do you see?');
  });

  const canRunLab = process.getuid?.() === 0 || !!process.env.CI;
  describe.runIf(canRunLab)('in the lab: nginx stopped on the server', () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await up('nginx-stopped');
    });
    afterAll(async () => {
      await lab?.down();
    });

    it('bare `tshoot` → "Connection refused" → the target → the fix card start-service', async () => {
      const argv = [...lab.nsExecArgv('client'), ...tshoot('--host', 'server=server', '--ssh-config', lab.sshConfigPath)];
      tmux.start('lab', argv, { cwd: ROOT });
      let screen = await tmux.waitFor('lab', (s) => s.includes('? What do you see?'), 'the menu');
      // The menu's order is the catalogue's: walk down to the symptom.
      for (let i = 0; i < 20 && !/^❯ Connection refused/m.test(screen); i++) {
        tmux.keys('lab', 'Down');
        screen = await tmux.waitFor('lab', (s) => s !== screen, 'the menu to move', 2000).catch(() => tmux.screen('lab'));
      }
      expect(screen).toMatch(/^❯ Connection refused/m);
      tmux.keys('lab', 'Enter');
      await tmux.waitFor('lab', (s) => s.includes('? What did you try to reach?'), 'the target question');
      tmux.type('lab', 'http://198.18.2.10/');
      tmux.keys('lab', 'Enter');
      screen = await tmux.waitFor('lab', (s) => exitCode(s) !== null || s.includes('? Apply this fix now'), 'the diagnosis to end', 90_000);
      // A fix with an `apply` plan is offered: decline (the default), nothing changes.
      if (exitCode(screen) === null) {
        tmux.keys('lab', 'Enter');
        await tmux.waitFor('lab', (s) => exitCode(s) !== null, 'tshoot to end', 10_000);
      }
      screen = tmux.screen('lab', { history: true });
      const save = join(ROOT, 'test/ui/__screens__');
      mkdirSync(save, { recursive: true });
      writeFileSync(join(save, 'interactive-start-service.txt'), screen.replace(/\n*EXIT=\d+\n?$/, '\n'));

      expect(exitCode(screen), screen).toBe(0);
      expect(screen).toContain('✔ What do you see? Connection refused');
      expect(screen).toContain('http://198.18.2.10/');
      expect(screen).not.toContain('Which host is the server'); // answered by --host
      expect(screen).toMatch(/✖ .*\[client( \(local\))? · \d+(\.\d+)? m?s\] — refused/);
      expect(screen).toMatch(/✔ .*\[server · \d+(\.\d+)? m?s\] — nothing listens on :80/);
      expect(screen).toMatch(/╭ .*\[start-service\] ─+╮/);
      for (const part of ['Cause', 'Evidence', 'server $ ss -ltnp', '(no listener on :80)', 'Fix', 'Verify']) expect(screen).toContain(part);
      // A diagnosis that reached its card counts non-zero checks as findings, not failures.
      expect(screen).toMatch(/^\d+ checks: ✓ \d+ passed · \d+ findings?/m);
      expect(screen).not.toMatch(FRAMES);
    }, 150_000);
  });
});
