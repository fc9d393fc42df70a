import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Where the lab cannot run (not root, packages missing): which tests were not run, and how to run them.
    reporters: ['default', './test/tools/lab-note-reporter.ts'],
    // The CLIs the tests start keep their check records in a scratch folder, not ~/.cache.
    env: { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'tshoot-cache-')) },
    // Lab tests build network namespaces and start daemons: give them room, keep them bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Files run one at a time: lab hosts share this machine's process table, so one file's
    // nginx would show in another's `ps` (network namespaces do not separate processes).
    fileParallelism: false,
  },
});
