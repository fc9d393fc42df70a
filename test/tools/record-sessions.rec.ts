/**
 * Re-records the lab sessions that guard the flows (`flows/<id>/sessions/*.ndjson`) and the
 * README's example. Not part of `npm test`: run it when a flow changes on purpose and its
 * recordings no longer replay (`tshoot replay --check` says where):
 *
 *   npm run record-sessions   (as root; not part of npm test: it rewrites the fixtures)
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { up, type ScenarioName } from '../lab/lab.js';

interface Session {
  /** The flow run (`triage` is run through `diagnose`). */
  flow: string;
  scenario: ScenarioName;
  target: string;
  /** The fix id it must reach, or `end:NODE` for an unresolved end. */
  fix: string;
  /** The file name under flows/<flow>/sessions/ (default: the scenario). */
  name?: string;
  hosts?: string[];
  answers?: Record<string, string>;
  example?: string;
}

const VIA_BASTION = ['server=server-direct', 'bastion=bastion'];
const CONSOLE_TARGET = '198.18.2.10:22';

const SESSIONS: readonly Session[] = [
  { flow: 'refused', scenario: 'nginx-stopped', target: 'http://198.18.2.10/', fix: 'start-service', example: 'refused-nginx-stopped' },
  { flow: 'refused', scenario: 'nginx-loopback', target: 'http://198.18.2.10/', fix: 'bind-all-interfaces' },
  { flow: 'refused', scenario: 'nginx-other-port', target: 'http://198.18.2.10/', fix: 'port-mismatch' },
  { flow: 'refused', scenario: 'server-firewall-reject', target: 'http://198.18.2.10/', fix: 'host-firewall-reject' },
  { flow: 'not-found', scenario: 'missing-file', target: 'http://198.18.2.10/hogehoge', fix: 'wrong-path', example: 'not-found-hogehoge' },
  { flow: 'not-found', scenario: 'apache-missing-file', target: 'http://198.18.2.10/hogehoge', fix: 'wrong-path' },
  { flow: 'not-found', scenario: 'wrong-host', target: 'http://198.18.2.10/guide.html', fix: 'wrong-host' },
  { flow: 'not-found', scenario: 'healthy', name: 'nothing-similar', target: 'http://198.18.2.10/quarterly-report.pdf', fix: 'missing-file' },
  { flow: 'timeout', scenario: 'cloud-drop', target: 'http://198.18.2.10/', fix: 'open-security-group' },
  { flow: 'timeout', scenario: 'server-firewall-drop', target: 'http://198.18.2.10/', fix: 'open-host-firewall' },
  { flow: 'timeout', scenario: 'no-return-route', target: 'http://198.18.2.10/', hosts: VIA_BASTION, fix: 'server-unreachable' },
  { flow: 'timeout', scenario: 'no-return-route', name: 'no-return-route-direct', target: 'http://198.18.2.10/', fix: 'server-unreachable' },
  { flow: 'console-connect', scenario: 'sshd-stopped', target: CONSOLE_TARGET, fix: 'start-sshd' },
  { flow: 'console-connect', scenario: 'no-return-route', target: CONSOLE_TARGET, hosts: VIA_BASTION, fix: 'add-igw-route' },
  { flow: 'console-connect', scenario: 'bastion-only', name: 'no-igw-route', target: CONSOLE_TARGET, hosts: VIA_BASTION, answers: { igw_route: 'no' }, fix: 'add-igw-route' },
  { flow: 'console-connect', scenario: 'bastion-only', name: 'no-public-ip', target: CONSOLE_TARGET, hosts: VIA_BASTION, answers: { igw_route: 'yes', public_ip: 'no' }, fix: 'assign-public-ip' },
  { flow: 'console-connect', scenario: 'bastion-only', name: 'sg-without-ssh', target: CONSOLE_TARGET, hosts: VIA_BASTION, answers: { igw_route: 'yes', public_ip: 'yes', sg_ssh: 'no' }, fix: 'open-ssh-in-security-group' },
  { flow: 'console-connect', scenario: 'bastion-only', name: 'nacl-blocks', target: CONSOLE_TARGET, hosts: VIA_BASTION, answers: { igw_route: 'yes', public_ip: 'yes', sg_ssh: 'yes', nacl: 'no' }, fix: 'fix-network-acl' },
  { flow: 'triage', scenario: 'nginx-stopped', target: 'http://198.18.2.10/', fix: 'start-service' },
  { flow: 'triage', scenario: 'cloud-drop', target: 'http://198.18.2.10/', fix: 'open-security-group' },
  { flow: 'triage', scenario: 'missing-file', target: 'http://198.18.2.10/hogehoge', fix: 'wrong-path' },
  // The paths that end without a fix: each is a real outcome a user meets.
  { flow: 'triage', scenario: 'healthy', name: 'ok-http', target: 'http://198.18.2.10/', fix: 'end:ok' },
  { flow: 'triage', scenario: 'healthy', name: 'ok-tcp', target: '198.18.2.10:80', fix: 'end:ok' },
  { flow: 'refused', scenario: 'port-conflict', target: 'http://198.18.2.10/', fix: 'port-conflict' },
  { flow: 'refused', scenario: 'nginx-bad-config', target: 'http://198.18.2.10/', fix: 'fix-service-config' },
  { flow: 'refused', scenario: 'apache-loopback', target: 'http://198.18.2.10/', fix: 'bind-all-interfaces' },
  // nginx is stopped but listens on 80 once started: starting it would not make :8080 answer.
  { flow: 'refused', scenario: 'nginx-stopped', name: 'stopped-other-port', target: 'http://198.18.2.10:8080/', fix: 'end:not_started' },
  { flow: 'refused', scenario: 'healthy', name: 'works-now', target: 'http://198.18.2.10/', fix: 'end:works_now' },
  { flow: 'refused', scenario: 'nginx-stopped', name: 'tcp-target', target: '198.18.2.10:80', fix: 'start-service' },
  { flow: 'timeout', scenario: 'cloud-drop', name: 'tcp-target', target: '198.18.2.10:80', fix: 'open-security-group' },
  { flow: 'timeout', scenario: 'nginx-stopped', name: 'refused-instead', target: 'http://198.18.2.10/', fix: 'start-service' },
  // Started for the wrong symptom, the flow goes on with the one for what it finds (issue 16).
  { flow: 'not-found', scenario: 'healthy', name: 'not-404', target: 'http://198.18.2.10/', fix: 'end:ok' },
  { flow: 'not-found', scenario: 'nginx-stopped', name: 'refused-instead', target: 'http://198.18.2.10/hogehoge', fix: 'start-service' },
  // Port 22 answers this machine, the security group does not let the console in (the answer).
  { flow: 'console-connect', scenario: 'healthy', name: 'sg-lets-this-machine-only', target: CONSOLE_TARGET, answers: { sg_ssh: 'no' }, fix: 'open-ssh-in-security-group' },
];

describe('record flow sessions in the lab', () => {
  for (const { flow, scenario, target, fix, example, name, hosts, answers } of SESSIONS) {
    it(`${flow}, ${name ?? scenario} → ${fix}`, async () => {
      const lab = await up(scenario);
      try {
        const dir = join(ROOT, 'flows', flow, 'sessions');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${name ?? scenario}.ndjson`);
        const args = ['run', flow, '--target', target, ...(hosts ?? ['server=server']).flatMap((h) => ['--host', h]), '--ssh-config', lab.sshConfigPath, '--non-interactive', '--json', '--transcript', file];
        if (answers) {
          const a = join(lab.dir, 'answers.yaml');
          writeFileSync(a, Object.entries(answers).map(([k, v]) => `${k}: ${v}\n`).join(''));
          args.push('--answers', a);
        }
        const r = await runCli(args, { prefix: lab.nsExecArgv('client'), timeoutMs: 90_000 });
        const out = JSON.parse(r.stdout) as { fix: { id: string } | null };
        if (fix.startsWith('end:')) {
          expect(r.code, r.stderr).toBe(1);
          expect(readFileSync(file, 'utf8')).toContain(`"node":"${fix.slice(4)}"`);
        } else {
          expect(r.code, r.stderr).toBe(0);
          expect(out.fix?.id).toBe(fix);
          expect(readFileSync(file, 'utf8')).toContain(`"id":"${fix}"`);
        }
        if (example) copyFileSync(file, join(ROOT, 'examples', `${example}.ndjson`));
      } finally {
        await lab.down();
      }
    });
  }
});
