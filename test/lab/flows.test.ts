/**
 * The seed's faults, end to end: `tshoot diagnose` from the client host reaches each fix of
 * the catalogue, with the lab's hosts as `--host` destinations. No answers file where SSH to
 * the server works (and then no question asked); console questions from an answers file
 * only where no host can show the answer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinFlowsDir, loadCatalog } from '../../src/flow/catalog.js';
import { runCli } from '../helpers/run-cli.js';
import { up, type FaultName, type Lab } from './lab.js';
import { LAB_ENABLED } from './enabled.js';

const canRun = LAB_ENABLED;

interface Out {
  flow: string;
  outcome: string;
  fix: { id: string; summary: string } | null;
  evidence: Array<{ role: string; command: string; lines: string[] }>;
  questions: number;
  commands: number;
  ssh?: { handshakes: Record<string, number> };
}

interface Scenario {
  name: string;
  fault?: FaultName;
  args: string[];
  hosts: string[];
  answers?: Record<string, string>;
  fix: string;
  /** Done before the run, undone after. */
  setup?: (lab: Lab) => () => void;
}

const CONSOLE = ['--error', 'Failed to connect to your instance', '--target', '198.18.2.10'];
const VIA_BASTION = ['server=server-direct', 'bastion=bastion'];

const scenarios: Scenario[] = [
  { name: 'nginx stopped', fault: 'nginx-stopped', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'start-service' },
  { name: 'nginx stopped, its config broken', fault: 'nginx-bad-config', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'fix-service-config' },
  { name: 'nginx stopped, python holds 127.0.0.1:80', fault: 'port-conflict', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'port-conflict' },
  { name: 'nginx on 127.0.0.1:80', fault: 'nginx-loopback', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'bind-all-interfaces' },
  { name: 'nginx on :8080', fault: 'nginx-other-port', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'port-mismatch' },
  { name: 'REJECT in the server firewall', fault: 'server-firewall-reject', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'host-firewall-reject' },
  { name: 'DROP in the cloud router', fault: 'cloud-drop', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'open-security-group' },
  { name: 'DROP in the server firewall', fault: 'server-firewall-drop', args: ['http://198.18.2.10/'], hosts: ['server=server'], fix: 'open-host-firewall' },
  { name: 'no return route (via the bastion)', fault: 'no-return-route', args: ['http://198.18.2.10/'], hosts: VIA_BASTION, fix: 'server-unreachable' },
  { name: 'GET /hogehoge, only fugafuga', fault: 'missing-file', args: ['http://198.18.2.10/hogehoge'], hosts: ['server=server'], fix: 'wrong-path' },
  { name: 'Apache instead of nginx: GET /hogehoge, only fugafuga', fault: 'apache-missing-file', args: ['http://198.18.2.10/hogehoge'], hosts: ['server=server'], fix: 'wrong-path' },
  { name: 'GET a file nothing resembles', args: ['http://198.18.2.10/quarterly-report.pdf'], hosts: ['server=server'], fix: 'missing-file' },
  { name: 'GET /guide.html, served by another server block (docs.lab.invalid)', fault: 'wrong-host', args: ['http://198.18.2.10/guide.html'], hosts: ['server=server'], fix: 'wrong-host' },
  {
    name: 'GET a file that sits outside the root',
    args: ['http://198.18.2.10/annual-report.pdf'],
    hosts: ['server=server'],
    fix: 'wrong-document-root',
    setup: (lab) => {
      const file = join(dirname(lab.nginx.docroot), 'old-site', 'annual-report.pdf');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '%PDF-1.4\n');
      return () => rmSync(dirname(file), { recursive: true, force: true });
    },
  },
  { name: 'console: sshd stopped', fault: 'sshd-stopped', args: CONSOLE, hosts: ['server=server'], fix: 'start-sshd' },
  { name: 'console: no default route (via the bastion)', fault: 'no-return-route', args: CONSOLE, hosts: VIA_BASTION, fix: 'add-igw-route' },
  { name: 'console: no igw route in the subnet', fault: 'bastion-only', args: CONSOLE, hosts: VIA_BASTION, answers: { igw_route: 'no' }, fix: 'add-igw-route' },
  { name: 'console: no public IPv4', fault: 'bastion-only', args: CONSOLE, hosts: VIA_BASTION, answers: { igw_route: 'yes', public_ip: 'no' }, fix: 'assign-public-ip' },
  { name: 'console: SG without SSH', fault: 'bastion-only', args: CONSOLE, hosts: VIA_BASTION, answers: { igw_route: 'yes', public_ip: 'yes', sg_ssh: 'no' }, fix: 'open-ssh-in-security-group' },
  { name: 'console: NACL blocks', fault: 'bastion-only', args: CONSOLE, hosts: VIA_BASTION, answers: { igw_route: 'yes', public_ip: 'yes', sg_ssh: 'yes', nacl: 'no' }, fix: 'fix-network-acl' },
];

/** Questions about the cloud: no host the lab (or tshoot) reaches can answer them. */
const CLOUD_QUESTIONS = new Set(['igw_route', 'public_ip', 'sg_ssh', 'nacl', 'sg_allows']);

describe.runIf(canRun)('the catalogue in the lab, through tshoot diagnose', () => {
  let lab: Lab;
  let tmp: string;
  const reached = new Set<string>();

  beforeAll(async () => {
    lab = await up('healthy');
    tmp = mkdtempSync(join(tmpdir(), 'tshoot-flows-'));
  });
  afterAll(async () => {
    await lab?.down();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const s of scenarios) {
    it(`${s.name} → ${s.fix}`, async () => {
      if (s.fault) await lab.inject(s.fault);
      const undo = s.setup?.(lab);
      try {
        const args = ['diagnose', ...s.args, ...s.hosts.flatMap((h) => ['--host', h]), '--ssh-config', lab.sshConfigPath, '--non-interactive', '--json', '--transcript', join(tmp, `${s.fix}.ndjson`)];
        if (s.answers) {
          const file = join(tmp, `${s.fix}-answers.yaml`);
          writeFileSync(file, Object.entries(s.answers).map(([k, v]) => `${k}: ${v}\n`).join(''));
          args.push('--answers', file);
        }
        const r = await runCli(args, { prefix: lab.nsExecArgv('client'), timeoutMs: 90_000 });
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout) as Out;
        expect(out.fix?.id).toBe(s.fix);
        reached.add(out.fix!.id);
        // Asks nothing a reachable host could answer: only the cloud questions, only when given.
        expect(out.questions).toBe(Object.keys(s.answers ?? {}).length);
        for (const q of Object.keys(s.answers ?? {})) expect(CLOUD_QUESTIONS.has(q)).toBe(true);
        // Evidence quotes real output, and each host was reached over one connection.
        expect(out.evidence.length).toBeGreaterThan(0);
        for (const n of Object.values(out.ssh?.handshakes ?? {})) expect(n).toBe(1);
        console.log(`[lab] ${s.name}: ${out.fix?.id}; questions ${out.questions}${s.answers ? ` (${Object.keys(s.answers).join(', ')})` : ''}; commands ${out.commands}; evidence from ${out.evidence.map((e) => `${e.role}: ${e.command}`).join(' | ')}`);
      } finally {
        undo?.();
        if (s.fault) await lab.heal(s.fault);
      }
    });
  }

  it('every fix id of the catalogue was reached by a scenario', () => {
    const all = [...loadCatalog([builtinFlowsDir()]).flows.values()].flatMap((f) => Object.values(f.doc.nodes).flatMap((n) => (n.kind === 'fix' ? [n.id] : [])));
    expect([...reached].sort()).toEqual([...new Set(all)].sort());
  });
});
