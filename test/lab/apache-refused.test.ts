/**
 * Apache httpd on 127.0.0.1:80 only (the lab's `apache-loopback` fault, real Debian apache2 in the
 * server namespace, nginx stopped but configured for *:80): `tshoot diagnose` from the client
 * concludes bind-all-interfaces on Apache's own Listen line, asking nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { up, type Lab } from './lab.js';
import { LAB_ENABLED } from './enabled.js';

const canRun = LAB_ENABLED;

interface Out {
  outcome: string;
  fix: { id: string; summary: string } | null;
  evidence: Array<{ role: string; command: string; lines: string[] }>;
  questions: number;
  commands: number;
}
/** The card as the transcript's outcome event has it. */
interface Card {
  config: string;
  fix: string[];
  verify: string[];
}

describe.runIf(canRun)('refused: Apache on loopback, in the lab', () => {
  let lab: Lab;
  let tmp: string;
  beforeAll(async () => {
    lab = await up('apache-loopback');
    tmp = mkdtempSync(join(tmpdir(), 'tshoot-apache-'));
  });
  afterAll(async () => {
    await lab?.down();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('Apache on 127.0.0.1:80, the client uses 198.18.2.10 → bind-all-interfaces on its Listen line', async () => {
    const r = await runCli(['diagnose', 'http://198.18.2.10/', '--host', 'server=server', '--ssh-config', lab.sshConfigPath, '--non-interactive', '--json', '--transcript', join(tmp, 'run.ndjson')], { prefix: lab.nsExecArgv('client'), timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.fix?.id).toBe('bind-all-interfaces');
    expect(out.questions).toBe(0);
    // The card names Apache's Listen line (as the server sees it, /etc/apache2) and Apache's commands, not nginx's.
    const last = readFileSync(join(tmp, 'run.ndjson'), 'utf8').trim().split('\n').at(-1)!;
    const card = (JSON.parse(last) as { fix: Card }).fix;
    expect(card.config).toMatch(/^\/etc\/apache2\/apache2\.conf:\d+$/);
    expect(card.fix[0]).toBe(`In ${card.config} change \`Listen 127.0.0.1:80\` to \`Listen 80\` (all addresses, IPv4 and IPv6)`);
    // PID 1 in the lab's namespaces is not systemd: the card says how to restart without it.
    expect(card.fix[1]).toBe('sudo apache2ctl configtest && sudo systemctl restart apache2 (without systemd: sudo service apache2 restart)');
    expect(JSON.stringify(card)).not.toContain('nginx');
    const lines = out.evidence.flatMap((e) => e.lines);
    expect(lines.some((l) => l.includes('127.0.0.1:80') && l.includes('apache2'))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^\/etc\/apache2\/apache2\.conf:\d+: Listen 127\.0\.0\.1:80$/));
    console.log(`[lab] apache on loopback: ${out.fix?.id}; questions ${out.questions}; commands ${out.commands}; ${card.fix.join(' / ')}`);
  });
});
