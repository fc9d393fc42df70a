/**
 * The transcript format's schemas (TypeBox): the one source of truth for the types of
 * format.ts and for the checks of each line. Loaded by the type checker, by the build (which
 * precompiles the checks, see validators.ts) and from source (tests); never by the built CLI.
 */
import { Type, type Static, type TArray, type TBoolean, type TInteger, type TSchema, type TString } from '@sinclair/typebox';
import { FORMAT, FORMAT_VERSION } from './constants.js';
import { ROLES, TRANSPORT_ERROR_CODES } from '../exec/types.js';
import { CHOICE_TYPE, EVIDENCE_TYPE, INPUT_KINDS, OUTCOME_KINDS } from '../engine/types.js';
import { ANSWER_SOURCES } from '../engine/ports.js';
import { TARGET_TYPE } from '../flow/globals.js';
import { LANGS } from '../flow/template.js';
import type { ListType, StructFields, ValueType } from '../parsers/types.js';

// The vocabulary shared with the engine is declared there once (issue 18); the schemas are built from it.
const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Lang = Type.Union(LANGS.map((l) => Type.Literal(l)));
const TransportCode = Type.Union(TRANSPORT_ERROR_CODES.map((c) => Type.Literal(c)));

/** `target`'s fields from its CEL type (each a string, int or bool), the port in range. */
const Target = Type.Object({ ...valueFields(TARGET_TYPE.fields), port: Type.Integer({ minimum: 0, maximum: 65535 }) });

/** A file as it was when the session was recorded: its absolute path and `sha256:HEX` of its bytes. */
const FileRef = Type.Object({ path: Type.String({ minLength: 1 }), sha256: Type.String() });

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
  // What `run` was given that `resume` needs again (issue 16). Optional: transcripts recorded
  // before have none, and stay readable (same FORMAT_VERSION; readers ignore fields they do not know).
  /** `--ssh-config`: resume reads the same file, and says so when its text changed. */
  sshConfig: Type.Optional(FileRef),
  /** `--flows` folders or files, absolute: resume loads them again. */
  flows: Type.Optional(Type.Array(Type.String())),
  /** The user's flow files the session used (the flow and those it calls; not the shipped ones, which `digest` covers). */
  flowFiles: Type.Optional(Type.Array(FileRef)),
});
export type Header = Static<typeof Header>;
export type FileRef = Static<typeof FileRef>;

const Choice = Type.Object(valueFields(CHOICE_TYPE.fields));
/** Asked before the session (target, host roles): not part of the flow's walk. */
const Setup = Type.Optional(Type.Boolean());

const QuestionEvent = Type.Object({
  kind: Type.Literal('question'),
  id: Type.String(),
  flow: Type.String(),
  node: Type.String(),
  input: Type.Union(INPUT_KINDS.map((k) => Type.Literal(k))),
  text: Type.String(),
  choices: Type.Optional(Type.Array(Choice)),
  setup: Setup,
});
const AnswerEvent = Type.Object({
  kind: Type.Literal('answer'),
  id: Type.String(),
  value: Type.Union([Type.String(), Type.Boolean()]),
  source: Type.Union(ANSWER_SOURCES.map((s) => Type.Literal(s))),
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
      code: TransportCode,
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
const Evidence = Type.Object({ ...valueFields(EVIDENCE_TYPE.fields), role: Role });
const OutcomeEvent = Type.Object({
  kind: Type.Literal('outcome'),
  outcome: Type.Union(OUTCOME_KINDS.map((k) => Type.Literal(k))),
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

export const EVENTS = {
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

type ScalarSchema<T> = T extends 'int' ? TInteger : T extends 'bool' ? TBoolean : TString;
type ValueSchema<T> = T extends ListType<infer E> ? TArray<ScalarSchema<E>> : ScalarSchema<T>;

/** A struct's fields (scalars, lists of scalars) as TypeBox schemas, so that `Static<…>` is the struct's `Infer<…>`. */
function valueFields<F extends StructFields>(fields: F): { [K in keyof F]: ValueSchema<F[K]> } {
  const scalar = (k: string, t: ValueType): TSchema => {
    if (typeof t !== 'string') throw new Error(`transcript schema: ${k} is not a scalar nor a list of scalars`);
    return t === 'int' ? Type.Integer() : t === 'bool' ? Type.Boolean() : Type.String();
  };
  const out: Record<string, TSchema> = {};
  for (const [k, t] of Object.entries(fields)) out[k] = typeof t === 'object' && 'list' in t ? Type.Array(scalar(k, t.list)) : scalar(k, t);
  return out as { [K in keyof F]: ValueSchema<F[K]> };
}
