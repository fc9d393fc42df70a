import { editDistance } from '../util/edit-distance.js';

/**
 * A problem in a flow (or a transcript, or an answers file): a code tests can check, a
 * location a person can jump to, and a message that says what is wrong and how to fix it.
 * Problems are collected, never thrown one at a time (compare eemeli/yaml's `doc.errors`).
 */

export type ProblemCode =
  | 'yaml-syntax'
  | 'schema'
  | 'missing-schema'
  | 'duplicate-flow-id'
  | 'missing-node'
  | 'unreachable'
  | 'no-default'
  | 'default-not-last'
  | 'no-exit'
  | 'not-boolean'
  | 'bad-expression'
  | 'bad-template'
  | 'bad-regex'
  | 'unsafe-regex'
  | 'unknown-parser'
  | 'unknown-role'
  | 'unknown-kind'
  | 'unknown-flow'
  | 'duplicate-fix-id'
  | 'missing-translation'
  | 'bad-evidence'
  | 'changes-host'
  | 'bad-apply'
  | 'bad-together'
  | 'no-requires';

export interface Loc {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

export interface Problem extends Loc {
  readonly code: ProblemCode;
  /** The flow node the problem is in, when there is one. */
  readonly node?: string;
  readonly message: string;
  readonly hint?: string;
  /** Errors stop a flow from running; warnings are printed (and fail `flows lint --strict`). */
  readonly severity?: 'error' | 'warning';
}

export const isError = (p: Problem): boolean => p.severity !== 'warning';

/** `FILE:LINE:COL node "ID": message (hint)` — the format `flows lint` prints. */
export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  const node = p.node ? ` node "${p.node}"` : '';
  const hint = p.hint ? ` (${p.hint})` : '';
  const sev = p.severity === 'warning' ? ' warning:' : '';
  return `${where}${node}:${sev} ${p.message}${hint}`;
}

/** Problems in reading order: by file, then line, then column (stable for the same place). */
export function sortProblems<P extends Loc>(problems: readonly P[]): P[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}

/** The hint for a name that is none of `candidates`: the closest one, else `otherwise`. */
export function guessHint(word: string, candidates: Iterable<string>, otherwise?: string): string | undefined {
  const guess = didYouMean(word, candidates);
  return guess !== undefined ? `did you mean "${guess}"?` : otherwise;
}

/** The closest candidate by edit distance, for "did you mean". */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
