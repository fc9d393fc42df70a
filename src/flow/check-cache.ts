/**
 * The user's flows as this build last checked them: what the build's data (shipped-docs.ts)
 * is for the shipped flows, kept in `$XDG_CACHE_HOME/tshoot/flows/` for the user's own. A file
 * whose text is exactly the one a run of this very build (version.ts `BUILD`) found free of
 * errors is not parsed, validated nor type-checked again: its data, positions and warnings
 * (an English-only text, a missing modeline schema: warnings are not errors) come from the
 * record, as a shipped flow's do. Anything else — another text, another build, a record that
 * does not read — is checked in full, and the record rewritten when the check has no error.
 *
 * One record per build and flow file (named by both), so the cache holds at most one entry per
 * file ever loaded, for the three builds used last (xdg.ts). A record that cannot be read or
 * written costs only the time of a full check.
 *
 * What a record decides — the data that runs, and that the flow needs no check — is trusted
 * because of where it comes from, not what it says: only from a file that only we (or root) can
 * have written, in a folder only we can change (xdg.ts `openCache`, safe-fs.ts; issue 12), the
 * same trust as the flow file itself. The record is bound to the exact text (compared whole, not
 * by a hash that could collide), to the build and to the file's path. What is cheap to derive
 * again is: the read-only verdict of every run node (`changesHost`, which compile.ts skips for a
 * checked flow) is computed from the record's data, so a record cannot let a command that
 * changes the host run outside a fix. The data itself is not derived from the text: that is the
 * YAML parse the record exists to skip. It pays (issue 18, measured 2026-12-01 with the bench's
 * 201-event session of a 151-node English-only flow, 253 warnings): replay --check 1.6× start
 * with the record, 2.6× checked in full (BENCHMARKS.md).
 */
import { isAscii } from 'node:buffer';
import type { Flow } from './compile.js';
import type { Problem } from './problem.js';
import type { FlowDocT } from './schema.js';
import { asciiJson, type FlowSource } from './load.js';
import type { FlowRecord } from './shipped-docs.js';
import { changesHost } from './read-only.js';
import { BUILD } from '../version.js';
import { cacheDir, openCache } from '../xdg.js';

/** What a check leaves for the next run (or, for the shipped flows, the build leaves for every run). */
export function recordOf(src: FlowSource, lets: Flow['lets']): FlowRecord {
  return {
    doc: asciiJson(src.doc),
    positions: asciiJson(src.positions()),
    lets: Object.fromEntries(lets.map(([name, , type]) => [name, type])),
  };
}

/** A record: the compiled data, and which build checked which text of which file, with its warnings. */
interface CheckedRecord extends FlowRecord {
  readonly build: string;
  readonly file: string;
  readonly text: string;
  /** The file's warnings, `file` left out (the catalogue names the file as its caller does). */
  readonly warnings: readonly Omit<Problem, 'file'>[];
}

/** A user's flow as this build checked it: its data, and the warnings the check found. */
export interface Checked {
  readonly record: FlowRecord;
  readonly warnings: readonly Omit<Problem, 'file'>[];
}

/** A record read back: its document already parsed (its run nodes were checked on it). */
export interface ReadBack extends Checked {
  readonly doc: FlowDocT;
}

/** `$XDG_CACHE_HOME/tshoot/flows/`, else `~/.cache/tshoot/flows/`; null when running from source. */
export function checkCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  return BUILD === null ? null : cacheDir(env, 'flows');
}

/** The record of `file` (absolute) if this build checked exactly `text` and found no error. */
export function readChecked(dir: string, file: string, text: string): ReadBack | undefined {
  if (BUILD === null) return undefined;
  let rec: Partial<CheckedRecord> | null;
  try {
    const bytes = openCache(dir).read(recordName(BUILD, file));
    // Written in ASCII (`asciiJson`): read as such, one-byte strings. Another text is UTF-8.
    rec = bytes ? (JSON.parse(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8')) as Partial<CheckedRecord> | null) : null;
  } catch {
    return undefined;
  }
  if (!rec || typeof rec !== 'object' || rec.build !== BUILD || rec.file !== file || rec.text !== text) return undefined;
  if (typeof rec.doc !== 'string' || typeof rec.positions !== 'string' || !rec.lets || typeof rec.lets !== 'object' || !Array.isArray(rec.warnings)) return undefined;
  // A record says what it holds is no error: anything else in it is not trusted.
  if (!rec.warnings.every((w) => w !== null && typeof w === 'object' && w.severity === 'warning')) return undefined;
  const doc = onlyReads(rec.doc);
  if (!doc) return undefined;
  return { record: { doc: rec.doc, positions: rec.positions, lets: rec.lets }, warnings: rec.warnings, doc };
}

/**
 * Every run node of the record's data passes the read-only check, done now rather than taken
 * from the record; with the flow's `let` names, as compile.ts checks it. The document it
 * checked is the one the catalogue then uses (not parsed a second time); null when one fails.
 */
function onlyReads(doc: string): FlowDocT | null {
  try {
    const flow = JSON.parse(doc) as FlowDocT;
    const trusted = new Set(Object.keys(flow.let ?? {}));
    return Object.values(flow.nodes).every((n) => n.kind !== 'run' || changesHost(n.argv, { trusted }) === null) ? flow : null;
  } catch {
    return null;
  }
}

/** Records `file` as checked with no error (xdg.ts `Cache.write`). */
export function writeChecked(dir: string, file: string, text: string, checked: Checked): void {
  if (BUILD === null) return;
  const rec: CheckedRecord = { build: BUILD, file, text, ...checked.record, warnings: checked.warnings };
  openCache(dir).write(recordName(BUILD, file), asciiJson(rec), BUILD);
}

/** `BUILD-<fnv-1a 64 of the path>.json`: a file name for any path, without node:crypto at start. */
function recordName(build: string, file: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < file.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(file.charCodeAt(i))) * 0x100000001b3n);
  return `${build}-${h.toString(16).padStart(16, '0')}.json`;
}
