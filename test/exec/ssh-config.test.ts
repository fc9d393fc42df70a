import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSshAliases, parseDest, resolveSshDest } from '../../src/exec/ssh-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tshoot-sshcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'conf.d'));
writeFileSync(
  join(dir, 'conf.d', '10-web.conf'),
  ['Host web1', '  HostName 198.18.2.10', '  User deploy', '  IdentityFile %d/.ssh/web_%r@%h:%p_%n', ''].join('\n'),
);
const config = join(dir, 'config');
writeFileSync(
  config,
  [
    `Include ${join(dir, 'conf.d', '*.conf')}`,
    'Host bastion',
    '  HostName 198.18.0.1',
    '  Port 2222',
    '  UserKnownHostsFile ~/.ssh/kh_bastion %d/kh2_%h',
    '  StrictHostKeyChecking accept-new',
    'Host db',
    '  HostName 198.18.3.3',
    '  ProxyJump admin@bastion',
    '  IdentityAgent /run/agent-%u.sock',
    'Match originalhost db user ops',
    '  Port 2200',
    'Host *.internal !skip.internal',
    '  User robot',
    'Match host 198.18.2.10',
    '  HashKnownHosts yes',
    '',
  ].join('\n'),
);

describe('parseDest', () => {
  it('splits [user@]host[:port]', () => {
    expect(parseDest('a@h:2')).toEqual({ user: 'a', host: 'h', port: 2 });
    expect(parseDest('h')).toEqual({ user: null, host: 'h', port: null });
    expect(parseDest('[::1]:2222')).toEqual({ user: null, host: '::1', port: 2222 });
    expect(parseDest('fe80::1')).toEqual({ user: null, host: 'fe80::1', port: null });
  });
  it('rejects what ssh would take as an option or a shell would expand', () => {
    expect(() => parseDest('-oProxyCommand=x')).toThrow(/bad host/);
    expect(() => parseDest('h:99999')).toThrow(/port/);
    expect(() => parseDest('h;id')).toThrow(/bad host/);
  });
});

for (const mode of ['ssh -G', 'ssh-config'] as const) {
  describe(`resolveSshDest via ${mode}`, () => {
    const opts = mode === 'ssh -G' ? { configFile: config } : { configFile: config, sshBinary: '/nonexistent/ssh' };

    it('follows Include and expands %-tokens and ~', async () => {
      const r = await resolveSshDest('web1', opts);
      expect(r.source).toBe(mode);
      expect(r).toMatchObject({ hostname: '198.18.2.10', user: 'deploy', port: 22 });
      expect(r.identityFiles[0]).toBe(join(homedir(), '.ssh', 'web_deploy@198.18.2.10:22_web1'));
      if (mode === 'ssh -G') expect(r.hashKnownHosts).toBe(true); // Match host: not in the fallback
    });

    it('reads ports, known_hosts lists, StrictHostKeyChecking', async () => {
      const r = await resolveSshDest('bastion', opts);
      expect(r.port).toBe(2222);
      expect(r.strictHostKeyChecking).toBe('accept-new');
      expect(r.userKnownHostsFiles).toEqual([join(homedir(), '.ssh', 'kh_bastion'), join(homedir(), 'kh2_198.18.0.1')]);
    });

    it('reads ProxyJump and IdentityAgent; the command line wins over the config', async () => {
      const r = await resolveSshDest('db', opts);
      expect(r.proxyJump).toBe('admin@bastion');
      expect(r.identityAgent).toBe(`/run/agent-${userInfo().username}.sock`);
      const r2 = await resolveSshDest('me@db:2201', opts);
      expect(r2).toMatchObject({ user: 'me', port: 2201, hostname: '198.18.3.3' });
    });

    it('plain hosts get OpenSSH defaults', async () => {
      const r = await resolveSshDest('198.51.100.9', opts);
      expect(r).toMatchObject({ hostname: '198.51.100.9', port: 22, user: userInfo().username, proxyJump: null });
      expect(r.strictHostKeyChecking).toBe('ask');
      expect(r.userKnownHostsFiles[0]).toBe(join(homedir(), '.ssh', 'known_hosts'));
      expect(r.identityFiles).toContain(join(homedir(), '.ssh', 'id_ed25519'));
    });

    it('applies Host patterns with negation', async () => {
      expect((await resolveSshDest('a.internal', opts)).user).toBe('robot');
      expect((await resolveSshDest('skip.internal', opts)).user).toBe(userInfo().username);
    });
  });
}

describe('Match (ssh -G only)', () => {
  it('applies Match originalhost/user', async () => {
    expect((await resolveSshDest('ops@db', { configFile: config })).port).toBe(2200);
    expect((await resolveSshDest('dev@db', { configFile: config })).port).toBe(22);
  });
  it('reports a missing config file as an error', async () => {
    await expect(resolveSshDest('x', { configFile: join(dir, 'missing') })).rejects.toThrow(/ssh -G x failed/);
  });
});

describe('listSshAliases', () => {
  it('lists Host names without wildcards, Includes followed', async () => {
    expect(await listSshAliases(config)).toEqual(['web1', 'bastion', 'db']);
    expect(await listSshAliases(join(dir, 'missing'))).toEqual([]);
  });
});
