/**
 * Issue 16, the last English in a Japanese session: in a real terminal (tmux) with
 * LANG=ja_JP.UTF-8, an SSH error (a port on 127.0.0.1 nothing listens on: refused) is said in
 * Japanese, card and detail, and so are usage errors — ours and commander's, mapped by code.
 * `--lang en` still gets English. The built CLI; only loopback traffic.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { exitCode, hasTmux, Tmux } from './tmux.js';

/** A loopback port that was just free: listened on, then closed (connections to it are refused). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const JA = { LANG: 'ja_JP.UTF-8', LC_ALL: 'ja_JP.UTF-8' };

describe.runIf(hasTmux)('Japanese errors in a real terminal', () => {
  const tmux = new Tmux();
  let port = 0;
  beforeAll(async () => {
    port = await closedPort();
  });
  afterAll(() => tmux.kill());

  async function run(name: string, argv: readonly string[], env: Record<string, string> = JA): Promise<string> {
    tmux.start(name, [process.execPath, BIN, ...argv], { env, cwd: ROOT, columns: 100 });
    await tmux.waitFor(name, (s) => exitCode(s) !== null, 'tshoot to end', 60_000);
    return tmux.screen(name, { history: true });
  }

  it('an SSH connection refused: the Stopped card, its detail and what to do are Japanese; exit 3', async () => {
    const dest = `nobody@127.0.0.1:${port}`;
    const screen = await run('ssh', ['run', 'refused', '--target', `127.0.0.1:${port}`, '--host', `server=${dest}`, '--non-interactive', '--no-transcript']);
    expect(exitCode(screen), screen).toBe(3);
    expect(screen).toContain(`中断: server (${dest}) が SSH 接続を拒否した`);
    // The transport error's own words (ssh-connect.ts), on the progress line and in the card.
    expect(screen).toContain(`ssh 127.0.0.1:${port}: 接続を拒否された`);
    expect(screen).toContain('そのホストとポートで sshd が動いているか確認する');
    // What tshoot says is not English; nc's own message (the client's probe) is the host's output.
    expect(screen).not.toMatch(/ssh 127\.0\.0\.1:\d+: connection refused|refused the SSH connection|Check that sshd/);
  });

  it('an unknown option (commander.unknownOption) with its did-you-mean, and an unknown command: one Japanese line, exit 2', async () => {
    let screen = await run('opt', ['run', 'refused', '--verbos']);
    expect(exitCode(screen), screen).toBe(2);
    expect(screen).toMatch(/^tshoot: 不明なオプション '--verbos' \(--verbose のことですか\?\)$/m);
    expect(screen).not.toMatch(/unknown option|Did you mean/);
    screen = await run('cmd', ['rnu']);
    expect(exitCode(screen), screen).toBe(2);
    expect(screen).toMatch(/^tshoot: 不明なコマンド 'rnu' \('run' のことですか\?\)。コマンド: run, diagnose, /m);
  });

  it('our own usage errors: a bad --host and a missing argument', async () => {
    let screen = await run('host', ['run', 'refused', '--host', 'server']);
    expect(exitCode(screen), screen).toBe(2);
    expect(screen).toMatch(/^tshoot: --host "server": ROLE=DEST の形で指定する \(例: --host server=web1\)$/m);
    screen = await run('arg', ['run']);
    expect(exitCode(screen), screen).toBe(2);
    expect(screen).toMatch(/^tshoot: 必須の引数 'FLOW' がない$/m);
    // A pasted error that names no symptom, and the bad target a pasted error names (said where it came from).
    screen = await run('paste', ['diagnose', '--error', 'something odd happened']);
    expect(exitCode(screen), screen).toBe(2);
    expect(screen).toContain('tshoot: そのテキストから症状を判別できない (1 行、1 行目 "something odd happened"): ');
    screen = await run('pasted-target', ['diagnose', '--error', 'curl: (7) Failed to connect to -oProxyCommand=x port 80: Connection refused']);
    expect(exitCode(screen), screen).toBe(2);
    expect(screen).toMatch(/^tshoot: --error: そのテキストにある対象 "/m);
  });

  it('a question without an answer under --non-interactive: said in Japanese, exit 4', async () => {
    const screen = await run('noanswer', ['run', 'refused', '--host', 'server=local', '--non-interactive', '--no-transcript']);
    expect(exitCode(screen), screen).toBe(4);
    expect(screen).toMatch(/^tshoot: 質問 "target" の回答がない: 回答ファイルに加えるか、対話的に実行する$/m);
  });

  it('--lang en in a Japanese locale: English, as asked', async () => {
    const screen = await run('en', ['run', 'refused', '--lang', 'en', '--verbos']);
    expect(exitCode(screen), screen).toBe(2);
    expect(screen).toMatch(/^tshoot: unknown option '--verbos' \(did you mean --verbose\?\)$/m);
  });
});
