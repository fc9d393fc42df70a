/**
 * `host.ROLE`: which host plays a role the session was not told about. The engine asks it
 * when the role's first command is about to run (a flow that ends before then asks nothing),
 * and asks it again when the answer's name did not resolve, at most `MAX_HOST_ASKS` times.
 */
import type { Lang } from '../flow/template.js';
import type { AskedRole, Question, TargetInfo } from './types.js';

export const MAX_HOST_ASKS = 3;

const T = {
  en: {
    text: (role: AskedRole, what: string) => `Which host is the ${role}${role === 'server' ? ` (serving ${what})` : ''}?`,
    help: 'An ssh destination (user@host[:port]), an alias from ~/.ssh/config, or "local" for this machine',
    target: 'the target',
  },
  ja: {
    text: (role: AskedRole, what: string) => `${role} の役割のホストは?${role === 'server' ? ` (${what} を提供)` : ''}`,
    help: 'ssh の接続先 (user@host[:port])、~/.ssh/config の別名、またはこのマシンなら local',
    target: 'ターゲット',
  },
} as const;

/** The roles asked for when not given: a bastion is given (`--host bastion=…`) or not used. */
export function isAskedRole(role: string): role is AskedRole {
  return role === 'client' || role === 'server';
}

export function hostQuestion(flow: string, role: AskedRole, target: TargetInfo, lang: Lang, retry?: Question['retry']): Question {
  const t = T[lang];
  const what = target.given ? `${target.host}:${target.port}` : t.target;
  return {
    id: `host.${role}`,
    flow,
    node: `host.${role}`,
    input: 'input',
    text: t.text(role, what),
    help: t.help,
    pattern: '[A-Za-z0-9_.@:\\[\\]-]+',
    hostRole: role,
    ...(retry ? { retry } : {}),
  };
}
