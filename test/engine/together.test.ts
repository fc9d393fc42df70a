/**
 * Read-only steps that run together (issue 17): a run node's `together` list runs beside its own
 * command in one `exec` effect (declared order); their results are kept and taken, without an
 * exec, when the flow reaches their nodes. The engine stays a pure step: the runner feeds the
 * results back in the effect's order whatever order they came back in, so a session, its
 * transcript and its replay do not depend on which host answered first. Small flows written
 * here; the shipped flows' annotations are checked by the lab sessions they were recorded in.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TOGETHER_PER_HOST, step } from '../../src/engine/engine.js';
import { shown as shownItem } from '../../src/engine/render.js';
import { runSession } from '../../src/engine/runner.js';
import { Interrupted, type Executors, type Prompter, type Reporter, type SessionObserver } from '../../src/engine/ports.js';
import { INITIAL_STATE, type Command, type Effect, type EngineEvent, type SessionState, type ShowItem } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { loadCatalog } from '../../src/flow/catalog.js';
import { formatProblem, isError } from '../../src/flow/problem.js';
import { resultLine } from '../../src/ui/reporter.js';
import { makeStyle } from '../../src/ui/style.js';
import { res } from '../helpers/result.js';

const target = { url: 'http://198.18.2.10/', scheme: 'http', host: '198.18.2.10', port: 80, path: '/', loopback: false, given: true };
const startEvent = (flow: string, server = 'web1'): Extract<EngineEvent, { kind: 'start' }> => ({ kind: 'start', flow, target, hosts: { client: 'local', server, bastion: 'jump1' }, lang: 'en' });

// The client's probe runs with the server's listeners (and what they run with: a firewall dump,
// here on the machine tshoot runs on), and a node of the flow it calls (on the bastion): one
// command a host. The flow reaches them one after another afterwards.
const AHEAD = `id: ahead
title: ahead
start: probe
nodes:
  probe:
    kind: run
    title: connect from the client
    role: client
    argv: [nc, -vz, -w, "5", --, "{{ target.host }}", "{{ string(target.port) }}"]
    together: [listeners, behind.rules]
    next: listeners
  listeners:
    kind: run
    title: listeners
    role: server
    argv: [ss, -ltnpe]
    root: true
    together: [firewall]
    summary: "{{ string(size(listeners.stdout)) + ' bytes' }}"
    next: firewall
  firewall:
    kind: run
    title: firewall
    role: local
    argv: [iptables-save]
    root: true
    next: behind
  behind:
    kind: call
    flow: behind
`;
const BEHIND = `id: behind
title: behind
start: rules
nodes:
  rules:
    kind: run
    title: nft rules
    role: bastion
    argv: [nft, -j, list, ruleset]
    root: true
    next: done
  done:
    kind: end
    title: done
    next_steps: [nothing]
`;

function catalog(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-together-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return loadCatalog([dir]);
}

function flows() {
  const cat = catalog({ 'ahead.yaml': AHEAD, 'behind.yaml': BEHIND });
  expect(cat.problems.filter(isError)).toEqual([]);
  return cat;
}

/** `exec A, B`, `result ID`, `prefetched ID`, `reused ID from X`, `ask ID`, `goto NODE`, `outcome …`. */
function describeEffects(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.kind === 'exec') return `exec ${e.commands.map((c) => c.id).join(', ')}`;
    if (e.kind === 'ask') return `ask ${e.question.id}`;
    const it = e.item;
    if (it.kind === 'decision') return `goto ${it.goto}`;
    if (it.kind === 'result') return it.reused !== undefined ? `reused ${it.command.id} from ${it.reused}` : it.prefetched ? `prefetched ${it.command.id}` : `result ${it.command.id}`;
    return `outcome ${it.outcome.kind} ${it.outcome.node}`;
  });
}

const SS = { ...res('LISTEN 0 511 0.0.0.0:80 0.0.0.0:*\n'), durationMs: 42 };
const RULES = res('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n');
const NFT = res('{"nftables": []}\n');
const REFUSED = res('', 1, 'nc: connect to 198.18.2.10 port 80 (tcp) failed: Connection refused\n');

// What one role runs must not change what another sees at the same time: the client's curl
// beside the server's `nginx -T` (which binds the ports it tests, for a moment: an `ss` beside it
// saw nginx listen on a host where it was stopped), a ping beside anything.
const ACTS = `id: acts
title: acts
start: probe
nodes:
  probe:
    kind: run
    title: request from the client
    role: client
    argv: [curl, -sS, -o, /dev/null, --proto, "=http,https", --, "{{ target.url }}"]
    together: [conf, ping]
    next: route
  route:
    kind: run
    title: the client's route
    role: client
    argv: [ip, route, get, to, "{{ target.host }}"]
    together: [ping, conf]
    next: conf
  conf:
    kind: run
    title: nginx's configuration
    role: server
    argv: [nginx, -T]
    root: true
    next: ping
  ping:
    kind: run
    title: ping from the bastion
    role: bastion
    argv: [ping, -c, "1", --, "{{ target.host }}"]
    next: done
  done:
    kind: end
    title: done
    next_steps: [nothing]
`;

describe('together: read-only steps run at the same time', () => {
  it('a command that sends traffic never runs ahead; one that runs code not beside another host sending (the probe)', () => {
    const cat = catalog({ 'acts.yaml': ACTS });
    expect(cat.problems.filter(isError)).toEqual([]);
    const s0 = step(cat, INITIAL_STATE, startEvent('acts'));
    expect(describeEffects(s0.effects)).toEqual(['exec probe']);
    const s1 = step(cat, s0.state, { kind: 'result', id: 'probe', result: res('', 0) });
    // Beside `ip route get`, which sends nothing: nginx -T runs ahead; the ping still does not.
    expect(describeEffects(s1.effects).at(-1)).toBe('exec route, conf');
  });

  it('one exec effect: the node’s own command first, then the listed ones in declared order, each with its own list (a called flow’s node by its qualified id)', () => {
    const cat = flows();
    const s0 = step(cat, INITIAL_STATE, startEvent('ahead'));
    expect(describeEffects(s0.effects)).toEqual(['exec probe, listeners, behind.rules, firewall']);
    const exec = s0.effects[0]!;
    if (exec.kind !== 'exec') throw new Error('no exec');
    expect(exec.commands.map((c) => [c.role, c.argv.join(' '), c.root])).toEqual([
      ['client', 'nc -vz -w 5 -- 198.18.2.10 80', false],
      ['server', 'ss -ltnpe', true],
      ['bastion', 'nft -j list ruleset', true],
      ['local', 'iptables-save', true],
    ]);
    expect(exec.commands[2]).toMatchObject({ flow: 'behind', node: 'rules' });
    expect(s0.state.pending).toBe('probe');
    expect(s0.state.prefetch?.map((p) => p.id)).toEqual(['listeners', 'behind.rules', 'firewall']);
  });

  it('a node of another flow run ahead with a literal argv and title does not compile that flow (its CEL environment, its types)', () => {
    const cat = flows();
    const compiled: string[] = [];
    // The catalogue's flow as is, but saying when its compiled parts are first read.
    const watch = (id: string) => {
      const f = cat.flows.get(id)!;
      return new Proxy(f, {
        get(t, k, r) {
          if ((k === 'env' || k === 'types' || k === 'lets' || k === 'edges') && !compiled.includes(id)) compiled.push(id);
          return Reflect.get(t, k, r);
        },
      });
    };
    const watched = { ...cat, flows: new Map([...cat.flows.keys()].map((id) => [id, watch(id)])) };
    const s0 = step(watched, INITIAL_STATE, startEvent('ahead'));
    expect(describeEffects(s0.effects)).toEqual(['exec probe, listeners, behind.rules, firewall']);
    expect(compiled).toEqual(['ahead']);
  });

  it('…nor does one whose argv reads `target` (all lint allows): it renders against `target` alone, as its node will when reached', () => {
    const behind = BEHIND.replace('argv: [nft, -j, list, ruleset]', 'argv: [ip, route, get, to, "{{ target.host }}"]');
    const cat = catalog({ 'ahead.yaml': AHEAD, 'behind.yaml': behind });
    expect(cat.problems.filter(isError)).toEqual([]);
    const compiled: string[] = [];
    const watched = {
      ...cat,
      flows: new Map(
        [...cat.flows].map(([id, f]) => [
          id,
          new Proxy(f, {
            get(t, k, r) {
              if ((k === 'env' || k === 'types' || k === 'lets' || k === 'edges') && !compiled.includes(id)) compiled.push(id);
              return Reflect.get(t, k, r);
            },
          }),
        ]),
      ),
    };
    const s0 = step(watched, INITIAL_STATE, startEvent('ahead'));
    const exec = s0.effects[0] as Extract<Effect, { kind: 'exec' }>;
    expect(exec.commands.find((c) => c.id === 'behind.rules')?.argv).toEqual(['ip', 'route', 'get', 'to', '198.18.2.10']);
    expect(compiled).toEqual(['ahead']);
    // Reached in its own flow, the node renders the same argv: the result run ahead is taken.
    let s = s0.state;
    for (const [id, r] of [['listeners', SS], ['firewall', RULES], ['behind.rules', NFT]] as const) s = step(cat, s, { kind: 'result', id, result: r }).state;
    const last = step(cat, s, { kind: 'result', id: 'probe', result: REFUSED });
    const walk = describeEffects(last.effects);
    expect(walk).toContain('prefetched behind.rules');
    expect(walk.some((w) => w.startsWith('exec'))).toBe(false);
  });

  it('the nodes run ahead are reached later without an exec, shown as their own runs with their own durations; checks and values as if run there', () => {
    const cat = flows();
    let s: SessionState = step(cat, INITIAL_STATE, startEvent('ahead')).state;
    // The runner's order: the listed commands' results, then the node's own.
    for (const [id, r] of [['listeners', SS], ['firewall', RULES], ['behind.rules', NFT]] as const) {
      const k = step(cat, s, { kind: 'result', id, result: r });
      expect(k.effects).toEqual([]);
      s = k.state;
    }
    expect(s.pending).toBe('probe');
    expect(s.prefetch).toBeUndefined();
    const done = step(cat, s, { kind: 'result', id: 'probe', result: REFUSED });
    expect(describeEffects(done.effects)).toEqual([
      'result probe',
      'goto listeners',
      'prefetched listeners',
      'goto firewall',
      'prefetched firewall',
      'goto behind',
      'prefetched behind.rules',
      'goto done',
      'outcome unresolved done',
    ]);
    expect(done.state.commands).toBe(4);
    expect(done.state.checks.map((c) => c.id)).toEqual(['probe', 'listeners', 'firewall', 'behind.rules']);
    expect(done.state.stack[0]!.runs.listeners?.result).toEqual(SS);
    // The summary is the node's own, rendered from its value; the line has its own duration.
    const effect = done.effects.find((e) => e.kind === 'show' && e.item.kind === 'result' && e.item.command.id === 'listeners');
    if (effect?.kind !== 'show' || effect.item.kind !== 'result') throw new Error('listeners not shown');
    const item = shownItem(cat, effect.item);
    if (item.kind !== 'result') throw new Error('not a result');
    expect(item.summary).toBe(`${SS.stdout.length} bytes`);
    expect(resultLine(item, 'web1', makeStyle(false), 140)).toMatch(/^✔ listeners \[server \(web1\) · 42 ms\] — /);
  });

  it('a role with no host yet is left out, and no question is asked for it: the host is asked when the flow reaches the node', () => {
    const cat = flows();
    const s0 = step(cat, INITIAL_STATE, startEvent('ahead', ''));
    // The listeners are left out; the commands on the hosts that are known still run.
    expect(describeEffects(s0.effects)).toEqual(['exec probe, behind.rules, firewall']);
    let k = s0.state;
    for (const [id, r] of [['behind.rules', NFT], ['firewall', RULES]] as const) k = step(cat, k, { kind: 'result', id, result: r }).state;
    const s1 = step(cat, k, { kind: 'result', id: 'probe', result: REFUSED });
    expect(describeEffects(s1.effects)).toEqual(['result probe', 'goto listeners', 'ask host.server']);
    const s2 = step(cat, s1.state, { kind: 'answer', id: 'host.server', value: 'web1' });
    // Reached, the node runs (its own list's firewall dump already ran).
    expect(describeEffects(s2.effects)).toEqual(['exec listeners']);
  });

  it('a result run ahead is taken by the first node with that command (its own run); a later one reuses it from there', () => {
    const cat = catalog({
      'ahead.yaml': AHEAD.replace(
        '    root: true\n    next: behind\n',
        `    root: true
    next: nft_here
  nft_here:
    kind: run
    title: nft rules, read here first
    role: bastion
    argv: [nft, -j, list, ruleset]
    root: true
    next: behind
`,
      ),
      'behind.yaml': BEHIND,
    });
    expect(cat.problems.filter(isError)).toEqual([]);
    let s: SessionState = step(cat, INITIAL_STATE, startEvent('ahead')).state;
    for (const [id, r] of [['listeners', SS], ['firewall', RULES], ['behind.rules', NFT]] as const) s = step(cat, s, { kind: 'result', id, result: r }).state;
    const done = step(cat, s, { kind: 'result', id: 'probe', result: REFUSED });
    expect(describeEffects(done.effects).filter((e) => !e.startsWith('goto'))).toEqual([
      'result probe',
      'prefetched listeners',
      'prefetched firewall',
      'prefetched nft_here',
      'reused behind.rules from nft_here',
      'outcome unresolved done',
    ]);
    expect(done.state.ran?.map((r) => r.id)).toEqual(['listeners', 'firewall', 'nft_here', 'probe']);
    expect(done.state.ran?.some((r) => r.prefetched)).toBe(false);
  });

  it('a host not reached when a command ran ahead: its own node finds that (no second connect timeout), no other node takes it', () => {
    const cat = flows();
    let s = step(cat, INITIAL_STATE, startEvent('ahead')).state;
    const lost: CommandResult = { ...SS, exit: null, stdout: '', transport: { code: 'timeout', message: 'ssh: connection timed out' } };
    s = step(cat, s, { kind: 'result', id: 'listeners', result: lost }).state;
    s = step(cat, s, { kind: 'result', id: 'firewall', result: RULES }).state;
    s = step(cat, s, { kind: 'result', id: 'behind.rules', result: NFT }).state;
    const done = step(cat, s, { kind: 'result', id: 'probe', result: REFUSED });
    expect(describeEffects(done.effects)).toEqual(['result probe', 'goto listeners', 'prefetched listeners', 'outcome error listeners']);
    expect(done.state.outcome).toMatchObject({ kind: 'error', code: 'unreachable', transport: 'timeout' });
    // Taken once: nothing of it is left for another node with the same command.
    expect(done.state.ran?.some((r) => r.result.transport)).toBe(false);
    // A shell that did not start is no news about the host: the node runs its command.
    const shell: CommandResult = { ...lost, transport: { code: 'disconnected', message: 'ssh server: the remote shell did not start within 10 s' } };
    let t = step(cat, INITIAL_STATE, startEvent('ahead')).state;
    for (const [id, r] of [['listeners', shell], ['behind.rules', NFT], ['firewall', RULES]] as const) t = step(cat, t, { kind: 'result', id, result: r }).state;
    expect(describeEffects(step(cat, t, { kind: 'result', id: 'probe', result: REFUSED }).effects)).toEqual(['result probe', 'goto listeners', 'exec listeners']);
  });

  it('at most MAX_TOGETHER_PER_HOST (one) command at once on one host: the one listed first; the others when reached', () => {
    const many = AHEAD.replace('together: [listeners, behind.rules]', 'together: [listeners, behind.rules, extra1, extra2]').replace(
      '  behind:\n',
      `  extra1:
    kind: run
    title: routes
    role: server
    argv: [ip, route]
    next: extra2
  extra2:
    kind: run
    title: local resolve
    role: client
    argv: [getent, ahosts, --, "{{ target.host }}"]
    next: behind
  behind:
`,
    ).replace('    root: true\n    next: behind\n', '    root: true\n    next: extra1\n');
    const cat = catalog({ 'ahead.yaml': many, 'behind.yaml': BEHIND });
    expect(cat.problems.filter(isError)).toEqual([]);
    expect(MAX_TOGETHER_PER_HOST).toBe(1);
    // extra1 waits (the server runs listeners), extra2 too (the client runs the probe).
    const s0 = step(cat, INITIAL_STATE, startEvent('ahead'));
    expect(describeEffects(s0.effects)).toEqual(['exec probe, listeners, behind.rules, firewall']);
    let s = s0.state;
    for (const [id, r] of [['listeners', SS], ['behind.rules', NFT], ['firewall', RULES]] as const) s = step(cat, s, { kind: 'result', id, result: r }).state;
    expect(describeEffects(step(cat, s, { kind: 'result', id: 'probe', result: REFUSED }).effects).filter((e) => !e.startsWith('goto'))).toEqual(['result probe', 'prefetched listeners', 'prefetched firewall', 'exec extra1']);
  });

  it('results that come back in any order give the same walk, transcript and state', async () => {
    const cat = flows();
    const answer = (c: Command) => ({ probe: REFUSED, listeners: SS, firewall: RULES, 'behind.rules': NFT })[c.id]!;
    const inOrder = await session(cat, answer, 'in order');
    const reversed = await session(cat, answer, 'reversed');
    expect(reversed.arrived).not.toEqual(inOrder.arrived);
    expect(reversed.arrived.slice(0, 4)).toEqual(['firewall', 'behind.rules', 'listeners', 'probe']);
    expect(inOrder.events).toEqual([
      'command probe',
      'command listeners',
      'command behind.rules',
      'command firewall',
      'result probe',
      'result listeners',
      'result behind.rules',
      'result firewall',
    ]);
    expect(reversed.events).toEqual(inOrder.events);
    expect(reversed.walk).toEqual(inOrder.walk);
    expect(reversed.state).toEqual(inOrder.state);
    // Replayed from what was recorded, by id (as `replay` does): the same walk, nothing else asked.
    const recorded = new Map(inOrder.results);
    const replayed = await session(cat, (c) => recorded.get(c.id) ?? (() => { throw new Error(`no result for ${c.id}`); })(), 'in order');
    expect(replayed.walk).toEqual(inOrder.walk);
    expect(replayed.events).toEqual(inOrder.events);
  });

  it('Ctrl-C stops every command running together; none of their results is recorded', async () => {
    const cat = flows();
    const ac = new AbortController();
    const started: string[] = [];
    const events: string[] = [];
    const executors: Executors = {
      run: (_role, cmd, signal) =>
        new Promise<CommandResult>((resolve) => {
          started.push(cmd.id);
          // Killed: the executor gives back what a killed command leaves.
          signal?.addEventListener('abort', () => resolve({ ...res('', 130), exit: null }), { once: true });
          if (started.length === 4) queueMicrotask(() => ac.abort());
        }),
      dest: (role) => role,
      close: async () => {},
    };
    const observer: SessionObserver = { command: (c) => events.push(`command ${c.id}`), result: (c) => events.push(`result ${c.id}`) };
    const ended: string[] = [];
    const reporter: Reporter = { commandsStart: () => {}, commandsEnd: (cs) => ended.push(...cs.map((c) => c.id)), show: () => {} };
    await expect(runSession(cat, startEvent('ahead'), { prompter: noQuestions, executors, reporter, observers: [observer], signal: ac.signal })).rejects.toBeInstanceOf(Interrupted);
    expect(started).toEqual(['probe', 'listeners', 'behind.rules', 'firewall']);
    expect(events).toEqual(['command probe', 'command listeners', 'command behind.rules', 'command firewall']);
    expect(ended).toEqual([]);
  });
});

describe('together: only sound prefetches pass lint', () => {
  const problemsOf = (ahead: string, behind = BEHIND) => {
    const cat = catalog({ 'ahead.yaml': ahead, 'behind.yaml': behind });
    return cat.problems.filter((p) => p.code === 'bad-together').map((p) => formatProblem(p).replace(/^\S*\/(ahead|behind)\.yaml/, '$1.yaml'));
  };
  const withTogether = (list: string) => AHEAD.replace('together: [listeners, behind.rules]', `together: ${list}`);

  it('a node whose argv reads a result is refused at the together entry, naming the argv’s file:line', () => {
    const reads = withTogether('[status]').replace(
      '  behind:\n',
      `  status:
    kind: run
    title: status
    role: server
    argv: [systemctl, status, --no-pager, --, "{{ listeners.stdout }}"]
    next: behind
  behind:
`,
    ).replace('next: behind\n  status', 'next: status\n  status');
    const ps = problemsOf(reads);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatch(/^ahead\.yaml:10:\d+ node "probe": "status" cannot run ahead: its argv \(.*ahead\.yaml:\d+\) has \{\{ listeners\.stdout \}\}, which reads more than `target`/);
  });

  it('unknown nodes and flows, other kinds, itself, twice, recheck, a flow not called: each a located error with a hint', () => {
    const ps = problemsOf(withTogether('[listners, probe, behind, firewall, firewall, behnd.rules, ahead.listeners]').replace('    root: true\n    next: behind', '    root: true\n    recheck: true\n    next: behind'));
    expect(ps).toEqual([
      expect.stringMatching(/^ahead\.yaml:10:\d+ node "probe": node "listners" does not exist in flow "ahead" \(did you mean "listeners"\?\)/),
      expect.stringMatching(/^ahead\.yaml:10:\d+ node "probe": "probe" is this node itself/),
      expect.stringMatching(/^ahead\.yaml:10:\d+ node "probe": "behind" is a call node; only run nodes run together/),
      expect.stringMatching(/^ahead\.yaml:10:\d+ node "probe": "firewall" says recheck/),
      expect.stringMatching(/^ahead\.yaml:10:\d+ node "probe": "firewall" is listed twice/),
      expect.stringMatching(/^ahead\.yaml:10:\d+ node "probe": flow "behnd" does not exist \(did you mean "behind\.rules"\?\)/),
      expect.stringMatching(/^ahead\.yaml:18:\d+ node "listeners": "firewall" says recheck/),
    ]);
    // The flow's own id spelled out is the flow itself: allowed (listeners is a run node).
    expect(problemsOf(withTogether('[ahead.listeners]'))).toEqual([]);
    // A flow that this one does not call: its nodes may never be reached.
    const notCalled = problemsOf(AHEAD.replace('together: [listeners, behind.rules]', 'together: [listeners]'), BEHIND.replace('    next: done', '    together: [ahead.listeners]\n    next: done'));
    expect(notCalled).toEqual([expect.stringMatching(/^behind\.yaml:\d+:\d+ node "rules": flow "ahead" is not called from flow "behind"/)]);
  });
});

const noQuestions: Prompter = { ask: async (q) => Promise.reject(new Error(`unexpected question ${q.id}`)) };

/** A whole session through the runner; `reversed`: each exec's commands come back last first. */
async function session(cat: ReturnType<typeof loadCatalog>, answer: (c: Command) => CommandResult, order: 'in order' | 'reversed') {
  const arrived: string[] = [];
  const results: Array<[string, CommandResult]> = [];
  const walk: string[] = [];
  const events: string[] = [];
  let batch: Array<() => void> = [];
  const executors: Executors = {
    run: (_role, cmd) =>
      new Promise<CommandResult>((resolve) => {
        const r = answer(cmd);
        results.push([cmd.id, r]);
        batch.push(() => {
          arrived.push(cmd.id);
          resolve(r);
        });
        // Every command of an effect is started in one go (Promise.all over a map): released after.
        if (batch.length === 1)
          queueMicrotask(() => {
            const b = order === 'reversed' ? batch.reverse() : batch;
            batch = [];
            for (const release of b) release();
          });
      }),
    dest: (role) => role,
    close: async () => {},
  };
  const reporter: Reporter = { commandsStart: () => {}, show: (item: ShowItem) => walk.push(...describeEffects([{ kind: 'show', item }])) };
  const observer: SessionObserver = { command: (c) => events.push(`command ${c.id}`), result: (c) => events.push(`result ${c.id}`) };
  const end = await runSession(cat, startEvent('ahead'), { prompter: noQuestions, executors, reporter, observers: [observer] });
  return { arrived, results, walk, events, state: end.state };
}
