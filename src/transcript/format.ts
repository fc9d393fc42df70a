/**
 * The transcript format: NDJSON, a header line then one event per line, appended as the
 * session goes. One source of truth (TypeBox, schema.ts) for the types and for the checks
 * that turn a bad line into `FILE:LINE: message`; the build turns the schemas into JSON
 * (validators.ts), checked by validate.ts, so reading a transcript loads neither TypeBox nor Ajv.
 *
 * Events are what the runner saw, in order: questions and answers, commands and results,
 * the engine's decisions and its outcome. Answers and results are the inputs (replay feeds
 * them back); questions, commands, decisions and the outcome are derived (replay compares
 * them with what today's flows produce; `replay --update` rewrites decisions and outcome).
 */
import type { Answer, Command, Question, ShownItem } from '../engine/types.js';
import type { AnswerSource } from '../engine/ports.js';
import type { CommandResult } from '../exec/types.js';
import { readFileSync } from 'node:fs';
import { nodeCrypto } from '../lazy.js';
import type { EventKind, FileRef, Header, TranscriptEvent } from './schema.js';
import { FORMAT, FORMAT_VERSION } from './constants.js';
import { transcriptValidators, type Check } from './validate.js';
import { sayTranscript, TRANSCRIPT_TEXT, type TranscriptProblem, type TranscriptText } from '../ui/messages.js';

export { FORMAT, FORMAT_VERSION };

/** The event kinds, in the schema's order (schema.ts `EVENTS`). */
const EVENT_KINDS: readonly EventKind[] = ['question', 'answer', 'command', 'result', 'decision', 'outcome', 'resumed'];

export type { EventKind, FileRef, Header, TranscriptEvent };

/** A file for the header (`sshConfig`, `flowFiles`): its absolute path and digest; null when it cannot be read. */
export function fileRef(path: string): FileRef | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  return { path, sha256: `sha256:${nodeCrypto().createHash('sha256').update(bytes).digest('hex')}` };
}
export type EventOf<K extends EventKind> = Extract<TranscriptEvent, { kind: K }>;

/** An event and the line of the file it is on (1-based; the header is line 1). */
export interface Located<E = TranscriptEvent> {
  readonly line: number;
  readonly event: E;
}

export interface Transcript {
  readonly file: string;
  readonly header: Header;
  readonly events: readonly Located[];
  /** Byte length of the complete lines: a crash can leave half a line after them. */
  readonly completeBytes: number;
  /** A last line without its newline was dropped (a write cut short). */
  readonly torn: boolean;
}

export class TranscriptError extends Error {
  readonly code = 'bad-transcript';
  /** The English words (logs, `--json`); `in(t)` says them with another TRANSCRIPT_TEXT. */
  readonly detail: string;
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: TranscriptProblem,
  ) {
    const detail = sayTranscript(problem, TRANSCRIPT_TEXT.en);
    super(`${file}:${line}: ${detail}`);
    this.detail = detail;
  }

  /** `FILE:LINE: why`, the why in `t`'s language. */
  in(t: TranscriptText): string {
    return `${this.file}:${this.line}: ${sayTranscript(this.problem, t)}`;
  }
}

/**
 * Reads a transcript. Every problem is a `TranscriptError` located at its line.
 *
 * @example
 * parseTranscript('s.ndjson', readFileSync('s.ndjson', 'utf8')).header.flow // → 'refused'
 */
export function parseTranscript(file: string, text: string): Transcript {
  let lines = text.split('\n');
  // A file written line by line ends in '\n'; anything after the last one was cut short.
  const torn = lines[lines.length - 1] !== '';
  lines = lines.slice(0, -1);
  const completeBytes = Buffer.byteLength(text) - (torn ? Buffer.byteLength(text.slice(text.lastIndexOf('\n') + 1)) : 0);
  if (lines.length === 0) throw new TranscriptError(file, 1, { code: torn ? 'cutHeader' : 'emptyFile' });
  const head = json(file, 1, lines[0]!);
  if (typeof head !== 'object' || head === null || (head as { format?: unknown }).format !== FORMAT) {
    throw new TranscriptError(file, 1, { code: 'notTranscript', format: FORMAT });
  }
  if ((head as { version?: unknown }).version !== FORMAT_VERSION) {
    throw new TranscriptError(file, 1, { code: 'version', got: brief((head as { version?: unknown }).version), reads: FORMAT_VERSION });
  }
  const v = transcriptValidators();
  check(file, 1, null, v.header, head);
  const events: Located[] = [];
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!;
    if (raw.trim() === '') throw new TranscriptError(file, n, { code: 'emptyLine' });
    const e = json(file, n, raw);
    const kind = typeof e === 'object' && e !== null ? (e as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string' || !EVENT_KINDS.includes(kind as EventKind)) {
      throw new TranscriptError(file, n, { code: 'unknownKind', got: brief(kind), kinds: EVENT_KINDS.join(', ') });
    }
    check(file, n, kind, v.events[kind as EventKind], e);
    events.push({ line: n, event: e as TranscriptEvent });
  }
  pairUp(file, events);
  return { file, header: head as Header, events, completeBytes, torn };
}

/** Answers follow their question and results their command, by id. */
function pairUp(file: string, events: readonly Located[]): void {
  let question: string | null = null;
  const running = new Set<string>();
  for (const { line, event: e } of events) {
    if (e.kind === 'question') question = e.id;
    else if (e.kind === 'answer') {
      if (question !== e.id) throw new TranscriptError(file, line, { code: 'answerAlone', id: e.id });
      question = null;
    } else if (e.kind === 'command') running.add(e.id);
    else if (e.kind === 'result') {
      if (!running.delete(e.id)) throw new TranscriptError(file, line, { code: 'resultAlone', id: e.id });
    }
  }
}

/** A value for a message: short, and never a throw (a 5,000-deep array overflows JSON.stringify). */
function brief(v: unknown): string {
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function json(file: string, line: number, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new TranscriptError(file, line, { code: 'notJson', why: (e as Error).message });
  }
}

/** `kind` is the event's, or null for the header. */
function check(file: string, line: number, kind: string | null, validate: Check, v: unknown): void {
  const err = validate(v);
  if (err) throw new TranscriptError(file, line, { code: 'invalid', kind, path: err.path || '/', why: err.message });
}

/** One line of the file. */
export function serialize(v: Header | TranscriptEvent): string {
  return JSON.stringify(v) + '\n';
}

// What the runner hands an observer, as events. Shared by the recorder and replay, so that
// what replay compares is built exactly as what was recorded.

export function questionEvent(q: Question, setup = false): EventOf<'question'> {
  return {
    kind: 'question',
    id: q.id,
    flow: q.flow,
    node: q.node,
    input: q.input,
    text: q.text,
    ...(q.choices ? { choices: q.choices.map((c) => ({ value: c.value, label: c.label })) } : {}),
    ...(setup ? { setup: true } : {}),
  };
}

export function answerEvent(q: Question, a: Answer, source: AnswerSource, setup = false): EventOf<'answer'> {
  return { kind: 'answer', id: q.id, value: a, source, ...(setup ? { setup: true } : {}) };
}

export function commandEvent(c: Command, dest: string): EventOf<'command'> {
  return { kind: 'command', id: c.id, flow: c.flow, node: c.node, title: c.title, role: c.role, dest, argv: [...c.argv], timeoutMs: c.timeoutMs, root: c.root };
}

export function resultEvent(id: string, r: CommandResult): EventOf<'result'> {
  return {
    kind: 'result',
    id,
    exit: r.exit,
    stdout: r.stdout,
    stderr: r.stderr,
    durationMs: r.durationMs,
    timedOut: r.timedOut,
    truncated: { stdout: r.truncated.stdout, stderr: r.truncated.stderr },
    transport: r.transport ? { code: r.transport.code, message: r.transport.message } : null,
  };
}

export function resultOf(e: EventOf<'result'>): CommandResult {
  return { exit: e.exit, stdout: e.stdout, stderr: e.stderr, durationMs: e.durationMs, timedOut: e.timedOut, truncated: e.truncated, transport: e.transport };
}

/** Decisions and outcomes become events; a command's `result` item is already its own event. */
export function showEvent(item: ShownItem): EventOf<'decision'> | EventOf<'outcome'> | null {
  switch (item.kind) {
    case 'result':
      return null;
    case 'decision':
      return { kind: 'decision', flow: item.flow, node: item.node, when: item.when, goto: item.goto, at: `${item.loc.file}:${item.loc.line}:${item.loc.col}` };
    case 'outcome': {
      const o = item.outcome;
      const base = { kind: 'outcome' as const, outcome: o.kind, flow: o.flow, node: o.node };
      if (o.kind === 'fix') {
        const f = o.fix;
        return {
          ...base,
          fix: {
            id: f.id,
            title: f.title,
            cause: f.cause,
            evidence: f.evidence.map((e) => ({ role: e.role, argv: [...e.argv], lines: [...e.lines] })),
            fix: [...f.fix],
            ...(f.config !== undefined ? { config: f.config } : {}),
            verify: [...f.verify],
          },
        };
      }
      if (o.kind === 'unresolved') return { ...base, end: { title: o.end.title, checked: [...o.end.checked], nextSteps: [...o.end.nextSteps] } };
      return { ...base, error: { code: o.code, message: o.message, ...(o.transport ? { transport: o.transport } : {}), at: `${o.loc.file}:${o.loc.line}:${o.loc.col}` } };
    }
  }
}
