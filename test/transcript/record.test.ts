/**
 * Recording: where transcripts go and who can read them, what a line holds, and that no
 * secret a host printed reaches the disk — only a placeholder that is the same for the same
 * secret, so that replay still matches.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { createRedactor } from '../../src/transcript/redact.js';
import { scratch, type Scratch } from './helpers.js';

// Made-up secrets of each shape (none is a real credential).
const PEM = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
const SECRETS = {
  github: 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
  aws: 'AKIAZZZZEXAMPLE12345',
  slack: 'xoxb-1234567890-abcdefghijkl',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0c2hvb3QifQ.c2lnbmF0dXJlLXZhbHVl',
  bearer: 'opaque-bearer-value-0042',
  password: 'hunter2-correct-horse',
  token: 'tok3n-value-99',
  secret: 's3cr3t-value-77',
};
const PRINTED = [
  PEM,
  `GITHUB_TOKEN is ${SECRETS.github}`,
  `aws_key ${SECRETS.aws}`,
  `slack ${SECRETS.slack}`,
  `cookie ${SECRETS.jwt}`,
  `> Authorization: Bearer ${SECRETS.bearer}`,
  `DB_PASSWORD=${SECRETS.password}`,
  `url?token=${SECRETS.token}&x=1`,
  `"client_secret": "${SECRETS.secret}"`,
  `again ${SECRETS.github}`,
].join('\n');

let s: Scratch;
afterEach(() => rmSync(s.dir, { recursive: true, force: true }));

describe('recording', () => {
  it('no secret a host printed is in the file; equal secrets get equal placeholders; it still replays', async () => {
    s = scratch({ printed: PRINTED });
    const file = join(s.dir, 'session.ndjson');
    const answers = join(s.dir, 'a.yaml');
    writeFileSync(answers, 'go_on: yes\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', answers, '--transcript', file], { env: s.env });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    for (const [name, value] of Object.entries(SECRETS)) expect(text, name).not.toContain(value);
    expect(text).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
    const placeholders = text.match(/‹secret:[0-9a-f]{8}›/g) ?? [];
    expect(placeholders.length).toBeGreaterThanOrEqual(Object.keys(SECRETS).length + 1);
    // The github token appears twice in the output (and again in the card's evidence): one placeholder.
    const result = JSON.parse(text.split('\n').find((l) => l.includes('"kind":"result","id":"one"'))!) as { stdout: string };
    const gh = [...result.stdout.matchAll(/(?:is|again) (‹secret:[0-9a-f]{8}›)/g)].map((m) => m[1]);
    expect(gh).toHaveLength(2);
    expect(gh[0]).toBe(gh[1]);
    // What is not secret stays readable.
    expect(result.stdout).toContain('> Authorization: ‹secret:');
    expect(result.stdout).toContain('DB_PASSWORD=‹secret:');
    expect(result.stdout).toContain('&x=1');
    expect((await runCli(['replay', '--check', file, '--flows', s.flows], { env: s.env })).code).toBe(0);
  });

  it('NDJSON: a header, then one event per line; the file is 0600 in a 0700 folder under XDG_STATE_HOME', async () => {
    s = scratch();
    const answers = join(s.dir, 'a.yaml');
    writeFileSync(answers, 'go_on: no\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', answers], { env: s.env });
    expect(r.code, r.stderr).toBe(1);
    const dir = join(s.env.XDG_STATE_HOME!, 'tshoot', 'sessions');
    const [name] = readdirSync(dir);
    expect(name).toMatch(/^\d{8}T\d{6}Z-counter-[0-9a-f]{16}\.ndjson$/);
    const file = join(dir, name!);
    expect(r.stderr).toContain(`transcript: ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [header, ...events] = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(header).toMatchObject({ format: 'tshoot-transcript', version: 1, flow: 'counter', lang: 'en', roles: { client: 'local' }, redacted: { hosts: false } });
    expect(header!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(events.map((e) => e.kind)).toEqual(['command', 'result', 'decision', 'command', 'result', 'decision', 'question', 'answer', 'decision', 'command', 'result', 'decision', 'outcome']);
    expect(events.find((e) => e.kind === 'answer')).toEqual({ kind: 'answer', id: 'go_on', value: false, source: 'answers' });
    expect(events.at(-1)).toMatchObject({ kind: 'outcome', outcome: 'unresolved', node: 'nope', end: { title: 'Not counted' } });
  });

  it('--no-transcript writes nothing', async () => {
    s = scratch();
    const answers = join(s.dir, 'a.yaml');
    writeFileSync(answers, 'go_on: no\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', answers, '--no-transcript'], { env: s.env });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('transcript:');
    expect(() => readdirSync(join(s.env.XDG_STATE_HOME!, 'tshoot', 'sessions'))).toThrow();
  });

  it('setup questions (target, host roles) are recorded before the walk; --redact-hosts hides hosts, keeps loopback', async () => {
    s = scratch();
    const file = join(s.dir, 'session.ndjson');
    const answers = join(s.dir, 'a.yaml');
    writeFileSync(answers, 'target: http://web7.example.net:8080/x\nhost.server: admin@web7.example.net\n');
    // refused needs a server: it is asked (from the answers file) before the session.
    const r = await runCli(['run', 'refused', '--non-interactive', '--answers', answers, '--transcript', file, '--redact-hosts', '--no-transcript'], { env: s.env });
    // --no-transcript after --transcript wins: nothing written.
    expect(r.stderr).not.toContain('transcript:');
    const r2 = await runCli(['run', 'refused', '--non-interactive', '--answers', answers, '--transcript', file, '--redact-hosts'], { env: s.env, timeoutMs: 60_000 });
    expect(r2.stderr).toContain(`transcript: ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/web7/i);
    const [header, ...events] = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(header).toMatchObject({ target: { host: 'host-1', url: 'http://host-1:8080/x' }, roles: { client: 'local', server: 'admin@host-1' }, redacted: { hosts: true } });
    expect(events.slice(0, 4)).toMatchObject([
      { kind: 'question', id: 'target', setup: true },
      { kind: 'answer', id: 'target', value: 'http://host-1:8080/x', source: 'answers', setup: true },
      { kind: 'question', id: 'host.server', setup: true },
      { kind: 'answer', id: 'host.server', value: 'admin@host-1', source: 'answers', setup: true },
    ]);
  });
});

describe('the redactor', () => {
  const r = createRedactor({ salt: 'salt-1234', hosts: ['web1.example.com', '10.1.2.3', 'fe80::1', 'local', '127.0.0.1'] });
  it('is deterministic and idempotent', () => {
    const once = r.text(`Authorization: Basic dXNlcjpwYXNz\npassword=abc ${SECRETS.aws} ${SECRETS.aws}`);
    expect(r.text(once)).toBe(once);
    const ps = once.match(/‹secret:[0-9a-f]{8}›/g)!;
    expect(ps).toHaveLength(4);
    expect(ps[2]).toBe(ps[3]);
    expect(ps[1]).not.toBe(ps[2]);
    expect(createRedactor({ salt: 'other' }).text(SECRETS.aws)).not.toBe(r.text(SECRETS.aws));
  });
  it('replaces hosts with placeholders that parse as what they replace; loopback and local stay', () => {
    expect(r.text('ssh web1.example.com; web1 up; 10.1.2.3:80 fe80::1 127.0.0.1:80 local 10.1.2.30')).toBe(
      'ssh host-1; host-1 up; 192.0.2.1:80 2001:db8::1 127.0.0.1:80 local 10.1.2.30',
    );
  });
  it('finds every kind of secret in a string of its own (each rule, past the one-scan filter)', () => {
    const alone = [
      PEM,
      '-----BEGIN RSA PRIVATE KEY-----',
      `GITHUB_TOKEN is ${SECRETS.github}`,
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      `aws_key ${SECRETS.aws}`,
      'ASIAZZZZEXAMPLE12345',
      `slack ${SECRETS.slack}`,
      `cookie ${SECRETS.jwt}`,
      'PROXY-AUTHORIZATION: Basic dXNlcjpwYXNz',
      `BEARER ${SECRETS.bearer}`,
      `DB_PASSWORD=${SECRETS.password}`,
      'PASSWD: x1y2z3',
      'passphrase=abc',
      'PWD=abc',
      `url?token=${SECRETS.token}&x=1`,
      `"client_secret": "${SECRETS.secret}"`,
      'X_API_KEY=abc123',
      'access-key: abc123',
      'private_key=abc123',
      'https://bob:pa55w0rd@git.example.org/x',
    ];
    for (const line of alone) expect(r.text(line), line).toMatch(/‹secret:[0-9a-f]{8}›/);
    for (const line of ['GET /index.html 200', 'listen 0.0.0.0:80;', 'token bucket']) expect(r.text(line)).toBe(line);
  });
  it('keeps the URL, hides its password', () => {
    expect(r.text('https://bob:pa55w0rd@git.example.org/x')).toMatch(/^https:\/\/bob:‹secret:[0-9a-f]{8}›@git\.example\.org\/x$/);
  });
});
