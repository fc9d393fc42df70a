/**
 * The build (`npm run build`): one esbuild bundle of the CLI with its dependencies, split so
 * that each command loads only what it uses (issue 8: `tshoot --version` and the first prompt
 * within 1.5× of bare node). `ssh2` stays external: it loads native optional addons
 * (`cpu-features`, `sshcrypto`) by `require` at run time.
 *
 *   dist/tshoot.js          the executable (bin.ts)
 *   dist/chunks/*.js        commands, UI, SSH, flows: imported when needed
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Bundled CommonJS dependencies (commander, ajv, yaml …) `require` node built-ins: give every
// chunk a real `require` (esbuild's ESM shim throws "Dynamic require … is not supported").
const banner = [
  '#!/usr/bin/env node',
  "import { createRequire as __tshootRequire } from 'node:module';",
  'const require = __tshootRequire(import.meta.url);',
].join('\n');

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
let validators, shipped;
try {
  const pre = await import(pathToFileURL(tmp).href);
  validators = pre.validatorsModule();
  shipped = pre.shippedFlows(join(root, 'flows'));
} finally {
  rmSync(tmp, { force: true });
}

await build({
  absWorkingDir: root,
  stdin: { contents: validators, resolveDir: root, sourcefile: 'flow-validators.cjs', loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/flow-validators.cjs',
  logLevel: 'warning',
});

/**
 * Swaps src/flow/validators.ts (Ajv, compiling at first use) for a loader of
 * dist/flow-validators.cjs, and src/flow/shipped.ts, shipped-docs.ts for the shipped flows
 * as checked above.
 */
const prebuilt = {
  name: 'tshoot-prebuilt',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]validators\.ts$/ }, () => ({ contents: VALIDATORS_LOADER, loader: 'js' }));
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]shipped\.ts$/ }, () => ({
      contents: `export const SHIPPED = JSON.parse(${JSON.stringify(JSON.stringify(shipped.index))});`,
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]src[\\/]flow[\\/]shipped-docs\.ts$/ }, () => ({
      contents: `export const SHIPPED_DOCS = JSON.parse(${JSON.stringify(JSON.stringify(shipped.docs))});`,
      loader: 'js',
    }));
  },
};

const VALIDATORS_LOADER = `
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
export const AJV_OPTIONS = { allErrors: true, strict: false };
let validators;
export function flowValidators() {
  if (validators) return validators;
  let dir = dirname(fileURLToPath(import.meta.url));
  if (basename(dir) === 'chunks') dir = dirname(dir);
  return (validators = createRequire(import.meta.url)(join(dir, 'flow-validators.cjs')));
}
export function validatorSchemas() {
  throw new Error('validatorSchemas: build time only');
}
`;

// 2. The CLI.
rmSync(join(root, 'dist/chunks'), { recursive: true, force: true });
await build({
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
  define: { __TSHOOT_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  metafile: process.env.TSHOOT_METAFILE ? true : false,
}).then((r) => {
  if (r.metafile) import('node:fs').then((fs) => fs.writeFileSync(process.env.TSHOOT_METAFILE, JSON.stringify(r.metafile)));
});
