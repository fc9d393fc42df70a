/**
 * A real unprivileged user whose sudo needs a password, for the tests of how tshoot gives
 * sudo its password: created with useradd, with a drop-in in /etc/sudoers.d/, both removed
 * by `remove()`. Needs root and the `sudo` package. Not a test file itself.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sshd } from './sshd-harness.js';

export const CAN_MAKE_SUDO_USERS =
  process.getuid?.() === 0 && existsSync('/usr/bin/sudo') && existsSync('/usr/sbin/useradd') && existsSync('/etc/sudoers.d');

export interface SudoUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Shell-hostile on purpose: quotes, `$( )`, a backslash, spaces at both ends. */
  readonly password: string;
  /** Replace the user's sudoers drop-in (`Defaults:` lines and rules), checked by visudo. */
  sudoers(lines: readonly string[]): void;
  /** Forget sudo's timestamps for the user (`sudo -K`), as if it had expired. */
  expire(): void;
  remove(): void;
}

export function createSudoUser(): SudoUser {
  const name = `tshsudo${randomBytes(3).toString('hex')}`;
  const password = ` pw'"$(touch /tmp/${name}-canary)\\;x ${randomBytes(4).toString('hex')} `;
  execFileSync('useradd', ['-m', '-s', '/bin/sh', name], { stdio: 'ignore' });
  execFileSync('chpasswd', { input: `${name}:${password}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
  const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  const uid = id('-u');
  const gid = id('-g');
  const dropIn = `/etc/sudoers.d/tshoot-test-${name}`;
  const user: SudoUser = {
    name,
    uid,
    gid,
    password,
    sudoers(lines) {
      const tmp = `${dropIn}.new`; // sudo ignores names with a dot
      writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o440 });
      execFileSync('visudo', ['-cqf', tmp], { stdio: 'ignore' });
      execFileSync('mv', ['-f', tmp, dropIn]);
    },
    expire() {
      rmSync(`/run/sudo/ts/${name}`, { force: true });
    },
    remove() {
      rmSync(dropIn, { force: true });
      rmSync(`${dropIn}.new`, { force: true });
      try {
        execFileSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
      } catch {
        // nothing left running
      }
      execFileSync('userdel', ['-r', '-f', name], { stdio: 'ignore' });
      rmSync(`/run/sudo/ts/${name}`, { force: true });
      rmSync(`/var/lib/sudo/lectured/${name}`, { force: true });
    },
  };
  user.sudoers([`${name} ALL=(ALL) ALL`]);
  return user;
}

/**
 * Let `user` log in to the test sshd with its client key, and write an ssh_config at `file`
 * whose alias `sudoer` is that user on that sshd (the `good` alias, another user).
 */
export function sudoerSshConfig(sshd: Sshd, user: SudoUser, file: string): void {
  // sshd reads AuthorizedKeysFile as the user logging in.
  chmodSync(sshd.dir, 0o711);
  chmodSync(join(sshd.dir, 'authorized_keys'), 0o644);
  const config = readFileSync(sshd.config, 'utf8').replaceAll(`User ${sshd.user}`, `User ${user.name}`);
  writeFileSync(file, config.replace(/^Host good$/m, 'Host sudoer'));
}
