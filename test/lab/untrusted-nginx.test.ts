/**
 * Issue 12, finding 1, played for real: an unprivileged user on the server starts a fake
 * "nginx: master process nginx -c EVIL.conf" (comm `nginx`, a listening socket) while the
 * real nginx is stopped. EVIL.conf names an error_log: `nginx -T -c EVIL.conf` run as root
 * creates that file (as it would load a `load_module` library). tshoot must not build its
 * root command from that process: the canary stays absent, the card is the real cause.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { up, type Lab } from './lab.js';
import { LAB_ENABLED } from './enabled.js';

const canRun = LAB_ENABLED;

const NOBODY = 65534;

describe.runIf(canRun)('a fake nginx master started by another user', () => {
  let lab: Lab;
  let dir: string;
  let fake: ChildProcess | undefined;
  const canary = () => join(dir, 'root-canary.log');

  beforeAll(async () => {
    lab = await up('nginx-stopped');
    dir = mkdtempSync(join(tmpdir(), 'tshoot-evil-'));
    chmodSync(dir, 0o755);
    const evil = join(dir, 'evil');
    spawnSync('mkdir', ['-m', '0755', evil]);
    chownSync(evil, NOBODY, NOBODY);
    writeFileSync(join(evil, 'evil.conf'), `error_log ${canary()};\nevents {}\nhttp { server { listen 198.18.2.10:8088; } }\n`);
    chownSync(join(evil, 'evil.conf'), NOBODY, NOBODY);
    // The user's "nginx": nc under a link named nginx (so comm, and ss, say nginx), listening on 8088.
    symlinkSync('/bin/nc.openbsd', join(evil, 'nginx'));
    const script = `exec -a "nginx: master process nginx -c ${evil}/evil.conf" ${evil}/nginx -lk 198.18.2.10 8088`;
    fake = spawn(lab.nsExecArgv('server')[0]!, [...lab.nsExecArgv('server').slice(1), 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', 'bash', '-c', script], { stdio: 'ignore' });
    // Wait (bounded) until the fake listens.
    for (let i = 0; i < 50; i++) {
      const r = spawnSync(lab.nsExecArgv('server')[0]!, [...lab.nsExecArgv('server').slice(1), 'ss', '-ltnp'], { encoding: 'utf8' });
      if (r.stdout.includes(':8088')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  });
  afterAll(async () => {
    fake?.kill('SIGKILL');
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the canary works: root running nginx -T -c on that file creates it', () => {
    const probe = mkdtempSync(join(tmpdir(), 'tshoot-canary-'));
    const conf = join(probe, 'c.conf');
    writeFileSync(conf, `error_log ${join(probe, 'created.log')};\nevents {}\n`);
    spawnSync('nginx', ['-T', '-c', conf], { encoding: 'utf8' });
    expect(existsSync(join(probe, 'created.log'))).toBe(true);
    rmSync(probe, { recursive: true, force: true });
  });

  it('the fake is seen, refused, and the card names the stopped nginx', async () => {
    const ssOut = spawnSync(lab.nsExecArgv('server')[0]!, [...lab.nsExecArgv('server').slice(1), 'ss', '-ltnp'], { encoding: 'utf8' }).stdout;
    expect(ssOut).toMatch(/:8088 .*"nginx"/);
    const transcript = join(dir, 'session.ndjson');
    const r = await runCli(
      ['run', 'refused', '--target', 'http://198.18.2.10/', '--host', 'server=server', '--ssh-config', lab.sshConfigPath, '--non-interactive', '--json', '--transcript', transcript],
      { prefix: lab.nsExecArgv('client'), timeoutMs: 90_000 },
    );
    const out = JSON.parse(r.stdout) as { fix: { id: string } | null; evidence: Array<{ command: string }> };
    expect(existsSync(canary())).toBe(false);
    expect(out.fix?.id).toBe('start-service');
    expect(JSON.stringify(out)).not.toContain('evil.conf -');
    expect(out.evidence.map((e) => e.command).join('\n')).not.toMatch(/nginx -T -c .*evil/);
    // On record: ps showed the fake's owner, and the flow went on to nginx's own configuration.
    const events = readFileSync(transcript, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; node?: string; goto?: string; stdout?: string; argv?: string[] });
    const psResult = events.find((e, i) => e.kind === 'result' && events[i - 1]?.node === 'processes');
    expect(psResult?.stdout).toMatch(new RegExp(`^\\s*\\d+\\s+${NOBODY}\\s+${NOBODY}\\s+nginx: master process`, 'm'));
    expect(events.find((e) => e.kind === 'decision' && e.node === 'processes')?.goto).toBe('nginx_conf');
    expect(events.filter((e) => e.kind === 'command').map((e) => e.argv!.join(' '))).not.toContain(`nginx -T -c ${dir}/evil/evil.conf`);
  });
});
