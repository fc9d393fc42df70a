/**
 * A result the session already has is not fetched again (issue 17): a run node whose command
 * (role, host, argv, root) the session ran before, in any frame, takes that result without an
 * exec effect, unless it says `recheck: true`. Tables through the pure step, on the shipped
 * flows (triage's probe and the called flow's first probe) and on small flows written here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { step } from '../../src/engine/engine.js';
import { shown as shownItem } from '../../src/engine/render.js';
import { runSession } from '../../src/engine/runner.js';
import type { Executors, Prompter, Reporter } from '../../src/engine/ports.js';
import { INITIAL_STATE, type Command, type Effect, type EngineEvent, type SessionState, type ShowItem } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { loadCatalog } from '../../src/flow/catalog.js';
import { shippedOneAtATime } from '../helpers/one-at-a-time.js';
import { isError } from '../../src/flow/problem.js';
import { resultLine } from '../../src/ui/reporter.js';
import { makeStyle } from '../../src/ui/style.js';
import { res } from '../helpers/result.js';

// One command at a time: what runs together is test/engine/together.test.ts's.
const shipped = shippedOneAtATime();

// curl 7.88's own words (-v) on a dropped SYN, as the lab's client printed them.
const TIMEOUT = res('000 \n', 28, '*   Trying 198.18.2.10:80...\n* Connection timed out after 5001 milliseconds\n* Closing connection 0\ncurl: (28) Connection timed out after 5001 milliseconds\n');
const NOT_FOUND = res('404 198.18.2.10 80\n', 0, '*   Trying 198.18.2.10:80...\n* Connected to 198.18.2.10 (198.18.2.10) port 80 (#0)\n');

const target = { url: 'http://198.18.2.10/hogehoge', scheme: 'http', host: '198.18.2.10', port: 80, path: '/hogehoge', loopback: false, given: true };
const startEvent = (flow: string, hosts = { client: 'local', server: 'web1', bastion: '' }): Extract<EngineEvent, { kind: 'start' }> => ({ kind: 'start', flow, target, hosts, lang: 'en' });

/** What the effects say, compactly: `exec ID`, `result ID`, `reused ID from EARLIER`, `goto NODE`, `outcome …`. */
function describeEffects(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.kind === 'exec') return e.commands.map((c) => `exec ${c.id}`).join(', ');
    if (e.kind === 'ask') return `ask ${e.question.id}`;
    const it = e.item;
    if (it.kind === 'decision') return `goto ${it.goto}`;
    if (it.kind === 'result') return it.reused !== undefined ? `reused ${it.command.id} from ${it.reused}` : `result ${it.command.id}`;
    return `outcome ${it.outcome.kind} ${it.outcome.node}`;
  });
}

// Small flows: the outer one runs `ss -ltn` on the client, the same on the server, another argv
// on the client, then calls the inner one, which runs the outer's first command again, plainly
// and with `recheck: true`, and the same as root.
const OUTER = `id: outer
title: outer
start: look
nodes:
  look:
    kind: run
    title: listeners on the client
    role: client
    argv: [ss, -ltn]
    next: look_server
  look_server:
    kind: run
    title: listeners on the server
    role: server
    argv: [ss, -ltn]
    next: look_other
  look_other:
    kind: run
    title: listeners with processes
    role: client
    argv: [ss, -ltnp]
    next: inner
  inner:
    kind: call
    flow: inner
`;
const INNER = `id: inner
title: inner
start: same
nodes:
  same:
    kind: run
    title: listeners again
    role: client
    argv: [ss, -ltn]
    summary: "{{ string(size(same.stdout.split('\\\\n'))) + ' lines' }}"
    next:
      - when: same.ok
        goto: again
      - goto: failed
  again:
    kind: run
    title: listeners, checked again on purpose
    role: client
    argv: [ss, -ltn]
    recheck: true
    next: as_root
  as_root:
    kind: run
    title: listeners as root
    role: client
    argv: [ss, -ltn]
    root: true
    next: done
  done:
    kind: end
    title: done
    next_steps: [nothing]
  failed:
    kind: end
    title: failed
    next_steps: [nothing]
`;

function smallFlows() {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-reuse-'));
  writeFileSync(join(dir, 'outer.yaml'), OUTER);
  writeFileSync(join(dir, 'inner.yaml'), INNER);
  const cat = loadCatalog([dir]);
  expect(cat.problems.filter(isError)).toEqual([]);
  return cat;
}

const SS = res('State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0      511          0.0.0.0:80        0.0.0.0:*\n');

describe('a result the session already has is not fetched again', () => {
  it('triage → timeout: the called flow starts from triage probe_http (no second 5-second request), its checks filled', () => {
    const s0 = step(shipped, INITIAL_STATE, startEvent('triage'));
    expect(describeEffects(s0.effects)).toEqual(['goto probe_http', 'exec probe_http']);
    const s1 = step(shipped, s0.state, { kind: 'result', id: 'probe_http', result: TIMEOUT });
    const said = describeEffects(s1.effects);
    expect(said).toContain('reused timeout.probe_http from probe_http');
    expect(said).not.toContain('exec timeout.probe_http');
    // The timeout flow went on from the reused result: its next command is the server's side.
    const exec = s1.effects.find((e) => e.kind === 'exec');
    expect(exec?.kind === 'exec' && exec.commands[0]!.id).toMatch(/^timeout\./);
    expect(exec?.kind === 'exec' && exec.commands[0]!.id).not.toBe('timeout.probe_http');
    // Filled as if the result came back: the frame's value and run, a check, but one command run.
    const frame = s1.state.stack[1]!;
    expect(frame.flow).toBe('timeout');
    expect(frame.runs.probe_http?.result).toEqual(TIMEOUT);
    expect((frame.vars.probe_http as { ran: boolean; exit: bigint }).ran).toBe(true);
    expect(s1.state.checks.map((c) => c.id)).toEqual(['probe_http', 'timeout.probe_http']);
    expect(s1.state.commands).toBe(1);
    // The progress line's summary is the called flow's own, from the reused result.
    const effect = s1.effects.find((e) => e.kind === 'show' && e.item.kind === 'result' && e.item.reused !== undefined);
    if (effect?.kind !== 'show' || effect.item.kind !== 'result') throw new Error('no reused result shown');
    const item = shownItem(shipped, effect.item);
    if (item.kind !== 'result') throw new Error('not a result');
    expect(item.summary).toMatch(/^timeout: .*timed out/);
    // The progress line says where the result came from, not a duration of its own.
    const line = resultLine(item, 'local', makeStyle(false), 140);
    expect(line).toMatch(/^✖ Repeat the request from the client \[client \(local\) · from probe_http, reused\] — timeout: /);
    expect(resultLine(item, 'local', makeStyle(false), 140, 'ja')).toContain('[client (local) · probe_http の結果を再利用]');
  });

  it('triage → not-found: the 404 is not asked again either', () => {
    const s0 = step(shipped, INITIAL_STATE, startEvent('triage'));
    const s1 = step(shipped, s0.state, { kind: 'result', id: 'probe_http', result: NOT_FOUND });
    expect(describeEffects(s1.effects)).toContain('reused not-found.probe from probe_http');
    expect(describeEffects(s1.effects)).not.toContain('exec not-found.probe');
  });

  it('same role, host, argv and root in another frame: reused; another host or argv: run; `recheck: true` or root: run', () => {
    const cat = smallFlows();
    let s: SessionState = INITIAL_STATE;
    const table: Array<[EngineEvent, string[]]> = [
      [startEvent('outer'), ['exec look']],
      // Same argv on the server (another host): run.
      [{ kind: 'result', id: 'look', result: SS }, ['result look', 'goto look_server', 'exec look_server']],
      // Another argv on the client: run.
      [{ kind: 'result', id: 'look_server', result: SS }, ['result look_server', 'goto look_other', 'exec look_other']],
      // The inner flow's first command is `look`'s: reused, its branch read from that result;
      // `recheck: true` runs it again.
      [{ kind: 'result', id: 'look_other', result: SS }, ['result look_other', 'goto inner', 'reused inner.same from look', 'goto again', 'exec inner.again']],
      // The same argv as root is another command: run.
      [{ kind: 'result', id: 'inner.again', result: SS }, ['result inner.again', 'goto as_root', 'exec inner.as_root']],
      [{ kind: 'result', id: 'inner.as_root', result: SS }, ['result inner.as_root', 'goto done', 'outcome unresolved done']],
    ];
    for (const [event, expected] of table) {
      const r = step(cat, s, event);
      expect(describeEffects(r.effects)).toEqual(expected);
      s = r.state;
    }
    expect(s.commands).toBe(5);
    expect(s.checks.map((c) => c.id)).toEqual(['look', 'look_server', 'look_other', 'inner.same', 'inner.again', 'inner.as_root']);
  });

  it('a transport failure is no result of the command: the same command later runs', () => {
    const cat = smallFlows();
    const lost: CommandResult = { ...SS, exit: null, stdout: '', transport: { code: 'timeout', message: 'ssh: connection timed out' } };
    const s0 = step(cat, INITIAL_STATE, startEvent('outer'));
    // `look` has no on_unreachable: the session stops; nothing was kept for reuse.
    const s1 = step(cat, s0.state, { kind: 'result', id: 'look', result: lost });
    expect(s1.state.ran ?? []).toEqual([]);
  });

  it('the same session replayed from its recorded results walks the same way and asks for the same commands only', async () => {
    const cat = smallFlows();
    const live = await session(cat, () => SS);
    expect(live.ran).toEqual(['look', 'look_server', 'look_other', 'inner.again', 'inner.as_root']);
    // Replay: each command's result from the recording, by id; a reused node asks for none.
    const recorded = new Map(live.results);
    const replayed = await session(cat, (c) => {
      const r = recorded.get(c.id);
      if (!r) throw new Error(`no recorded result for ${c.id}`);
      return r;
    });
    expect(replayed.ran).toEqual(live.ran);
    expect(replayed.walk).toEqual(live.walk);
    expect(replayed.walk).toContain('reused inner.same from look');
  });
});

async function session(cat: ReturnType<typeof loadCatalog>, answer: (c: Command) => CommandResult) {
  const ran: string[] = [];
  const results: Array<[string, CommandResult]> = [];
  const walk: string[] = [];
  const executors: Executors = {
    run: async (_role, cmd) => {
      ran.push(cmd.id);
      const r = answer(cmd);
      results.push([cmd.id, r]);
      return r;
    },
    dest: (role) => role,
    close: async () => {},
  };
  const prompter: Prompter = { ask: async (q) => Promise.reject(new Error(`unexpected question ${q.id}`)) };
  const reporter: Reporter = {
    commandsStart: () => {},
    show: (item: ShowItem) => walk.push(...describeEffects([{ kind: 'show', item }])),
  };
  await runSession(cat, startEvent('outer'), { prompter, executors, reporter });
  return { ran, results, walk };
}
