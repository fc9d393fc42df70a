/**
 * The framing of remote-shell.ts, run by a real local `/bin/sh -s` standing in for the
 * host (same script, no SSH), plus the frame parser on hostile input.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildCommandScript,
  newNonce,
  parseFrame,
  REMOTE_SHELL_COMMAND,
  RemoteShell,
  type ShellInfo,
  type SudoMode,
} from '../../src/exec/remote-shell.js';
import type { ClientChannel, Ssh2Client } from '../../src/exec/ssh2-types.js';

const dir = mkdtempSync(join(tmpdir(), 'tshoot-rsh-'));
const shells: RemoteShell[] = [];
afterAll(() => {
  for (const s of shells) s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

// A fake `sudo` that records its argv and reads a password from stdin for -S.
const fakeBin = join(dir, 'bin');
const sudoScript = `#!/bin/sh
printf '%s\\n' "$*" >> ${dir}/sudo-argv
case "$1" in
  -n) echo "sudo: a password is required" >&2; exit 1 ;;
  -S) IFS= read -r pw; [ "$pw" = "hunter2 'x'" ] || { echo "Sorry, try again." >&2; exit 1; }
      shift 3; [ "$1" = -- ] && shift; exec "$@" ;;
esac
exit 2
`;
mkdirSync(fakeBin);
writeFileSync(join(fakeBin, 'sudo'), sudoScript);
chmodSync(join(fakeBin, 'sudo'), 0o755);

/** An ssh2-like client whose `exec` starts the command on this machine. */
function localClient(): Ssh2Client {
  return {
    exec(command: string, cb: (err: Error | undefined, ch: ClientChannel) => void): boolean {
      const cp = spawn('/bin/sh', ['-c', command], { env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` } });
      const ch = Duplex.from({ readable: cp.stdout, writable: cp.stdin }) as unknown as ClientChannel & { stderr: unknown };
      Object.assign(ch, { stderr: cp.stderr, close: () => setTimeout(() => cp.kill('SIGKILL'), 2000).unref() });
      cp.once('close', () => ch.emit('close'));
      cb(undefined, ch);
      return true;
    },
  } as unknown as Ssh2Client;
}

async function openLocal(): Promise<RemoteShell> {
  const s = await RemoteShell.open(localClient(), 5000);
  if (!(s instanceof RemoteShell)) throw s;
  shells.push(s);
  return s;
}

async function run(shell: RemoteShell, argv: string[], o: { cap?: number; timeoutSec?: number | null; sudo?: SudoMode } = {}) {
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
  const out = await shell.exec(script, nonce, { deadlineMs: 10_000, capBytes: cap });
  if (out.kind !== 'frame') throw new Error(`no frame: ${out.kind}`);
  return { exit: out.exit, stdout: out.stdout.toString(), stderr: out.stderr.toString(), truncated: out.truncated };
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

  it('runs argv[0] as a program, never as a builtin of our shell', async () => {
    const s = await openLocal();
    const cd = await run(s, ['cd', '/']);
    expect(cd.exit === 0 || cd.exit === 127).toBe(true);
    await run(s, ['exit', '0']);
    await run(s, ['trap', '', 'EXIT']);
    expect((await run(s, ['pwd'])).exit).toBe(0);
    expect((await run(s, ['echo', 'alive'])).stdout).toBe('alive\n');
  });

  it('reports the remote timeout as exit 124', async () => {
    const s = await openLocal();
    const r = await run(s, ['sleep', '5'], { timeoutSec: 0.3 });
    expect(r.exit).toBe(124);
  });

  it('passes the sudo password on stdin, not in any argv', async () => {
    const s = await openLocal();
    const n = await run(s, ['id', '-u'], { sudo: { kind: 'n' } });
    expect(n).toMatchObject({ exit: 1, stderr: 'sudo: a password is required\n' });
    const pw = await run(s, ['echo', 'as root'], { sudo: { kind: 'password', password: "hunter2 'x'" } });
    expect(pw).toMatchObject({ exit: 0, stdout: 'as root\n' });
    const bad = await run(s, ['echo', 'no'], { sudo: { kind: 'password', password: 'nope' } });
    expect(bad.exit).toBe(1);
    const argvs = readFileSync(join(dir, 'sudo-argv'), 'utf8');
    expect(argvs).not.toContain('hunter2');
    expect(argvs).toContain("-S -p  -- echo as root");
  });
});

describe('parseFrame', () => {
  const n = 'a'.repeat(32);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  it('waits for the end marker, ignores noise before the start', () => {
    expect(parseFrame(`#S ${n}\n${b64('x')}\n#X\n\n`, n, 'base64', 10)).toBeNull();
    const f = parseFrame(`motd noise\n#S ${n}\n${b64('x')}\n#X\n${b64('y')}\n#E ${n} 3\n`, n, 'base64', 10);
    expect(f && { exit: f.exit, out: f.stdout.toString(), err: f.stderr.toString() }).toEqual({ exit: 3, out: 'x', err: 'y' });
  });
  it('needs the right nonce', () => {
    expect(parseFrame(`#S ${n}\n\n#X\n\n#E ${'b'.repeat(32)} 0\n`, n, 'base64', 10)).toBeNull();
  });
  it('flags output over the cap', () => {
    const f = parseFrame(`#S ${n}\n${b64('0123456789X')}\n#X\n\n#E ${n} 0\n`, n, 'base64', 10);
    expect(f?.truncated).toEqual({ stdout: true, stderr: false });
    expect(f?.stdout.toString()).toBe('0123456789');
  });
});
