/**
 * `tshoot run FLOW` (and the flow the menu chose, menu.ts) in three parts: the set-up, a plain
 * value read from the options (`runSetup`); the ports made from it, with one `close`
 * (`openPorts`); the session through the runner, its outcome or the error that stopped it
 * turned into output and an exit code by the one mapping (outcome.ts).
 */
import { resolve } from 'node:path';
import { Interrupted, NeedsInput, type Prompter } from '../engine/ports.js';
import { checkAnswer } from '../engine/answer.js';
import { hostQuestion } from '../engine/host-question.js';
import { runSession } from '../engine/runner.js';
import type { Answer, HostsInfo, TargetInfo } from '../engine/types.js';
import { createExecutors, type RemoteFactory, type RoleMap } from '../exec/hosts.js';
import type { SshPool } from '../exec/ssh.js';
import type { Role } from '../exec/types.js';
import type { Catalog } from '../flow/catalog.js';
import type { Flow } from '../flow/compile.js';
import { isShippedFile } from '../flow/as-built.js';
import { fileRef } from '../transcript/format.js';
import type { Recorder, SessionInfo } from '../transcript/recorder.js';
import { formatProblem, isError } from '../flow/problem.js';
import { detectLang, type Lang } from '../flow/template.js';
import { HOST_RETRY_TEXT, sayAnswer, SSH_TEXT, USAGE_TEXT } from '../ui/messages.js';
import { closestAlias, createAnswersPrompter, createInquirerPrompter, type TerminalPrompter } from '../ui/prompter.js';
import { createTerminalReporter, type TerminalReporter } from '../ui/reporter.js';
import { interruptedNote } from '../ui/cards.js';
import { colorEnabled, makeStyle, progressMode, type ProgressMode, type Style } from '../ui/style.js';
import { checkAnswerIds, NO_ANSWERS, questionIds, readAnswers, type AnswersFile } from './answers.js';
import { applyJson, offerApply, type ApplyOptions } from './apply.js';
import { closeTranscript, openTranscript, type SessionHooks } from './record.js';
import { findFlow, openCatalog } from './catalog.js';
import { EXIT, promptStream, selfCommand, type CliIO, type OutStream } from './io.js';
import { exitFor, jsonResult, stopFor } from './outcome.js';
import { isThisMachine, NO_TARGET, parseTarget, targetQuestion, UsageError } from './target.js';

export interface RunOptions extends ApplyOptions {
  readonly target?: string;
  readonly host?: readonly string[];
  readonly answers?: string;
  readonly nonInteractive?: boolean;
  readonly json?: boolean;
  /** A path; false with `--no-transcript` (commander may give true: the default place). */
  readonly transcript?: string | boolean;
  readonly redactHosts?: boolean;
  readonly lang?: string;
  readonly flows?: readonly string[];
  readonly sshConfig?: string;
  readonly acceptNewHostKeys?: boolean;
  readonly verbose?: boolean;
  readonly quiet?: boolean;
  /** Answers given on resume's command line (`--answer ID=VALUE`), over the answers file's. */
  readonly answerValues?: ReadonlyMap<string, unknown>;
}

/**
 * What `run` knows before a flow is chosen (the symptom menu may choose it: menu.ts): the
 * options read and checked — their mistakes said before any prompt —, the catalogue open;
 * nothing started, nothing to close.
 */
export interface RunSetup {
  readonly io: CliIO;
  readonly opts: RunOptions;
  readonly lang: Lang;
  /** Where prompts are drawn, or null: no terminal to ask on (io.ts `promptStream`). */
  readonly promptOut: OutStream | null;
  readonly answersFile: AnswersFile;
  /** The answers file's, then resume's `--answer` corrections over them. */
  readonly answers: ReadonlyMap<string, unknown>;
  readonly roles: Readonly<RoleMap>;
  readonly cat: Catalog;
  readonly style: Style;
  /** Progress and cards: stdout, or stderr with `--json`. */
  readonly out: OutStream;
  readonly mode: ProgressMode;
}

export function runSetup(io: CliIO, opts: RunOptions): RunSetup {
  const lang = detectLang(opts.lang, io.env);
  if (opts.lang !== undefined && opts.lang !== 'en' && opts.lang !== 'ja') throw new UsageError((t) => t.badChoice('--lang', String(opts.lang), ['en', 'ja']));
  // Without a terminal to ask on, the session still runs while every answer is known (an
  // answers file, --target, --host); the first question without one stops it (exit 2).
  const promptOut = promptStream(io, opts);
  const answersFile = opts.answers ? readAnswers(opts.answers, io.cwd) : NO_ANSWERS;
  const answers = new Map([...answersFile.values, ...(opts.answerValues ?? [])]);
  // The engine asks for a host only when its first command is about to run: a host in the
  // answers file is checked now, before anything runs (issue 12: never an option to ssh).
  for (const role of ['client', 'server'] as const) {
    const r = answers.has(`host.${role}`) ? checkAnswer(hostQuestion('', role, NO_TARGET, lang), answers.get(`host.${role}`)) : null;
    if (r && !r.ok) throw new UsageError((u) => `${answersFile.at.get(`host.${role}`) ?? 'answers file'}: ${sayAnswer(r.problem, u.answer, true)}`);
  }
  const roles = parseHosts(opts.host ?? []);
  const cat = openCatalog(io, opts.flows);
  const out = opts.json ? io.stderr : io.stdout;
  return { io, opts, lang, promptOut, answersFile, answers, roles, cat, style: makeStyle(colorEnabled(io.env, out.isTTY === true)), out, mode: progressMode(out, io.env, opts) };
}

/** `tshoot run FLOW`: set-up → ports → finish. */
export async function runCommand(io: CliIO, flowId: string, opts: RunOptions, hooks: SessionHooks = {}): Promise<number> {
  const s = runSetup(io, opts);
  return runFlow(s, findFlow(s.cat, flowId), hooks);
}

/** The session of `flow` through ports made from the set-up; they are closed once, whatever ends it. */
export async function runFlow(s: RunSetup, flow: Flow, hooks: SessionHooks = {}): Promise<number> {
  const used = withCalled(s.cat, flow);
  refuseBroken(s.cat, used);
  checkAnswerIds(s.answersFile, flow.id, questionIds(used));
  const ports = await openPorts(s, flow, hooks);
  try {
    const { end, applied } = await session(s, flow, used, ports, hooks);
    if (s.opts.json) ports.json({ ...jsonResult(end.outcome, end.state, ports.counts.questions), ...applyJson(applied), ...ports.ssh.summary() });
    // A fix that was applied and did not verify leaves the problem unresolved.
    return applied.kind === 'ran' && !applied.result.verified ? EXIT.unresolved : exitFor(end.outcome);
  } catch (e) {
    return stopped(s, ports, e);
  } finally {
    await ports.close();
  }
}

/** What a session runs through, made once from the set-up, with the one `close`. */
interface RunPorts {
  readonly reporter: TerminalReporter;
  /** The inquirer prompter on the terminal, or null. */
  readonly terminal: TerminalPrompter | null;
  /** Answers file first, then the terminal; counted. */
  readonly prompter: Prompter;
  /** The same, recording the setup questions (the target) as such. */
  readonly setup: Prompter;
  readonly executors: ReturnType<typeof createExecutors>;
  readonly recorder: Recorder | null;
  /** The set-up's roles, the server made `local` when the target is this machine. */
  readonly roles: RoleMap;
  /** Questions answered and commands started, for `--json` when the session stops before its outcome. */
  readonly counts: { questions: number; commands: number };
  readonly ssh: SshConnections;
  /** The `--json` object on stdout, with the flow and where the session is recorded. */
  json(o: Record<string, unknown>): void;
  close(): Promise<void>;
}

async function openPorts(s: RunSetup, flow: Flow, hooks: SessionHooks): Promise<RunPorts> {
  const { io, opts, lang } = s;
  // ora and boxen are loaded once the flow is known: after the symptom menu is drawn, not
  // before (issue 8: the first prompt within 1.5× of bare node).
  const [ora, boxen] = await Promise.all([
    s.mode === 'spinners' ? import('ora').then((m) => m.default) : null,
    !opts.json && s.out.isTTY ? import('boxen').then((m) => m.default) : null,
  ]);
  const reporter = createTerminalReporter({ out: s.out, style: s.style, mode: s.mode, verbose: opts.verbose === true, lang, dest: (role) => executors.dest(role), ora, boxen, card: !opts.json });
  const hostAliases = () => import('../exec/ssh-config.js').then((m) => m.listSshAliases(opts.sshConfig));
  const terminal = s.promptOut
    ? createInquirerPrompter({
        input: io.stdin,
        output: s.promptOut,
        ...(io.signal ? { signal: io.signal } : {}),
        style: s.style,
        lang,
        beforePrompt: () => reporter.pause(),
        afterPrompt: () => reporter.resume(),
        hostAliases,
      })
    : null;
  const answering = createAnswersPrompter(s.answers, terminal, (q, a) => reporter.answered?.(q, a, 'answers'), { at: s.answersFile.at, hostAliases, lang: s.lang });
  const counts = { questions: 0, commands: 0 };
  const prompter: Prompter = {
    ask: async (q) => {
      const a = await answering.ask(q);
      counts.questions++;
      return a;
    },
  };
  const roles: RoleMap = { ...s.roles };
  const ssh = sshConnections(opts, terminal, flow.id, s.lang);
  // A host given by flag is not asked again when its name does not resolve: the flag is named,
  // with the closest ssh alias.
  const hosts = createExecutors(roles, ssh.remote, async (role) => {
    const flag = opts.host?.find((h) => h.startsWith(`${role}=`));
    if (!flag) return undefined;
    const guess = closestAlias(flag.slice(role.length + 1), await hostAliases().catch(() => []));
    return `--host ${flag}${guess ? ` (${HOST_RETRY_TEXT[s.lang].mean(`--host ${role}=${guess}`)})` : ''}`;
  });
  const executors: typeof hosts = { ...hosts, run: (role, cmd, signal) => (counts.commands++, hosts.run(role, cmd, signal)) };
  const recorder = openTranscript(io, opts, flow.id, s.answers, hooks);
  return {
    reporter,
    terminal,
    prompter,
    setup: recorder ? recorder.setup(prompter) : prompter,
    executors,
    recorder,
    roles,
    counts,
    ssh,
    // `transcript`: where this session is recorded (what `tshoot resume` and `report` take), or null.
    json: (o) => io.stdout.write(JSON.stringify({ flow: flow.id, ...o, transcript: recorder?.written() ? recorder.path : null }) + '\n'),
    close: async () => {
      closeTranscript(io, recorder, io.signal?.aborted === true, lang);
      await executors.close();
      await ssh.close();
    },
  };
}

/** The target, the flow through the runner, then the fix offered. */
async function session(s: RunSetup, flow: Flow, used: readonly Flow[], p: RunPorts, hooks: SessionHooks) {
  const { io, opts, lang } = s;
  const target = await resolveTarget(flow, opts.target, p.setup, lang);
  if (p.roles.server === undefined && target.given && isThisMachine(target.host)) p.roles.server = 'local';
  // A role without a host is asked for by the engine, when its first command is about to run.
  const hosts: HostsInfo = { client: p.roles.client ?? 'local', server: p.roles.server ?? '', bastion: p.roles.bastion ?? '' };
  // Issue 17: the hosts the flows use whose names are known now (--host, the answers file) are
  // connected to while the first steps run, asking nobody: a question (host key, passphrase)
  // waits for the first command on that host, which also reports a failure to reach it; a host
  // no command uses is only closed at the end. Resume (recorded executors first) connects as
  // its commands need, as before.
  for (const role of flowRoles(used)) {
    if (hooks.executors || role === 'local') {
      p.executors.prepare(role);
      continue;
    }
    const dest = p.roles[role] ?? answeredHost(s, role);
    const warming = dest === undefined ? null : p.executors.warm(role, dest);
    if (warming && dest) p.reporter.connecting(role, dest, warming);
  }
  p.recorder?.begin({ flow: flow.id, digest: s.cat.digest, target, hosts, lang, files: sessionFiles(io, opts, used) });
  const observers = p.recorder ? [p.recorder] : [];
  const signal = io.signal ? { signal: io.signal } : {};
  const end = await runSession(s.cat, { kind: 'start', flow: flow.id, target, hosts, lang }, {
    prompter: hooks.prompter?.(p.prompter) ?? p.prompter,
    executors: hooks.executors?.(p.executors) ?? p.executors,
    observers,
    reporter: p.reporter,
    ...signal,
  });
  if (io.signal?.aborted) throw new Interrupted();
  const applied = await offerApply(end.outcome, opts, { out: s.out, executors: p.executors, reporter: p.reporter, observers, terminal: p.terminal, lang, quiet: opts.quiet === true, ...signal, ...(io.holdInterrupts ? { holdInterrupts: io.holdInterrupts } : {}) });
  return { end, applied };
}

/** An error that stopped the session: its exit code and `--json` object from the one mapping (outcome.ts), the lines a person reads. */
function stopped(s: RunSetup, p: RunPorts, e: unknown): number {
  const { io, opts } = s;
  p.reporter.stopAll();
  // Whatever ends a session Ctrl-C aborted is the interruption, unless it is a missing answer.
  const stop = io.signal?.aborted && !(e instanceof NeedsInput) ? stopFor(new Interrupted()) : stopFor(e, opts);
  // Usage errors (a bad answer among them) are the CLI's to say (cli.ts), by the same mapping.
  if (!stop || stop.json.outcome === 'error') throw e;
  if (opts.json) p.json({ ...stop.json, questions: p.counts.questions, commands: p.counts.commands });
  if (e instanceof NeedsInput) {
    const u = USAGE_TEXT[s.lang];
    io.stderr.write(`tshoot: ${opts.nonInteractive ? u.noAnswer(e.question.id) : u.noTerminalFor(e.question.id)}\n`);
  } else io.stderr.write(interruptedNote(s.lang, p.recorder?.written() ? p.recorder.path : null, selfCommand(io.env)));
  return stop.exit;
}

/** SSH connections, opened on a command's first need: the pool is made (and its code loaded) then. */
interface SshConnections {
  readonly remote: RemoteFactory;
  /** SSH handshakes per host (`user@host:port`): one per host per session is the promise. */
  summary(): Record<string, unknown>;
  close(): Promise<void>;
}

function sshConnections(opts: RunOptions, terminal: TerminalPrompter | null, flowId: string, lang: Lang): SshConnections {
  let pool: SshPool | null = null;
  const remote: RemoteFactory = async (dest, { jump }) => {
    // `ssh -G` runs while the SSH code loads (issue 17: ~0.1 s before the first connection).
    const config = await import('../exec/ssh-config.js');
    const resolving = config.resolveSshDest(dest, opts.sshConfig ? { configFile: opts.sshConfig } : {});
    resolving.catch(() => {});
    const ssh = await import('../exec/ssh.js');
    pool ??= new ssh.SshPool();
    return ssh.createSshExecutor(dest, {
      pool,
      ...(opts.sshConfig ? { configFile: opts.sshConfig } : {}),
      acceptNewHostKeys: opts.acceptNewHostKeys === true,
      lang,
      resolving,
      ...(jump ? { jump } : {}),
      ...(terminal
        ? {
            confirmHostKey: async (info) =>
              (await terminal.ask({
                id: `hostkey.${info.host}`,
                flow: flowId,
                node: 'hostkey',
                input: 'confirm',
                text: SSH_TEXT[lang].trustHostKey(`${info.host}:${info.port}`, info.keyType, info.fingerprint),
                default: false,
              })) === true,
            askSecret: (prompt) => terminal.secret(prompt),
          }
        : {}),
    });
  };
  return {
    remote,
    summary: () => (pool ? { ssh: { handshakes: Object.fromEntries(pool.handshakes) } } : {}),
    close: async () => {
      await pool?.close();
    },
  };
}

/**
 * What `resume` needs again (issue 16): `--ssh-config` and `--flows` as absolute paths, and the
 * user's flow files the session uses with their digests, so that a resume reads the same files
 * and says so when one changed.
 */
function sessionFiles(io: CliIO, opts: RunOptions, used: readonly Flow[]): SessionInfo['files'] {
  const ssh = opts.sshConfig ? resolve(io.cwd, opts.sshConfig) : null;
  const flowFiles = used
    .map((f) => resolve(io.cwd, f.file))
    .filter((f) => !isShippedFile(f))
    .flatMap((f) => fileRef(f) ?? []);
  return {
    ...(ssh ? { sshConfig: fileRef(ssh) ?? { path: ssh, sha256: '' } } : {}),
    ...(opts.flows?.length ? { flows: opts.flows.map((d) => resolve(io.cwd, d)) } : {}),
    ...(flowFiles.length ? { flowFiles } : {}),
  };
}

/** `client=local`, `server=web1`, `bastion=jump@198.18.0.1:2222`. */
export function parseHosts(flags: readonly string[]): RoleMap {
  const roles: RoleMap = {};
  for (const f of flags) {
    const m = /^([a-z]+)=(.+)$/.exec(f);
    if (!m) throw new UsageError((t) => t.hostFormat(JSON.stringify(f)));
    const role = m[1] as keyof RoleMap;
    if (role !== 'client' && role !== 'server' && role !== 'bastion') throw new UsageError((t) => t.hostRole(JSON.stringify(f), m[1]!));
    const dest = m[2]!.trim();
    if (dest.startsWith('-') || /\s/.test(dest)) throw new UsageError((t) => t.hostDest(JSON.stringify(f), dest));
    roles[role] = dest;
  }
  roles.client ??= 'local';
  return roles;
}

/** The flow and every flow it calls, directly or not. */
function withCalled(cat: Catalog, flow: Flow): Flow[] {
  const seen = new Map<string, Flow>();
  const visit = (f: Flow) => {
    if (seen.has(f.id)) return;
    seen.set(f.id, f);
    for (const n of Object.values(f.doc.nodes)) {
      const c = n.kind === 'call' ? cat.flows.get(n.flow) : undefined;
      if (c) visit(c);
    }
  };
  visit(flow);
  return [...seen.values()];
}

function refuseBroken(cat: Catalog, flows: readonly Flow[]): void {
  const files = new Set(flows.map((f) => f.file));
  const bad = cat.problems.filter((p) => isError(p) && files.has(p.file));
  if (bad.length) throw new UsageError((t) => (bad.length > 1 ? t.moreProblems(formatProblem(bad[0]!), bad.length - 1) : formatProblem(bad[0]!)));
}

/** The host the answers file gives for `role` (checked by `runSetup`), asked when the session needs it. */
function answeredHost(s: RunSetup, role: Role): string | undefined {
  const a = role === 'client' || role === 'server' ? s.answers.get(`host.${role}`) : undefined;
  return typeof a === 'string' ? a : undefined;
}

/** Roles the flows' run nodes use. */
function flowRoles(flows: readonly Flow[]): Role[] {
  const out = new Set<Role>();
  for (const f of flows) for (const n of Object.values(f.doc.nodes)) if (n.kind === 'run') out.add(n.role);
  return [...out];
}

async function resolveTarget(flow: Flow, raw: string | undefined, prompter: Prompter, lang: Lang): Promise<TargetInfo> {
  if (raw !== undefined) return parseTarget(raw);
  if (flow.doc.needs_target === false) return NO_TARGET;
  // Every prompter checks the answer as --target is read (engine/answer.ts): a bad one is
  // explained at the prompt, or refused at its line in an answers file.
  return parseTarget(String(await prompter.ask(targetQuestion(flow.id, lang))), (t) => t.targetAnswer);
}

export { exitFor, jsonResult };

export type { Answer };
