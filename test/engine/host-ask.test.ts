/**
 * Issue 16: the host for a role is asked when its first command is about to run, not at the
 * start; asked again (with why) when the answered name does not resolve, at most three times;
 * never for a host given at the start. The pure step, as (state, event) → effects tables on
 * the shipped flows.
 */
import { describe, expect, it } from 'vitest';
import { step } from '../../src/engine/engine.js';
import { MAX_HOST_ASKS } from '../../src/engine/host-question.js';
import { INITIAL_STATE, type Effect, type EngineEvent, type Question, type SessionState } from '../../src/engine/types.js';
import { transportFailure } from '../../src/exec/types.js';
import { shippedOneAtATime } from '../helpers/one-at-a-time.js';
import { res } from '../helpers/result.js';

// One command at a time: what runs together is test/engine/together.test.ts's.
const cat = shippedOneAtATime();

const start = (flow: string, url: string, server: string): EngineEvent => {
  const u = new URL(url);
  return {
    kind: 'start',
    flow,
    target: { url, scheme: u.protocol.slice(0, -1), host: u.hostname, port: Number(u.port || 80), path: u.pathname, loopback: false, given: true },
    hosts: { client: 'local', server, bastion: '' },
    lang: 'en',
  };
};

function describeEffects(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.kind === 'exec') return e.commands.map((c) => `exec ${c.id} ${c.role}`).join(', ');
    if (e.kind === 'ask') return `ask ${e.question.id}${e.question.retry ? ' again' : ''}`;
    const it = e.item;
    if (it.kind === 'decision') return `goto ${it.goto}`;
    if (it.kind === 'result') return `result ${it.command.id}`;
    const o = it.outcome;
    return `outcome ${o.kind} ${o.kind === 'fix' ? o.fix.id : o.kind === 'error' ? o.code : o.node}`;
  });
}

function walk(rows: Array<[EngineEvent, string[]]>, from: SessionState = INITIAL_STATE): { state: SessionState; asked: Question[] } {
  let state = from;
  const asked: Question[] = [];
  for (const [event, expected] of rows) {
    const r = step(cat, state, event);
    expect(describeEffects(r.effects)).toEqual(expected);
    for (const e of r.effects) if (e.kind === 'ask') asked.push(e.question);
    state = r.state;
  }
  return { state, asked };
}

// curl's own words (7.88.1) for a name that does not resolve, and for a refused connection.
const CURL_DNS = '* Could not resolve host: nosuchhost.invalid\ncurl: (6) Could not resolve host: nosuchhost.invalid\n';
const CURL_REFUSED = '*   Trying 198.18.2.10:80...\n* connect to 198.18.2.10 port 80 failed: Connection refused\ncurl: (7) Failed to connect to 198.18.2.10 port 80 after 0 ms: Couldn\'t connect to server\n';
const DNS_FAIL = transportFailure('dns', 'ssh web-srv.invalid (web-srv.invalid:22): host name not found');

describe('engine: the host of a role is asked when its first command is about to run', () => {
  it('triage for a name that does not resolve ends at its DNS card: the server is never asked', () => {
    const { state, asked } = walk([
      [start('triage', 'http://nosuchhost.invalid/', ''), ['goto probe_http', 'exec probe_http client']],
    ]);
    const r = step(cat, state, { kind: 'result', id: 'probe_http', result: res('000\n', 6, CURL_DNS) });
    expect(r.effects.filter((e) => e.kind === 'ask')).toEqual([]);
    expect(r.state.status).toBe('done');
    expect(r.state.outcome).toMatchObject({ kind: 'unresolved', node: 'dns' });
    expect(r.state.questions).toBe(0);
    expect(asked).toEqual([]);
  });

  it('refused: the client probes first; host.server is asked before the first server command, which then runs there', () => {
    const { state, asked } = walk([
      [start('refused', 'http://198.18.2.10/', ''), ['goto probe_http', 'exec probe_http client']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, CURL_REFUSED) }, ['result probe_http', 'goto classify', 'goto listeners', 'ask host.server']],
      [{ kind: 'answer', id: 'host.server', value: 'web1' }, ['exec listeners server']],
    ]);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ id: 'host.server', input: 'input', hostRole: 'server', text: 'Which host is the server (serving 198.18.2.10:80)?' });
    expect(asked[0]!.retry).toBeUndefined();
    expect(state.globals?.hosts.server).toBe('web1');
    expect(state.questions).toBe(1);
    expect(state.pending).toBe('listeners');
  });

  it('a host given at the start is not asked', () => {
    walk([
      [start('refused', 'http://198.18.2.10/', 'web1'), ['goto probe_http', 'exec probe_http client']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, CURL_REFUSED) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server']],
    ]);
  });

  it('an answered name that does not resolve is asked again with the error, the command runs again on the new answer', () => {
    const { state, asked } = walk([
      [start('refused', 'http://198.18.2.10/', ''), ['goto probe_http', 'exec probe_http client']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, CURL_REFUSED) }, ['result probe_http', 'goto classify', 'goto listeners', 'ask host.server']],
      [{ kind: 'answer', id: 'host.server', value: 'web-srv.invalid' }, ['exec listeners server']],
      [{ kind: 'result', id: 'listeners', result: DNS_FAIL }, ['result listeners', 'ask host.server again']],
      [{ kind: 'answer', id: 'host.server', value: 'web1' }, ['exec listeners server']],
    ]);
    expect(asked[1]!.retry).toEqual({ answer: 'web-srv.invalid', error: 'ssh web-srv.invalid (web-srv.invalid:22): host name not found' });
    expect(state.globals?.hosts.server).toBe('web1');
    // The failed try is no check of the diagnosis: the card's summary counts what answered.
    expect(state.checks.map((c) => c.id)).toEqual(['probe_http']);
    expect(state.questions).toBe(2);
  });

  it(`asked at most ${MAX_HOST_ASKS} times: then the flow's own way for an unreachable host`, () => {
    const rows: Array<[EngineEvent, string[]]> = [
      [start('refused', 'http://198.18.2.10/', ''), ['goto probe_http', 'exec probe_http client']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, CURL_REFUSED) }, ['result probe_http', 'goto classify', 'goto listeners', 'ask host.server']],
    ];
    for (let i = 1; i <= MAX_HOST_ASKS; i++) {
      rows.push([{ kind: 'answer', id: 'host.server', value: `web-srv-${i}.invalid` }, ['exec listeners server']]);
      if (i < MAX_HOST_ASKS) rows.push([{ kind: 'result', id: 'listeners', result: DNS_FAIL }, ['result listeners', 'ask host.server again']]);
    }
    const { state } = walk(rows);
    const end = step(cat, state, { kind: 'result', id: 'listeners', result: DNS_FAIL });
    expect(end.effects.some((e) => e.kind === 'ask')).toBe(false);
    expect(end.state.hostAsks).toEqual({ server: MAX_HOST_ASKS });
  });

  it('a given host that does not resolve is not asked again', () => {
    const { state } = walk([
      [start('refused', 'http://198.18.2.10/', 'web-srv.invalid'), ['goto probe_http', 'exec probe_http client']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, CURL_REFUSED) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server']],
    ]);
    const r = step(cat, state, { kind: 'result', id: 'listeners', result: DNS_FAIL });
    expect(r.effects.some((e) => e.kind === 'ask')).toBe(false);
    expect(r.state.checks.map((c) => c.id)).toEqual(['probe_http', 'listeners']);
  });

  it('another transport failure of an answered host (refused) is the flow\'s, not a new question', () => {
    const { state } = walk([
      [start('refused', 'http://198.18.2.10/', ''), ['goto probe_http', 'exec probe_http client']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, CURL_REFUSED) }, ['result probe_http', 'goto classify', 'goto listeners', 'ask host.server']],
      [{ kind: 'answer', id: 'host.server', value: 'web1' }, ['exec listeners server']],
    ]);
    const r = step(cat, state, { kind: 'result', id: 'listeners', result: transportFailure('refused', 'ssh web1 (198.18.2.10:22): connection refused') });
    expect(r.effects.some((e) => e.kind === 'ask')).toBe(false);
  });

  it('the state stays plain data', () => {
    const { state } = walk([
      [start('refused', 'http://198.18.2.10/', ''), ['goto probe_http', 'exec probe_http client']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, CURL_REFUSED) }, ['result probe_http', 'goto classify', 'goto listeners', 'ask host.server']],
    ]);
    expect(structuredClone({ hostAsks: state.hostAsks, globals: state.globals, pending: state.pending })).toEqual({ hostAsks: { server: 1 }, globals: state.globals, pending: 'host.server' });
  });
});
