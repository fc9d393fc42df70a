import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Lab tests build network namespaces and start daemons: give them room, keep them bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
