/**
 * Japanese in a real terminal (tmux) at 60 and 100 columns (issue 16): the built CLI with
 * LANG=ja_JP.UTF-8, asked for a 404 that is not one (a loopback server answers 200): not-found
 * hands over to triage, which ends on its card. Every line is laid out by display width, so
 * the terminal wraps none of them (tmux's joined capture has as many lines as its plain one),
 * and the card's borders are whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { displayWidth } from '../../src/ui/sanitize.js';
import { exitCode, hasTmux, Tmux } from './tmux.js';

describe.runIf(hasTmux)('Japanese in a real terminal', () => {
  const tmux = new Tmux();
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hogehoge`;
  });
  afterAll(async () => {
    tmux.kill();
    await new Promise((r) => server.close(r));
  });

  it.each([60, 100])('at %i columns: no line wraps, the box is whole, the words are Japanese', async (columns) => {
    const name = `ja${columns}`;
    tmux.start(name, [process.execPath, BIN, 'run', 'not-found', '--target', url, '--host', 'client=local', '--non-interactive', '--no-transcript'], {
      env: { LANG: 'ja_JP.UTF-8', LC_ALL: 'ja_JP.UTF-8' },
      cwd: ROOT,
      columns,
    });
    const screen = await tmux.waitFor(name, (s) => exitCode(s) !== null, 'tshoot to end', 60_000);
    // An unresolved end: 1.
    expect(exitCode(screen), screen).toBe(1);
    const plain = tmux.screen(name, { history: true }).split('\n');
    const joined = tmux.screen(name, { history: true, joined: true }).split('\n');
    expect(joined.length, plain.join('\n')).toBe(plain.length);
    for (const line of plain) expect(displayWidth(line), line).toBeLessThanOrEqual(columns);
    // The progress lines, the card and its summary are in Japanese.
    expect(screen).toContain('クライアントから再度リクエスト');
    expect(screen).toMatch(/^╭ 未解決: クライアントからは正常に接続できる ─*╮$/m);
    expect(screen).toMatch(/^│ 確認したこと +│$/m);
    expect(screen).toMatch(/^│ 分かったこと +│$/m);
    expect(screen).toMatch(/^チェック 2 件: ✓ 2 成功 · ✗ 0 失敗/m);
    const box = plain.filter((l) => /^[╭│╰]/.test(l));
    expect(new Set(box.map(displayWidth)).size, box.join('\n')).toBe(1);
    expect(box.every((l) => /[╮│╯]$/.test(l))).toBe(true);
  });

  it('the target question and the transcript line are Japanese too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tshoot-ja-'));
    try {
      const file = join(dir, 's.ndjson');
      tmux.start('jaq', [process.execPath, BIN, 'run', 'not-found', '--host', 'client=local', '--transcript', file], { env: { LANG: 'ja_JP.UTF-8' }, cwd: ROOT, columns: 100 });
      await tmux.waitFor('jaq', (s) => s.includes('何に接続しようとしましたか?'), 'the target question');
      expect(tmux.screen('jaq')).toContain('URL (http://web/path');
      tmux.type('jaq', url);
      tmux.keys('jaq', 'Enter');
      const screen = await tmux.waitFor('jaq', (s) => exitCode(s) !== null, 'tshoot to end', 60_000);
      expect(screen).toContain(`記録: ${file}`);
      expect(screen).not.toMatch(/^transcript:/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
