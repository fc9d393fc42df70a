/**
 * Re-records the lab sessions that guard the flows (`flows/<id>/sessions/*.ndjson`) and the
 * README's example. Not part of `npm test`: run it when a flow changes on purpose and its
 * recordings no longer replay (`tshoot replay --check` says where):
 *
 *   npm run record-sessions   (as root; not part of npm test: it rewrites the fixtures)
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { up, type ScenarioName } from '../lab/lab.js';

const SESSIONS: ReadonlyArray<{ flow: string; scenario: ScenarioName; target: string; fix: string; example?: string }> = [
  { flow: 'refused', scenario: 'nginx-stopped', target: 'http://198.18.2.10/', fix: 'start-service', example: 'refused-nginx-stopped' },
  { flow: 'refused', scenario: 'nginx-loopback', target: 'http://198.18.2.10/', fix: 'bind-all-interfaces' },
  { flow: 'refused', scenario: 'nginx-other-port', target: 'http://198.18.2.10/', fix: 'port-mismatch' },
  { flow: 'refused', scenario: 'server-firewall-reject', target: 'http://198.18.2.10/', fix: 'host-firewall-reject' },
  { flow: 'not-found', scenario: 'missing-file', target: 'http://198.18.2.10/hogehoge', fix: 'wrong-path', example: 'not-found-hogehoge' },
];

describe('record flow sessions in the lab', () => {
  for (const { flow, scenario, target, fix, example } of SESSIONS) {
    it(`${flow}, ${scenario} → ${fix}`, async () => {
      const lab = await up(scenario);
      try {
        const dir = join(ROOT, 'flows', flow, 'sessions');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${scenario}.ndjson`);
        const r = await runCli(
          ['run', flow, '--target', target, '--host', 'server=server', '--ssh-config', lab.sshConfigPath, '--non-interactive', '--json', '--transcript', file],
          { prefix: lab.nsExecArgv('client'), timeoutMs: 60_000 },
        );
        expect(r.code, r.stderr).toBe(0);
        expect((JSON.parse(r.stdout) as { fix: { id: string } }).fix.id).toBe(fix);
        expect(readFileSync(file, 'utf8')).toContain(`"id":"${fix}"`);
        if (example) copyFileSync(file, join(ROOT, 'examples', `${example}.ndjson`));
      } finally {
        await lab.down();
      }
    });
  }
});
