/**
 * console-connect with the AWS CLI available: the VPC side is read with describe-* calls (JSON
 * in the shapes the EC2 API reference shows) instead of asked. The executor port is scripted;
 * the engine, runner and flow are the real ones.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Executors, Prompter, Reporter } from '../../src/engine/ports.js';
import { runSession } from '../../src/engine/runner.js';
import type { Command, Question } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { builtinFlowsDir, loadCatalog } from '../../src/flow/catalog.js';
import { awsEc2Parser } from '../../src/parsers/aws-ec2.js';

const cat = loadCatalog([builtinFlowsDir()]);
const aws = (f: string) => readFileSync(new URL(`../fixtures/aws/${f}`, import.meta.url), 'utf8');
const ok = (stdout: string, exit = 0, stderr = ''): CommandResult => ({ exit, stdout, stderr, durationMs: 1, timedOut: false, truncated: { stdout: false, stderr: false }, transport: null });
const timeout: CommandResult = { ...ok(''), exit: null, timedOut: true, transport: { code: 'timeout', message: 'ssh web (198.18.20.30:22): no TCP connection within 10 s' } };

function session(results: Record<string, CommandResult>) {
  const ran: Command[] = [];
  const asked: Question[] = [];
  const executors: Executors = {
    run: async (_role, cmd) => {
      ran.push(cmd);
      const r = results[cmd.node];
      if (!r) throw new Error(`unexpected command ${cmd.node}: ${cmd.argv.join(' ')}`);
      return r;
    },
    dest: () => 'test',
    close: async () => {},
  };
  const prompter: Prompter = {
    ask: async (q) => {
      asked.push(q);
      throw new Error(`unexpected question ${q.id}`);
    },
  };
  const reporter: Reporter = { commandsStart: () => {}, show: () => {} };
  const run = () =>
    runSession(
      cat,
      {
        kind: 'start',
        flow: 'console-connect',
        target: { url: 'tcp://198.18.20.30:22', scheme: 'tcp', host: '198.18.20.30', port: 22, path: '', loopback: false, given: true },
        hosts: { client: 'local', server: 'web', bastion: '' },
        lang: 'en',
      },
      { prompter, executors, reporter },
    );
  return { run, ran, asked };
}

const base = {
  probe: ok('', 1, 'nc: connect to 198.18.20.30 port 22 (tcp) timed out: Operation now in progress\n'),
  sockets: timeout,
  aws_instance: ok(aws('describe-instances.json')),
};

describe('console-connect reads the VPC with the AWS CLI instead of asking', () => {
  it('parses the describe-* shapes', () => {
    const i = awsEc2Parser.parse(aws('describe-instances.json'));
    expect(i.instances).toEqual([{ id: 'i-1234567890abcdef0', state: 'running', public_ip: '198.18.20.30', private_ip: '10.1.0.110', subnet_id: 'subnet-04a636d18e83cfacb', vpc_id: 'vpc-1234567890abcdef0', security_groups: ['sg-0b0384b66d7d692f9'] }]);
    expect(awsEc2Parser.parse(aws('describe-network-acls.json')).acl_entries.map((e) => e.rule)).toEqual([90, 100, 100, 32767, 32767]);
    expect(awsEc2Parser.parse('{not json').ok).toBe(false);
  });

  it('no 0.0.0.0/0 → igw route in the subnet table → add-igw-route, no question', async () => {
    const s = session({ ...base, aws_routes: ok(aws('describe-route-tables-no-igw.json')), aws_sgs: ok(aws('describe-security-groups.json')), aws_acls: ok(aws('describe-network-acls.json')) });
    const end = await s.run();
    expect(end.outcome, JSON.stringify(end.outcome)).toMatchObject({ kind: 'fix', fix: { id: 'add-igw-route' } });
    expect(s.asked).toEqual([]);
    expect(s.ran.find((c) => c.node === 'aws_routes')?.argv).toEqual(['aws', 'ec2', 'describe-route-tables', '--output', 'json', '--filters', 'Name=association.subnet-id,Values=subnet-04a636d18e83cfacb']);
    if (end.outcome.kind === 'fix') expect(end.outcome.fix.evidence.flatMap((e) => e.lines)).toContain('rtb-09ba434c1bEXAMPLE: 10.1.0.0/16 → local (active)');
  });

  it('route fine, SSH allowed, but the NACL denies 22 before allowing all → fix-network-acl', async () => {
    const s = session({ ...base, aws_routes: ok(aws('describe-route-tables.json')), aws_sgs: ok(aws('describe-security-groups.json')), aws_acls: ok(aws('describe-network-acls.json')) });
    const end = await s.run();
    expect(end.outcome.kind === 'fix' && end.outcome.fix.id).toBe('fix-network-acl');
    expect(s.ran.find((c) => c.node === 'aws_sgs')?.argv.at(-1)).toBe('Name=group-id,Values=sg-0b0384b66d7d692f9');
  });

  it('no public address → assign-public-ip, straight from describe-instances', async () => {
    const noIp = aws('describe-instances.json').replace('"PublicIpAddress": "198.18.20.30",', '');
    const s = session({ ...base, aws_instance: ok('{"Reservations": []}'), aws_instance_private: ok(noIp) });
    const end = await s.run();
    expect(end.outcome.kind === 'fix' && end.outcome.fix.id).toBe('assign-public-ip');
  });

  it('without the AWS CLI (exit 127) it asks, starting with the route table', async () => {
    const s = session({ ...base, aws_instance: ok('', 127, 'aws: command not found\n') });
    await expect(s.run()).rejects.toThrow('unexpected question igw_route');
  });
});
