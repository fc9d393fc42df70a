/**
 * `tshoot report`, issue 16: the headline says whether the fix was applied and verified; an
 * argument with a newline (`-w $'%{http_code}\n'`) stays one word on one line in Markdown and
 * HTML; the drawing's nodes show what the session ran, never `{{ }}`; `report` / `--latest`
 * opens the newest session; HTML is not printed on a terminal (tmux) without `-o`.
 * Sessions of their own run the built CLI with the local executor on scratch flows.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/run-cli.js';
import { exitCode, hasTmux, Tmux } from '../ui/tmux.js';
import { scratch, type Scratch } from './helpers.js';

const STOPPED = 'flows/refused/sessions/nginx-stopped.ndjson';

interface Dom {
  querySelectorAll(s: string): ArrayLike<{ textContent: string | null; getAttribute(n: string): string | null }>;
}
let parseHtml: (html: string) => Dom;
const texts = (doc: Dom, selector: string): string[] => Array.from(doc.querySelectorAll(selector), (e) => e.textContent ?? '');
let tmp: string;
const scratches: Scratch[] = [];

beforeAll(async () => {
  // jsdom ships no types, and @types/jsdom would bring the DOM's into every file: typed here.
  const jsdom = 'jsdom';
  const { JSDOM } = (await import(jsdom)) as { JSDOM: new (html: string) => { window: { document: Dom } } };
  parseHtml = (html) => new JSDOM(html).window.document;
  tmp = mkdtempSync(join(tmpdir(), 'tshoot-report16-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  for (const s of scratches) rmSync(s.dir, { recursive: true, force: true });
});

describe('a command word with a newline', () => {
  it("Markdown: curl's -w $'%{http_code}\\n' is one word, the command on one line", async () => {
    const r = await runCli(['report', STOPPED, '--format', 'md']);
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('`$ curl'));
    // The duration is the recorded result's own (the example is re-recorded from time to time).
    const ms = JSON.parse(readFileSync(STOPPED, 'utf8').split('\n').find((l) => l.includes('"kind":"result"'))!).durationMs as number;
    expect(line).toBe(`client (\`local\`) \`$ curl -sS -v -A 'tshoot (read-only diagnosis)' -o /dev/null -w $'%{http_code} %{remote_ip} %{remote_port}\\n' --connect-timeout 5 --max-time 10 --proto '=http,https' -- http://198.18.2.10/\` — exit 7 · ${Math.round(ms)} ms`);
  });

  it('HTML: the code element reads as the command a person can paste, with \\n as two characters', async () => {
    const r = await runCli(['report', STOPPED]);
    expect(r.code, r.stderr).toBe(0);
    const codes = texts(parseHtml(r.stdout), 'section.check .cmd code');
    expect(codes).toContain("client (local) $ curl -sS -v -A 'tshoot (read-only diagnosis)' -o /dev/null -w $'%{http_code} %{remote_ip} %{remote_port}\\n' --connect-timeout 5 --max-time 10 --proto '=http,https' -- http://198.18.2.10/");
    expect(codes.every((c) => !c?.includes('\n'))).toBe(true);
  });
});

describe("the report's drawing of the flow", () => {
  it('a node the session went through shows the command as it ran; any other its text with … for each {{ }}', async () => {
    const r = await runCli(['report', STOPPED]);
    expect(r.code, r.stderr).toBe(0);
    const doc = parseHtml(r.stdout);
    const all = texts(doc, 'svg.flow text');
    const titles = texts(doc, 'svg.flow g.node > title');
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter((t) => t.includes('{{') || t.includes('}}'))).toEqual([]);
    expect(titles.filter((t) => t.includes('{{') || t.includes('}}'))).toEqual([]);
    // The flow has `ip route get to {{ dest }}`: the session ran it with the target's address.
    expect(texts(doc, 'svg.flow g.node.taken text.sub')).toContain('client: ip route get to 198.1…');
    // `systemctl cat -- {{ socket_unit }}` did not run in this session.
    expect(texts(doc, 'svg.flow g.node:not(.taken) text.sub')).toContain('server: systemctl cat -- …');
  });
});

/**
 * A flow whose fix can be applied locally: `probe` passes once `made` exists; `make` makes it
 * when MAKE=yes, fails when MAKE=fail; the rollback's `unmake` fails when UNMAKE=fail.
 */
function fixable(): { dir: string; flows: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmp, 'fixable-'));
  const flows = join(dir, 'flows');
  mkdirSync(flows);
  const made = join(dir, 'made');
  const script = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  const probe = script('probe', `test -e ${made}`);
  const make = script('make', `[ "$MAKE" = fail ] && exit 1; [ "$MAKE" = yes ] && touch ${made}; exit 0`);
  const unmake = script('unmake', `[ "$UNMAKE" = fail ] && exit 1; rm -f ${made}`);
  writeFileSync(
    join(flows, 'fixable.yaml'),
    `# yaml-language-server: $schema=./flow.schema.json
id: fixable
title: { en: Fixable, ja: 直せる }
needs_target: false
start: probe
nodes:
  probe:
    kind: run
    title: { en: Probe, ja: 調べる }
    role: local
    argv: [${JSON.stringify(probe)}]
    next:
      - when: probe.ok
        goto: fine
      - goto: missing
  missing:
    kind: fix
    id: make-it
    title: { en: It is not made, ja: 作られていない }
    cause: { en: The file is missing., ja: ファイルがない。 }
    evidence: [{ from: probe }]
    requires: { when: "!probe.ok", otherwise: fine }
    fix: [{ en: Make it, ja: 作る }]
    verify: [{ en: Probe again, ja: もう一度調べる }]
    apply:
      check: probe
      steps:
        - title: { en: Make the file, ja: 作る }
          role: local
          argv: [${JSON.stringify(make)}]
      rollback:
        - title: { en: Remove the file, ja: 消す }
          role: local
          argv: [${JSON.stringify(unmake)}]
  fine:
    kind: end
    title: { en: Nothing to fix, ja: 直すものはない }
    next_steps: [{ en: Nothing, ja: なし }]
`,
  );
  return { dir, flows, env: { XDG_STATE_HOME: join(dir, 'state'), TSHOOT_READ_ONLY_PROGRAMS: probe } };
}

describe('the headline after --apply', () => {
  it('says the fix was applied and verified when the check passed', async () => {
    const f = fixable();
    const file = join(f.dir, 'applied.ndjson');
    const run = await runCli(['run', 'fixable', '--flows', f.flows, '--non-interactive', '--apply', '--transcript', file], { env: { ...f.env, MAKE: 'yes' } });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const md = await runCli(['report', file, '--flows', f.flows, '--format', 'md'], { env: f.env });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('**Fix applied and verified: It is not made \\[make-it\\]**');
    expect(md.stdout).toMatch(/## Applied\n\n- Make the file: local `\$ \S+\/make` — exit 0[^\n]*\n- Check: Probe: local `\$ \S+\/probe` — exit 0/);
    const html = await runCli(['report', file, '--flows', f.flows], { env: f.env });
    const outcome = parseHtml(html.stdout).querySelectorAll('#outcome')[0]!;
    expect(outcome.textContent).toBe('Fix applied and verified: It is not made [make-it]');
    expect(outcome.getAttribute('class')).toBe('outcome fix');
  });

  it('says it was applied, failed its check and was rolled back', async () => {
    const f = fixable();
    const file = join(f.dir, 'rolled-back.ndjson');
    const run = await runCli(['run', 'fixable', '--flows', f.flows, '--non-interactive', '--apply', '--transcript', file], { env: { ...f.env, MAKE: 'no' } });
    expect(run.stdout + run.stderr).toMatch(/roll/i);
    const md = await runCli(['report', file, '--flows', f.flows, '--format', 'md'], { env: f.env });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('**Fix applied, but the check still failed: rolled back: It is not made \\[make-it\\]**');
    expect(md.stdout).toContain('- Remove the file: local');
    const html = await runCli(['report', file, '--flows', f.flows], { env: f.env });
    expect(parseHtml(html.stdout).querySelectorAll('#outcome')[0]!.getAttribute('class')).toBe('outcome unresolved');
  });

  it('says when the rollback did not finish, and when a step failed before the check', async () => {
    for (const [env, headline] of [
      [{ MAKE: 'no', UNMAKE: 'fail' }, 'Fix applied, but the check still failed, and the rollback did not finish (see Applied): It is not made \\[make-it\\]'],
      [{ MAKE: 'fail' }, 'Fix not applied: it stopped before the check (see Applied): It is not made \\[make-it\\]'],
    ] as const) {
      const f = fixable();
      const file = join(f.dir, 'session.ndjson');
      await runCli(['run', 'fixable', '--flows', f.flows, '--non-interactive', '--apply', '--transcript', file], { env: { ...f.env, ...env } });
      const md = await runCli(['report', file, '--flows', f.flows, '--format', 'md'], { env: f.env });
      expect(md.code, md.stderr).toBe(0);
      expect(md.stdout).toContain(`**${headline}**`);
    }
  });

  it('without --apply the headline names the fix only', async () => {
    const f = fixable();
    const file = join(f.dir, 'diagnosed.ndjson');
    await runCli(['run', 'fixable', '--flows', f.flows, '--non-interactive', '--transcript', file], { env: f.env });
    const md = await runCli(['report', file, '--flows', f.flows, '--format', 'md'], { env: f.env });
    expect(md.stdout).toContain('**Fix: It is not made \\[make-it\\]**');
    expect(md.stdout).not.toContain('## Applied');
  });
});

describe('report without FILE, or --latest: the newest session', () => {
  it('opens the session written last in $XDG_STATE_HOME/tshoot/sessions', async () => {
    const s = scratch();
    scratches.push(s);
    const none = await runCli(['report', '--format', 'md', '--flows', s.flows], { env: s.env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no session recorded yet (${join(s.env.XDG_STATE_HOME!, 'tshoot', 'sessions')} does not exist)`);

    writeFileSync(join(s.dir, 'yes.yaml'), 'go_on: yes\n');
    writeFileSync(join(s.dir, 'no.yaml'), 'go_on: no\n');
    const a = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', join(s.dir, 'yes.yaml')], { env: s.env });
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', join(s.dir, 'no.yaml')], { env: s.env });
    expect(b.code, b.stderr).toBe(1);
    const sessions = join(s.env.XDG_STATE_HOME!, 'tshoot', 'sessions');
    const files = readdirSync(sessions).map((n) => join(sessions, n));
    expect(files).toHaveLength(2);
    const [older, newer] = files.sort((x, y) => statSync(x).mtimeMs - statSync(y).mtimeMs);

    for (const args of [['report'], ['report', '--latest']]) {
      const r = await runCli([...args, '--format', 'md', '--flows', s.flows], { env: s.env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`report of ${newer}\n`);
      expect(r.stdout).toContain('**Unresolved: Not counted**');
    }
    // Newest by when it was last written (a resumed session counts from its resumption).
    const later = new Date(Date.now() + 60_000);
    utimesSync(older!, later, later);
    const r = await runCli(['report', '--latest', '--format', 'md', '--flows', s.flows], { env: s.env });
    expect(r.stderr).toBe(`report of ${older}\n`);
    expect(r.stdout).toContain('**Fix: Counted \\[counted\\]**');

    const both = await runCli(['report', older!, '--latest'], { env: s.env });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/name a transcript, or ask for the latest, not both/);
  });
});

describe.runIf(hasTmux)('HTML and a terminal (tmux)', () => {
  const tmux = new Tmux();
  afterAll(() => tmux.kill());

  it('is refused with the way on, and printed with --format md or -o -; piped, HTML goes to stdout as before', async () => {
    const cli = [process.execPath, BIN];
    tmux.start('html', [...cli, 'report', STOPPED], { cwd: join(BIN, '..', '..') });
    let screen = await tmux.waitFor('html', (s) => exitCode(s) !== null, 'the refusal');
    expect(exitCode(screen)).toBe(2);
    expect(screen).toContain('the HTML report is a file to open in a browser, not to print on a terminal: add -o report.html');
    expect(screen).not.toContain('<html');

    tmux.start('md', [...cli, 'report', STOPPED, '--format', 'md'], { cwd: join(BIN, '..', '..') });
    screen = await tmux.waitFor('md', (s) => exitCode(s) !== null, 'the Markdown report');
    expect(exitCode(screen)).toBe(0);
    expect(screen).toContain('<sub>From flows/refused/sessions/nginx-stopped.ndjson');

    tmux.start('dash', [...cli, 'report', STOPPED, '-o', '-'], { cwd: join(BIN, '..', '..') });
    screen = await tmux.waitFor('dash', (s) => exitCode(s) !== null, 'the HTML');
    expect(exitCode(screen)).toBe(0);
    expect(screen).toContain('</html>');

    const piped = await runCli(['report', STOPPED]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^<!doctype html>/);
  });
});
