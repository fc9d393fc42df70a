/**
 * Host keys looked up and written under the name OpenSSH uses, checked against the real
 * client: the same known_hosts file, `ssh -o BatchMode=yes -o StrictHostKeyChecking=yes`
 * against the same sshd on 127.0.0.1, must reach the verdict tshoot reaches. With
 * HostKeyAlias the name is the bare alias whatever the port (sshconnect.c
 * get_hostfile_hostname_ipaddr()); without it, `[host]:port` for a port other than 22.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshExecutor, SshPool } from '../../src/exec/ssh-executor.js';
import { HAVE_SSHD, keygen, type Sshd, startSshd } from './sshd-harness.js';

type Verdict = 'known' | 'unknown' | 'changed';

describe.skipIf(!HAVE_SSHD)('HostKeyAlias and non-22 ports, tshoot against OpenSSH', () => {
  let sshd: Sshd;
  let hostKey: string; // "ssh-ed25519 AAAA…" of the server
  let otherKey: string; // another ed25519 key: the one an attacker would show
  let n = 0;
  const pools: SshPool[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    expect(sshd.port).not.toBe(22);
    hostKey = sshd.hostPub.split(' ').slice(0, 2).join(' ');
    otherKey = keygen(join(sshd.dir, 'other_host')).split(' ').slice(0, 2).join(' ');
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    await sshd?.stop();
  });

  /** A case folder: known_hosts with `lines`, and an ssh_config for host `target`. */
  function scenario(alias: string | null, lines: string[]): { config: string; knownHosts: string } {
    const dir = join(sshd.dir, `case${++n}`);
    mkdirSync(dir);
    const knownHosts = join(dir, 'known_hosts');
    if (lines.length > 0) writeFileSync(knownHosts, `${lines.join('\n')}\n`);
    const config = join(dir, 'ssh_config');
    writeFileSync(
      config,
      [
        'Host target',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        ...(alias === null ? [] : [`  HostKeyAlias ${alias}`]),
        `  User ${sshd.user}`,
        `  IdentityFile ${join(sshd.dir, 'id_ed25519')}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  HashKnownHosts no',
        '  CheckHostIP no',
        '  UpdateHostKeys no',
        '',
      ].join('\n'),
    );
    return { config, knownHosts };
  }

  /** The real client's verdict: connects, or why it refused. */
  function openssh(config: string, strict: 'yes' | 'accept-new'): Promise<Verdict> {
    return new Promise((resolve, reject) => {
      execFile(
        'ssh',
        ['-F', config, '-o', 'BatchMode=yes', '-o', `StrictHostKeyChecking=${strict}`, 'target', 'true'],
        { timeout: 15_000 },
        (err, _out, stderr) => {
          if (err === null) resolve('known');
          else if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) resolve('changed');
          else if (/No \S+ host key is known|Host key verification failed/.test(stderr)) resolve('unknown');
          else reject(new Error(`ssh: unexpected failure: ${stderr}`));
        },
      );
    });
  }

  async function tshoot(config: string, acceptNew = false): Promise<Verdict> {
    const pool = new SshPool();
    pools.push(pool);
    const r = await createSshExecutor('target', { configFile: config, pool, acceptNewHostKeys: acceptNew }).run({
      argv: ['true'],
      timeoutMs: 10_000,
    });
    if (r.exit === 0) return 'known';
    if (r.transport?.code === 'host-key' && /CHANGED/.test(r.transport.message)) return 'changed';
    if (r.transport?.code === 'host-key' && /unknown host key/.test(r.transport.message)) return 'unknown';
    throw new Error(`tshoot: unexpected result ${JSON.stringify(r)}`);
  }

  const cases: Array<{ name: string; alias: string | null; lines: (port: number) => string[]; want: Verdict }> = [
    { name: 'alias pinned bare', alias: 'web-pinned', lines: () => ['web-pinned KEY'], want: 'known' },
    { name: 'alias filed as [alias]:port', alias: 'web-pinned', lines: (p) => [`[web-pinned]:${p} KEY`], want: 'unknown' },
    { name: 'alias pinned to another key', alias: 'web-pinned', lines: () => ['web-pinned OTHER'], want: 'changed' },
    {
      name: 'alias: the bare entry decides, not [alias]:port',
      alias: 'web-pinned',
      lines: (p) => [`[web-pinned]:${p} KEY`, 'web-pinned OTHER'],
      want: 'changed',
    },
    { name: 'alias: the HostName entry does not count', alias: 'web-pinned', lines: (p) => [`[127.0.0.1]:${p} KEY`], want: 'unknown' },
    { name: 'no alias, [host]:port', alias: null, lines: (p) => [`[127.0.0.1]:${p} KEY`], want: 'known' },
    { name: 'alias: the bare HostName entry does not count either', alias: 'web-pinned', lines: () => ['127.0.0.1 KEY'], want: 'unknown' },
    // Without an alias OpenSSH also looks the key up without the port, and takes only a match.
    { name: 'no alias, the same key under the bare host', alias: null, lines: () => ['127.0.0.1 KEY'], want: 'known' },
    { name: 'no alias, another key under the bare host', alias: null, lines: () => ['127.0.0.1 OTHER'], want: 'unknown' },
    { name: 'no alias, [host]:port changed', alias: null, lines: (p) => [`[127.0.0.1]:${p} OTHER`], want: 'changed' },
  ];

  for (const c of cases) {
    it(`agrees with ssh -o StrictHostKeyChecking=yes: ${c.name} → ${c.want}`, async () => {
      const lines = c.lines(sshd.port).map((l) => l.replace('KEY', hostKey).replace('OTHER', otherKey));
      const { config } = scenario(c.alias, lines);
      const real = await openssh(config, 'yes');
      expect(real).toBe(c.want);
      expect(await tshoot(config)).toBe(real);
    });
  }

  it('refuses a changed key filed under the bare alias even with accept-new, as ssh does', async () => {
    const { config, knownHosts } = scenario('web-pinned', [`web-pinned ${otherKey}`]);
    const before = readFileSync(knownHosts, 'utf8');
    expect(await openssh(config, 'accept-new')).toBe('changed');
    expect(await tshoot(config, true)).toBe('changed');
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);
  });

  for (const alias of ['web-pinned', null]) {
    it(`writes the line ssh -o StrictHostKeyChecking=accept-new writes (${alias === null ? 'no alias' : 'HostKeyAlias'})`, async () => {
      const real = scenario(alias, []);
      expect(await openssh(real.config, 'accept-new')).toBe('known');
      const ours = scenario(alias, []);
      expect(await tshoot(ours.config, true)).toBe('known');
      const written = readFileSync(ours.knownHosts, 'utf8');
      expect(written).toBe(readFileSync(real.knownHosts, 'utf8'));
      expect(written).toBe(`${alias ?? `[127.0.0.1]:${sshd.port}`} ${hostKey}\n`);
      // …and each client accepts what the other wrote.
      expect(await openssh(ours.config, 'yes')).toBe('known');
      expect(await tshoot(real.config)).toBe('known');
    });
  }
});
