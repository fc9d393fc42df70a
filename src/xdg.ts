/**
 * tshoot's folders by the XDG Base Directory spec: under `$XDG_STATE_HOME` (transcripts) or
 * `$XDG_CACHE_HOME` (caches), else under `~/.local/state` and `~/.cache`. A relative value is
 * ignored, as the spec says. Reference: https://specifications.freedesktop.org/basedir-spec/latest/
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { openSafeDir, type SafeDir } from './safe-fs.js';

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
 * or null when `TSHOOT_NO_CACHE` turns them off. Used only through `openCache`.
 */
export function cacheDir(env: Env, name: 'v8' | 'flows'): string | null {
  return env.TSHOOT_NO_CACHE ? null : tshootDir(env, 'cache', name);
}

/** A cache folder's files, read and written only through a folder checked as ours (safe-fs.ts). */
export interface Cache {
  /** The file's bytes, or undefined: missing, or not one only we could have written. */
  read(name: string): Buffer | undefined;
  /**
   * Writes the file whole (0600; the folder is made 0700), then removes older builds' files.
   * A cache that cannot be written (read-only home, full disk) is left alone: the next run
   * only does its work again.
   */
  write(name: string, data: string | Uint8Array, build: string): void;
}

const caches = new Map<string, Cache>();

/**
 * The cache at `dir` (from `cacheDir`). What is in it runs (code) or decides what runs (flows):
 * it is used only when the folder and every ancestor pass safe-fs.ts's checks, through /proc
 * (so not at all without it), each file only when its descriptor says it is ours alone. The
 * folder is opened once per process, on the first read or write, and kept open.
 */
export function openCache(dir: string): Cache {
  let cache = caches.get(dir);
  if (!cache) caches.set(dir, (cache = cacheAt(dir)));
  return cache;
}

function cacheAt(path: string): Cache {
  let dir: SafeDir | null = null;
  let refused = false;
  const open = (create: boolean): SafeDir | null => {
    if (dir || refused) return dir;
    try {
      // `tshoot/v8`: no link in tshoot's own folders; the XDG folder's path may have some.
      dir = openSafeDir(path, { own: 2, create, proc: true });
    } catch (e) {
      // Missing: nothing to read yet, made by the first write. Anything else: never used.
      refused = create || (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
    return dir;
  };
  return {
    read: (name) => open(false)?.read(name),
    write(name, data, build) {
      const d = open(true);
      if (!d) return;
      try {
        d.replace(name, data);
        pruneOtherBuilds(d, build);
      } catch {
        /* the next run does its work again */
      }
    },
  };
}

/**
 * In a cache folder whose files are named `BUILD-…`: keeps the current build's files and those
 * of the two other builds written last (a global and a project's tshoot side by side do not
 * evict each other), removes older builds' files.
 */
function pruneOtherBuilds(dir: SafeDir, current: string, keep = 3): void {
  const latest = new Map<string, number>();
  const files = dir.list().map((f) => ({ f, build: f.split('-')[0]!, at: dir.stat(f).mtimeMs }));
  for (const { build, at } of files) latest.set(build, Math.max(latest.get(build) ?? 0, at));
  latest.delete(current);
  const kept = new Set([current, ...[...latest].sort((a, b) => b[1] - a[1]).slice(0, keep - 1).map(([b]) => b)]);
  for (const { f, build } of files) if (!kept.has(build)) dir.remove(f);
}
