/**
 * What a user installs (issue 16): the tarball ships only what users run; it has no runtime
 * dependency (the bundle loads nothing from an installed package: ssh2 is in it, without its
 * optional native parts); every development dependency's install script is decided in
 * `allowScripts`; and the package installed from its tarball with every install script blocked
 * (`--ignore-scripts`: no prepare) starts, draws the menu, checks a user's flow, replays a
 * session and runs a command over SSH. The install is `--offline`: no traffic.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_SSHD, type Sshd, startSshd } from '../exec/sshd-harness.js';
import { ROOT } from '../helpers/run-cli.js';
import { oneCommandFlow } from '../ui/flows.js';
import { exitCode, hasTmux, Tmux } from '../ui/tmux.js';

interface Pkg {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Pkg;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; hasInstallScript?: boolean; dev?: boolean; optional?: boolean }>;
};
const DIST = ['dist/tshoot.cjs', 'dist/cli.bundle.js', 'dist/flow-validators.cjs', 'dist/yaml.cjs'];

/** npm, quiet, without the registry: what this test runs never leaves the machine. */
function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
    timeout: 240_000,
  });
}

type LockEntry = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> } & Record<string, unknown>;

/**
 * A user's project that depends on the tarball, with its lockfile: tshoot's entry, and those of
 * its dependencies (none) as this project's lockfile pins them. `npm ci --offline` then installs
 * without asking the registry.
 */
function userProject(dir: string, tgz: string, tarball: Buffer): void {
  const entries = lock.packages as Record<string, LockEntry>;
  const packages: Record<string, LockEntry> = {
    '': { name: 'user', version: '1.0.0', dependencies: { tshoot: `file:${tgz}` } },
    'node_modules/tshoot': {
      version: pkg.version,
      resolved: `file:${tgz}`,
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      license: 'MIT',
      ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
      bin: pkg.bin,
    },
  };
  const add = (name: string) => {
    const key = `node_modules/${name}`;
    if (packages[key]) return;
    const e = entries[key];
    if (!e) throw new Error(`package-lock.json has no ${key}`);
    packages[key] = e;
    for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies })) add(d);
  };
  for (const d of Object.keys(pkg.dependencies ?? {})) add(d);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(packages['']));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'user', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
}

describe('package.json: what ships, what it depends on, which install scripts run', () => {
  it('the tarball holds the launcher, the built CLI, the flows with their sessions and the examples; no sources, tests or CI', () => {
    for (const f of DIST) expect(existsSync(join(ROOT, f)), `${f}: npm test builds it first`).toBe(true);
    const out = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT);
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
    const shipped = (f: string) =>
      ['README.md', 'package.json', 'bin/tshoot.cjs', ...DIST].includes(f) ||
      /^dist\/flow-texts\/[a-z0-9-]+\.txt$/.test(f) ||
      /^flows\/[a-z0-9-]+\.yaml$/.test(f) ||
      f === 'flows/flow.schema.json' ||
      /^flows\/[a-z0-9-]+\/sessions\/[a-z0-9-]+\.ndjson$/.test(f) ||
      /^examples\/[a-z0-9-]+\.ndjson$/.test(f);
    expect(files.filter((f) => !shipped(f))).toEqual([]);
    for (const f of ['bin/tshoot.cjs', ...DIST, 'flows/triage.yaml', 'flows/flow.schema.json', 'examples/refused-nginx-stopped.ndjson']) expect(files).toContain(f);
    // Every shipped flow and recorded session is in it (`tshoot flows test` replays them).
    const flows = readdirSync(join(ROOT, 'flows'), { recursive: true }).map(String).filter((f) => /\.(ya?ml|ndjson)$/.test(f));
    for (const f of flows) expect(files).toContain(`flows/${f}`);
    // With each shipped flow's texts as built (read when a command uses that flow).
    for (const f of flows.filter((f) => /^[a-z0-9-]+\.yaml$/.test(f))) expect(files).toContain(`dist/flow-texts/${f.replace(/\.yaml$/, '.txt')}`);
    expect(pkg.bin).toEqual({ tshoot: 'bin/tshoot.cjs' });
  });

  it('the bundle requires no package: tshoot has no runtime dependency, everything it bundles is a devDependency', () => {
    const builtin = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const required = new Set<string>();
    for (const f of DIST) {
      const code = readFileSync(join(ROOT, f), 'utf8');
      // require("x") and createRequire(url)("x"); `.code='require(...)'` strings of Ajv's standalone code are text, not calls.
      for (const m of code.matchAll(/(?<![.'\w])require\)?\("([^"]+)"\)|createRequire\)\([^)]*\)\("([^"]+)"\)/g)) {
        const name = m[1] ?? m[2]!;
        if (name.startsWith('./')) expect(DIST, `${f} loads ${name}`).toContain(`dist/${name.slice(2)}`);
        else if (!builtin.has(name)) required.add(name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!);
      }
    }
    // ssh2's JavaScript is in the bundle (under the code cache, issue 17), without its optional
    // native parts (its sshcrypto addon, cpu-features: ssh2 requires them in a try and uses
    // Node's crypto without them), so nothing is loaded from an installed package at run time.
    expect([...required]).toEqual([]);
    expect(readFileSync(join(ROOT, 'dist/cli.bundle.js'), 'utf8')).not.toContain('sshcrypto.node")');
    expect(pkg.dependencies).toBeUndefined();
    // Ajv, TypeBox, YAML, CEL, inquirer, commander, ora, boxen, ssh2, node-ssh: built into the bundle, so for the build only.
    for (const d of ['ajv', '@sinclair/typebox', 'yaml', '@marcbachmann/cel-js', '@inquirer/prompts', 'commander', 'ora', 'boxen', 'ssh-config', 'ssh2', 'node-ssh', 'esbuild']) {
      expect(pkg.devDependencies[d], d).toBeDefined();
    }
    // No install script of our own: nothing to approve for a user's global install.
    expect(Object.keys(pkg.scripts).filter((s) => /^(pre|post)?(install|prepare)$/.test(s))).toEqual([]);
  });

  it('allowScripts decides every dependency with an install script in the lockfile: only esbuild (build) runs one', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path && p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .sort();
    expect(withScripts.filter((name) => pkg.allowScripts[name] === undefined)).toEqual([]);
    expect(Object.keys(pkg.allowScripts).sort()).toEqual(withScripts);
    expect(pkg.allowScripts).toEqual({ 'cpu-features': false, esbuild: true, ssh2: false });
  });
});

describe('installed from its tarball with every install script blocked', () => {
  let tmp: string;
  let tshoot: string;
  let sshd: Sshd | undefined;
  const tmux = new Tmux();

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tshoot-pkg-'));
    const tgz = npm(['pack', '--ignore-scripts', '--pack-destination', tmp], ROOT).trim().split('\n').pop()!;
    const prefix = join(tmp, 'user');
    mkdirSync(prefix);
    userProject(prefix, `../${tgz}`, readFileSync(join(tmp, tgz)));
    npm(['ci', '--ignore-scripts'], prefix);
    tshoot = join(prefix, 'node_modules', '.bin', 'tshoot');
  }, 300_000);
  afterAll(async () => {
    tmux.kill();
    await sshd?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = (args: string[], opts: { cwd?: string } = {}) =>
    spawnSync(tshoot, args, { cwd: opts.cwd ?? tmp, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: join(tmp, 'state'), XDG_CACHE_HOME: join(tmp, 'cache') } });

  it('installs tshoot alone: no dependency, nothing to build', () => {
    const nm = join(tmp, 'user', 'node_modules');
    expect(readdirSync(nm).filter((d) => !d.startsWith('.')).sort()).toEqual(['tshoot']);
  });

  it('tshoot --version and --help', () => {
    const v = run(['--version']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const h = run(['--help']);
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^Usage: tshoot/);
  });

  it('flows lint on a user flow: clean, and an error located at its line (the precompiled validators, without Ajv or TypeBox installed)', () => {
    writeFileSync(join(tmp, 'mine.yaml'), oneCommandFlow('mine', ['uname', '-s']));
    const ok = run(['flows', 'lint', 'mine.yaml']);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    // The warnings: no `requires`, and the modeline's flow.schema.json is not beside the file.
    expect(ok.stdout + ok.stderr).toContain('1 flow file: 0 errors, 2 warnings');
    expect(ok.stdout).toContain('mine.yaml:1:33: warning: the modeline\'s schema "./flow.schema.json" is not there');
    writeFileSync(join(tmp, 'bad.yaml'), oneCommandFlow('bad', ['uname', '-s']).replace('    timeout: 10\n', '    timeout: twenty\n'));
    const bad = run(['flows', 'lint', 'bad.yaml']);
    expect(bad.status).toBe(2);
    expect(bad.stdout + bad.stderr).toContain('bad.yaml:12:14 node "run": "timeout" must be a number, not the string "twenty"');
    const r = run(['run', 'mine', '--flows', tmp, '--non-interactive', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'fix', fix: { id: 'mine-fix' } });
  });

  it('replays a shipped example and the sessions recorded beside a shipped flow', () => {
    const ex = run(['replay', '--check', join(tmp, 'user', 'node_modules', 'tshoot', 'examples', 'refused-nginx-stopped.ndjson')]);
    expect(ex.status, ex.stdout + ex.stderr).toBe(0);
    expect(ex.stderr).toContain('refused-nginx-stopped.ndjson: matches today\'s flows');
    const sessions = join(tmp, 'user', 'node_modules', 'tshoot', 'flows', 'triage', 'sessions');
    const files = readdirSync(sessions);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const r = run(['replay', '--check', join(sessions, f)]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toContain(`${f}: matches today's flows`);
    }
  });

  it.runIf(HAVE_SSHD)('runs a command over SSH with the ssh2 in its bundle (no native crypto binding anywhere)', async () => {
    sshd = await startSshd();
    writeFileSync(join(tmp, 'remote.yaml'), oneCommandFlow('remote', ['uname', '-s']).replace('    role: local\n', '    role: server\n'));
    const r = run(['run', 'remote', '--flows', tmp, '--host', 'server=good', '--ssh-config', sshd.config, '--non-interactive', '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'fix', fix: { id: 'remote-fix' }, evidence: [{ role: 'server', command: 'uname -s', lines: ['Linux'] }] });
  });

  it.runIf(hasTmux)('bare tshoot draws the symptom menu in a terminal', async () => {
    tmux.start('menu', [tshoot], { cwd: tmp, env: { XDG_STATE_HOME: join(tmp, 'state'), XDG_CACHE_HOME: join(tmp, 'cache') } });
    const screen = await tmux.waitFor('menu', (s) => /Connection refused/i.test(s) || exitCode(s) !== null, 'the menu');
    expect(exitCode(screen), screen).toBeNull();
    expect(screen).toMatch(/timed? ?out/i);
    tmux.keys('menu', 'C-c');
    const end = await tmux.waitFor('menu', (s) => exitCode(s) !== null, 'tshoot to end after Ctrl-C');
    expect(exitCode(end)).toBe(130);
  });
});

describe('a source checkout whose dist/ is not built (as after a clone and `npm ci`)', () => {
  it('the first `npx tshoot` builds dist/ (saying so on stderr, stdout left to the command), the next one runs it as built', () => {
    const co = mkdtempSync(join(tmpdir(), 'tshoot-checkout-'));
    try {
      for (const f of ['src', 'flows', 'bin', 'esbuild.config.mjs', 'package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(co, f), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(co, 'node_modules'));
      const npx = () => spawnSync('npx', ['tshoot', '--version'], { cwd: co, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_cache: join(co, '.npm'), XDG_CACHE_HOME: join(co, '.cache') } });
      const first = npx();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toBe(`${pkg.version}\n`);
      expect(first.stderr).toContain('tshoot: building dist/ from this checkout');
      for (const f of DIST) expect(existsSync(join(co, f)), f).toBe(true);
      const second = npx();
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toBe(`${pkg.version}\n`);
      expect(second.stderr).not.toContain('building');
    } finally {
      rmSync(co, { recursive: true, force: true });
    }
  }, 300_000);

  it('an installed copy with dist/ incomplete and nothing to build from says so and exits 1', () => {
    const inst = mkdtempSync(join(tmpdir(), 'tshoot-broken-'));
    try {
      cpSync(join(ROOT, 'bin'), join(inst, 'bin'), { recursive: true });
      const r = spawnSync(process.execPath, [join(inst, 'bin', 'tshoot.cjs'), '--version'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`tshoot: ${join(inst, 'dist')} is incomplete and this is not a source checkout to build it from: reinstall tshoot\n`);
    } finally {
      rmSync(inst, { recursive: true, force: true });
    }
  });
});
