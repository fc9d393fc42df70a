/**
 * After `vitest run`: where the lab cannot run here (not root, or its Debian packages missing),
 * says which tests were not run and the one command that runs them, so that a skip never passes
 * for a pass unnoticed nor is taken for a failure. Prints nothing where the lab can run.
 */
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { labStatus, notRunNote } from './lab-packages.mjs';

export default class LabNoteReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const status = labStatus();
    if (status.ready) return;
    let skipped = 0;
    const files = new Set<string>();
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        if (t.result().state !== 'skipped') continue;
        skipped++;
        files.add(relative(process.cwd(), m.moduleId));
      }
    }
    if (skipped === 0) return;
    const list = [...files].sort();
    const lines = [`tshoot: ${skipped} test${skipped === 1 ? '' : 's'} in ${list.length} file${list.length === 1 ? '' : 's'} not run (skipped, not failed): ${list.join(' ')}`, ...notRunNote(status)];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
