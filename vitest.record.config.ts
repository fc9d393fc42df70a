import { defineConfig } from 'vitest/config';

// `npm run record-sessions`: re-records the lab sessions that guard the flows
// (flows/<id>/sessions/*.ndjson, examples/*.ndjson). Not part of `npm test`.
export default defineConfig({
  test: { include: ['test/tools/*.rec.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
