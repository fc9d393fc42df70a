/**
 * A flow started for the wrong symptom goes on with the flow for what it finds (issue 16): the
 * shipped flows through the pure step, fed curl's real outputs. A symptom that changes back
 * would call a running flow again: the engine stops that with a located error. The called flow's
 * first probe is the caller's request: it takes that result (issue 17).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { step } from '../../src/engine/engine.js';
import { INITIAL_STATE, type Effect, type EngineEvent, type SessionState } from '../../src/engine/types.js';
import { builtinFlowsDir, loadCatalog } from '../../src/flow/catalog.js';
import { res } from '../helpers/result.js';

const cat = loadCatalog([builtinFlowsDir()]);

// curl 7.88's own words (-v), as the lab's client printed them.
const REFUSED = res('000 \n', 7, '*   Trying 198.18.2.10:80...\n* connect to 198.18.2.10 port 80 failed: Connection refused\n* Failed to connect to 198.18.2.10 port 80 after 0 ms: Couldn\'t connect to server\n* Closing connection 0\ncurl: (7) Failed to connect to 198.18.2.10 port 80 after 0 ms: Couldn\'t connect to server\n');
const TIMEOUT = res('000 \n', 28, '*   Trying 198.18.2.10:80...\n* Connection timed out after 5001 milliseconds\n* Closing connection 0\ncurl: (28) Connection timed out after 5001 milliseconds\n');
const OK_200 = res('200 198.18.2.10 80\n', 0, '*   Trying 198.18.2.10:80...\n* Connected to 198.18.2.10 (198.18.2.10) port 80 (#0)\n');

function start(flow: string): { state: SessionState; effects: readonly Effect[] } {
  const url = 'http://198.18.2.10/hogehoge';
  const ev: EngineEvent = {
    kind: 'start',
    flow,
    target: { url, scheme: 'http', host: '198.18.2.10', port: 80, path: '/hogehoge', loopback: false, given: true },
    hosts: { client: 'local', server: 'server', bastion: '' },
    lang: 'en',
  };
  return step(cat, INITIAL_STATE, ev);
}

function pendingCommand(effects: readonly Effect[]): { id: string; argv: readonly string[] } {
  const e = effects.find((x) => x.kind === 'exec');
  if (!e || e.kind !== 'exec') throw new Error(`no command in ${JSON.stringify(effects.map((x) => x.kind))}`);
  return e.commands[0]!;
}

/** The results a node took from an earlier command (issue 17): node id → the earlier command's id. */
function reusedFrom(effects: readonly Effect[]): Record<string, string> {
  return Object.fromEntries(effects.flatMap((e) => (e.kind === 'show' && e.item.kind === 'result' && e.item.reused !== undefined ? [[e.item.command.id, e.item.reused]] : [])));
}

function decisions(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) => (e.kind === 'show' && e.item.kind === 'decision' ? [`${e.item.flow}.${e.item.node} → ${e.item.goto}`] : []));
}

describe('a flow started for the wrong symptom goes on with the matching flow', () => {
  it('not-found, and the request is refused: the refused flow takes over from that result (issue 17: its probe is the same request, not sent again), recorded as a decision', () => {
    const s0 = start('not-found');
    const probe = pendingCommand(s0.effects);
    expect(probe.id).toBe('probe');
    // tshoot's requests say who they are, so the access log can leave them out.
    expect(probe.argv.join(' ')).toContain('-A tshoot (read-only diagnosis)');
    const s1 = step(cat, s0.state, { kind: 'result', id: 'probe', result: REFUSED });
    expect(decisions(s1.effects)).toContain('not-found.probe → refused_instead');
    expect(reusedFrom(s1.effects)).toEqual({ 'refused.probe_http': 'probe' });
    expect(decisions(s1.effects)).toContain('refused.probe_http → classify');
    expect(pendingCommand(s1.effects).id).toMatch(/^refused\.(?!probe_http)/);
    expect(s1.state.stack.map((f) => f.flow)).toEqual(['not-found', 'refused']);
  });

  it('not-found, and the request times out: the timeout flow takes over', () => {
    const s0 = start('not-found');
    const s1 = step(cat, s0.state, { kind: 'result', id: 'probe', result: TIMEOUT });
    expect(decisions(s1.effects)).toContain('not-found.probe → timeout_instead');
    expect(reusedFrom(s1.effects)).toEqual({ 'timeout.probe_http': 'probe' });
    expect(pendingCommand(s1.effects).id).toMatch(/^timeout\.(?!probe_http)/);
  });

  it('not-found, and the server answers 200: triage names it (no "run tshoot diagnose" end)', () => {
    const s0 = start('not-found');
    const s1 = step(cat, s0.state, { kind: 'result', id: 'probe', result: OK_200 });
    expect(decisions(s1.effects)).toContain('not-found.probe → other_instead');
    // triage's probe is the same request: it names the 200 without sending it again.
    expect(reusedFrom(s1.effects)).toEqual({ 'triage.probe_http': 'probe' });
    expect(s1.effects.some((e) => e.kind === 'exec')).toBe(false);
    const out = s1.effects.find((e) => e.kind === 'show' && e.item.kind === 'outcome');
    expect(out?.kind === 'show' && out.item.kind === 'outcome' && out.item.outcome).toMatchObject({ kind: 'unresolved', flow: 'triage', node: 'ok' });
  });

  it('refused, and the connection times out now: the timeout flow takes over', () => {
    const s0 = start('refused');
    const p = pendingCommand(s0.effects);
    const s1 = step(cat, s0.state, { kind: 'result', id: p.id, result: TIMEOUT });
    expect(decisions(s1.effects)).toContain('refused.classify → timeout_instead');
    expect(reusedFrom(s1.effects)).toEqual({ 'timeout.probe_http': 'probe_http' });
    expect(pendingCommand(s1.effects).id).toMatch(/^timeout\.(?!probe_http)/);
  });

  it('a symptom that changes back (a probe checked again on purpose: ok, then failing, then ok) stops with a loop error at the call, not a second run of the flow', () => {
    // The shipped flows' probes are one request, asked once a session (issue 17): their symptom
    // cannot change back. A flow's `recheck: true` can: these two hand over to each other.
    const dir = mkdtempSync(join(tmpdir(), 'tshoot-loop-'));
    const flow = (id: string, other: string, when: string) =>
      `id: ${id}\ntitle: ${id}\nstart: probe\nnodes:\n  probe:\n    kind: run\n    title: probe\n    role: client\n    argv: [ss, -ltn]\n    recheck: true\n    next:\n      - when: "${when}"\n        goto: other\n      - goto: done\n  other:\n    kind: call\n    flow: ${other}\n  done:\n    kind: end\n    title: done\n    next_steps: [nothing]\n`;
    writeFileSync(join(dir, 'up.yaml'), flow('up', 'down', 'probe.ok'));
    writeFileSync(join(dir, 'down.yaml'), flow('down', 'up', '!probe.ok'));
    const two = loadCatalog([dir]);
    const s0 = step(two, INITIAL_STATE, { kind: 'start', flow: 'up', target: { url: '', scheme: '', host: '', port: 0, path: '', loopback: false, given: false }, hosts: { client: 'local', server: '', bastion: '' }, lang: 'en' });
    const s1 = step(two, s0.state, { kind: 'result', id: 'probe', result: OK_200 });
    expect(pendingCommand(s1.effects).id).toBe('down.probe');
    const s2 = step(two, s1.state, { kind: 'result', id: 'down.probe', result: REFUSED });
    const out = s2.effects.find((e) => e.kind === 'show' && e.item.kind === 'outcome');
    const o = out?.kind === 'show' && out.item.kind === 'outcome' ? out.item.outcome : null;
    expect(o).toMatchObject({ kind: 'error', code: 'loop', flow: 'down', node: 'other' });
    expect(o?.kind === 'error' && o.message).toContain('up → down → up');
    expect(o?.kind === 'error' && o.loc.file).toMatch(/down\.yaml$/);
    expect(s2.effects.some((e) => e.kind === 'exec')).toBe(false);
  });
});
