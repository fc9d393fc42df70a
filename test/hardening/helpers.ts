/** Shared by the hardening tests: a seeded PRNG, user-flow folders, transcripts read line by line. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELINE } from '../../src/flow/load.js';

export const canLab = process.getuid?.() === 0 || !!process.env.CI;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
export type Prng = ReturnType<typeof prng>;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tshoot-hard-${prefix}-`));
}

/** A folder holding the given flow files, for `--flows DIR`. */
export function flowsDir(files: Record<string, string>): string {
  const dir = tempDir('flows');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The head of a user flow: not in the menu, no target needed. */
export function flowHead(id: string, start: string): string {
  return `${MODELINE}
id: ${id}
title: { en: ${id}, ja: ${id} }
needs_target: false
menu: false
start: ${start}
nodes:
`;
}

/** A fix node quoting `from`'s output. */
export function fixNode(name: string, fixId: string, from: string): string {
  return `  ${name}:
    kind: fix
    id: ${fixId}
    title: { en: Done, ja: 完了 }
    cause: { en: done, ja: 完了 }
    # A test fix that always holds (its only way back is itself, never taken).
    requires: { when: 'true', otherwise: ${name} }
    evidence: [{ from: ${from} }]
    fix: [{ en: nothing, ja: なし }]
    verify: [{ en: nothing, ja: なし }]
`;
}

export function endNode(name: string): string {
  return `  ${name}:
    kind: end
    title: { en: Unresolved, ja: 未解決 }
    next_steps: [{ en: look again, ja: もう一度 }]
`;
}

export interface Line {
  kind?: string;
  [k: string]: unknown;
}

/** Every line of a transcript parsed as JSON (throws, failing the test, on a line that is not). */
export function transcriptLines(file: string): Line[] {
  const text = readFileSync(file, 'utf8');
  expectTrailingNewline(file, text);
  return text
    .split('\n')
    .slice(0, -1)
    .map((l, i) => {
      try {
        return JSON.parse(l) as Line;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON: ${(e as Error).message}`);
      }
    });
}

function expectTrailingNewline(file: string, text: string): void {
  if (!text.endsWith('\n')) throw new Error(`${file}: the last line is cut short`);
}

/** A stack frame as Node prints it. */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
