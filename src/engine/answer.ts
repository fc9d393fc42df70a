/**
 * What counts as an answer to a question, wherever it comes from (a prompt, an answers file,
 * a transcript): a confirm takes yes/no, a select one of its choices, an input must match
 * the question's pattern in full and holds no control characters.
 */
import { readTarget, type TargetProblem } from './target.js';
import type { Answer, Question } from './types.js';

/** Why an answer is refused, as data: its words are the UI's (ui/messages.ts ANSWER_TEXT, sayAnswer, in the session's language). */
export type AnswerProblem = { readonly id: string } & (
  | { readonly code: 'yesNo' | 'needsText'; readonly got: unknown }
  | { readonly code: 'oneOf'; readonly values: readonly string[]; readonly got: unknown }
  | { readonly code: 'tooLong'; readonly max: number }
  | { readonly code: 'control' }
  | { readonly code: 'target'; readonly answer: string; readonly problem: TargetProblem }
  | { readonly code: 'hostDash'; readonly answer: string }
  | { readonly code: 'pattern'; readonly pattern: string; readonly answer: string }
);

export type Checked = { ok: true; value: Answer } | { ok: false; problem: AnswerProblem };

const MAX_INPUT = 1024;

/** The questions whose answer names a host: the target (cli/run.ts) and `host.ROLE`. */
export function isHostQuestion(q: Question): boolean {
  return q.id === 'target' || q.id.startsWith('host.');
}

export function checkAnswer(q: Question, raw: unknown): Checked {
  switch (q.input) {
    case 'confirm': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const s = String(raw).trim().toLowerCase();
      if (['y', 'yes', 'true'].includes(s)) return { ok: true, value: true };
      if (['n', 'no', 'false'].includes(s)) return { ok: true, value: false };
      return { ok: false, problem: { id: q.id, code: 'yesNo', got: raw } };
    }
    case 'select': {
      const s = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
      const values = (q.choices ?? []).map((c) => c.value);
      if (values.includes(s)) return { ok: true, value: s };
      return { ok: false, problem: { id: q.id, code: 'oneOf', values, got: raw } };
    }
    case 'input': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, problem: { id: q.id, code: 'needsText', got: raw } };
      const s = String(raw);
      if (s.length > MAX_INPUT) return { ok: false, problem: { id: q.id, code: 'tooLong', max: MAX_INPUT } };
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f]/.test(s)) return { ok: false, problem: { id: q.id, code: 'control' } };
      // The target is read as `--target` is, and a bad one explained as the flag's is.
      if (q.id === 'target') {
        const t = readTarget(s);
        if ('problem' in t) return { ok: false, problem: { id: q.id, code: 'target', answer: s, problem: t.problem } };
      }
      // A host or an ssh destination becomes an operand (`nc … HOST`, `ssh -G DEST`): starting
      // with `-` it would be read as an option, and no host name does (RFC 1123 §2.1).
      if (isHostQuestion(q) && s.trimStart().startsWith('-')) return { ok: false, problem: { id: q.id, code: 'hostDash', answer: s } };
      if (q.pattern !== undefined && !new RegExp(`^(?:${q.pattern})$`, 'u').test(s)) {
        return { ok: false, problem: { id: q.id, code: 'pattern', pattern: q.pattern, answer: s } };
      }
      return { ok: true, value: s };
    }
  }
}
