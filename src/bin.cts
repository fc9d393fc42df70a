/**
 * The executable (`dist/tshoot.cjs`): loads the CLI — one CommonJS bundle, `dist/cli.bundle.js`
 * — through V8's code cache, so that a start after the first skips parsing and compiling what
 * the same command ran before (issue 8: `replay --check` within 1.5× of start).
 *
 * The cache is the code V8 compiled during the first run of that command (`Script.createCachedData`
 * after the run: functions compiled lazily are in it), one file per build, Node version and
 * command in `$XDG_CACHE_HOME/tshoot/v8/` (0700). It is written once, not grown by later runs
 * (issue 18: a replay cache made by a user flow's replay, then grown by two replays of a shipped
 * session, replayed that session in 306.1 ms of CPU, against 300.7 ms for the cache of the
 * first run alone: medians of 21 interleaved runs, BENCHMARKS.md). V8 refuses
 * a cache from another V8 or other flags; the build id in the name (a hash of the sources, flows
 * and lockfile) and the bundle's size keep a cache from being used for other code. V8 checks
 * only the source's length, so a cache file is code that runs: it is read only from a folder and
 * a file that only we (or root) can have written, checked on their descriptors (xdg.ts
 * `openCache`, safe-fs.ts). The files of three builds are kept, older ones removed. A refused,
 * missing or unreadable cache only costs a normal compile, and is written anew after the run.
 * `TSHOOT_NO_CACHE=1` turns it off.
 *
 * Works the same on every Node this package supports (Node's own compile cache, 22.1+, stores
 * only what is compiled before a module runs, and not at all on Node 20). CommonJS itself, as a
 * script needs no ES module loader: 2–3 ms less at every start.
 */
import fs = require('node:fs');
import nodeModule = require('node:module');
import path = require('node:path');
import vm = require('node:vm');
import zlib = require('node:zlib');
import xdg = require('./xdg.js');

const { readFileSync } = fs;
const { dirname, join } = path;

/** The build's id (esbuild.config.mjs). */
declare const __TSHOOT_BUILD__: string;

/** A code cache file starts with "TSv8" (read little-endian), then the CRC-32 of V8's data. */
const MAGIC = 0x38765354;
const HEADER = 8;

// The bundle is ASCII, wrapped in CommonJS's function by the build (esbuild.config.mjs).
const bundle = join(__dirname, 'cli.bundle.js');
const source = readFileSync(bundle, 'latin1');
const codeCache = codeCacheOf(process.env, process.argv.slice(2), source.length);
let cachedData: Buffer | undefined;
try {
  if (codeCache) cachedData = readCodeCache(codeCache.cache.read(codeCache.name));
} catch {
  /* the first run of this command */
}
const script = new vm.Script(source, { filename: bundle, cachedData });
const mod = { exports: {} as { main(): Promise<void> } };
(script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, nodeModule.createRequire(bundle), mod, bundle, dirname(bundle));
void mod.exports.main().then(() => {
  if (codeCache && (!cachedData || script.cachedDataRejected)) writeCodeCache(codeCache);
});

/** The cache folder and `BUILD-v20.20.2-x64-replay-SIZE.bin`; null when caching is off. */
function codeCacheOf(env: NodeJS.ProcessEnv, argv: readonly string[], size: number): { cache: xdg.Cache; name: string } | null {
  const dir = xdg.cacheDir(env, 'v8');
  if (dir === null) return null;
  // What runs depends on the command (`replay`, `run` …): one cache each, one for the menu (no
  // argument), one for everything else (options first, `--version`). A user's flows (`--flows`)
  // take other code than the shipped ones (their YAML read, checked, compiled): a cache of their
  // own, so that neither deserializes the other's code and compiles its own lazily (issue 18: a
  // shipped replay with the `replay` cache a user-flow replay had written took 255.2 ms, with
  // its own 243.4 ms; medians of 21 interleaved runs).
  const first = argv[0];
  const command = first === undefined ? 'menu' : /^[a-z][a-z-]{0,19}$/.test(first) ? first : 'other';
  const flows = argv.some((a) => a === '--flows' || a.startsWith('--flows=')) ? '+flows' : '';
  return { cache: xdg.openCache(dir), name: `${__TSHOOT_BUILD__}-${process.version}-${process.arch}-${command}${flows}-${size}.bin` };
}

/**
 * A cache file is `TSv8`, the CRC-32 of V8's data, then V8's data. V8 checks its version, flags
 * and the source's length, but (outside debug builds) not its data: a damaged file would be
 * deserialized as it is. A file that fails the CRC is left to be rewritten.
 */
function readCodeCache(b: Buffer | undefined): Buffer | undefined {
  if (!b || b.length < HEADER || b.readUInt32LE(0) !== MAGIC) return undefined;
  const data = b.subarray(HEADER);
  return zlib.crc32(data) === b.readUInt32LE(4) ? data : undefined;
}

/** What V8 compiled in this run, with its header (xdg.ts `Cache.write`: whole, 0600, older builds pruned). */
function writeCodeCache(to: { cache: xdg.Cache; name: string }): void {
  const data = script.createCachedData();
  const head = Buffer.alloc(HEADER);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(zlib.crc32(data), 4);
  to.cache.write(to.name, Buffer.concat([head, data]), __TSHOOT_BUILD__);
}
