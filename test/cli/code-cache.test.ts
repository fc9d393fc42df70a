/**
 * The executable's V8 code cache (src/bin.cts), through the built CLI: one file per command,
 * written after a run that had none (or a refused one), never grown, checked by its CRC before V8 sees it,
 * never in the way of the command's result.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

const SESSION = join(ROOT, 'flows/not-found/sessions/missing-file.ndjson');

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fresh() {
  const cache = mkdtempSync(join(tmpdir(), 'tshoot-v8-'));
  made.push(cache);
  const dir = join(cache, 'tshoot', 'v8');
  const files = () => (existsSync(dir) ? readdirSync(dir).sort() : []);
  const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { XDG_CACHE_HOME: cache, ...env } });
  return { cache, dir, files, run };
}

/** "TSv8", CRC-32 of V8's data, V8's data. */
function valid(file: string): boolean {
  const b = readFileSync(file);
  return b.subarray(0, 4).toString('latin1') === 'TSv8' && b.readUInt32LE(4) === crc32(b.subarray(8)) && b.length > 1000;
}


describe('the code cache', () => {
  it('is written per command (0600 in a 0700 folder) after the first run, then only read', async () => {
    const c = fresh();
    const first = await c.run(['--version']);
    expect(first.code).toBe(0);
    const [other, ...none] = c.files();
    expect(none).toEqual([]);
    expect(other).toMatch(new RegExp(`^[0-9a-f]{32}-${process.version.replace(/\./g, '\\.')}-${process.arch}-other-\\d+\\.bin$`));
    const file = join(c.dir, other!);
    expect(valid(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(c.dir).mode & 0o777).toBe(0o700);
    const written = readFileSync(file);
    const at = statSync(file).mtimeMs;
    for (let i = 0; i < 3; i++) expect(await c.run(['--version'])).toEqual(first);
    // Accepted by V8 and not rewritten: a refused cache would have been written anew.
    expect(statSync(file).mtimeMs).toBe(at);
    expect(readFileSync(file)).toEqual(written);

    const replay = await c.run(['replay', '--check', SESSION]);
    expect(replay.code).toBe(0);
    expect(c.files()).toHaveLength(2);
    expect(c.files().some((f) => f.includes('-replay-'))).toBe(true);
  });

  it('is one for a command run with the shipped flows, another for the same command with --flows (their code differs)', async () => {
    const c = fresh();
    const flows = mkdtempSync(join(tmpdir(), 'tshoot-v8-flows-'));
    made.push(flows);
    expect((await c.run(['replay', '--check', SESSION])).code).toBe(0);
    expect((await c.run(['replay', '--check', SESSION, '--flows', flows])).code).toBe(0);
    expect((await c.run(['replay', '--check', SESSION, `--flows=${flows}`])).code).toBe(0);
    const names = c.files().map((f) => f.replace(/^[0-9a-f]{32}-[^-]+-[^-]+-/, '').replace(/-\d+\.bin$/, ''));
    expect(names.sort()).toEqual(['replay', 'replay+flows']);
  });

  it('gives the same results as no cache at all', async () => {
    const c = fresh();
    const args = ['replay', '--check', SESSION, '--json'];
    const none = await c.run(args, { TSHOOT_NO_CACHE: '1' });
    expect(c.files()).toEqual([]);
    const cold = await c.run(args);
    const warm = await c.run(args);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ matches: true, fix: { id: 'wrong-path' } });
    expect(cold).toEqual(none);
    expect(warm).toEqual(none);
  });

  it('a damaged file fails its CRC, is not given to V8, and is rewritten', async () => {
    const c = fresh();
    const ok = await c.run(['--version']);
    const file = join(c.dir, c.files()[0]!);
    const good = readFileSync(file);
    // One bit of V8's data flipped: V8 itself would not notice (it checks no checksum).
    const flipped = Buffer.from(good);
    flipped[good.length >> 1]! ^= 0x10;
    for (const bad of [flipped, good.subarray(0, good.length >> 1), Buffer.from('garbage'), Buffer.alloc(0)]) {
      writeFileSync(file, bad);
      expect(await c.run(['--version'])).toEqual(ok);
      expect(valid(file)).toBe(true);
    }
  });

  it('is not used in a folder others can write to: nothing read, nothing written', async () => {
    const c = fresh();
    mkdirSync(c.dir, { recursive: true });
    chmodSync(c.dir, 0o777);
    const r = await c.run(['--version']);
    expect(r.code).toBe(0);
    expect(c.files()).toEqual([]);
    // A planted file (valid CRC, not V8's data) is not even read: with it the run would still
    // work (V8 refuses it), so the proof is that it is left as it is, not rewritten.
    const planted = join(c.dir, `${'0'.repeat(32)}-x.bin`);
    writeFileSync(planted, 'planted');
    await c.run(['--version']);
    expect(c.files()).toEqual([planted.split('/').pop()]);
    chmodSync(c.dir, 0o700);
    await c.run(['--version']);
    expect(c.files()).toHaveLength(2);
  });

  it('keeps the files of the two other builds written last, removes older builds', async () => {
    const c = fresh();
    await c.run(['--version']);
    const other = (build: string, ageS: number) => {
      const f = join(c.dir, `${build}-${process.version}-${process.arch}-replay-1.bin`);
      writeFileSync(f, 'old');
      const t = Date.now() / 1000 - ageS;
      utimesSync(f, t, t);
      return f;
    };
    const recent = other('1'.repeat(32), 60);
    const older = other('2'.repeat(32), 3600);
    const oldest = other('3'.repeat(32), 86400);
    await c.run(['replay', '--check', SESSION]);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(older)).toBe(true);
    expect(existsSync(oldest)).toBe(false);
    // This build's two files, and the two other builds'.
    expect(c.files()).toHaveLength(4);
  });
});
