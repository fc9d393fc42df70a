/**
 * Prompters: answers from a file (for `--non-interactive` and scripted runs), and the
 * terminal one (inquirer), used only when stdin and stdout are terminals: inquirer itself
 * would read piped stdin as keystrokes, or wait forever on an idle one.
 *
 * Each question becomes one inquirer prompt call (`promptFor`), so that a test renders
 * exactly what a user sees with `@inquirer/testing`'s `render()`. A question's help is a dim
 * hint line under it (where to look); a host role question (`host.ROLE`) offers the aliases
 * of the user's ssh config, then "local", then "other…" for a destination typed by hand. Asked
 * again because the host's name did not resolve, it says so under the question, with the
 * alias closest to what was typed as the default.
 */
import { checkAnswer } from '../engine/answer.js';
import { didYouMean } from '../flow/problem.js';
import { Interrupted, NeedsInput, type Prompter } from '../engine/ports.js';
import type { Answer, Question } from '../engine/types.js';
import type { Lang } from '../flow/template.js';
import { ANSWER_TEXT, HOST_RETRY_TEXT, PROMPT_TEXT, sayAnswer } from './messages.js';
import { oneLine, sanitize } from './sanitize.js';
import type { Style } from './style.js';

export class AnswerError extends Error {
  readonly code = 'bad-answer';
}

export interface AnswersOptions {
  /** `FILE:LINE:COL` of each answer, for errors. */
  readonly at?: ReadonlyMap<string, string>;
  /** The Host aliases of the user's ssh config: a host that did not resolve is compared with them. */
  readonly hostAliases?: () => Promise<readonly string[]>;
  /** The session's language, for the errors. */
  readonly lang?: Lang;
}

/**
 * Answers by question id (`node`, or `flow.node` for a called flow); unknown ones go to `fallback`.
 * A host the file names is never asked again (the file would answer the same): a name that did
 * not resolve is an error at its line, with the closest ssh alias.
 */
export function createAnswersPrompter(
  answers: ReadonlyMap<string, unknown>,
  fallback: Prompter | null,
  onAnswer?: (q: Question, a: Answer) => void,
  o: AnswersOptions = {},
): Prompter {
  const lang = o.lang ?? 'en';
  return {
    async ask(q) {
      const key = answers.has(q.id) ? q.id : answers.has(q.node) ? q.node : undefined;
      if (key !== undefined && q.retry) {
        const aliases = (await o.hostAliases?.().catch(() => [])) ?? [];
        const guess = closestAlias(q.retry.answer, aliases);
        throw new AnswerError(`${o.at?.get(key) ?? T[lang].answersFile}: "${key}": ${q.retry.error}${guess ? ` (${HOST_RETRY_TEXT[lang].mean(`"${guess}"`)})` : ''}`);
      }
      if (key !== undefined) {
        const r = checkAnswer(q, answers.get(key));
        if (!r.ok) throw new AnswerError(`${o.at?.get(key) ?? T[lang].answersFile}: ${sayAnswer(r.problem, ANSWER_TEXT[lang], true)}`);
        onAnswer?.(q, r.value);
        return r.value;
      }
      if (fallback) return fallback.ask(q);
      throw new NeedsInput(q);
    },
  };
}

export interface TerminalIO {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly signal?: AbortSignal;
  readonly style: Style;
  readonly lang: Lang;
  /** Called before a prompt is drawn: spinners must come off the screen. */
  readonly beforePrompt?: () => void;
  /** Called after it is answered: spinners may come back. */
  readonly afterPrompt?: () => void;
  /** The Host aliases of the user's ssh config, for `host.ROLE` questions. */
  readonly hostAliases?: () => Promise<readonly string[]>;
}

export interface TerminalPrompter extends Prompter {
  /** A password (sudo, key passphrase): never echoed. */
  secret(message: string): Promise<string>;
}

type Prompts = typeof import('./inquirer.js');

/** One inquirer call: which prompt, with what config. The value is mapped back by `toAnswer`. */
export type PromptCall =
  | { readonly kind: 'confirm'; readonly config: Parameters<Prompts['confirm']>[0] }
  | { readonly kind: 'select'; readonly config: Parameters<Prompts['select']>[0] }
  | { readonly kind: 'input'; readonly config: Parameters<Prompts['input']>[0] };

/** The value of the "other…" choice of a host question: then a destination is typed. */
export const OTHER = '\u0000other';

const T = PROMPT_TEXT;

export function createInquirerPrompter(io: TerminalIO): TerminalPrompter {
  const ctx = { input: io.input, output: io.output, ...(io.signal ? { signal: io.signal } : {}) } as Parameters<Prompts['input']>[1];
  const call = async <V>(run: (p: Prompts) => Promise<V>): Promise<V> => {
    if (io.signal?.aborted) throw new Interrupted();
    io.beforePrompt?.();
    const p = await import('./inquirer.js');
    try {
      return await run(p);
    } catch (e) {
      // Ctrl-C in raw mode is a keypress, not SIGINT: inquirer rejects with ExitPromptError;
      // the abort signal (SIGINT elsewhere) gives AbortPromptError.
      const name = (e as Error).name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new Interrupted();
      throw e;
    } finally {
      io.afterPrompt?.();
    }
  };
  const ask = (pc: PromptCall) =>
    call((p) => {
      switch (pc.kind) {
        case 'confirm':
          return p.confirm(pc.config, ctx);
        case 'select':
          return p.select(pc.config, ctx);
        case 'input':
          return p.input(pc.config, ctx);
      }
    });
  return {
    async ask(q) {
      if (isHostQuestion(q) && io.hostAliases) {
        const aliases = await io.hostAliases().catch(() => [] as readonly string[]);
        if (aliases.length) {
          const picked = await ask(hostSelect(q, aliases, io));
          if (picked !== OTHER) return toAnswer(q, picked);
        }
      }
      // Asked again: what was typed is offered to correct (Tab takes it).
      return toAnswer(q, await ask(promptFor(q, io, q.retry?.answer)));
    },
    secret(message) {
      // Nothing echoed, not even a mask character (OpenSSH's and sudo's prompts show nothing: the
      // length of a passphrase is a secret too), and no Ctrl-T to reveal it on a shared screen.
      return call((p) => p.password({ message: sanitize(message), toggleMask: false }, ctx));
    },
  };
}

/** A host role question, as `cli/run.ts` asks it: `host.server`, `host.client`. */
export function isHostQuestion(q: Question): boolean {
  return q.input === 'input' && q.id.startsWith('host.');
}

/**
 * The inquirer prompt for a question: texts sanitized (a flow may template host output into
 * them), the help as a hint line, defaults and validation from the question.
 */
export function promptFor(q: Question, o: Pick<TerminalIO, 'style'> & { readonly lang?: Lang }, suggested?: string): PromptCall {
  const message = withHint(asked(q, o, undefined), q.help, o.style, q.input !== 'select');
  const dflt = suggested ?? q.default;
  switch (q.input) {
    case 'confirm':
      return { kind: 'confirm', config: { message, default: q.default === true || q.default === 'yes' } };
    case 'select':
      return {
        kind: 'select',
        config: {
          message,
          choices: (q.choices ?? []).map((c) => ({ value: c.value, name: oneLine(c.label, 100) })),
          ...(typeof q.default === 'string' ? { default: q.default } : {}),
          pageSize: 12,
        },
      };
    case 'input':
      return {
        kind: 'input',
        config: {
          message,
          ...(typeof dflt === 'string' && dflt !== '' ? { default: dflt } : {}),
          validate: (v: string) => {
            const r = checkAnswer(q, v.trim());
            return r.ok ? true : humane(sayAnswer(r.problem, ANSWER_TEXT[o.lang ?? 'en'], false), q);
          },
        },
      };
  }
}

/** A host question as a select: the ssh config's aliases, `local`, then "other…". */
export function hostSelect(q: Question, aliases: readonly string[], o: Pick<TerminalIO, 'style' | 'lang'>): PromptCall {
  const t = T[o.lang];
  const valid = aliases.filter((a) => checkAnswer(q, a).ok && a !== 'local');
  const guess = q.retry ? closestAlias(q.retry.answer, valid) : undefined;
  return {
    kind: 'select',
    config: {
      message: withHint(asked(q, o, guess), q.help, o.style, false),
      ...(guess ? { default: guess } : {}),
      choices: [
        ...valid.map((a) => ({ value: a, name: oneLine(a, 60) })),
        { value: 'local', name: t.local },
        { value: OTHER, name: t.other, short: '…' },
      ],
      pageSize: 12,
    },
  };
}

/** An inquirer value → the answer: inputs trimmed, everything checked like any other answer. */
export function toAnswer(q: Question, v: unknown): Answer {
  const r = checkAnswer(q, typeof v === 'string' && q.input === 'input' ? v.trim() : v);
  if (!r.ok) throw new AnswerError(sayAnswer(r.problem, ANSWER_TEXT.en, true));
  return r.value;
}

/**
 * The ssh alias closest to the host part of a destination that did not resolve, with the
 * destination's user and port kept (`admin@web-1:2222` → `admin@web1:2222`).
 */
export function closestAlias(dest: string, aliases: readonly string[]): string | undefined {
  const m = /^([^@]*@)?(.*?)(:\d+)?$/.exec(dest);
  const host = m?.[2] ?? dest;
  const guess = didYouMean(host, aliases.filter((a) => a !== host));
  return guess === undefined ? undefined : `${m?.[1] ?? ''}${guess}${m?.[3] ?? ''}`;
}

/** The question's text; asked again, with what failed (and the closest alias) under it. */
function asked(q: Question, o: Pick<TerminalIO, 'style'> & { readonly lang?: Lang }, guess: string | undefined): string {
  const text = sanitize(q.text);
  if (!q.retry) return text;
  const t = HOST_RETRY_TEXT[o.lang ?? 'en'];
  const why = `  ${o.style.red(`✖ ${t.failed(sanitize(q.retry.answer))} ${oneLine(q.retry.error, 160)}`)}`;
  return `${text}\n${why}${guess ? `\n  ${o.style.bold(t.mean(sanitize(guess)))}` : ''}`;
}

/**
 * The help as dim lines under the question. For a confirm or an input the answer then goes
 * on a line of its own (`  ›`), not at the end of the hint.
 */
function withHint(message: string, help: string | undefined, s: Style, answerLine: boolean): string {
  if (!help) return message;
  const lines = sanitize(help).split('\n');
  return `${message}\n${lines.map((l) => s.dim(`  ${l}`)).join('\n')}${answerLine ? '\n  ›' : ''}`;
}

/** At a prompt the question is on screen: why the answer is refused (without its id), and the help. */
function humane(m: string, q: Question): string {
  return q.help ? `${m} (${oneLine(q.help, 80)})` : m;
}
