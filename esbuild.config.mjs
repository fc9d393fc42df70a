/**
 * The build (`npm run build`): one esbuild bundle of the CLI with its dependencies, split so
 * that each command loads only what it uses (issue 8: `tshoot --version` and the first prompt
 * within 1.5× of bare node). `ssh2` stays external: it loads native optional addons
 * (`cpu-features`, `sshcrypto`) by `require` at run time.
 *
 *   dist/tshoot.js              the executable (bin.ts)
 *   dist/chunks/*.js            commands, UI, SSH, flows: imported when needed
 *   dist/flow-validators.cjs    the flow schema's validators, precompiled (Ajv standalone)
 *   dist/yaml.cjs               the YAML library
 *
 * The last two are `require`d on first use (a user's flow to check, an answers file), not at
 * start: the shipped flows come checked from step 1.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * What this build is: a hash of every source file, the lockfile and this config. A user's flow
 * that a build with the same hash checked clean is not checked again (src/flow/check-cache.ts).
 */
const buildId = (() => {
  const hash = createHash('sha256');
  const files = readdirSync(join(root, 'src'), { recursive: true })
    .map((f) => join('src', String(f)))
    .filter((f) => /\.(ts|json)$/.test(f))
    .sort();
  for (const f of [...files, 'package-lock.json', 'esbuild.config.mjs']) hash.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  return hash.digest('hex').slice(0, 32);
})();

// 1. What the CLI would otherwise compute at every start (src/flow/prebuild.ts): the flow
//    validators as Ajv standalone code, and the shipped flows loaded and checked.
const tmp = join(root, 'dist', `.prebuild-${process.pid}.mjs`);
await build({
  absWorkingDir: root,
  entryPoints: ['src/flow/prebuild.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: tmp,
  logLevel: 'warning',
});
let validators, transcriptSchemas, shipped;
try {
  const pre = await import(pathToFileURL(tmp).href);
  validators = pre.validatorsModule();
  transcriptSchemas = pre.transcriptSchemasJson();
  shipped = pre.shippedFlows(join(root, 'flows'));
} finally {
  rmSync(tmp, { force: true });
}

// 2. The side bundles, loaded on demand.
const cjs = { absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minifyWhitespace: true, minifySyntax: true, logLevel: 'warning' };
await build({ ...cjs, stdin: { contents: validators, resolveDir: root, sourcefile: 'flow-validators.cjs', loader: 'js' }, outfile: 'dist/flow-validators.cjs' });
await build({ ...cjs, entryPoints: { yaml: 'yaml' }, outfile: 'dist/yaml.cjs' });

/** `require` of a side bundle from any chunk (dist/ or dist/chunks/), once. */
const onDemand = (file) => `
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
let loaded;
function load() {
  if (loaded) return loaded;
  let dir = dirname(fileURLToPath(import.meta.url));
  if (basename(dir) === 'chunks') dir = dirname(dir);
  return (loaded = createRequire(import.meta.url)(join(dir, ${JSON.stringify(file)})));
}
`;

const VALIDATORS_LOADER = `${onDemand('flow-validators.cjs')}
export const AJV_OPTIONS = { allErrors: true, strict: false };
export function flowValidators() {
  return load();
}
export function validatorSchemas() {
  throw new Error('validatorSchemas: build time only');
}
`;

// Every function the yaml package exports, each loading dist/yaml.cjs on its first call
// (classes too: `new LineCounter()` gets the real one). An import of anything else fails
// the build ("No matching export"), never the run.
const yamlExports = Object.entries(createRequire(join(root, 'package.json'))('yaml'))
  .filter(([, v]) => typeof v === 'function')
  .map(([k]) => k);
const YAML_LOADER = `${onDemand('yaml.cjs')}
${yamlExports.map((k) => `export function ${k}(...a) { return new.target ? Reflect.construct(load().${k}, a) : load().${k}(...a); }`).join('\n')}
`;

/**
 * Swaps src/flow/validators.ts (Ajv, compiling at first use) and `yaml` for loaders of the
 * side bundles, src/transcript/validators.ts (TypeBox) for the transcript schemas as JSON,
 * and src/flow/shipped.ts, shipped-docs.ts for the shipped flows as checked in step 1.
 */
const prebuilt = {
  name: 'tshoot-prebuilt',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: 'yaml', namespace: 'tshoot-on-demand' }));
    b.onLoad({ filter: /^yaml$/, namespace: 'tshoot-on-demand' }, () => ({ contents: YAML_LOADER, loader: 'js' }));
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]validators\.ts$/ }, () => ({ contents: VALIDATORS_LOADER, loader: 'js' }));
    b.onLoad({ filter: /[\\/]src[\\/]transcript[\\/]validators\.ts$/ }, () => ({
      contents: `export function transcriptSchemas() { return JSON.parse(${JSON.stringify(transcriptSchemas)}); }`,
      loader: 'js',
    }));
    // Small records as JSON.parse (fast for V8), the documents as one string each (parsed when
    // that file is loaded), the position tables likewise (parsed on the first position asked).
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]shipped\.ts$/ }, () => ({
      contents: `export const SHIPPED = JSON.parse(${JSON.stringify(JSON.stringify(shipped.index))});`,
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]shipped-docs\.ts$/ }, () => ({
      contents: `export const SHIPPED_DOCS = ${JSON.stringify(shipped.docs)};`,
      loader: 'js',
    }));
  },
};

// 3. The CLI.
const banner = [
  '#!/usr/bin/env node',
  // Bundled CommonJS dependencies (commander, ajv …) `require` node built-ins: give every chunk
  // a real `require` (esbuild's ESM shim throws "Dynamic require … is not supported").
  "import { createRequire as __tshootRequire } from 'node:module';",
  'const require = __tshootRequire(import.meta.url);',
].join('\n');

rmSync(join(root, 'dist/chunks'), { recursive: true, force: true });
const r = await build({
  plugins: [prebuilt],
  absWorkingDir: root,
  entryPoints: { tshoot: 'src/bin.ts' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['ssh2', 'cpu-features', 'sshcrypto'],
  banner: { js: banner },
  // Less to read and pre-parse at each start; names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  define: { __TSHOOT_VERSION__: JSON.stringify(pkg.version), __TSHOOT_BUILD__: JSON.stringify(buildId) },
  logLevel: 'warning',
  metafile: Boolean(process.env.TSHOOT_METAFILE),
});
if (r.metafile) (await import('node:fs')).writeFileSync(process.env.TSHOOT_METAFILE, JSON.stringify(r.metafile));
