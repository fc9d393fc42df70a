/**
 * Whether AWS lets a TCP connection to an instance in, evaluated the way the VPC documentation
 * describes it, for the source that really connects (the client's address, or the EC2 Instance
 * Connect service's published range for the region):
 *
 *   - Security groups (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html):
 *     allow rules only, the union of every group on the interface; stateful, so the answers
 *     go out whatever the outbound rules say. A rule opens port P to source S when its protocol
 *     is `tcp` or `-1`, its port range holds P and its source holds S: a CIDR (IPv4 or IPv6),
 *     a prefix list (its CIDRs, when known), or another security group (only instances in that
 *     group, and only over private addresses: known only when the caller says which groups
 *     the source is in).
 *   - Network ACLs (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html):
 *     stateless; entries in rule-number order, the first that matches decides, and `*`
 *     (32767) denies what none matched. The SYN needs an inbound allow for P from S, the
 *     answers an outbound allow to S for the client's ephemeral ports (1024-65535 unless the
 *     client's range is known; Linux uses 32768-60999).
 *
 * A source is a list of CIDRs: it is let in only when every address of it is. A rule or entry
 * that covers part of it, a prefix list or group not known, make the verdict unknown, with the
 * rule named. Pure and total.
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { CelHelpers } from './cel.js';
import { type AwsAclEntry, type AwsSgRule, awsEc2Parser } from '../parsers/aws-ec2.js';
import { struct, type Infer } from '../parsers/types.js';
import { type Cidr, cidrContains, parseCidr } from './ip.js';
import { ec2ConnectSource, type Ec2ConnectRanges } from './ec2-connect-ranges.js';

export interface SgQuery {
  port: number;
  /** The groups on the instance's interface (describe-instances); undefined: every rule given counts. */
  groups?: string[];
  /** Where the connection comes from: addresses or CIDRs (`198.18.1.10`, `18.206.107.24/29`). */
  source: string[];
  /** The security groups the source instance is in; undefined: not known. */
  sourceGroups?: string[];
  /** Prefix lists whose entries are known (`aws ec2 get-managed-prefix-list-entries`). */
  prefixLists?: Readonly<Record<string, string[]>>;
}

export type SgReason = 'allowed' | 'no-rule-for-port' | 'source-not-covered' | 'prefix-list' | 'source-group' | 'partial' | 'no-source';

export const SG_VERDICT_TYPE = struct('SgVerdict', {
  allowed: 'bool',
  /** `''` when known; otherwise why not (then `allowed` is false). */
  unknown: 'string',
  reason: 'string',
  /** The rule that decided (allowed, or the one that makes it unknown); empty otherwise. */
  group_id: 'string',
  proto: 'string',
  from_port: 'int',
  to_port: 'int',
  /** The rule's source that decided: a CIDR, `pl-…` or `sg-…`. */
  rule_source: 'string',
  /** Rules for the port from any source (`source-not-covered`: the port is open, not to this source). */
  port_rules: 'int',
  /** The source assumed, comma-joined. */
  source: 'string',
});
// CEL sees `reason` as a string; the TypeScript code keeps the closed set.
export type SgVerdict = Infer<typeof SG_VERDICT_TYPE> & { reason: SgReason };

export interface NaclQuery {
  port: number;
  source: string[];
  /** The client's ephemeral ports, the answers' destination ports. */
  ephemeral?: readonly [number, number];
}

const NACL_LEG_TYPE = struct('NaclLeg', {
  /** `allow`, `deny`, `partial` (some ports or addresses of the source denied), `unknown`. */
  action: 'string',
  /** The deciding entry's rule number (the first deny when `partial`); 32767 for `*`. */
  rule: 'int',
  /** The deciding entry as the console shows it: `#100 ALLOW tcp 22-22 0.0.0.0/0`. */
  entry: 'string',
  /** The ports the leg asked about: `22`, `1024-65535`. */
  ports: 'string',
  unknown: 'string',
});
export type NaclLeg = Infer<typeof NACL_LEG_TYPE>;

export const NACL_VERDICT_TYPE = struct('NaclVerdict', {
  allowed: 'bool',
  unknown: 'string',
  acl_id: 'string',
  inbound: NACL_LEG_TYPE,
  outbound: NACL_LEG_TYPE,
  source: 'string',
});
export type NaclVerdict = Infer<typeof NACL_VERDICT_TYPE>;

/** AWS's recommendation for NACL return traffic: it covers every client's ephemeral range. */
export const DEFAULT_EPHEMERAL: readonly [number, number] = [1024, 65535];

/**
 * Whether the security groups' inbound rules let TCP `q.port` in from all of `q.source`.
 * @example
 * sgAllows(ec2.sg_rules, { port: 22, source: ['198.18.1.10'] }).reason // 'allowed'
 */
export function sgAllows(rules: readonly AwsSgRule[], q: SgQuery): SgVerdict {
  const source = q.source.join(',');
  const none = { group_id: '', proto: '', from_port: 0, to_port: 0, rule_source: '' };
  const forPort = rules.filter((r) => (!q.groups || q.groups.includes(r.group_id)) && coversProto(r.proto) && r.from_port <= q.port && q.port <= r.to_port);
  const base = { source, port_rules: forPort.length };
  const srcs = q.source.map(parseCidr);
  const bad = q.source.find((_, i) => !srcs[i]);
  if (srcs.length === 0 || bad !== undefined) {
    return { ...base, ...none, allowed: false, reason: 'no-source', unknown: bad === undefined ? 'no source given' : `source ${JSON.stringify(bad)} is not an address or CIDR` };
  }
  const covers = (srcs as Cidr[]).map((s) => coverOf(forPort, s, q));
  // A part of the source no rule lets in decides: the source is not let in, whatever the rest.
  if (covers.some((c) => c.kind === 'no')) {
    return { ...base, ...none, allowed: false, unknown: '', reason: forPort.length > 0 ? 'source-not-covered' : 'no-rule-for-port' };
  }
  const doubt = covers.find((c) => c.kind === 'maybe');
  if (doubt) return { ...base, ...ruleFields(doubt.rule, doubt.src), allowed: false, reason: doubt.reason, unknown: doubt.unknown };
  const decided = covers[0] as Extract<Cover, { kind: 'yes' }>;
  return { ...base, ...ruleFields(decided.rule, decided.src), allowed: true, reason: 'allowed', unknown: '' };
}

/**
 * The subnet's network ACL for a TCP connection to `q.port` from `q.source`: inbound, and the
 * answers outbound to the ephemeral ports.
 */
export function naclAllows(entries: readonly AwsAclEntry[], q: NaclQuery): NaclVerdict {
  const acl = entries[0]?.acl_id ?? '';
  const mine = entries.filter((e) => e.acl_id === acl).sort((a, b) => a.rule - b.rule);
  const [lo, hi] = q.ephemeral ?? DEFAULT_EPHEMERAL;
  const source = q.source.join(',');
  if (mine.length === 0) {
    const leg = { action: 'unknown', rule: 0, entry: '', ports: '', unknown: 'no network ACL entries were read' };
    return { allowed: false, unknown: leg.unknown, acl_id: '', inbound: leg, outbound: { ...leg }, source };
  }
  const inbound = leg(mine.filter((e) => !e.egress), q.source, q.port, q.port);
  const outbound = leg(mine.filter((e) => e.egress), q.source, lo, hi);
  const unknown = inbound.unknown || outbound.unknown;
  return { allowed: inbound.action === 'allow' && outbound.action === 'allow', unknown, acl_id: acl, inbound, outbound, source };
}

/**
 * Registers `sg_allows`, `nacl_allows` and `ec2_connect_source` for flows. `cel` is what
 * flow/expr.ts builds environments with; `ranges` the EC2 Instance Connect copy to answer from
 * (`loadEc2ConnectRanges()`).
 */
export function registerCloud(
  env: Environment,
  cel: CelHelpers,
  ranges: Ec2ConnectRanges,
): void {
  cel.register(awsEc2Parser.type);
  cel.register(SG_VERDICT_TYPE);
  cel.register(NACL_VERDICT_TYPE);
  const rulesOf = (v: unknown): AwsSgRule[] => cel.fromCel(v) as AwsSgRule[];
  const sg = (rules: unknown, port: bigint, source: string[], groups?: string[]): unknown =>
    cel.toCel(sgAllows(rulesOf(rules), { port: Number(port), source, ...(groups ? { sourceGroups: groups } : {}) }), SG_VERDICT_TYPE);
  env.registerFunction('sg_allows(list<AwsSgRule>, int, list<string>): SgVerdict', (r: unknown, p: bigint, s: string[]) => sg(r, p, s));
  env.registerFunction('sg_allows(list<AwsSgRule>, int, list<string>, list<string>): SgVerdict', sg);
  const nacl = (entries: unknown, port: bigint, source: string[], lo: bigint, hi: bigint): unknown =>
    cel.toCel(naclAllows(cel.fromCel(entries) as AwsAclEntry[], { port: Number(port), source, ephemeral: [Number(lo), Number(hi)] }), NACL_VERDICT_TYPE);
  env.registerFunction('nacl_allows(list<AwsAclEntry>, int, list<string>): NaclVerdict', (e: unknown, p: bigint, s: string[]) =>
    nacl(e, p, s, BigInt(DEFAULT_EPHEMERAL[0]), BigInt(DEFAULT_EPHEMERAL[1])),
  );
  env.registerFunction('nacl_allows(list<AwsAclEntry>, int, list<string>, int, int): NaclVerdict', nacl);
  env.registerFunction('ec2_connect_source(string): list<string>', (region: string) => ec2ConnectSource(ranges, region));
  // The date of the copy answered from, for the card: "ranges as of …".
  env.registerFunction('ec2_connect_ranges_date(): string', () => ranges.createDate);
}

// ---------------------------------------------------------------------------------------------

function coversProto(p: string): boolean {
  return p === 'tcp' || p === 'all';
}

type Relation = 'contains' | 'partial' | 'disjoint';

/** How the block `c` relates to the source block `s`. */
function relation(c: Cidr, s: Cidr): Relation {
  if (c.ip.v6 !== s.ip.v6) return 'disjoint';
  if (c.bits <= s.bits) return cidrContains(c, s.ip) ? 'contains' : 'disjoint';
  return cidrContains(s, c.ip) ? 'partial' : 'disjoint';
}

type Cover = { kind: 'yes'; rule: AwsSgRule; src: string } | { kind: 'maybe'; reason: SgReason; unknown: string; rule: AwsSgRule; src: string } | { kind: 'no' };

/** Whether some rule lets all of `s` in; a rule in doubt only when none does. */
function coverOf(rules: readonly AwsSgRule[], s: Cidr, q: SgQuery): Cover {
  let doubt: Cover | undefined;
  for (const r of rules) {
    for (const src of r.sources) {
      const blocks = src.startsWith('pl-') ? q.prefixLists?.[src] : src.startsWith('sg-') ? [] : [src];
      if (src.startsWith('sg-')) {
        if (q.sourceGroups?.includes(src)) return { kind: 'yes', rule: r, src };
        if (q.sourceGroups === undefined) {
          doubt ??= { kind: 'maybe', reason: 'source-group', rule: r, src, unknown: `${r.group_id} allows port ${q.port} from instances in ${src}; whether the source is in it is not known` };
        }
        continue;
      }
      if (blocks === undefined) {
        doubt ??= { kind: 'maybe', reason: 'prefix-list', rule: r, src, unknown: `${r.group_id} allows port ${q.port} from prefix list ${src}, whose entries were not read` };
        continue;
      }
      for (const b of blocks) {
        const c = parseCidr(b);
        const rel = c ? relation(c, s) : 'disjoint';
        if (rel === 'contains') return { kind: 'yes', rule: r, src };
        if (rel === 'partial') doubt ??= { kind: 'maybe', reason: 'partial', rule: r, src, unknown: `${r.group_id} allows port ${q.port} from ${b}, part of the source ${cidrText(s)}` };
      }
    }
  }
  return doubt ?? { kind: 'no' };
}

function ruleFields(r: AwsSgRule, src: string) {
  return { group_id: r.group_id, proto: r.proto, from_port: r.from_port, to_port: r.to_port, rule_source: src };
}

type Interval = [number, number];

/** One direction of the ACL for every source block and the ports [a, b]. */
function leg(entries: readonly AwsAclEntry[], source: string[], a: number, b: number): NaclLeg {
  const ports = a === b ? String(a) : `${a}-${b}`;
  const results: NaclLeg[] = [];
  for (const text of source) {
    const s = parseCidr(text);
    if (!s) return { action: 'unknown', rule: 0, entry: '', ports, unknown: `source ${JSON.stringify(text)} is not an address or CIDR` };
    results.push(legFor(entries, s, a, b, ports));
  }
  if (results.length === 0) return { action: 'unknown', rule: 0, entry: '', ports, unknown: 'no source given' };
  const doubt = results.find((r) => r.action === 'unknown');
  if (doubt) return doubt;
  if (results.every((r) => r.action === 'allow')) return results[0]!;
  if (results.every((r) => r.action === 'deny')) return results[0]!;
  return { ...(results.find((r) => r.action !== 'allow') ?? results[0]!), action: 'partial' };
}

/** First match wins, port by port: the ports not yet decided go on to the next entry. */
function legFor(entries: readonly AwsAclEntry[], s: Cidr, a: number, b: number, ports: string): NaclLeg {
  let open: Interval[] = [[a, b]];
  const decided: { action: string; e: AwsAclEntry | undefined }[] = [];
  for (const e of entries) {
    if (open.length === 0) break;
    if (!coversProto(e.proto)) continue;
    const c = parseCidr(e.cidr);
    if (!c) return { action: 'unknown', rule: e.rule, entry: entryText(e), ports, unknown: `entry #${e.rule}: ${JSON.stringify(e.cidr)} is not a CIDR` };
    const rel = relation(c, s);
    if (rel === 'disjoint') continue;
    const hit = open.some(([x, y]) => x <= e.to_port && e.from_port <= y);
    if (!hit) continue;
    if (rel === 'partial') {
      return { action: 'unknown', rule: e.rule, entry: entryText(e), ports, unknown: `entry #${e.rule} (${e.action} ${e.cidr}) covers part of the source ${cidrText(s)}` };
    }
    decided.push({ action: e.action === 'allow' ? 'allow' : 'deny', e });
    open = open.flatMap(([x, y]): Interval[] => [
      ...(x < e.from_port ? [[x, Math.min(y, e.from_port - 1)] as Interval] : []),
      ...(y > e.to_port ? [[Math.max(x, e.to_port + 1), y] as Interval] : []),
    ]);
  }
  // What no entry matched meets the `*` entry: deny.
  if (open.length > 0) decided.push({ action: 'deny', e: undefined });
  const firstDeny = decided.find((d) => d.action === 'deny');
  const all = decided.every((d) => d.action === decided[0]!.action);
  const pick = all ? decided[0]! : firstDeny!;
  return {
    action: all ? pick.action : 'partial',
    rule: pick.e?.rule ?? 32767,
    entry: pick.e ? entryText(pick.e) : '#* DENY all',
    ports,
    unknown: '',
  };
}

function entryText(e: AwsAclEntry): string {
  const n = e.rule === 32767 ? '*' : String(e.rule);
  const p = e.proto === 'all' ? 'all' : `${e.proto} ${e.from_port}-${e.to_port}`;
  return `#${n} ${e.action.toUpperCase()} ${p} ${e.cidr}`;
}

function cidrText(c: Cidr): string {
  if (c.ip.v6) return `IPv6 /${c.bits}`;
  const n = c.ip.n;
  return `${[24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.')}/${c.bits}`;
}
