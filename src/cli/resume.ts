/**
 * `tshoot resume FILE`: an interrupted session goes on where it stopped. The recorded
 * answers and results are replayed (no command runs twice), then the same live ports as
 * `run` take over; the new steps are appended to the same transcript.
 *
 * The session's files come from the header (issue 16): `--ssh-config` and `--flows` as `run`
 * was given them (the command line's win), each flow file of the user's checked against its
 * recorded digest, a change said before anything runs.
 *
 * `--answer ID=VALUE` corrects a recorded answer: the session is replayed up to that question,
 * answered with VALUE, and every step after it is taken anew (live). The corrected session is
 * a new transcript beside FILE (`NAME-corrected.ndjson`); FILE is kept as it was.
 */
import { closeSync, lstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { checkAnswer } from '../engine/answer.js';
import { didYouMean } from '../flow/problem.js';
import { fileRef, type EventOf, type Transcript } from '../transcript/format.js';
import { openRecorder } from '../transcript/recorder.js';
import { resumePorts } from '../transcript/resume.js';
import { SETUP_IDS } from './answers.js';
import { openCatalog } from './catalog.js';
import type { CliIO } from './io.js';
import { flowsFor, readTranscript, recordedFile, transcriptFlow } from './replay.js';
import { runCommand, type RunOptions } from './run.js';
import { UsageError } from './target.js';
import { NOTE_TEXT, sayAnswer } from '../ui/messages.js';

export type ResumeOptions = Omit<RunOptions, 'transcript' | 'redactHosts' | 'lang' | 'answerValues'> & {
  /** `--answer ID=VALUE` (repeatable): corrections of recorded answers. */
  readonly answer?: readonly string[];
};

export async function resumeCommand(io: CliIO, file: string, opts: ResumeOptions): Promise<number> {
  let t = readTranscript(io, file);
  const h = t.header;
  const corrections = parseCorrections(t, opts.answer ?? []);
  const end = t.events.find((l) => l.event.kind === 'outcome');
  const o = end?.event.kind === 'outcome' ? end.event : null;
  if (h.redacted.hosts && !(opts.host?.length && opts.target)) {
    throw new UsageError((w) => w.redactedResume(file));
  }
  // A session that ended because a host could not be reached goes on once it can be: the
  // failed command runs again, the steps before it are replayed. A corrected one goes on from
  // the corrected question, ended or not.
  const cut = corrections.size ? null : o?.outcome === 'error' && o.error?.transport ? beforeUnreachable(io, file, t) : null;
  if (cut) t = cut;
  else if (end && !corrections.size) {
    const how = o?.fix ? `fix ${o.fix.id}` : String(o?.outcome);
    throw new UsageError((w) => w.alreadyEnded(`${file}:${end.line}`, how, file));
  }

  const flows = flowsFor(t, opts.flows);
  const sshConfig = opts.sshConfig ?? recordedFile(file, '--ssh-config', h.sshConfig ? [h.sshConfig.path] : undefined)?.[0];
  // An ssh config can run commands (ProxyCommand, Match exec): one named by a transcript, not by
  // you, is used only when no one but you or root can have written it.
  if (!opts.sshConfig && sshConfig !== undefined) {
    const why = notOnlyYours(sshConfig);
    if (why) throw new UsageError((w) => w.sshConfigUntrusted(file, sshConfig, why));
  }
  const cat = openCatalog(io, flows);
  const flow = transcriptFlow(cat, t);
  const changed = changedFiles([...(opts.sshConfig ? [] : (h.sshConfig ? [h.sshConfig] : [])), ...(h.flowFiles ?? [])]);
  const note = NOTE_TEXT[h.lang];
  for (const c of changed) io.stderr.write(`tshoot: ${note.fileChanged(c, file)}\n`);
  // The flow may now come from another file (another --flows): never silently.
  const now = resolve(io.cwd, flow.file);
  const moved = h.flowFiles && !h.flowFiles.some((f) => f.path === now) ? `tshoot: ${note.flowMoved(flow.id, now, h.flowFiles.map((f) => f.path).join(', '))}\n` : '';
  io.stderr.write(moved);
  if (!changed.length && !moved && cat.digest !== h.digest) io.stderr.write(`tshoot: ${note.flowsChanged(file)}\n`);

  const setup = new Map([...corrections].filter(([id]) => SETUP_IDS.includes(id)));
  const given = new Set((opts.host ?? []).map((x) => x.split('=')[0]));
  const corrected = [...setup].filter(([id]) => id.startsWith('host.')).map(([id, v]) => `${id.slice('host.'.length)}=${String(v)}`);
  for (const c of corrected) given.add(c.split('=')[0]);
  const hosts = [...(opts.host ?? []), ...corrected, ...Object.entries(h.roles).filter(([role]) => !given.has(role)).map(([role, dest]) => `${role}=${dest}`)];
  const target = setup.has('target') ? String(setup.get('target')) : (opts.target ?? (h.target.given ? h.target.url : undefined));
  const { answer: _answer, ...rest } = opts;
  const runOpts: RunOptions = {
    ...rest,
    host: hosts,
    lang: h.lang,
    ...(flows ? { flows } : {}),
    ...(sshConfig !== undefined ? { sshConfig } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(corrections.size ? { answerValues: corrections } : {}),
  };

  if (corrections.size) {
    // A target or host comes before every step: nothing recorded holds, the session runs anew.
    const from = setup.size ? null : t.events.find((l) => l.event.kind === 'question' && !l.event.setup && corrections.has(l.event.id));
    const out = correctedCopy(io, file, setup.size || !from ? 0 : bytesBefore(io, file, from.line));
    if (setup.size || !from) return runCommand(io, h.flow, { ...runOpts, transcript: out, redactHosts: h.redacted.hosts });
    t = { ...t, file: out, events: t.events.filter((l) => l.line < from.line), completeBytes: bytesBefore(io, file, from.line), torn: false };
  }
  const resumed = t;
  const ports = resumePorts(resumed);
  // A recorded step today's flows no longer take (ResumeError) is a usage error, said and
  // mapped as every command's are (outcome.ts stopFor, cli.ts).
  return runCommand(io, h.flow, runOpts, {
    recorder: (sourceOf) => openRecorder({ path: resolve(io.cwd, resumed.file), resume: resumed, sourceOf }),
    prompter: (live) => ports.prompter(live),
    executors: (live) => ports.executors(live),
  });
}

/**
 * `--answer ID=VALUE`s, each checked against the question the session recorded under ID
 * (a yes/no, a choice): an ID it never asked is refused with the closest one it did.
 */
function parseCorrections(t: Transcript, raw: readonly string[]): Map<string, string | boolean> {
  const asked = new Map<string, EventOf<'question'>>();
  for (const l of t.events) if (l.event.kind === 'question' && !asked.has(l.event.id)) asked.set(l.event.id, l.event);
  const out = new Map<string, string | boolean>();
  for (const a of raw) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError((w) => w.answerFormat(JSON.stringify(a)));
    const id = a.slice(0, eq);
    const q = asked.get(id);
    if (!q) {
      const guess = didYouMean(id, asked.keys());
      throw new UsageError((w) => w.noAnswerToCorrect(JSON.stringify(a), t.file, id, guess ?? null, [...asked.keys()].join(', ')));
    }
    // The recorded question has no pattern: an input's pattern is checked when it is asked again.
    const r = checkAnswer({ id: q.id, flow: q.flow, node: q.node, input: q.input, text: q.text, ...(q.choices ? { choices: q.choices } : {}) }, a.slice(eq + 1));
    if (!r.ok) throw new UsageError((u) => `--answer ${JSON.stringify(a)}: ${sayAnswer(r.problem, u.answer, true)}`);
    out.set(id, r.value);
  }
  return out;
}

/** Paths the header recorded for an option, refused when one is gone (the session would not be the same). */
/** Why a file named by a transcript could be someone else's writing, or null: a regular file, yours or root's, not writable by group or others. */
function notOnlyYours(path: string): string | null {
  const st = lstatSync(path);
  if (!st.isFile()) return 'is not a regular file';
  if (st.uid !== userInfo().uid && st.uid !== 0) return `belongs to uid ${st.uid}, not to you`;
  if (st.mode & 0o022) return `is writable by ${st.mode & 0o020 ? 'its group' : 'others'}`;
  return null;
}

/** The recorded files whose bytes are not the ones recorded, said as `PATH (sha256:… → sha256:…)`. */
function changedFiles(refs: readonly { path: string; sha256: string }[]): string[] {
  const out: string[] = [];
  for (const r of refs) {
    const now = fileRef(r.path);
    if (now?.sha256 !== r.sha256) out.push(`${r.path} (${short(r.sha256)} → ${now ? short(now.sha256) : 'unreadable'})`);
  }
  return out;
}

const short = (d: string) => (d ? d.slice(0, 'sha256:'.length + 12) : 'unread');

/**
 * The transcript up to the result that said the host could not be reached: that result, the
 * decisions after it and the outcome are dropped (the file is cut there when the recorder
 * opens it), so the command is a started one without a result, which resume runs.
 */
function beforeUnreachable(io: CliIO, file: string, t: Transcript): Transcript | null {
  const failed = t.events.findLast((l) => l.event.kind === 'result' && l.event.transport !== null);
  if (!failed) return null;
  return { ...t, events: t.events.filter((l) => l.line < failed.line), completeBytes: bytesBefore(io, file, failed.line), torn: false };
}

/** The byte length of the file's lines before `line` (1-based). */
function bytesBefore(io: CliIO, file: string, line: number): number {
  const lines = readFileSync(resolve(io.cwd, file), 'utf8').split('\n');
  return lines.slice(0, line - 1).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
}

/**
 * A new transcript beside `file` holding its first `bytes` (0600, created exclusively, never
 * through a link): `NAME-corrected.ndjson`, else `NAME-corrected-2.ndjson`, … The original is
 * not touched.
 */
function correctedCopy(io: CliIO, file: string, bytes: number): string {
  const abs = resolve(io.cwd, file);
  const base = abs.replace(/\.ndjson$/, '');
  const head = readFileSync(abs).subarray(0, bytes);
  for (let n = 1; n <= 20; n++) {
    const path = `${base}-corrected${n > 1 ? `-${n}` : ''}.ndjson`;
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new UsageError((w) => w.cannotWriteCorrected(path, why));
    }
    try {
      writeSync(fd, head);
    } finally {
      closeSync(fd);
    }
    return path;
  }
  throw new UsageError((w) => w.tooManyCorrected(base, file));
}
