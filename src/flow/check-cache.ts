/**
 * The user's flows as this build last checked them: what the build's record (shipped-docs.ts)
 * is for the shipped flows, kept in `$XDG_CACHE_HOME/tshoot/flows/` for the user's own. A file
 * whose text is exactly the one a run of this very build (version.ts `BUILD`) found free of
 * problems is not parsed, validated nor type-checked again: its data and positions come from
 * the record, as a shipped flow's do. Anything else — another text, another build, a record
 * that does not read — is checked in full, and the record rewritten when the check is clean.
 *
 * One record per build and flow file (named by both), so the cache holds at most one entry per
 * file ever loaded, for the three builds used last (xdg.ts `pruneOtherBuilds`). Records are the
 * user's own data in a 0700 folder; a record that cannot be read or written costs only the time
 * of a full check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flow } from './compile.js';
import type { FlowSource } from './load.js';
import type { ShippedDoc } from './shipped-docs.js';
import { BUILD } from '../version.js';
import { cacheDir, writeCacheFile } from '../xdg.js';

/** What a check leaves for the next run (or, for the shipped flows, the build leaves for every run). */
export function recordOf(text: string, src: FlowSource, lets: Flow['lets']): ShippedDoc {
  return {
    text,
    doc: JSON.stringify(src.doc),
    positions: JSON.stringify(src.positions()),
    lets: Object.fromEntries(lets.map(([name, , type]) => [name, type])),
  };
}

/** A record: the build's `ShippedDoc` fields, and which build checked which file. */
interface CheckedRecord extends ShippedDoc {
  readonly build: string;
  readonly file: string;
}

/** `$XDG_CACHE_HOME/tshoot/flows/`, else `~/.cache/tshoot/flows/`; null when running from source. */
export function checkCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  return BUILD === null ? null : cacheDir(env, 'flows');
}

/** The record of `file` (absolute) if this build checked exactly `text` clean. */
export function readChecked(dir: string, file: string, text: string): ShippedDoc | undefined {
  if (BUILD === null) return undefined;
  let rec: Partial<CheckedRecord>;
  try {
    rec = JSON.parse(readFileSync(join(dir, recordName(BUILD, file)), 'utf8')) as Partial<CheckedRecord>;
  } catch {
    return undefined;
  }
  if (rec.build !== BUILD || rec.file !== file || rec.text !== text) return undefined;
  if (typeof rec.doc !== 'string' || typeof rec.positions !== 'string' || !rec.lets || typeof rec.lets !== 'object') return undefined;
  return { text, doc: rec.doc, positions: rec.positions, lets: rec.lets };
}

/** Records `file` as checked clean (xdg.ts `writeCacheFile`). */
export function writeChecked(dir: string, file: string, doc: ShippedDoc): void {
  if (BUILD === null) return;
  const rec: CheckedRecord = { build: BUILD, file, ...doc };
  writeCacheFile(dir, recordName(BUILD, file), JSON.stringify(rec), BUILD);
}

/** `BUILD-<fnv-1a 64 of the path>.json`: a file name for any path, without node:crypto at start. */
function recordName(build: string, file: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < file.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(file.charCodeAt(i))) * 0x100000001b3n);
  return `${build}-${h.toString(16).padStart(16, '0')}.json`;
}
