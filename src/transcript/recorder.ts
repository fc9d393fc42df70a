/**
 * The recorder: a `SessionObserver` that appends each event to the transcript as it
 * happens, one synchronous write per line, so that a crash or Ctrl-C loses nothing already
 * done. Every line is redacted before it is written. Files are the user's alone (0600, in a
 * 0700 folder): they hold whatever the hosts printed.
 *
 * In the default folder a transcript is a new file, created exclusively (O_CREAT|O_EXCL|
 * O_NOFOLLOW) in a folder checked as ours with every ancestor safe (safe-fs.ts), its name
 * unguessable (64 random bits): nothing planted there — a link to another file, a link in place
 * of the folder — is written through (issue 12, finding 8). A path given with `--transcript` is
 * opened as given.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, ftruncateSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { LiveAnswerSource, Prompter, SessionObserver } from '../engine/ports.js';
import type { Answer, HostsInfo, Question, TargetInfo } from '../engine/types.js';
import type { Lang } from '../flow/template.js';
import { VERSION } from '../version.js';
import { openSafeDir, UnsafeFolder, type SafeDir } from '../safe-fs.js';
import { tshootDir } from '../xdg.js';
import {
  answerEvent,
  commandEvent,
  FORMAT,
  FORMAT_VERSION,
  questionEvent,
  resultEvent,
  serialize,
  showEvent,
  type Header,
  type Transcript,
  type TranscriptEvent,
} from './format.js';
import { createRedactor, hostOf, type Redactor } from './redact.js';

export interface SessionInfo {
  readonly flow: string;
  readonly digest: string;
  readonly target: TargetInfo;
  readonly hosts: HostsInfo;
  readonly lang: Lang;
  /** The header's record of `--ssh-config`, `--flows` and the user's flow files (schema.ts). */
  readonly files?: Pick<Header, 'sshConfig' | 'flows' | 'flowFiles'>;
}

export interface Recorder extends SessionObserver {
  readonly path: string;
  /** Whether the file has a line (the session began). */
  written(): boolean;
  /** Wraps the prompter of the questions asked before the session (target, host roles). */
  setup(p: Prompter): Prompter;
  /** The session starts: the header is written (a resumed transcript gets a `resumed` line). */
  begin(info: SessionInfo): void;
  /** Closes the file; one that got no line at all is removed. Returns a problem, if any. */
  close(): string | null;
}

export interface RecorderOptions {
  readonly path: string;
  /** Whether an answer came from the answers file or a prompt. */
  readonly sourceOf?: (q: Question) => LiveAnswerSource;
  readonly redactHosts?: boolean;
  /** `tshoot resume`: append to this transcript; the events already in it are not written again. */
  readonly resume?: Transcript;
  /** For tests. */
  readonly now?: () => Date;
}

/** `$XDG_STATE_HOME/tshoot/sessions/`, else `~/.local/state/tshoot/sessions/` (XDG Base Directory spec). */
export function sessionsDir(env: Readonly<Record<string, string | undefined>>): string {
  return tshootDir(env, 'state', 'sessions');
}

/** A transcript `defaultTranscriptPath` created, until `openRecorder` takes it over by its path; or why it could not. */
const created = new Map<string, { dir: SafeDir; name: string; fd: number } | Error>();

/**
 * `…/sessions/20250101T120000Z-refused-0123456789abcdef.ndjson`, created now: the sessions folder
 * is opened and checked (made 0700 when missing), the file created in it exclusively (0600); a
 * name already taken, by anything, is not used: another is drawn. `openRecorder` of the path
 * takes the file over; when the folder is not safe, it throws why. `random` is for tests.
 */
export function defaultTranscriptPath(env: Readonly<Record<string, string | undefined>>, flow: string, now: Date, random: (n: number) => Buffer = randomBytes): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const folder = sessionsDir(env);
  let dir: SafeDir;
  try {
    // `tshoot/sessions`: no link in tshoot's own folders; the XDG folder's path may have some.
    dir = openSafeDir(folder, { own: 2, create: true });
  } catch (e) {
    const path = join(folder, `${stamp}-${flow}.ndjson`);
    created.set(path, e instanceof UnsafeFolder ? new Error(`unsafe folder: ${e.message}`) : (e as Error));
    return path;
  }
  for (let tries = 1; ; tries++) {
    const name = `${stamp}-${flow}-${random(8).toString('hex')}.ndjson`;
    const path = join(folder, name);
    try {
      created.set(path, { dir, name, fd: dir.create(name) });
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && tries < 8) continue;
      dir.close();
      created.set(path, e as Error);
      return path;
    }
  }
}

/**
 * Opens the transcript file now (so that a path that cannot be written fails before any
 * command runs) and returns the observer that fills it.
 *
 * @example
 * const rec = openRecorder({ path: '/tmp/s.ndjson' });
 * rec.begin({ flow: 'refused', digest, target, hosts, lang: 'en' });
 * await runSession(flows, start, { ...ports, observers: [rec] });
 * rec.close();
 */
export function openRecorder(o: RecorderOptions): Recorder {
  const now = o.now ?? (() => new Date());
  const made = o.resume ? undefined : created.get(o.path);
  created.delete(o.path);
  if (made instanceof Error) throw made;
  if (!o.resume && !made) mkdirSync(dirname(o.path), { recursive: true, mode: 0o700 });
  const fd = made ? made.fd : openSync(o.path, o.resume ? 'r+' : 'w', 0o600);
  const remove = made ? () => made.dir.remove(made.name) : () => unlinkSync(o.path);
  fchmodSync(fd, 0o600);
  let position = 0;
  if (o.resume) {
    // Half a line left by a crash is dropped; the session goes on from the whole lines.
    ftruncateSync(fd, o.resume.completeBytes);
    position = o.resume.completeBytes;
  }
  let redactor: Redactor | null = o.resume ? createRedactor({ salt: o.resume.header.salt }) : null;
  let pending: TranscriptEvent[] = [];
  /** The salt and the hosts `--redact-hosts` hides (known at `begin`, more as they are answered). */
  let hidden: { readonly salt: string; readonly hosts: readonly string[] } | null = null;
  let lines = 0;
  let problem: string | null = null;
  let closed = false;
  // Resume: the session is walked again from the start, answers and results replayed; what
  // it derives up to where the file stops is already there.
  const already = (o.resume?.events ?? []).map((l) => l.event).filter((e) => e.kind !== 'resumed' && !('setup' in e && e.setup));
  let skip = 0;

  const write = (line: string) => {
    if (problem || closed) return;
    try {
      const buf = Buffer.from(line);
      writeSync(fd, buf, 0, buf.length, position);
      position += buf.length;
      lines++;
    } catch (e) {
      problem = `could not write ${o.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
  };
  const emit = (e: TranscriptEvent) => {
    if (!redactor) {
      pending.push(e);
      return;
    }
    if (skip >= 0 && skip < already.length) {
      if (sameEvent(already[skip]!, e)) {
        skip++;
        return;
      }
      skip = -1;
    }
    write(serialize(redactor.value(e)));
  };

  return {
    path: o.path,
    written: () => lines > 0 || o.resume !== undefined,
    setup(p) {
      return {
        async ask(q) {
          emit(questionEvent(q, true));
          const a = await p.ask(q);
          emit(answerEvent(q, a, o.sourceOf?.(q) ?? 'prompt', true));
          return a;
        },
      };
    },
    begin(info) {
      if (o.resume) {
        redactor ??= createRedactor({ salt: o.resume.header.salt });
        write(serialize({ kind: 'resumed', at: now().toISOString() }));
        return;
      }
      const salt = randomBytes(16).toString('hex');
      const roles: Record<string, string> = {};
      for (const [role, dest] of Object.entries(info.hosts)) if (dest) roles[role] = dest;
      hidden = { salt, hosts: [info.target.host, ...Object.values(roles).map(hostOf), hostname()] };
      redactor = createRedactor({
        salt,
        ...(o.redactHosts ? { hosts: hidden.hosts } : {}),
      });
      const header: Header = {
        format: FORMAT,
        version: FORMAT_VERSION,
        tshoot: VERSION,
        flow: info.flow,
        digest: info.digest,
        started: now().toISOString(),
        target: { ...info.target },
        roles,
        lang: info.lang,
        salt,
        redacted: { hosts: o.redactHosts === true },
        ...info.files,
      };
      // The salt is not a secret and must stay as it is: redact the rest only.
      write(serialize({ ...redactor.value(header), salt }));
      const before = pending;
      pending = [];
      for (const e of before) emit(e);
    },
    question(q) {
      emit(questionEvent(q));
    },
    answer(q: Question, a: Answer, source) {
      // A host asked during the session (`host.ROLE`) is hidden from its answer on, as the header's are.
      if (q.hostRole && o.redactHosts && hidden) {
        hidden = { ...hidden, hosts: [...hidden.hosts, hostOf(String(a))] };
        redactor = createRedactor(hidden);
      }
      emit(answerEvent(q, a, source === 'prompt' ? (o.sourceOf?.(q) ?? 'prompt') : source));
    },
    command(c, dest) {
      emit(commandEvent(c, dest));
    },
    result(c, r) {
      emit(resultEvent(c.id, r));
    },
    show(item) {
      const e = showEvent(item);
      if (e) emit(e);
    },
    close() {
      if (closed) return problem;
      closed = true;
      try {
        const empty = lines === 0 && !o.resume && fstatSync(fd).size === 0;
        closeSync(fd);
        if (empty) remove();
      } catch {
        /* the file is what it is */
      } finally {
        made?.dir.close();
      }
      return problem;
    },
  };
}

/** The same step of the walk: what a resumed session re-derives before it goes on. */
function sameEvent(a: TranscriptEvent, b: TranscriptEvent): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'decision':
      return b.kind === 'decision' && a.node === b.node && a.goto === b.goto && a.flow === b.flow;
    case 'outcome':
      return b.kind === 'outcome' && a.node === b.node && a.outcome === b.outcome;
    case 'resumed':
      return true;
    default:
      return 'id' in b && a.id === b.id;
  }
}

