/**
 * `tshoot resume FILE --answer ID=VALUE` (issue 16): a wrong answer corrected. The session is
 * replayed up to that question (nothing before it runs again), answered with VALUE, and every
 * step after it is taken anew; the corrected session is a new transcript beside FILE, which is
 * kept byte for byte. A host answer comes before every command: the session runs anew.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTranscript } from '../../src/transcript/format.js';
import { runCli } from '../helpers/run-cli.js';
import { scratch, type Scratch } from './helpers.js';

let s: Scratch;
afterEach(() => rmSync(s.dir, { recursive: true, force: true }));

const events = (file: string) => parseTranscript(file, readFileSync(file, 'utf8')).events.map((l) => l.event);

/** `counter` answered go_on: no, to its end (unresolved). */
async function answeredNo(): Promise<{ file: string; text: string }> {
  s = scratch();
  const file = join(s.dir, 'session.ndjson');
  writeFileSync(join(s.dir, 'no.yaml'), 'go_on: no\n');
  const r = await runCli(['run', 'counter', '--flows', s.flows, '--answers', 'no.yaml', '--transcript', file], { env: s.env, cwd: s.dir });
  expect(r.code, r.stderr).toBe(1);
  expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\nthree\n');
  return { file, text: readFileSync(file, 'utf8') };
}

describe('resume --answer: correcting a recorded answer', () => {
  it('go_on=yes: one and two replayed, three run again, the fix; a new transcript that replays, the old one untouched', async () => {
    const { file, text } = await answeredNo();
    const r = await runCli(['resume', file, '--answer', 'go_on=yes', '--non-interactive', '--json'], { env: s.env, cwd: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'counter', outcome: 'fix', fix: { id: 'counted' }, commands: 3 });
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\nthree\nthree\n');

    const corrected = join(s.dir, 'session-corrected.ndjson');
    expect(r.stderr).toContain(`transcript: ${corrected}`);
    expect(readFileSync(file, 'utf8')).toBe(text);
    // The corrected file begins with the original up to the corrected question, then goes on.
    const before = text.slice(0, text.indexOf('{"kind":"question","id":"go_on"'));
    expect(readFileSync(corrected, 'utf8').startsWith(before)).toBe(true);
    const answers = events(corrected).filter((e) => e.kind === 'answer');
    expect(answers).toEqual([{ kind: 'answer', id: 'go_on', value: true, source: 'answers' }]);
    expect(events(corrected).filter((e) => e.kind === 'resumed')).toHaveLength(1);
    expect(events(corrected).findLast((e) => e.kind === 'outcome')).toMatchObject({ outcome: 'fix', fix: { id: 'counted' } });

    const check = await runCli(['replay', '--check', corrected, '--flows', s.flows], { env: s.env, cwd: s.dir });
    expect(check.code, check.stderr).toBe(0);
    // Corrected again: the first name is taken, the next one is used.
    const again = await runCli(['resume', file, '--answer', 'go_on=no', '--non-interactive'], { env: s.env, cwd: s.dir });
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toContain(`transcript: ${join(s.dir, 'session-corrected-2.ndjson')}`);
  });

  it('an id the session never asked: did-you-mean, exit 2, no file; a value the question does not take: exit 2', async () => {
    const { file } = await answeredNo();
    const r = await runCli(['resume', file, '--answer', 'go_onn=yes'], { env: s.env, cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tshoot: --answer "go_onn=yes": ${file} has no answer to "go_onn" to correct (did you mean "go_on"?); it asked: go_on\n`);
    const v = await runCli(['resume', file, '--answer', 'go_on=maybe'], { env: s.env, cwd: s.dir });
    expect(v.code).toBe(2);
    expect(v.stderr).toBe('tshoot: --answer "go_on=maybe": "go_on" is a yes/no question; got "maybe"\n');
    const m = await runCli(['resume', file, '--answer', '=yes'], { env: s.env, cwd: s.dir });
    expect(m.stderr).toBe('tshoot: --answer "=yes": expected ID=VALUE, e.g. --answer service=nginx\n');
    expect(existsSync(join(s.dir, 'session-corrected.ndjson'))).toBe(false);
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\nthree\n');
  });

  it('a finished session without --answer is still refused, and says how to correct it', async () => {
    const { file } = await answeredNo();
    const r = await runCli(['resume', file, '--non-interactive'], { env: s.env, cwd: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the session already ended \(unresolved\); nothing to resume \(show it: tshoot replay \S+; correct an answer: --answer ID=VALUE\)/);
  });

  it('host.server corrected: every command runs anew on the new host', async () => {
    s = scratch({ server: true });
    const file = join(s.dir, 'session.ndjson');
    const sshConfig = join(s.dir, 'ssh_config');
    writeFileSync(sshConfig, 'Host web.invalid\n  HostName 127.0.0.1\n  Port 9\n  User nobody\n');
    writeFileSync(join(s.dir, 'a.yaml'), 'host.server: web.invalid\ngo_on: yes\n');
    const first = await runCli(['run', 'counter', '--flows', s.flows, '--ssh-config', sshConfig, '--answers', 'a.yaml', '--transcript', file], { env: s.env, cwd: s.dir });
    expect(first.code, first.stderr).toBe(3);
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\n');

    writeFileSync(join(s.dir, 'b.yaml'), 'go_on: yes\n');
    const r = await runCli(['resume', file, '--answer', 'host.server=local', '--answers', 'b.yaml', '--json'], { env: s.env, cwd: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'fix', fix: { id: 'counted' }, commands: 3 });
    expect(readFileSync(s.count, 'utf8')).toBe('one\ntwo\none\ntwo\n');
    const corrected = join(s.dir, 'session-corrected.ndjson');
    expect(parseTranscript(corrected, readFileSync(corrected, 'utf8')).header.roles).toMatchObject({ server: 'local' });
    expect((await runCli(['replay', '--check', corrected, '--flows', s.flows], { env: s.env, cwd: s.dir })).code).toBe(0);
  });
});
