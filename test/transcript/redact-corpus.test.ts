/**
 * Redaction against a corpus of realistic secrets of every kind the audit found missed
 * (issue 12, finding 9) and every kind handled before: none of them, nor any piece of one,
 * is left in the redacted text, nor in a transcript file a recorder wrote. And the other
 * way round: what hosts print when nothing is secret (nginx -T, ss, curl -v, iptables, the
 * JSON of `aws ec2 describe-*`, sshd -T, the recorded sessions of the shipped flows) passes
 * through unchanged, at a speed that does not slow a session down.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command, Question } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { parseTranscript } from '../../src/transcript/format.js';
import { openRecorder } from '../../src/transcript/recorder.js';
import { createRedactor, isSecretName } from '../../src/transcript/redact.js';
import { CORPUS, type SecretCase } from './secrets-corpus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLACEHOLDER = /‹secret:[0-9a-f]{8}›/;

/** The kinds the audit listed as missed, and those handled before it: each needs 3 cases or more. */
const KINDS = [
  // missed (issue 12, finding 9)
  'imds-secret-access-key',
  'pgpassword',
  'pass-suffix',
  'secret-key',
  'stripe',
  'gitlab',
  'slack-webhook',
  'npm',
  'openai',
  'google-api-key',
  'vault',
  'sentry-dsn',
  'cookie',
  'x-api-key',
  'argv-long-password',
  'argv-short-password',
  'curl-user',
  'pgp-private-key',
  'putty-private-key',
  'redis-url',
  'password-slash-at',
  'value-delimiters',
  'nginx-auth-header',
  'nginx-fastcgi-param',
  'nginx-set',
  'redis-requirepass',
  // handled before
  'aws-access-key-id',
  'pem-private-key',
  'authorization-header',
  'bearer',
  'name-value',
  'url-userinfo',
  'github',
  'slack-token',
  'jwt',
] as const;

/**
 * The secret itself and each run of 4+ letters and digits in it that has both: a secret cut
 * in two leaks its other half (letters alone are a vendor prefix, digits alone a number: github, 1234).
 */
function pieces(secret: string): string[] {
  return [secret, ...(secret.match(/[A-Za-z0-9]{4,}/g) ?? []).filter((p) => /\d/.test(p) && /[A-Za-z]/.test(p))];
}

/** The text of a case as the recorder sees it: a string, or an argv array. */
function redactCase(r: ReturnType<typeof createRedactor>, c: SecretCase): string {
  return c.argv ? r.value([...c.argv]).join(' ') : r.text(c.text);
}

function source(c: SecretCase): string {
  return c.argv ? c.argv.join(' ') : c.text;
}

describe('the secrets corpus', () => {
  const r = createRedactor({ salt: 'corpus' });

  it('has every kind, each 3 times or more, in text whose pieces are its own', () => {
    const counts = new Map<string, number>();
    for (const c of CORPUS) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...KINDS].sort());
    for (const k of KINDS) expect(counts.get(k), k).toBeGreaterThanOrEqual(3);
    // Each secret is in its text, and no piece of it is anywhere else there (else "absent" proves nothing).
    for (const c of CORPUS) {
      let rest = source(c);
      for (const s of c.secrets) {
        expect(rest, `${c.kind}: ${s}`).toContain(s);
        rest = rest.split(s).join('\u0000');
      }
      for (const s of c.secrets) for (const p of pieces(s)) expect(rest, `${c.kind}: piece ${p}`).not.toContain(p);
      for (const k of c.keep ?? []) expect(source(c), `${c.kind}: keeps ${k}`).toContain(k);
    }
    // The same across the whole corpus, as the transcript test prints it all at once.
    let all = CORPUS.map(source).join('\n');
    const secrets = CORPUS.flatMap((c) => c.secrets).sort((a, b) => b.length - a.length);
    for (const s of secrets) all = all.split(s).join('\u0000');
    for (const s of secrets) for (const p of pieces(s)) expect(all, `piece ${p} of ${s} outside its secret`).not.toContain(p);
    console.log(`corpus: ${KINDS.length} kinds, ${CORPUS.length} cases, ${CORPUS.reduce((n, c) => n + c.secrets.length, 0)} secrets`);
  });

  it.each(CORPUS.map((c, i) => [`${c.kind} #${i}`, c] as const))('%s: every secret hidden, the rest kept, idempotent', (_name, c) => {
    const out = redactCase(r, c);
    for (const s of c.secrets) for (const p of pieces(s)) expect(out, `${p} left in:\n${out}`).not.toContain(p);
    expect(out).toMatch(PLACEHOLDER);
    for (const k of c.keep ?? []) expect(out, `lost ${JSON.stringify(k)}:\n${out}`).toContain(k);
    // Lines stay lines (evidence is kept by line), and a second pass changes nothing.
    expect(out.split('\n')).toHaveLength(source(c).split('\n').length);
    expect(c.argv ? r.value(out.split(' ')).join(' ') : r.text(out)).toBe(out);
  });

  it('the same secrets are hidden when the text comes as lines of evidence', () => {
    for (const c of CORPUS.filter((x) => !x.argv && x.text.includes('\n'))) {
      const out = r.value(c.text.split('\n')).join('\n');
      for (const s of c.secrets) for (const p of pieces(s)) expect(out, `${c.kind}: ${p}`).not.toContain(p);
    }
  });

  it('a key/value secret: the whole value goes, the name stays, and the same value gets the same placeholder', () => {
    expect(r.text('DB_PASSWORD=Zx8/Wq@3;Lm,"Rt"')).toMatch(/^DB_PASSWORD=‹secret:[0-9a-f]{8}›$/);
    expect(r.text('  "password": "a \\"quoted\\" pass phrase",')).toMatch(/^ {2}"password": "‹secret:[0-9a-f]{8}›",$/);
    expect(r.text("export PGPASSWORD='with spaces; and commas, too'")).toMatch(/^export PGPASSWORD='‹secret:[0-9a-f]{8}›'$/);
    const [a, b] = [r.text('PGPASSWORD=Qq1Ww2Ee3'), r.text('mysql -pQq1Ww2Ee3 db')].map((x) => x.match(PLACEHOLDER)![0]);
    expect(a).toBe(b);
  });
});

describe('argv: which -p is a password', () => {
  const r = createRedactor({ salt: 'argv' });
  const hidden = (argv: string[], secret: string) => expect(r.value(argv).join(' ')).not.toContain(secret);
  const kept = (argv: string[]) => expect(r.value(argv)).toEqual(argv);

  it('mysql -pVALUE, sshpass -p VALUE, redis-cli -a VALUE, mongo -p VALUE, curl -u user:pw: hidden', () => {
    hidden(['mysql', '-pHunter2x', 'app'], 'Hunter2x');
    hidden(['mariadb-dump', '-uroot', '-pHunter2x'], 'Hunter2x');
    hidden(['sshpass', '-pHunter2x', 'ssh', 'h'], 'Hunter2x');
    hidden(['sshpass', '-p', 'Hunter2x', 'ssh', 'h'], 'Hunter2x');
    hidden(['redis-cli', '-a', 'Hunter2x', 'info'], 'Hunter2x');
    hidden(['mongosh', '-u', 'root', '-p', 'Hunter2x'], 'Hunter2x');
    hidden(['curl', '-sSu', 'bob:Hunter2x', 'http://127.0.0.1/'], 'Hunter2x');
    hidden(['curl', '--user=bob:Hunter2x', 'http://127.0.0.1/'], 'Hunter2x');
    hidden(['sudo', '-n', '/usr/bin/mysql', '-pHunter2x'], 'Hunter2x');
  });

  it('elsewhere -p is a port, a pid, a protocol or a prompt: kept', () => {
    // mysql -p with a space prompts for the password; the next word is the database (mysql(1)).
    kept(['mysql', '-u', 'root', '-p', 'orders']);
    kept(['ssh', '-p', '2222', 'admin@198.18.0.5']);
    kept(['nc', '-vz', '-p', '4000', '198.18.0.5', '80']);
    kept(['ps', '-p', '1234', '-o', 'args=']);
    kept(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '3306', '-j', 'ACCEPT']);
    kept(['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'ping']);
    kept(['curl', '-u', 'bob', 'http://127.0.0.1/']); // no password given: curl asks
    kept(['docker', 'login', '--password-stdin', '-u', 'bob']);
    kept(['psql', '--no-password', '-h', 'db', 'orders']);
    kept(['ansible-playbook', '--ask-pass', 'site.yml']);
    kept(['curl', '-sS', '-v', '-o', '/dev/null', '-w', '%{http_code}\n', '--connect-timeout', '5', 'http://198.18.2.10/']);
  });
});

describe('names that hold a secret', () => {
  it.each([
    ['DB_PASSWORD', true],
    ['PGPASSWORD', true],
    ['SMTP_PASS', true],
    ['SSHPASS', true],
    ['SecretAccessKey', true],
    ['aws_secret_access_key', true],
    ['SECRET_KEY', true],
    ['SECRET_KEY_BASE', true],
    ['SecretString', true],
    ['x-api-key', true],
    ['apiKey', true],
    ['_authToken', true],
    ['REDISCLI_AUTH', true],
    ['MYSQL_PWD', true],
    ['client_secret', true],
    ['AccountKey', true],
    ['HTTP_AUTHORIZATION', true],
    ['SENTRY_DSN', true],
    ['HttpTokens', false],
    ['KeyName', false],
    ['Key', false],
    ['KmsKeyId', false],
    ['PrivateIpAddress', false],
    ['PublicKey', false],
    ['ssl_certificate_key', false],
    ['proxy_pass', false],
    ['fastcgi_pass', false],
    ['no-password', false],
    ['ask-pass', false],
    ['password-stdin', false],
    ['OLDPWD', false],
    ['TokenType', false],
    ['SecretArn', false],
  ] as const)('%s → %s', (name, secret) => expect(isSecretName(name)).toBe(secret));
});

// ── Outputs with no secret: unchanged ──

function files(dir: string, re: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => re.test(f))
    .map((f) => join(dir, f))
    .sort();
}

const FIXTURES = [
  ...files(join(ROOT, 'test/fixtures/captured'), /\.txt$/),
  ...files(join(ROOT, 'test/fixtures/seed'), /\.txt$/),
  ...files(join(ROOT, 'test/fixtures/aws'), /\.json$/),
  ...files(join(ROOT, '../shared/oracle-nginx/cases'), /\.conf$/),
  ...files(join(ROOT, '../shared/oracle-apache/cases'), /\.conf$/),
];
const SESSIONS = files(join(ROOT, 'flows'), /sessions\/[^/]+\.ndjson$/);

/** `nginx -T` as it prints a whole tree of configuration files, followed by `ss` output: about 1 MB. */
function bigNginxAndSs(): string {
  const confs = files(join(ROOT, '../shared/oracle-nginx/cases'), /\.conf$/).map((f) => `# configuration file ${f}:\n${readFileSync(f, 'utf8')}`);
  const ss = ['ss-antup.txt', 'ss-ltnp.txt', 'ss-lnxp.txt', 'ss-antup-host.txt', 'ss-H-ltnp.txt'].map((f) => readFileSync(join(ROOT, 'test/fixtures/captured', f), 'utf8'));
  const unit = ['nginx: the configuration file /etc/nginx/nginx.conf syntax is ok', ...confs, readFileSync(join(ROOT, 'test/fixtures/captured/nginx-T.txt'), 'utf8'), ...ss].join('\n');
  let big = '';
  while (big.length < 1_000_000) big += unit;
  return big.slice(0, 1_000_000);
}

describe('what is not secret passes unchanged', () => {
  const r = createRedactor({ salt: 'plain' });

  it('captured and seed outputs (nginx -T, ss, curl -v, iptables, nft, ip route, …), aws describe-* JSON, real-world nginx and Apache configs', () => {
    expect(FIXTURES.length).toBeGreaterThan(100);
    for (const f of FIXTURES) {
      const text = readFileSync(f, 'utf8');
      expect(r.text(text), f).toBe(text);
      expect(r.value(text.split('\n')), f).toEqual(text.split('\n'));
    }
  });

  it('every event of the recorded sessions of the shipped flows', () => {
    expect(SESSIONS.length).toBeGreaterThan(20);
    for (const f of SESSIONS) {
      for (const line of readFileSync(f, 'utf8').trimEnd().split('\n')) {
        const e = JSON.parse(line) as unknown;
        expect(r.value(e), f).toEqual(e);
      }
    }
  });

  it('this machine, now: ss -tanp, ip route, iptables-save, sshd -T', () => {
    const run = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
    const outputs = [run(['ss', '-tanp']), run(['ip', 'route']), run(['iptables-save']), run(['/usr/sbin/sshd', '-T'])];
    // sshd -T holds the names that look most like secrets: passwordauthentication, hostkey …_key.
    expect(outputs[3]).toMatch(/^passwordauthentication /m);
    for (const o of outputs) expect(r.text(o)).toBe(o);
  });

  it('1 MB of nginx -T and ss output: unchanged, and redacted in well under a second (no catastrophic backtracking)', () => {
    const big = bigNginxAndSs();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      expect(r.text(big)).toBe(big);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`1 MB nginx -T + ss: min ${times[0]!.toFixed(1)} ms, median ${times[2]!.toFixed(1)} ms`);
    // Measured at about 10 ms on an idle machine; the bound leaves room for a loaded one.
    expect(times[0]).toBeLessThan(500);
  });

  it('hostile inputs (an anchor of a rule repeated many times, no secret after it) stay linear', () => {
    const hostile = [
      'password='.repeat(20_000),
      'a://b:'.repeat(30_000),
      'https://u:p'.repeat(20_000),
      'Authorization:'.repeat(15_000),
      '-----BEGIN PRIVATE KEY-----'.repeat(8_000),
      'mysql '.repeat(30_000),
      `--password ${'-'.repeat(200_000)}`,
      `"token": "${'\\\\'.repeat(100_000)}`,
      '<password>'.repeat(20_000),
      `set $api_key ${'x'.repeat(200_000)}`,
      '@'.repeat(200_000),
    ];
    for (const h of hostile) {
      const t = performance.now();
      r.text(h);
      expect(performance.now() - t, h.slice(0, 30)).toBeLessThan(1000);
    }
  });
});

// ── End to end: a recorder writes a transcript; grep the whole file ──

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('a transcript file a recorder wrote', () => {
  it('holds none of the planted secrets, in any event (answers, argv, stdout, stderr, evidence), and still parses', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tshoot-redact-'));
    // What the hosts print: every text case, read back through a real process.
    const corpusFile = join(dir, 'printed.txt');
    writeFileSync(corpusFile, CORPUS.filter((c) => !c.argv).map((c) => c.text).join('\n\n'));
    const printed = execFileSync('cat', [corpusFile], { encoding: 'utf8' });
    const path = join(dir, 'session.ndjson');
    const rec = openRecorder({ path });
    const question: Question = { id: 'target', flow: 'refused', node: 'target', input: 'input', text: 'Which URL?' };
    const answer = 'https://bot:Ze5Xr9Ct3Vy7@git.example.org/';
    const asked = await rec.setup({ ask: () => Promise.resolve(answer) }).ask(question);
    expect(asked).toBe(answer);
    rec.begin({
      flow: 'refused',
      digest: `sha256:${'0'.repeat(64)}`,
      target: { url: 'http://198.18.0.5:8080/', scheme: 'http', host: '198.18.0.5', port: 8080, path: '/', loopback: false, given: true },
      hosts: { client: 'local', server: 'admin@198.18.0.5', bastion: '' },
      lang: 'en',
    });
    const commands: Command[] = [
      { id: 'dump', flow: 'refused', node: 'dump', role: 'server', argv: ['cat', corpusFile], timeoutMs: 5000, root: true, title: 'Print what hosts print' },
      ...CORPUS.filter((c) => c.argv).map((c, i) => ({ id: `argv${i}`, flow: 'refused', node: `argv${i}`, role: 'client' as const, argv: [...c.argv!], timeoutMs: 5000, root: false, title: c.kind })),
    ];
    for (const cmd of commands) {
      rec.command!(cmd, cmd.role === 'server' ? 'admin@198.18.0.5' : 'local');
      const out = cmd.id === 'dump' ? printed : '';
      const result: CommandResult = { exit: 0, stdout: out, stderr: cmd.id === 'dump' ? printed.split('\n').slice(0, 40).join('\n') : '', durationMs: 3, timedOut: false, truncated: { stdout: false, stderr: false }, transport: null };
      rec.result!(cmd, result);
    }
    rec.show!({
      kind: 'outcome',
      checks: [],
      outcome: {
        kind: 'fix',
        flow: 'refused',
        node: 'done',
        fix: {
          id: 'secrets',
          title: 'Secrets everywhere',
          cause: 'The card quotes the output.',
          evidence: [{ role: 'server', argv: ['cat', corpusFile], lines: printed.split('\n') }, ...commands.slice(1).map((c) => ({ role: c.role, argv: c.argv, lines: [c.argv.join(' ')] }))],
          fix: ['Nothing'],
          verify: ['Nothing'],
        },
      },
    });
    expect(rec.close()).toBeNull();

    const file = readFileSync(path, 'utf8');
    const t = parseTranscript(path, file);
    expect(t.events.length).toBe(2 + commands.length * 2 + 1);
    let planted = 0;
    for (const c of CORPUS) {
      for (const s of c.secrets) {
        planted++;
        // JSON escapes " and \ in the file: look for the secret as the file spells it too.
        for (const p of pieces(s)) for (const spelled of new Set([p, JSON.stringify(p).slice(1, -1)])) expect(file, `${c.kind}: ${spelled}`).not.toContain(spelled);
      }
    }
    expect(file).not.toContain('Ze5Xr9Ct3Vy7');
    expect((file.match(/‹secret:[0-9a-f]{8}›/g) ?? []).length).toBeGreaterThan(planted);
    // What is not secret is still there to read.
    expect(file).toContain('proxy_pass http://10.0.3.9:8080;');
    expect(file).toContain('\\"SecretAccessKey\\" : \\"‹secret:');
    console.log(`transcript: ${planted} planted secrets, ${file.length} bytes, none found`);
  });
});
