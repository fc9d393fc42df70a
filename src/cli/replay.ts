/**
 * `tshoot replay FILE [--check] [--update] [--json]` and `tshoot flows test [FLOW]`: a
 * recorded session walked through today's flows, nothing run and nothing asked; then the
 * sessions beside each flow as its regression tests and its edge coverage.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Reporter } from '../engine/ports.js';
import { nodeCrypto } from '../lazy.js';
import type { Catalog } from '../flow/catalog.js';
import type { Edge, Flow } from '../flow/compile.js';
import { formatProblem, isError } from '../flow/problem.js';
import { parseTranscript, serialize, TranscriptError, type Transcript } from '../transcript/format.js';
import { formatDivergences, replay, updatedEvents, type ReplayResult } from '../transcript/replay.js';
import { findFlow, openCatalog } from './catalog.js';
import { EXIT, type CliIO } from './io.js';
import { exitFor, jsonResult } from './outcome.js';
import { UsageError } from './target.js';

export interface ReplayOptions {
  readonly check?: boolean;
  readonly update?: boolean;
  readonly json?: boolean;
  readonly flows?: readonly string[];
  readonly verbose?: boolean;
  readonly quiet?: boolean;
}

/** Reads and checks a transcript; a bad one is a usage error `FILE:LINE: message` (exit 2). */
export function readTranscript(io: CliIO, file: string): Transcript {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError((t) => t.cannotRead(`${file}:1`, why));
  }
  try {
    return parseTranscript(file, text);
  } catch (e) {
    if (e instanceof TranscriptError) throw new UsageError((u) => e.in(u.transcript));
    throw e;
  }
}

/**
 * Paths a transcript's header names (`--flows`, `--ssh-config`), or undefined when it names none;
 * one that is not there now is an error naming the option that replaces it.
 */
export function recordedFile(file: string, option: string, paths: readonly string[] | undefined): string[] | undefined {
  if (!paths?.length) return undefined;
  const gone = paths.find((p) => !existsSync(p));
  if (gone) throw new UsageError((t) => t.recordedWithGone(file, option, gone));
  return [...paths];
}

/** The flow folders to read a transcript with: the ones given, else those it was recorded with. */
export function flowsFor(t: Transcript, given: readonly string[] | undefined): string[] | undefined {
  return given ? [...given] : recordedFile(t.file, '--flows', t.header.flows);
}

/** The flow a transcript names, refused with its location if today's copy has errors. */
export function transcriptFlow(cat: Catalog, t: Transcript): Flow {
  const flow = cat.flows.get(t.header.flow);
  if (!flow) throw new UsageError((w) => w.flowNotAmong(t.file, t.header.flow, [...cat.flows.keys()].join(', ')));
  const bad = cat.problems.find((p) => isError(p) && p.file === flow.file);
  if (bad) throw new UsageError((w) => `${t.file}:1: ${w.flowHasErrors(flow.id, formatProblem(bad))}`);
  return flow;
}

export async function replayCommand(io: CliIO, file: string, opts: ReplayOptions): Promise<number> {
  if (opts.check && opts.update) throw new UsageError((t) => t.checkOrUpdate);
  const t = readTranscript(io, file);
  const cat = openCatalog(io, flowsFor(t, opts.flows));
  transcriptFlow(cat, t);
  // --check and --update print the verdict only; -v shows the session too. -q shows no session,
  // and prints the one-line verdict (a quiet mode still says the result; README).
  const showSession = !opts.quiet && (!(opts.check || opts.update) || opts.verbose === true);
  const reporter = await replayReporter(io, t, { json: opts.json === true, show: showSession, verbose: opts.verbose === true });
  const r = await replay(cat, t, reporter);
  const report = formatDivergences(file, r.divergences);
  const json = (more: Record<string, unknown> = {}) =>
    io.stdout.write(
      JSON.stringify({
        file,
        flow: t.header.flow,
        ...(r.outcome && r.state ? jsonResult(r.outcome, r.state, r.state.questions) : { outcome: r.incomplete ? 'incomplete' : 'diverged' }),
        matches: r.divergences.length === 0,
        divergences: r.divergences.map((d) => ({ ...d, loc: d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.col}` : null })),
        ...more,
      }) + '\n',
    );

  if (opts.update) {
    const updated = update(io, file, t, r, report, cat.digest);
    if (opts.json) json({ updated });
    return updated ? 0 : 1;
  }

  if (opts.json) json();
  if (opts.check) {
    if (r.divergences.length) io.stderr.write(report);
    io.stderr.write(verdict(file, r));
    return r.divergences.length ? 1 : 0;
  }
  if (r.divergences.length) io.stderr.write(report);
  if (opts.quiet && !opts.json) io.stdout.write(verdict(file, r));
  if (r.divergences.length) return r.incomplete && r.divergences.every((d) => d.kind === 'unrecorded') ? EXIT.unresolved : 1;
  return r.outcome ? exitFor(r.outcome) : EXIT.unresolved;
}

/** `FILE: matches today's flows (2 answers, 5 commands, fix start-service)`, or how many divergences. */
function verdict(file: string, r: ReplayResult): string {
  const n = r.divergences.length;
  return n ? `${file}: diverges from today's flows (${n} divergence${n === 1 ? '' : 's'})\n` : `${file}: matches today's flows (${describe(r)})\n`;
}

/** Rewrites the transcript's derived steps; false (and why, on stderr) when it cannot. */
function update(io: CliIO, file: string, t: Transcript, r: ReplayResult, report: string, digest: string): boolean {
  const events = updatedEvents(t, r);
  if (!events) {
    io.stderr.write(report);
    io.stderr.write(`${file}: not updated: today's flows ask or run something else than was recorded, so the recorded results do not apply; record the session again\n`);
    return false;
  }
  const path = resolve(io.cwd, file);
  const tmp = `${path}.tmp-${nodeCrypto().randomBytes(4).toString('hex')}`;
  const text = serialize({ ...t.header, digest }) + events.map(serialize).join('');
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
  io.stderr.write(`${file}: ${r.divergences.length ? `updated (${r.divergences.length} derived step${r.divergences.length === 1 ? '' : 's'} changed)` : 'already up to date'}\n`);
  return true;
}

function describe(r: ReplayResult): string {
  const o = r.outcome;
  const what = !o ? 'no outcome' : o.kind === 'fix' ? `fix ${o.fix.id}` : o.kind === 'unresolved' ? `unresolved at ${o.node}` : `error ${o.code} at ${o.node}`;
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  return `${n(r.state?.questions ?? 0, 'answer')}, ${n(r.state?.commands ?? 0, 'command')}, ${what}`;
}

async function replayReporter(io: CliIO, t: Transcript, o: { json: boolean; show: boolean; verbose: boolean }): Promise<Reporter> {
  if (!o.show) return { commandsStart() {}, show() {} };
  // The terminal's modules only when the session is shown (not for --check, --update, -q).
  const [{ createTerminalReporter }, { colorEnabled, makeStyle }] = await Promise.all([import('../ui/reporter.js'), import('../ui/style.js')]);
  const out = o.json ? io.stderr : io.stdout;
  const boxen = !o.json && out.isTTY ? (await import('boxen')).default : null;
  return createTerminalReporter({
    out,
    style: makeStyle(colorEnabled(io.env, out.isTTY === true)),
    mode: 'lines',
    verbose: o.verbose,
    lang: t.header.lang,
    dest: (role) => (role === 'local' ? 'local' : (t.header.roles[role] ?? '(none)')),
    ora: null,
    boxen,
    card: !o.json,
  });
}

/** The sessions recorded for a flow: `<flow's folder>/<id>/sessions/*.ndjson`. */
export function sessionFiles(io: CliIO, flow: Flow): string[] {
  const dir = join(dirname(resolve(io.cwd, flow.file)), flow.id, 'sessions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * `flows test [FLOW]`: replays every recorded session of each flow; an edge counts as
 * covered when a session that still matches today's flow takes it. Exit 1 when a session
 * diverges or an edge is not covered.
 */
export async function flowsTestCommand(io: CliIO, id: string | undefined, opts: { flows?: string[] }): Promise<number> {
  const cat = openCatalog(io, opts.flows);
  const flows = id ? [findFlow(cat, id)] : [...cat.flows.values()];
  const silent: Reporter = { commandsStart() {}, show() {} };
  const covered = new Map<string, Set<string>>();
  const sessions = new Map<string, number>();
  let failed = false;
  for (const flow of id ? flows : [...cat.flows.values()]) {
    for (const path of sessionFiles(io, flow)) {
      const shown = path.startsWith(io.cwd + '/') ? path.slice(io.cwd.length + 1) : path;
      let t: Transcript;
      try {
        t = readTranscript(io, shown);
        transcriptFlow(cat, t);
      } catch (e) {
        if (!(e instanceof TranscriptError || e instanceof UsageError)) throw e;
        io.stdout.write(`${e.message}\n`);
        failed = true;
        continue;
      }
      const r = await replay(cat, t, silent);
      if (r.divergences.length) {
        io.stdout.write(formatDivergences(shown, r.divergences));
        io.stdout.write(`${shown}: diverges from today's flows: its edges are not counted\n`);
        failed = true;
        continue;
      }
      sessions.set(flow.id, (sessions.get(flow.id) ?? 0) + 1);
      for (const e of r.events) {
        if (e.kind !== 'decision') continue;
        const set = covered.get(e.flow) ?? new Set<string>();
        set.add(`${e.node}\0${e.goto}\0${e.when ?? ''}`);
        covered.set(e.flow, set);
      }
    }
  }
  for (const flow of flows) {
    const set = covered.get(flow.id) ?? new Set<string>();
    const missing = flow.edges.filter((e) => !isCovered(e, set));
    const total = flow.edges.length;
    const n = sessions.get(flow.id) ?? 0;
    io.stdout.write(`${flow.id}: ${total - missing.length}/${total} edges covered by ${n} recorded session${n === 1 ? '' : 's'}${n ? '' : ` (record some in ${join(dirname(flow.file), flow.id, 'sessions')}/)`}\n`);
    for (const e of missing) {
      const loc = flow.loc(e.index >= 0 ? ['nodes', e.from, 'next', e.index] : ['nodes', e.from, e.label === 'unreachable' ? 'on_unreachable' : 'next']);
      io.stdout.write(`  not covered: ${e.from} → ${e.to}  (${e.label.length > 70 ? `${e.label.slice(0, 69)}…` : e.label})  ${loc.file}:${loc.line}:${loc.col}\n`);
    }
    if (missing.length) failed = true;
  }
  return failed ? 1 : 0;
}

function isCovered(e: Edge, decisions: ReadonlySet<string>): boolean {
  // A decision names its condition; a plain next, a default or on_unreachable has none.
  const when = e.label === 'next' || e.label === 'default' || e.label === 'unreachable' ? '' : e.label;
  return decisions.has(`${e.from}\0${e.to}\0${when}`);
}
