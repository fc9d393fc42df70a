/**
 * Issue 12 finding 5, end to end: the built CLI in a real terminal (tmux) runs a flow whose
 * two root commands are `cat` on an SSH host where sudo needs a password (a real user, real
 * sudo, real sshd on 127.0.0.1). The password is typed once at tshoot's prompt; both `cat`s
 * read nothing (the second with sudo's timestamp warm, where `printf PW | sudo -S cat` printed
 * the password), and the password is nowhere: not on the screen, in the card, or the transcript.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELINE } from '../../src/flow/load.js';
import { BIN } from '../helpers/run-cli.js';
import { exitCode, hasTmux, Tmux } from '../ui/tmux.js';
import { HAVE_SSHD, type Sshd, startSshd } from './sshd-harness.js';
import { CAN_MAKE_SUDO_USERS, createSudoUser, type SudoUser, sudoerSshConfig } from './sudo-user.js';

const FLOW = `${MODELINE}
id: sudo-cat
title: { en: sudo cat, ja: sudo cat }
needs_target: false
menu: false
start: first
nodes:
  first:
    kind: run
    title: { en: First root cat, ja: 一つ目 }
    role: server
    root: true
    argv: [cat]
    next: second
  second:
    kind: run
    title: { en: Second root cat, ja: 二つ目 }
    role: server
    root: true
    argv: [cat]
    next: fixed
  fixed:
    kind: fix
    id: sudo-cat-fix
    title: { en: Read by cat, ja: cat が読んだもの }
    cause: { en: "first=[{{ first.stdout }}] second=[{{ second.stdout }}] exits {{ string(first.exit) }} {{ string(second.exit) }}", ja: "first=[{{ first.stdout }}] second=[{{ second.stdout }}]" }
    evidence: [{ from: first }, { from: second }]
    fix: [{ en: nothing, ja: なし }]
    verify: [{ en: nothing, ja: なし }]
`;

describe.runIf(hasTmux && HAVE_SSHD && CAN_MAKE_SUDO_USERS && existsSync(BIN))('sudo password, end to end in a terminal', () => {
  let sshd: Sshd;
  let user: SudoUser;
  let work: string;
  const tmux = new Tmux();

  beforeAll(async () => {
    sshd = await startSshd();
    user = createSudoUser();
    work = mkdtempSync(join(tmpdir(), 'tshoot-sudo-cli-'));
    writeFileSync(join(work, 'sudo-cat.yaml'), FLOW);
    sudoerSshConfig(sshd, user, join(work, 'ssh_config'));
  });
  afterAll(async () => {
    tmux.kill();
    user?.remove();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('asks once, both root cats read nothing, and the password is on no screen, card or transcript', async () => {
    const transcript = join(work, 'run.ndjson');
    const args = ['run', 'sudo-cat', '--flows', work, '--host', 'server=sudoer', '--ssh-config', join(work, 'ssh_config')];
    tmux.start('sudo', [process.execPath, BIN, ...args, '--lang', 'en', '--transcript', transcript], {
      cwd: work,
      env: { XDG_STATE_HOME: work, XDG_CACHE_HOME: join(work, 'cache') },
    });
    await tmux.waitFor('sudo', (s) => s.includes(`[sudo] password for ${user.name}@sudoer`), 'the sudo password prompt', 60_000);
    tmux.type('sudo', user.password);
    tmux.keys('sudo', 'Enter');
    const end = await tmux.waitFor('sudo', (s) => exitCode(s) !== null, 'tshoot to end', 60_000);
    const screen = tmux.screen('sudo', { history: true });
    expect(screen, end).toContain('first=[] second=[] exits 0 0');
    const secretPart = user.password.trim().split(' ').pop() ?? '';
    const written = readFileSync(transcript, 'utf8');
    for (const [where, text] of [
      ['screen', screen],
      ['transcript', written],
    ] as const) {
      expect(text, where).not.toContain(secretPart);
      expect(text, where).not.toContain('touch /tmp/');
    }
    // The transcript has both commands, as run, with empty stdout.
    const runs = written
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind?: string; node?: string; stdout?: unknown; exit?: unknown });
    expect(runs.filter((e) => e.node === 'first' || e.node === 'second').length).toBeGreaterThanOrEqual(2);
    expect(existsSync(`/tmp/${user.name}-canary`)).toBe(false);
  });
});
