/**
 * `tshoot run FLOW` and the bare `tshoot` menu: set up the ports from the options, hand
 * the flow to the runner, and turn its outcome into output and an exit code.
 */
import { resolve } from 'node:path';
import { Interrupted, NeedsInput, type Prompter } from '../engine/ports.js';
import { checkAnswer } from '../engine/answer.js';
import { hostQuestion } from '../engine/host-question.js';
import { runSession } from '../engine/runner.js';
import type { Answer, HostsInfo, TargetInfo } from '../engine/types.js';
import { createExecutors, type RemoteFactory, type RoleMap } from '../exec/hosts.js';
import type { Role } from '../exec/types.js';
import type { Catalog } from '../flow/catalog.js';
import type { Flow } from '../flow/compile.js';
import { isShippedFile } from '../flow/as-built.js';
import { fileRef } from '../transcript/format.js';
import type { SessionInfo } from '../transcript/recorder.js';
import { formatProblem, isError } from '../flow/problem.js';
import { detectLang, type Lang } from '../flow/template.js';
import { AnswerError, closestAlias, createAnswersPrompter, createInquirerPrompter } from '../ui/prompter.js';
import { createTerminalReporter } from '../ui/reporter.js';
import { interruptedNote } from '../ui/cards.js';
import { colorEnabled, makeStyle, progressMode } from '../ui/style.js';
import { checkAnswerIds, NO_ANSWERS, questionIds, readAnswers } from './answers.js';
import { askPastedError, menuQuestion, PASTE } from './menu.js';
import { applyJson, offerApply, type ApplyOptions } from './apply.js';
import { closeTranscript, openTranscript, type SessionHooks } from './record.js';
import { findFlow, openCatalog } from './catalog.js';
import { EXIT, selfCommand, type CliIO, type OutStream } from './io.js';
import { exitFor, jsonResult } from './outcome.js';
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

const TERMINAL_NEEDED =
  'the session needs a terminal for its questions: run tshoot in one, or pass --non-interactive --answers FILE';

/**
 * Where prompts are drawn, or null when there is no terminal to ask on (stdin must be one).
 * The terminal among stdout and stderr, stdout first, stderr first with `--json`: a user piping
 * `tshoot run … | tee log` still answers on the terminal, and `--json > out.json` keeps stdout
 * pure JSON (issue 16). With `--json 2> err` the terminal is stdout: a person reads it.
 */
export function promptStream(io: CliIO, opts: Pick<RunOptions, 'nonInteractive' | 'json'>): OutStream | null {
  if (opts.nonInteractive || io.stdin.isTTY !== true) return null;
  const order = opts.json ? [io.stderr, io.stdout] : [io.stdout, io.stderr];
  return order.find((s) => s.isTTY === true) ?? null;
}

export async function runCommand(io: CliIO, flowId: string | null, opts: RunOptions, hooks: SessionHooks = {}): Promise<number> {
  const lang = detectLang(opts.lang, io.env);
  if (opts.lang !== undefined && opts.lang !== 'en' && opts.lang !== 'ja') throw new UsageError(`--lang ${JSON.stringify(opts.lang)}: use en or ja`);
  // Without a terminal to ask on, the session still runs while every answer is known (an
  // answers file, --target, --host); the first question without one stops it (exit 2).
  const promptOut = promptStream(io, opts);
  const answersFile = opts.answers ? readAnswers(opts.answers, io.cwd) : NO_ANSWERS;
  const answers = new Map([...answersFile.values, ...(opts.answerValues ?? [])]);
  // The engine asks for a host only when its first command is about to run: a host in the
  // answers file is checked now, before anything runs (issue 12: never an option to ssh).
  for (const role of ['client', 'server'] as const) {
    const r = answers.has(`host.${role}`) ? checkAnswer(hostQuestion(flowId ?? '', role, NO_TARGET, lang), answers.get(`host.${role}`)) : null;
    if (r && !r.ok) throw new UsageError(`${answersFile.at.get(`host.${role}`) ?? 'answers file'}: ${r.message}`);
  }
  const roles = parseHosts(opts.host ?? []);
  const cat = openCatalog(io, opts.flows);

  const color = colorEnabled(io.env, (opts.json ? io.stderr : io.stdout).isTTY === true);
  const style = makeStyle(color);
  const out = opts.json ? io.stderr : io.stdout;
  const mode = progressMode(out, io.env, opts);
  // ora and boxen are loaded after the symptom menu is drawn, not before (issue 8: the first
  // prompt within 1.5× of bare node); until then there is no spinner for prompts to pause.
  let reporter!: ReturnType<typeof createTerminalReporter>;
  const makeReporter = async () => {
    const [ora, boxen] = await Promise.all([
      mode === 'spinners' ? import('ora').then((m) => m.default) : null,
      !opts.json && out.isTTY ? import('boxen').then((m) => m.default) : null,
    ]);
    reporter = createTerminalReporter({
      out,
      style,
      mode,
      verbose: opts.verbose === true,
      lang,
      dest: (role) => executors.dest(role),
      ora,
      boxen,
      card: !opts.json,
    });
  };
  if (flowId !== null) await makeReporter();
  const hostAliases = () => import('../exec/ssh-config.js').then((m) => m.listSshAliases(opts.sshConfig));
  const terminal = promptOut
    ? createInquirerPrompter({
        input: io.stdin,
        output: promptOut,
        ...(io.signal ? { signal: io.signal } : {}),
        style,
        lang,
        beforePrompt: () => reporter?.pause(),
        afterPrompt: () => reporter?.resume(),
        hostAliases,
      })
    : null;
  const prompter: Prompter = createAnswersPrompter(answers, terminal, (q, a) => reporter.answered?.(q, a, 'answers'), { at: answersFile.at, hostAliases });

  let flow: Flow;
  if (flowId === null) {
    if (!terminal) throw new UsageError(`${TERMINAL_NEEDED}; or name a flow: tshoot run FLOW`);
    try {
      const chosen = await chooseFlow(cat, terminal, lang);
      if (chosen === null) {
        const pasted = await askPastedError(io, promptOut!, lang, style, terminal);
        return (await import('./diagnose.js')).pastedError(io, pasted, opts.target, opts, true);
      }
      flow = chosen;
      await makeReporter();
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      io.stderr.write(interruptedNote(lang, null));
      return EXIT.interrupted;
    }
  } else flow = findFlow(cat, flowId);
  const used = withCalled(cat, flow);
  refuseBroken(cat, used);
  checkAnswerIds(answersFile, flow.id, questionIds(used));
  const roleList = flowRoles(used);

  let questions = 0;
  const counted: Prompter = {
    ask: async (q) => {
      const a = await prompter.ask(q);
      questions++;
      return a;
    },
  };
  // `transcript`: where this session is recorded (what `tshoot resume` and `report` take), or null.
  const json = (o: Record<string, unknown>) => io.stdout.write(JSON.stringify({ flow: flow.id, ...o, transcript: recorder?.written() ? recorder.path : null }) + '\n');

  let pool: import('../exec/ssh.js').SshPool | null = null;
  const remote: RemoteFactory = async (dest, { jump }) => {
    const ssh = await import('../exec/ssh.js');
    pool ??= new ssh.SshPool();
    return ssh.createSshExecutor(dest, {
      pool,
      ...(opts.sshConfig ? { configFile: opts.sshConfig } : {}),
      acceptNewHostKeys: opts.acceptNewHostKeys === true,
      ...(jump ? { jump } : {}),
      ...(terminal
        ? {
            confirmHostKey: async (info) =>
              (await terminal.ask({
                id: `hostkey.${info.host}`,
                flow: flow.id,
                node: 'hostkey',
                input: 'confirm',
                text: `The authenticity of host ${info.host}:${info.port} can't be established. ${info.keyType} key fingerprint is ${info.fingerprint}. Trust it and continue?`,
                default: false,
              })) === true,
            askSecret: (prompt) => terminal.secret(prompt),
          }
        : {}),
    });
  };
  // A host given by flag is not asked again when its name does not resolve: the flag is named,
  // with the closest ssh alias.
  const hostsPort = createExecutors(roles, remote, async (role) => {
    const flag = opts.host?.find((h) => h.startsWith(`${role}=`));
    if (!flag) return undefined;
    const guess = closestAlias(flag.slice(role.length + 1), await hostAliases().catch(() => []));
    return `--host ${flag}${guess ? ` (did you mean --host ${role}=${guess}?)` : ''}`;
  });
  // Commands that ran, for --json when the session stops before its outcome (needs-input).
  let ran = 0;
  const executors: typeof hostsPort = { ...hostsPort, run: (role, cmd, signal) => (ran++, hostsPort.run(role, cmd, signal)) };
  const recorder = openTranscript(io, opts, flow.id, answers, hooks);
  const setup = recorder ? recorder.setup(counted) : counted;

  try {
    const target = await resolveTarget(flow, opts.target, setup, lang);
    if (roles.server === undefined && target.given && isThisMachine(target.host)) roles.server = 'local';
    // A role without a host is asked for by the engine, when its first command is about to run.
    const hosts: HostsInfo = { client: roles.client ?? 'local', server: roles.server ?? '', bastion: roles.bastion ?? '' };
    // The SSH code loads and `ssh -G` runs while the first steps do; no host is contacted
    // before a command needs it (a flow may end without it).
    for (const role of roleList) executors.prepare(role);
    recorder?.begin({ flow: flow.id, digest: cat.digest, target, hosts, lang, files: sessionFiles(io, opts, used) });
    const end = await runSession(cat, { kind: 'start', flow: flow.id, target, hosts, lang }, {
      prompter: hooks.prompter?.(counted) ?? counted,
      executors: hooks.executors?.(executors) ?? executors,
      observers: recorder ? [recorder] : [],
      reporter,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (io.signal?.aborted) throw new Interrupted();
    const applied = await offerApply(end.outcome, opts, { out, executors, reporter, observers: recorder ? [recorder] : [], terminal, lang, quiet: opts.quiet === true, ...(io.signal ? { signal: io.signal } : {}), ...(io.holdInterrupts ? { holdInterrupts: io.holdInterrupts } : {}) });
    if (opts.json) json({ ...jsonResult(end.outcome, end.state, questions), ...applyJson(applied), ...sshSummary(pool) });
    // A fix that was applied and did not verify leaves the problem unresolved.
    return applied.kind === 'ran' && !applied.result.verified ? EXIT.unresolved : exitFor(end.outcome);
  } catch (e) {
    reporter.stopAll();
    if (e instanceof NeedsInput) {
      const noTerminal = !opts.nonInteractive;
      if (opts.json) json({ outcome: 'needs-input', fix: null, evidence: [], questions, commands: ran, question: { id: e.question.id, kind: e.question.input, text: e.question.text, choices: e.question.choices?.map((c) => c.value) ?? null } });
      io.stderr.write(
        noTerminal
          ? `tshoot: question "${e.question.id}" has no answer and there is no terminal to ask it on: run tshoot in one, or pass --non-interactive --answers FILE with "${e.question.id}" in it\n`
          : `tshoot: ${e.message}\n`,
      );
      return noTerminal ? EXIT.usage : EXIT.needsInput;
    }
    if (e instanceof Interrupted || io.signal?.aborted) {
      if (opts.json) json({ outcome: 'interrupted', fix: null, evidence: [], questions, commands: ran });
      io.stderr.write(interruptedNote(lang, recorder?.written() ? recorder.path : null, selfCommand(io.env)));
      return EXIT.interrupted;
    }
    if (e instanceof AnswerError) throw new UsageError(e.message);
    throw e;
  } finally {
    closeTranscript(io, recorder, io.signal?.aborted === true, lang);
    await executors.close();
    await (pool as import('../exec/ssh.js').SshPool | null)?.close();
  }
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
    if (!m) throw new UsageError(`--host ${JSON.stringify(f)}: expected ROLE=DEST, e.g. --host server=web1`);
    const role = m[1] as keyof RoleMap;
    if (role !== 'client' && role !== 'server' && role !== 'bastion') throw new UsageError(`--host ${JSON.stringify(f)}: unknown role "${m[1]}"; use client, server or bastion`);
    const dest = m[2]!.trim();
    if (dest.startsWith('-') || /\s/.test(dest)) throw new UsageError(`--host ${JSON.stringify(f)}: "${dest}" is not a valid destination`);
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
  if (bad.length) throw new UsageError(`${formatProblem(bad[0]!)}${bad.length > 1 ? ` (and ${bad.length - 1} more: run \`tshoot flows lint\`)` : ''}`);
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
  return parseTarget(String(await prompter.ask(targetQuestion(flow.id, lang))), 'the target');
}

/** The flow chosen in the menu, or null for "Paste the error message I saw". */
async function chooseFlow(cat: Catalog, prompter: Prompter, lang: Lang): Promise<Flow | null> {
  const menu = [...cat.flows.values()].filter((f) => f.doc.menu !== false);
  const a = await prompter.ask(menuQuestion(menu.map((f) => ({ id: f.id, title: f.doc.title })), lang));
  return a === PASTE ? null : cat.flows.get(String(a))!;
}

/** SSH handshakes per host (`user@host:port`): one per host per session is the promise. */
function sshSummary(pool: { handshakes: ReadonlyMap<string, number> } | null): Record<string, unknown> {
  return pool ? { ssh: { handshakes: Object.fromEntries(pool.handshakes) } } : {};
}

export { exitFor, jsonResult };

export type { Answer };
