/**
 * The aws-ec2 parser on the shapes the EC2 API reference documents: the instance's zone and
 * region (console-connect picks EC2 Instance Connect's range by region), routes, ACL order.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { awsEc2Parser, regionOfZone } from '../../src/parsers/aws-ec2.js';

const aws = (f: string) => readFileSync(new URL(`../fixtures/aws/${f}`, import.meta.url), 'utf8');

describe('aws-ec2', () => {
  it('describe-instances: id, state, addresses, subnet, groups, zone and region', () => {
    expect(awsEc2Parser.parse(aws('console/instance.json')).instances).toEqual([
      {
        id: 'i-1234567890abcdef0',
        state: 'running',
        public_ip: '198.18.20.30',
        private_ip: '10.1.0.110',
        subnet_id: 'subnet-04a636d18e83cfacb',
        vpc_id: 'vpc-1234567890abcdef0',
        security_groups: ['sg-0b0384b66d7d692f9'],
        az: 'us-east-1a',
        region: 'us-east-1',
      },
    ]);
    // No Placement: the region is not guessed.
    expect(awsEc2Parser.parse(aws('describe-instances.json')).instances[0]).toMatchObject({ az: '', region: '' });
  });

  it.each([
    ['us-east-1a', 'us-east-1'],
    ['eu-west-3c', 'eu-west-3'],
    ['ap-northeast-1d', 'ap-northeast-1'],
    ['us-gov-west-1a', 'us-gov-west-1'],
    ['cn-north-1b', 'cn-north-1'],
    ['us-west-2-lax-1a', 'us-west-2'],
    ['us-east-1-wl1-bos-wlz-1', 'us-east-1'],
    ['use1-az1', ''],
    ['us-east-1', ''],
    ['', ''],
  ])('zone %j is in region %j', (az, region) => {
    expect(regionOfZone(az)).toBe(region);
  });

  it('describe-managed-prefix-lists: id, name, family, owner', () => {
    expect(awsEc2Parser.parse(aws('console/prefix-list-console.json')).prefix_lists).toEqual([{ id: 'pl-0e4bcff02b13bef1e', name: 'com.amazonaws.us-east-1.ec2-instance-connect', family: 'IPv4', owner: 'AWS' }]);
  });

  it('describe-network-acls: entries in rule-number order; not JSON → ok false', () => {
    expect(awsEc2Parser.parse(aws('describe-network-acls.json')).acl_entries.map((e) => e.rule)).toEqual([90, 100, 100, 32767, 32767]);
    expect(awsEc2Parser.parse('{not json').ok).toBe(false);
  });
});
