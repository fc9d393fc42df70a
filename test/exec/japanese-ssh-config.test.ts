/**
 * Issue 16: a destination tshoot cannot use is said in the session's language — exec/ssh-config.ts
 * throws SshConfigError (a code and its values), the words are messages.ts's SSH_CONFIG_TEXT; the
 * executor's transport error carries them in its language. Nothing connects: the destination is
 * refused before any ssh runs.
 */
import { describe, expect, it } from 'vitest';
import { configMessage, parseDest, SshConfigError } from '../../src/exec/ssh-config.js';
import { createSshExecutor } from '../../src/exec/ssh-executor.js';
import { SSH_CONFIG_TEXT } from '../../src/ui/messages.js';

function refusal(dest: string): SshConfigError {
  try {
    parseDest(dest);
  } catch (e) {
    if (e instanceof SshConfigError) return e;
    throw e;
  }
  throw new Error(`${dest} was accepted`);
}

describe('a destination tshoot cannot use', () => {
  it.each([
    ['web.invalid:x', 'bad port in "web.invalid:x": expected [user@]host[:port]', '"web.invalid:x" のポートが正しくありません'],
    ['-oProxyCommand=x', 'bad host in "-oProxyCommand=x": expected [user@]host[:port] or an ssh config alias', '"-oProxyCommand=x" のホストが正しくありません'],
    ['-u@web.invalid', 'bad user in "-u@web.invalid": expected [user@]host[:port]', '"-u@web.invalid" のユーザーが正しくありません'],
    ['web.invalid:70000', 'bad port in "web.invalid:70000": 1–65535', '"web.invalid:70000" のポートが正しくありません: 1–65535 の範囲で'],
  ])('%s', (dest, en, ja) => {
    const e = refusal(dest);
    expect(e.message).toBe(en);
    expect(configMessage(e, SSH_CONFIG_TEXT.en)).toBe(en);
    expect(configMessage(e, SSH_CONFIG_TEXT.ja)).toContain(ja);
  });

  it('the executor of a Japanese session reports it in Japanese, an English one as before', async () => {
    const cmd = { argv: ['true'], timeoutMs: 5000 };
    const ja = createSshExecutor('web.invalid:x', { lang: 'ja' });
    const en = createSshExecutor('web.invalid:x');
    try {
      const rj = await ja.run(cmd);
      const re = await en.run(cmd);
      expect(JSON.stringify(rj)).toContain('ssh web.invalid:x: \\"web.invalid:x\\" のポートが正しくありません');
      expect(JSON.stringify(re)).toContain('ssh web.invalid:x: bad port in \\"web.invalid:x\\": expected [user@]host[:port]');
    } finally {
      await ja.close();
      await en.close();
    }
  });
});
