/**
 * Apply and rollback against a real nginx in the lab, with the shipped refused flow's plans.
 * The diagnosis runs in this process (runSession) with an executor that runs each command in
 * the role's namespace (`ip netns exec`), so a test can press "Ctrl-C" (abort the signal)
 * exactly before, during or after any command. After each apply the host must be as before
 * — every file under /etc/nginx byte for byte (symlinks as symlinks), the listeners, nginx's
 * process state, `nginx -t` — or the outcome must say what is left and how to undo it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFix, BACKUP_ROOT, type ApplyResult } from '../../src/engine/apply.js';
import type { Executors, Reporter } from '../../src/engine/ports.js';
import { runSession } from '../../src/engine/runner.js';
import type { ApplyPlan } from '../../src/engine/types.js';
import { runLocal } from '../../src/exec/local.js';
import { parseTarget } from '../../src/cli/target.js';
import { builtinFlowsDir, loadCatalog, type Catalog } from '../../src/flow/catalog.js';
import { up, type HostName, type Lab } from '../lab/lab.js';

const canRun = process.getuid?.() === 0 || !!process.env.CI;
const quiet: Reporter = { commandsStart: () => {}, show: () => {} };

/** Each role's commands run in its namespace (the CLI would be in the client's, with ssh to the server). */
function nsExecutors(lab: Lab): Executors {
  const host = (role: string): HostName => (role === 'server' ? 'server' : role === 'bastion' ? 'bastion' : 'client');
  return {
    run: (role, cmd, signal) => runLocal({ ...cmd, argv: [...lab.nsExecArgv(host(role)), ...cmd.argv] }, signal),
    dest: (role) => (role === 'server' ? 'server' : 'local'),
    close: async () => {},
  };
}

type When = 'before' | 'during' | 'after';

/**
 * Aborts `ctl` at the `at`-th command (0-based) or the first whose argv `at` matches: as it is
 * asked to run, right after it started, or once it ended.
 */
function ctrlCAt(inner: Executors, ctl: AbortController, at: number | ((argv: readonly string[]) => boolean), when: When) {
  let i = 0;
  const seen = { reached: false };
  const ex: Executors = {
    ...inner,
    run: async (role, cmd, signal) => {
      const hit = !seen.reached && (typeof at === 'number' ? i === at : at(cmd.argv));
      i++;
      if (hit) seen.reached = true;
      if (hit && when === 'before') ctl.abort();
      const p = inner.run(role, cmd, signal);
      if (hit && when === 'during') ctl.abort();
      const r = await p;
      if (hit && when === 'after') ctl.abort();
      return r;
    },
  };
  return { ex, seen };
}

/** The shipped flows. */
function catalog(): { cat: Catalog } {
  return { cat: loadCatalog([builtinFlowsDir()]) };
}

describe.runIf(canRun)('apply and rollback in the lab (real nginx)', () => {
  let lab: Lab;
  let nginxDir: string;
  let ex: Executors;
  const made: string[] = [];
  beforeAll(async () => {
    lab = await up('healthy');
    nginxDir = dirname(lab.nginx.confPath);
    ex = nsExecutors(lab);
  }, 60_000);
  afterAll(async () => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
    await lab?.down();
  });

  /** Every file under the lab's /etc/nginx: type, bytes (sha256) or link target, mode. */
  const files = (): Record<string, string> => {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const name of readdirSync(d).sort()) {
        const p = join(d, name);
        const st = lstatSync(p);
        const rel = p.slice(nginxDir.length);
        if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(p)}`;
        else if (st.isDirectory()) walk(p);
        else out[rel] = `file ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      }
    };
    walk(nginxDir);
    return out;
  };
  const listeners = async () =>
    (await lab.exec('server', ['ss', '-Hltn'])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3])
      .filter((a): a is string => !!a)
      .sort();
  /** Is an nginx master running as root, from the lab's pid file. */
  const nginxState = () => {
    try {
      const pid = Number(readFileSync(lab.nginx.pidFile, 'utf8').trim());
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return statSync(`/proc/${pid}`).uid === 0 && cmd.startsWith('nginx: master process') ? 'running' : `odd: ${cmd}`;
    } catch {
      return 'stopped';
    }
  };
  const host = async () => ({ files: files(), listeners: await listeners(), nginx: nginxState() });
  const configTest = async () => (await lab.exec('server', ['nginx', '-t', '-c', '/etc/nginx/nginx.conf'])).code;
  const status = async () => (await lab.exec('client', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', 'http://198.18.2.10/'])).stdout;

  /** The fix the shipped refused flow reaches now, with its apply plan. */
  const diagnose = async (cat: Catalog): Promise<{ id: string; plan: ApplyPlan }> => {
    const end = await runSession(cat, { kind: 'start', flow: 'refused', target: parseTarget('http://198.18.2.10/'), hosts: { client: 'local', server: 'server', bastion: '' }, lang: 'en' }, {
      prompter: {
        ask: (q) => {
          throw new Error(`no question expected: ${q.id}`);
        },
      },
      executors: ex,
      reporter: quiet,
    });
    if (end.outcome.kind !== 'fix' || !end.outcome.fix.apply) throw new Error(`no fix to apply: ${JSON.stringify(end.outcome).slice(0, 400)}`);
    return { id: end.outcome.fix.id, plan: end.outcome.fix.apply };
  };
  let n = 0;
  const apply = async (plan: ApplyPlan, executors: Executors, signal?: AbortSignal): Promise<ApplyResult> => {
    const r = await applyFix(plan, { executors, reporter: quiet, ...(signal ? { signal } : {}) }, `t${process.pid}-${++n}`);
    for (const b of r.backups) made.push(b.dir);
    return r;
  };

  /**
   * nginx.conf also includes sites-enabled/*, where `default` is a symlink into sites-available/
   * (as Debian has it) that listens on 127.0.0.1:80 only: bind-all-interfaces edits it.
   */
  const includeFolderSite = async () => {
    await lab.inject('nginx-stopped');
    const conf = readFileSync(lab.nginx.confPath, 'utf8');
    if (!conf.includes('include sites-enabled/*;')) writeFileSync(lab.nginx.confPath, conf.replace('    include conf.d/*.conf;\n', '    include conf.d/*.conf;\n    include sites-enabled/*;\n'));
    const site = readFileSync(lab.nginx.siteConfPath, 'utf8').replace(/listen [^;]+;/, 'listen 127.0.0.1:80 default_server;');
    writeFileSync(join(nginxDir, 'conf.d', 'server.conf'), '# moved to sites-available/default\n');
    for (const d of ['sites-available', 'sites-enabled']) rmSync(join(nginxDir, d), { recursive: true, force: true });
    mkdirSync(join(nginxDir, 'sites-available'));
    mkdirSync(join(nginxDir, 'sites-enabled'));
    writeFileSync(join(nginxDir, 'sites-available', 'default'), site);
    // Absolute, as on Debian: /etc/nginx is the lab's folder inside the server namespace.
    symlinkSync('/etc/nginx/sites-available/default', join(nginxDir, 'sites-enabled', 'default'));
    await lab.heal('nginx-stopped');
    expect(await listeners()).toContain('127.0.0.1:80');
  };

  describe('an include-folder site (sites-enabled/default → sites-available/default)', () => {
    let plan: ApplyPlan;
    let before: Awaited<ReturnType<typeof host>>;
    let saved: [string, string][] = [];
    beforeAll(async () => {
      saved = [lab.nginx.confPath, lab.nginx.siteConfPath].map((f) => [f, readFileSync(f, 'utf8')]);
      await includeFolderSite();
      const d = await diagnose(catalog().cat);
      expect(d.id).toBe('bind-all-interfaces');
      plan = d.plan;
      expect(plan.steps[0]!.backup).toBe('/etc/nginx/sites-enabled/default');
      before = await host();
      expect(before.nginx).toBe('running');
      expect(before.files['/sites-enabled/default']).toBe('link /etc/nginx/sites-available/default');
    }, 120_000);
    afterAll(async () => {
      // The lab's own layout again (conf.d/server.conf, listen 80) for the tests after these.
      await lab.inject('nginx-stopped');
      for (const [f, text] of saved) writeFileSync(f, text);
      for (const d of ['sites-available', 'sites-enabled']) rmSync(join(nginxDir, d), { recursive: true, force: true });
      await lab.heal('nginx-stopped');
    }, 60_000);

    /** Back to the broken state after a verified apply: the copy is the file as it was. */
    const unfix = async (r: ApplyResult) => {
      copyFileSync(join(r.backups[0]!.dir, '1-default'), join(nginxDir, 'sites-available', 'default'));
      await lab.inject('nginx-stopped');
      await lab.heal('nginx-stopped');
    };

    it('an apply that fails verification rolls back: nginx -t passes, the link is a link, no backup in the config tree, bytes identical', async () => {
      // The client's requests are refused from the moment the check starts: the fix cannot verify.
      const walled: Executors = {
        ...ex,
        run: async (role, cmd, signal) => {
          if (cmd.id.endsWith('.check.1')) await lab.inject('server-firewall-reject');
          return ex.run(role, cmd, signal);
        },
      };
      let r: ApplyResult;
      try {
        r = await apply(plan, walled);
      } finally {
        await lab.heal('server-firewall-reject');
      }
      expect(r.outcome, JSON.stringify(r.commands, null, 1)).toBe('rolled-back');
      expect(r.rolledBack).toBe(true);
      expect(r.reason).toMatch(/^the check still fails after the fix/);
      // The edit went to the link's target, through the real path.
      const sed = r.commands.find((c) => c.argv[0] === 'sed')!;
      expect(sed.argv.at(-1)).toBe('/etc/nginx/sites-available/default');
      expect(await configTest()).toBe(0);
      expect(await host()).toEqual(before);
      expect(readdirSync(join(nginxDir, 'sites-enabled'))).toEqual(['default']);
      expect(readdirSync(join(nginxDir, 'sites-available'))).toEqual(['default']);
      // The copy is in a private root folder outside /etc.
      expect(r.backups).toHaveLength(1);
      const dir = r.backups[0]!.dir;
      expect(dir.startsWith(`${BACKUP_ROOT}/`)).toBe(true);
      const st = statSync(dir);
      expect([st.uid, st.mode & 0o777]).toEqual([0, 0o700]);
      expect(readdirSync(dir)).toEqual(['1-default']);
      expect(readFileSync(join(dir, '1-default'))).toEqual(readFileSync(join(nginxDir, 'sites-available', 'default')));
      expect(r.commands.map((c) => c.title)).toContain('Compare /etc/nginx/sites-available/default with its copy');
    }, 60_000);

    it('a successful apply verifies: the client gets an answer, and the link is still a link', async () => {
      expect(await status()).not.toBe('200');
      const r = await apply(plan, ex);
      try {
        expect(r.outcome, JSON.stringify(r.commands, null, 1)).toBe('verified');
        expect(await status()).toBe('200');
        expect(lstatSync(join(nginxDir, 'sites-enabled', 'default')).isSymbolicLink()).toBe(true);
        expect(readlinkSync(join(nginxDir, 'sites-enabled', 'default'))).toBe('/etc/nginx/sites-available/default');
        expect(readFileSync(join(nginxDir, 'sites-available', 'default'), 'utf8')).toContain('listen 0.0.0.0:80 default_server;');
        expect(readdirSync(join(nginxDir, 'sites-enabled'))).toEqual(['default']);
      } finally {
        await unfix(r);
      }
      expect(await host()).toEqual(before);
    }, 60_000);

    it('Ctrl-C before, during and after each command: rolled back (or never started), and the host is as before', async () => {
      const seen: string[] = [];
      let commands = 0;
      for (let at = 0; at < 20; at++) {
        let reached = false;
        for (const when of ['before', 'during', 'after'] as const) {
          const ctl = new AbortController();
          const { ex: inj, seen: s } = ctrlCAt(ex, ctl, at, when);
          const r = await apply(plan, inj, ctl.signal);
          reached = s.reached;
          if (!reached) {
            // Past the last command: nothing interrupted it.
            expect(r.outcome).toBe('verified');
            await unfix(r);
            break;
          }
          const label = `Ctrl-C ${when} command ${at} (${r.commands[at]?.title ?? '?'}): ${r.outcome}`;
          seen.push(label);
          expect(r.interrupted, label).toBe(true);
          expect(['rolled-back', 'not-applied'], `${label}: ${r.reason}`).toContain(r.outcome);
          if (r.outcome === 'not-applied') expect(r.commands.some((c) => c.argv[0] === 'sed'), label).toBe(false);
          expect(await host(), label).toEqual(before);
          expect(await configTest(), label).toBe(0);
        }
        if (!reached) {
          commands = at;
          break;
        }
      }
      // stat, mkdir, readlink, cp, sed, nginx -t, restart, check (+ mkdir of the root the first time ever)
      expect(commands).toBeGreaterThanOrEqual(8);
      expect(seen.filter((l) => l.endsWith('rolled-back')).length).toBeGreaterThanOrEqual(3 * 4);
    }, 300_000);

    it('the rollback also tests the restored configuration', async () => {
      const d = await diagnose(catalog().cat);
      expect(d.plan.rollback.map((s) => s.argv.slice(0, 2).join(' '))).toEqual(['nginx -t', 'service nginx']);
      const ctl = new AbortController();
      const { ex: inj } = ctrlCAt(ex, ctl, (argv) => argv.includes('restart'), 'during');
      const r = await apply(d.plan, inj, ctl.signal);
      expect(r.outcome).toBe('rolled-back');
      expect(r.commands.filter((c) => c.title === 'Test the restored configuration').map((c) => c.ok)).toEqual([true]);
      expect(await host()).toEqual(before);
    }, 60_000);
  });

  describe('nginx stopped: start-service', () => {
    let before: Awaited<ReturnType<typeof host>>;
    beforeAll(async () => {
      await lab.inject('nginx-stopped');
      before = await host();
      expect(before.nginx).toBe('stopped');
    }, 60_000);
    afterAll(async () => {
      await lab.heal('nginx-stopped').catch(() => {});
    });

    it('a plan without rollback steps: Ctrl-C after the start says what is left — nginx started — and how to undo it', async () => {
      const shipped = await diagnose(catalog().cat);
      expect(shipped.id).toBe('start-service');
      const d = { ...shipped, plan: { ...shipped.plan, rollback: [] } };
      const ctl = new AbortController();
      const { ex: inj } = ctrlCAt(ex, ctl, 0, 'after');
      const r = await apply(d.plan, inj, ctl.signal);
      try {
        expect(r.outcome).toBe('rollback-failed');
        expect(r.rolledBack).toBe(false);
        expect(r.manual).toEqual([{ kind: 'undo', role: 'server', root: true, title: d.plan.steps[0]!.title, argv: d.plan.steps[0]!.argv }]);
        expect(r.reason).toBe(`interrupted; the rollback did not finish: nothing undoes "${d.plan.steps[0]!.title}"`);
        // What it says is left is what is left.
        expect(nginxState()).toBe('running');
      } finally {
        // The lab still counts nginx as stopped: heal (finds it running) and stop it again.
        await lab.heal('nginx-stopped');
        await lab.inject('nginx-stopped');
      }
      expect(await host()).toEqual(before);
    }, 60_000);

    it('Ctrl-C before, during and after the start stops nginx again; the host is as before', async () => {
      {
        const d = await diagnose(catalog().cat);
        expect(d.id).toBe('start-service');
        for (const when of ['before', 'during', 'after'] as const) {
          const ctl = new AbortController();
          const { ex: inj } = ctrlCAt(ex, ctl, 0, when);
          const r = await apply(d.plan, inj, ctl.signal);
          expect(r.outcome, `${when}: ${r.reason}`).toBe('rolled-back');
          expect(r.commands.map((c) => c.title), when).toEqual([d.plan.steps[0]!.title, d.plan.rollback[0]!.title]);
          expect(await host(), when).toEqual(before);
        }
        // And after the check: verified is not the end when Ctrl-C came first.
        const ctl = new AbortController();
        const { ex: inj } = ctrlCAt(ex, ctl, 1, 'after');
        const r = await apply(d.plan, inj, ctl.signal);
        expect(r.outcome).toBe('rolled-back');
        expect(r.commands[1]!.ok).toBe(true);
        expect(await host()).toEqual(before);
      }
    }, 120_000);
  });
});
