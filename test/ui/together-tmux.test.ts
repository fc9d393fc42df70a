/**
 * Issue 17 in a real terminal (tmux): commands that run together (`together`) draw one spinner
 * line each while they run; Ctrl-C stops all of them and leaves no frame; when they end, each
 * node's ✔ line shows as the flow reaches it, in the flow's order, and no spinner is left.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { flowsDir } from './flows.js';
import { exitCode, hasTmux, Tmux } from './tmux.js';

const FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const tshoot = (...args: string[]) => [process.execPath, BIN, ...args];
const LOCAL_ROLES = ['--host', 'client=local', '--host', 'server=local'];

/**
 * Three sleeps on this machine: `first` runs with `second` and `third`, which the flow reaches
 * after it. One role each (local, client and server, both given as local): the engine runs one
 * command at a time per role and host (MAX_TOGETHER_PER_HOST).
 */
function threeFlow(id: string, seconds: readonly [number, number, number]): string {
  const roles: Record<string, string> = { first: 'local', second: 'client', third: 'server' };
  const node = (name: string, title: string, s: number, next: string, extra = '') => `  ${name}:
    kind: run
    title: { en: ${title}, ja: ${title} }
    role: ${roles[name]}
    timeout: 60
    argv: [sleep, "${s}"]
${extra}    next: ${next}
`;
  return `id: ${id}
title: { en: ${id}, ja: ${id} }
needs_target: false
menu: false
start: first
nodes:
${node('first', 'First read', seconds[0], 'second', '    together: [second, third]\n')}${node('second', 'Second read', seconds[1], 'third')}${node('third', 'Third read', seconds[2], 'done')}  done:
    kind: end
    title: { en: all read, ja: all read }
    next_steps: [{ en: nothing, ja: nothing }]
`;
}

describe.runIf(hasTmux)('commands that run together, in a real terminal (tmux)', () => {
  const tmux = new Tmux();
  const dirs: string[] = [];
  afterAll(() => {
    tmux.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('three lines while three commands run; Ctrl-C stops them all and leaves no frame', async () => {
    const flows = flowsDir({ 'three.yaml': threeFlow('three', [30, 31, 32]) });
    dirs.push(flows);
    tmux.start('three', tshoot('run', 'three', '--flows', flows, '--no-transcript', ...LOCAL_ROLES), { cwd: ROOT });
    const spinning = await tmux.waitFor('three', (s) => s.split('\n').filter((l) => FRAMES.test(l)).length === 3, 'three spinner lines');
    const lines = spinning.split('\n').filter((l) => FRAMES.test(l));
    expect(lines.map((l) => l.replace(FRAMES, '*').trim())).toEqual(['* First read · local $ sleep 30', '* Second read · client (local) $ sleep 31', '* Third read · server (local) $ sleep 32']);
    tmux.keys('three', 'C-c');
    const screen = await tmux.waitFor('three', (s) => exitCode(s) !== null, 'tshoot to end', 15_000);
    expect(exitCode(screen), screen).toBe(130);
    expect(screen).toContain('tshoot: interrupted');
    expect(screen, screen).not.toMatch(FRAMES);
    expect(screen).not.toMatch(/Second read|Third read/);
    expect(tmux.get('three', 'cursor_flag')).toBe('1');
  });

  it('when they end: each node’s ✔ line as the flow reaches it, in the flow’s order, with its own duration; no frame left', async () => {
    const flows = flowsDir({ 'short.yaml': threeFlow('short', [1, 2, 3]) });
    dirs.push(flows);
    tmux.start('short', tshoot('run', 'short', '--flows', flows, '--no-transcript', ...LOCAL_ROLES), { cwd: ROOT });
    const screen = await tmux.waitFor('short', (s) => exitCode(s) !== null, 'tshoot to end', 60_000);
    const done = screen.split('\n').filter((l) => l.startsWith('✔'));
    expect(done.map((l) => l.replace(/ · [\d.]+ m?s\]/, ' · T]').trim()), screen).toEqual(['✔ First read [local · T] — exit 0', '✔ Second read [client (local) · T] — exit 0', '✔ Third read [server (local) · T] — exit 0']);
    expect(screen).not.toMatch(FRAMES);
    expect(screen).not.toContain('reused');
  });
});
