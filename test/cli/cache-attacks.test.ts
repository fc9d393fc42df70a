/**
 * Issue 12, finding 2, through the built CLI: someone who can write where tshoot's caches are
 * (a folder on the path they own or can write to, a link in place of tshoot's folder or of a
 * file, a hard link) plants a V8 code cache that runs their code, or a flow check record that
 * runs another command than the flow file says. First the attack as it works on a file only we
 * could have written (so the planted data is proved to do harm), then each way to plant it: the
 * cache is not used. (The swap of a folder after the check: test/hardening/safe-fs.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/run-cli.js';
import { askFlow, userFlows } from '../helpers/user-flows.js';

const NOBODY = 65534;
const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
};

/**
 * A code cache that V8 takes for the bundle's (V8 checks only the source's length): the code of
 * another script of that length, which writes `$TSHOOT_CANARY`, with bin.cts's header.
 */
function plantedCodeCache(scratch: string): Buffer {
  const out = join(scratch, 'planted.bin');
  const craft = `
    const fs = require('node:fs'), vm = require('node:vm'), zlib = require('node:zlib');
    const bundle = ${JSON.stringify(join(BIN, '..', 'cli.bundle.js'))};
    let src = "(function (exports, require, module) { require('node:fs').writeFileSync(process.env.TSHOOT_CANARY, 'planted code ran'); module.exports.main = async () => {}; })";
    src += ' '.repeat(fs.readFileSync(bundle, 'latin1').length - src.length);
    const script = new vm.Script(src, { filename: bundle });
    const mod = { exports: {} };
    script.runInThisContext()(mod.exports, require, mod);
    void mod.exports.main();
    const data = script.createCachedData();
    const head = Buffer.alloc(8);
    head.writeUInt32LE(0x38765354, 0);
    head.writeUInt32LE(zlib.crc32(data), 4);
    fs.writeFileSync(${JSON.stringify(out)}, Buffer.concat([head, data]));`;
  execFileSync(process.execPath, ['-e', craft], { env: { ...process.env, TSHOOT_CANARY: join(scratch, 'crafting') } });
  return readFileSync(out);
}

describe('a planted V8 code cache', () => {
  it('runs as the caller when the file is ours (the attack), and is never read when someone else could have put it there', async () => {
    const scratch = temp('tshoot-v8-attack-');
    const canary = join(scratch, 'canary');
    const version = (await runCli(['--version'], { env: { XDG_CACHE_HOME: join(scratch, 'warm') } })).stdout;
    const name = readdirSync(join(scratch, 'warm', 'tshoot', 'v8'))[0]!;
    const planted = plantedCodeCache(scratch);
    const run = (xdg: string) => runCli(['--version'], { env: { XDG_CACHE_HOME: xdg, TSHOOT_CANARY: canary } });

    // The attack: in a folder that is ours, the file is taken as ours, and its code runs.
    const own = join(scratch, 'own');
    mkdirSync(join(own, 'tshoot', 'v8'), { recursive: true, mode: 0o700 });
    writeFileSync(join(own, 'tshoot', 'v8', name), planted, { mode: 0o600 });
    const ran = await run(own);
    expect(readFileSync(canary, 'utf8')).toBe('planted code ran');
    expect(ran.stdout).not.toBe(version);
    rmSync(canary);

    /** A cache folder `XDG/tshoot/v8` of ours, with `plant` done to it. */
    const cases: Array<[string, (xdg: string, v8: string) => void]> = [
      ['the XDG folder belongs to nobody', (xdg, v8) => (writeFileSync(join(v8, name), planted), chownSync(xdg, NOBODY, NOBODY))],
      ['the XDG folder is 0777, not sticky', (xdg, v8) => (writeFileSync(join(v8, name), planted), chmodSync(xdg, 0o777))],
      ['tshoot/ belongs to nobody', (xdg, v8) => (writeFileSync(join(v8, name), planted), chownSync(join(xdg, 'tshoot'), NOBODY, NOBODY))],
      [
        'v8/ is a link to a folder holding the planted file',
        (_xdg, v8) => {
          const theirs = join(scratch, 'theirs-folder');
          mkdirSync(theirs, { mode: 0o700 });
          writeFileSync(join(theirs, name), planted, { mode: 0o600 });
          rmSync(v8, { recursive: true });
          symlinkSync(theirs, v8);
        },
      ],
      ['the file is a link to the planted file', (_xdg, v8) => (writeFileSync(join(scratch, 'theirs-link'), planted), symlinkSync(join(scratch, 'theirs-link'), join(v8, name)))],
      ['the file is a hard link to the planted file', (_xdg, v8) => (writeFileSync(join(scratch, 'theirs-hard'), planted, { mode: 0o600 }), linkSync(join(scratch, 'theirs-hard'), join(v8, name)))],
      ['the file belongs to nobody', (_xdg, v8) => (writeFileSync(join(v8, name), planted, { mode: 0o600 }), chownSync(join(v8, name), NOBODY, NOBODY))],
    ];
    for (const [what, plant] of cases) {
      const xdg = join(scratch, what.replace(/\W+/g, '-'));
      const v8 = join(xdg, 'tshoot', 'v8');
      mkdirSync(v8, { recursive: true, mode: 0o700 });
      plant(xdg, v8);
      const r = await run(xdg);
      expect(existsSync(canary), what).toBe(false);
      expect(r.stdout, what).toBe(version);
      expect(r.code, what).toBe(0);
    }
    // What was linked to is left as it was (a cache written anew replaces the entry, not the file).
    for (const f of ['theirs-link', 'theirs-hard']) expect(readFileSync(join(scratch, f)), f).toEqual(planted);
  });

  it('is not used where there is no /proc to open files relative to the folder', async () => {
    const xdg = temp('tshoot-v8-noproc-');
    // A mount namespace of this process's own, /proc hidden under an empty tmpfs.
    const out = execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /proc && exec "$0" "$1" --version', process.execPath, BIN], {
      env: { ...process.env, XDG_CACHE_HOME: xdg },
    });
    expect(out.toString()).toMatch(/^\d+\.\d+\.\d+/);
    expect(readdirSync(xdg)).toEqual([]);
  });
});

interface CheckRecord {
  doc: string;
}

/** The record with the echo node's argv (as JSON) in place of the flow file's `[printf, "%s", "{{ q }}"]`. */
function forge(record: string, argv: string): string {
  const rec = JSON.parse(record) as CheckRecord;
  const doc = rec.doc.replace('"argv":["printf","%s","{{ q }}"]', `"argv":${argv}`);
  expect(doc).not.toBe(rec.doc);
  return JSON.stringify({ ...rec, doc });
}

describe('a planted flow check record', () => {
  function setup() {
    const flows = userFlows({ 'ask-demo.yaml': askFlow, 'answers.yaml': 'q: a\n' });
    made.push(flows);
    const scratch = temp('tshoot-record-attack-');
    const run = (xdg: string) => runCli(['run', 'ask-demo', '--flows', flows, '--non-interactive', '--json', '--answers', join(flows, 'answers.yaml'), '--no-transcript'], { env: { XDG_CACHE_HOME: xdg } });
    return { scratch, run };
  }
  /** The command the run says it ran, and what it printed. */
  const evidence = (stdout: string) => (JSON.parse(stdout) as { evidence: Array<{ command: string; lines: string[] }> }).evidence[0];

  it('decides what runs when the file is ours (the attack), and is never read when someone else could have put it there', async () => {
    const { scratch, run } = setup();
    const own = join(scratch, 'own');
    expect(evidence((await run(own)).stdout)).toEqual({ role: 'local', command: 'printf %s a', lines: ['a'] });
    const flowsDir = join(own, 'tshoot', 'flows');
    const [name] = readdirSync(flowsDir);
    const good = readFileSync(join(flowsDir, name!), 'utf8');
    // Another command than the flow file's, one that only reads: the record's data is what runs.
    const planted = forge(good, '["printf","%s","planted"]');
    writeFileSync(join(flowsDir, name!), planted);
    expect(evidence((await run(own)).stdout)).toMatchObject({ command: 'printf %s planted', lines: ['planted'] });

    const cases: Array<[string, (xdg: string, dir: string) => void]> = [
      ['the XDG folder belongs to nobody', (xdg, dir) => (writeFileSync(join(dir, name!), planted), chownSync(xdg, NOBODY, NOBODY))],
      ['the XDG folder is 0777, not sticky', (xdg, dir) => (writeFileSync(join(dir, name!), planted), chmodSync(xdg, 0o777))],
      ['flows/ is 0777', (_xdg, dir) => (writeFileSync(join(dir, name!), planted), chmodSync(dir, 0o777))],
      [
        'flows/ is a link to a folder holding the planted record',
        (_xdg, dir) => {
          const theirs = join(scratch, 'theirs-folder');
          mkdirSync(theirs, { mode: 0o700 });
          writeFileSync(join(theirs, name!), planted, { mode: 0o600 });
          rmSync(dir, { recursive: true });
          symlinkSync(theirs, dir);
        },
      ],
      ['the record is a link to the planted one', (_xdg, dir) => (writeFileSync(join(scratch, 'theirs-link'), planted), symlinkSync(join(scratch, 'theirs-link'), join(dir, name!)))],
      ['the record is a hard link to the planted one', (_xdg, dir) => (writeFileSync(join(scratch, 'theirs-hard'), planted, { mode: 0o600 }), linkSync(join(scratch, 'theirs-hard'), join(dir, name!)))],
      ['the record belongs to nobody', (_xdg, dir) => (writeFileSync(join(dir, name!), planted, { mode: 0o600 }), chownSync(join(dir, name!), NOBODY, NOBODY))],
    ];
    for (const [what, plant] of cases) {
      const xdg = join(scratch, what.replace(/\W+/g, '-'));
      const dir = join(xdg, 'tshoot', 'flows');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      plant(xdg, dir);
      const r = await run(xdg);
      expect(r.code, what).toBe(0);
      expect(evidence(r.stdout), what).toEqual({ role: 'local', command: 'printf %s a', lines: ['a'] });
    }
    for (const f of ['theirs-link', 'theirs-hard']) expect(readFileSync(join(scratch, f), 'utf8'), f).toBe(planted);
  });

  it('whose data would run a command that changes the host is not used, even from our own folder', async () => {
    const { scratch, run } = setup();
    const own = join(scratch, 'own');
    await run(own);
    const flowsDir = join(own, 'tshoot', 'flows');
    const [name] = readdirSync(flowsDir);
    const good = readFileSync(join(flowsDir, name!), 'utf8');
    const canary = join(scratch, 'canary');
    writeFileSync(join(flowsDir, name!), forge(good, JSON.stringify(['touch', canary])));
    const r = await run(own);
    expect(existsSync(canary)).toBe(false);
    expect(evidence(r.stdout)).toEqual({ role: 'local', command: 'printf %s a', lines: ['a'] });
    // Checked in full from the file, and recorded again as it is.
    expect(readFileSync(join(flowsDir, name!), 'utf8')).toBe(good);
  });
});
