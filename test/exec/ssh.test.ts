/**
 * The SSH executor against a real sshd on 127.0.0.1 (see sshd-harness.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySocketError, createSshExecutor, type HostKeyInfo, SshPool } from '../../src/exec/ssh-executor.js';
import type { CommandSpec } from '../../src/exec/types.js';
import { eventually, freePort, HAVE_SSHD, keygen, pgrep, type Sshd, startSshd } from './sshd-harness.js';

const CANARY = '/tmp/tshoot-ssh-canary';
const T = 10_000;

function cmd(argv: string[], extra: Partial<CommandSpec> = {}): CommandSpec {
  return { argv, timeoutMs: T, ...extra };
}

describe.skipIf(!HAVE_SSHD)('ssh executor against a real sshd', () => {
  let sshd: Sshd;
  const pools: SshPool[] = [];
  const newPool = (): SshPool => {
    const p = new SshPool();
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    rmSync(CANARY, { force: true });
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    await sshd?.stop();
  });

  it('runs two commands over one handshake, also across executors sharing the pool', async () => {
    const pool = newPool();
    const a = createSshExecutor('good', { configFile: sshd.config, pool });
    const b = createSshExecutor('good', { configFile: sshd.config, pool });
    expect((await a.run(cmd(['echo', 'one']))).stdout).toBe('one\n');
    expect((await a.run(cmd(['echo', 'two']))).stdout).toBe('two\n');
    expect((await b.run(cmd(['echo', 'three']))).stdout).toBe('three\n');
    expect([...pool.handshakes.values()]).toEqual([1]);
    expect(pool.handshakes.get(`${sshd.user}@[127.0.0.1]:${sshd.port}`)).toBe(1);
  });

  it('costs a few milliseconds per command after the handshake', async () => {
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: newPool() });
    await ex.run(cmd(['true']));
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      expect((await ex.run(cmd(['true']))).exit).toBe(0);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[50] ?? Infinity;
    // The ≤ 5 ms target is measured by `npm run bench` (per remote command), not asserted here:
    // a timed assertion in the test run would test the machine (fork+exec alone costs 4–9 ms on
    // some VMs). Here: 100 commands over one shell, each a complete round trip.
    console.log(`ssh executor: median ${median.toFixed(2)} ms per \`true\` (p90 ${times[90]?.toFixed(2)} ms)`);
    expect(times).toHaveLength(100);
  });

  it('keeps stdout, stderr and the exit code apart', async () => {
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: newPool() });
    const r = await ex.run(cmd(['sh', '-c', 'echo out1; echo err1 >&2; echo out2; printf "no newline" >&2; exit 42']));
    expect(r).toMatchObject({ exit: 42, stdout: 'out1\nout2\n', stderr: 'err1\nno newline', timedOut: false, transport: null });
    expect((await ex.run(cmd(['false']))).exit).toBe(1);
    const missing = await ex.run(cmd(['/nonexistent/tool']));
    expect(missing.exit).toBe(127);
    const bin = await ex.run(cmd(['printf', '\\000\\001\\377#E x 0\\n']));
    expect(Buffer.from(bin.stdout, 'utf8').subarray(0, 2)).toEqual(Buffer.from([0, 1]));
    expect(bin.stdout.endsWith('#E x 0\n')).toBe(true);
  });

  it('passes empty and hostile arguments literally and runs none of them', async () => {
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: newPool() });
    const args = [
      '',
      `$(touch ${CANARY})`,
      `\`touch ${CANARY}\``,
      `; touch ${CANARY}`,
      `a\ntouch ${CANARY}\n`,
      `'"; touch ${CANARY}; echo "'`,
      '',
      '*',
      '$HOME',
      '#E 0',
    ];
    const r = await ex.run(cmd(['printf', '%s\\0', ...args]));
    expect(r.exit).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
    // Shell builtins named in argv[0] are not run by our shell (`exit` would kill it).
    const e = await ex.run(cmd(['exit', '3']));
    expect(e.exit).not.toBe(3);
    expect((await ex.run(cmd(['true']))).exit).toBe(0);
    expect(existsSync(CANARY)).toBe(false);
  });

  it('runs commands concurrently on several shells of one connection', async () => {
    const pool = newPool();
    const ex = createSshExecutor('good', { configFile: sshd.config, pool });
    // Each command prints when it started and ended on the host: with 8 shells, several run at once.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ex.run(cmd(['sh', '-c', `date +%s.%N; sleep 0.5; date +%s.%N; echo ${i}`]))),
    );
    expect(results.map((r) => r.stdout.split('\n')[2])).toEqual(Array.from({ length: 12 }, (_, i) => `${i}`));
    const spans = results.map((r) => r.stdout.split('\n').slice(0, 2).map(Number) as [number, number]);
    const overlap = Math.max(...spans.map(([a]) => spans.filter(([b, e]) => b <= a && a < e).length));
    expect(overlap).toBeGreaterThanOrEqual(4); // not one after another
    expect([...pool.handshakes.values()]).toEqual([1]);
  });

  it('runs root commands directly when the login user is root', async () => {
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: newPool() });
    const r = await ex.run(cmd(['id', '-u'], { root: true }));
    expect(r.exit).toBe(0);
    if (process.getuid?.() === 0) expect(r.stdout).toBe('0\n');
  });

  it('kills a command at its timeout, on the host too', async () => {
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: newPool() });
    const r = await ex.run({ argv: ['sleep', '31.7'], timeoutMs: 1000 });
    expect(r).toMatchObject({ exit: null, timedOut: true, transport: null });
    expect(r.durationMs).toBeGreaterThanOrEqual(950);
    expect(r.durationMs).toBeLessThan(4000);
    expect(await eventually(() => pgrep('sleep 31.7') === '')).toBe(true);
    expect((await ex.run(cmd(['echo', 'still fine']))).stdout).toBe('still fine\n');
  });

  it('kills a cancelled command and recovers', async () => {
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: newPool() });
    await ex.run(cmd(['true']));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await ex.run({ argv: ['sleep', '32.5'], timeoutMs: 20_000 }, ac.signal);
    expect(r.exit).toBeNull();
    expect(r.durationMs).toBeLessThan(2000);
    expect(await eventually(() => pgrep('sleep 32.5') === '')).toBe(true);
    expect((await ex.run(cmd(['echo', 'ok']))).stdout).toBe('ok\n');
  });

  it('caps output and flags truncation', async () => {
    const ex = createSshExecutor('good', { configFile: sshd.config, pool: newPool() });
    const big = await ex.run(cmd(['head', '-c', '5000000', '/dev/zero']));
    expect(big.exit).toBe(0);
    expect(big.truncated).toEqual({ stdout: true, stderr: false });
    expect(big.stdout.length).toBe(1024 * 1024);
    const small = await ex.run(cmd(['sh', '-c', 'echo 0123456789abcdef; echo 0123456789abcdef >&2'], { maxOutputBytes: 10 }));
    expect(small).toMatchObject({ stdout: '0123456789', stderr: '0123456789', truncated: { stdout: true, stderr: true } });
    const exact = await ex.run(cmd(['printf', '0123456789'], { maxOutputBytes: 10 }));
    expect(exact.truncated.stdout).toBe(false);
  });

  it('rejects an unknown host key without a prompt, and writes nothing', async () => {
    const ex = createSshExecutor('fresh', { configFile: sshd.config, pool: newPool() });
    const r = await ex.run(cmd(['true']));
    expect(r.transport?.code).toBe('host-key');
    expect(r.transport?.message).toMatch(/unknown host key ssh-ed25519 SHA256:/);
    expect(existsSync(sshd.freshKnownHosts)).toBe(false);
  });

  it('asks about an unknown host key with its SHA256 fingerprint; no = host-key, yes = recorded', async () => {
    const pub = join(sshd.dir, 'host_ed25519.pub');
    const fp = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1];
    const asked: HostKeyInfo[] = [];
    const no = createSshExecutor('fresh', {
      configFile: sshd.config,
      pool: newPool(),
      confirmHostKey: async (info) => (asked.push(info), false),
    });
    expect((await no.run(cmd(['true']))).transport?.code).toBe('host-key');
    expect(asked).toEqual([{ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: fp }]);
    const yes = createSshExecutor('fresh', { configFile: sshd.config, pool: newPool(), confirmHostKey: async () => true });
    expect((await yes.run(cmd(['true']))).exit).toBe(0);
    expect(readFileSync(sshd.freshKnownHosts, 'utf8')).toContain(`[127.0.0.1]:${sshd.port} ssh-ed25519 `);
    rmSync(join(sshd.dir, 'fresh'), { recursive: true, force: true });
  });

  it('accepts and records a new host key with acceptNewHostKeys', async () => {
    const ex = createSshExecutor('fresh', { configFile: sshd.config, pool: newPool(), acceptNewHostKeys: true });
    expect((await ex.run(cmd(['echo', 'hi']))).stdout).toBe('hi\n');
    expect(statSync(sshd.freshKnownHosts).mode & 0o777).toBe(0o600);
    expect(statSync(join(sshd.dir, 'fresh')).mode & 0o777).toBe(0o700);
    // Now known: a session without the option connects.
    const again = createSshExecutor('fresh', { configFile: sshd.config, pool: newPool() });
    expect((await again.run(cmd(['true']))).exit).toBe(0);
    rmSync(join(sshd.dir, 'fresh'), { recursive: true, force: true });
  });

  it('refuses a changed host key loudly, with both fingerprints and file:line, even with acceptNewHostKeys', async () => {
    const other = keygen(join(sshd.dir, 'other_host'));
    const changedKh = join(sshd.dir, 'known_hosts_changed');
    writeFileSync(changedKh, `# first line\n[127.0.0.1]:${sshd.port} ${other.split(' ').slice(0, 2).join(' ')}\n`);
    const cfg = join(sshd.dir, 'ssh_config_changed');
    writeFileSync(cfg, readFileSync(sshd.config, 'utf8').replaceAll(sshd.knownHosts, changedKh));
    const ex = createSshExecutor('good', {
      configFile: cfg,
      pool: newPool(),
      acceptNewHostKeys: true,
      confirmHostKey: async () => true,
    });
    const r = await ex.run(cmd(['true']));
    expect(r.transport?.code).toBe('host-key');
    const fpOld = execFileSync('ssh-keygen', ['-lf', `${join(sshd.dir, 'other_host')}.pub`], { encoding: 'utf8' }).split(' ')[1];
    const fpNew = execFileSync('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1];
    expect(r.transport?.message).toContain(`${changedKh}:2`);
    expect(r.transport?.message).toContain(fpOld);
    expect(r.transport?.message).toContain(fpNew);
    expect(r.transport?.message).toMatch(/CHANGED/);
  });

  it('the changed-key hint names the known_hosts file (-f) when it is not ssh-keygen\'s default, and running it lets the new key in', async () => {
    const other = keygen(join(sshd.dir, 'other_host_hint'));
    const kh = join(sshd.dir, 'known_hosts_hint');
    writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${other.split(' ').slice(0, 2).join(' ')}\n`);
    const cfg = join(sshd.dir, 'ssh_config_hint');
    writeFileSync(cfg, readFileSync(sshd.config, 'utf8').replaceAll(sshd.knownHosts, kh));
    const r = await createSshExecutor('good', { configFile: cfg, pool: newPool(), acceptNewHostKeys: true }).run(cmd(['true']));
    expect(r.transport?.code).toBe('host-key');
    const hint = /\((ssh-keygen -R [^)]*)\) and connect again/.exec(r.transport?.message ?? '')?.[1];
    expect(hint).toBe(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${kh}`);
    // The hint as the user pastes it into a shell: the old entry goes from that file, the next connection records the new key.
    execFileSync('sh', ['-c', hint!], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).not.toContain(other.split(' ')[1]);
    const again = await createSshExecutor('good', { configFile: cfg, pool: newPool(), acceptNewHostKeys: true }).run(cmd(['echo', 'hi']));
    expect(again.stdout).toBe('hi\n');
  });

  it('reports a rejected key as auth', async () => {
    const r = await createSshExecutor('badkey', { configFile: sshd.config, pool: newPool() }).run(cmd(['true']));
    expect(r.transport?.code).toBe('auth');
    expect(r.transport?.message).toContain('id_stranger');
  });

  it('asks for a key passphrase, and names the key when it cannot ask', async () => {
    const noPrompt = await createSshExecutor('locked', { configFile: sshd.config, pool: newPool() }).run(cmd(['true']));
    expect(noPrompt.transport?.code).toBe('auth');
    expect(noPrompt.transport?.message).toMatch(/id_locked is passphrase-protected/);
    const prompts: string[] = [];
    const ex = createSshExecutor('locked', {
      configFile: sshd.config,
      pool: newPool(),
      askSecret: async (p) => (prompts.push(p), prompts.length === 1 ? 'wrong' : 'open sesame'),
    });
    expect((await ex.run(cmd(['echo', 'in']))).stdout).toBe('in\n');
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toContain('id_locked');
  });

  it('reports nothing listening as refused, and a name that does not resolve as dns', async () => {
    const port = await freePort();
    const r = await createSshExecutor(`127.0.0.1:${port}`, { configFile: sshd.config }).run(cmd(['true']));
    expect(r.transport).toEqual({ code: 'refused', message: `ssh 127.0.0.1:${port}: connection refused` });
    // The resolver's errors as Node reports them: a real lookup would send a DNS query off this
    // machine, which tests must not do.
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND web9'), { code: 'ENOTFOUND' });
    expect(classifySocketError(notFound, 'ssh web9:22')).toEqual({ code: 'dns', message: 'ssh web9:22: host name not found' });
    const noAnswer = Object.assign(new Error('getaddrinfo EAI_AGAIN web9'), { code: 'EAI_AGAIN' });
    expect(classifySocketError(noAnswer, 'ssh web9:22').code).toBe('dns');
  });

  it('reports a bad destination as unconfigured', async () => {
    const r = await createSshExecutor('-oProxyCommand=evil', {}).run(cmd(['true']));
    expect(r.transport?.code).toBe('unconfigured');
  });

  it('goes through a ProxyJump host, verifying both host keys', async () => {
    // The alias names the known_hosts entry as it is (OpenSSH adds no port to an alias).
    const cfg = join(sshd.dir, 'ssh_config_jump');
    writeFileSync(
      cfg,
      `${readFileSync(sshd.config, 'utf8')}Host viajump\n  HostName localhost\n  HostKeyAlias [127.0.0.1]:${sshd.port}\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${join(sshd.dir, 'id_ed25519')}\n  IdentityAgent none\n  UserKnownHostsFile ${sshd.knownHosts}\n  ProxyJump good\n`,
    );
    const pool = newPool();
    const ex = createSshExecutor('viajump', { configFile: cfg, pool });
    const r = await ex.run(cmd(['sh', '-c', 'echo $SSH_CLIENT']));
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^127\.0\.0\.1 /);
    await ex.run(cmd(['true']));
    expect([...pool.handshakes.values()]).toEqual([1, 1]);
    // The jump host's own connection is reused when it is a target too.
    await createSshExecutor('good', { configFile: cfg, pool }).run(cmd(['true']));
    expect([...pool.handshakes.values()]).toEqual([1, 1]);
  });

  it('turns a connection lost mid-command into disconnected, then reconnects once', async () => {
    const pool = newPool();
    const ex = createSshExecutor('good', { configFile: sshd.config, pool });
    // Kill the sshd process that serves this connection: the listener's child above our shell.
    const script = `p=$PPID; while :; do read -r _ _ _ pp _ < /proc/$p/stat; [ "$pp" = ${sshd.pid} ] && break; p=$pp; done; kill -9 "$p"; sleep 5`;
    const r = await ex.run(cmd(['sh', '-c', script]));
    expect(r.transport?.code).toBe('disconnected');
    expect((await ex.run(cmd(['echo', 'back']))).stdout).toBe('back\n');
    expect([...pool.handshakes.values()]).toEqual([2]);
  });

  it('leaves no remote processes behind once the pool is closed', async () => {
    const pool = newPool();
    const ex = createSshExecutor('good', { configFile: sshd.config, pool });
    const running = ex.run({ argv: ['sleep', '33.3'], timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    await pool.close();
    expect((await running).transport?.code).toBe('disconnected');
    expect(await eventually(() => pgrep('sleep 33.3') === '')).toBe(true);
  });
});
