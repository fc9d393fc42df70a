/**
 * Folders and files that only this user (or root) can have put there: tshoot's caches (what is
 * in them runs, or decides what runs) and its transcripts (what hosts printed). Everything is
 * checked on descriptors and used through them, so that nothing can be swapped between the
 * check and the use (issue 12, finding 2).
 *
 * A folder is opened by walking its path from `/`, each component opened relative to the one
 * before with O_DIRECTORY|O_NOFOLLOW and checked by fstat, as OpenSSH's `safe_path` checks a
 * path (auth.c):
 * - every ancestor is owned by root or by us and not writable by group or others — except that
 *   a root-owned sticky folder (`/tmp`) may be writable by all: there others can add entries but
 *   not rename or remove ours, and the next component must be ours or root's anyway (OpenSSH
 *   refuses these; tshoot accepts them, so that a folder of ours under `/tmp` works);
 * - the folder itself is ours and not writable by group or others (made 0700 when missing).
 * Symbolic links are followed only in the part of the path the user chose (the XDG folder,
 * resolved once by realpath, then walked like the rest); tshoot's own folders below it must be
 * real folders.
 *
 * Node has no openat(): on Linux `/proc/self/fd/N/NAME` is NAME in the very folder open as N,
 * whatever happened to its path since (the walk and every file use it). Without /proc, a
 * folder that needs it (`proc: true`: the caches) is not opened at all; others (transcripts)
 * use the checked path, which no one but root and us can change once every ancestor passed.
 *
 * Files are opened in the folder with O_NOFOLLOW and read only when their descriptor says: a
 * regular file, ours, not writable by group or others, one link (not a hard link to a file
 * planted elsewhere). New files are created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, 0600).
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;

/** A folder that is not safe to use: the message says which part and why. */
export class UnsafeFolder extends Error {}

/** A folder opened and checked; files are named in it, never by a path that could change. */
export interface SafeDir {
  /** Its path, as checked (for messages). */
  readonly path: string;
  /** The file's bytes when it is a regular file of ours, not writable by others, with one link; else undefined. */
  read(name: string): Buffer | undefined;
  /** A new file (EEXIST if the name is taken, by a link too), 0600, open for writing: its descriptor. */
  create(name: string): number;
  /** `name` written whole: a new file created beside it, renamed over it (a reader sees the old or the new). */
  replace(name: string, data: string | Uint8Array): void;
  list(): string[];
  /** The entry itself (a link is not followed). */
  stat(name: string): Stats;
  /** Removes the entry if it is there. */
  remove(name: string): void;
  close(): void;
}

export interface OpenOptions {
  /** How many trailing components are tshoot's own: no symbolic link among them. */
  readonly own: number;
  /** Make the missing folders (0700). */
  readonly create?: boolean;
  /** Only through /proc (the caches): without it, throw. */
  readonly proc?: boolean;
}

/**
 * Opens the folder at `path` (absolute) after checking it and every ancestor; throws
 * `UnsafeFolder`, or the system's error (ENOENT when it is missing and not `create`).
 *
 * @example
 * const dir = openSafeDir('/home/me/.cache/tshoot/v8', { own: 2, create: true, proc: true });
 * dir.replace('x.bin', data);
 */
export function openSafeDir(path: string, o: OpenOptions): SafeDir {
  // The effective uid: the owner of what this process creates.
  const uid = process.geteuid?.();
  if (uid === undefined) throw new UnsafeFolder('this system has no file owners to check');
  if (!path.startsWith('/')) throw new UnsafeFolder(`${path} is not an absolute path`);
  const parts = components(path, o.own);
  let fd = openSync('/', O_RDONLY | O_DIRECTORY);
  try {
    const proc = existsSync(`/proc/self/fd/${fd}`);
    if (o.proc && !proc) throw new UnsafeFolder('/proc is not there to open files relative to a folder');
    check(fstatSync(fd), '/', parts.length === 0, uid);
    let here = '';
    for (let i = 0; i < parts.length; i++) {
      here += `/${parts[i]}`;
      const p = proc ? `/proc/self/fd/${fd}/${parts[i]}` : here;
      const next = openDir(p, here, o.create === true);
      closeSync(fd);
      fd = next;
      check(fstatSync(fd), here, i === parts.length - 1, uid);
    }
    return folder(fd, here || '/', proc, uid);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The path's components, symbolic links resolved before tshoot's own (`own`) last ones. */
function components(path: string, own: number): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeFolder(`${path} is not a normalized path`);
  const mine = parts.splice(parts.length - own, own);
  const missing: string[] = [];
  for (;;) {
    try {
      return [...realpathSync.native(`/${parts.join('/')}`).split('/').filter(Boolean), ...missing, ...mine];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parts.length === 0) throw e;
      missing.unshift(parts.pop()!);
    }
  }
}

function openDir(p: string, shown: string, create: boolean): number {
  const open = () => openSync(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    return open();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A link with O_DIRECTORY|O_NOFOLLOW: ELOOP, or ENOTDIR on Linux.
    if (code === 'ELOOP' || code === 'ENOTDIR') throw new UnsafeFolder(`${shown} is ${isLink(p) ? 'a symbolic link' : 'not a folder'}`);
    if (code !== 'ENOENT' || !create) throw e;
  }
  try {
    mkdirSync(p, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return open();
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function check(st: Stats, shown: string, last: boolean, uid: number): void {
  const mode = `mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
  if (!st.isDirectory()) throw new UnsafeFolder(`${shown} is not a folder`);
  if (last) {
    if (st.uid !== uid) throw new UnsafeFolder(`${shown} belongs to uid ${st.uid}, not to you (uid ${uid})`);
    if (st.mode & 0o022) throw new UnsafeFolder(`${shown} can be written by others (${mode})`);
    return;
  }
  if (st.uid !== 0 && st.uid !== uid) throw new UnsafeFolder(`${shown} belongs to uid ${st.uid}, neither root nor you`);
  if (st.mode & 0o022 && !(st.uid === 0 && st.mode & 0o1000)) throw new UnsafeFolder(`${shown} can be written by others and is not a root-owned sticky folder (${mode})`);
}

function folder(fd: number, path: string, proc: boolean, uid: number): SafeDir {
  const at = (name: string) => {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new Error(`not a file name: ${JSON.stringify(name)}`);
    return proc ? `/proc/self/fd/${fd}/${name}` : `${path}/${name}`;
  };
  const create = (name: string) => openSync(at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  const remove = (name: string) => {
    try {
      unlinkSync(at(name));
    } catch {
      /* not there */
    }
  };
  return {
    path,
    read(name) {
      let f: number;
      try {
        // O_NONBLOCK: a FIFO in its place would otherwise block the open.
        f = openSync(at(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch {
        return undefined;
      }
      try {
        const st = fstatSync(f);
        if (!st.isFile() || st.uid !== uid || st.mode & 0o022 || st.nlink !== 1) return undefined;
        const buf = Buffer.allocUnsafe(st.size);
        let n = 0;
        for (let k = 1; n < st.size && k > 0; n += k) k = readSync(f, buf, n, st.size - n, n);
        return buf.subarray(0, n);
      } catch {
        return undefined;
      } finally {
        closeSync(f);
      }
    },
    create,
    replace(name, data) {
      const tmp = `${name}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
      const f = create(tmp);
      try {
        try {
          writeFileSync(f, data);
        } finally {
          closeSync(f);
        }
        renameSync(at(tmp), at(name));
      } catch (e) {
        remove(tmp);
        throw e;
      }
    },
    list: () => readdirSync(proc ? `/proc/self/fd/${fd}` : path),
    stat: (name) => lstatSync(at(name)),
    remove,
    close: () => closeSync(fd),
  };
}
