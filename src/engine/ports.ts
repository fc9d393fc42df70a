/**
 * The ports through which the runner performs the engine's effects. Live use plugs in the
 * terminal prompter, the local/SSH executors and the terminal reporter; replay plugs in a
 * transcript; tests plug in scripts. The engine knows none of them.
 */
import type { CommandResult, Role } from '../exec/types.js';
import type { Answer, Command, Question, ShownItem } from './types.js';

/** Where an answer came from; the transcript's answer schema is built from this list. */
export const ANSWER_SOURCES = ['prompt', 'answers', 'replay'] as const;
export type AnswerSource = (typeof ANSWER_SOURCES)[number];
/** A live session's answers: asked at a prompt, or read from the answers file. */
export type LiveAnswerSource = Exclude<AnswerSource, 'replay'>;

export interface Prompter {
  /** Resolves with the answer; rejects with `NeedsInput` or `Interrupted`. */
  ask(q: Question): Promise<Answer>;
}

export interface Executors {
  /** Runs a command on the host playing `role`. Never rejects: failures are results. */
  run(role: Role, cmd: Command, signal?: AbortSignal): Promise<CommandResult>;
  /** What the user named for `role` (`local`, an ssh alias…), for display. */
  dest(role: Role): string;
  /** The host for `role`, answered during the session (`host.ROLE`): the role's next commands run there. */
  assign?(role: Role, dest: string): void;
  close(): Promise<void>;
}

export interface Reporter {
  /** Commands about to run together. */
  commandsStart(cmds: readonly Command[], dests: readonly string[]): void;
  /** Commands that ran together have all come back (their result lines come as the flow reaches their nodes). */
  commandsEnd?(cmds: readonly Command[]): void;
  show(item: ShownItem): void;
  /** An answer was given without a prompt (answers file, replay). */
  answered?(q: Question, a: Answer, source: Exclude<AnswerSource, 'prompt'>): void;
}

/** Someone wants to know everything that happened, in order: the transcript recorder. */
export interface SessionObserver {
  question?(q: Question): void;
  answer?(q: Question, a: Answer, source: AnswerSource): void;
  command?(cmd: Command, dest: string): void;
  result?(cmd: Command, r: CommandResult): void;
  show?(item: ShownItem): void;
}

export class NeedsInput extends Error {
  readonly code = 'needs-input';
  constructor(readonly question: Question) {
    super(`no answer for question "${question.id}": add it to the answers file, or run interactively`);
  }
}

export class Interrupted extends Error {
  readonly code = 'interrupted';
  constructor() {
    super('interrupted');
  }
}
