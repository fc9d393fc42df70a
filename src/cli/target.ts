/**
 * `--target`: a URL (`http://web/`, `https://[::1]:8443/x`) or `HOST:PORT`, read as the target
 * question's answer is (`engine/target.ts`), a bad one refused with where it came from.
 */
import { networkInterfaces, hostname } from 'node:os';
import { isLoopbackHost, readTarget } from '../engine/target.js';
import type { Question, TargetInfo } from '../engine/types.js';
import { SESSION_TEXT, sayTarget, USAGE_TEXT, type UiLang, type UsageText } from '../ui/messages.js';

export { INSTANCE_ID, isLoopbackHost, NO_TARGET } from '../engine/target.js';

/**
 * A mistake in how tshoot was called. Its words come from USAGE_TEXT (`(t) => t.hostFormat(f)`):
 * `message` is the English (`--json`, logs), `in(lang)` what the user reads (cli.ts).
 */
export class UsageError extends Error {
  readonly code = 'usage';
  private readonly words: (t: UsageText) => string;

  constructor(words: string | ((t: UsageText) => string)) {
    const say = typeof words === 'string' ? () => words : words;
    super(say(USAGE_TEXT.en));
    this.words = say;
  }

  in(lang: UiLang): string {
    return this.words(USAGE_TEXT[lang]);
  }
}

/** An error's message as the user reads it: a usage error's in `lang`, any other's as it is. */
export function usageMessage(e: Error, lang: UiLang): string {
  return e instanceof UsageError ? e.in(lang) : e.message;
}

/** `where` names the target's source in messages: the option, or the pasted error (diagnose). */
export function parseTarget(raw: string, where: string | ((t: UsageText) => string) = `--target ${JSON.stringify(raw)}`): TargetInfo {
  if (!raw.trim()) throw new UsageError((t) => t.targetEmpty);
  const t = readTarget(raw);
  if ('problem' in t) {
    const { problem } = t;
    throw new UsageError((u) => `${typeof where === 'string' ? where : where(u)}: ${sayTarget(problem, u.answer.targets)}`);
  }
  return t;
}

/** The question when a flow needs a target and none was given; its answer is checked as `--target` is (`engine/answer.ts`). */
export function targetQuestion(flow: string, lang: UiLang = 'en'): Question {
  const t = SESSION_TEXT[lang];
  return {
    id: 'target',
    flow,
    node: 'target',
    input: 'input',
    text: t.targetQuestion,
    help: t.targetHelp,
    pattern: '\\S+',
  };
}

/** Whether `host` names this machine: loopback, its host name, or one of its addresses. */
export function isThisMachine(host: string): boolean {
  const h = host.toLowerCase();
  if (isLoopbackHost(h) || h === '0.0.0.0' || h === '::') return true;
  if (h === hostname().toLowerCase()) return true;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.address.toLowerCase() === h) return true;
  }
  return false;
}
