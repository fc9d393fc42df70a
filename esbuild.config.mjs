/**
 * The build (`npm run build`): one esbuild bundle of the CLI with its dependencies, loaded by a
 * small executable through V8's code cache (issue 8: start, first prompt and `replay --check`
 * close to bare node). Commands are imported lazily inside the bundle: a command's modules run
 * only when it is used. `ssh2` is bundled too, without its optional native parts (`cpu-features`,
 * its `sshcrypto` addon): it runs on Node's crypto, as where npm did not build them.
 *
 *   dist/tshoot.cjs             the executable (src/bin.cts): compiles cli.bundle.js with the code cache
 *   dist/cli.bundle.js          the CLI (src/main.ts and everything it imports), CommonJS, as one
 *                               function expression
 *   dist/flow-validators.cjs    the flow schema's validators, precompiled (Ajv standalone)
 *   dist/yaml.cjs               the YAML library
 *   dist/flow-texts/NAME.txt    each shipped flow's document and position table (JSON in ASCII,
 *                               one line each), read when a command first uses that flow
 *
 * The side bundles are `require`d on first use (a user's flow to check, an answers file), not at
 * start: the shipped flows come compiled to data from step 1, and the CLI never reads their
 * YAML but in `flows lint`.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * What this build is: a hash of everything the bundle is made of (sources, shipped flows,
 * lockfile, package.json, this config). A user's flow that a build with the same id checked
 * clean is not checked again (src/flow/check-cache.ts); V8's code cache of another build is
 * never used (src/bin.cts).
 */
const buildId = (() => {
  const hash = createHash('sha256');
  const tree = (dir) =>
    readdirSync(join(root, dir), { recursive: true })
      .map((f) => join(dir, String(f)))
      .filter((f) => /\.(c?ts|json|ya?ml)$/.test(f));
  for (const f of [...tree('src'), ...tree('flows'), 'package-lock.json', 'package.json', 'esbuild.config.mjs'].sort()) {
    hash.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  }
  return hash.digest('hex').slice(0, 32);
})();

// 1. What the CLI would otherwise compute at every start (src/flow/prebuild.ts): the flow
//    validators as Ajv standalone code, and the shipped flows loaded, checked and compiled to data.
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
let validators, transcriptSchemas, editorSchema, shipped, asciiText;
try {
  const pre = await import(pathToFileURL(tmp).href);
  validators = pre.validatorsModule();
  transcriptSchemas = pre.transcriptSchemasJson();
  editorSchema = pre.editorSchemaJson();
  shipped = pre.shippedFlows(join(root, 'flows'));
  asciiText = pre.asciiText;
} finally {
  rmSync(tmp, { force: true });
}

// The shipped flows' texts, one file each (shipped-docs.ts reads them): the document, then the
// position table, each JSON in ASCII on one line (JSON.stringify writes no line break).
const textsFile = (name) => name.replace(/\.yaml$/, '.txt');
rmSync(join(root, 'dist/flow-texts'), { recursive: true, force: true });
mkdirSync(join(root, 'dist/flow-texts'), { recursive: true });
for (const [name, { doc, positions }] of Object.entries(shipped.docs)) {
  if (/[^\x00-\x7f]|\n/.test(doc + positions)) throw new Error(`${name}: a flow text is not one line of ASCII`);
  writeFileSync(join(root, 'dist/flow-texts', textsFile(name)), `${doc}\n${positions}\n`);
}

// 2. The side bundles, loaded on demand.
const cjs = { absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minifyWhitespace: true, minifySyntax: true, logLevel: 'warning' };
await build({ ...cjs, stdin: { contents: validators, resolveDir: root, sourcefile: 'flow-validators.cjs', loader: 'js' }, outfile: 'dist/flow-validators.cjs' });
await build({ ...cjs, entryPoints: { yaml: 'yaml' }, outfile: 'dist/yaml.cjs' });

/** `require` of a side bundle beside the CLI bundle (both in dist/), once. */
const onDemand = (file) => `
import { createRequire } from 'node:module';
let loaded;
function load() {
  return (loaded ??= createRequire(import.meta.url)(${JSON.stringify(`./${file}`)}));
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
 * src/flow/schema.ts (TypeBox) for the editor schema as JSON,
 * and src/flow/shipped.ts, shipped-docs.ts for the shipped flows as compiled in step 1.
 */
const prebuilt = {
  name: 'tshoot-prebuilt',
  setup(b) {
    // ssh2 is in the bundle (its code under V8's code cache, issue 17: loading it from
    // node_modules took ~0.1 s before the first connection), without its optional native parts
    // (its sshcrypto addon, cpu-features): ssh2 requires them in a try and, as where npm did not
    // build them (their install scripts are not allowed, package.json), uses Node's crypto.
    // Where they were built, loading them cost ~5 ms before each first connection (dlopen).
    b.onResolve({ filter: /(?:sshcrypto\.node|^cpu-features)$/ }, (a) => ({ path: a.path, namespace: 'tshoot-not-bundled' }));
    b.onLoad({ filter: /./, namespace: 'tshoot-not-bundled' }, (a) => ({
      contents: `throw Object.assign(new Error(${JSON.stringify(`${a.path}: an optional native part tshoot does not load`)}), { code: 'MODULE_NOT_FOUND' });`,
      loader: 'js',
    }));
    // What tshoot uses of ssh2 and node-ssh is the client's connection. ssh2's index also loads
    // its server, key generator and HTTP agents (Node's http and https with them), and node-ssh
    // loads make-dir (semver ranges parsed at load) and sb-scandir for directory transfers: ~11 ms
    // before the first connection (issue 17). Those imports are swapped for the client and key
    // parser alone, and for functions that load the real package at their first call. What is
    // read of `ssh2` (node-ssh 13: `SSH2.Client`; src/exec/ssh2-types.ts: `utils.parseKey`) must
    // be in the swap.
    b.onResolve({ filter: /^(ssh2|make-dir|sb-scandir)$/ }, (a) =>
      a.pluginData === 'real' ? undefined : { path: a.path, namespace: 'tshoot-used-only' },
    );
    b.onLoad({ filter: /./, namespace: 'tshoot-used-only' }, (a) => ({
      resolveDir: root,
      pluginData: 'real',
      loader: 'js',
      contents:
        a.path === 'ssh2'
          ? `import Client from 'ssh2/lib/client.js';\nimport { parseKey } from 'ssh2/lib/protocol/keyParser.js';\nexport default { Client, utils: { parseKey } };`
          : `export default function onFirstCall(...a) {\n  const m = require(${JSON.stringify(a.path)});\n  return (m.default ?? m)(...a);\n}`,
    }));
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: 'yaml', namespace: 'tshoot-on-demand' }));
    b.onLoad({ filter: /^yaml$/, namespace: 'tshoot-on-demand' }, () => ({ contents: YAML_LOADER, loader: 'js' }));
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]validators\.ts$/ }, () => ({ contents: VALIDATORS_LOADER, loader: 'js' }));
    // Only `flows schema` reads the flow schema at run time; the rest of schema.ts is types.
    // Another value imported from it fails the build ("No matching export"), not the run.
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]schema\.ts$/ }, () => ({
      contents: `export function editorSchema() { return JSON.parse(${JSON.stringify(editorSchema)}); }`,
      loader: 'js',
    }));
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
      // Each flow's document and positions are read from dist/flow-texts/ by a getter, when a
      // command first uses that flow: not in the bundle, which every start reads whole (0.5 MB
      // of the 1.95 MB), nor in a command's code cache (src/bin.cts).
      contents: `import { readFileSync } from 'node:fs';
const read = {};
const texts = (file) => (read[file] ??= readFileSync(new URL('./flow-texts/' + file, import.meta.url), 'latin1').split('\\n'));
export const SHIPPED_DOCS = {${Object.entries(shipped.docs)
        .map(([name, { doc: _d, positions: _p, ...small }]) => {
          const file = JSON.stringify(textsFile(name));
          return `${JSON.stringify(name)}: { ...${JSON.stringify(small)}, get doc() { return texts(${file})[0]; }, get positions() { return texts(${file})[1]; } }`;
        })
        .join(',\n')}};`,
      loader: 'js',
    }));
  },
};

// 3. The CLI: one CommonJS bundle (V8 caches a script's code, not an ES module's, on every Node
//    this package supports), and the executable that loads it.
rmSync(join(root, 'dist/chunks'), { recursive: true, force: true }); // an older build's layout
const define = { __TSHOOT_VERSION__: JSON.stringify(pkg.version), __TSHOOT_BUILD__: JSON.stringify(buildId) };
const r = await build({
  plugins: [prebuilt],
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/cli.js',
  write: false,
  // The sources are ES modules: `import.meta.url` is the bundle's own URL.
  banner: { js: 'var __tshootUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Less to read and pre-parse at a cold start; names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  define: { ...define, 'import.meta.url': '__tshootUrl' },
  logLevel: 'warning',
  metafile: Boolean(process.env.TSHOOT_METAFILE),
});
if (r.metafile) writeFileSync(process.env.TSHOOT_METAFILE, JSON.stringify(r.metafile));
// dist/cli.bundle.js is the bundle as one function expression, the script bin.cts compiles:
// CommonJS's wrapper written in, and in ASCII only (esbuild leaves a few characters in regex
// literals as they are; `\uXXXX` means the same there), so that it is read as latin1 — a
// one-byte string, 3 ms less than decoding UTF-8 into a two-byte one at every start.
const code = asciiText(r.outputFiles[0].text);
writeFileSync(join(root, 'dist/cli.bundle.js'), `(function (exports, require, module, __filename, __dirname) {${code}\n})`);
await build({
  absWorkingDir: root,
  entryPoints: { tshoot: 'src/bin.cts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  banner: { js: '#!/usr/bin/env node' },
  define,
  logLevel: 'warning',
});
// Executable as it is, too (`./dist/tshoot.cjs`); npm sets the mode of installed bins itself.
chmodSync(join(root, 'dist/tshoot.cjs'), 0o755);
