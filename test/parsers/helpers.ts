/**
 * Shared test helpers for the parser tests: fixtures, a checker that a value has exactly
 * the shape its parser declares, and hostile inputs.
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

/** Parses, and checks that the result has the declared shape and that nothing threw inside. */
export function parseChecked<T>(parser: Parser<T>, text: string): T {
  const before = parserFaults().count;
  const value = parser.parse(text);
  expect(parserFaults().count, String(parserFaults().last)).toBe(before);
  expect(shapeProblems(value, parser.type)).toEqual([]);
  return value;
}

/**
 * Problems with `value` against `t`: missing or extra fields, wrong primitive types,
 * non-integer ints. Empty when it conforms.
 */
export function shapeProblems(value: unknown, t: ValueType, path = '$'): string[] {
  if (t === 'string') return typeof value === 'string' ? [] : [`${path}: expected string, got ${typeof value}`];
  if (t === 'bool') return typeof value === 'boolean' ? [] : [`${path}: expected bool, got ${typeof value}`];
  if (t === 'int') return Number.isSafeInteger(value) ? [] : [`${path}: expected int, got ${String(value)}`];
  if ('list' in t) {
    if (!Array.isArray(value)) return [`${path}: expected list`];
    const out: string[] = [];
    for (let i = 0; i < value.length && out.length < 10; i++) out.push(...shapeProblems(value[i], t.list, `${path}[${i}]`));
    return out;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected ${t.struct}`];
  const obj = value as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(t.fields)) if (!(k in obj)) out.push(`${path}.${k}: missing from ${t.struct}`);
  for (const k of Object.keys(obj)) if (!(k in t.fields)) out.push(`${path}.${k}: not declared in ${t.struct}`);
  for (const [k, ft] of Object.entries(t.fields)) if (k in obj) out.push(...shapeProblems(obj[k], ft, `${path}.${k}`));
  return out;
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
