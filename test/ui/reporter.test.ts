/**
 * What the reporter writes, into a fake terminal of a known width: progress lines, spinners,
 * and the cards, snapshotted with colour forced on (FORCE_COLOR=1, as a user's terminal
 * would have it) and off. Host output in any of it arrives hostile and must leave clean.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckView, Command, Outcome, ShownItem } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { checkSummary, interruptedNote, renderOutcome } from '../../src/ui/cards.js';
import { createTerminalReporter, duration, resultLine, runningLine, type ReporterOptions } from '../../src/ui/reporter.js';
import { displayWidth } from '../../src/ui/sanitize.js';
import { colorEnabled, makeStyle, progressMode, termWidth } from '../../src/ui/style.js';
import { FakeTTY } from './fake-tty.js';

// chalk (under boxen and ora) reads this when first imported: set before the dynamic imports.
process.env.FORCE_COLOR = '1';
delete process.env.NO_COLOR;
let boxen: ReporterOptions['boxen'];
let ora: ReporterOptions['ora'];
beforeAll(async () => {
  boxen = (await import('boxen')).default;
  ora = (await import('ora')).default;
});

const SGR = /\x1b\[[0-9;]*m/g;
const cmd = (id: string, title: string, role: Command['role'], argv: string[]): Command => ({ id, flow: 'refused', node: id, role, argv, timeoutMs: 5000, root: false, title });
const res = (exit: number | null, stdout: string, durationMs: number, over: Partial<CommandResult> = {}): CommandResult => ({
  exit,
  stdout,
  stderr: '',
  durationMs,
  timedOut: false,
  truncated: { stdout: false, stderr: false },
  transport: null,
  ...over,
});
const result = (c: Command, r: CommandResult, summary: string): ShownItem => ({ kind: 'result', command: c, result: r, summary });
const resultLineOf = (c: Command, summary: string, width: number) => resultLine(result(c, res(0, '', 12), summary) as Extract<ShownItem, { kind: 'result' }>, 'web1', makeStyle(false), width);

const probe = cmd('probe_http', 'Repeat the request from the client', 'client', ['curl', '-sS', '-v', '-o', '/dev/null', 'http://198.18.2.10/']);
const listeners = cmd('listeners', 'What listens on the server', 'server', ['ss', '-ltnp']);
const status = cmd('status', 'Is the service running', 'server', ['systemctl', 'status', '--no-pager', '--lines=5', 'nginx']);
const checks: CheckView[] = [
  { id: 'probe_http', role: 'client', title: probe.title, argv: probe.argv, ok: false, summary: 'refused: * connect to 198.18.2.10 port 80 failed: Connection refused' },
  { id: 'listeners', role: 'server', title: listeners.title, argv: listeners.argv, ok: true, summary: 'nothing listens on :80' },
  { id: 'status', role: 'server', title: status.title, argv: status.argv, ok: false, summary: 'nginx: inactive (dead)' },
];
const fixOutcome: Outcome = {
  kind: 'fix',
  flow: 'refused',
  node: 'start_service',
  fix: {
    id: 'start-service',
    title: 'The service is not running',
    cause: 'Nothing listens on port 80 because nginx is not running (inactive (dead)).',
    evidence: [
      { role: 'server', argv: ['ss', '-ltnp'], lines: ['(no listener on :80)', 'LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=101,fd=3))'] },
      { role: 'server', argv: status.argv, lines: ['     Active: inactive (dead) since Tue 2026-11-24 10:00:00 UTC; 5min ago'] },
    ],
    fix: ['The configuration test passes', 'Start it: sudo systemctl start nginx; and start it at boot: sudo systemctl enable nginx'],
    config: '/etc/nginx/conf.d/server.conf:2',
    verify: ['On the server: sudo ss -ltnp shows a listener on :80', 'From the client: nc -vz 198.18.2.10 80 succeeds'],
  },
};
const unresolved: Outcome = {
  kind: 'unresolved',
  flow: 'refused',
  node: 'listening_but_refused',
  end: {
    title: 'Something listens and no firewall rejects, yet it is refused',
    checked: ['listeners: LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=7,fd=6))', 'No REJECT rule in iptables or nftables'],
    nextSteps: ['Run the request on the server itself: curl -v http://127.0.0.1:80/', 'Look for a second firewall between the hosts (a cloud security group)'],
  },
};
const errorOutcome: Outcome = {
  kind: 'error',
  code: 'unreachable',
  transport: 'refused',
  message: 'ssh to root@198.18.2.10:22: connection refused',
  flow: 'refused',
  node: 'listeners',
  loc: { file: 'flows/refused.yaml', line: 61, col: 5 },
};

function reporter(out: FakeTTY, over: Partial<ReporterOptions> = {}) {
  const style = makeStyle(over.style?.enabled ?? true);
  return createTerminalReporter({ out, style, mode: 'lines', verbose: false, lang: 'en', dest: (r) => (r === 'client' ? 'local' : r), ora: null, boxen, card: true, ...over });
}

function session(r: ReturnType<typeof reporter>, outcome: Outcome = fixOutcome) {
  r.commandsStart([probe], ['local']);
  r.show(result(probe, res(7, '', 12), checks[0]!.summary));
  r.commandsStart([listeners, status], ['server', 'server']);
  r.show(result(listeners, res(0, 'State Recv-Q\n', 236), 'nothing listens on :80'));
  r.show(result(status, res(3, '', 1534), 'nginx: inactive (dead)'));
  r.show({ kind: 'outcome', outcome, checks });
}

describe('the terminal reporter (plain lines)', () => {
  it('a fix: ✔/✖ lines with role, host, duration and summary, then the boxed card (colour on)', () => {
    const out = new FakeTTY({ columns: 80 });
    session(reporter(out));
    expect(out.text).toMatchSnapshot();
    // Nothing but colour: no cursor movement, no spinner.
    expect(out.text.replace(SGR, '')).not.toMatch(/\x1b|[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });

  it('the same off a terminal, colour off: plain sections, no box', () => {
    const out = new FakeTTY({ isTTY: false, columns: undefined });
    session(reporter(out, { style: makeStyle(false), boxen: null }));
    expect(out.text).toMatchInlineSnapshot(`
      "✖ Repeat the request from the client [client (local) · 12 ms] — refused: * connect to 198.18.2.10 port 80 failed: Connection refused
      ✔ What listens on the server [server · 236 ms] — nothing listens on :80
      ✖ Is the service running [server · 1.5 s] — nginx: inactive (dead)

      == The service is not running  [start-service] ==
      Cause
        Nothing listens on port 80 because nginx is not running (inactive (dead)).

      Evidence
        server $ ss -ltnp
          (no listener on :80)
          LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=101,fd=3))
        server $ systemctl status --no-pager '--lines=5' nginx
               Active: inactive (dead) since Tue 2026-11-24 10:00:00 UTC; 5min ago

      Fix
        1. The configuration test passes
        2. Start it: sudo systemctl start nginx; and start it at boot: sudo systemctl enable nginx

      Config
        /etc/nginx/conf.d/server.conf:2

      Verify
        - On the server: sudo ss -ltnp shows a listener on :80
        - From the client: nc -vz 198.18.2.10 80 succeeds

      3 checks: ✓ 1 passed · 2 findings (Repeat the request from the client, Is the service running)
      "
    `);
  });

  it('an unresolved card: what was checked, what was found (the failure included), what to try next', () => {
    const out = new FakeTTY({ columns: 72 });
    reporter(out, { mode: 'none' }).show({ kind: 'outcome', outcome: unresolved, checks });
    expect(out.text).toMatchSnapshot();
    expect(out.text.replace(SGR, '')).toMatchInlineSnapshot(`
      "
      ╭ Unresolved: Something listens and no firewall rejects, yet it i… ────╮
      │ Checked                                                              │
      │   ✗ Repeat the request from the client (client) — refused: * connect │
      │     to 198.18.2.10 port 80 failed: Connection refused                │
      │   ✓ What listens on the server (server) — nothing listens on :80     │
      │   ✗ Is the service running (server) — nginx: inactive (dead)         │
      │                                                                      │
      │ Found                                                                │
      │   - listeners: LISTEN 0 511 0.0.0.0:80 0.0.0.0:*                     │
      │     users:(("nginx",pid=7,fd=6))                                     │
      │   - No REJECT rule in iptables or nftables                           │
      │                                                                      │
      │ Try next                                                             │
      │   - Run the request on the server itself: curl -v                    │
      │     http://127.0.0.1:80/                                             │
      │   - Look for a second firewall between the hosts (a cloud security   │
      │     group)                                                           │
      ╰──────────────────────────────────────────────────────────────────────╯
      3 checks: ✓ 1 passed · ✗ 2 failed (Repeat the request from the client,…
      "
    `);
  });

  it('a Stopped card for a host says which and why, in words, and what to do; no flow location', () => {
    const out = new FakeTTY({ columns: 60 });
    reporter(out, { mode: 'none' }).show({ kind: 'outcome', outcome: errorOutcome, checks: [] });
    expect(out.text).toMatchSnapshot();
    // An authentication failure is not "unreachable": the host answered, the login failed.
    const auth: Outcome = { ...errorOutcome, transport: 'auth', message: 'ssh to admin@web1: Permission denied (publickey)' } as Outcome;
    const login = new FakeTTY({ columns: 72 });
    reporter(login, { mode: 'none', style: makeStyle(false), boxen: null, dest: (r) => (r === 'server' ? 'admin@web1' : r) }).show({ kind: 'outcome', outcome: auth, checks: [checks[0]!, { ...checks[1]!, ok: false, summary: 'Permission denied (publickey)' }] });
    const text = login.text;
    expect(text).toContain('Stopped: could not log in to server (admin@web1)');
    expect(text).not.toMatch(/unreachable|flows\/refused\.yaml|node "listeners"/);
    expect(text).toContain('ssh -v DEST shows which keys were offered');
    const ja = new FakeTTY({ columns: 72 });
    reporter(ja, { mode: 'none', style: makeStyle(false), lang: 'ja', dest: (r) => (r === 'server' ? 'admin@web1' : r) }).show({ kind: 'outcome', outcome: auth, checks: [checks[1]!] });
    expect(ja.text).toContain('中断: server (admin@web1) にログインできない');
  });

  it('a flow that cannot go on (an expression failed) keeps the place in the flow: its author needs it', () => {
    const expr: Outcome = { kind: 'error', code: 'expression', message: 'condition `x.y > 1` failed: no such key: y', flow: 'refused', node: 'judge', loc: { file: 'flows/refused.yaml', line: 223, col: 5 } };
    const out = new FakeTTY({ columns: 80 });
    reporter(out, { mode: 'none', style: makeStyle(false) }).show({ kind: 'outcome', outcome: expr, checks: [] });
    expect(out.text).toContain('Stopped: the flow cannot go on');
    expect(out.text).toContain('flows/refused.yaml:223:5 node "judge"');
  });

  it('after a diagnosis, commands that exited non-zero are findings, not failures; without one they failed', () => {
    const style = makeStyle(false);
    const fixCard = renderOutcome(fixOutcome, checks, { style, width: 100, boxen: null, dest: (r) => r, lang: 'en' });
    expect(fixCard).toContain('3 checks: ✓ 1 passed · 2 findings (Repeat the request from the client, Is the service running)');
    expect(fixCard).not.toContain('failed');
    const end = renderOutcome(unresolved, checks, { style, width: 100, boxen: null, dest: (r) => r, lang: 'en' });
    expect(end).toContain('3 checks: ✓ 1 passed · ✗ 2 failed');
    expect(end).not.toContain('Ruled out');
    expect(end).toMatch(/^Found$/m);
    const ja = renderOutcome(fixOutcome, checks, { style, width: 100, boxen: null, dest: (r) => r, lang: 'ja' });
    expect(ja).toContain('チェック 3 件: ✓ 1 成功 · 所見 2 件');
    expect(renderOutcome(unresolved, checks, { style, width: 100, boxen: null, dest: (r) => r, lang: 'ja' })).toMatch(/^分かったこと$/m);
  });

  it('an answer taken from the answers file is shown as the question and its answer', () => {
    const out = new FakeTTY({ isTTY: false });
    const r = reporter(out, { style: makeStyle(false) });
    r.answered?.({ id: 'service', flow: 'refused', node: 'service', input: 'input', text: 'Which service should answer on port 80?' }, 'nginx', 'answers');
    expect(out.text).toBe('? Which service should answer on port 80? nginx (answers file)\n');
    const quiet = new FakeTTY({ isTTY: false });
    reporter(quiet, { mode: 'none' }).answered?.({ id: 's', flow: 'f', node: 's', input: 'input', text: 'Q' }, 'x', 'answers');
    expect(quiet.text).toBe('');
  });

  it('--quiet: only the card; --json (card: false) with mode none: nothing at all', () => {
    const quiet = new FakeTTY({ columns: 80 });
    session(reporter(quiet, { mode: 'none' }));
    expect(quiet.text.replace(SGR, '')).toMatch(/^\n╭ The service is not running/);
    const json = new FakeTTY({ columns: 80 });
    session(reporter(json, { mode: 'none', card: false }));
    expect(json.text).toBe('');
  });

  it('lines follow the terminal width; 0 columns counts as 80', () => {
    for (const columns of [60, 0, 200]) {
      const out = new FakeTTY({ columns });
      session(reporter(out, { style: makeStyle(false) }));
      const width = columns || 80;
      for (const line of out.text.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(/^[╭│╰]/.test(line) ? Math.min(width, 100) : width);
    }
  });

  it('Japanese is laid out by display width (two columns a character): no line wraps at 60 or 100, the border is whole', () => {
    const ja = (c: Command, title: string): Command => ({ ...c, title });
    const jaProbe = ja(probe, 'クライアントから再度リクエストを送って応答を確かめる');
    const jaListeners = ja(listeners, 'サーバーで何がポートを待ち受けているか調べる');
    const jaOutcome: Outcome = {
      ...fixOutcome,
      fix: {
        ...(fixOutcome as Extract<Outcome, { kind: 'fix' }>).fix,
        title: 'サービスが起動していないため、ポート 80 で誰も待ち受けていない',
        cause: 'nginx が起動していないため、ポート 80 で何も待ち受けていない (inactive (dead))。設定テストは成功する。',
      },
    } as Outcome;
    for (const columns of [60, 100]) {
      const out = new FakeTTY({ columns });
      const r = reporter(out, { style: makeStyle(false), lang: 'ja' });
      r.commandsStart([jaProbe], ['local']);
      r.show(result(jaProbe, res(7, '', 12), '拒否: 198.18.2.10 のポート 80 への接続は拒否された (Connection refused) ので、サーバー側を調べる'));
      r.show(result(jaListeners, res(0, '', 236), ':80 で何も待ち受けていない。ほかのポートの待ち受けは 3 件'));
      r.answered?.({ id: 'service', flow: 'refused', node: 'service', input: 'input', text: 'ポート 80 で応答すべきサービスはどれか? (systemd のユニット名、例えば nginx や apache2)' }, 'nginx', 'answers');
      r.show({ kind: 'outcome', outcome: jaOutcome, checks: checks.map((c, i) => ({ ...c, title: i ? jaListeners.title : jaProbe.title })) });
      const lines = out.text.split('\n');
      // The box may take the whole width (as in English); every other line stops short of the last column.
      for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(/^[╭│╰]/.test(line) ? columns : columns - 1);
      const top = lines.find((l) => l.startsWith('╭'))!;
      const bottom = lines.find((l) => l.startsWith('╰'))!;
      // The title is cut by columns, so the top border is as wide as the bottom one.
      expect(displayWidth(top)).toBe(displayWidth(bottom));
      expect(top).toMatch(/^╭ .+ ─+╮$/);
      expect(top).toContain(columns === 60 ? '…  [start-service]' : 'ていない  [start-service]');
      expect(lines.filter((l) => l.startsWith('│')).every((l) => displayWidth(l) === displayWidth(bottom) && l.endsWith('│'))).toBe(true);
    }
  });

  it('a flow handing over to another (the wrong symptom) says so where it happens, in the session\'s language', () => {
    for (const [lang, want] of [['en', '→ going on with the flow for what the client gets: refused'], ['ja', '→ クライアントが受けた応答に合うフローで続ける: refused']] as const) {
      const out = new FakeTTY({ isTTY: false });
      const r = reporter(out, { style: makeStyle(false), lang });
      const nf = { ...probe, id: 'probe', flow: 'not-found' };
      r.commandsStart([nf], ['local']);
      r.show(result(nf, res(7, '', 12), 'refused'));
      r.commandsStart([{ ...probe, id: 'refused.probe_http', flow: 'refused' }], ['local']);
      r.commandsStart([{ ...listeners, id: 'refused.listeners', flow: 'refused' }], ['server']);
      const lines = out.text.split('\n');
      expect(lines[1]).toBe(want);
      expect(lines.filter((l) => l.startsWith('→'))).toHaveLength(1);
    }
  });

  it('progress lines are cut by display width, not by characters', () => {
    const c = cmd('t', '設定ファイルの待ち受けアドレスとポートを読む', 'server', ['nginx', '-T']);
    const line = resultLineOf(c, '待ち受け: 0.0.0.0:80, [::]:80, 127.0.0.1:8080 (すべて nginx のマスタープロセス)', 60);
    expect(displayWidth(line)).toBeLessThan(60);
    expect(line).toMatch(/^✔ .+ \[server \(web1\) · 12 ms\] — .+…$/);
    const run = runningLine(c, 'web1', makeStyle(false), 60);
    expect(displayWidth(run) + 2).toBeLessThan(60);
    expect(run).toContain('· server (web1) $ nginx -T');
  });
});

describe('hostile output never reaches the terminal', () => {
  const HOSTILE = '\x1b]0;PWNED\x07\x1b[2J\x1b[31mred\x1b[0m FAIL\rOK \u202eevil\u202c \x9b1;1H\x07';
  const evil: Outcome = {
    ...fixOutcome,
    fix: { ...(fixOutcome as Extract<Outcome, { kind: 'fix' }>).fix, cause: `cause ${HOSTILE}`, evidence: [{ role: 'local', argv: ['printf', HOSTILE], lines: [HOSTILE, `tab\there`] }] },
  } as Outcome;

  it.each([
    ['lines, boxed card', { columns: 100 }, {}],
    ['verbose lines (whole output)', { columns: 100 }, { verbose: true }],
    ['plain card', { isTTY: false }, { boxen: null }],
  ])('%s', (_name, tty, over) => {
    const out = new FakeTTY(tty);
    const r = reporter(out, over);
    const c = cmd('evil', `title ${HOSTILE}`, 'local', ['printf', HOSTILE]);
    r.commandsStart([c], ['local']);
    r.show(result(c, res(0, `${HOSTILE}\n`.repeat(3), 5, { stderr: HOSTILE }), `summary ${HOSTILE}`));
    r.show({ kind: 'decision', flow: 'f', node: 'evil', when: HOSTILE, goto: 'fixed', loc: { file: 'f.yaml', line: 1, col: 1 } });
    r.show({ kind: 'outcome', outcome: evil, checks: [{ ...checks[0]!, summary: HOSTILE }] });
    const text = out.text.replace(SGR, '');
    // Only our own SGR colour codes: no other escape, no C0 but \n, no C1, no bidi control.
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    // The command is shown as typed, its control characters as escapes; what it printed is gone.
    expect(text).toContain("$'\\x1b]0;PWNED\\x07");
    for (const line of text.split('\n')) if (!line.includes('printf')) expect(line).not.toContain('PWNED');
    expect(text).toContain('FAIL\\x0dOK');
    expect(text).toContain('\\u{202e}evil');
    expect(out.text).not.toContain('\x1b[31mred');
  });
});

describe('folding and --verbose', () => {
  const many = Array.from({ length: 30 }, (_, i) => `line ${i}`);
  const big: Outcome = { ...fixOutcome, fix: { ...(fixOutcome as Extract<Outcome, { kind: 'fix' }>).fix, evidence: [{ role: 'server', argv: ['ss', '-ltnp'], lines: many }] } } as Outcome;

  it('evidence is folded to 8 lines per command; --verbose shows it whole', () => {
    const style = makeStyle(false);
    const folded = renderOutcome(big, checks, { style, width: 80, boxen: null, dest: (r) => r, lang: 'en' });
    expect(folded).toContain('line 7\n');
    expect(folded).not.toContain('line 8\n');
    expect(folded).toContain('… 22 more lines (--verbose shows all)');
    const whole = renderOutcome(big, checks, { style, width: 80, boxen: null, dest: (r) => r, lang: 'en', verbose: true });
    expect(whole).toContain('line 29');
    expect(whole).not.toContain('more lines');
  });

  it('--verbose prints the command and its whole output under its line, and every decision', () => {
    const out = new FakeTTY({ isTTY: false });
    const r = reporter(out, { verbose: true, style: makeStyle(false), boxen: null, card: false });
    r.commandsStart([listeners], ['server']);
    r.show(result(listeners, res(0, Array.from({ length: 300 }, (_, i) => `sock ${i}`).join('\n'), 5, { truncated: { stdout: true, stderr: false } }), '300 sockets'));
    r.show({ kind: 'decision', flow: 'refused', node: 'listeners', when: 'size(on_port) > 0', goto: 'firewall', loc: { file: 'f', line: 1, col: 1 } });
    const lines = out.text.split('\n');
    expect(lines[0]).toBe('✔ What listens on the server [server · 5 ms] — 300 sockets');
    expect(lines[1]).toBe('    $ ss -ltnp');
    expect(lines).toContain('    sock 299');
    expect(out.text).toContain('(output cut at the size limit)');
    expect(out.text).toContain('  → firewall  (when size(on_port) > 0)');
  });
});

describe('spinners', () => {
  const frames = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('one line per running command, drawn together; each ends as a ✔/✖ line; the cursor comes back', async () => {
    const out = new FakeTTY({ columns: 100 });
    const r = reporter(out, { mode: 'spinners', ora });
    r.commandsStart([listeners, status], ['web1', 'web1']);
    await tick(200);
    const drawing = out.text.replace(SGR, '');
    expect(drawing).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] What listens on the server · server \(web1\) \$ ss -ltnp/);
    expect(drawing).toMatch(/\n[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Is the service running · server \(web1\) \$ systemctl status --no-pager '--lines=5' nginx/);
    expect(drawing).toContain('\x1b[?25l'); // cursor hidden while drawing
    r.show(result(listeners, res(0, '', 40), 'nothing listens on :80'));
    const afterFirst = out.text.length;
    await tick(200);
    const redrawn = out.text.slice(afterFirst).replace(SGR, '');
    expect(redrawn).toContain('Is the service running');
    expect(redrawn).not.toContain('What listens on the server ·'); // finished: no longer drawn
    r.show(result(status, res(3, '', 90), 'nginx: inactive (dead)'));
    const end = out.text.length;
    await tick(200);
    expect(out.text.length).toBe(end); // nothing running: nothing drawn
    expect(out.text).toMatch(/\x1b\[\?25h[^]*$/); // cursor shown again
    expect(out.text.replace(SGR, '')).toContain('✔ What listens on the server [server · 40 ms] — nothing listens on :80\n');
    expect(out.text.replace(SGR, '')).toContain('✖ Is the service running [server · 90 ms] — nginx: inactive (dead)\n');
  });

  it('pause() takes them off the screen for a prompt, resume() brings back what still runs', async () => {
    const out = new FakeTTY({ columns: 100 });
    const r = reporter(out, { mode: 'spinners', ora });
    r.commandsStart([listeners], ['web1']);
    await tick(100);
    r.pause();
    const paused = out.text.length;
    await tick(200);
    expect(out.text.length).toBe(paused);
    r.resume();
    await tick(100);
    expect(out.text.slice(paused)).toMatch(frames);
    r.stopAll();
    const stopped = out.text.length;
    await tick(200);
    expect(out.text.length).toBe(stopped);
  });

  it('never a frame off a terminal, in CI, with --json, --quiet, or 0 columns', () => {
    const env = {};
    expect(progressMode({ isTTY: true, columns: 80 }, env, {})).toBe('spinners');
    expect(progressMode({ isTTY: false, columns: 80 }, env, {})).toBe('lines');
    expect(progressMode({ isTTY: true, columns: 80 }, { CI: 'true' }, {})).toBe('lines');
    expect(progressMode({ isTTY: true, columns: 80 }, { TERM: 'dumb' }, {})).toBe('lines');
    expect(progressMode({ isTTY: true, columns: 80 }, env, { json: true })).toBe('lines');
    expect(progressMode({ isTTY: true, columns: 80 }, env, { quiet: true })).toBe('none');
    expect(progressMode({ isTTY: true, columns: 0 }, env, {})).toBe('lines');
    expect(progressMode({ isTTY: true }, env, {})).toBe('lines');
    // In lines mode, even with ora at hand, nothing but whole lines.
    const out = new FakeTTY({ columns: 80 });
    const r = reporter(out, { mode: 'lines', ora, boxen: null });
    session(r);
    expect(out.text).not.toMatch(frames);
    expect(out.text.replace(SGR, '')).not.toContain('\x1b');
  });
});

describe('style and small texts', () => {
  it('NO_COLOR wins over FORCE_COLOR; FORCE_COLOR=0 turns colour off; else a terminal decides', () => {
    expect(colorEnabled({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true); // empty NO_COLOR does not count
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
    expect(colorEnabled({}, false)).toBe(false);
    expect(makeStyle(false).red('x')).toBe('x');
  });

  it('width: the columns, 80 for a terminal that says 0, 160 off a terminal', () => {
    expect(termWidth({ isTTY: true, columns: 132 })).toBe(132);
    expect(termWidth({ isTTY: true, columns: 0 })).toBe(80);
    expect(termWidth({ isTTY: true })).toBe(80);
    expect(termWidth({ isTTY: false })).toBe(160);
  });

  it('durations, the check summary, the interrupted note', () => {
    expect([duration(8), duration(1534), duration(61_000)]).toEqual(['8 ms', '1.5 s', '1 min 1 s']);
    expect(checkSummary(checks, { style: makeStyle(false), lang: 'ja', width: 120 })).toBe('チェック 3 件: ✓ 1 成功 · ✗ 2 失敗 (Repeat the request from the client, Is the service running)');
    expect(checkSummary(checks, { style: makeStyle(false), lang: 'en', width: 60 })).toBe('3 checks: ✓ 1 passed · ✗ 2 failed (Repeat the request from…');
    expect(interruptedNote('en')).toBe('\ntshoot: interrupted\n');
    expect(interruptedNote('en', '/tmp/my session.jsonl')).toBe("\ntshoot: interrupted\nThe session so far is in /tmp/my session.jsonl\nContinue it with: tshoot resume '/tmp/my session.jsonl'\n");
  });
});
