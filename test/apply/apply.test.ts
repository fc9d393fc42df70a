/**
 * Read-only unless the user approves: a fix's `apply` runs only with --apply (or a yes at the
 * confirmation), backs up what it edits, re-runs the failing probe, and rolls back when the
 * probe still fails. On this machine with a user flow; in the lab with the shipped flows.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesHost } from '../../src/flow/read-only.js';
import { MODELINE } from '../../src/flow/load.js';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { up, type Lab } from '../lab/lab.js';

describe('what counts as changing a host', () => {
  const changes: string[][] = [
    ['systemctl', 'restart', 'nginx'],
    ['sudo', '-n', '--', 'systemctl', 'start', 'nginx'],
    ['service', 'nginx', 'stop'],
    ['iptables', '-A', 'INPUT', '-j', 'DROP'],
    ['iptables', '--flush'],
    ['nft', 'flush', 'ruleset'],
    ['ip', 'route', 'del', 'default'],
    ['sed', '-i', 's/a/b/', 'f'],
    ['nginx', '-s', 'reload'],
    ['nginx'],
    ['rm', '-rf', '/tmp/x'],
    ['sh', '-c', 'echo hi'],
    ['/bin/bash', '-c', 'ls'],
    ['{{ cmd }}', 'x'],
    ['find', '/', '-delete'],
    ['curl', '-X', 'POST', 'http://x/'],
    ['curl', '-o', '/tmp/f', 'http://x/'],
    ['aws', 'ec2', 'terminate-instances', '--instance-ids', 'i-1'],
    ['timeout', '5', 'kill', '1'],
  ];
  const reads: string[][] = [
    ['systemctl', 'status', 'nginx'],
    ['systemctl', 'is-active', 'nginx'],
    ['service', 'nginx', 'status'],
    ['iptables', '-S'],
    ['nft', 'list', 'ruleset'],
    ['ip', 'route', 'get', '198.18.2.10'],
    ['nginx', '-T'],
    ['sed', '-n', '1p', 'f'],
    ['ss', '-ltnp'],
    ['curl', '-sS', '-o', '/dev/null', 'http://x/'],
    ['find', '/var/www', '-name', 'x'],
    ['aws', 'ec2', 'describe-instances'],
    ['sudo', '-n', 'ss', '-ltnp'],
  ];
  for (const a of changes) it(`${a.join(' ')} changes the host`, () => expect(changesHost(a)).not.toBeNull());
  for (const a of reads) it(`${a.join(' ')} only reads`, () => expect(changesHost(a)).toBeNull());
});

/** A flow whose fix edits a file; its check passes only when `good` exists. */
function fileFlow(target: string, good: string): string {
  return `${MODELINE}
id: edit-demo
title: { en: Edit demo, ja: 編集デモ }
needs_target: false
start: look
nodes:
  look:
    kind: run
    title: { en: Look for the good file, ja: 確認 }
    role: local
    argv: [test, -e, "${good}"]
    next:
      - when: look.ok
        goto: fine
      - goto: fix_it
  fix_it:
    kind: fix
    id: edit-the-file
    title: { en: The file needs an edit, ja: 編集が必要 }
    cause: { en: the good file is missing, ja: ファイルがない }
    fix: [{ en: edit it, ja: 編集する }]
    verify: [{ en: "test -e ${good}", ja: "test -e ${good}" }]
    apply:
      check: look
      steps:
        - title: { en: Edit the file, ja: ファイルを編集 }
          role: local
          backup: "${target}"
          argv: [sed, -i, -e, "s/old/new/", "${target}"]
  fine:
    kind: end
    title: { en: Fine, ja: 問題なし }
    next_steps: [{ en: nothing, ja: なし }]
`;
}

describe('apply on this machine', () => {
  let dir: string;
  let target: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tshoot-apply-'));
    target = join(dir, 'app.conf');
    writeFileSync(join(dir, 'edit-demo.yaml'), fileFlow(target, join(dir, 'never-there')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...extra: string[]) => runCli(['run', 'edit-demo', '--flows', dir, '--non-interactive', '--json', ...extra]);

  it('without --apply nothing changes, and the fix says it can be applied', async () => {
    writeFileSync(target, 'listen old;\n');
    const r = await run();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).apply).toEqual({ available: true, applied: false });
    expect(readFileSync(target, 'utf8')).toBe('listen old;\n');
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    writeFileSync(target, 'listen old;\n');
    const r = await run('--dry-run');
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout).apply;
    expect(a).toMatchObject({ dry_run: true, applied: false, steps: [{ role: 'local', command: `sed -i -e s/old/new/ ${target}`, backup: target }] });
    expect(readFileSync(target, 'utf8')).toBe('listen old;\n');
  });

  /** The backup folder named on the last line about backups, checked private (0700, ours) and removed after. */
  const backupDirOf = (text: string): string => {
    const m = /Backups \(kept\): local \(local\):(\/var\/tmp\/tshoot-backup-[0-9T]+-[0-9a-f]{6}-[A-Za-z0-9]{8})\//.exec(text);
    expect(m, text).not.toBeNull();
    const st = statSync(m![1]!);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(process.getuid?.());
    return m![1]!;
  };

  it('--apply whose check still fails: backed up outside the folder, edited, checked 3 times, restored; exit 1 and the card says so', async () => {
    writeFileSync(target, 'listen old;\n');
    const r = await runCli(['run', 'edit-demo', '--flows', dir, '--non-interactive', '--apply']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Rolled back: the check still fails after the fix');
    expect(r.stdout).toContain('Every edited file is restored and compares equal to its copy');
    expect(readFileSync(target, 'utf8')).toBe('listen old;\n');
    // Nothing beside the file (an include folder would load a copy there).
    expect(readdirSync(dir).sort()).toEqual(['app.conf', 'edit-demo.yaml']);
    const backups = backupDirOf(r.stdout);
    try {
      expect(readdirSync(backups)).toEqual(['1-app.conf']);
      expect(readFileSync(join(backups, '1-app.conf'), 'utf8')).toBe('listen old;\n');
    } finally {
      rmSync(backups, { recursive: true, force: true });
    }
  });

  it('--apply whose check passes: the edit stays, exit 0', async () => {
    const good = join(dir, 'app.conf');
    writeFileSync(join(dir, 'edit-demo.yaml'), fileFlow(target, good).replace(`argv: [test, -e, "${good}"]`, `argv: [grep, -q, new, "${good}"]`));
    writeFileSync(target, 'listen old;\n');
    const r = await run('--apply');
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout).apply;
    expect(a).toMatchObject({ outcome: 'verified', applied: true, verified: true, rolled_back: false, interrupted: false });
    expect(a.commands.map((c: { title: string }) => c.title)).toEqual(['Make the backup folder', `Find where ${target} is`, `Back up ${target}`, 'Edit the file', 'Check: Look for the good file']);
    expect(readFileSync(target, 'utf8')).toBe('listen new;\n');
    rmSync(backupDirOf(r.stderr), { recursive: true, force: true });
  });

  it('a symlink stays a symlink: its target is what gets edited, and restored', async () => {
    const real = join(dir, 'real.conf');
    writeFileSync(real, 'listen old;\n');
    rmSync(target, { force: true });
    symlinkSync('real.conf', target);
    try {
      // The check never passes (the flow of the first tests): edited, then rolled back.
      writeFileSync(join(dir, 'edit-demo.yaml'), fileFlow(target, join(dir, 'never-there')));
      const r = await run('--apply');
      expect(r.code, r.stderr).toBe(1);
      const a = JSON.parse(r.stdout).apply;
      expect(a).toMatchObject({ outcome: 'rolled-back', rolled_back: true });
      expect(a.commands.find((c: { title: string }) => c.title === 'Edit the file').command).toBe(`sed -i -e s/old/new/ ${real}`);
      expect(lstatSync(target).isSymbolicLink()).toBe(true);
      expect(readlinkSync(target)).toBe('real.conf');
      expect(readFileSync(real, 'utf8')).toBe('listen old;\n');
      rmSync(backupDirOf(r.stderr), { recursive: true, force: true });

      // The check passes: the real file is edited, the link is untouched.
      writeFileSync(join(dir, 'edit-demo.yaml'), fileFlow(target, 'x').replace('argv: [test, -e, "x"]', `argv: [grep, -q, new, "${target}"]`));
      const ok = await run('--apply');
      expect(ok.code, ok.stderr).toBe(0);
      expect(readlinkSync(target)).toBe('real.conf');
      expect(readFileSync(real, 'utf8')).toBe('listen new;\n');
      rmSync(backupDirOf(ok.stderr), { recursive: true, force: true });
    } finally {
      rmSync(target, { force: true });
      rmSync(real, { force: true });
    }
  });

  it('Ctrl-C while a step runs: the step ends, nothing after it runs, the file is restored; the card says interrupted', async () => {
    const mark = join(dir, 'step-2-started');
    writeFileSync(target, 'listen old;\n');
    // Step 2 takes 2 s: SIGINT arrives while it runs (once it has left its mark).
    const flow = fileFlow(target, join(dir, 'never-there')).replace(
      '          argv: [sed, -i, -e, "s/old/new/", "' + target + '"]\n',
      '          argv: [sed, -i, -e, "s/old/new/", "' + target + '"]\n' +
        '        - title: { en: Take a while, ja: 待つ }\n          role: local\n          argv: [sh, -c, "touch ' + mark + '; sleep 2"]\n' +
        '        - title: { en: Never runs, ja: 実行されない }\n          role: local\n          argv: [touch, "' + join(dir, 'never-ran') + '"]\n' +
        '      rollback:\n        - title: { en: Remove the mark, ja: 印を消す }\n          role: local\n          argv: [rm, -f, "' + mark + '"]\n',
    );
    writeFileSync(join(dir, 'edit-demo.yaml'), flow);
    const child = spawn(process.execPath, [BIN, 'run', 'edit-demo', '--flows', dir, '--non-interactive', '--apply', '--json'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((res) => child.on('close', res));
    try {
      for (let i = 0; i < 200 && !existsSync(mark); i++) await new Promise((res) => setTimeout(res, 25));
      expect(existsSync(mark), stderr).toBe(true);
      child.kill('SIGINT');
      const code = await closed;
      expect(stderr).toContain('Ctrl-C: stopping after the step that is running, then rolling back');
      const a = JSON.parse(stdout).apply;
      expect(a).toMatchObject({ outcome: 'rolled-back', rolled_back: true, interrupted: true, reason: 'interrupted' });
      expect(a.commands.map((c: { title: string }) => c.title)).toContain('Take a while');
      expect(a.commands.map((c: { title: string }) => c.title)).not.toContain('Never runs');
      expect(code).toBe(1);
      expect(existsSync(join(dir, 'never-ran'))).toBe(false);
      expect(existsSync(mark)).toBe(false);
      expect(readFileSync(target, 'utf8')).toBe('listen old;\n');
      rmSync(backupDirOf(stderr), { recursive: true, force: true });
    } finally {
      child.kill('SIGKILL');
      rmSync(mark, { force: true });
    }
  });

  it('lint refuses a changing command in a run node', async () => {
    writeFileSync(join(dir, 'bad.yaml'), fileFlow(target, 'x').replace('id: edit-demo', 'id: bad').replace('id: edit-the-file', 'id: bad-fix').replace('argv: [test, -e, "x"]', 'argv: [systemctl, restart, nginx]'));
    const r = await runCli(['flows', 'lint', join(dir, 'bad.yaml')]);
    rmSync(join(dir, 'bad.yaml'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/bad\.yaml:\d+:\d+ node "look": this command is not known to be read-only: systemctl restart is not one of status, show/);
  });
});

const canRun = process.getuid?.() === 0 || !!process.env.CI;

describe.runIf(canRun)('apply in the lab: the shipped fixes, for real', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await up('healthy');
  });
  afterAll(async () => {
    await lab?.down();
  });
  const diagnose = (...extra: string[]) =>
    runCli(['diagnose', 'http://198.18.2.10/', '--host', 'server=server', '--ssh-config', lab.sshConfigPath, '--non-interactive', '--json', ...extra], { prefix: lab.nsExecArgv('client'), timeoutMs: 120_000 });
  const status = async () => (await lab.exec('client', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', 'http://198.18.2.10/'])).stdout;

  for (const [fault, fix] of [
    ['nginx-stopped', 'start-service'],
    ['nginx-loopback', 'bind-all-interfaces'],
  ] as const) {
    it(`${fault}: ${fix} applied, verified from the client, and 200 afterwards`, async () => {
      await lab.inject(fault);
      try {
        expect(await status()).not.toBe('200');
        const r = await diagnose('--apply');
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout);
        for (const b of out.apply?.backups ?? []) rmSync(b.dir, { recursive: true, force: true });
        expect(out.fix.id).toBe(fix);
        expect(out.apply).toMatchObject({ outcome: 'verified', applied: true, verified: true, rolled_back: false });
        expect(await status()).toBe('200');
      } finally {
        await lab.heal(fault).catch(() => {});
      }
    });
  }
});
