/**
 * The apply seen through its ports (a scripted executor, a captured output): what the plan and
 * the result show when host-derived text carries escapes, newlines or bidi controls, and what
 * Ctrl-C does — before the rollback (stop after the step) and during it (held, never cancels it).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describePlan, offerApply, type ApplyContext } from '../../src/cli/apply.js';
import type { Executors } from '../../src/engine/ports.js';
import type { ApplyPlan, ApplyStep, Command, Outcome } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';

const EVIL = '/etc/nginx/sites-enabled/x\x1b[2J\x1b]0;pwned\x07\nFAKE LINE\u202Eevil';
/** Nothing that moves the cursor, rings, retitles, or reorders text on a terminal. */
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

const step = (title: string, argv: string[], extra: Partial<ApplyStep> = {}): ApplyStep => ({ title, role: 'server', argv, root: true, timeoutMs: 5000, ...extra });
const check: Command = { id: 'refused.probe.check', flow: 'refused', node: 'probe', role: 'client', argv: ['curl', '-sS', 'http://198.18.2.10/'], timeoutMs: 5000, root: false, title: 'Probe' };
const plan = (file: string): ApplyPlan => ({
  steps: [step('Edit', ['sed', '-i', '-e', 's/a/b/', file], { backup: file }), step('Restart', ['service', 'nginx', 'restart'])],
  check,
  rollback: [step('Restart again', ['service', 'nginx', 'restart', file])],
});
const outcome = (p: ApplyPlan): Outcome => ({ kind: 'fix', flow: 'refused', node: 'fix', fix: { id: 'bind-all-interfaces', title: 't', cause: 'c', evidence: [], fix: [], verify: [], apply: p } });

const res = (exit: number, stdout = '', stderr = ''): CommandResult => ({ exit, stdout, stderr, durationMs: 1, timedOut: false, truncated: { stdout: false, stderr: false }, transport: null });
const cancelled = (): CommandResult => ({ ...res(0), exit: null, stderr: 'cancelled before it ran' });

/**
 * A host that answers like a Debian server; `answer` overrides by argv; a command run with an
 * aborted signal is cancelled (as the real executors do), which is how finding 4 showed.
 */
function host(answer: (argv: readonly string[]) => CommandResult | undefined = () => undefined, hook: (argv: readonly string[]) => void = () => {}) {
  const ran: string[][] = [];
  const ex: Executors = {
    run: async (_role, cmd, signal) => {
      hook(cmd.argv);
      if (signal?.aborted) return cancelled();
      ran.push([...cmd.argv]);
      const own = answer(cmd.argv);
      if (own) return own;
      switch (cmd.argv[0]) {
        case 'stat':
          return res(0, '0 41ed /\n0 41ed /var\n0 41ed /var/backups\n0 41c0 /var/backups/tshoot\n');
        case 'readlink':
          return res(0, '/etc/nginx/sites-available/default\n');
        case 'curl':
          return res(7, '', 'curl: (7) Failed to connect');
        default:
          return res(0);
      }
    },
    dest: () => 'web\x1b]0;t\x07\u202E1',
    close: async () => {},
  };
  return { ex, ran };
}

function ctx(ex: Executors, extra: Partial<ApplyContext> = {}) {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  const c: ApplyContext = { out, executors: ex, reporter: { commandsStart: () => {}, show: () => {} }, observers: [], terminal: null, lang: 'en', ...extra };
  return { c, text: () => text };
}

describe('host-derived text in the plan and the result is made safe', () => {
  it('the plan: a backup path and a rollback argv with ESC, newline and bidi show as escapes, one command a line', () => {
    const shown = describePlan(plan(EVIL), () => 'web\x1b]0;t\x07\u202E1', 'en', '20250101T000000-abcdef');
    expect(shown).not.toMatch(RAW);
    // Every line is a line of the plan: the newline in the path did not start one.
    expect(shown.split('\n').filter((l) => l.startsWith('FAKE LINE'))).toEqual([]);
    expect(shown).toContain('\\u{202e}evil');
    expect(shown).toContain('$ sudo mkdir -m 0700 -- /var/backups/tshoot/20250101T000000-abcdef');
    expect(shown).toContain("restore and compare (cmp) $'/etc/nginx/sites-enabled/x\\x1b[2J");
    expect(shown).toContain("(after checking that its parents are root’s and no one else can write to them, and making the last if missing) $ sudo stat -c '%u %f %n' -- / /var /var/backups /var/backups/tshoot");
    for (const lang of ['en', 'ja'] as const) expect(describePlan(plan(EVIL), () => 'web', lang)).not.toMatch(RAW);
  });

  it('a real path or a backup folder the host names with control characters is refused before anything changes', async () => {
    const bad = host((argv) => (argv[0] === 'readlink' ? res(0, '/etc/nginx/sites-available/x\x1b[2J\n') : undefined));
    const { c, text } = ctx(bad.ex);
    const r = await offerApply(outcome(plan('/etc/nginx/sites-enabled/default')), { apply: true }, c);
    expect(r.kind === 'ran' && r.result.outcome).toBe('not-applied');
    expect(bad.ran.map((a) => a[0])).toEqual(['stat', 'mkdir', 'readlink']);
    expect(text()).toContain('Not applied: the real path of /etc/nginx/sites-enabled/default is not a plain absolute path; nothing was changed');
    expect(text()).not.toMatch(RAW);
  });

  it('a failed rollback prints the manual steps with every host-derived piece sanitized', async () => {
    const h = host((argv) => (argv[0] === 'readlink' ? res(0, `/etc/nginx/sites-available/d\u202Eevil\n`) : argv[0] === 'cp' && argv.at(-1)!.startsWith('/etc/') ? res(1, '', 'cp: \x1b[31mdisk full\x1b[0m') : undefined));
    const { c, text } = ctx(h.ex);
    const r = await offerApply(outcome(plan(EVIL)), { apply: true }, c);
    expect(r.kind === 'ran' && r.result.outcome).toBe('rollback-failed');
    const out = text();
    expect(out).not.toMatch(RAW);
    expect(out).toContain('Rollback did not finish');
    expect(out).toMatch(/Left to do by hand, in this order:\n {2}server \(web\\u\{202e\}1\) \$ sudo cp --no-dereference '--preserve=all' -- '\/var\/backups\/tshoot\/[^ ]+\/1-d\\u\{202e\}evil' '\/etc\/nginx\/sites-available\/d\\u\{202e\}evil' {4}# Restore /);
    expect(out).toContain('Backups (kept): server (web');
  });
});

describe('Ctrl-C during an apply', () => {
  it('finding 4: the runner’s signal aborted during a step — every rollback command still runs and succeeds', async () => {
    const ctl = new AbortController();
    const h = host(undefined, (argv) => argv[0] === 'sed' && ctl.abort());
    const { c, text } = ctx(h.ex, { signal: ctl.signal });
    const r = await offerApply(outcome(plan('/etc/nginx/sites-enabled/default')), { apply: true }, c);
    expect(r.kind).toBe('ran');
    if (r.kind !== 'ran') return;
    expect(r.result).toMatchObject({ outcome: 'rolled-back', rolledBack: true, interrupted: true, reason: 'interrupted' });
    // The step that was running finished; the next one never ran; the rollback ran whole.
    expect(h.ran.slice(4).map((a) => a.join(' '))).toEqual([
      'sed -i -e s/a/b/ /etc/nginx/sites-available/default',
      `cp --no-dereference --preserve=all -- ${r.result.backups[0]!.dir}/1-default /etc/nginx/sites-available/default`,
      `cmp -- ${r.result.backups[0]!.dir}/1-default /etc/nginx/sites-available/default`,
      'readlink -e -- /etc/nginx/sites-enabled/default',
      'service nginx restart /etc/nginx/sites-available/default',
    ]);
    expect(r.result.commands.every((x) => x.ok)).toBe(true);
    expect(text()).toContain('Ctrl-C: stopping after the step that is running, then rolling back');
    expect(text()).toContain('Rolling back (this runs to its end)');
    expect(text()).toContain('✖ Rolled back: interrupted');
  });

  it('held Ctrl-C: the first stops the apply, the next during the rollback says it continues and how to finish by hand; the rollback is whole', async () => {
    let press: (() => void) | null = null;
    let released = false;
    const hold = (fn: () => void) => {
      press = fn;
      return () => {
        released = true;
      };
    };
    const h = host(undefined, (argv) => {
      if (argv[0] === 'sed') press!();
      if (argv[0] === 'cp' && argv.at(-1)!.startsWith('/etc/')) {
        press!();
        press!();
      }
    });
    const { c, text } = ctx(h.ex, { holdInterrupts: hold });
    const r = await offerApply(outcome(plan('/etc/nginx/sites-enabled/default')), { apply: true }, c);
    expect(r.kind === 'ran' && r.result.outcome).toBe('rolled-back');
    expect(released).toBe(true);
    const out = text();
    expect(out).toContain('Ctrl-C: the rollback continues to its end (Ctrl-C does not stop it). Should tshoot be killed anyway, finish by hand, in this order:');
    expect(out).toMatch(/ {2}server \(web[^)]*\) \$ sudo cp --no-dereference '--preserve=all' -- \/var\/backups\/tshoot\/\S+\/1-default \/etc\/nginx\/sites-available\/default {4}# Restore/);
    expect(out).toMatch(/\$ sudo service nginx restart \/etc\/nginx\/sites-available\/default {4}# Restart again/);
    expect(out).toContain('Ctrl-C: still rolling back…');
    expect(h.ran.map((a) => a[0])).toEqual(['stat', 'mkdir', 'readlink', 'cp', 'sed', 'cp', 'cmp', 'readlink', 'service']);
  });

  it('Ctrl-C before any step: nothing changes and no rollback runs', async () => {
    const ctl = new AbortController();
    const h = host(undefined, (argv) => argv[0] === 'cp' && ctl.abort());
    const { c, text } = ctx(h.ex, { signal: ctl.signal });
    const r = await offerApply(outcome(plan('/etc/nginx/sites-enabled/default')), { apply: true }, c);
    expect(r.kind === 'ran' && r.result).toMatchObject({ outcome: 'not-applied', interrupted: true, reason: 'interrupted before the first step; nothing was changed' });
    expect(h.ran.map((a) => a[0])).toEqual(['stat', 'mkdir', 'readlink', 'cp']);
    expect(text()).toContain('Backups (kept): server');
  });

  it('a restore that does not compare equal is a failed rollback, with the copy to put back by hand and the rollback steps after it', async () => {
    const h = host((argv) => (argv[0] === 'cmp' ? res(1, '', 'differ: byte 1, line 1') : undefined));
    const { c } = ctx(h.ex);
    const r = await offerApply(outcome(plan('/etc/nginx/sites-enabled/default')), { apply: true }, c);
    if (r.kind !== 'ran') throw new Error(r.kind);
    expect(r.result.outcome).toBe('rollback-failed');
    expect(r.result.rolledBack).toBe(false);
    expect(r.result.manual.map((m) => `${m.kind} ${m.argv[0]}`)).toEqual(['restore cp', 'check cmp', 'rollback service']);
  });

  it('the backup folder’s parents must be root’s and writable by root only', async () => {
    for (const [stat, why] of [
      ['0 41ed /\n0 41ed /var\n0 41ff /var/backups\n', '/var/backups can be written by others than root'],
      ['0 41ed /\n1000 41ed /var\n0 41ed /var/backups\n', "/var is not root's"],
      ['0 41ed /\n0 41ed /var\n0 a1ff /var/backups\n', '/var/backups is not a folder'],
      ['0 41ed /\n0 41ed /var\n0 41ed /var/backups\n0 41ed /var/backups/tshoot\n', null],
    ] as const) {
      const h = host((argv) => (argv[0] === 'stat' ? res(0, stat) : undefined));
      const { c } = ctx(h.ex);
      const r = await offerApply(outcome(plan('/etc/x')), { apply: true }, c);
      if (r.kind !== 'ran') throw new Error(r.kind);
      if (why) {
        expect(r.result.reason).toBe(`no private backup folder on server: ${why}; nothing was changed`);
        expect(h.ran.map((a) => a[0])).toEqual(['stat']);
      } else expect(h.ran.slice(0, 2).map((a) => a.join(' '))).toEqual(['stat -c %u %f %n -- / /var /var/backups /var/backups/tshoot', expect.stringMatching(/^mkdir -m 0700 -- \/var\/backups\/tshoot\/\d{8}T\d{6}-[0-9a-f]{6}$/)]);
    }
    // Missing /var/backups/tshoot is made, 0700, before the apply's own folder.
    const h = host((argv) => (argv[0] === 'stat' ? res(1, '0 41ed /\n0 41ed /var\n0 41ed /var/backups\n', "stat: cannot statx '/var/backups/tshoot': No such file or directory") : undefined));
    await offerApply(outcome(plan('/etc/x')), { apply: true }, ctx(h.ex).c);
    expect(h.ran[1]).toEqual(['mkdir', '-m', '0700', '--', '/var/backups/tshoot']);
  });
});
