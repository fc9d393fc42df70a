/**
 * The session state's small readers and writers the engine's parts share: the current frame,
 * a node's id in the session, its language, a role's host. Pure.
 */
import type { Lang } from '../flow/template.js';
import type { Frame, SessionState } from './types.js';

/** An event the engine cannot take in its state (a result for a command it does not wait for…). */
export class EngineError extends Error {
  readonly code = 'unexpected-event';
}

/** Node ids of the top-level flow stay plain; those of called flows are `flow.node`. */
export function qualify(s: SessionState, node: string): string {
  return s.stack.length > 1 ? `${top(s).flow}.${node}` : node;
}

export function top(s: SessionState): Frame {
  const f = s.stack[s.stack.length - 1];
  if (!f) throw new EngineError('the session has not started');
  return f;
}

export function replaceTop(s: SessionState, f: Frame): SessionState {
  return { ...s, stack: [...s.stack.slice(0, -1), f] };
}

export function langOf(s: SessionState): Lang {
  return s.globals?.lang ?? 'en';
}

/** The host a role's commands run on ('' when not known: a role with no host in the session). */
export function hostOf(s: SessionState, role: string): string {
  return (s.globals?.hosts as Readonly<Record<string, string>> | undefined)?.[role] ?? '';
}
