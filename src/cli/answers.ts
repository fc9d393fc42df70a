/**
 * `--answers FILE`: a YAML or JSON map of question id → answer.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { UsageError } from './target.js';

export function readAnswers(file: string): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the answers file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const p = lc.linePos(err.pos[0]);
    throw new UsageError(`${file}:${p.line}:${p.col}: ${err.message.split('\n')[0]}`);
  }
  const out = new Map<string, unknown>();
  if (doc.contents === null) return out;
  if (!isMap(doc.contents)) throw new UsageError(`${file}:1:1: the answers file must be a map of question id → answer`);
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const v = pair.value;
    if (!isScalar(v)) {
      const off = (pair.key as { range?: number[] } | null)?.range?.[0] ?? 0;
      const p = lc.linePos(off);
      throw new UsageError(`${file}:${p.line}:${p.col}: the answer for "${key}" must be a single value (text, yes/no)`);
    }
    out.set(key, v.value);
  }
  return out;
}
