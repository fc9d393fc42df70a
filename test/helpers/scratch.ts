/**
 * vitest's global setup: one scratch folder per `vitest run`. TMPDIR and XDG_CACHE_HOME point
 * into it for every test file and every process a test starts (the worker processes are started
 * after this runs and inherit its environment), so each `mkdtemp(tmpdir())` of a test lands
 * there, and the whole folder is removed when the run ends — no test leaves a folder in /tmp
 * behind (issue 18: 92 of them on one machine). Set once per run, whatever the projects.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARK = 'TSHOOT_TEST_SCRATCH';

export default function setup(): (() => void) | undefined {
  // Each project inheriting the root configuration runs this: the first one sets the folder up.
  if (process.env[MARK]) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'tshoot-test-'));
  // As root, the same mode as /tmp: the lab's daemons and the sudo tests' users (other uids)
  // read, and write, what the tests put there. Otherwise the user's own folder.
  if (process.getuid?.() === 0) chmodSync(root, 0o1777);
  mkdirSync(join(root, 'cache'));
  process.env[MARK] = root;
  process.env.TMPDIR = root;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  return () => rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
