/**
 * `tshoot resume` and the files a session was run with (issue 16): the header records
 * `--ssh-config` and `--flows` (absolute paths) and the user's flow files with their digests;
 * resume uses them without being told again, the command line still wins, a file that changed
 * is said before anything runs, and one that is gone is an error that says what to give.
 * The server is an alias that only the session's ssh config knows (`web.invalid` → 127.0.0.1,
 * port 9, where nothing listens): with that config SSH is refused, without it the name does not
 * resolve — the wrong "dns" conclusion of the issue.
 */
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTranscript } from '../../src/transcript/format.js';
import { runCli } from '../helpers/run-cli.js';
import { scratch, type Scratch } from './helpers.js';

let s: Scratch;
afterEach(() => rmSync(s.dir, { recursive: true, force: true }));

interface Session {
  file: string;
  sshConfig: string;
  answers: string;
}

/** A session of `counter` (its `three` on the server) recorded with --flows and --ssh-config, stopped at `go_on` (exit 4). */
async function recorded(): Promise<Session> {
  s = scratch({ server: true });
  const sshConfig = join(s.dir, 'ssh_config');
  writeFileSync(sshConfig, 'Host web.invalid\n  HostName 127.0.0.1\n  Port 9\n  User nobody\n');
  const file = join(s.dir, 'session.ndjson');
  const first = await runCli(
    ['run', 'counter', '--flows', 'flows', '--ssh-config', 'ssh_config', '--host', 'server=web.invalid', '--non-interactive', '--transcript', file],
    { env: s.env, cwd: s.dir },
  );
  expect(first.code, first.stderr).toBe(4);
  const answers = join(s.dir, 'answers.yaml');
  writeFileSync(answers, 'go_on: yes\n');
  return { file, sshConfig, answers };
}

const transports = (file: string) =>
  parseTranscript(file, readFileSync(file, 'utf8'))
    .events.map((l) => l.event)
    .flatMap((e) => (e.kind === 'result' && e.transport ? [e.transport.code] : []));

describe('resume: the files of the session', () => {
  it('the header records --ssh-config, --flows and the flow file as absolute paths with digests', async () => {
    const { file, sshConfig } = await recorded();
    const h = parseTranscript(file, readFileSync(file, 'utf8')).header;
    expect(h.sshConfig).toEqual({ path: sshConfig, sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(h.flows).toEqual([s.flows]);
    expect(h.flowFiles).toEqual([{ path: join(s.flows, 'counter.yaml'), sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
    // A shipped flow is covered by `digest`: no path of the package in the header.
    const shipped = join(s.dir, 'shipped.ndjson');
    await runCli(['run', 'refused', '--target', 'http://127.0.0.1:9/', '--non-interactive', '--transcript', shipped], { env: s.env });
    const hs = parseTranscript(shipped, readFileSync(shipped, 'utf8')).header;
    expect([hs.sshConfig, hs.flows, hs.flowFiles]).toEqual([undefined, undefined, undefined]);
  });

  it('resume without the options uses the recorded ssh config and flows: SSH is refused, not "dns"', async () => {
    const { file, answers } = await recorded();
    const other = join(s.dir, 'other.ndjson');
    copyFileSync(file, other);
    // From another folder, without --flows nor --ssh-config.
    const r = await runCli(['resume', file, '--non-interactive', '--answers', answers, '--json'], { env: s.env, cwd: '/' });
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'counter', outcome: 'error' });
    expect(r.stderr).not.toContain('changed since');
    expect(transports(file)).toEqual(['refused']);
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\n');

    // The command line still wins: an empty config, and the alias is a name nobody resolves.
    const empty = join(s.dir, 'empty_config');
    writeFileSync(empty, '');
    const d = await runCli(['resume', other, '--non-interactive', '--answers', answers, '--ssh-config', empty], { env: s.env, cwd: '/' });
    expect(d.code, d.stderr).toBe(3);
    expect(transports(other)).toEqual(['dns']);
  });

  it('a flow file or ssh config changed since: said before anything runs, the recorded steps still checked', async () => {
    const { file, sshConfig, answers } = await recorded();
    const flowFile = join(s.flows, 'counter.yaml');
    writeFileSync(flowFile, readFileSync(flowFile, 'utf8').replace('Not counted', 'Uncounted'));
    writeFileSync(sshConfig, `${readFileSync(sshConfig, 'utf8')}  ConnectTimeout 5\n`);
    const r = await runCli(['resume', file, '--non-interactive', '--answers', answers], { env: s.env });
    expect(r.code, r.stderr).toBe(3);
    const said = r.stderr.split('\n').filter((l) => l.includes('changed since'));
    expect(said).toEqual([
      expect.stringMatching(new RegExp(`^tshoot: ${sshConfig} \\(sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}\\) changed since ${file} was recorded; its recorded steps are checked as they are replayed$`)),
      expect.stringMatching(new RegExp(`^tshoot: ${flowFile} \\(sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}\\) changed since ${file} was recorded`)),
    ]);
    // `one` and `two` were replayed, not run again.
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\n');
  });

  it('the flow now from another file (another --flows) is said; a recorded file that is gone is an error naming the option', async () => {
    const { file, sshConfig, answers } = await recorded();
    const elsewhere = join(s.dir, 'elsewhere');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(elsewhere);
    copyFileSync(join(s.flows, 'counter.yaml'), join(elsewhere, 'counter.yaml'));
    const copy = join(s.dir, 'copy.ndjson');
    copyFileSync(file, copy);
    const r = await runCli(['resume', copy, '--flows', elsewhere, '--non-interactive', '--answers', answers], { env: s.env });
    expect(r.stderr).toContain(`tshoot: flow "counter" now comes from ${join(elsewhere, 'counter.yaml')}, not from ${join(s.flows, 'counter.yaml')} as recorded`);

    rmSync(sshConfig);
    const g = await runCli(['resume', file, '--non-interactive', '--answers', answers], { env: s.env });
    expect(g.code).toBe(2);
    expect(g.stderr).toBe(`tshoot: ${file}:1: the session was recorded with --ssh-config ${sshConfig}, which is not there now: give --ssh-config in its place\n`);
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\n');
  });

  it('a recorded ssh config others can write is not used (it can run commands): refused, naming the option', async () => {
    const { file, sshConfig, answers } = await recorded();
    chmodSync(sshConfig, 0o666);
    const r = await runCli(['resume', file, '--non-interactive', '--answers', answers], { env: s.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tshoot: ${file}:1: the session was recorded with --ssh-config ${sshConfig}, which is writable by its group: give --ssh-config to use a config you trust\n`);
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\n');
  });

  it('a transcript from before these header fields resumes as before (with --flows given)', async () => {
    const { file, sshConfig, answers } = await recorded();
    const lines = readFileSync(file, 'utf8').split('\n');
    const { sshConfig: _s, flows: _f, flowFiles: _ff, ...old } = JSON.parse(lines[0]!) as Record<string, unknown>;
    writeFileSync(file, [JSON.stringify(old), ...lines.slice(1)].join('\n'));
    expect(parseTranscript(file, readFileSync(file, 'utf8')).header.sshConfig).toBeUndefined();
    const bare = await runCli(['resume', file, '--non-interactive', '--answers', answers], { env: s.env });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('add its folder with --flows DIR');
    const r = await runCli(['resume', file, '--flows', s.flows, '--ssh-config', sshConfig, '--non-interactive', '--answers', answers], { env: s.env });
    expect(r.code, r.stderr).toBe(3);
    expect(transports(file)).toEqual(['refused']);
  });

  it('replay and report read the recorded --flows too (from any folder); a recorded folder that is gone is named', async () => {
    const { file, answers } = await recorded();
    // Ended (the server's step meets SSH refused), so the whole session can be checked.
    expect((await runCli(['resume', file, '--non-interactive', '--answers', answers], { env: s.env, cwd: '/' })).code).toBe(3);
    const r = await runCli(['replay', file, '--check'], { env: s.env, cwd: '/' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/: matches today's flows \(1 answer, 3 commands, /);
    // The path through the flow is drawn only from the flow itself: found through the header.
    const html = await runCli(['report', file, '--format', 'html', '-o', '-'], { env: s.env, cwd: '/' });
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('<h2>Path through the flow</h2>');
    // The command line still wins; a recorded folder that is gone is an error, not a silent "no such flow".
    rmSync(s.flows, { recursive: true });
    const g = await runCli(['replay', file, '--check'], { env: s.env });
    expect(g.code).toBe(2);
    expect(g.stderr).toBe(`tshoot: ${file}:1: the session was recorded with --flows ${s.flows}, which is not there now: give --flows in its place\n`);
  });
});
