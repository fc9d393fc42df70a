import { describe, it, expect } from 'vitest';
import { PARSERS, listParsers } from '../../src/parsers/index.js';
import { MAX_ITEMS, parserFaults } from '../../src/parsers/text.js';
import { HOSTILE, structsOf, unsafeInts } from './helpers.js';

const NAMES = ['apache-config', 'aws-ec2', 'connect-error', 'http-response', 'ip-route', 'iptables', 'iptables-save', 'ls', 'nft', 'nft-json', 'nginx-access-log', 'nginx-config', 'ps', 'ps-owners', 'ss', 'systemctl', 'systemctl-show', 'systemctl-sockets', 'systemctl-unit-files', 'systemd-unit', 'systemd-units'];

describe('parser registry', () => {
  it('has every built-in parser under its own name', () => {
    expect([...PARSERS.keys()].sort()).toEqual(NAMES);
    for (const [name, p] of PARSERS) expect(p.name).toBe(name);
  });

  it('lists parsers sorted by name, each with a one-line description', () => {
    const list = listParsers();
    expect(list.map((p) => p.name)).toEqual(NAMES);
    for (const p of list) {
      expect(p.description.length).toBeGreaterThan(10);
      expect(p.description).not.toContain('\n');
    }
  });

  it('gives every struct type a name used by no other type', () => {
    const all = new Map<string, unknown[]>();
    for (const p of PARSERS.values()) structsOf(p.type, all);
    const clashes = [...all].filter(([, defs]) => defs.length > 1).map(([name]) => name);
    expect(clashes).toEqual([]);
    expect(all.size).toBeGreaterThanOrEqual(20);
  });
});

// Pathological input for every parser: hosts we debug may print anything. No timing
// asserts; a backtracking regex would blow the test timeout instead.
describe.each([...PARSERS.values()])('$name on hostile input', (parser) => {
  it.each(HOSTILE)('%s: returns a value, its ints whole numbers', (_label, make) => {
    const before = parserFaults().count;
    const value = parser.parse(make());
    // The safety net in `total` must not have been needed.
    expect(parserFaults().count, String(parserFaults().last)).toBe(before);
    expect(unsafeInts(value, parser.type)).toEqual([]);
    for (const v of Object.values(value as Record<string, unknown>)) {
      if (Array.isArray(v)) expect(v.length).toBeLessThanOrEqual(MAX_ITEMS);
    }
  });

  it('survives a non-string argument', () => {
    const value = parser.parse(undefined as unknown as string);
    expect(unsafeInts(value, parser.type)).toEqual([]);
  });
});
