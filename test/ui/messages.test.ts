/**
 * messages.ts (issues 16 and 18): every table has the same keys in English and Japanese, all the
 * way down (the types say so for the tables typed `Table<…>`; this says it for every export of
 * that shape), and every Japanese entry is Japanese — a string, or what a function returns for
 * placeholder arguments — not the English left in place.
 */
import { describe, expect, it } from 'vitest';
import * as messages from '../../src/ui/messages.js';

type Tree = { readonly [k: string]: unknown };

const tables = (Object.entries(messages) as Array<[string, unknown]>).filter((e): e is [string, { en: Tree; ja: Tree }] => {
  const v = e[1] as { en?: unknown; ja?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.en === 'object' && typeof v.ja === 'object';
});

/** Each leaf's path and what it says: a function is called with placeholders (each a one-element array, which reads as text, a number or a list). */
function leaves(t: Tree, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    const p = path ? `${path}.${k}` : k;
    if (typeof v === 'string') out.set(p, v);
    else if (typeof v === 'function') out.set(p, String((v as (...a: unknown[]) => unknown)(...Array.from({ length: v.length }, (_, i) => [`ARG${i}`]))));
    else if (typeof v === 'object' && v !== null) for (const [q, s] of leaves(v as Tree, p)) out.set(q, s);
    else out.set(p, String(v));
  }
  return out;
}

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;

describe('messages.ts', () => {
  it('has the tables the UI uses', () => {
    expect(tables.map(([n]) => n)).toEqual(expect.arrayContaining(['CARD_TEXT', 'PROMPT_TEXT', 'SESSION_TEXT', 'MENU_TEXT', 'APPLY_TEXT', 'SSH_TEXT', 'USAGE_TEXT', 'REPORT_TEXT', 'TARGET_TEXT', 'ANSWER_TEXT']));
  });

  it.each(tables)('%s: the same keys in en and ja, every Japanese entry translated', (_name, t) => {
    const en = leaves(t.en);
    const ja = leaves(t.ja);
    expect([...ja.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [k, v] of ja) {
      // A string of literals only (a command, a path, '—') needs no translation; anything with an English word does.
      const words = en.get(k)!.replace(/ARG\d+/g, '').match(/[A-Za-z]{3,}/g) ?? [];
      if (!words.length) continue;
      expect(v, `${_name}.ja.${k}`).not.toBe(en.get(k));
      expect(v, `${_name}.ja.${k}`).toMatch(JAPANESE);
    }
  });

  it('a placeholder reaches the text in both languages (no argument dropped by a translation)', () => {
    for (const [name, t] of tables) {
      const check = (tree: Tree, other: Tree, path: string) => {
        for (const [k, v] of Object.entries(tree)) {
          const o = other[k];
          if (typeof v === 'function' && typeof o === 'function') {
            const args = Array.from({ length: v.length }, (_, i) => [`ARG${i}`]);
            const said = (f: unknown) => new Set(String((f as (...a: unknown[]) => unknown)(...args)).match(/ARG\d+/g) ?? []);
            expect([...said(o)].sort(), `${name}.${path}${k}`).toEqual([...said(v)].sort());
          } else if (typeof v === 'object' && v !== null && typeof o === 'object' && o !== null) check(v as Tree, o as Tree, `${path}${k}.`);
        }
      };
      check(t.en, t.ja, '');
    }
  });
});
