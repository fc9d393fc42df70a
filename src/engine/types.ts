/**
 * The engine's vocabulary: the session state, the events that move it, and the effects it
 * asks the runner to perform. All plain data, so that a live session, a replay and a test
 * drive the same `step`.
 */
import type { CommandResult, Role, TransportErrorCode } from '../exec/types.js';
import type { Loc } from '../flow/problem.js';
import type { Lang } from '../flow/template.js';
import type { HostsInfo, TargetInfo } from '../flow/globals.js';
import { list, struct, type Infer } from '../parsers/types.js';

export type Answer = string | boolean;

/** How a question is answered; the flow and transcript schemas are built from this list. */
export const INPUT_KINDS = ['confirm', 'select', 'input'] as const;

/** A `select` question's choice; the transcript's question schema is built from it. */
export const CHOICE_TYPE = struct('Choice', { value: 'string', label: 'string' });
export type Choice = Readonly<Infer<typeof CHOICE_TYPE>>;

export interface Question {
  /** The node id; `flow.node` when the question comes from a called flow. */
  readonly id: string;
  readonly flow: string;
  readonly node: string;
  readonly input: (typeof INPUT_KINDS)[number];
  readonly text: string;
  readonly help?: string;
  readonly choices?: readonly Choice[];
  readonly pattern?: string;
  readonly default?: Answer;
  /** A host question (`host.ROLE`): the engine asks it before the role's first command. */
  readonly hostRole?: AskedRole;
  /** Why the question is asked again: the answer before it could not be used (the host's name did not resolve). */
  readonly retry?: { readonly answer: string; readonly error: string };
}

/** The roles whose host is asked when not given (a bastion is only ever given). */
export type AskedRole = 'client' | 'server';

export interface Command {
  /** The node id (qualified like a question's when in a called flow). */
  readonly id: string;
  readonly flow: string;
  readonly node: string;
  readonly role: Role;
  readonly argv: readonly string[];
  readonly timeoutMs: number;
  readonly root: boolean;
  readonly title: string;
}

/** The target and hosts a flow reads: declared once with their CEL types. */
export type { HostsInfo, TargetInfo } from '../flow/globals.js';

/** What a fix card shows of a command's output; the transcript's schema is built from it (`role` a `Role`). */
export const EVIDENCE_TYPE = struct('Evidence', { role: 'string', argv: list('string'), lines: list('string') });
export type Evidence = { readonly [K in keyof Infer<typeof EVIDENCE_TYPE>]: Readonly<Infer<typeof EVIDENCE_TYPE>[K]> } & { readonly role: Role };

/** A command of a fix's apply, rendered: what will run, where, if the user agrees. */
export interface ApplyStep {
  readonly title: string;
  readonly role: Role;
  readonly argv: readonly string[];
  readonly root: boolean;
  readonly timeoutMs: number;
  /** The file this step edits: copied aside first, restored on rollback. */
  readonly backup?: string;
}

export interface ApplyPlan {
  readonly steps: readonly ApplyStep[];
  /** Re-run after the steps (the original failing probe); exit 0 means fixed. */
  readonly check: Command;
  readonly rollback: readonly ApplyStep[];
}

export interface FixCard {
  readonly id: string;
  readonly title: string;
  readonly cause: string;
  readonly evidence: readonly Evidence[];
  readonly fix: readonly string[];
  readonly config?: string;
  readonly verify: readonly string[];
  readonly apply?: ApplyPlan;
}

export interface EndCard {
  readonly title: string;
  readonly checked: readonly string[];
  readonly nextSteps: readonly string[];
}

export interface CheckRecord {
  readonly id: string;
  readonly role: Role;
  readonly title: string;
  readonly argv: readonly string[];
  readonly ok: boolean;
  readonly summary: Summary;
}

/**
 * A result's one-line summary: its text, or, for a node with a `summary` template, what renders
 * it (the frame the node ran in, the session's globals then). Rendered only when a port reads it
 * (`engine/render.ts` `shown`: a progress line, a card; replay --check and --quiet read none), so
 * the state stays plain data at no cost.
 */
export type Summary = string | { readonly flow: string; readonly node: string; readonly frame: Frame; readonly globals: Globals };

/** A check as the ports see it: its summary as text. */
export type CheckView = Omit<CheckRecord, 'summary'> & { readonly summary: string };

/** A `show` effect's item as the ports (reporter, observers) see it: summaries as text. */
export type ShownItem =
  | (Omit<Extract<ShowItem, { kind: 'result' }>, 'summary'> & { readonly summary: string })
  | (Omit<Extract<ShowItem, { kind: 'outcome' }>, 'checks'> & { readonly checks: readonly CheckView[] })
  | Exclude<ShowItem, { kind: 'result' | 'outcome' }>;

/** How a session ends; the transcript's outcome schema is built from this list (format.ts maps every `Outcome` to one of them). */
export const OUTCOME_KINDS = ['fix', 'unresolved', 'error'] as const satisfies readonly Outcome['kind'][];

export type Outcome =
  | { readonly kind: 'fix'; readonly flow: string; readonly node: string; readonly fix: FixCard }
  | { readonly kind: 'unresolved'; readonly flow: string; readonly node: string; readonly end: EndCard }
  | {
      readonly kind: 'error';
      /** `unreachable`: a host could not be reached and the node has no `on_unreachable`. */
      readonly code: 'unreachable' | 'expression' | 'loop';
      /** With `unreachable`: how the host could not be reached. */
      readonly transport?: TransportErrorCode;
      readonly message: string;
      readonly flow: string;
      readonly node: string;
      readonly loc: Loc;
    };

export type ShowItem =
  | {
      readonly kind: 'result';
      readonly command: Command;
      readonly result: CommandResult;
      readonly summary: Summary;
      /** The id of the command run earlier in the session whose result this one took (nothing was run). */
      readonly reused?: string;
      /** Its command ran earlier, beside another node's (`together`), for this node: shown as run, with its own duration. */
      readonly prefetched?: true;
    }
  | {
      readonly kind: 'decision';
      readonly flow: string;
      readonly node: string;
      /** The condition that matched; null for a plain `next` or a default. */
      readonly when: string | null;
      readonly goto: string;
      readonly loc: Loc;
    }
  | { readonly kind: 'outcome'; readonly outcome: Outcome; readonly checks: readonly CheckRecord[] };

export type Effect =
  | { readonly kind: 'ask'; readonly question: Question }
  | { readonly kind: 'exec'; readonly commands: readonly Command[] }
  | { readonly kind: 'show'; readonly item: ShowItem };

export type EngineEvent =
  | {
      readonly kind: 'start';
      readonly flow: string;
      readonly target: TargetInfo;
      readonly hosts: HostsInfo;
      readonly lang: Lang;
    }
  | { readonly kind: 'answer'; readonly id: string; readonly value: Answer }
  | { readonly kind: 'result'; readonly id: string; readonly result: CommandResult };

export interface Frame {
  readonly flow: string;
  readonly node: string;
  /** The values of the nodes that have run or been answered in this frame, as plain data (CEL's form is made when an expression reads them: engine/values.ts `celValue`). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** What each run node ran and got back, for evidence. */
  readonly runs: Readonly<Record<string, { readonly role: Role; readonly argv: readonly string[]; readonly result: CommandResult }>>;
}

/** What every flow reads: the target, the roles' hosts, the language. */
export type Globals = Readonly<{ target: TargetInfo; hosts: HostsInfo; lang: Lang }>;

export interface SessionState {
  readonly status: 'new' | 'asking' | 'running' | 'done';
  readonly stack: readonly Frame[];
  readonly globals: Globals | null;
  /** The question or command the engine waits for. */
  readonly pending: string | null;
  readonly outcome: Outcome | null;
  readonly questions: number;
  readonly commands: number;
  readonly checks: readonly CheckRecord[];
  /** How many times each role's host was asked (absent: given at the start, never asked). */
  readonly hostAsks?: Readonly<Partial<Record<AskedRole, number>>>;
  /**
   * The commands the session ran and what came back, every frame's: a run node whose command
   * (role, host, argv, root) is one of these takes its result instead of running it again,
   * unless it says `recheck: true`. Absent: nothing ran yet.
   */
  readonly ran?: readonly RanCommand[];
  /**
   * The commands of the pending `exec` run beside the node's own (a run node's `together`),
   * whose results have not come back yet: each comes back as a `result` event of its own, in
   * the order of the effect, before the node's own result. Absent: none.
   */
  readonly prefetch?: readonly Prefetched[];
}

export interface RanCommand {
  readonly id: string;
  readonly role: Role;
  readonly host: string;
  readonly argv: readonly string[];
  readonly root: boolean;
  readonly result: CommandResult;
  /** Run beside another node's command (`together`), for the node whose id it has, and not taken by a node yet (then it is that node's). */
  readonly prefetched?: true;
}

/** A command run ahead for a node (`together`), waiting for its result. */
export type Prefetched = Omit<RanCommand, 'result' | 'prefetched'>;

export const INITIAL_STATE: SessionState = {
  status: 'new',
  stack: [],
  globals: null,
  pending: null,
  outcome: null,
  questions: 0,
  commands: 0,
  checks: [],
};

export interface Step {
  readonly state: SessionState;
  readonly effects: readonly Effect[];
}
