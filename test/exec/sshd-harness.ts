/**
 * A real OpenSSH server on 127.0.0.1 for the SSH executor's tests: own temp dir, own host
 * key, own client keys, an ssh_config with an alias per scenario. Not a test file itself.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const HAVE_SSHD = (() => {
  try {
    execFileSync('/usr/sbin/sshd', ['-V'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // `sshd -V` exits non-zero on older releases but still proves it's there.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

export interface Sshd {
  readonly dir: string;
  readonly port: number;
  readonly user: string;
  /** ssh_config with aliases: `good` (known host key), `fresh` (empty known_hosts), `badkey`, `locked`. */
  readonly config: string;
  readonly knownHosts: string;
  readonly freshKnownHosts: string;
  readonly hostPub: string;
  /** The listening sshd's PID: each connection is served by a child of it. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** `pgrep -af PATTERN` on this machine (the sshd's host): the matching processes, or ''. */
export function pgrep(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Poll `check` every 100 ms for at most `ms`: a host's processes end after our result does. */
export async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function keygen(path: string, type = 'ed25519', passphrase = ''): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'tshoot-test', '-f', path], { stdio: 'ignore' });
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-sshd-'));
  const port = await freePort();
  const user = userInfo().username;
  const hostPub = keygen(join(dir, 'host_ed25519'));
  const clientPub = keygen(join(dir, 'id_ed25519'));
  keygen(join(dir, 'id_locked'), 'ed25519', 'open sesame');
  keygen(join(dir, 'id_stranger'));
  writeFileSync(join(dir, 'authorized_keys'), `${clientPub}\n${readFileSync(join(dir, 'id_locked.pub'), 'utf8')}`);
  const [type, b64] = hostPub.split(' ');
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${b64}\n`);
  const freshKnownHosts = join(dir, 'fresh', 'known_hosts');
  const cfg = join(dir, 'sshd_config');
  writeFileSync(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'StrictModes no',
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const common = (id: string, kh: string): string =>
    [
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${user}`,
      `  IdentityFile ${join(dir, id)}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${kh}`,
      '  GlobalKnownHostsFile /dev/null',
    ].join('\n');
  const config = join(dir, 'ssh_config');
  writeFileSync(
    config,
    [
      'Host good',
      common('id_ed25519', knownHosts),
      'Host fresh',
      common('id_ed25519', freshKnownHosts),
      'Host badkey',
      common('id_stranger', knownHosts),
      'Host locked',
      common('id_locked', knownHosts),
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  // The sessions' login shell would source this machine's ~/.bashrc (bash does when sshd starts
  // it), which on a build machine may run pyenv and the like (0.5 s of CPU per shell): what is
  // measured here is tshoot's executor, not the test machine's dotfiles. As root, sshd runs in a
  // mount namespace of its own where ~/.bashrc is empty.
  const bashrc = join(homedir(), '.bashrc');
  const isolate = process.getuid?.() === 0 && existsSync(bashrc) && existsSync('/usr/bin/unshare');
  const child: ChildProcess = isolate
    ? spawn('/usr/bin/unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', 'mount --bind /dev/null "$0" && exec /usr/sbin/sshd -D -e -f "$1"', bashrc, cfg], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  await waitForPort(port, 5000, () => log);
  return {
    dir,
    port,
    user,
    config,
    knownHosts,
    freshKnownHosts,
    hostPub,
    pid: child.pid ?? 0,
    async stop(): Promise<void> {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, ms: number, log: () => string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
