/** A recorded session read back: its header, events, and the results and answers by id. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Answer } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { ROOT } from './run-cli.js';

export interface Recorded {
  readonly header: Record<string, any>;
  readonly events: ReadonlyArray<Record<string, any>>;
  readonly results: ReadonlyMap<string, CommandResult>;
  readonly answers: ReadonlyMap<string, Answer>;
}

/** `file`: relative to the repository. */
export function readRecorded(file: string): Recorded {
  const [header, ...events] = readFileSync(join(ROOT, file), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  const results = new Map<string, CommandResult>();
  const answers = new Map<string, Answer>();
  for (const e of events) {
    if (e.kind === 'result') {
      const { kind: _k, id, ...r } = e;
      results.set(id, r as CommandResult);
    }
    if (e.kind === 'answer' && !e.setup) answers.set(e.id, e.value);
  }
  return { header: header!, events, results, answers };
}
