/**
 * `aws ec2 describe-instances | describe-route-tables | describe-security-groups |
 * describe-network-acls | describe-managed-prefix-lists --output json`: the parts that decide
 * whether a connection can get in and back out, in the shapes the EC2 API reference documents.
 * One parser for the five calls: each fills what its JSON holds and leaves the rest empty.
 * Read-only calls only.
 */
import { MAX_ITEMS, total } from './text.js';
import { list, parser, struct, type Infer } from './types.js';

const AWS_INSTANCE = struct('AwsInstance', {
  id: 'string',
  state: 'string',
  public_ip: 'string',
  private_ip: 'string',
  subnet_id: 'string',
  vpc_id: 'string',
  security_groups: list('string'),
  /** `Placement.AvailabilityZone`: `us-east-1a`, a Local Zone `us-west-2-lax-1a`. */
  az: 'string',
  /** The zone's region (`us-east-1`), `''` when the zone's name does not say it. */
  region: 'string',
});
export type AwsInstance = Infer<typeof AWS_INSTANCE>;

const AWS_ROUTE = struct('AwsRoute', {
  table_id: 'string',
  main: 'bool',
  dest: 'string',
  target: 'string',
  state: 'string',
});
export type AwsRoute = Infer<typeof AWS_ROUTE>;

const AWS_SG_RULE = struct('AwsSgRule', {
  group_id: 'string',
  proto: 'string',
  from_port: 'int',
  to_port: 'int',
  /** CIDRs, `pl-…` prefix lists and `sg-…` groups the rule allows. */
  sources: list('string'),
});
export type AwsSgRule = Infer<typeof AWS_SG_RULE>;

const AWS_ACL_ENTRY = struct('AwsAclEntry', {
  acl_id: 'string',
  rule: 'int',
  egress: 'bool',
  proto: 'string',
  action: 'string',
  cidr: 'string',
  from_port: 'int',
  to_port: 'int',
});
export type AwsAclEntry = Infer<typeof AWS_ACL_ENTRY>;

/** `describe-managed-prefix-lists`: AWS names its own lists (`com.amazonaws.us-east-1.ec2-instance-connect`). */
const AWS_PREFIX_LIST = struct('AwsPrefixList', { id: 'string', name: 'string', family: 'string', owner: 'string' });
export type AwsPrefixList = Infer<typeof AWS_PREFIX_LIST>;

const AWS_EC2 = struct('AwsEc2', {
  /** The JSON parsed. */
  ok: 'bool',
  instances: list(AWS_INSTANCE),
  routes: list(AWS_ROUTE),
  sg_rules: list(AWS_SG_RULE),
  acl_entries: list(AWS_ACL_ENTRY),
  prefix_lists: list(AWS_PREFIX_LIST),
});
export type AwsEc2 = Infer<typeof AWS_EC2>;

export const awsEc2Parser = parser({
  name: 'aws-ec2',
  description: 'Instances, route tables, security group rules, network ACL entries and managed prefix lists from `aws ec2 describe-* --output json`.',
  type: AWS_EC2,
  parse: (text) => total(text, empty, parseAws),
});

function empty(): AwsEc2 {
  return { ok: false, instances: [], routes: [], sg_rules: [], acl_entries: [], prefix_lists: [] };
}

type J = Record<string, unknown>;
const arr = (v: unknown): J[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as J[]).slice(0, MAX_ITEMS) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** `-1` (all protocols) and the numbers AWS also accepts, as names. */
function proto(p: unknown): string {
  const s = String(p ?? '');
  return s === '-1' ? 'all' : s === '6' ? 'tcp' : s === '17' ? 'udp' : s === '1' ? 'icmp' : s;
}

/**
 * A zone's region: the zone's name is the region's and a letter (`us-east-1a`), or for Local and
 * Wavelength Zones the region's and more (`us-west-2-lax-1a`, `us-east-1-wl1-bos-wlz-1`)
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html).
 */
export function regionOfZone(az: string): string {
  return /^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)(?:[a-z]$|-)/.exec(az)?.[1] ?? '';
}

function parseAws(text: string): AwsEc2 {
  // JSON.parse is linear; the input is capped by the executor before it gets here.
  let j: J;
  try {
    j = JSON.parse(text) as J;
  } catch {
    return empty();
  }
  if (!j || typeof j !== 'object') return empty();
  const out = empty();
  out.ok = true;
  for (const r of arr(j.Reservations)) {
    for (const i of arr(r.Instances)) {
      out.instances.push({
        id: str(i.InstanceId),
        state: str((i.State as J | undefined)?.Name),
        public_ip: str(i.PublicIpAddress),
        private_ip: str(i.PrivateIpAddress),
        subnet_id: str(i.SubnetId),
        vpc_id: str(i.VpcId),
        security_groups: arr(i.SecurityGroups).map((g) => str(g.GroupId)),
        az: str((i.Placement as J | undefined)?.AvailabilityZone),
        region: regionOfZone(str((i.Placement as J | undefined)?.AvailabilityZone)),
      });
    }
  }
  for (const t of arr(j.RouteTables)) {
    const main = arr(t.Associations).some((a) => a.Main === true);
    for (const r of arr(t.Routes)) {
      out.routes.push({
        table_id: str(t.RouteTableId),
        main,
        dest: str(r.DestinationCidrBlock) || str(r.DestinationIpv6CidrBlock) || str(r.DestinationPrefixListId),
        target: str(r.GatewayId) || str(r.NatGatewayId) || str(r.TransitGatewayId) || str(r.NetworkInterfaceId) || str(r.VpcPeeringConnectionId) || str(r.InstanceId),
        state: str(r.State),
      });
    }
  }
  for (const g of arr(j.SecurityGroups)) {
    for (const p of arr(g.IpPermissions)) {
      const sources = [
        ...arr(p.IpRanges).map((x) => str(x.CidrIp)),
        ...arr(p.Ipv6Ranges).map((x) => str(x.CidrIpv6)),
        ...arr(p.PrefixListIds).map((x) => str(x.PrefixListId)),
        ...arr(p.UserIdGroupPairs).map((x) => str(x.GroupId)),
      ].filter(Boolean);
      const all = p.IpProtocol === '-1';
      out.sg_rules.push({
        group_id: str(g.GroupId),
        proto: proto(p.IpProtocol),
        from_port: all ? 0 : num(p.FromPort, 0),
        to_port: all ? 65535 : num(p.ToPort, 65535),
        sources,
      });
    }
  }
  for (const a of arr(j.NetworkAcls)) {
    for (const e of arr(a.Entries)) {
      const range = e.PortRange as J | undefined;
      const all = e.Protocol === '-1';
      out.acl_entries.push({
        acl_id: str(a.NetworkAclId),
        rule: num(e.RuleNumber, 32767),
        egress: e.Egress === true,
        proto: proto(e.Protocol),
        action: str(e.RuleAction),
        cidr: str(e.CidrBlock) || str(e.Ipv6CidrBlock),
        from_port: all || !range ? 0 : num(range.From, 0),
        to_port: all || !range ? 65535 : num(range.To, 65535),
      });
    }
  }
  out.acl_entries.sort((x, y) => x.rule - y.rule);
  for (const l of arr(j.PrefixLists)) {
    out.prefix_lists.push({ id: str(l.PrefixListId), name: str(l.PrefixListName), family: str(l.AddressFamily), owner: str(l.OwnerId) });
  }
  return out;
}
