/**
 * `{{ expr }}` interpolation in texts and argv elements. A template is split into literal
 * and expression parts once, when the flow is loaded; rendering concatenates the parts'
 * values and never scans the result again, so a value that contains `{{` stays text.
 */
import type { TextT } from './schema.js';

export type Part = { readonly lit: string } | { readonly expr: string; readonly offset: number };

export interface Template {
  readonly source: string;
  readonly parts: readonly Part[];
}

export const LANGS = ['en', 'ja'] as const;
export type Lang = (typeof LANGS)[number];

export class TemplateError extends Error {
  readonly code = 'bad-template';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function parseTemplate(source: string): Template {
  const parts: Part[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push({ lit: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ lit: source.slice(i, open) });
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('"{{" without a closing "}}"', open);
    const expr = source.slice(open + 2, close).trim();
    if (!expr) throw new TemplateError('empty "{{ }}"', open);
    parts.push({ expr, offset: open + 2 });
    i = close + 2;
  }
  return { source, parts };
}

export function isLiteral(t: Template): boolean {
  return t.parts.every((p) => 'lit' in p);
}

/** Every language a text has, English first. */
export function textVariants(text: TextT): Array<[Lang, string]> {
  if (typeof text === 'string') return [['en', text]];
  const out: Array<[Lang, string]> = [['en', text.en]];
  if (text.ja !== undefined) out.push(['ja', text.ja]);
  return out;
}

/** The text in `lang`, falling back to English. */
export function pickText(text: TextT, lang: Lang): string {
  if (typeof text === 'string') return text;
  return (lang === 'ja' ? text.ja : undefined) ?? text.en;
}

/** `--lang`, else LC_ALL / LANG starting with `ja`, else English. */
export function detectLang(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): Lang {
  if (explicit === 'ja' || explicit === 'en') return explicit;
  const loc = env.LC_ALL || env.LANG || '';
  return loc.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}
