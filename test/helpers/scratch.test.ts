/**
 * Issue 18: how `npm test` runs. The scratch folder of test/helpers/scratch.ts is where every
 * temporary file of the run goes; the files that build labs, namespaces or daemons are in the
 * serial `lab` project (vitest.config.ts LAB_FILES), found here by what they do.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_FILES } from '../../vitest.config.js';
import { ROOT } from './run-cli.js';

describe('the run scratch folder', () => {
  const scratch = process.env.TSHOOT_TEST_SCRATCH ?? '';

  it('is the TMPDIR and XDG_CACHE_HOME of the run, for the test and the processes it starts', () => {
    expect(scratch).toMatch(/tshoot-test-[^/]+$/);
    const made = mkdtempSync(join(tmpdir(), 'tshoot-probe-'));
    expect(made.startsWith(scratch + sep)).toBe(true);
    const child = execFileSync(process.execPath, ['-e', 'console.log(require("os").tmpdir(), process.env.XDG_CACHE_HOME)'], { encoding: 'utf8' });
    expect(child.trim()).toBe(`${scratch} ${join(scratch, 'cache')}`);
  });

  it('as root has the mode of /tmp (root-owned, sticky, everyone writes), else is the user own folder', () => {
    const st = statSync(scratch);
    expect(st.uid).toBe(process.getuid?.());
    expect(st.mode & 0o7777).toBe(process.getuid?.() === 0 ? 0o1777 : 0o700);
  });
});

describe('the lab project', () => {
  const glob = (g: string): RegExp => new RegExp(`^${g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  const lab = LAB_FILES.map(glob);
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
  // What makes a file serial: the lab, a namespace of its own, a daemon in this machine's namespace.
  const SERIAL = [
    /from '(\.\.\/lab|\.)\/(lab|enabled)\.js'/,
    /'netns', 'add'|'unshare', '--net'/,
    /from '\.\/(nginx|apache)-oracle\.js'|NGINX!?, '-c'/,
  ];
  const SELF = 'test/helpers/scratch.test.ts';

  it('holds every test file that builds the lab, a namespace, or starts nginx/apache; no other', () => {
    const all = files(join(ROOT, 'test')).map((f) => relative(ROOT, f).split(sep).join('/'));
    const serial = all.filter((f) => f !== SELF && SERIAL.some((re) => re.test(readFileSync(join(ROOT, f), 'utf8'))));
    const listed = all.filter((f) => lab.some((re) => re.test(f)));
    expect(serial.length).toBeGreaterThan(10);
    expect(listed).toEqual(serial);
  });
});
