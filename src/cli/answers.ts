/**
 * `--answers FILE`: a YAML or JSON map of question id → answer. Every key must be a question
 * the session can ask (issue 16: a misspelt id was silently ignored, and the question asked or
 * the run stopped for want of it): an unknown one is an error at its `FILE:LINE:COL`, with the
 * closest question id.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Flow } from '../flow/compile.js';
import { didYouMean } from '../flow/problem.js';
import { UsageError } from './target.js';

export interface AnswersFile {
  readonly values: ReadonlyMap<string, unknown>;
  /** `FILE:LINE:COL` of each key, as the user named the file. */
  readonly at: ReadonlyMap<string, string>;
}

export const NO_ANSWERS: AnswersFile = { values: new Map(), at: new Map() };

/** The questions tshoot asks before any flow's: asked of every flow that needs them. */
export const SETUP_IDS: readonly string[] = ['target', 'host.client', 'host.server', 'host.bastion'];

export function readAnswers(file: string, cwd = '.'): AnswersFile {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError((t) => t.cannotReadAnswers(file, why));
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const p = lc.linePos(err.pos[0]);
    throw new UsageError(`${file}:${p.line}:${p.col}: ${err.message.split('\n')[0]}`);
  }
  const values = new Map<string, unknown>();
  const at = new Map<string, string>();
  if (doc.contents === null) return { values, at };
  if (!isMap(doc.contents)) throw new UsageError((t) => t.answersNotMap(file));
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const p = lc.linePos((pair.key as { range?: number[] } | null)?.range?.[0] ?? 0);
    const where = `${file}:${p.line}:${p.col}`;
    if (!isScalar(pair.value)) throw new UsageError((t) => t.answerNotScalar(where, key));
    values.set(key, pair.value.value);
    at.set(key, where);
  }
  return { values, at };
}

/**
 * The ids an answers file may use for a session of `flows` (the flow run first, then the flows
 * it calls): an ask node's id in the flow run, `FLOW.NODE` or the bare node in a called flow
 * (the answers prompter takes either), and the setup questions.
 */
export function questionIds(flows: readonly Flow[]): Set<string> {
  const ids = new Set(SETUP_IDS);
  flows.forEach((f, i) => {
    for (const [node, n] of Object.entries(f.doc.nodes)) {
      if (n.kind !== 'ask') continue;
      ids.add(node);
      if (i > 0) ids.add(`${f.id}.${node}`);
    }
  });
  return ids;
}

/** Refuses the first key that is no question of the session, at its location. */
export function checkAnswerIds(answers: AnswersFile, flowId: string, ids: ReadonlySet<string>): void {
  for (const key of answers.values.keys()) {
    if (ids.has(key)) continue;
    const guess = didYouMean(key, ids);
    const asked = [...ids].filter((id) => !SETUP_IDS.includes(id));
    const where = answers.at.get(key) ?? key;
    throw new UsageError((t) => t.notAQuestion(where, key, flowId, guess ?? null, asked.join(', '), SETUP_IDS.join(', ')));
  }
}
