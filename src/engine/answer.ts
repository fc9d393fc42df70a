/**
 * What counts as an answer to a question, wherever it comes from (a prompt, an answers file,
 * a transcript): a confirm takes yes/no, a select one of its choices, an input must match
 * the question's pattern in full and holds no control characters.
 */
import { readTarget } from './target.js';
import type { Answer, Question } from './types.js';

export type Checked = { ok: true; value: Answer } | { ok: false; message: string };

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
      return { ok: false, message: `"${q.id}" is a yes/no question; got ${JSON.stringify(raw)}` };
    }
    case 'select': {
      const s = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
      const values = (q.choices ?? []).map((c) => c.value);
      if (values.includes(s)) return { ok: true, value: s };
      return { ok: false, message: `"${q.id}" must be one of ${values.join(', ')}; got ${JSON.stringify(raw)}` };
    }
    case 'input': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, message: `"${q.id}" needs text; got ${JSON.stringify(raw)}` };
      const s = String(raw);
      if (s.length > MAX_INPUT) return { ok: false, message: `"${q.id}" is longer than ${MAX_INPUT} characters` };
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f]/.test(s)) return { ok: false, message: `"${q.id}" contains a control character` };
      // The target is read as `--target` is, and a bad one explained as the flag's is.
      if (q.id === 'target') {
        const t = readTarget(s);
        if ('problem' in t) return { ok: false, message: `"${q.id}" ${JSON.stringify(s)}: ${t.problem}` };
      }
      // A host or an ssh destination becomes an operand (`nc … HOST`, `ssh -G DEST`): starting
      // with `-` it would be read as an option, and no host name does (RFC 1123 §2.1).
      if (isHostQuestion(q) && s.trimStart().startsWith('-')) return { ok: false, message: `"${q.id}" is a host; ${JSON.stringify(s)} starts with "-", which no host name does` };
      if (q.pattern !== undefined && !new RegExp(`^(?:${q.pattern})$`, 'u').test(s)) {
        return { ok: false, message: `"${q.id}" must match /${q.pattern}/; got ${JSON.stringify(s)}` };
      }
      return { ok: true, value: s };
    }
  }
}
