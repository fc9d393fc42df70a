/**
 * The transcript format: NDJSON, a header line then one event per line, appended as the
 * session goes. One source of truth (TypeBox) for the types and for the checks that turn a
 * bad line into `FILE:LINE: message`.
 *
 * Events are what the runner saw, in order: questions and answers, commands and results,
 * the engine's decisions and its outcome. Answers and results are the inputs (replay feeds
 * them back); questions, commands, decisions and the outcome are derived (replay compares
 * them with what today's flows produce; `replay --update` rewrites decisions and outcome).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Answer, Command, Question, ShowItem } from '../engine/types.js';
import type { CommandResult } from '../exec/types.js';

export const FORMAT = 'tshoot-transcript';
export const FORMAT_VERSION = 1;

const Role = Type.Union([Type.Literal('client'), Type.Literal('server'), Type.Literal('bastion'), Type.Literal('local')]);
const Lang = Type.Union([Type.Literal('en'), Type.Literal('ja')]);

const Target = Type.Object({
  url: Type.String(),
  scheme: Type.String(),
  host: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  path: Type.String(),
  loopback: Type.Boolean(),
  given: Type.Boolean(),
});

export const Header = Type.Object({
  format: Type.Literal(FORMAT),
  version: Type.Literal(FORMAT_VERSION),
  /** tshoot's version that recorded it. */
  tshoot: Type.String(),
  flow: Type.String({ minLength: 1 }),
  /** `Catalog.digest` of the flows loaded when it was recorded. */
  digest: Type.String(),
  /** ISO 8601. */
  started: Type.String(),
  target: Target,
  /** role → destination (`local`, an ssh destination). */
  roles: Type.Record(Type.String(), Type.String()),
  lang: Lang,
  /** Random, per transcript: secrets become `‹secret:HASH›` with HASH = sha256(salt, secret). */
  salt: Type.String({ minLength: 8 }),
  redacted: Type.Object({ hosts: Type.Boolean() }),
});
export type Header = Static<typeof Header>;

const Choice = Type.Object({ value: Type.String(), label: Type.String() });
/** Asked before the session (target, host roles): not part of the flow's walk. */
const Setup = Type.Optional(Type.Boolean());

const QuestionEvent = Type.Object({
  kind: Type.Literal('question'),
  id: Type.String(),
  flow: Type.String(),
  node: Type.String(),
  input: Type.Union([Type.Literal('confirm'), Type.Literal('select'), Type.Literal('input')]),
  text: Type.String(),
  choices: Type.Optional(Type.Array(Choice)),
  setup: Setup,
});
const AnswerEvent = Type.Object({
  kind: Type.Literal('answer'),
  id: Type.String(),
  value: Type.Union([Type.String(), Type.Boolean()]),
  source: Type.Union([Type.Literal('prompt'), Type.Literal('answers'), Type.Literal('replay')]),
  setup: Setup,
});
const CommandEvent = Type.Object({
  kind: Type.Literal('command'),
  id: Type.String(),
  flow: Type.String(),
  node: Type.String(),
  title: Type.String(),
  role: Role,
  dest: Type.String(),
  argv: Type.Array(Type.String()),
  timeoutMs: Type.Integer({ minimum: 0 }),
  root: Type.Boolean(),
});
const ResultEvent = Type.Object({
  kind: Type.Literal('result'),
  id: Type.String(),
  exit: Type.Union([Type.Integer(), Type.Null()]),
  stdout: Type.String(),
  stderr: Type.String(),
  durationMs: Type.Number({ minimum: 0 }),
  timedOut: Type.Boolean(),
  truncated: Type.Object({ stdout: Type.Boolean(), stderr: Type.Boolean() }),
  transport: Type.Union([
    Type.Null(),
    Type.Object({
      code: Type.Union([
        Type.Literal('dns'),
        Type.Literal('refused'),
        Type.Literal('timeout'),
        Type.Literal('auth'),
        Type.Literal('host-key'),
        Type.Literal('disconnected'),
        Type.Literal('unconfigured'),
      ]),
      message: Type.String(),
    }),
  ]),
});
const DecisionEvent = Type.Object({
  kind: Type.Literal('decision'),
  flow: Type.String(),
  node: Type.String(),
  /** The condition that matched; null for a plain `next`, a default or `on_unreachable`. */
  when: Type.Union([Type.String(), Type.Null()]),
  goto: Type.String(),
  /** FILE:LINE:COL of the branch in the flow as it was. */
  at: Type.String(),
});
const Evidence = Type.Object({ role: Role, argv: Type.Array(Type.String()), lines: Type.Array(Type.String()) });
const OutcomeEvent = Type.Object({
  kind: Type.Literal('outcome'),
  outcome: Type.Union([Type.Literal('fix'), Type.Literal('unresolved'), Type.Literal('error')]),
  flow: Type.String(),
  node: Type.String(),
  fix: Type.Optional(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      cause: Type.String(),
      evidence: Type.Array(Evidence),
      fix: Type.Array(Type.String()),
      config: Type.Optional(Type.String()),
      verify: Type.Array(Type.String()),
    }),
  ),
  end: Type.Optional(Type.Object({ title: Type.String(), checked: Type.Array(Type.String()), nextSteps: Type.Array(Type.String()) })),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), transport: Type.Optional(Type.String()), at: Type.String() })),
});
/** `tshoot resume` continued the session from here. */
const ResumedEvent = Type.Object({ kind: Type.Literal('resumed'), at: Type.String() });

const EVENTS = {
  question: QuestionEvent,
  answer: AnswerEvent,
  command: CommandEvent,
  result: ResultEvent,
  decision: DecisionEvent,
  outcome: OutcomeEvent,
  resumed: ResumedEvent,
} as const satisfies Record<string, TSchema>;

export type EventKind = keyof typeof EVENTS;
export type TranscriptEvent = { [K in EventKind]: Static<(typeof EVENTS)[K]> }[EventKind];
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
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
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
  if (lines.length === 0) throw new TranscriptError(file, 1, torn ? 'the header line is cut short' : 'empty file: no header');
  const head = json(file, 1, lines[0]!);
  if (typeof head !== 'object' || head === null || (head as { format?: unknown }).format !== FORMAT) {
    throw new TranscriptError(file, 1, `not a tshoot transcript: the first line must be {"format":"${FORMAT}",…}`);
  }
  if ((head as { version?: unknown }).version !== FORMAT_VERSION) {
    throw new TranscriptError(file, 1, `transcript format version ${brief((head as { version?: unknown }).version)} is not supported (this tshoot reads version ${FORMAT_VERSION})`);
  }
  check(file, 1, 'header', Header, head);
  const events: Located[] = [];
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!;
    if (raw.trim() === '') throw new TranscriptError(file, n, 'empty line');
    const v = json(file, n, raw);
    const kind = typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string' || !(kind in EVENTS)) {
      throw new TranscriptError(file, n, `unknown event kind ${brief(kind)}; expected one of ${Object.keys(EVENTS).join(', ')}`);
    }
    check(file, n, `"${kind}" event`, EVENTS[kind as EventKind], v);
    events.push({ line: n, event: v as TranscriptEvent });
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
      if (question !== e.id) throw new TranscriptError(file, line, `answer to "${e.id}" without its question before it`);
      question = null;
    } else if (e.kind === 'command') running.add(e.id);
    else if (e.kind === 'result') {
      if (!running.delete(e.id)) throw new TranscriptError(file, line, `result of "${e.id}" without its command before it`);
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
    throw new TranscriptError(file, line, `not JSON: ${(e as Error).message}`);
  }
}

function check(file: string, line: number, what: string, schema: TSchema, v: unknown): void {
  const err = Value.Errors(schema, v).First();
  if (err) throw new TranscriptError(file, line, `${what}: ${err.path || '/'}: ${err.message.toLowerCase()}`);
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

export function answerEvent(q: Question, a: Answer, source: 'prompt' | 'answers' | 'replay', setup = false): EventOf<'answer'> {
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
export function showEvent(item: ShowItem): EventOf<'decision'> | EventOf<'outcome'> | null {
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
