/**
 * tshoot's folders by the XDG Base Directory spec: under `$XDG_STATE_HOME` (transcripts) or
 * `$XDG_CACHE_HOME` (caches), else under `~/.local/state` and `~/.cache`. A relative value is
 * ignored, as the spec says. Reference: https://specifications.freedesktop.org/basedir-spec/latest/
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

const HOMES = {
  state: { variable: 'XDG_STATE_HOME', fallback: ['.local', 'state'] },
  cache: { variable: 'XDG_CACHE_HOME', fallback: ['.cache'] },
} as const;

/** `$XDG_STATE_HOME/tshoot/…`, `$XDG_CACHE_HOME/tshoot/…` (or their fallbacks). */
export function tshootDir(env: Env, home: keyof typeof HOMES, ...parts: string[]): string {
  const { variable, fallback } = HOMES[home];
  const xdg = env[variable];
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ...fallback);
  return join(base, 'tshoot', ...parts);
}

/**
 * One of tshoot's caches (`v8`: compiled code, bin.cts; `flows`: checked flows, check-cache.ts),
 * or null when `TSHOOT_NO_CACHE` turns them off. What is in them runs (code) or decides what
 * runs (flows): a folder someone else owns, or others may write to, is not used at all.
 */
export function cacheDir(env: Env, name: 'v8' | 'flows'): string | null {
  if (env.TSHOOT_NO_CACHE) return null;
  const dir = tshootDir(env, 'cache', name);
  return ownedAndPrivate(dir) ? dir : null;
}

/** The folder is ours and only we can write to it; or it is not there yet (it is made 0700). */
function ownedAndPrivate(dir: string): boolean {
  try {
    const st = statSync(dir);
    const uid = process.getuid?.();
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Writes one file of a cache folder whole (a temporary file renamed over it, so that a run
 * reading it meanwhile sees the old or the new, never half), 0600 in a 0700 folder, then prunes
 * older builds' files. A cache that cannot be written (read-only home, full disk) is left alone:
 * the next run only does its work again.
 */
export function writeCacheFile(dir: string, name: string, data: string | Uint8Array, build: string): void {
  const file = join(dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
    pruneOtherBuilds(dir, build);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/**
 * In a cache folder whose files are named `BUILD-…`: keeps the current build's files and those
 * of the two other builds written last (a global and a project's tshoot side by side do not
 * evict each other), removes older builds' files.
 */
export function pruneOtherBuilds(dir: string, current: string, keep = 3): void {
  const latest = new Map<string, number>();
  const files = readdirSync(dir).map((f) => ({ f, build: f.split('-')[0]!, at: statSync(join(dir, f)).mtimeMs }));
  for (const { build, at } of files) latest.set(build, Math.max(latest.get(build) ?? 0, at));
  latest.delete(current);
  const kept = new Set([current, ...[...latest].sort((a, b) => b[1] - a[1]).slice(0, keep - 1).map(([b]) => b)]);
  for (const { f, build } of files) if (!kept.has(build)) rmSync(join(dir, f), { force: true });
}
