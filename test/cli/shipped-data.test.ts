/**
 * Issue 18: a built tshoot runs its shipped flows from the data the build compiled them to
 * (src/flow/as-built.ts), never from their YAML; `flows lint` reads the YAML and checks it in
 * full. Both through a copy of the built package in a scratch folder.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { exitCode, hasTmux, Tmux } from '../ui/tmux.js';

const SESSION = join(ROOT, 'examples/refused-nginx-stopped.ndjson');
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** package.json and the built files (package.json's `files`), `flows/` only when asked. */
function copyPackage(withFlows: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-pkg-'));
  made.push(dir);
  mkdirSync(join(dir, 'dist'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  for (const f of ['tshoot.cjs', 'cli.bundle.js', 'flow-validators.cjs', 'yaml.cjs']) copyFileSync(join(ROOT, 'dist', f), join(dir, 'dist', f));
  cpSync(join(ROOT, 'dist', 'flow-texts'), join(dir, 'dist', 'flow-texts'), { recursive: true });
  if (withFlows) cpSync(join(ROOT, 'flows'), join(dir, 'flows'), { recursive: true });
  return dir;
}

function tshoot(pkg: string, args: readonly string[]) {
  const cache = mkdtempSync(join(tmpdir(), 'tshoot-cache-'));
  made.push(cache);
  const r = spawnSync(process.execPath, [join(pkg, 'dist/tshoot.cjs'), ...args], { cwd: pkg, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a built tshoot without its flows/ folder', () => {
  const pkg = copyPackage(false);

  it('replays a shipped session as the package does, and lists the shipped flows', () => {
    const r = tshoot(pkg, ['replay', '--check', SESSION, '--json']);
    expect(r).toEqual(tshoot(ROOT, ['replay', '--check', SESSION, '--json']));
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'refused' });
    const list = tshoot(pkg, ['flows', 'list', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ id: string }>).map((f) => f.id).sort()).toEqual(['console-connect', 'not-found', 'refused', 'timeout', 'triage']);
  });

  it.runIf(hasTmux)('draws the symptom menu (tmux)', async () => {
    const tmux = new Tmux();
    try {
      const cache = mkdtempSync(join(tmpdir(), 'tshoot-cache-'));
      made.push(cache);
      tmux.start('menu', [process.execPath, join(pkg, 'dist/tshoot.cjs')], { cwd: pkg, env: { XDG_CACHE_HOME: cache, LANG: 'C.UTF-8' } });
      const screen = await tmux.waitFor('menu', (s) => s.includes('What do you see?') || exitCode(s) !== null, 'the menu');
      expect(screen).toContain('What do you see?');
      expect(screen).toContain('Connection refused');
      expect(screen).toContain('HTTP 404 Not Found');
      tmux.keys('menu', 'C-c');
      expect(exitCode(await tmux.waitFor('menu', (s) => exitCode(s) !== null, 'tshoot to end'))).toBe(130);
    } finally {
      tmux.kill();
    }
  });
});

describe('flows lint on a copy of the package whose shipped flows were edited', () => {
  const pkg = copyPackage(true);
  const edit = (file: string, from: string, to: string) => {
    const p = join(pkg, 'flows', file);
    const text = readFileSync(p, 'utf8');
    expect(text).toContain(from);
    writeFileSync(p, text.replace(from, to));
  };
  // A compile mistake (a goto to no node) and a schema one (a misspelt field): neither is in the build's data.
  edit('refused.yaml', '      - goto: probe_tcp', '      - goto: probe_tpc');
  edit('console-connect.yaml', '  aws_by_id:\n    kind: run\n', '  aws_by_id:\n    kind: run\n    titel: x\n');

  it('finds the mistakes in the files (it checks the YAML in full, not the build)', () => {
    const r = tshoot(pkg, ['flows', 'lint']);
    expect(r.code).toBe(2);
    // The line of the edit in the file as it is.
    const line = readFileSync(join(pkg, 'flows', 'refused.yaml'), 'utf8').split('\n').indexOf('      - goto: probe_tpc') + 1;
    expect(r.stdout).toMatch(new RegExp(`^flows/refused\\.yaml:${line}:\\d+ node "\\w+": goto "probe_tpc" does not exist \\(did you mean "probe_tcp"\\?\\)`, 'm'));
    expect(r.stdout).toMatch(/^flows\/console-connect\.yaml:129:5 node "aws_by_id": unknown field "titel" \(did you mean "title"\?\)/m);
    expect(r.stderr).toBe('5 flow files: 2 errors, 0 warnings\n');
  });

  it('while running tshoot still runs the flows it was built with', () => {
    const r = tshoot(pkg, ['replay', '--check', SESSION, '--json']);
    expect(r).toEqual(tshoot(ROOT, ['replay', '--check', SESSION, '--json']));
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'refused' });
  });
});
