/**
 * The one way tshoot opens its caches and transcript folder (src/safe-fs.ts), attacked the ways
 * issue 12 (finding 2) found: a folder on the path that someone else owns or can write to, a
 * symbolic link in place of tshoot's folder or of a file, a hard link, and the folder swapped
 * after the check. Each attack is set up for real in a temporary folder (as root: `nobody` owns
 * what an attacker would).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSafeDir, UnsafeFolder, type SafeDir } from '../../src/safe-fs.js';

const NOBODY = 65534;
const CACHE = { own: 2, create: true, proc: true } as const;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tshoot-safe-fs-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** `tmp/NAME/tshoot/v8` made and opened, with one file `good` in it. */
function cache(name = 'xdg'): { base: string; dir: string; open: () => SafeDir } {
  const base = join(tmp, name);
  const dir = join(base, 'tshoot', 'v8');
  openSafeDir(dir, CACHE).replace('good', 'ours');
  return { base, dir, open: () => openSafeDir(dir, { ...CACHE, create: false }) };
}

describe('a safe folder', () => {
  it('is made 0700 under a root-owned sticky /tmp; its files are written whole, 0600, and read back', () => {
    const st = statSync(tmpdir());
    expect([st.uid, st.mode & 0o1777]).toEqual([0, 0o1777]);
    const old = process.umask(0);
    try {
      const d = openSafeDir(join(tmp, 'xdg', 'tshoot', 'v8'), CACHE);
      d.replace('a', 'one');
      d.replace('a', 'two');
      expect(d.read('a')?.toString()).toBe('two');
      expect(d.list()).toEqual(['a']);
      for (const p of ['xdg', 'xdg/tshoot', 'xdg/tshoot/v8']) expect(statSync(join(tmp, p)).mode & 0o777, p).toBe(0o700);
      expect(statSync(join(tmp, 'xdg/tshoot/v8/a')).mode & 0o777).toBe(0o600);
      d.close();
    } finally {
      process.umask(old);
    }
  });

  it('is refused when a folder on its path belongs to someone else or others can write to it', () => {
    const cases: Array<[string, (c: ReturnType<typeof cache>) => void, RegExp]> = [
      ['XDG folder owned by nobody', (c) => chownSync(c.base, NOBODY, NOBODY), /-nobody belongs to uid 65534, neither root nor you/],
      ['XDG folder 0777, not sticky', (c) => chmodSync(c.base, 0o777), /-sticky can be written by others and is not a root-owned sticky folder \(mode 0777\)/],
      ['XDG folder group-writable', (c) => chmodSync(c.base, 0o770), /mode 0770/],
      ['sticky 0777 but owned by nobody', (c) => (chownSync(c.base, NOBODY, NOBODY), chmodSync(c.base, 0o1777)), /belongs to uid 65534/],
      ['tshoot/ owned by nobody', (c) => chownSync(join(c.base, 'tshoot'), NOBODY, NOBODY), /tshoot belongs to uid 65534/],
      ['v8/ owned by nobody', (c) => chownSync(c.dir, NOBODY, NOBODY), /v8 belongs to uid 65534, not to you/],
      ['v8/ writable by others', (c) => chmodSync(c.dir, 0o757), /v8 can be written by others \(mode 0757\)/],
    ];
    for (const [what, plant, why] of cases) {
      const c = cache(what.replace(/\W+/g, '-'));
      expect(c.open().read('good')?.toString(), what).toBe('ours');
      plant(c);
      expect(() => c.open(), what).toThrow(UnsafeFolder);
      expect(() => c.open(), what).toThrow(why);
    }
  });

  it('is refused when one of tshoot’s own folders is a symbolic link; links in the XDG folder’s path are followed', () => {
    const theirs = cache('planted');
    const c = cache();
    rmSync(c.dir, { recursive: true });
    symlinkSync(theirs.dir, c.dir);
    expect(() => c.open()).toThrow(/tshoot\/v8 is a symbolic link/);
    rmSync(join(c.base, 'tshoot'), { recursive: true });
    symlinkSync(join(theirs.base, 'tshoot'), join(c.base, 'tshoot'));
    expect(() => c.open()).toThrow(/xdg\/tshoot is a symbolic link/);
    // The user's own choice of XDG folder may go through a link: what it resolves to is checked.
    symlinkSync(theirs.base, join(tmp, 'link'));
    const d = openSafeDir(join(tmp, 'link', 'tshoot', 'v8'), CACHE);
    expect(d.path).toBe(theirs.dir);
    expect(d.read('good')?.toString()).toBe('ours');
  });

  it('reads a file only when it is a regular file of ours, not writable by others, with one link', () => {
    const c = cache();
    const elsewhere = join(tmp, 'planted');
    writeFileSync(elsewhere, 'planted');
    symlinkSync(elsewhere, join(c.dir, 'symlink'));
    linkSync(elsewhere, join(c.dir, 'hardlink'));
    for (const [name, mode, uid] of [['nobodys', 0o600, NOBODY], ['writable', 0o666, 0]] as const) {
      writeFileSync(join(c.dir, name), 'planted', { mode });
      chmodSync(join(c.dir, name), mode);
      chownSync(join(c.dir, name), uid, uid);
    }
    execFileSync('mkfifo', [join(c.dir, 'fifo')]);
    mkdirSync(join(c.dir, 'folder'));
    const d = c.open();
    expect(d.read('good')?.toString()).toBe('ours');
    for (const name of ['symlink', 'hardlink', 'nobodys', 'writable', 'fifo', 'folder', 'missing']) expect(d.read(name), name).toBeUndefined();
  });

  it('creates files exclusively: a link planted at the name is never written through', () => {
    const c = cache();
    const victim = join(tmp, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(c.dir, 'name'));
    const d = c.open();
    expect(() => d.create('name')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    // Writing whole replaces the entry (a new file renamed over the link), not the file it points to.
    d.replace('name', 'cache data');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(d.read('name')?.toString()).toBe('cache data');
    expect(() => d.create('../escape')).toThrow(/not a file name/);
  });

  it('goes on with the folder it checked when the path is swapped after the check (the race)', () => {
    const c = cache();
    const d = c.open();
    // The attacker's move between check and use: the checked folder away, a planted one in its place.
    renameSync(c.dir, `${c.dir}-moved`);
    mkdirSync(c.dir);
    writeFileSync(join(c.dir, 'good'), 'planted');
    expect(d.read('good')?.toString()).toBe('ours');
    d.replace('new', 'written');
    expect(readdirSync(c.dir)).toEqual(['good']);
    expect(readFileSync(join(`${c.dir}-moved`, 'new'), 'utf8')).toBe('written');
    expect(d.list().sort()).toEqual(['good', 'new']);
    // An ancestor swapped for a link to a planted tree: the same.
    renameSync(join(c.base, 'tshoot'), join(c.base, 'tshoot-moved'));
    const planted = cache('planted-tree');
    writeFileSync(join(planted.dir, 'good'), 'planted');
    symlinkSync(join(planted.base, 'tshoot'), join(c.base, 'tshoot'));
    expect(d.read('good')?.toString()).toBe('ours');
    d.close();
  });
});
