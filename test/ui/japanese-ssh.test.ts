/**
 * Issue 16: what SSH asks and says in a Japanese session, in a real terminal (tmux) with
 * LANG=ja_JP.UTF-8 and a real sshd on 127.0.0.1 (test/exec/sshd-harness.ts): the question about
 * a host key never seen, the key passphrase prompt, and the Stopped card's detail when the key
 * is refused or the login fails — all from SSH_TEXT, through the executor's `lang` option.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { HAVE_SSHD, startSshd, type Sshd } from '../exec/sshd-harness.js';
import { exitCode, hasTmux, Tmux } from './tmux.js';

const JA = { LANG: 'ja_JP.UTF-8', LC_ALL: 'ja_JP.UTF-8' };

/** The screen without the card's borders and without white space: a text the card wrapped reads whole again. */
const squash = (s: string) => s.replace(/[│╭╮╰╯─\s]/g, '');

describe.runIf(hasTmux && HAVE_SSHD)('SSH in Japanese, in a real terminal', () => {
  const tmux = new Tmux();
  let sshd: Sshd;
  let target = '';
  beforeAll(async () => {
    sshd = await startSshd();
    // The client's probe is refused (a port just closed), so the flow goes on to the server.
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    target = `127.0.0.1:${(s.address() as AddressInfo).port}`;
    await new Promise((r) => s.close(r));
  });
  afterAll(async () => {
    tmux.kill();
    await sshd?.stop();
  });

  function start(name: string, alias: string): void {
    tmux.start(name, [process.execPath, BIN, 'run', 'refused', '--target', target, '--host', `server=${alias}`, '--ssh-config', sshd.config, '--no-transcript'], { env: JA, cwd: ROOT, columns: 120 });
  }
  const end = (name: string) => tmux.waitFor(name, (s) => exitCode(s) !== null, 'tshoot to end', 60_000);

  it('a host key never seen: the question is Japanese; declined, the card says why in Japanese (exit 3)', async () => {
    start('hostkey', 'fresh');
    const asked = await tmux.waitFor('hostkey', (s) => s.includes('信頼して続けますか?'), 'the host key question', 60_000);
    expect(squash(asked)).toMatch(new RegExp(`ホスト127\\.0\\.0\\.1:${sshd.port}の真正性を確認できません。ssh-ed25519鍵のフィンガープリントはSHA256:\\S+です。信頼して続けますか\\?`));
    expect(asked).not.toContain('The authenticity of host');
    // Declined each time it is asked (the session may make more than one attempt).
    const answered = (s: string) => (squash(s).match(/✔ホスト127/g) ?? []).length;
    let screen = asked;
    for (let i = 0; i < 4 && exitCode(screen) === null; i++) {
      tmux.type('hostkey', 'n');
      tmux.keys('hostkey', 'Enter');
      screen = await tmux.waitFor('hostkey', (s) => exitCode(s) !== null || (answered(s) === i + 1 && /\? ホスト 127/.test(s.split('✔').at(-1) ?? '')), 'the next question or the end', 60_000);
    }
    screen = await end('hostkey');
    expect(exitCode(screen), screen).toBe(3);
    expect(squash(screen)).toContain('中断:server(fresh)のホスト鍵が信頼されていない');
    expect(squash(screen)).toMatch(/未知のホスト鍵ssh-ed25519SHA256:\S+は受け入れられなかった/);
    expect(screen).not.toMatch(/unknown host key|was not accepted/);
  });

  it('a passphrase-protected key: the prompt is Japanese; three wrong answers end in a Japanese login failure (exit 3)', async () => {
    start('locked', 'locked');
    // Each connection attempt asks up to three times (OpenSSH's NumberOfPasswordPrompts); the
    // session may make more than one attempt. Answered prompts stay on screen marked ✔.
    const answered = (s: string) => (s.match(/✔ 鍵 '\S+id_locked' のパスフレーズ:/g) ?? []).length;
    let screen = '';
    for (let i = 0; i < 9; i++) {
      screen = await tmux.waitFor('locked', (s) => exitCode(s) !== null || (answered(s) === i && /\? 鍵 '\S+id_locked' のパスフレーズ:/.test(s)), `passphrase prompt ${i + 1} or the end`, 60_000);
      if (exitCode(screen) !== null) break;
      tmux.type('locked', 'wrong');
      tmux.keys('locked', 'Enter');
    }
    screen = await end('locked');
    expect(answered(screen)).toBeGreaterThanOrEqual(3);
    expect(exitCode(screen), screen).toBe(3);
    expect(screen).not.toContain('Enter passphrase');
    expect(squash(screen)).toContain('中断:server(locked)にログインできない');
    expect(squash(screen)).toMatch(/ユーザー\S+の認証に失敗した\(試せる鍵がない\(ssh-agentも鍵ファイルもない\);\S+id_lockedのパスフレーズが違う\)/);
  });

  it('a key the server does not take: the card names the key tried, in Japanese', async () => {
    start('badkey', 'badkey');
    const screen = await end('badkey');
    expect(exitCode(screen), screen).toBe(3);
    expect(squash(screen)).toMatch(/ユーザー\S+の認証に失敗した\(試した鍵:\S+id_stranger\)/);
    expect(screen).not.toMatch(/authentication failed/);
  });
});
