/** A recorded session read back with the transcript's own reader: its header, events, start event, and the results and answers by id. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Answer, EngineEvent } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { parseTranscript, resultOf, type Header, type TranscriptEvent } from '../../src/transcript/format.js';
import { startOf } from '../../src/transcript/replay.js';
import { ROOT } from './run-cli.js';

export interface Recorded {
  readonly header: Header;
  readonly start: Extract<EngineEvent, { kind: 'start' }>;
  readonly events: readonly TranscriptEvent[];
  readonly results: ReadonlyMap<string, CommandResult>;
  readonly answers: ReadonlyMap<string, Answer>;
}

/** `file`: relative to the repository. */
export function readRecorded(file: string): Recorded {
  const t = parseTranscript(file, readFileSync(join(ROOT, file), 'utf8'));
  const events = t.events.map((l) => l.event);
  const results = new Map<string, CommandResult>();
  const answers = new Map<string, Answer>();
  for (const e of events) {
    if (e.kind === 'result') results.set(e.id, resultOf(e));
    if (e.kind === 'answer' && !e.setup) answers.set(e.id, e.value);
  }
  return { header: t.header, start: startOf(t.header), events, results, answers };
}
