/**
 * The one runner: feeds the engine events and performs its effects through the ports.
 * Whatever the ports are (terminal, replay, test script), this loop is the same.
 */
import type { FlowSet } from '../flow/compile.js';
import { step } from './engine.js';
import { shown } from './render.js';
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
    let next: readonly EngineEvent[] = [];
    for (const effect of effects) {
      const evs = await perform(flows, effect, ports, obs);
      if (evs.length) next = evs;
    }
    if (state.status === 'done' && state.outcome) return { state, outcome: state.outcome };
    if (!next.length) throw new Error(`engine waits for "${state.pending}" but no effect asked for it`);
    const more: Effect[] = [];
    for (const ev of next) {
      const r = step(flows, state, ev);
      state = r.state;
      more.push(...r.effects);
    }
    effects = more;
  }
}

async function perform(flows: FlowSet, effect: Effect, ports: RunPorts, obs: readonly SessionObserver[]): Promise<readonly EngineEvent[]> {
  switch (effect.kind) {
    case 'show': {
      const item = shown(flows, effect.item);
      for (const o of obs) o.show?.(item);
      ports.reporter.show(item);
      return [];
    }
    case 'ask': {
      const q: Question = effect.question;
      for (const o of obs) o.question?.(q);
      const value = await ports.prompter.ask(q);
      for (const o of obs) o.answer?.(q, value, 'prompt');
      if (q.hostRole) ports.executors.assign?.(q.hostRole, String(value));
      return [{ kind: 'answer', id: q.id, value }];
    }
    case 'exec': {
      const cmds = effect.commands;
      ports.reporter.commandsStart(cmds, cmds.map((c) => ports.executors.dest(c.role)));
      for (const c of cmds) for (const o of obs) o.command?.(c, ports.executors.dest(c.role));
      const results = await Promise.all(cmds.map((c) => ports.executors.run(c.role, c, ports.signal)));
      // Ctrl-C killed them: their results are not what the hosts would say, so neither the
      // engine nor a transcript (which resume replays) gets them.
      if (ports.signal?.aborted) throw new Interrupted();
      // Recorded in the effect's order, whatever order they came back in; the engine gets the
      // results of the commands run beside the node's own (`together`) first, then its own,
      // which moves the walk on.
      cmds.forEach((c, i) => {
        for (const o of obs) o.result?.(c, results[i]!);
      });
      ports.reporter.commandsEnd?.(cmds);
      const events = cmds.map((c, i): EngineEvent => ({ kind: 'result', id: c.id, result: results[i]! }));
      return [...events.slice(1), ...events.slice(0, 1)];
    }
  }
}
