import { defineConfig } from 'vitest/config';

/**
 * Test files that must run one at a time, after the others (issue 18), by what they do:
 * they build the lab (network namespaces with sshd, nginx, iptables) or network namespaces of
 * their own, or start nginx/apache in this machine's namespace. Lab hosts share this machine's
 * process table, so one file's nginx would show in another's `ps` (network namespaces do not
 * separate processes) and in any flow run locally meanwhile.
 */
export const LAB_FILES = [
  // up() from test/lab/lab.ts (lab.test.ts also sweeps every lab namespace)
  'test/lab/*.test.ts',
  'test/apply/apply.test.ts',
  'test/apply/rollback-lab.test.ts',
  'test/hardening/faults.test.ts',
  'test/hardening/injection.test.ts',
  'test/hardening/output.test.ts',
  'test/ui/terminal.test.ts',
  'test/bench/bench-smoke.test.ts',
  // their own namespaces (`ip netns add`), with apache2 or listeners in them
  'test/models/apache-listen.test.ts',
  'test/models/*-kernel.test.ts',
  // nginx / apache2 started in this machine's namespaces: the oracles, the end-to-end run
  'test/models/*oracle*.test.ts',
  'test/e2e/*.test.ts',
];

export default defineConfig({
  test: {
    // Where the lab cannot run (not root, packages missing): which tests were not run, and how to run them.
    reporters: ['default', './test/tools/lab-note-reporter.ts'],
    // One scratch folder per run for TMPDIR and XDG_CACHE_HOME (the CLIs the tests start keep their
    // check records there, not in ~/.cache), removed at the end.
    globalSetup: ['./test/helpers/scratch.ts'],
    // Lab tests build network namespaces and start daemons: give them room, keep them bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      // Everything else, files in parallel (one worker per core, vitest's default).
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: LAB_FILES, sequence: { groupOrder: 0 } } },
      // Then the lab files, one at a time, with nothing else running.
      { extends: true, test: { name: 'lab', include: LAB_FILES, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
