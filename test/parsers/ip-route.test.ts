import { describe, it, expect } from 'vitest';
import { ipRouteParser } from '../../src/parsers/ip-route.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(ipRouteParser, text);

describe('ip-route parser', () => {
  it('captured: `ip route` with a default route', () => {
    const t = parse(fixture('captured/ip-route.txt'));
    expect(t.has_default).toBe(true);
    expect(t.routes).toEqual([
      { dest: 'default', type: 'unicast', via: '10.9.0.1', dev: 'd0', src: '', proto: '', scope: '', table: '', metric: 0, line: 'default via 10.9.0.1 dev d0 ' },
      {
        dest: '10.9.0.0/24',
        type: 'unicast',
        via: '',
        dev: 'd0',
        src: '10.9.0.2',
        proto: 'kernel',
        scope: 'link',
        table: '',
        metric: 0,
        line: '10.9.0.0/24 dev d0 proto kernel scope link src 10.9.0.2 ',
      },
      expect.objectContaining({ dest: '172.16.0.0/12', via: '10.9.0.254', metric: 100 }),
    ]);
  });

  it('captured: `ip route get` skips the indented `cache` line', () => {
    expect(parse(fixture('captured/ip-route-get.txt')).routes).toEqual([
      expect.objectContaining({ dest: '8.8.8.8', type: 'unicast', via: '10.9.0.1', dev: 'd0', src: '10.9.0.2' }),
    ]);
    const local = parse(fixture('captured/ip-route-get-local.txt'));
    expect(local.routes).toEqual([expect.objectContaining({ dest: '127.0.0.1', type: 'local', dev: 'lo', src: '127.0.0.1' })]);
    expect(local.has_default).toBe(false);
  });

  it('captured: `ip -6 route` without a default', () => {
    const t = parse(fixture('captured/ip-6-route.txt'));
    expect(t.has_default).toBe(false);
    expect(t.routes.map((r) => [r.dest, r.dev, r.metric])).toEqual([
      ['fd00:9::/64', 'd0', 256],
      ['fe80::/64', 'd0', 256],
      ['fe80::/64', 'd1', 256],
    ]);
  });

  it('reads route types, IPv6 defaults with `via inet6`, and errors', () => {
    const t = parse(
      [
        'default via inet6 fe80::1 dev eth0 proto ra metric 1024 expires 1799sec hoplimit 64 pref medium',
        'blackhole 10.66.0.0/16 proto static',
        'unreachable 192.0.2.0/24',
        'RTNETLINK answers: Network is unreachable',
      ].join('\n'),
    );
    expect(t.routes.map((r) => [r.type, r.dest, r.via, r.metric])).toEqual([
      ['unicast', 'default', 'fe80::1', 1024],
      ['blackhole', '10.66.0.0/16', '', 0],
      ['unreachable', '192.0.2.0/24', '', 0],
    ]);
    expect(t.has_default).toBe(true);
    expect(t.errors).toEqual(['RTNETLINK answers: Network is unreachable']);
  });

  it('captured: `ip route get` with no route at all is an error, not a route', () => {
    const t = parse('RTNETLINK answers: Network is unreachable\n');
    expect(t).toEqual({ routes: [], has_default: false, errors: ['RTNETLINK answers: Network is unreachable'], truncated: false });
  });

  it('pathological: 100k routes are capped; a huge line of keys is bounded', () => {
    const many = parse('10.0.0.0/8 dev eth0\n'.repeat(100_000));
    expect(many.routes).toHaveLength(10_000);
    expect(many.truncated).toBe(true);
    const keys = parse('default ' + 'via '.repeat(1_000_000));
    expect(keys.routes).toHaveLength(1);
    expect(keys.has_default).toBe(true);
  });
});
