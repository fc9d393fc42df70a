/**
 * console-connect with the AWS CLI available: the VPC side is read with describe-* calls (JSON
 * in the shapes the EC2 API reference shows) and judged with the models for the source that
 * really connects — EC2 Instance Connect's range for the instance's region — instead of asked.
 * The executor port is scripted with recorded outputs; the engine, runner, models and flow are
 * the real ones.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Executors, Prompter, Reporter } from '../../src/engine/ports.js';
import { runSession } from '../../src/engine/runner.js';
import type { Command, Outcome, Question, ShowItem } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { shippedOneAtATime } from '../helpers/one-at-a-time.js';

// The shipped copy of the EC2 Instance Connect ranges (us-east-1 only, undated), not a refreshed
// one a developer's cache may hold.
process.env.TSHOOT_NO_CACHE = '1';
// One command at a time: what runs together is test/engine/together.test.ts's.
const cat = shippedOneAtATime();

const aws = (f: string) => readFileSync(new URL(`../fixtures/aws/${f}`, import.meta.url), 'utf8');
const ok = (stdout: string, exit = 0, stderr = ''): CommandResult => ({ exit, stdout, stderr, durationMs: 1, timedOut: false, truncated: { stdout: false, stderr: false }, transport: null });
const sshTimeout: CommandResult = { ...ok(''), exit: null, transport: { code: 'timeout', message: 'ssh web (198.18.20.30:22): no TCP connection within 10 s' } };

const ID = 'i-1234567890abcdef0';
const INSTANCE = aws('console/instance.json');
const inRegion = (az: string) => INSTANCE.replace('"us-east-1a"', JSON.stringify(az));
const inState = (state: string) => INSTANCE.replace('"Name": "running"', `"Name": ${JSON.stringify(state)}`);

// nc (OpenBSD) as the client prints it.
const NC_TIMEOUT = ok('', 1, 'nc: connect to 198.18.20.30 port 22 (tcp) timed out: Operation now in progress\n');
const NC_OK = ok('', 0, 'Connection to 198.18.20.30 22 port [tcp/ssh] succeeded!\n');

// `ss -ltnpe` and `ip -4 route show table all` on an EC2 instance (ens5, 10.1.0.110/24).
const SS_ALL = [
  'State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
  'LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=612,fd=3)) ino:17324 sk:1 cgroup:/system.slice/ssh.service <->',
  'LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=401,fd=14)) uid:991 ino:15571 sk:2 cgroup:/system.slice/systemd-resolved.service <->',
  'LISTEN 0      128             [::]:22            [::]:*    users:(("sshd",pid=612,fd=4)) ino:17326 sk:3 cgroup:/system.slice/ssh.service v6only:1 <->',
  '',
].join('\n');
const SS_LOOPBACK = [
  'State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
  'LISTEN 0      128        127.0.0.1:22         0.0.0.0:*    users:(("sshd",pid=7045,fd=3)) ino:40121 sk:5 cgroup:/system.slice/ssh.service <->',
  'LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=401,fd=14)) uid:991 ino:15571 sk:2 cgroup:/system.slice/systemd-resolved.service <->',
  '',
].join('\n');
const ROUTES = [
  'default via 10.1.0.1 dev ens5 proto dhcp src 10.1.0.110 metric 100 ',
  '10.1.0.0/24 dev ens5 proto kernel scope link src 10.1.0.110 metric 100 ',
  '10.1.0.1 dev ens5 proto dhcp scope link src 10.1.0.110 metric 100 ',
  'local 10.1.0.110 dev ens5 table local proto kernel scope host src 10.1.0.110 ',
  'broadcast 10.1.0.255 dev ens5 table local proto kernel scope link src 10.1.0.110 ',
  'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ',
  'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ',
  'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 ',
  '',
].join('\n');

type Results = Record<string, CommandResult>;

function session(results: Results, host = '198.18.20.30') {
  const ran: Command[] = [];
  const asked: Question[] = [];
  const shown: ShowItem[] = [];
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
  const reporter: Reporter = { commandsStart: () => {}, show: (item) => shown.push(item) };
  const run = async () => {
    const end = await runSession(
      cat,
      {
        kind: 'start',
        flow: 'console-connect',
        target: { url: `tcp://${host}:22`, scheme: 'tcp', host, port: 22, path: '', loopback: false, given: true },
        hosts: { client: 'local', server: 'web', bastion: '' },
        lang: 'en',
      },
      { prompter, executors, reporter },
    );
    return end.outcome;
  };
  return { run, ran, asked, shown };
}

/** Everything found through the AWS CLI and over SSH, a healthy instance: tests override one part. */
const healthy: Results = {
  probe: NC_TIMEOUT,
  aws_instance: ok(INSTANCE),
  sockets: ok(SS_ALL),
  routes: ok(ROUTES),
  aws_routes: ok(aws('describe-route-tables.json')),
  aws_sgs: ok(aws('console/sg-console.json')),
  aws_acls: ok(aws('nacl-default.json')),
};

function fixOf(o: Outcome) {
  if (o.kind !== 'fix') throw new Error(`expected a fix, got ${JSON.stringify(o)}`);
  return o.fix;
}
function endOf(o: Outcome) {
  if (o.kind !== 'unresolved') throw new Error(`expected an unresolved end, got ${JSON.stringify(o)}`);
  return o;
}
const evidenceLines = (o: Outcome) => fixOf(o).evidence.flatMap((e) => e.lines);

describe('console-connect reads the VPC with the AWS CLI and judges it for the console source', () => {
  it('no 0.0.0.0/0 → igw route in the subnet table → add-igw-route, no question', async () => {
    const s = session({ ...healthy, sockets: sshTimeout, aws_routes: ok(aws('describe-route-tables-no-igw.json')) });
    const fix = fixOf(await s.run());
    expect(fix.id).toBe('add-igw-route');
    expect(s.asked).toEqual([]);
    expect(s.ran.find((c) => c.node === 'aws_routes')?.argv).toEqual(['aws', 'ec2', 'describe-route-tables', '--output', 'json', '--filters', 'Name=association.subnet-id,Values=subnet-04a636d18e83cfacb']);
    expect(evidenceLines({ kind: 'fix', fix } as Outcome)).toContain('rtb-09ba434c1bEXAMPLE: 10.1.0.0/16 → local (active)');
    // What could not be read is said, not assumed.
    expect(fix.cause).toContain('Not known: listener: not read (timeout)');
    expect(fix.cause).toContain('Ruled out: public address: 198.18.20.30; security group: sg-0b0384b66d7d692f9 tcp 22-22 from 18.206.107.24/29 lets 18.206.107.24/29 (EC2 Instance Connect, us-east-1) in');
    expect(fix.cause).toContain('Source assumed for the security group and network ACL: EC2 Instance Connect in us-east-1 (18.206.107.24/29, from the undated copy shipped with tshoot).');
  });

  it('SG open to 0.0.0.0/0 but the NACL denies 22 first (#90) → fix-network-acl naming the entry', async () => {
    const s = session({ ...healthy, aws_sgs: ok(aws('console/sg-world.json')), aws_acls: ok(aws('describe-network-acls.json')) });
    const fix = fixOf(await s.run());
    expect(fix.id).toBe('fix-network-acl');
    expect(s.asked).toEqual([]);
    expect(s.ran.find((c) => c.node === 'aws_sgs')?.argv.at(-1)).toBe('Name=group-id,Values=sg-0b0384b66d7d692f9');
    expect(fix.cause).toContain('inbound 22 deny (#90 DENY tcp 22-22 0.0.0.0/0)');
    expect(fix.cause).toContain('outbound 1024-65535 allow');
    expect(fix.cause).toContain('security group: sg-0b0384b66d7d692f9 tcp 22-22 from 0.0.0.0/0 lets 18.206.107.24/29 (EC2 Instance Connect, us-east-1) in');
    expect(fix.cause).toContain('From this machine, 198.18.20.30:22 fails (timeout)');
    expect(fix.fix[0]).toContain('#90 DENY tcp 22-22 0.0.0.0/0');
    expect(fix.fix[0]).toContain('18.206.107.24/29');
  });

  it('SG open only to the client /32: port 22 answers here, the console fails → open-ssh-in-security-group naming the region range', async () => {
    const s = session({ ...healthy, probe: NC_OK, aws_sgs: ok(aws('console/sg-client.json')) });
    const o = await s.run();
    const fix = fixOf(o);
    expect(fix.id).toBe('open-ssh-in-security-group');
    // The success is in the evidence and in the cause; the cause does not say port 22 is dropped everywhere.
    expect(evidenceLines(o)).toContain('Connection to 198.18.20.30 22 port [tcp/ssh] succeeded!');
    expect(fix.cause).toContain('From this machine, 198.18.20.30:22 answers, as the console would if a rule let it in');
    expect(fix.cause).toContain('The console connects from EC2 Instance Connect in us-east-1 (18.206.107.24/29, from the undated copy shipped with tshoot)');
    // Port 22 answered here: the card never says packets are dropped beside that success (issue 16).
    expect(fix.cause).toContain('Found: security group: the 1 rule(s) of sg-0b0384b66d7d692f9 for TCP 22 do not cover 18.206.107.24/29 (EC2 Instance Connect, us-east-1): it lets this machine in, not the console');
    expect(fix.cause).not.toMatch(/dropped|times out/);
    expect(fix.fix[0]).toContain('Source 18.206.107.24/29 (EC2 Instance Connect in us-east-1)');
    expect(fix.fix[1]).toContain('--group-id sg-0b0384b66d7d692f9');
    expect(fix.fix[1]).toContain('CidrIp=18.206.107.24/29');
    // A public address answered: the address and the way out are ruled out by it.
    expect(fix.cause).toContain('public address: 198.18.20.30');
    expect(fix.cause).toContain('listener: port 22 answers from this machine (sshd on 0.0.0.0:22 takes connections to 10.1.0.110)');
  });

  it('SG allows the console range, all else open → no fix: the card says everything was ruled out and looks past TCP', async () => {
    const s = session(healthy);
    const end = endOf(await s.run());
    expect(end.node).toBe('all_open');
    expect(end.end.title).toBe('Nothing on the way blocks port 22 for the console');
    expect(end.end.checked.join('\n')).toContain('security group: sg-0b0384b66d7d692f9 tcp 22-22 from 18.206.107.24/29 lets 18.206.107.24/29 (EC2 Instance Connect, us-east-1) in');
    expect(end.end.checked.join('\n')).toContain('network ACL: for 18.206.107.24/29 (EC2 Instance Connect, us-east-1), acl-0d1e2f3a4b5c60001 inbound 22 allow');
    expect(end.end.checked[0]).toContain('(Source assumed for the security group and network ACL: EC2 Instance Connect in us-east-1 (18.206.107.24/29, from the undated copy shipped with tshoot))');
    expect(end.end.nextSteps[0]).toBe('The packets can get through: look past TCP');
    expect(end.end.nextSteps.join('\n')).toContain('ec2-instance-connect package');
  });

  it('region whose range tshoot does not hold → no verdict on the SG, an honest unresolved card', async () => {
    const s = session({ ...healthy, aws_instance: ok(inRegion('eu-west-3b')), aws_sgs: ok(aws('console/sg-client.json')) });
    const end = endOf(await s.run());
    expect(end.node).toBe('all_open');
    expect(end.end.title).toContain('1 thing(s) not known');
    const checked = end.end.checked.join('\n');
    expect(end.end.nextSteps[0]).toContain('Look at what is not known first: security group: 1 rule(s) of sg-0b0384b66d7d692f9 allow TCP 22 from some sources; whether one covers EC2 Instance Connect in eu-west-3 (its range is not in the undated copy shipped with tshoot) is not known');
    // The NACL allows every address both ways: that holds for the console whatever its range.
    expect(checked).toContain('network ACL: for every address, acl-0d1e2f3a4b5c60001 inbound 22 allow');
  });

  it('region unknown but the SG is open to every address → allowed for the console too', async () => {
    const s = session({ ...healthy, aws_instance: ok(inRegion('eu-west-3b')), aws_sgs: ok(aws('console/sg-world.json')) });
    const end = endOf(await s.run());
    expect(end.end.checked.join('\n')).toContain('security group: sg-0b0384b66d7d692f9 tcp 22-22 from 0.0.0.0/0 lets every address in, the console included');
    expect(end.end.nextSteps[0]).toBe('The packets can get through: look past TCP');
  });

  it('SG rule from AWS\'s own prefix list of the console range (the documented setup) → allowed, the list read by id', async () => {
    const s = session({ ...healthy, aws_sgs: ok(aws('console/sg-prefix-list.json')), aws_pl: ok(aws('console/prefix-list-console.json')) });
    const end = endOf(await s.run());
    expect(s.ran.find((c) => c.node === 'aws_pl')?.argv).toEqual(['aws', 'ec2', 'describe-managed-prefix-lists', '--output', 'json', '--prefix-list-ids', 'pl-0e4bcff02b13bef1e']);
    expect(end.end.checked.join('\n')).toContain('security group: sg-0b0384b66d7d692f9 tcp 22-22 from pl-0e4bcff02b13bef1e (com.amazonaws.us-east-1.ec2-instance-connect, the AWS-managed list of the console range) lets the console in');
    expect(end.end.nextSteps[0]).toBe('The packets can get through: look past TCP');
  });

  it('a prefix list of that name that the account owns is not taken for AWS\'s → unknown, said', async () => {
    const s = session({ ...healthy, aws_sgs: ok(aws('console/sg-prefix-list.json')), aws_pl: ok(aws('console/prefix-list-office.json')) });
    const end = endOf(await s.run());
    expect(end.end.nextSteps[0]).toContain('Look at what is not known first: security group: unknown (sg-0b0384b66d7d692f9 allows port 22 from prefix list pl-0e4bcff02b13bef1e, whose entries were not read)');
  });

  it.each([
    ['stopped', 'Start it: EC2 console'],
    ['stopping', 'wait until it has stopped'],
    ['terminated', 'cannot be started again'],
  ])('instance %s → a card saying so, nothing else run', async (state, step) => {
    const s = session({ aws_by_id: ok(inState(state)) }, ID);
    const end = endOf(await s.run());
    expect(end.node).toBe('instance_down');
    expect(end.end.title).toBe(`The instance is ${state}: ${ID}`);
    expect(end.end.checked).toEqual([]);
    expect(end.end.nextSteps[0]).toContain(step);
    expect(s.ran.map((c) => c.node)).toEqual(['aws_by_id']);
  });

  it('instance pending → wait', async () => {
    const s = session({ aws_by_id: ok(inState('pending')) }, ID);
    const end = endOf(await s.run());
    expect(end.node).toBe('instance_pending');
    expect(end.end.nextSteps[0]).toContain('Wait until its state is running');
  });

  it('an instance id: found with --instance-ids, its public address probed, then judged as any other', async () => {
    const { probe: _, aws_instance: __, ...rest } = healthy;
    const s = session({ ...rest, aws_by_id: ok(INSTANCE), probe_id: NC_TIMEOUT, aws_sgs: ok(aws('console/sg-client.json')) }, ID);
    const fix = fixOf(await s.run());
    expect(fix.id).toBe('open-ssh-in-security-group');
    expect(s.ran.map((c) => c.node)).toEqual(['aws_by_id', 'probe_id', 'sockets', 'routes', 'aws_routes', 'aws_sgs', 'aws_acls']);
    expect(s.ran[0]!.argv).toEqual(['aws', 'ec2', 'describe-instances', '--output', 'json', '--instance-ids', ID]);
    expect(s.ran[1]!.argv).toEqual(['nc', '-vz', '-w', '5', '--', '198.18.20.30', '22']);
    expect(fix.cause).toContain('From this machine, 198.18.20.30:22 fails (timeout)');
  });

  it('an instance id without a usable AWS CLI → says so and what to give instead; nc never tries the id', async () => {
    const s = session({ aws_by_id: ok('', 253, '\nYou must specify a region. You can also configure your region by running "aws configure".\n') }, ID);
    const end = endOf(await s.run());
    expect(end.node).toBe('no_aws_for_id');
    expect(end.end.nextSteps[0]).toContain('You must specify a region');
    expect(s.ran.map((c) => c.node)).toEqual(['aws_by_id']);
  });

  it('an instance id without a public address → assign-public-ip, no probe', async () => {
    const noIp = INSTANCE.replace('"PublicIpAddress": "198.18.20.30",', '');
    const { probe: _, aws_instance: __, ...rest } = healthy;
    const s = session({ ...rest, aws_by_id: ok(noIp) }, ID);
    const fix = fixOf(await s.run());
    expect(fix.id).toBe('assign-public-ip');
    expect(s.ran.some((c) => c.node.startsWith('probe'))).toBe(false);
    expect(fix.cause).toContain('i-1234567890abcdef0 has no public IPv4 address');
  });

  it('sshd on loopback only, the VPC open → start-sshd about ListenAddress, judged on the private address', async () => {
    const s = session({ ...healthy, sockets: ok(SS_LOOPBACK) });
    const fix = fixOf(await s.run());
    expect(fix.id).toBe('start-sshd');
    expect(fix.title).toBe('sshd does not listen on 10.1.0.110');
    expect(fix.cause).toContain('Found: listener: sshd on 127.0.0.1:22 does not take connections to 10.1.0.110 (loopback-only; the private address AWS maps the public one to)');
    expect(fix.fix[0]).toContain('ListenAddress');
  });

  it('sshd on loopback and the SG closed to the console: neither fix alone works → not_alone, the would-fix check recorded', async () => {
    const s = session({ ...healthy, sockets: ok(SS_LOOPBACK), aws_sgs: ok(aws('console/sg-client.json')) });
    const end = endOf(await s.run());
    expect(end.node).toBe('not_alone');
    expect(end.end.title).toBe('2 things block the console: each must be fixed');
    expect(s.shown).toContainEqual(expect.objectContaining({ kind: 'decision', node: 'start_sshd', goto: 'not_alone' }));
    expect(end.end.nextSteps[0]).toContain('listener: sshd on 127.0.0.1:22 does not take connections to 10.1.0.110');
    expect(end.end.nextSteps[0]).toContain('security group: the 1 rule(s) of sg-0b0384b66d7d692f9 for TCP 22 do not cover 18.206.107.24/29');
    expect(end.end.checked[0]).toContain('route: the instance routes out via 10.1.0.1 dev ens5');
  });

  it('no public address, found by private address → assign-public-ip straight from describe-instances', async () => {
    const noIp = INSTANCE.replace('"PublicIpAddress": "198.18.20.30",', '');
    const s = session({ ...healthy, aws_instance: ok('{"Reservations": []}'), aws_instance_private: ok(noIp) });
    expect(fixOf(await s.run()).id).toBe('assign-public-ip');
  });

  it('without the AWS CLI (exit 127) it asks, starting with the route table', async () => {
    const s = session({ ...healthy, aws_instance: ok('', 127, 'aws: command not found\n') });
    await expect(s.run()).rejects.toThrow('unexpected question igw_route');
    expect(s.asked[0]).toMatchObject({ input: 'select', choices: [{ value: 'yes' }, { value: 'no' }, { value: 'unsure' }] });
  });
});
