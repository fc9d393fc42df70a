/**
 * The one runner: feeds the engine events and performs its effects through the ports.
 * Whatever the ports are (terminal, replay, test script), this loop is the same.
 */
import type { FlowSet } from '../flow/compile.js';
import { step } from './engine.js';
import { Interrupted, type Executors, type Prompter, type Reporter, type SessionObserver } from './ports.js';
import { INITIAL_STATE, type EngineEvent, type Effect, type Outcome, type Question, type SessionState } from './types.js';

export interface RunPorts {
  readonly prompter: Prompter;
  readonly executors: Executors;
  readonly reporter: Reporter;
  readonly observers?: readonly SessionObserver[];
  readonly signal?: AbortSignal;
}

export interface SessionEnd {
  readonly state: SessionState;
  readonly outcome: Outcome;
}

export async function runSession(flows: FlowSet, start: Extract<EngineEvent, { kind: 'start' }>, ports: RunPorts): Promise<SessionEnd> {
  const obs = ports.observers ?? [];
  let { state, effects } = step(flows, INITIAL_STATE, start);
  for (;;) {
    let next: EngineEvent | null = null;
    for (const effect of effects) {
      const ev = await perform(effect, ports, obs);
      if (ev) next = ev;
    }
    if (state.status === 'done' && state.outcome) return { state, outcome: state.outcome };
    if (!next) throw new Error(`engine waits for "${state.pending}" but no effect asked for it`);
    ({ state, effects } = step(flows, state, next));
  }
}

async function perform(effect: Effect, ports: RunPorts, obs: readonly SessionObserver[]): Promise<EngineEvent | null> {
  switch (effect.kind) {
    case 'show':
      for (const o of obs) o.show?.(effect.item);
      ports.reporter.show(effect.item);
      return null;
    case 'ask': {
      const q: Question = effect.question;
      for (const o of obs) o.question?.(q);
      const value = await ports.prompter.ask(q);
      for (const o of obs) o.answer?.(q, value, 'prompt');
      if (q.hostRole) ports.executors.assign?.(q.hostRole, String(value));
      return { kind: 'answer', id: q.id, value };
    }
    case 'exec': {
      const cmds = effect.commands;
      ports.reporter.commandsStart(cmds, cmds.map((c) => ports.executors.dest(c.role)));
      for (const c of cmds) for (const o of obs) o.command?.(c, ports.executors.dest(c.role));
      const results = await Promise.all(cmds.map((c) => ports.executors.run(c.role, c, ports.signal)));
      // Ctrl-C killed them: their results are not what the hosts would say, so neither the
      // engine nor a transcript (which resume replays) gets them.
      if (ports.signal?.aborted) throw new Interrupted();
      let last: EngineEvent | null = null;
      cmds.forEach((c, i) => {
        const r = results[i]!;
        for (const o of obs) o.result?.(c, r);
        last = { kind: 'result', id: c.id, result: r };
      });
      return last;
    }
  }
}
