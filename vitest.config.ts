import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Lab tests build network namespaces and start daemons: give them room, keep them bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Files run one at a time: lab hosts share this machine's process table, so one file's
    // nginx would show in another's `ps` (network namespaces do not separate processes).
    fileParallelism: false,
  },
});
