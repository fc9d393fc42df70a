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

  it('the target question is recorded before the walk; --redact-hosts hides hosts, keeps loopback', async () => {
    s = scratch();
    const file = join(s.dir, 'session.ndjson');
    const answers = join(s.dir, 'a.yaml');
    writeFileSync(answers, 'target: http://web7.invalid:8080/x\n');
    const r = await runCli(['run', 'refused', '--non-interactive', '--answers', answers, '--transcript', file, '--redact-hosts', '--no-transcript'], { env: s.env });
    // --no-transcript after --transcript wins: nothing written.
    expect(r.stderr).not.toContain('transcript:');
    const r2 = await runCli(['run', 'refused', '--non-interactive', '--answers', answers, '--transcript', file, '--redact-hosts'], { env: s.env, timeoutMs: 60_000 });
    expect(r2.stderr).toContain(`transcript: ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/web7/i);
    const [header, ...events] = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The name does not resolve: the client's probe ends it, the server is never needed nor asked.
    expect(header).toMatchObject({ target: { host: 'host-1', url: 'http://host-1:8080/x' }, roles: { client: 'local' }, redacted: { hosts: true } });
    expect((header as { roles: object }).roles).not.toHaveProperty('server');
    expect(events.slice(0, 2)).toMatchObject([
      { kind: 'question', id: 'target', setup: true },
      { kind: 'answer', id: 'target', value: 'http://host-1:8080/x', source: 'answers', setup: true },
    ]);
    expect(events.filter((e) => e.id === 'host.server')).toEqual([]);
  });

  it('a host asked in the walk (host.server, when its first command is about to run) is recorded there, hidden with --redact-hosts from its answer on', async () => {
    s = scratch({ server: true });
    const file = join(s.dir, 'session.ndjson');
    const answers = join(s.dir, 'a.yaml');
    writeFileSync(answers, 'go_on: yes\nhost.server: admin@web7.invalid\n');
    const r = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', answers, '--transcript', file, '--redact-hosts'], { env: s.env, timeoutMs: 60_000 });
    // The name does not resolve and the answers file would say the same again: refused at its line.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${answers}:2:1: "host.server": ssh web7.invalid:22: host name not found`);
    const text = readFileSync(file, 'utf8');
    const [header, ...events] = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect((header as { roles: object }).roles).toEqual({ client: 'local' });
    const steps = events.map((e) => `${String(e.kind)} ${String(e.id ?? e.node)}`);
    expect(steps.slice(steps.indexOf('answer go_on'))).toEqual(['answer go_on', 'decision go_on', 'question host.server', 'answer host.server', 'command three', 'result three', 'question host.server']);
    // host-1 is this machine's name (hidden too); the server's is the next placeholder.
    const hidden = expect.stringMatching(/^admin@host-\d+$/);
    expect(events.find((e) => e.kind === 'answer' && e.id === 'host.server')).toMatchObject({ value: hidden, source: 'answers' });
    expect(events.find((e) => e.kind === 'command' && e.id === 'three')).toMatchObject({ role: 'server', dest: hidden });
    // Every line, ssh's own `web7.invalid:22: host name not found` in the result included.
    expect(text).not.toMatch(/web7/i);
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
  it('a name before host:port: (ssh\'s messages) is a host; a hex piece of an IPv6 address is not', () => {
    const h = createRedactor({ salt: 's', hosts: ['web7.invalid', 'dead', 'fe80::1'] });
    expect(h.text('ssh: Could not resolve hostname web7.invalid:22: Name or service not known; web7.invalid:22:x')).toBe(
      'ssh: Could not resolve hostname host-1:22: Name or service not known; host-1:22:x',
    );
    // `dead` is a host, but before `:22:` it may be a piece of an address: left to the address rule.
    // The host fe80::1 inside the longer address fe80::1:5:6 is not replaced on its own: the whole is.
    expect(h.text('dead up; dead:22: refused; fe80::1:5:6 fe80::1')).toBe('host-2 up; dead:22: refused; 2001:db8::2 2001:db8::1');
  });
  it('replaces hosts with placeholders that parse as what they replace; loopback and local stay', () => {
    expect(r.text('ssh web1.example.com; web1 up; 10.1.2.3:80 fe80::1 127.0.0.1:80 local 10.1.2.30')).toBe(
      'ssh host-1; host-1 up; 192.0.2.1:80 2001:db8::1 127.0.0.1:80 local 192.0.2.2',
    );
  });
  it('replaces the addresses no option named too: the client\'s in the server\'s access log, its routes (issue 16)', () => {
    const red = createRedactor({ salt: 's', hosts: ['198.18.2.10', 'server'] });
    const log = [
      '198.18.1.10 - - [01/Dec/2026:16:18:46 +0000] "GET /hogehoge HTTP/1.1" 404 153 "-" "curl/7.88.1"',
      '2001:db8:0:1::7 - - [01/Dec/2026:16:18:47 +0000] "GET /x HTTP/1.1" 200 9 "-" "Mozilla/5.0"',
      'fd00:1::20 - - [01/Dec/2026:16:18:48 +0000] "GET /hogehoge HTTP/1.1" 404 153 "-" "curl/8.5.0"',
      '127.0.0.1 - - [01/Dec/2026:16:18:49 +0000] "GET /hogehoge HTTP/1.1" 404 153 "-" "tshoot (read-only diagnosis)"',
      '198.18.1.0/24 via 198.18.2.1 dev eth0 src 198.18.2.10 netmask 255.255.255.0 ::ffff:198.18.1.10 1.2.3.4.5 v10.1.2',
    ].join('\n');
    const out = red.text(log);
    expect(out.split('\n')).toEqual([
      '192.0.2.2 - - [01/Dec/2026:16:18:46 +0000] "GET /hogehoge HTTP/1.1" 404 153 "-" "curl/7.88.1"',
      // The documentation ranges are the placeholders' own: left as they are.
      '2001:db8:0:1::7 - - [01/Dec/2026:16:18:47 +0000] "GET /x HTTP/1.1" 200 9 "-" "Mozilla/5.0"',
      '2001:db8::1 - - [01/Dec/2026:16:18:48 +0000] "GET /hogehoge HTTP/1.1" 404 153 "-" "curl/8.5.0"',
      '127.0.0.1 - - [01/Dec/2026:16:18:49 +0000] "GET /hogehoge HTTP/1.1" 404 153 "-" "tshoot (read-only diagnosis)"',
      '192.0.2.3/24 via 192.0.2.4 dev eth0 src 192.0.2.1 netmask 255.255.255.0 2001:db8::2 1.2.3.4.5 v10.1.2',
    ]);
    // The same address, the same placeholder, in every later event; twice is once.
    expect(red.text('from 198.18.1.10 again')).toBe('from 192.0.2.2 again');
    expect(red.text(out)).toBe(out);
    // Without --redact-hosts, addresses are not secrets: untouched.
    expect(createRedactor({ salt: 's' }).text(log)).toBe(log);
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
