import { describe, it, expect } from 'vitest';
import { iptablesParser } from '../../src/parsers/iptables.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(iptablesParser, text);

describe('iptables parser', () => {
  const expectedRules = [
    ['INPUT', 'ACCEPT', '', [], '', 'lo'],
    ['INPUT', 'ACCEPT', '', [], '', ''],
    ['INPUT', 'ACCEPT', 'tcp', [22], '10.0.0.0/8', ''],
    ['INPUT', 'REJECT', 'tcp', [80, 443], '', ''],
    ['INPUT', 'DROP', 'tcp', [], '', ''],
    ['INPUT', 'TSHOOT-LOG', 'udp', [53], '', ''],
    ['TSHOOT-LOG', 'LOG', '', [], '', ''],
  ];

  it('captured: `iptables -S` (iptables-nft 1.8.9)', () => {
    const r = parse(fixture('captured/iptables-S.txt'));
    expect(r.policies).toEqual([
      { table: 'filter', chain: 'INPUT', policy: 'DROP', line: '-P INPUT DROP' },
      { table: 'filter', chain: 'FORWARD', policy: 'ACCEPT', line: '-P FORWARD ACCEPT' },
      { table: 'filter', chain: 'OUTPUT', policy: 'ACCEPT', line: '-P OUTPUT ACCEPT' },
    ]);
    expect(r.rules.map((x) => [x.chain, x.action, x.proto, x.dports, x.source, x.in_iface])).toEqual(expectedRules);
    expect(r.rules[3]).toMatchObject({
      dport: 80,
      dport_ranges: [
        { from: 80, to: 80 },
        { from: 443, to: 443 },
      ],
      line: '-A INPUT -p tcp -m multiport --dports 80,443 -j REJECT --reject-with tcp-reset',
    });
    expect(r.rules[4]).toMatchObject({ dport: 8000, dports: [], dport_ranges: [{ from: 8000, to: 8080 }] });
  });

  it('captured: `iptables-save` gives the same rules and policies', () => {
    const s = parse(fixture('captured/iptables-save.txt'));
    const S = parse(fixture('captured/iptables-S.txt'));
    expect(s.rules.map((x) => [x.chain, x.action, x.proto, x.dports, x.source, x.in_iface])).toEqual(expectedRules);
    expect(s.policies.map((p) => [p.table, p.chain, p.policy])).toEqual(S.policies.map((p) => [p.table, p.chain, p.policy]));
    expect(s.policies[0]!.line).toBe(':INPUT DROP [0:0]');
  });

  it('captured: `iptables -L -n` is not read (flows should run `iptables -S`)', () => {
    expect(parse(fixture('captured/iptables-L-n.txt'))).toEqual({ policies: [], rules: [], errors: [], truncated: false });
  });

  it('reads tables, negations, quoted comments and open-ended ranges', () => {
    const r = parse(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        '-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080',
        '*filter',
        '-A INPUT ! -s 10.0.0.0/8 -p tcp -m tcp ! --dport 22 -m comment --comment "-j ACCEPT --dport 9" -j DROP',
        '-A INPUT -p tcp -m tcp --dport 1024: -j ACCEPT',
        'iptables v1.8.7 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)',
      ].join('\n'),
    );
    expect(r.policies).toEqual([{ table: 'nat', chain: 'PREROUTING', policy: 'ACCEPT', line: ':PREROUTING ACCEPT [0:0]' }]);
    expect(r.rules[0]).toMatchObject({ table: 'nat', action: 'REDIRECT', dports: [80] });
    expect(r.rules[1]).toMatchObject({ table: 'filter', source: '!10.0.0.0/8', action: 'DROP', dports: [], dport: 0, has_negation: true });
    expect(r.rules[2]).toMatchObject({ dports: [], dport: 1024, dport_ranges: [{ from: 1024, to: 65535 }] });
    expect(r.errors).toHaveLength(1);
  });

  it('pathological: 100k rules capped; a 2 MB port list and unbalanced quotes bounded', () => {
    const many = parse('-A INPUT -p tcp --dport 80 -j DROP\n'.repeat(100_000));
    expect(many.rules).toHaveLength(10_000);
    expect(many.truncated).toBe(true);
    const ports = parse('-A INPUT -p tcp -m multiport --dports ' + '1,'.repeat(1_000_000) + ' -j DROP');
    expect(ports.rules[0]!.dports.length).toBeLessThanOrEqual(64);
    const quotes = parse('-A INPUT --comment "' + 'x'.repeat(2_000_000));
    expect(quotes.rules).toHaveLength(1);
  });
});
