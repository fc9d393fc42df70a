/**
 * A model's result type is derived from its CEL type declaration (issue 18), as the parsers' are
 * (test/parsers/types.test.ts): these checks are the type checker's (`npx tsc --noEmit` covers
 * test/); at run time they show what a flow's environment registers is those declarations.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { acceptingSocket, SOCKET_VERDICT_TYPE, type ListenSocket, type PassedSocket, type SocketReason, type SocketVerdict } from '../../src/models/socket.js';
import { FW_FIX_TYPE, fixFor, type FwFix } from '../../src/models/firewall-fix.js';
import { FW_FATE_TYPE, type FwFate, type FwRuleRef, type FwVerdict } from '../../src/models/firewall.js';
import { registerModels } from '../../src/models/cel.js';
import { ssParser } from '../../src/parsers/ss.js';
import type { ValueType } from '../../src/parsers/types.js';

describe('model types derived from the CEL declaration', () => {
  it('gives the socket verdict its CEL fields, reason kept as the closed set', () => {
    expectTypeOf(acceptingSocket).returns.toEqualTypeOf<SocketVerdict>();
    expectTypeOf<SocketVerdict['reason']>().toEqualTypeOf<SocketReason>();
    expectTypeOf<SocketVerdict['group']>().toEqualTypeOf<ListenSocket[]>();
    expectTypeOf<SocketVerdict['passed']>().toEqualTypeOf<PassedSocket[]>();
    expectTypeOf<PassedSocket>().toEqualTypeOf<{ socket: ListenSocket; reason: string }>();
    expectTypeOf<ListenSocket['pids']>().toEqualTypeOf<number[]>();
    expectTypeOf<keyof SocketVerdict>().toEqualTypeOf<'accepts' | 'unknown' | 'reason' | 'socket' | 'group' | 'passed' | 'family' | 'dest' | 'port' | 'iface'>();
    // @ts-expect-error the CEL type has no `address`: neither has the TypeScript one
    expectTypeOf<SocketVerdict['address']>().toBeNever();
    expect(SOCKET_VERDICT_TYPE.fields.reason).toBe('string');
    const v = acceptingSocket(ssParser.parse('State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0 511 127.0.0.1:80 0.0.0.0:* users:(("nginx",pid=7,fd=6))\n'), { addr: '198.18.2.10', port: 80 });
    expect([v.accepts, v.reason, v.socket.pids]).toEqual([false, 'loopback-only', [7]]);
  });

  it('nests the firewall fate in the fix, both derived (argvs a list of lists)', () => {
    expectTypeOf(fixFor).returns.toEqualTypeOf<FwFix>();
    expectTypeOf<FwFix['fate']>().toEqualTypeOf<FwFate>();
    expectTypeOf<FwFix['argvs']>().toEqualTypeOf<string[][]>();
    expectTypeOf<FwFate['syn']>().toEqualTypeOf<FwVerdict>();
    expectTypeOf<FwVerdict['rule']>().toEqualTypeOf<FwRuleRef>();
    expectTypeOf<FwRuleRef['handle']>().toEqualTypeOf<number>();
    expect(FW_FIX_TYPE.fields.fate).toBe(FW_FATE_TYPE);
  });

  it('registers the declarations themselves for the flows', () => {
    const types: ValueType[] = [];
    const env = { registerFunction: () => env } as unknown as Parameters<typeof registerModels>[0];
    registerModels(env, { register: (t) => types.push(t), toCel: (v) => v, fromCel: (v) => v });
    expect(types).toContain(SOCKET_VERDICT_TYPE);
    expect(types).toContain(FW_FIX_TYPE);
  });
});
