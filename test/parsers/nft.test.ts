import { describe, it, expect } from 'vitest';
import { nftParser } from '../../src/parsers/nft.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(nftParser, text);

describe('nft parser', () => {
  describe('captured: `nft list ruleset` in a network namespace (nftables 1.0.6)', () => {
    const r = parse(fixture('captured/nft-list-ruleset.txt'));

    it('reads base chains with hook and policy, as nft prints them (`priority filter`)', () => {
      expect(r.chains).toEqual([
        { table: 'tshoot_filter', family: 'inet', chain: 'input', type: 'filter', hook: 'input', priority: 'filter', policy: 'accept', line: '\tchain input {' },
        {
          table: 'tshoot_filter',
          family: 'inet',
          chain: 'forward_chain',
          type: 'filter',
          hook: 'forward',
          priority: 'filter',
          policy: 'drop',
          line: '\tchain forward_chain {',
        },
      ]);
    });

    it('reads verdicts, protocols, ports, anonymous and named sets', () => {
      expect(r.rules.map((x) => [x.action, x.proto, x.dports, x.dport_set, x.source, x.in_iface, x.comment])).toEqual([
        ['accept', '', [], '', '', '', ''],
        ['drop', 'tcp', [18082], '', '', 'lo', ''],
        ['reject', 'tcp', [80, 443], '', '', '', ''],
        ['accept', 'tcp', [22], '', '10.0.0.0/8', '', 'ssh from vpc'],
        ['drop', 'tcp', [8443, 9000], 'blocked', '', '', ''],
        ['accept', 'udp', [53], '', '', '', ''],
      ]);
      expect(r.rules[2]).toMatchObject({ table: 'tshoot_filter', family: 'inet', chain: 'input', hook: 'input', policy: 'accept', line: '\t\ttcp dport { 80, 443 } reject' });
    });
  });

  it('captured: the table iptables-nft made (policy drop, jump to a user chain, ranges)', () => {
    const r = parse(fixture('captured/nft-list-ruleset-iptables-nft.txt'));
    expect(r.chains.map((c) => [c.family, c.table, c.chain, c.hook, c.policy])).toEqual([
      ['ip', 'filter', 'INPUT', 'input', 'drop'],
      ['ip', 'filter', 'TSHOOT-LOG', '', ''],
    ]);
    expect(r.rules.map((x) => [x.chain, x.action, x.target, x.proto, x.dports])).toEqual([
      ['INPUT', 'accept', '', '', []],
      ['INPUT', 'accept', '', '', []],
      ['INPUT', 'accept', '', 'tcp', [22]],
      ['INPUT', 'reject', '', 'tcp', [80, 443]],
      ['INPUT', 'drop', '', 'tcp', []],
      ['INPUT', 'jump', 'TSHOOT-LOG', 'udp', [53]],
      ['TSHOOT-LOG', '', '', '', []],
    ]);
    expect(r.rules[4]!.dport_ranges).toEqual([{ from: 8000, to: 8080 }]);
  });

  it('joins a rule whose set spans lines, reads negation, and ignores verdict words in comments', () => {
    const r = parse(
      [
        'table ip t {',
        '\tchain c {',
        '\t\ttype filter hook input priority 0; policy drop;',
        '\t\ttcp dport {',
        '\t\t\t80,',
        '\t\t\t443',
        '\t\t} accept',
        '\t\ttcp dport != 22 drop',
        '\t\tip saddr != 10.0.0.0/8 counter comment "accept" log prefix "drop"',
        '\t}',
        '}',
      ].join('\n'),
    );
    expect(r.rules.map((x) => [x.action, x.dports, x.has_negation, x.source])).toEqual([
      ['accept', [80, 443], false, ''],
      ['drop', [], true, ''],
      ['', [], true, '!10.0.0.0/8'],
    ]);
    expect(r.rules[2]!.comment).toBe('accept');
  });

  it('pathological: brace storms, endless joins and 100k rules stay bounded', () => {
    expect(parse('{\n'.repeat(100_000)).rules).toEqual([]);
    // Joining stops after 1,000 lines; what follows is read as (useless) rules, still capped.
    const unclosed = parse('table ip t {\n chain c {\n tcp dport {\n' + '80,\n'.repeat(100_000));
    expect(unclosed.rules[0]!.dports).toEqual([80]);
    expect(unclosed.rules.length).toBeLessThanOrEqual(10_000);
    const many = parse('table ip t {\n chain c {\n' + 'tcp dport 80 drop\n'.repeat(100_000) + '}\n}\n');
    expect(many.rules).toHaveLength(10_000);
    expect(many.truncated).toBe(true);
    const wide = parse('table ip t {\nchain c {\ntcp dport { ' + '1, '.repeat(1_000_000) + '} drop\n}\n}');
    expect(wide.rules[0]!.dports.length).toBeLessThanOrEqual(10_000);
  });
});
