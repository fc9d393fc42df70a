/**
 * test/tools/lab-packages.mjs, the step `npm test` runs first (issue 16): the lab's Debian
 * packages checked through dpkg, installed as root, and without root the lab tests reported as
 * not run with the command that runs them, never as a failure. "Missing" is dpkg's own answer
 * about a database of the test's making (DPKG_ADMINDIR); "not root" is the real uid of `nobody`
 * (setpriv); apt-get is a stand-in on PATH that records its arguments and updates that database,
 * so nothing is downloaded or installed here.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { LAB_PACKAGES, RUN_LAB_TESTS } from './lab-packages.mjs';

const isRoot = process.getuid?.() === 0;
const tmp = mkdtempSync(join(tmpdir(), 'tshoot-labpkg-'));
chmodSync(tmp, 0o755);
// A copy `nobody` can read wherever the checkout is.
const SCRIPT = join(tmp, 'lab-packages.mjs');
copyFileSync(join(ROOT, 'test/tools/lab-packages.mjs'), SCRIPT);
chmodSync(SCRIPT, 0o644);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let dbs = 0;
/** A dpkg database in which exactly `installed` are installed. */
function dpkgDb(installed: readonly string[]): string {
  const dir = join(tmp, `dpkg-${dbs++}`);
  mkdirSync(join(dir, 'info'), { recursive: true });
  mkdirSync(join(dir, 'updates'));
  writeFileSync(join(dir, 'status'), installed.map(stanza).join(''));
  chmodSync(dir, 0o777);
  chmodSync(join(dir, 'status'), 0o666);
  return dir;
}

function stanza(pkg: string): string {
  return `Package: ${pkg}\nStatus: install ok installed\nPriority: optional\nSection: net\nMaintainer: test <test@example.invalid>\nArchitecture: amd64\nVersion: 1.0\nDescription: stand-in\n\n`;
}

/** A folder with an `apt-get` that logs its arguments; `install` marks the packages installed, unless it is told to fail. */
function fakeApt(fail = false): { bin: string; log: string } {
  const bin = join(tmp, `bin-${dbs++}`);
  mkdirSync(bin);
  const log = join(bin, 'apt.log');
  const script = `#!/bin/sh
echo "$*" >> '${log}'
${fail ? 'echo "E: Unable to locate package nginx-light" >&2; exit 100' : ''}
if [ "$1" = install ]; then
  for p in "$@"; do case "$p" in -*|install) ;; *) printf 'Package: %s\\nStatus: install ok installed\\nPriority: optional\\nSection: net\\nMaintainer: t <t@example.invalid>\\nArchitecture: amd64\\nVersion: 1.0\\nDescription: stand-in\\n\\n' "$p" >> "$DPKG_ADMINDIR/status";; esac; done
fi
exit 0
`;
  writeFileSync(join(bin, 'apt-get'), script, { mode: 0o755 });
  return { bin, log };
}

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

function script(args: string[], o: { db: string; path?: string; asNobody?: boolean }) {
  const argv = [process.execPath, SCRIPT, ...args];
  const cmd = o.asNobody && isRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...argv] : argv;
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    encoding: 'utf8',
    cwd: tmp,
    env: { PATH: o.path ?? SYSTEM_PATH, DPKG_ADMINDIR: o.db, HOME: tmp },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

describe('the list', () => {
  it('is the one place: .ci/run installs nothing itself and runs npm test, whose first step is this script', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).not.toMatch(/apt-get|dpkg/);
    for (const p of ['openssh-server', 'nginx-light', 'netcat-openbsd', 'iproute2']) expect(ci).not.toContain(p); // no second list
    expect(ci).toMatch(/^npm ci --no-audit --no-fund\nnpm test\n$/m);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/^node test\/tools\/lab-packages\.mjs --ensure && /);
    const list = script(['--list'], { db: dpkgDb([]) });
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual([...LAB_PACKAGES]);
  });

  it('runs only as the script: imported into another bundled CLI (the lab\'s, the bench\'s) it leaves that CLI\'s arguments alone', async () => {
    const entry = join(tmp, 'entry.mjs');
    writeFileSync(entry, `import { LAB_PACKAGES } from ${JSON.stringify(join(ROOT, 'test/tools/lab-packages.mjs'))};\nconsole.log('own CLI', process.argv.slice(2).join(' '), LAB_PACKAGES.length);\n`);
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: join(tmp, 'own-cli.mjs'), logLevel: 'warning' });
    const r = spawnSync(process.execPath, [join(tmp, 'own-cli.mjs'), 'list'], { encoding: 'utf8', timeout: 30_000 });
    expect(r).toMatchObject({ status: 0, stdout: `own CLI list ${LAB_PACKAGES.length}\n`, stderr: '' });
  });

  it('refuses arguments it does not know, with its usage', () => {
    const r = script(['--instal'], { db: dpkgDb([]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown arguments: --instal');
    expect(r.stderr).toContain('usage: node test/tools/lab-packages.mjs [--check | --ensure | --install | --list]');
  });
});

describe('--check asks dpkg', () => {
  it('all installed: exit 0', () => {
    const r = script([], { db: dpkgDb(LAB_PACKAGES) });
    expect(r).toMatchObject({ code: 0, stdout: `all ${LAB_PACKAGES.length} installed\n` });
  });

  it('names exactly the missing ones, in the list\'s order: exit 1', () => {
    const r = script(['--check'], { db: dpkgDb(LAB_PACKAGES.filter((p) => p !== 'nginx-light' && p !== 'tmux')) });
    expect(r).toMatchObject({ code: 1, stdout: 'missing: nginx-light tmux\n' });
  });

  it('without dpkg-query on PATH it cannot tell, and says so: exit 1', () => {
    const nodeOnly = join(tmp, 'node-only');
    mkdirSync(nodeOnly);
    const r = spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8', env: { PATH: nodeOnly } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no dpkg-query on PATH');
  });
});

describe('--ensure (the first step of npm test), not root', () => {
  it('packages missing: exit 0, the lab tests reported as not run, with why and the one command that runs them', () => {
    const db = dpkgDb(LAB_PACKAGES.filter((p) => p !== 'apache2'));
    const apt = fakeApt();
    const r = script(['--ensure'], { db, path: `${apt.bin}:${SYSTEM_PATH}`, asNobody: true });
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toBe(
      'tshoot: the lab tests are not run here: they need root (network namespaces, iptables, real sshd, nginx and Apache); the lab\'s Debian packages are missing: apache2.\n' +
        `tshoot: run them (as root they install the lab's packages first) with:  ${RUN_LAB_TESTS}\n`,
    );
    expect(r.stdout).not.toMatch(/fail/i);
    expect(existsSync(apt.log)).toBe(false); // no apt-get without root
  });

  it('--install without root: exit 1, and how to run it', () => {
    const r = script(['--install'], { db: dpkgDb([]), asNobody: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('installing Debian packages needs root: sudo node test/tools/lab-packages.mjs --install');
  });
});

describe.runIf(isRoot)('--ensure as root', () => {
  it('installs exactly the missing packages with apt-get, saying so; then they are there, and the next run installs nothing', () => {
    const missing = ['nginx-light', 'chromium', 'apache2'];
    const db = dpkgDb(LAB_PACKAGES.filter((p) => !missing.includes(p)));
    const apt = fakeApt();
    const r = script(['--ensure'], { db, path: `${apt.bin}:${SYSTEM_PATH}` });
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toContain(`lab-packages: installing the lab's Debian packages that are missing (3): nginx-light chromium apache2\n`);
    expect(r.stdout).toContain('lab-packages: installed 3 packages\n');
    expect(readFileSync(apt.log, 'utf8')).toBe('update -qq\ninstall -y -qq --no-install-recommends nginx-light chromium apache2\n');
    const again = script(['--ensure'], { db, path: `${apt.bin}:${SYSTEM_PATH}` });
    expect(again).toMatchObject({ code: 0, stdout: `lab-packages: the lab's ${LAB_PACKAGES.length} Debian packages are installed\n` });
    expect(readFileSync(apt.log, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('apt-get failing: exit 1 with apt-get\'s own words, nothing claimed installed', () => {
    const db = dpkgDb([]);
    const apt = fakeApt(true);
    const r = script(['--ensure'], { db, path: `${apt.bin}:${SYSTEM_PATH}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E: Unable to locate package nginx-light');
    expect(r.stderr).toContain('lab-packages: apt-get update -qq failed (exit 100)');
    expect(r.stdout).not.toContain('installed');
  });

  it('apt-get "succeeding" without installing: exit 1, naming what is still missing', () => {
    const db = dpkgDb([]);
    const bin = join(tmp, 'bin-noop');
    mkdirSync(bin);
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r = script(['--ensure'], { db, path: `${bin}:${SYSTEM_PATH}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`lab-packages: still not installed after apt-get: ${LAB_PACKAGES.join(' ')}\n`);
  });

  it('the lab harness refuses to build a lab without them, saying what is missing and what to run', async () => {
    const db = dpkgDb(LAB_PACKAGES.filter((p) => p !== 'openssh-server'));
    const before = process.env.DPKG_ADMINDIR;
    process.env.DPKG_ADMINDIR = db; // lab.ts reads its environment when loaded
    try {
      const { up } = await import('../lab/lab.js');
      await expect(up('healthy')).rejects.toThrow(
        "lab: cannot build the lab: the lab's Debian packages are missing: openssh-server; install them with `node test/tools/lab-packages.mjs --install` (`npm test` does it first)",
      );
    } finally {
      if (before === undefined) delete process.env.DPKG_ADMINDIR;
      else process.env.DPKG_ADMINDIR = before;
    }
  });
});

describe('a test run without root', () => {
  it('skips the lab tests (exit 0, none failed) and ends saying which were not run and the command that runs them', () => {
    const vitest = [process.execPath, join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--configLoader', 'runner', 'test/lab/untrusted-nginx.test.ts'];
    const argv = isRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...vitest] : vitest;
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? SYSTEM_PATH, HOME: tmp, NO_COLOR: '1' } });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/Tests +\d+ skipped \(\d+\)/);
    expect(out).not.toMatch(/^ *(Test Files|Tests) .*failed/m);
    expect(r.stdout).toMatch(/^tshoot: \d+ tests? in 1 file not run \(skipped, not failed\): test\/lab\/untrusted-nginx\.test\.ts$/m);
    expect(r.stdout).toContain('tshoot: the lab tests are not run here: they need root (network namespaces, iptables, real sshd, nginx and Apache).');
    expect(r.stdout).toContain(`tshoot: run them (as root they install the lab's packages first) with:  ${RUN_LAB_TESTS}`);
  });
});
