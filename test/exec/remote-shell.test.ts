/**
 * The framing of remote-shell.ts, run by a real local `/bin/sh -s` standing in for the
 * host (same script, no SSH), plus the frame parser on hostile input.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCommandScript,
  HEX_MAX_BYTES,
  newNonce,
  parseFrame,
  REMOTE_SHELL_COMMAND,
  RemoteShell,
  type ShellInfo,
  type SudoMode,
} from '../../src/exec/remote-shell.js';
import type { ClientChannel, Ssh2Client } from '../../src/exec/ssh2-types.js';
import { CAN_MAKE_SUDO_USERS, createSudoUser, type SudoUser } from './sudo-user.js';

const shells: RemoteShell[] = [];
afterAll(() => {
  for (const s of shells) s.destroy();
});

/**
 * An ssh2-like client whose `exec` starts the command on this machine (as `uid`, if given; with
 * `path` first on PATH, if given); what the shell prints is also kept in `sent`.
 */
function localClient(as?: { uid: number; gid: number }, o: { path?: string; sent?: Buffer[] } = {}): Ssh2Client {
  return {
    exec(command: string, cb: (err: Error | undefined, ch: ClientChannel) => void): boolean {
      // detached: a session of its own, as sshd gives each channel's command (setsid).
      const cp = spawn('/bin/sh', ['-c', command], {
        cwd: '/',
        detached: true,
        ...(as === undefined ? {} : { uid: as.uid, gid: as.gid, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C' } }),
        ...(o.path === undefined ? {} : { env: { ...process.env, PATH: `${o.path}:${process.env.PATH ?? '/usr/bin:/bin'}` } }),
      });
      cp.stdout.on('data', (d: Buffer) => o.sent?.push(d));
      const ch = Duplex.from({ readable: cp.stdout, writable: cp.stdin }) as unknown as ClientChannel & { stderr: unknown };
      Object.assign(ch, { stderr: cp.stderr, close: () => setTimeout(() => cp.kill('SIGKILL'), 2000).unref() });
      cp.once('close', () => ch.emit('close'));
      cb(undefined, ch);
      return true;
    },
  } as unknown as Ssh2Client;
}

async function openLocal(as?: { uid: number; gid: number }, o: { path?: string; sent?: Buffer[] } = {}): Promise<RemoteShell> {
  const s = await RemoteShell.open(localClient(as, o), 5000);
  if (!(s instanceof RemoteShell)) throw s;
  shells.push(s);
  return s;
}

async function run(
  shell: RemoteShell,
  argv: string[],
  o: { cap?: number; timeoutSec?: number | null; sudo?: SudoMode; password?: string } = {},
) {
  const out = await frame(shell, argv, o);
  return { exit: out.exit, stdout: out.stdout.toString(), stderr: out.stderr.toString(), truncated: out.truncated };
}

/** The frame of one command: its output as bytes. */
async function frame(
  shell: RemoteShell,
  argv: string[],
  o: { cap?: number; timeoutSec?: number | null; sudo?: SudoMode; password?: string } = {},
) {
  const nonce = newNonce();
  const cap = o.cap ?? 1 << 20;
  const script = buildCommandScript({
    argv,
    nonce,
    capBytes: cap,
    timeoutSec: o.timeoutSec === undefined ? null : o.timeoutSec,
    sudo: o.sudo ?? { kind: 'none' },
    encoder: shell.info.encoder,
  });
  const out = await shell.exec(script, nonce, {
    deadlineMs: 15_000,
    capBytes: cap,
    ...(o.password === undefined ? {} : { password: o.password }),
  });
  if (out.kind !== 'frame') throw new Error(`no frame: ${out.kind}`);
  return out;
}

describe('remote shell script on a local /bin/sh', () => {
  it('starts with `exec /bin/sh -s` and probes the host', async () => {
    expect(REMOTE_SHELL_COMMAND).toBe('exec /bin/sh -s');
    const s = await openLocal();
    expect(s.info.pid).toBeGreaterThan(1);
    expect(s.info.uid).toBe(process.getuid?.() ?? null);
    expect(s.info.encoder).toBe('base64');
    expect(s.info.hasTimeout).toBe(true);
    expect(existsSync(s.info.tmpDir)).toBe(true);
  });

  for (const encoder of ['base64', 'od'] as const) {
    it(`separates stdout, stderr and exit (${encoder})`, async () => {
      const s = await openLocal();
      s.info = { ...s.info, encoder } satisfies ShellInfo;
      const r = await run(s, ['sh', '-c', 'printf "a\\0b#E\\n"; echo err >&2; exit 7']);
      expect(r).toMatchObject({ exit: 7, stdout: 'a\0b#E\n', stderr: 'err\n' });
      const empty = await run(s, ['true']);
      expect(empty).toMatchObject({ exit: 0, stdout: '', stderr: '' });
      const big = await run(s, ['head', '-c', '3000', '/dev/zero'], { cap: 1000 });
      expect(big.stdout.length).toBe(1000);
      expect(big.truncated).toEqual({ stdout: true, stderr: false });
    });
  }

  describe('each stream sent as the size it turns out to be: od hex up to HEX_MAX_BYTES, base64 above', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tshoot-frame-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    // Every byte value, NUL, '#', newlines and the frame's own markers among them.
    const data = Buffer.concat([Buffer.from('#E x 0\n#X\n\0'), randomBytes(3 * HEX_MAX_BYTES)]);
    const file = join(dir, 'data');
    writeFileSync(file, data);
    /** What the shell sent for the last command: its frame's stdout part. */
    const payload = (sent: Buffer[]): string => {
      const text = Buffer.concat(sent).toString('latin1');
      const start = text.lastIndexOf('#S ');
      return text.slice(text.indexOf('\n', start) + 1, text.lastIndexOf('\n#X\n'));
    };
    const sizes = [1, 1000, HEX_MAX_BYTES - 1, HEX_MAX_BYTES, HEX_MAX_BYTES + 1, 3 * HEX_MAX_BYTES];

    it('gives the bytes back exactly, stdout and stderr, on either side of the limit', async () => {
      const sent: Buffer[] = [];
      const s = await openLocal(undefined, { sent });
      expect(s.info.encoder).toBe('base64');
      for (const n of sizes) {
        sent.length = 0;
        const r = await frame(s, ['sh', '-c', `head -c ${n} "$0"; head -c ${n} "$0" >&2`, file]);
        expect(r.exit).toBe(0);
        expect(r.stdout.equals(data.subarray(0, n)), `stdout of ${n} bytes`).toBe(true);
        expect(r.stderr.equals(data.subarray(0, n)), `stderr of ${n} bytes`).toBe(true);
        expect(r.truncated).toEqual({ stdout: false, stderr: false });
        // Up to 3 characters a byte fit: hex (a space before each byte); larger, base64 (no space).
        expect(payload(sent).includes(' '), `${n} bytes as hex`).toBe(n * 3 + Math.ceil(n / 16) - 1 <= 3 * HEX_MAX_BYTES);
      }
    });

    it('cuts at the cap on both sides of the limit, and says so', async () => {
      const s = await openLocal();
      for (const cap of [10, HEX_MAX_BYTES - 1, HEX_MAX_BYTES + 5]) {
        const r = await frame(s, ['head', '-c', String(3 * HEX_MAX_BYTES), file], { cap });
        expect(r.stdout.equals(data.subarray(0, cap)), `cap ${cap}`).toBe(true);
        expect(r.truncated).toEqual({ stdout: true, stderr: false });
      }
    });

    it('an od that fails: the stream goes as base64, still exact', async () => {
      const bin = join(dir, 'bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'od'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      const sent: Buffer[] = [];
      const s = await openLocal(undefined, { path: bin, sent });
      for (const n of [1, 1000]) {
        sent.length = 0;
        const r = await frame(s, ['head', '-c', String(n), file]);
        expect(r.stdout.equals(data.subarray(0, n))).toBe(true);
        expect(payload(sent)).not.toContain(' ');
      }
    });
  });

  it('runs argv[0] as a program, never as a builtin of our shell', async () => {
    const s = await openLocal();
    const cd = await run(s, ['cd', '/']);
    expect(cd.exit === 0 || cd.exit === 127).toBe(true);
    await run(s, ['exit', '0']);
    await run(s, ['trap', '', 'EXIT']);
    expect((await run(s, ['pwd'])).exit).toBe(0);
    expect((await run(s, ['echo', 'alive'])).stdout).toBe('alive\n');
  });

  it('finds argv[0] on PATH as execvp does, or says it is not found (127), leaving no output of the command before', async () => {
    const s = await openLocal();
    expect((await run(s, ['echo', 'before'])).stdout).toBe('before\n');
    const missing = await run(s, ['tshoot-no-such-program']);
    expect(missing).toMatchObject({ exit: 127, stdout: '' });
    expect(missing.stderr).toContain('tshoot-no-such-program: not found');
    expect((await run(s, [''])).exit).toBe(127);
    expect(await run(s, ['/bin/echo', 'by path'])).toMatchObject({ exit: 0, stdout: 'by path\n' });
    // A glob in argv[0] is a name, not a pattern; `x`, our function, is not what runs either.
    expect((await run(s, ['ech*', 'no'])).exit).toBe(127);
    expect((await run(s, ['x', 'echo', 'no'])).exit).toBe(127);
  });

  it('reports the remote timeout as exit 124', async () => {
    const s = await openLocal();
    const r = await run(s, ['sleep', '5'], { timeoutSec: 0.3 });
    expect(r.exit).toBe(124);
  });

});

describe.skipIf(!CAN_MAKE_SUDO_USERS)('sudo with a password, a real sudo for a real user', () => {
  let user: SudoUser;
  beforeAll(() => {
    user = createSudoUser();
  });
  afterAll(() => user?.remove());
  const prompt = (): string => newNonce();
  const canary = (): string => `/tmp/${user.name}-canary`;

  it('gives the password to sudo -v only, then sudo -n runs root commands with stdin empty', async () => {
    const s = await openLocal(user);
    expect(s.info.uid).toBe(user.uid);
    const before = await run(s, ['cat'], { sudo: { kind: 'n' } });
    expect(before).toMatchObject({ exit: 1, stdout: '' });
    expect(before.stderr).toMatch(/password is required/);
    const v = await run(s, [], { sudo: { kind: 'validate', prompt: prompt() }, password: user.password });
    expect(v).toMatchObject({ exit: 0, stdout: '', stderr: '' });
    const cat = await run(s, ['cat'], { sudo: { kind: 'n' } });
    expect(cat).toEqual({ exit: 0, stdout: '', stderr: '', truncated: { stdout: false, stderr: false } });
    expect((await run(s, ['id', '-u'], { sudo: { kind: 'n' } })).stdout).toBe('0\n');
    // A warm timestamp: validating again asks nothing, and the answer is an empty line.
    const again = await run(s, [], { sudo: { kind: 'validate', prompt: prompt() }, password: user.password });
    expect(again).toMatchObject({ exit: 0, stderr: '' });
    expect((await run(s, ['echo', 'still in step'])).stdout).toBe('still in step\n');
    expect(existsSync(canary())).toBe(false);
  });

  it('reports a wrong password: sudo prompts again and gets nothing more', async () => {
    user.expire();
    const s = await openLocal(user);
    const p = prompt();
    const bad = await run(s, [], { sudo: { kind: 'validate', prompt: p }, password: 'not it' });
    expect(bad.exit).toBe(1);
    expect(bad.stderr).toContain(`#P ${p}\n`); // the second prompt, unanswered
    expect(bad.stderr).toMatch(/incorrect password|Sorry, try again/);
    expect(bad.stderr).not.toContain('not it');
    expect((await run(s, ['id', '-u'], { sudo: { kind: 'n' } })).exit).toBe(1);
    expect((await run(s, ['echo', 'still in step'])).stdout).toBe('still in step\n');
  });

  it('with timestamp_timeout=0, feeds the password to the prompt of the sudo that runs the command', async () => {
    user.sudoers([`Defaults:${user.name} timestamp_timeout=0`, `${user.name} ALL=(ALL) ALL`]);
    try {
      const s = await openLocal(user);
      const v = await run(s, [], { sudo: { kind: 'validate', prompt: prompt() }, password: user.password });
      expect(v.exit).toBe(0);
      expect((await run(s, ['cat'], { sudo: { kind: 'n' } })).stderr).toMatch(/password is required/);
      const cat = await run(s, ['sh', '-c', 'cat; id -u; echo to-stderr >&2'], {
        sudo: { kind: 'password', prompt: prompt() },
        password: user.password,
      });
      expect(cat).toMatchObject({ exit: 0, stdout: '0\n', stderr: 'to-stderr\n' });
      expect((await run(s, ['echo', 'still in step'])).stdout).toBe('still in step\n');
    } finally {
      user.sudoers([`${user.name} ALL=(ALL) ALL`]);
    }
  });

  it('sends no password when sudo does not ask (NOPASSWD)', async () => {
    user.sudoers([`${user.name} ALL=(ALL) NOPASSWD: ALL`]);
    try {
      const s = await openLocal(user);
      const sudo = { kind: 'password', prompt: prompt() } as const;
      const r = await run(s, ['sh', '-c', 'id -u; echo err >&2'], { sudo, password: user.password });
      expect(r).toMatchObject({ exit: 0, stdout: '0\n', stderr: 'err\n' });
      // A command that reads stdin waits (the answer is sent only once sudo's stderr closes),
      // until its timeout; it never reads the password.
      const cat = await run(s, ['cat'], { sudo, password: user.password, timeoutSec: 1 });
      expect(cat).toMatchObject({ exit: 124, stdout: '' });
      expect((await run(s, ['echo', 'still in step'])).stdout).toBe('still in step\n');
    } finally {
      user.sudoers([`${user.name} ALL=(ALL) ALL`]);
    }
  });
});

describe('parseFrame', () => {
  const n = 'a'.repeat(32);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  it('waits for the end marker, ignores noise before the start', () => {
    expect(parseFrame(`#S ${n}\n${b64('x')}\n#X\n\n`, n, 10)).toBeNull();
    const f = parseFrame(`motd noise\n#S ${n}\n${b64('x')}\n#X\n${b64('y')}\n#E ${n} 3\n`, n, 10);
    expect(f && { exit: f.exit, out: f.stdout.toString(), err: f.stderr.toString() }).toEqual({ exit: 3, out: 'x', err: 'y' });
  });
  it('needs the right nonce', () => {
    expect(parseFrame(`#S ${n}\n\n#X\n\n#E ${'b'.repeat(32)} 0\n`, n, 10)).toBeNull();
  });
  it('flags output over the cap', () => {
    const f = parseFrame(`#S ${n}\n${b64('0123456789X')}\n#X\n\n#E ${n} 0\n`, n, 10);
    expect(f?.truncated).toEqual({ stdout: true, stderr: false });
    expect(f?.stdout.toString()).toBe('0123456789');
  });
});
