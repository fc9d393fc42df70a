/**
 * tshoot over SSH, in the lab: the built CLI runs inside the client's network namespace and
 * reaches the lab's hosts through real sshd — one handshake per host, host keys verified,
 * transport failures classified, the bastion as a jump host, and the refused flow from the
 * client against the server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { up, type Lab } from './lab.js';
import { LAB_ENABLED } from './enabled.js';

const canRun = LAB_ENABLED;

interface JsonOut {
  outcome: string;
  fix: { id: string; summary: string } | null;
  evidence: Array<{ role: string; command: string; lines: string[] }>;
  error?: { code: string; transport?: string; message: string };
  commands: number;
  questions: number;
  ssh?: { handshakes: Record<string, number> };
}

describe.runIf(canRun)('tshoot over SSH in the lab', () => {
  let lab: Lab;
  let tmp: string;

  beforeAll(async () => {
    lab = await up('nginx-loopback');
    tmp = mkdtempSync(join(tmpdir(), 'tshoot-ssh-'));
  });
  afterAll(async () => {
    await lab?.down();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs the CLI from the client host, with the lab's ssh config unless another is given. */
  const tshoot = (args: string[], sshConfig = lab.sshConfigPath) =>
    runCli([...args, '--ssh-config', sshConfig, '--non-interactive', '--json'], { prefix: lab.nsExecArgv('client'), timeoutMs: 60_000 });

  /** A copy of the lab's ssh config with some lines changed. */
  const configWith = (name: string, edit: (text: string) => string) => {
    const file = join(tmp, name);
    writeFileSync(file, edit(readFileSync(lab.sshConfigPath, 'utf8')));
    return file;
  };

  it('refused from the client host, nginx on 127.0.0.1:80 on the server → bind-all-interfaces, one handshake per host', async () => {
    const r = await tshoot(['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'client=client', '--host', 'server=server']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.fix?.id).toBe('bind-all-interfaces');
    expect(out.evidence[0]).toMatchObject({ role: 'server', command: 'ss -ltnpe', lines: [expect.stringMatching(/127\.0\.0\.1:80\s.*nginx/)] });
    expect(out.evidence[1]).toEqual({ role: 'server', command: 'nginx -T -c /etc/nginx/nginx.conf', lines: ['/etc/nginx/conf.d/server.conf:2: listen 127.0.0.1:80 default_server;'] });
    expect(out.questions).toBe(0);
    // Commands ran on two hosts, each over its one connection.
    expect(out.commands).toBeGreaterThanOrEqual(4);
    expect(out.ssh?.handshakes).toEqual({ 'root@198.18.1.10': 1, 'root@198.18.2.10': 1 });
  });

  it('an unknown host key is refused without --accept-new-host-keys, then accepted and remembered with it', async () => {
    const kh = join(tmp, 'known_hosts_new');
    writeFileSync(kh, '');
    const cfg = configWith('cfg-unknown', (t) => t.replaceAll(lab.knownHostsFile, kh));
    const args = ['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server'];
    const refused = await tshoot(args, cfg);
    expect(refused.code).toBe(3);
    const out = JSON.parse(refused.stdout) as JsonOut;
    expect(out.error).toMatchObject({ code: 'unreachable', transport: 'host-key' });
    expect(out.error?.message).toContain(lab.hostKeyFingerprints.server);
    expect(readFileSync(kh, 'utf8')).toBe('');
    const accepted = await tshoot([...args, '--accept-new-host-keys'], cfg);
    expect(accepted.code, accepted.stderr).toBe(0);
    const line = readFileSync(kh, 'utf8');
    expect(line).toMatch(/^198\.18\.2\.10 ssh-ed25519 /m);
    // ssh-keygen agrees with what tshoot recorded.
    expect(execFileSync('ssh-keygen', ['-lf', kh], { encoding: 'utf8' })).toContain(lab.hostKeyFingerprints.server);
  });

  it('a changed host key is refused, loudly, even with --accept-new-host-keys', async () => {
    const kh = join(tmp, 'known_hosts_changed');
    // The bastion's key filed under the server's address: what a man in the middle would show.
    const bastionKey = readFileSync(lab.knownHostsFile, 'utf8').split('\n').find((l) => l.startsWith('bastion,'))!;
    writeFileSync(kh, `${lab.hosts.server.addr} ${bastionKey.split(' ').slice(1).join(' ')}\n`);
    const cfg = configWith('cfg-changed', (t) => t.replaceAll(lab.knownHostsFile, kh));
    const r = await tshoot(['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server', '--accept-new-host-keys'], cfg);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.error?.transport).toBe('host-key');
    expect(out.error?.message).toMatch(/CHANGED|changed/);
    expect(out.error?.message).toContain(lab.hostKeyFingerprints.server);
    expect(out.error?.message).toContain(lab.hostKeyFingerprints.bastion);
  });

  it('a key the server does not know → auth', async () => {
    const key = join(tmp, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const cfg = configWith('cfg-wrongkey', (t) => t.replaceAll(lab.identityFile, key));
    const r = await tshoot(['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server'], cfg);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.error?.transport).toBe('auth');
  });

  it('sshd stopped → refused; port 22 dropped → timeout within the configured ConnectTimeout', async () => {
    await lab.inject('sshd-stopped');
    try {
      const r = await tshoot(['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server']);
      expect(r.code).toBe(3);
      expect((JSON.parse(r.stdout) as JsonOut).error?.transport).toBe('refused');
    } finally {
      await lab.heal('sshd-stopped');
    }
    await lab.inject('ssh-dropped');
    try {
      const cfg = configWith('cfg-timeout', (t) => t.replaceAll('    Port 22', '    Port 22\n    ConnectTimeout 2'));
      const t0 = Date.now();
      const r = await tshoot(['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server'], cfg);
      const elapsed = Date.now() - t0;
      expect(r.code).toBe(3);
      expect((JSON.parse(r.stdout) as JsonOut).error?.transport).toBe('timeout');
      expect(elapsed).toBeLessThan(15_000);
    } finally {
      await lab.heal('ssh-dropped');
    }
  });

  it('a server only the bastion can reach: through --host bastion=…, and not without it', async () => {
    await lab.inject('bastion-only');
    try {
      const cfg = configWith('cfg-bastion', (t) => t.replaceAll('    Port 22', '    Port 22\n    ConnectTimeout 2'));
      const direct = await tshoot(['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server-direct'], cfg);
      expect(direct.code).toBe(3);
      const via = await tshoot(['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server-direct', '--host', 'bastion=bastion'], cfg);
      expect(via.code, via.stderr).toBe(0);
      const out = JSON.parse(via.stdout) as JsonOut;
      expect(out.fix?.id).toBe('bind-all-interfaces');
      expect(Object.values(out.ssh?.handshakes ?? {})).toEqual([1, 1]);
    } finally {
      await lab.heal('bastion-only');
    }
  });
});
