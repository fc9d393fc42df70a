/**
 * models/cloud.ts on the JSON shapes the EC2 API reference documents (describe-security-groups,
 * describe-network-acls, describe-instances), read by parsers/aws-ec2.ts as a flow reads them.
 */
import { readFileSync } from 'node:fs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelEnv } from './cel-env.js';
import { toCel } from '../../src/flow/expr.js';
import { naclAllows, registerCloud, sgAllows } from '../../src/models/cloud.js';
import {
  CACHE_FILE,
  ec2ConnectSource,
  loadEc2ConnectRanges,
  parseEc2ConnectRanges,
  refreshedEc2ConnectRanges,
  shippedEc2ConnectRanges,
} from '../../src/models/ec2-connect-ranges.js';
import { awsEc2Parser } from '../../src/parsers/aws-ec2.js';

const fixture = (name: string) => awsEc2Parser.parse(readFileSync(join(import.meta.dirname, '../fixtures/aws', name), 'utf8'));
const SG = fixture('sg-cases.json').sg_rules;
const ADMIN = 'sg-0a1b2c3d4e5f60001';
const WEB = 'sg-0a1b2c3d4e5f60002';
const VPC_ALL = 'sg-0a1b2c3d4e5f60003';
const OPEN = 'sg-0a1b2c3d4e5f60004';
// us-east-1's EC2_INSTANCE_CONNECT range (the shipped copy).
const CONSOLE = ['18.206.107.24/29'];
const CLIENT = ['203.0.113.25'];

describe('sgAllows', () => {
  it('opens to 0.0.0.0/0: the client and the console both get in', () => {
    expect(sgAllows(SG, { port: 22, source: CLIENT, groups: [OPEN] })).toMatchObject({ allowed: true, reason: 'allowed', group_id: OPEN, rule_source: '0.0.0.0/0' });
    expect(sgAllows(SG, { port: 22, source: CONSOLE, groups: [OPEN] })).toMatchObject({ allowed: true, source: '18.206.107.24/29' });
  });

  it('opens to the client /32 only: the client works, the console does not', () => {
    const inst = fixture('describe-instances-enis.json').instances[0]!;
    expect(inst.security_groups).toEqual([ADMIN, WEB]);
    const groups = inst.security_groups;
    expect(sgAllows(SG, { port: 22, source: CLIENT, groups })).toMatchObject({ allowed: true, group_id: ADMIN, rule_source: '203.0.113.25/32' });
    const console_ = sgAllows(SG, { port: 22, source: CONSOLE, groups });
    expect(console_).toMatchObject({ allowed: false, unknown: '', reason: 'source-not-covered', port_rules: 1, source: '18.206.107.24/29' });
    expect(sgAllows(SG, { port: 2222, source: CLIENT, groups })).toMatchObject({ allowed: false, reason: 'no-rule-for-port', port_rules: 0 });
  });

  it('a prefix list is unknown until its entries are known', () => {
    const q = { port: 8050, source: CLIENT, groups: [WEB] };
    expect(sgAllows(SG, q)).toMatchObject({ allowed: false, reason: 'prefix-list', rule_source: 'pl-0123456789abcdef0' });
    expect(sgAllows(SG, q).unknown).toMatch(/prefix list pl-0123456789abcdef0.*not read/);
    expect(sgAllows(SG, { ...q, prefixLists: { 'pl-0123456789abcdef0': ['203.0.113.0/24'] } })).toMatchObject({ allowed: true, unknown: '' });
    expect(sgAllows(SG, { ...q, prefixLists: { 'pl-0123456789abcdef0': ['198.51.100.0/24'] } })).toMatchObject({ allowed: false, unknown: '', reason: 'source-not-covered' });
    // Port ranges: 8000-8100 holds 8100, not 8101.
    expect(sgAllows(SG, { ...q, port: 8101 })).toMatchObject({ reason: 'no-rule-for-port' });
  });

  it('another security group as source covers only instances in it', () => {
    const q = { port: 443, source: ['10.1.5.9'], groups: [WEB] };
    expect(sgAllows(SG, q)).toMatchObject({ allowed: false, reason: 'source-group', rule_source: 'sg-0fedcba9876543210' });
    expect(sgAllows(SG, { ...q, sourceGroups: ['sg-0fedcba9876543210'] })).toMatchObject({ allowed: true });
    // The console is in none of the account's groups.
    expect(sgAllows(SG, { ...q, source: CONSOLE, sourceGroups: [] })).toMatchObject({ allowed: false, unknown: '', reason: 'source-not-covered' });
  });

  it('protocol -1 opens every port to its source; a rule covering part of the console range is unknown', () => {
    expect(sgAllows(SG, { port: 5432, source: ['10.1.7.7'], groups: [VPC_ALL] })).toMatchObject({ allowed: true, proto: 'all', from_port: 0, to_port: 65535 });
    expect(sgAllows(SG, { port: 5432, source: CLIENT, groups: [VPC_ALL] })).toMatchObject({ allowed: false, reason: 'source-not-covered' });
    // 18.206.107.0/28 holds 18.206.107.0-15: none of 18.206.107.24/29.
    expect(sgAllows(SG, { port: 2500, source: CONSOLE, groups: [VPC_ALL] })).toMatchObject({ allowed: false, unknown: '' });
    expect(sgAllows(SG, { port: 2500, source: ['18.206.107.0/24'], groups: [VPC_ALL] })).toMatchObject({ allowed: false, reason: 'partial' });
  });

  it('an IPv6-only rule does not let IPv4 in', () => {
    expect(sgAllows(SG, { port: 80, source: CLIENT, groups: [WEB] })).toMatchObject({ allowed: false, reason: 'source-not-covered' });
    expect(sgAllows(SG, { port: 80, source: ['2001:db8::7'], groups: [WEB] })).toMatchObject({ allowed: true, rule_source: '::/0' });
  });

  it('is total: no source, or a source that is not an address', () => {
    expect(sgAllows(SG, { port: 22, source: [] })).toMatchObject({ allowed: false, reason: 'no-source' });
    expect(sgAllows(SG, { port: 22, source: ['console.example'] }).unknown).toMatch(/not an address/);
    expect(sgAllows([], { port: 22, source: CLIENT })).toMatchObject({ allowed: false, reason: 'no-rule-for-port', unknown: '' });
  });
});

describe('naclAllows', () => {
  const ACL = fixture('describe-network-acls.json').acl_entries;
  const WEB_OUT = fixture('nacl-web-only-outbound.json').acl_entries;
  const DEFAULT = fixture('nacl-default.json').acl_entries;

  it('a deny with a lower rule number wins over a later allow', () => {
    const v = naclAllows(ACL, { port: 22, source: CLIENT });
    expect(v).toMatchObject({ allowed: false, unknown: '', inbound: { action: 'deny', rule: 90 }, outbound: { action: 'allow', rule: 100, ports: '1024-65535' } });
    expect(v.inbound.entry).toBe('#90 DENY tcp 22-22 0.0.0.0/0');
    expect(naclAllows(ACL, { port: 80, source: CLIENT })).toMatchObject({ allowed: true, inbound: { action: 'allow', rule: 100 } });
  });

  it('the return path: outbound must allow the client ephemeral ports', () => {
    // Only 32768-65535 out: a Linux client (32768-60999) gets its answers, the whole 1024-65535 does not.
    const v = naclAllows(WEB_OUT, { port: 22, source: CLIENT });
    expect(v).toMatchObject({ allowed: false, inbound: { action: 'allow', rule: 100 }, outbound: { action: 'partial', rule: 32767, entry: '#* DENY all 0.0.0.0/0' } });
    expect(naclAllows(WEB_OUT, { port: 22, source: CLIENT, ephemeral: [32768, 60999] })).toMatchObject({ allowed: true, outbound: { action: 'allow', rule: 120 } });
    expect(naclAllows(WEB_OUT, { port: 22, source: CLIENT, ephemeral: [1024, 5000] })).toMatchObject({ allowed: false, outbound: { action: 'deny', rule: 32767 } });
  });

  it('evaluates the console range entry by entry: #105 denies 18.206.107.16/28, which holds it', () => {
    expect(naclAllows(WEB_OUT, { port: 22, source: CONSOLE, ephemeral: [32768, 60999] })).toMatchObject({ allowed: false, inbound: { action: 'deny', rule: 105 } });
    // A source wider than an entry: part of it is denied, part allowed — unknown, the entry named.
    const wide = naclAllows(WEB_OUT, { port: 22, source: ['18.206.107.0/24'], ephemeral: [32768, 60999] });
    expect(wide).toMatchObject({ allowed: false, inbound: { action: 'unknown', rule: 105 } });
    expect(wide.unknown).toMatch(/#105.*part of the source 18\.206\.107\.0\/24/);
  });

  it('the default ACL lets everything in and out, IPv4 and IPv6', () => {
    expect(naclAllows(DEFAULT, { port: 22, source: CONSOLE })).toMatchObject({ allowed: true, acl_id: 'acl-0d1e2f3a4b5c60001', inbound: { rule: 100 }, outbound: { rule: 100 } });
    expect(naclAllows(DEFAULT, { port: 22, source: ['2001:db8::7'] })).toMatchObject({ allowed: true, inbound: { rule: 101 }, outbound: { rule: 101 } });
  });

  it('with no entries read it says unknown, not allowed', () => {
    expect(naclAllows([], { port: 22, source: CLIENT })).toMatchObject({ allowed: false, inbound: { action: 'unknown' } });
  });
});

describe('EC2 Instance Connect ranges', () => {
  const IP_RANGES = JSON.stringify({
    syncToken: '1764540000',
    createDate: '2026-11-30-22-00-00',
    prefixes: [
      { ip_prefix: '198.18.60.0/29', region: 'eu-west-1', service: 'EC2_INSTANCE_CONNECT', network_border_group: 'eu-west-1' },
      { ip_prefix: '198.18.61.0/24', region: 'eu-west-1', service: 'EC2', network_border_group: 'eu-west-1' },
    ],
    ipv6_prefixes: [{ ipv6_prefix: '2001:db8:60::/64', region: 'eu-west-1', service: 'EC2_INSTANCE_CONNECT', network_border_group: 'eu-west-1' }],
  });

  it('answers from the shipped copy, and nothing for a region it lacks', () => {
    const r = shippedEc2ConnectRanges();
    expect(ec2ConnectSource(r, 'us-east-1')).toEqual(['18.206.107.24/29']);
    expect(ec2ConnectSource(r, 'eu-west-1')).toEqual([]);
  });

  it('keeps only the service from a downloaded ip-ranges.json, and prefers a newer copy in the cache', () => {
    const copy = refreshedEc2ConnectRanges(IP_RANGES)!;
    const r = parseEc2ConnectRanges(copy, 'x')!;
    expect(ec2ConnectSource(r, 'eu-west-1')).toEqual(['198.18.60.0/29']);
    expect(ec2ConnectSource(r, 'eu-west-1', true)).toEqual(['2001:db8:60::/64']);
    expect(refreshedEc2ConnectRanges('{"not":"ranges"}')).toBeUndefined();

    const home = mkdtempSync(join(tmpdir(), 'tshoot-eic-'));
    const dir = join(home, 'tshoot', 'aws');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, CACHE_FILE), copy, { mode: 0o600 });
    const loaded = loadEc2ConnectRanges({ XDG_CACHE_HOME: home });
    expect(loaded).toMatchObject({ from: CACHE_FILE, createDate: '2026-11-30-22-00-00' });
    expect(loadEc2ConnectRanges({ XDG_CACHE_HOME: home, TSHOOT_NO_CACHE: '1' }).from).toBe('shipped');
  });
});

describe('sg_allows, nacl_allows and ec2_connect_source in CEL', () => {
  it('are registered with their types', () => {
    const env = modelEnv((env, cel) => registerCloud(env, cel, shippedEc2ConnectRanges()));
    env.registerVariable('sgs', 'AwsEc2');
    env.registerVariable('acls', 'AwsEc2');
    const ctx = { sgs: toCel(fixture('sg-cases.json'), awsEc2Parser.type), acls: toCel(fixture('nacl-web-only-outbound.json'), awsEc2Parser.type) };
    expect(env.evaluate('sg_allows(sgs.sg_rules, 22, ec2_connect_source("us-east-1")).allowed', ctx)).toBe(true);
    expect(env.evaluate('sg_allows(sgs.sg_rules, 443, ["198.51.100.9"]).reason', ctx)).toBe('source-group');
    expect(env.evaluate('sg_allows(sgs.sg_rules, 443, ["10.1.5.9"], ["sg-0fedcba9876543210"]).allowed', ctx)).toBe(true);
    expect(env.evaluate('nacl_allows(acls.acl_entries, 22, ["203.0.113.25"]).outbound.action', ctx)).toBe('partial');
    expect(env.evaluate('nacl_allows(acls.acl_entries, 22, ["203.0.113.25"], 32768, 60999).allowed', ctx)).toBe(true);
    expect(env.evaluate('ec2_connect_ranges_date()', ctx)).toBe('');
  });
});
