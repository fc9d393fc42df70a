/**
 * Shared test helpers for the parser tests: fixtures, a checker that a value's ints are whole
 * numbers, and hostile inputs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Parser, ValueType } from '../../src/parsers/types.js';
import { parserFaults } from '../../src/parsers/text.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A fixture's text: `seed/ss-antup.txt` (from the memo) or `captured/…` (from this machine). */
export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

/** Parses, and checks that nothing threw inside and that every `int` holds a whole number. */
export function parseChecked<T>(parser: Parser<T>, text: string): T {
  const before = parserFaults().count;
  const value = parser.parse(text);
  expect(parserFaults().count, String(parserFaults().last)).toBe(before);
  expect(unsafeInts(value, parser.type)).toEqual([]);
  return value;
}

/**
 * The `int` fields of `value` (of type `t`) that are not safe integers: the one thing about a
 * value its TypeScript type (`number`, derived from `t`) does not say. The rest of its shape is
 * the compiler's to check (issue 18).
 */
export function unsafeInts(value: unknown, t: ValueType, path = '$'): string[] {
  if (t === 'int') return Number.isSafeInteger(value) ? [] : [`${path}: expected int, got ${String(value)}`];
  if (typeof t === 'string' || value === null || typeof value !== 'object') return [];
  if ('list' in t) {
    const out: string[] = [];
    const items = value as unknown[];
    for (let i = 0; i < items.length && out.length < 10; i++) out.push(...unsafeInts(items[i], t.list, `${path}[${i}]`));
    return out;
  }
  const obj = value as Record<string, unknown>;
  return Object.entries(t.fields).flatMap(([k, ft]) => unsafeInts(obj[k], ft, `${path}.${k}`));
}

/** Every struct type reachable from `t`, by name. */
export function structsOf(t: ValueType, into = new Map<string, unknown[]>()): Map<string, unknown[]> {
  if (typeof t === 'string') return into;
  if ('list' in t) return structsOf(t.list, into);
  const seen = into.get(t.struct) ?? [];
  if (!seen.includes(t)) seen.push(t);
  into.set(t.struct, seen);
  for (const f of Object.values(t.fields)) structsOf(f, into);
  return into;
}

/** Deterministic bytes 0–255 (a tiny LCG), decoded as latin1 so every code unit appears. */
export function binary(n: number): string {
  let x = 12345;
  let s = '';
  const chunk: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    chunk.push(x >>> 24);
    if (chunk.length === 4096) {
      s += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return s + String.fromCharCode(...chunk);
}

const MB = 1024 * 1024;

/** Inputs no parser may throw on or stall over. */
export const HOSTILE: ReadonlyArray<readonly [string, () => string]> = [
  ['empty', () => ''],
  ['only newlines', () => '\n'.repeat(MB)],
  ['NUL bytes', () => '\0'.repeat(64 * 1024)],
  ['binary', () => binary(MB)],
  ['2 MB line of a', () => 'a'.repeat(2 * MB)],
  ['2 MB line of ((((', () => '('.repeat(2 * MB)],
  ['2 MB line of {{{{', () => '{'.repeat(2 * MB)],
  ['2 MB line of }}}}', () => '}'.repeat(2 * MB)],
  ['2 MB line of quotes', () => '"'.repeat(2 * MB)],
  ['2 MB line of backslashes', () => '\\'.repeat(2 * MB)],
  ['10 MB line of words', () => 'a: (b) [c] "d" x:1 '.repeat((10 * MB) / 19)],
  ['100k short lines', () => 'a b c\n'.repeat(100_000)],
  ['100k lines of {', () => '{\n'.repeat(100_000)],
  ['lone surrogates and CRs', () => '\ud800\r\udfff\r\n'.repeat(10_000)],
];
