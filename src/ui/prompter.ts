/**
 * Prompters: answers from a file (for `--non-interactive` and scripted runs), and the
 * terminal one (inquirer), used only when stdin and stdout are terminals: inquirer itself
 * would read piped stdin as keystrokes, or wait forever on an idle one.
 */
import { checkAnswer } from '../engine/answer.js';
import { Interrupted, NeedsInput, type Prompter } from '../engine/ports.js';
import type { Answer, Question } from '../engine/types.js';
import { sanitize } from './sanitize.js';

export class AnswerError extends Error {
  readonly code = 'bad-answer';
}

/** Answers by question id (`node`, or `flow.node` for a called flow); unknown ones go to `fallback`. */
export function createAnswersPrompter(
  answers: ReadonlyMap<string, unknown>,
  fallback: Prompter | null,
  onAnswer?: (q: Question, a: Answer) => void,
): Prompter {
  return {
    async ask(q) {
      const key = answers.has(q.id) ? q.id : answers.has(q.node) ? q.node : undefined;
      if (key !== undefined) {
        const r = checkAnswer(q, answers.get(key));
        if (!r.ok) throw new AnswerError(`answers file: ${r.message}`);
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
  /** Called before a prompt is drawn: spinners must be stopped. */
  readonly beforePrompt?: () => void;
}

export function createInquirerPrompter(io: TerminalIO): Prompter {
  return {
    async ask(q) {
      io.beforePrompt?.();
      const p = await import('@inquirer/prompts');
      const ctx = { input: io.input, output: io.output, ...(io.signal ? { signal: io.signal } : {}) } as Parameters<typeof p.input>[1];
      const message = sanitize(q.text);
      const help = q.help ? sanitize(q.help) : undefined;
      try {
        switch (q.input) {
          case 'confirm':
            return await p.confirm({ message: help ? `${message}\n  (${help})` : message, default: q.default === true || q.default === 'yes' }, ctx);
          case 'select':
            return await p.select(
              {
                message,
                choices: (q.choices ?? []).map((c) => ({ value: c.value, name: sanitize(c.label) })),
                ...(typeof q.default === 'string' ? { default: q.default } : {}),
                ...(help ? { instructions: { navigation: help, pager: help } } : {}),
              },
              ctx,
            );
          case 'input':
            return await p.input(
              {
                message: help ? `${message}\n  (${help})\n ` : message,
                ...(typeof q.default === 'string' ? { default: q.default } : {}),
                validate: (v: string) => {
                  const r = checkAnswer(q, v);
                  return r.ok ? true : r.message;
                },
              },
              ctx,
            );
        }
      } catch (e) {
        const name = (e as Error).name;
        if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new Interrupted();
        throw e;
      }
    },
  };
}
