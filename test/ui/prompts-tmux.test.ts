/**
 * Issue 16 end to end, the built CLI (dist/) in a real terminal (tmux) and piped: a bad target
 * at the prompt is explained as `--target` explains it; a server's name that does not resolve
 * is asked again with the error and the closest ~/.ssh/config alias (at most three times), but
 * not when the host came from `--host` or an answers file (a located error there); and the
 * server is asked only when its first command is about to run, so triage for a name that does
 * not resolve ends at its DNS card with no question.
 *
 * Every name looked up is under `.invalid` (RFC 2606); the aliases point at 127.0.0.1 port 1.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { oneCommandFlow } from './flows.js';
import { exitCode, hasTmux, Tmux } from './tmux.js';

const work = mkdtempSync(join(tmpdir(), 'tshoot-prompts-'));
const flows = join(work, 'flows');
const sshConfig = join(work, 'ssh_config');
const env = { XDG_STATE_HOME: join(work, 'state'), XDG_CACHE_HOME: join(work, 'cache') };
const tshoot = (...args: string[]) => [process.execPath, BIN, ...args];

mkdirSync(flows);
writeFileSync(join(flows, 'onserver.yaml'), oneCommandFlow('onserver', ['uname', '-s'], 10, 'server'));
writeFileSync(join(flows, 'totarget.yaml'), oneCommandFlow('totarget', ['uname', '-s']).replace('needs_target: false', 'needs_target: true'));
writeFileSync(sshConfig, 'Host web-server.invalid\n  HostName 127.0.0.1\n  Port 1\nHost db-primary.invalid\n  HostName 127.0.0.1\n  Port 1\n');

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.runIf(hasTmux)('prompts in a real terminal (tmux)', () => {
  const tmux = new Tmux();
  afterAll(() => tmux.kill());

  it('a bad target at the prompt is explained as --target explains it, and asked again', async () => {
    const flag = await runCli(['run', 'totarget', '--flows', flows, '--non-interactive', '--target', 'web'], { env });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--target "web": expected a URL (http://host/path) or HOST:PORT');

    tmux.start('target', tshoot('run', 'totarget', '--flows', flows), { env, cwd: ROOT });
    await tmux.waitFor('target', (s) => s.includes('? What did you try to reach?'), 'the target question');
    tmux.type('target', 'web');
    tmux.keys('target', 'Enter');
    const refused = await tmux.waitFor('target', (s) => s.includes('> "web": expected a URL (http://host/path) or HOST:PORT'), 'the explanation');
    expect(exitCode(refused)).toBeNull(); // still asking
    tmux.keys('target', 'BSpace', 'BSpace', 'BSpace');
    tmux.type('target', 'http://127.0.0.1:9/');
    tmux.keys('target', 'Enter');
    const screen = await tmux.waitFor('target', (s) => exitCode(s) !== null, 'tshoot to end', 30_000);
    expect(exitCode(screen), screen).toBe(0);
    expect(screen).toContain('✔ What did you try to reach?');
    expect(screen).toContain('[totarget-fix]');
  }, 60_000);

  it('a server name that does not resolve is asked again with the error and the closest alias; local then runs', async () => {
    tmux.start('typo', tshoot('run', 'onserver', '--flows', flows, '--ssh-config', sshConfig), { env, cwd: ROOT });
    let screen = await tmux.waitFor('typo', (s) => s.includes('other… (type an ssh destination)'), 'the host question');
    expect(screen).toMatch(/^❯ web-server\.invalid$/m);
    tmux.keys('typo', 'Down', 'Down', 'Down', 'Enter'); // other…
    await tmux.waitFor('typo', (s) => /^ {2}›\s*$/m.test(s), 'the input');
    tmux.type('typo', 'web-srvr.invalid');
    tmux.keys('typo', 'Enter');
    screen = await tmux.waitFor('typo', (s) => s.includes('did you mean web-server.invalid?'), 'the question again', 30_000);
    expect(screen).toMatch(/✖ Run it \[server \(web-srvr\.invalid\) · [\d.]+ m?s\] — ssh web-srvr\.invalid:22: host name not found/);
    expect(screen).toContain('✖ web-srvr.invalid did not work: ssh web-srvr.invalid:22: host name not found');
    expect(screen.split('\n').filter((l) => l.startsWith('❯ '))).toEqual(['❯ web-server.invalid']); // the suggestion is the default
    tmux.keys('typo', 'Down', 'Down', 'Enter'); // local
    screen = await tmux.waitFor('typo', (s) => exitCode(s) !== null, 'tshoot to end', 30_000);
    expect(exitCode(screen), screen).toBe(0);
    expect(screen).toMatch(/✔ Run it \[server \(local\) · [\d.]+ m?s\] — exit 0: Linux/);
    expect(screen).toContain('[onserver-fix]');
  }, 90_000);

  it('asked at most three times: the third name that does not resolve stops the session at its card', async () => {
    tmux.start('three', tshoot('run', 'onserver', '--flows', flows, '--ssh-config', sshConfig), { env, cwd: ROOT });
    for (let i = 1; i <= 3; i++) {
      await tmux.waitFor('three', (s) => s.split('other… (type an ssh destination)').length - 1 === 1 && /^❯ /m.test(s), `host question ${i}`, 30_000);
      tmux.keys('three', 'Down', 'Down', 'Down', 'Enter');
      await tmux.waitFor('three', (s) => /^ {2}›/m.test(s) && !s.includes('other… (type an ssh destination)'), `input ${i}`);
      tmux.keys('three', 'C-u'); // the failed name offered to correct: typed anew instead
      tmux.type('three', `nowhere-${i}.invalid`);
      tmux.keys('three', 'Enter');
      await tmux.waitFor('three', (s) => s.includes(`server (nowhere-${i}.invalid)`), `try ${i} to fail`, 30_000);
    }
    const screen = await tmux.waitFor('three', (s) => exitCode(s) !== null, 'tshoot to end', 30_000);
    expect(exitCode(screen), screen).toBe(3);
    expect(screen).toContain('Stopped: the name of server (nowhere-3.invalid) does not resolve');
    // Asked again after the first two, with why; not after the third.
    expect(screen).toContain('✖ nowhere-1.invalid did not work');
    expect(screen).toContain('✖ nowhere-2.invalid did not work');
    expect(screen).not.toContain('✖ nowhere-3.invalid did not work');
  }, 120_000);

  it('diagnose http://nosuchhost.invalid/: the client\'s probe ends it at the DNS card, nothing asked', async () => {
    tmux.start('dns', tshoot('diagnose', 'http://nosuchhost.invalid/'), { env, cwd: ROOT });
    const screen = await tmux.waitFor('dns', (s) => exitCode(s) !== null, 'tshoot to end', 60_000);
    expect(exitCode(screen), screen).toBe(1);
    expect(screen).toContain('The name does not resolve');
    expect(screen).not.toContain('Which host');
    expect(screen).not.toMatch(/^[?✔] /m); // no prompt drawn, none answered
  }, 90_000);
});

describe('hosts not asked again: --host and the answers file', () => {
  it('--json: triage for a name that does not resolve asks 0 questions', async () => {
    const r = await runCli(['diagnose', 'http://nosuchhost.invalid/', '--non-interactive', '--json', '--no-transcript'], { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'triage', outcome: 'unresolved', questions: 0, commands: 1 });
  });

  it('--host server=TYPO: the session stops at its card, the flag named in the error with the closest alias', async () => {
    const r = await runCli(['run', 'onserver', '--flows', flows, '--ssh-config', sshConfig, '--host', 'server=web-srvr.invalid', '--non-interactive', '--no-transcript'], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('--host server=web-srvr.invalid (did you mean --host server=web-server.invalid?): ssh web-srvr.invalid:22: host name not found');
    expect(r.stdout + r.stderr).not.toContain('Which host');
  });

  it('--host server=TYPO in a Japanese session: the closest alias offered in Japanese (issue 16)', async () => {
    const r = await runCli(['run', 'onserver', '--flows', flows, '--ssh-config', sshConfig, '--host', 'server=web-srvr.invalid', '--non-interactive', '--no-transcript', '--lang', 'ja'], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('--host server=web-srvr.invalid (--host server=web-server.invalid のことですか?)');
    expect(r.stdout).not.toContain('did you mean');
  });

  it('an answers file\'s TYPO: an error at its line with the closest alias, not asked again', async () => {
    writeFileSync(join(work, 'answers.yaml'), '# the server\nhost.server: web-srvr.invalid\n');
    const r = await runCli(['run', 'onserver', '--flows', flows, '--ssh-config', sshConfig, '--answers', join(work, 'answers.yaml'), '--non-interactive', '--no-transcript'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(work, 'answers.yaml')}:2:1: "host.server": ssh web-srvr.invalid:22: host name not found (did you mean "web-server.invalid"?)`);
  });
});
