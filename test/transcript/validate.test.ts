/**
 * The transcript lines' checker (src/transcript/validate.ts): built from the schemas, refusing
 * keywords it does not implement, each event kind's checker built on first use.
 */
import { describe, expect, it } from 'vitest';
import { compileSchema, transcriptValidators } from '../../src/transcript/validate.js';
import { transcriptSchemas } from '../../src/transcript/validators.js';

describe('the transcript checker', () => {
  it('compiles every schema of the format (what the build does too)', () => {
    const schemas = transcriptSchemas();
    expect(Object.keys(schemas).length).toBeGreaterThan(5);
    for (const s of Object.values(schemas)) expect(() => compileSchema(s as Record<string, unknown>)).not.toThrow();
  });

  it('refuses a keyword it does not implement instead of ignoring it', () => {
    expect(() => compileSchema({ type: 'string', pattern: '^a' })).toThrow('unsupported keyword "pattern"');
    expect(() => compileSchema({ properties: { a: { type: 'string', format: 'uri' } } })).toThrow('unsupported keyword "format"');
    expect(() => compileSchema({ type: 'tuple' })).toThrow('unsupported type "tuple"');
  });

  it('checks each event kind by its own schema, first problem first', () => {
    const v = transcriptValidators();
    expect(v.events.command({ kind: 'command' })).toMatchObject({ path: expect.stringMatching(/^\//), message: 'expected required property' });
    expect(v.events.answer({ kind: 'answer', id: 'q', value: true, source: 'replay' })).toBeNull();
    expect(v.events.answer({ kind: 'answer', id: 7, value: 'a', source: 'replay' })).toEqual({ path: '/id', message: 'expected string' });
    expect(v.events.answer({ kind: 'answer', id: 'q', value: 3, source: 'replay' })).toEqual({ path: '/value', message: 'expected union value' });
  });

  it('says where a nested problem is: keys (escaped as JSON pointers), array indexes, pattern properties', () => {
    const check = compileSchema({
      type: 'object',
      required: ['a'],
      properties: { a: { type: 'array', items: { type: 'object', properties: { 'b/c': { type: 'string' } } } }, m: { type: 'object', patternProperties: { '^x': { type: 'integer', minimum: 0 } } } },
    });
    expect(check({ a: [{ 'b/c': 'ok' }, { 'b/c': 1 }] })).toEqual({ path: '/a/1/b~1c', message: 'expected string' });
    expect(check({ a: [], m: { y: 'any', 'x~1': -1 } })).toEqual({ path: '/m/x~01', message: 'expected integer to be greater or equal to 0' });
    expect(check({ m: {} })).toEqual({ path: '/a', message: 'expected required property' });
    // The same check again at another place: the path is that place's, not the first one's.
    expect(check({ a: [{ 'b/c': 2 }] })).toEqual({ path: '/a/0/b~1c', message: 'expected string' });
    expect(check({ a: [{ 'b/c': 'x' }], m: { x: 3 } })).toBeNull();
  });
});
