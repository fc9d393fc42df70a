import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_NAMES, LAB_ROOT, sweep, up, type FaultName, type Lab } from './lab.js';
import { LAB_ENABLED } from './enabled.js';

const enabled = LAB_ENABLED;

const URL = 'http://198.18.2.10';

function nsList(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** curl from the client namespace: curl's exit code and the HTTP status */
async function curl(lab: Lab, path: string, maxTime = 3): Promise<{ exit: number; status: string }> {
  const r = await lab.exec(
    'client',
    ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', String(maxTime), `${URL}${path}`],
    { timeoutMs: (maxTime + 5) * 1000 },
  );
  return { exit: r.code, status: r.stdout.trim() };
}

async function ssh(lab: Lab, alias: string, command: string, connectTimeout = 3) {
  return lab.exec('client', ['ssh', '-o', `ConnectTimeout=${connectTimeout}`, ...lab.sshArgv(alias).slice(1), command], {
    timeoutMs: 20_000,
  });
}

/** the lines of one `Host` block of the lab's ssh config */
function hostBlock(lab: Lab, alias: string): string {
  const cfg = readFileSync(lab.sshConfigPath, 'utf8');
  return cfg.split(/\n(?=Host )/).find((b) => b.startsWith(`Host ${alias}\n`)) ?? '';
}

describe.runIf(enabled)('lab: one lab, faults switched with inject/heal', () => {
  let lab: Lab;

  beforeAll(async () => {
    await sweep(); // leftovers of crashed runs (dead owners) only
    lab = await up('healthy');
  });

  afterAll(async () => {
    await lab?.down();
  });

  /** inject, check, heal, and check the lab is healthy again */
  async function withFault(fault: FaultName, check: () => Promise<void>): Promise<void> {
    await lab.inject(fault);
    expect(lab.faults()).toContain(fault);
    try {
      await check();
    } finally {
      await lab.heal(fault);
    }
    expect(lab.faults()).not.toContain(fault);
    expect(await curl(lab, '/')).toEqual({ exit: 0, status: '200' });
  }

  it('names every namespace and veth with the run id', async () => {
    expect(lab.id).toMatch(/^[0-9a-f]{6}$/);
    for (const h of HOST_NAMES) {
      expect(lab.hosts[h].ns).toMatch(new RegExp(`^ts-${lab.id}-`));
      expect(nsList()).toContain(lab.hosts[h].ns);
      const links = await lab.exec(h, ['ip', '-o', 'link', 'show', 'type', 'veth']);
      for (const line of links.stdout.trim().split('\n')) {
        const name = line.split(':')[1]?.trim().split('@')[0] ?? '';
        expect(name).toContain(lab.id);
        expect(name.length).toBeLessThanOrEqual(15);
      }
    }
    expect(lab.nsExecArgv('client')).toEqual(['ip', 'netns', 'exec', `ts-${lab.id}-cli`]);
  });

  it('healthy: / is 200, /fugafuga 200, /hogehoge 404 from the client', async () => {
    expect(await curl(lab, '/')).toEqual({ exit: 0, status: '200' });
    expect(await curl(lab, '/fugafuga')).toEqual({ exit: 0, status: '200' });
    expect(await curl(lab, '/hogehoge')).toEqual({ exit: 0, status: '404' });
  });

  it('healthy: ssh with strict host key checking against the lab known_hosts', async () => {
    const cfg = readFileSync(lab.sshConfigPath, 'utf8');
    expect(cfg).toMatch(/StrictHostKeyChecking yes/);
    for (const alias of ['server', 'bastion', 'client', 'router']) {
      const r = await ssh(lab, alias, 'true');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    // the known_hosts entry is the server's real key
    const kh = spawnSync('ssh-keygen', ['-l', '-F', '198.18.2.10', '-f', lab.knownHostsFile], { encoding: 'utf8' });
    expect(kh.stdout).toContain(lab.hostKeyFingerprints.server);
    // a wrong key is refused
    const otherKh = join(lab.dir, 'known_hosts.wrong');
    writeFileSync(
      otherKh,
      readFileSync(lab.knownHostsFile, 'utf8').replace(/^(server,\S+) (\S+) \S+/m, (_m, n: string, t: string) => {
        const bastionKey = /^bastion,\S+ \S+ (\S+)/m.exec(readFileSync(lab.knownHostsFile, 'utf8'))?.[1] ?? '';
        return `${n} ${t} ${bastionKey}`;
      }),
    );
    const bad = await lab.exec('client', [...lab.sshArgv('server'), '-o', `UserKnownHostsFile=${otherKh}`, 'true'], {
      timeoutMs: 20_000,
    });
    expect(bad.code).toBe(255);
    expect(bad.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('healthy: on the server, nginx -T shows the lab config at /etc/nginx with file names', async () => {
    const r = await ssh(lab, 'server', 'nginx -T 2>&1; ss -Hltn');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# configuration file /etc/nginx/conf.d/server.conf:');
    expect(r.stdout).toContain('listen 80 default_server;');
    expect(r.stdout).toMatch(/0\.0\.0\.0:80\b/);
    // the host's own /etc/nginx is untouched
    expect(readFileSync('/etc/nginx/nginx.conf', 'utf8')).not.toContain('tshoot lab');
  });

  it('nginx-stopped: connection refused (curl 7)', async () => {
    await withFault('nginx-stopped', async () => {
      expect((await curl(lab, '/')).exit).toBe(7);
      expect(existsSync(lab.nginx.siteConfPath)).toBe(true);
    });
  });

  it('nginx-loopback: refused from the client, 200 on the server itself', async () => {
    await withFault('nginx-loopback', async () => {
      expect((await curl(lab, '/')).exit).toBe(7);
      const local = await lab.exec('server', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3', 'http://127.0.0.1/']);
      expect(local.stdout).toBe('200');
    });
  });

  it('nginx-other-port: refused on 80, 200 on 8080', async () => {
    await withFault('nginx-other-port', async () => {
      expect((await curl(lab, '/')).exit).toBe(7);
      expect(await curl(lab, ':8080/')).toEqual({ exit: 0, status: '200' });
    });
  });

  it('server-firewall-reject: refused (curl 7)', async () => {
    await withFault('server-firewall-reject', async () => {
      expect((await curl(lab, '/')).exit).toBe(7);
    });
  });

  it('server-firewall-drop: timeout (curl 28)', async () => {
    await withFault('server-firewall-drop', async () => {
      expect((await curl(lab, '/')).exit).toBe(28);
    });
  });

  it('cloud-drop: timeout (curl 28) from the client; fine on the server itself', async () => {
    await withFault('cloud-drop', async () => {
      expect((await curl(lab, '/')).exit).toBe(28);
      const local = await lab.exec('server', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3', `${URL}/`]);
      expect(local.stdout).toBe('200');
      const fw = await lab.exec('router', ['iptables', '-S', 'FORWARD']);
      expect(fw.stdout).toMatch(/--dport 80 -j DROP/);
    });
  });

  it('no-return-route: timeout (curl 28); the server is still reachable through the bastion', async () => {
    await withFault('no-return-route', async () => {
      expect((await curl(lab, '/')).exit).toBe(28);
      const r = await ssh(lab, 'server-via-bastion', 'ip route');
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/^default/m);
    });
  });

  it('missing-file: /hogehoge 404 while / is 200; healing creates it', async () => {
    await withFault('missing-file', async () => {
      expect(await curl(lab, '/hogehoge')).toEqual({ exit: 0, status: '404' });
      expect(await curl(lab, '/fugafuga')).toEqual({ exit: 0, status: '200' });
    });
    expect(await curl(lab, '/hogehoge')).toEqual({ exit: 0, status: '200' });
  });

  it('sshd-stopped: ssh refused; http still fine', async () => {
    await withFault('sshd-stopped', async () => {
      const r = await ssh(lab, 'server', 'true');
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/Connection refused/);
      expect(await curl(lab, '/')).toEqual({ exit: 0, status: '200' });
    });
    expect((await ssh(lab, 'server', 'true')).code).toBe(0);
  });

  it('ssh-dropped: ssh times out', async () => {
    await withFault('ssh-dropped', async () => {
      const r = await ssh(lab, 'server', 'true', 2);
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/timed out/);
    });
    expect((await ssh(lab, 'server', 'true')).code).toBe(0);
  });

  it('bastion-only: direct ssh times out, `server` goes through ProxyJump bastion', async () => {
    await withFault('bastion-only', async () => {
      expect(hostBlock(lab, 'server')).toContain('ProxyJump bastion');
      const direct = await ssh(lab, 'server-direct', 'true', 2);
      expect(direct.code).toBe(255);
      expect(direct.stderr).toMatch(/timed out/);
      const jumped = await ssh(lab, 'server', 'hostname -I');
      expect(jumped.code).toBe(0);
      expect(jumped.stdout).toContain('198.18.2.10');
    });
    expect(hostBlock(lab, 'server')).not.toContain('ProxyJump');
    expect(hostBlock(lab, 'server-via-bastion')).toContain('ProxyJump bastion');
  });

  it('down() removes namespaces, processes and temp dir', async () => {
    const id = lab.id;
    const dir = lab.dir;
    await lab.down();
    expect(nsList().filter((n) => n.startsWith(`ts-${id}-`))).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`/etc/netns/ts-${id}-srv`)).toBe(false);
    await lab.down(); // idempotent
  });
});

describe.runIf(enabled)('lab: up(scenario), concurrency, sweep', () => {
  it('two labs coexist, and up(fault scenario) starts with the fault', async () => {
    const a = await up('nginx-loopback');
    const b = await up('bastion-only');
    try {
      expect(a.id).not.toBe(b.id);
      expect(a.faults()).toEqual(['nginx-loopback']);
      expect((await curl(a, '/')).exit).toBe(7);
      expect(await curl(b, '/')).toEqual({ exit: 0, status: '200' });
      expect((await ssh(b, 'server', 'true')).code).toBe(0);
    } finally {
      await a.down();
      await b.down();
    }
    expect(nsList().filter((n) => n.startsWith(`ts-${a.id}-`) || n.startsWith(`ts-${b.id}-`))).toEqual([]);
  });

  it('sweep() removes labs of dead owners only; sweep(prefix) removes what matches', async () => {
    const c = await up('healthy', { persist: true });
    const d = await up('healthy', { persist: true });
    try {
      const stateFile = join(LAB_ROOT, c.id, 'lab.json');
      const st = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
      expect(await sweep()).not.toContain(c.id); // persistent: kept
      writeFileSync(stateFile, JSON.stringify({ ...st, persist: false, ownerPid: process.pid }));
      expect(await sweep()).not.toContain(c.id); // live owner: kept
      const deadPid = spawnSync('true').pid ?? 0;
      writeFileSync(stateFile, JSON.stringify({ ...st, persist: false, ownerPid: deadPid }));
      const removed = await sweep(); // dead owner: removed (a concurrent run's sweep may beat us to it), d kept
      expect(removed).not.toContain(d.id);
      expect(nsList().filter((n) => n.startsWith(`ts-${c.id}-`))).toEqual([]);
      expect(existsSync(join(LAB_ROOT, c.id))).toBe(false);
      expect(nsList()).toContain(d.hosts.server.ns);
      expect(await sweep(`ts-${d.id}`)).toEqual([d.id]);
      expect(nsList().filter((n) => n.startsWith(`ts-${d.id}-`))).toEqual([]);
    } finally {
      await c.down();
      await d.down();
    }
  });
});
