/**
 * Issue 17's "time to card" table: for each symptom class, a lab with that fault, the diagnosis
 * started as a user starts it (`tshoot diagnose TARGET` with the lab's ssh config, `--host
 * server=server`, no question asked), timed from spawning it until its card shows on stdout;
 * the card's fix id must be the expected one (so the row measured the diagnosis it names).
 *
 * Each row stands against its floor, the longest single wait the diagnosis cannot avoid,
 * measured in the same lab, interleaved with tshoot's runs:
 * - a drop (host firewall, cloud security group, server down) or the console case (SSH to the
 *   instance dropped): one connect timeout, as the flow's own probe configures it — `curl
 *   --connect-timeout 5` (or `nc -w 5` for port 22) against the dropped address. Goal ≤ 1.3×.
 * - refused and 404: one SSH handshake, `ssh -F cfg server true` (ssh's start, the handshake,
 *   one command). Goal: tshoot's own time beyond it ≤ 0.5 s.
 *
 * Every process runs in the client's namespace (`ip netns exec`, for tshoot and the floors
 * alike). The console row's AWS CLI is a script that answers the describe-* calls with the
 * EC2 API reference's JSON (test/fixtures/aws/, the instance's addresses set to the lab
 * server's): it answers at once, where the real CLI takes a Python start and an HTTPS round trip.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, ScenarioName } from '../lab/lab.js';
import { median, timed } from './bench.js';

export type Floor =
  /** One connect timeout: this argv, which waits for it, measured. */
  | { readonly kind: 'connect'; readonly argv: readonly string[]; readonly exit: number; readonly words: string }
  /** One SSH handshake: `ssh -F cfg server true`. */
  | { readonly kind: 'handshake' };

export interface CardCase {
  readonly symptom: string;
  readonly scenario: ScenarioName;
  readonly target: string;
  readonly fix: string;
  readonly floor: Floor;
  /** The AWS CLI answers (the fake `aws` on the PATH). */
  readonly aws?: boolean;
}

const WEB = 'http://198.18.2.10/';
const CURL_CONNECT: Floor = { kind: 'connect', argv: ['curl', '-sS', '-o', '/dev/null', '--connect-timeout', '5', WEB], exit: 28, words: '`curl --connect-timeout 5` to the dropped address' };
/** The instance of test/fixtures/aws/console/instance.json. */
const INSTANCE_ID = 'i-1234567890abcdef0';

export const CARD_CASES: readonly CardCase[] = [
  { symptom: 'refused', scenario: 'nginx-stopped', target: WEB, fix: 'start-service', floor: { kind: 'handshake' } },
  { symptom: '404', scenario: 'missing-file', target: `${WEB}hogehoge`, fix: 'wrong-path', floor: { kind: 'handshake' } },
  { symptom: 'host firewall drop', scenario: 'server-firewall-drop', target: WEB, fix: 'open-host-firewall', floor: CURL_CONNECT },
  { symptom: 'cloud drop', scenario: 'cloud-drop', target: WEB, fix: 'open-security-group', floor: CURL_CONNECT },
  { symptom: 'server down', scenario: 'server-down', target: WEB, fix: 'server-unreachable', floor: CURL_CONNECT },
  {
    symptom: 'console-connect: SSH dropped, AWS CLI answering',
    scenario: 'ssh-dropped',
    target: INSTANCE_ID,
    fix: 'open-ssh-in-security-group',
    floor: { kind: 'connect', argv: ['nc', '-vz', '-w', '5', '198.18.2.10', '22'], exit: 1, words: '`nc -w 5` to the instance\'s port 22' },
    aws: true,
  },
];

/** What the goal allows: a ratio of the floor, or ms of tshoot's own time beyond it. */
export const DROP_RATIO_GOAL = 1.3;
export const EXCESS_GOAL_MS = 500;

export interface CommandTime {
  readonly id: string;
  readonly role: string;
  readonly argv: string;
  readonly durationMs: number;
  /** ms after spawning tshoot when its ✔/✖ line showed on stderr (the command's end). */
  readonly doneAtMs: number | null;
}

export interface CardRun {
  readonly cardMs: number;
  readonly exitMs: number;
  readonly fix: string | null;
  readonly questions: number;
  readonly commands: readonly CommandTime[];
}

export interface CardRow {
  readonly c: CardCase;
  /** Median ms from spawn to the card on stdout. */
  readonly tshootMs: number;
  readonly floorMs: number;
  readonly met: boolean;
  /** The run whose time to card is the median (its commands, for the breakdown). */
  readonly median: CardRun;
  readonly runs: readonly CardRun[];
  readonly floorRuns: readonly number[];
}

export interface CardOptions {
  /** The package root (test/fixtures/aws/ is read from it). */
  readonly root: string;
  readonly tshoot: string;
  readonly node: string;
  readonly reps: number;
  /** Repetitions of the rows whose floor is a connect timeout (slow: ~10–20 s a run). */
  readonly dropReps: number;
  readonly cases?: readonly CardCase[];
  readonly tmp: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export async function timeToCard(opts: CardOptions): Promise<CardRow[]> {
  const log = opts.log ?? (() => {});
  const { up } = await import('../lab/lab.js');
  const awsDir = fakeAws(join(opts.tmp, 'aws-cli'), join(opts.root, 'test/fixtures/aws'));
  const rows: CardRow[] = [];
  let warm = false;
  for (const c of opts.cases ?? CARD_CASES) {
    log(`time to card: ${c.symptom} (lab ${c.scenario})`);
    const lab = await up(c.scenario);
    try {
      const env = c.aws ? { ...opts.env, PATH: `${awsDir}:${opts.env.PATH ?? ''}` } : opts.env;
      const run = (i: number) => diagnoseOnce(lab, c, opts, env, join(opts.tmp, `card-${rows.length}-${i}.ndjson`));
      // One unmeasured run first: V8's code cache of `diagnose` is warm, as from a user's second run on.
      if (!warm) {
        check(c, await run(-1));
        warm = true;
      }
      const reps = c.floor.kind === 'connect' ? opts.dropReps : opts.reps;
      const runs: CardRun[] = [];
      const floors: number[] = [];
      for (let i = 0; i < reps; i++) {
        floors.push(await floorOnce(lab, c.floor));
        const r = check(c, await run(i));
        runs.push(r);
        log(`  run ${i + 1}/${reps}: card at ${r.cardMs.toFixed(0)} ms, floor ${floors.at(-1)!.toFixed(0)} ms`);
      }
      const sorted = [...runs].sort((a, b) => a.cardMs - b.cardMs);
      const mid = sorted[(sorted.length - 1) >> 1]!;
      const tshootMs = median(runs.map((r) => r.cardMs))!;
      const floorMs = median(floors)!;
      const met = c.floor.kind === 'connect' ? tshootMs <= DROP_RATIO_GOAL * floorMs : tshootMs - floorMs <= EXCESS_GOAL_MS;
      rows.push({ c, tshootMs, floorMs, met, median: mid, runs, floorRuns: floors });
      // Where the median run's time went: each command's end (its ✔/✖ line) and duration.
      for (const x of mid.commands) log(`    ${x.doneAtMs === null ? '?' : (x.doneAtMs / 1000).toFixed(2)} s  ${sec(x.durationMs).padStart(7)}  ${x.role.padEnd(6)} ${x.id}: ${x.argv.replaceAll("\n", "\\n").slice(0, 90)}`);
      log(`    ${(mid.cardMs / 1000).toFixed(2)} s  card; exit at ${(mid.exitMs / 1000).toFixed(2)} s`);
    } finally {
      await lab.down();
    }
  }
  rmSync(awsDir, { recursive: true, force: true });
  return rows;
}

/** The row measured the diagnosis it names, with no question: else the bench fails, loudly. */
function check(c: CardCase, r: CardRun): CardRun {
  if (r.fix !== c.fix) throw new Error(`time to card, ${c.symptom}: the card is ${r.fix ?? 'no fix'}, expected ${c.fix}`);
  if (r.questions !== 0) throw new Error(`time to card, ${c.symptom}: ${r.questions} question(s) asked, expected none`);
  return r;
}

/** `tshoot diagnose TARGET` once in the client's namespace: spawn → card on stdout, and what ran. */
function diagnoseOnce(lab: Lab, c: CardCase, opts: CardOptions, env: NodeJS.ProcessEnv, transcript: string): Promise<CardRun> {
  const argv = [...lab.nsExecArgv('client'), opts.node, opts.tshoot, 'diagnose', c.target, '--host', 'server=server', '--ssh-config', lab.sshConfigPath, '--non-interactive', '--transcript', transcript];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    let cardMs: number | null = null;
    let out = '';
    let err = '';
    const lines: { at: number; text: string }[] = [];
    // Off a terminal the progress lines go to stdout too; the card is drawn plain, from its
    // `== TITLE ==` line (ui/cards.ts).
    child.stdout.on('data', (d: Buffer) => {
      const at = since();
      out += d.toString();
      if (cardMs === null && /^== /m.test(out)) cardMs = at;
      const parts = out.split('\n');
      for (const text of parts.slice(lines.length, -1)) lines.push({ at, text });
    });
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const exitMs = since();
      try {
        const events = readFileSync(transcript, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as TranscriptEvent);
        rmSync(transcript, { force: true });
        if (cardMs === null) throw new Error(`exit ${code} with no card on stdout`);
        resolve({ cardMs, exitMs, ...fromTranscript(events, lines) });
      } catch (e) {
        reject(new Error(`time to card, ${c.symptom}: ${argv.join(' ')}: ${(e as Error).message}\nstdout: ${out.slice(-1500)}\nstderr: ${err}`));
      }
    });
  });
}

interface TranscriptEvent {
  readonly kind: string;
  readonly id?: string;
  readonly role?: string;
  readonly argv?: string[];
  readonly durationMs?: number;
  readonly fix?: { id: string };
}

/**
 * The commands with their durations (the transcript's results) and when each one's ✔/✖ line
 * showed (the reporter's plain lines, on stdout off a terminal, one per command, in order).
 */
function fromTranscript(events: readonly TranscriptEvent[], lines: readonly { at: number; text: string }[]): Omit<CardRun, 'cardMs' | 'exitMs'> {
  // A result taken from an earlier command (issue 17: `[client · from probe_http, reused]`) has a
  // line but ran nothing: not one of the transcript's commands.
  const done = lines.filter((l) => /^\s*[✔✖]/.test(l.text) && !/, reused\]/.test(l.text));
  const commands: CommandTime[] = [];
  for (const e of events) {
    if (e.kind === 'command') commands.push({ id: e.id!, role: e.role!, argv: e.argv!.join(' '), durationMs: NaN, doneAtMs: null });
    if (e.kind === 'result') {
      const i = commands.findIndex((x) => x.id === e.id && Number.isNaN(x.durationMs));
      if (i >= 0) commands[i] = { ...commands[i]!, durationMs: e.durationMs ?? NaN, doneAtMs: done[i]?.at ?? null };
    }
  }
  const outcome = events.find((e) => e.kind === 'outcome');
  return { fix: outcome?.fix?.id ?? null, questions: events.filter((e) => e.kind === 'question').length, commands };
}

function floorOnce(lab: Lab, floor: Floor): Promise<number> {
  // The handshake must succeed; a connect timeout must fail as the flow's probe does (it is the wait for nothing).
  return floor.kind === 'handshake' ? timed([...lab.nsExecArgv('client'), ...lab.sshArgv('server'), 'true']) : timed([...lab.nsExecArgv('client'), ...floor.argv], [floor.exit]);
}

/**
 * An `aws` on the PATH that answers the describe-* calls console-connect makes: the instance
 * (its public and private address the lab server's), a subnet route to an internet gateway,
 * the default network ACL, and a security group whose SSH rule lets in one admin /32 only —
 * not EC2 Instance Connect's range, so the console's SSH is dropped.
 */
function fakeAws(dir: string, fixtures: string): string {
  mkdirSync(dir, { recursive: true });
  const fixture = (f: string) => readFileSync(join(fixtures, f), 'utf8');
  const files: Record<string, string> = {
    'describe-instances': fixture('console/instance.json').replace('"198.18.20.30"', '"198.18.2.10"').replace('"10.1.0.110"', '"198.18.2.10"'),
    'describe-route-tables': fixture('describe-route-tables.json'),
    'describe-security-groups': fixture('console/sg-client.json'),
    'describe-network-acls': fixture('nacl-default.json'),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.json`), text);
  const cases = Object.keys(files).map((n) => `  ${n}) exec cat ${shq(join(dir, `${n}.json`))} ;;`);
  writeFileSync(join(dir, 'aws'), ['#!/bin/sh', '# tshoot bench: the AWS CLI, answering from files', 'case "$2" in', ...cases, '  *) echo "aws: unexpected call: $*" >&2; exit 252 ;;', 'esac', ''].join('\n'));
  chmodSync(join(dir, 'aws'), 0o755);
  return dir;
}

const shq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

// ───────────────────────────── the table ─────────────────────────────

/**
 * The median run's time to card split: tshoot's start until its first command began, the
 * commands (one after the other), and tshoot's own time between and after them.
 */
function whereTimeGoes(m: CardRun): string {
  const first = m.commands[0];
  if (!first || first.doneAtMs === null) return '';
  const start = first.doneAtMs - first.durationMs;
  const inCommands = m.commands.reduce((t, x) => t + x.durationMs, 0);
  // Commands run together (issue 17's `together`) overlap, and the ✔ lines of a batch show when
  // the flow reaches each node: neither when the first began nor the rest can be told from them.
  if (inCommands > m.cardMs - start) {
    return `in the median run: the commands' durations add up to ${sec(inCommands)} (some ran together), the card at ${sec(m.cardMs)}`;
  }
  return `in the median run: ${sec(start)} before the first command, ${sec(inCommands)} in commands (run one after another), ${sec(m.cardMs - start - inCommands)} between and after them`;
}

/** The heading of the section of BENCHMARKS.md (`--time-to-card` replaces it in place). */
export const CARD_SECTION = '## Time to card (issue 17)';

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function cardMarkdown(rows: readonly CardRow[], machine: string, opts: Pick<CardOptions, 'reps' | 'dropReps'>): string {
  const table = [
    '| symptom (lab scenario) | card | time to card | floor | vs floor | goal | met |',
    '|---|---|---:|---:|---:|---|---|',
    ...rows.map((r) => {
      const drop = r.c.floor.kind === 'connect';
      const vs = drop ? `${(r.tshootMs / r.floorMs).toFixed(2)}×` : `+${(r.tshootMs - r.floorMs).toFixed(0)} ms`;
      const goal = drop ? `≤ ${DROP_RATIO_GOAL}×` : `≤ +${EXCESS_GOAL_MS} ms`;
      return `| ${r.c.symptom} (${r.c.scenario}) | ${r.c.fix} | ${sec(r.tshootMs)} | ${sec(r.floorMs)} | ${vs} | ${goal} | ${r.met ? 'yes' : '**no**'} |`;
    }),
  ];
  const notes = rows.map((r) => {
    const m = r.median;
    const server = m.commands.filter((x) => x.role === 'server');
    const floor = r.c.floor.kind === 'connect' ? r.c.floor.words : '`ssh -F cfg server true`';
    const longest = [...m.commands].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((x) => `${x.id} ${sec(x.durationMs)}`);
    return `- ${r.c.symptom}: floor ${floor}; runs ${r.runs.map((x) => sec(x.cardMs)).join(', ')} (floors ${r.floorRuns.map(sec).join(', ')}); ${m.commands.length} commands (${server.length} on the server), longest ${longest.join(', ')}; ${whereTimeGoes(m)}`;
  });
  return [
    CARD_SECTION,
    '',
    machine,
    '',
    `\`tshoot diagnose TARGET --host server=server --ssh-config LAB --non-interactive\` in the lab's client namespace, one lab per row with its fault, timed from spawn until the card shows on stdout; the card's fix id checked, no question asked. Medians of ${opts.reps} runs (rows against a connect timeout: ${opts.dropReps} runs, each is slow), each run after its floor's measurement in the same lab; V8's code cache of \`diagnose\` warm (one unmeasured run first). Floor: the longest single wait the diagnosis cannot avoid — one connect timeout as the flow's probe sets it (5 s), measured with the same client tool against the dropped address; or one SSH handshake, measured as \`ssh -F cfg server true\`. A lab host's root shell starts as a stock Debian root's: sshd runs where this machine's ~/.bashrc reads as empty (test/lab/lab.ts; from 2026-12-02 04:00 on: before, this machine's pyenv ran at every SSH login, 0.75 s of CPU, in the floor and in tshoot's time alike). The console row's \`aws\` answers from files at once (a real AWS CLI call adds a Python start and an HTTPS round trip each).`,
    '',
    ...table,
    '',
    ...notes,
    '',
  ].join('\n');
}
