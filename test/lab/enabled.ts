/**
 * Whether this test run builds the lab: as root, or in CI (where the lab must run, so a missing
 * package fails there rather than skips). Elsewhere the lab tests are skipped, and vitest's
 * lab-note reporter (test/tools/lab-note-reporter.ts) says so with the command that runs them.
 */
export const LAB_ENABLED = process.getuid?.() === 0 || Boolean(process.env.CI);
