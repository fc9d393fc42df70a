/**
 * A parser's TypeScript type is derived from its CEL type declaration (issue 18): these checks
 * are the type checker's (`npx tsc --noEmit` covers test/); at run time they only show the
 * declarations are plain data, as the CEL environment reads them.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { list, struct, type Infer } from '../../src/parsers/types.js';
import { ssParser, type SsOutput, type SsSocket } from '../../src/parsers/ss.js';
import { connectErrorParser, type ConnectError, type ConnectKind } from '../../src/parsers/connect-error.js';
import { systemdUnitParser, type SystemdSetting } from '../../src/parsers/systemd-units.js';

describe('types derived from the CEL declaration', () => {
  it('maps int to number, bool to boolean, list to an array and a struct to an object', () => {
    const point = struct('Point', { x: 'int', label: 'string', on: 'bool', tags: list('string'), next: list(struct('Hop', { n: 'int' })) });
    expectTypeOf<Infer<typeof point>>().toEqualTypeOf<{ x: number; label: string; on: boolean; tags: string[]; next: Array<{ n: number }> }>();
    expect(point).toEqual({
      struct: 'Point',
      fields: { x: 'int', label: 'string', on: 'bool', tags: { list: 'string' }, next: { list: { struct: 'Hop', fields: { n: 'int' } } } },
    });
  });

  it('gives ss its socket type, fields as ss.ts declares them for CEL', () => {
    expectTypeOf(ssParser.parse).returns.toEqualTypeOf<SsOutput>();
    expectTypeOf<SsOutput['sockets']>().toEqualTypeOf<SsSocket[]>();
    expectTypeOf<SsSocket['local_port']>().toEqualTypeOf<number>();
    expectTypeOf<SsSocket['pids']>().toEqualTypeOf<number[]>();
    expectTypeOf<SsSocket['wildcard']>().toEqualTypeOf<boolean>();
    expectTypeOf<keyof SsSocket>().toEqualTypeOf<(typeof SS_FIELDS)[number]>();
    // A field CEL does not declare is no field of the TypeScript type either.
    // @ts-expect-error `port` is `local_port`
    expectTypeOf<SsSocket['port']>().toBeNever();
    const socketType = (ssParser.type.fields as Record<string, unknown>).sockets as { list: { fields: Record<string, unknown> } };
    expect(Object.keys(socketType.list.fields)).toEqual([...SS_FIELDS]);
  });

  it('keeps a narrower TypeScript type where CEL has only string (connect-error kind)', () => {
    expectTypeOf(connectErrorParser.parse).returns.toEqualTypeOf<ConnectError>();
    expectTypeOf<ConnectError['kind']>().toEqualTypeOf<ConnectKind>();
    expect((connectErrorParser.type.fields as Record<string, unknown>).kind).toBe('string');
    expect(connectErrorParser.parse('curl: (7) Failed to connect to 127.0.0.1 port 81 after 0 ms: Connection refused').kind).toBe('refused');
  });

  it('derives a nested list of structs (systemd-unit settings)', () => {
    expectTypeOf(systemdUnitParser.parse).returns.toHaveProperty('listen_streams').toEqualTypeOf<SystemdSetting[]>();
    expectTypeOf<SystemdSetting>().toEqualTypeOf<{ file: string; line: number; section: string; key: string; value: string }>();
  });
});

const SS_FIELDS = [
  'netid', 'state', 'recv_q', 'send_q', 'local_addr', 'local_host', 'local_zone', 'local_port',
  'peer_addr', 'peer_port', 'processes', 'pids', 'process', 'pid', 'wildcard', 'loopback', 'line',
] as const;
