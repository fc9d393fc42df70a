/**
 * End to end on this machine: the built CLI diagnoses a real nginx (Debian nginx-light)
 * that the test starts on free loopback ports — once stopped, once on another port.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describe.runIf(NGINX || process.env.CI)('refused, end to end against a real nginx', () => {
  let dir: string;
  let conf: string;
  let target: number;
  let other: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tshoot-nginx-'));
    target = await freePort();
    other = await freePort();
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
        `    listen 127.0.0.1:${other};`,
        `    root ${dir};`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  afterAll(() => {
    if (existsSync(join(dir, 'nginx.pid'))) {
      try {
        execFileSync(NGINX!, ['-c', conf, '-s', 'stop']);
      } catch {
        /* already stopped */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('nginx stopped, and the configuration it would start with does not take the port → no fix card, the reason said', async () => {
    // A stopped nginx is read with its default configuration (nothing says which -c it would be
    // started with): that one listens on 80, not on this test's port, so "start it" would not help.
    const r = await runCli(['run', 'refused', '--non-interactive', '--json', '--target', `http://127.0.0.1:${target}/`]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { outcome: string; fix: null; unresolved: { node: string; checked: string[] } | undefined; questions: number; commands: number };
    expect(out.outcome).toBe('unresolved');
    expect(JSON.stringify(out)).toContain(`would not take 127.0.0.1:${target}`);
    expect(out.questions).toBe(0);
    expect(out.commands).toBeGreaterThanOrEqual(4);
  });

  it('nginx listening on another port → port-mismatch, naming the port and the config line', async () => {
    execFileSync(NGINX!, ['-c', conf]);
    const r = await runCli(['run', 'refused', '--non-interactive', '--json', '--target', `http://127.0.0.1:${target}/`]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { fix: { id: string; summary: string }; evidence: Array<{ command: string; lines: string[] }>; questions: number };
    expect(out.fix.id).toBe('port-mismatch');
    expect(out.fix.summary).toBe(`nginx runs and listens on 127.0.0.1:${other}, not on port ${target} that the client uses.`);
    expect(out.evidence.find((e) => e.command.startsWith('nginx -T'))).toEqual({ role: 'server', command: `nginx -T -c ${conf}`, lines: [`${conf}:8: listen 127.0.0.1:${other};`] });
    expect(out.questions).toBe(0);
    expect(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim()).toMatch(/^\d+$/);
  });
});
