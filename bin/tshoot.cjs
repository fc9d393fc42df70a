#!/usr/bin/env node
// tshoot's command as npm links it. The package ships dist/ built; a source checkout builds it on
// its first run (`npm ci`, with or without install scripts, then `npx tshoot`), with the
// checkout's esbuild — what `npm run build` does. Build output goes to stderr: stdout stays the
// command's own (`--json`).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const exe = join(root, 'dist', 'tshoot.cjs');
if (!existsSync(exe) || !existsSync(join(root, 'dist', 'cli.bundle.js'))) {
  const config = join(root, 'esbuild.config.mjs');
  if (!existsSync(config)) {
    process.stderr.write(`tshoot: ${join(root, 'dist')} is incomplete and this is not a source checkout to build it from: reinstall tshoot\n`);
    process.exit(1);
  }
  process.stderr.write('tshoot: building dist/ from this checkout (the first run after a clone; `npm run build` does the same)\n');
  const r = require('node:child_process').spawnSync(process.execPath, [config], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write(`tshoot: the build failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}); run \`npm ci\` in ${root}, then \`npm run build\`\n`);
    process.exit(1);
  }
}
require(exe);
