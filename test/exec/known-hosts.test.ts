import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  forgetHostCommand,
  hashHostName,
  hostFieldMatches,
  keyTypeOfBlob,
  parseKnownHosts,
  readKnownHosts,
} from '../../src/exec/known-hosts.js';
import { keygen } from './sshd-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tshoot-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function blobOf(pub: string): Buffer {
  return Buffer.from(pub.split(' ')[1] ?? '', 'base64');
}
const ed1 = keygen(join(dir, 'k1'));
const ed2 = keygen(join(dir, 'k2'));
const ecdsa = keygen(join(dir, 'k3'), 'ecdsa');
const rsa = keygen(join(dir, 'k4'), 'rsa');

describe('fingerprints', () => {
  for (const [name, pub] of [['ed25519', ed1], ['ecdsa', ecdsa], ['rsa', rsa]] as const) {
    it(`match ssh-keygen -lf for ${name}`, () => {
      const file = join(dir, `fp-${name}.pub`);
      writeFileSync(file, `${pub}\n`);
      const want = execFileSync('ssh-keygen', ['-E', 'sha256', '-lf', file], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprintSha256(blobOf(pub))).toBe(want);
    });
  }
  it('reads the key type from the blob', () => {
    expect(keyTypeOfBlob(blobOf(ed1))).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(blobOf(rsa))).toBe('ssh-rsa');
    expect(keyTypeOfBlob(blobOf(ecdsa))).toBe('ecdsa-sha2-nistp256');
  });
});

describe('hashed entries', () => {
  it('match what ssh-keygen -H wrote, for plain and [host]:port names', () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `web1.example.com ${ed1}\n[10.0.0.7]:2222 ${ed2}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(checkHostKey(entries, 'web1.example.com', blobOf(ed1)).kind).toBe('known');
    expect(checkHostKey(entries, '[10.0.0.7]:2222', blobOf(ed2)).kind).toBe('known');
    expect(checkHostKey(entries, '10.0.0.7', blobOf(ed2)).kind).toBe('unknown');
    expect(checkHostKey(entries, 'web2.example.com', blobOf(ed1)).kind).toBe('unknown');
  });
  it('round-trip our own hashing', () => {
    expect(hostFieldMatches(hashHostName('[h]:2'), '[h]:2')).toBe(true);
    expect(hostFieldMatches(hashHostName('[h]:2'), 'h')).toBe(false);
  });
});

describe('checkHostKey', () => {
  const file = '/x/known_hosts';
  const text = [
    '# comment',
    `web*,!web9 ${ed1}`,
    `[db]:2200 ${ed1}`,
    `@revoked * ${ed2}`,
    `@cert-authority *.corp ${ecdsa}`,
    `legacy ${rsa}`,
  ].join('\n');
  const entries = parseKnownHosts(text, file);

  it('accepts a known key, with wildcard patterns and case-insensitive names', () => {
    expect(checkHostKey(entries, 'web1', blobOf(ed1)).kind).toBe('known');
    expect(checkHostKey(entries, 'WEB2', blobOf(ed1)).kind).toBe('known');
    expect(checkHostKey(entries, '[db]:2200', blobOf(ed1)).kind).toBe('known');
  });
  it('honours negated patterns', () => {
    expect(checkHostKey(entries, 'web9', blobOf(ed1)).kind).toBe('unknown');
  });
  it('refuses a changed key of the same type, pointing at file:line', () => {
    const st = checkHostKey(entries, 'web1', Buffer.from(blobOf(ed1).map((b, i) => (i === 40 ? b ^ 1 : b))));
    expect(st.kind).toBe('changed');
    if (st.kind === 'changed') expect([st.entry.file, st.entry.line]).toEqual([file, 2]);
  });
  it('flags a key of another type when only other types are known', () => {
    expect(checkHostKey(entries, 'legacy', blobOf(ed1)).kind).toBe('other-type');
  });
  it('refuses @revoked keys', () => {
    expect(checkHostKey(entries, 'anything', blobOf(ed2)).kind).toBe('revoked');
  });
  it('ignores @cert-authority lines', () => {
    expect(checkHostKey(entries, 'a.corp', blobOf(ecdsa)).kind).toBe('unknown');
  });
});

describe('appendKnownHost', () => {
  it('creates the directory and a 0600 file that ssh-keygen -F finds', async () => {
    const file = join(dir, 'new', 'sub', 'known_hosts');
    await appendKnownHost(file, '[127.0.0.1]:2222', blobOf(ed1));
    await appendKnownHost(file, 'h.example', blobOf(ed2), true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(ed1.split(' ')[1]);
    const foundHashed = execFileSync('ssh-keygen', ['-F', 'h.example', '-f', file], { encoding: 'utf8' });
    expect(foundHashed).toContain(ed2.split(' ')[1]);
    const entries = await readKnownHosts([file, join(dir, 'missing')]);
    expect(checkHostKey(entries, 'h.example', blobOf(ed2)).kind).toBe('known');
  });
});

describe('forgetHostCommand (the changed-key hint)', () => {
  it('is ssh-keygen -R NAME for ssh-keygen\'s own file, with -f FILE (quoted) for any other', () => {
    expect(forgetHostCommand('[198.18.0.2]:2222', join(userInfo().homedir, '.ssh', 'known_hosts'))).toBe("ssh-keygen -R '[198.18.0.2]:2222'");
    expect(forgetHostCommand('web1', '/etc/ssh/ssh_known_hosts')).toBe('ssh-keygen -R web1 -f /etc/ssh/ssh_known_hosts');
    expect(forgetHostCommand('web1', '/tmp/my hosts')).toBe("ssh-keygen -R web1 -f '/tmp/my hosts'");
  });
});
