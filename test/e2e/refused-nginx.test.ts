/**
 * End to end on this machine: the built CLI diagnoses a real nginx (Debian nginx-light) that
 * the test starts — once stopped, once on another port. Each run is in namespaces of its own
 * (unshare: network, PID, /proc): its loopback and ports are its own, so no other listener on
 * this machine takes them, and its `ps` and `ss` see only the nginx it started — not another
 * nginx running here (issue 18). Its nginx ends with it (the namespace's first process).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteArgv } from '../../src/exec/shell-quote.js';
import { runCli } from '../helpers/run-cli.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
/** The port the client uses, and the one nginx listens on: in the test's own network namespace. */
const TARGET = 8080;
const OTHER = 8081;

describe.runIf((NGINX && process.getuid?.() === 0) || process.env.CI)('refused, end to end against a real nginx', () => {
  let dir: string;
  let conf: string;

  /** `tshoot ARGS` in fresh namespaces, loopback up, after `before` (argv lines) ran there. */
  const isolated = (args: readonly string[], before: ReadonlyArray<readonly string[]> = []) =>
    runCli(args, {
      prefix: ['unshare', '--net', '--pid', '--fork', '--mount-proc', 'sh', '-ec', [['ip', 'link', 'set', 'lo', 'up'], ...before].map(quoteArgv).concat('exec "$@"').join('\n'), 'sh'],
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tshoot-nginx-'));
    conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      [
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        'events { worker_connections 64; }',
        'http {',
        `  access_log ${dir}/access.log;`,
        '  server {',
        `    listen 127.0.0.1:${OTHER};`,
        `    root ${dir};`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('nginx stopped, and the configuration it would start with does not take the port → no fix card, the reason said', async () => {
    // A stopped nginx is read with its default configuration (nothing says which -c it would be
    // started with): that one listens on 80, not on this test's port, so "start it" would not help.
    const r = await isolated(['run', 'refused', '--non-interactive', '--json', '--target', `http://127.0.0.1:${TARGET}/`]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { outcome: string; fix: null; unresolved: { node: string; checked: string[] } | undefined; questions: number; commands: number };
    expect(out.outcome).toBe('unresolved');
    expect(JSON.stringify(out)).toContain(`would not take 127.0.0.1:${TARGET}`);
    expect(out.questions).toBe(0);
    expect(out.commands).toBeGreaterThanOrEqual(4);
  });

  it('nginx listening on another port → port-mismatch, naming the port and the config line', async () => {
    const r = await isolated(['run', 'refused', '--non-interactive', '--json', '--target', `http://127.0.0.1:${TARGET}/`], [[NGINX!, '-c', conf]]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { fix: { id: string; summary: string }; evidence: Array<{ command: string; lines: string[] }>; questions: number };
    expect(out.fix.id).toBe('port-mismatch');
    expect(out.fix.summary).toBe(`nginx runs and listens on 127.0.0.1:${OTHER}, not on port ${TARGET} that the client uses.`);
    expect(out.evidence.find((e) => e.command.startsWith('nginx -T'))).toEqual({ role: 'server', command: `nginx -T -c ${conf}`, lines: [`${conf}:8: listen 127.0.0.1:${OTHER};`] });
    expect(out.questions).toBe(0);
    expect(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim()).toMatch(/^\d+$/);
  });
});
