/**
 * The session state and the effects are plain data (issue 18): no accessor, no function, no
 * class but the ones structuredClone keeps, so a state can be cloned, sent to a worker or
 * written and read back as it is. Checked at every step of recorded lab sessions of each
 * shipped flow, stepped as the runner steps them (commands run ahead first, then the node's own).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { step } from '../../src/engine/engine.js';
import { INITIAL_STATE, type EngineEvent, type Step } from '../../src/engine/types.js';
import { builtinFlowsDir, loadCatalog } from '../../src/flow/catalog.js';
import { readRecorded } from '../helpers/recorded.js';
import { ROOT } from '../helpers/run-cli.js';

const cat = loadCatalog([builtinFlowsDir()]);

/** Where `v` is not plain data: a path and why, or null. */
function notPlain(v: unknown, path = '$', seen = new Set<object>()): string | null {
  if (typeof v === 'function') return `${path}: a function`;
  if (v === null || typeof v !== 'object') return null;
  if (seen.has(v)) return null;
  seen.add(v);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return `${path}: an instance of ${proto?.constructor?.name ?? 'a class'}`;
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
    if (d.get || d.set) return `${path}.${k}: an accessor`;
    const bad = notPlain(d.value, `${path}.${k}`, seen);
    if (bad) return bad;
  }
  return null;
}

function checkPlain(r: Step, where: string): void {
  expect(notPlain(r.state), `${where}: state`).toBeNull();
  expect(notPlain(r.effects), `${where}: effects`).toBeNull();
  expect(structuredClone(r.state), where).toEqual(r.state);
}

const sessions = ['refused', 'not-found', 'timeout', 'console-connect', 'triage'].flatMap((flow) =>
  readdirSync(join(ROOT, 'flows', flow, 'sessions'))
    .filter((f) => f.endsWith('.ndjson'))
    .slice(0, 2)
    .map((f) => `flows/${flow}/sessions/${f}`),
);

describe('the session state is plain data', () => {
  it.each(sessions)('%s: at every step, state and effects have no accessor nor function, and structuredClone keeps the state', (file) => {
    const { start, events, results, answers } = readRecorded(file);
    let r = step(cat, INITIAL_STATE, start);
    checkPlain(r, `${file} start`);
    let steps = 0;
    while (r.state.status !== 'done') {
      expect(++steps, `${file}: steps`).toBeLessThan(200);
      const ex = r.effects.find((e) => e.kind === 'exec');
      const ask = r.effects.find((e) => e.kind === 'ask');
      let next: Array<Exclude<EngineEvent, { kind: 'start' }>>;
      if (ex?.kind === 'exec') {
        const evs = ex.commands.map((c): Exclude<EngineEvent, { kind: 'start' }> => ({ kind: 'result', id: c.id, result: results.get(c.id)! }));
        for (const c of ex.commands) expect(results.has(c.id), `${file}: a recorded result for ${c.id}`).toBe(true);
        next = [...evs.slice(1), evs[0]!];
      } else if (ask?.kind === 'ask') {
        expect(answers.has(ask.question.id), `${file}: a recorded answer for ${ask.question.id}`).toBe(true);
        next = [{ kind: 'answer', id: ask.question.id, value: answers.get(ask.question.id)! }];
      } else throw new Error(`${file}: the session waits for nothing`);
      for (const ev of next) {
        // Each step from a clone of the state: a clone is as good as the state itself.
        r = step(cat, structuredClone(r.state), ev);
        checkPlain(r, `${file} after ${ev.kind} ${ev.id}`);
      }
    }
    const recorded = events.find((e) => e.kind === 'outcome');
    if (recorded?.kind !== 'outcome') throw new Error(`${file}: no recorded outcome`);
    const o = r.state.outcome!;
    // The recorded session's card, reached from clones.
    expect(o.kind).toBe(recorded.outcome);
    if (o.kind === 'fix') expect(o.fix.id).toBe(recorded.fix?.id);
    expect(o.node).toBe(recorded.node);
  });
});
