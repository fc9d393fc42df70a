/**
 * Issue 7 part 4, flow regexes on hostile output: lint refuses the shapes that backtrack
 * exponentially (`unsafe-regex`), and what an `extract` regex sees is capped, so a plain
 * quadratic one stays fast on a 10 MB line.
 */
import { describe, expect, it } from 'vitest';
import { compileFlows } from '../../src/flow/compile.js';
import { loadFlowSource } from '../../src/flow/load.js';
import { unsafeRegex } from '../../src/flow/regex-safety.js';
import { REGEX_LINE_MAX, REGEX_TEXT_MAX, regexText } from '../../src/engine/engine.js';
import { endNode, fixNode, flowHead } from './helpers.js';

const UNSAFE = [
  '(a+)+',
  '(a*)*',
  '(a|a)*',
  '(.*a){20}',
  '^(a+)+$',
  '(?:\\w+\\s?)+$',
  '(x+x+)+y',
  '(a|ab)*c',
  '(\\d|\\w)+!',
  '((a+))+',
  '(?<n>[a-z]+)*$',
  '(.*,){12}x',
  '(?:a+|b)+$',
  '(\\s*\\w+)*=',
  '.*:.*:.*=',
  '(a{1,20}){1,20}$',
];
const SAFE = [
  'nginx: master process (?<cmd>[^\\n]*)',
  '^(?<addr>[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)',
  '[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}',
  '(\\d+\\.){3}\\d+',
  '(?:\\d+\\.)+\\d+',
  '(a+b)+c',
  '(?:[^"\\\\]|\\\\.)*',
  '.*:(?<port>\\d+)',
  'listen\\s+(?<addr>\\S+)',
  '(GET|HEAD) (?<path>\\S+)',
  '(?:ab|cd)+',
  '\\bport (?<p>\\d{1,5})\\b',
  '(?=(a+))a',
  '[()|*+]+',
  '\\(a+\\)+',
  'a{2}{',
  '',
];

describe('unsafeRegex', () => {
  it.each(UNSAFE)('refuses /%s/', (src) => {
    expect(() => new RegExp(src, 'm')).not.toThrow();
    expect(unsafeRegex(src)).toEqual(expect.any(String));
  });
  it.each(SAFE)('accepts /%s/', (src) => {
    expect(unsafeRegex(src)).toBeNull();
  });

  it('every refused shape really backtracks: a few characters more than doubles the time', () => {
    // The evidence behind the rule, measured on the classic one (kept tiny: 2^22 steps).
    const t = (n: number) => {
      const t0 = performance.now();
      /^(a+)+$/.test(`${'a'.repeat(n)}!`);
      return performance.now() - t0;
    };
    t(16);
    expect(t(22)).toBeGreaterThan(t(18) * 2);
  });

  it('is fast on long and odd sources', () => {
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) unsafeRegex(`${'(?:a|b)'.repeat(50)}${'[x-z]+'.repeat(20)}\\u0041\\x41\\cA\\k<n>(?<n>q)`);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('lint: unsafe-regex', () => {
  const flow = (regex: string, pattern = '.*') =>
    `${flowHead('rx', 'q')}  q:
    kind: ask
    input: input
    pattern: ${JSON.stringify(pattern)}
    text: { en: q, ja: q }
    next: r
  r:
    kind: run
    title: { en: r, ja: r }
    role: local
    argv: [echo, hi]
    extract:
      x: { regex: ${JSON.stringify(regex)} }
    next: done
${fixNode('done', 'rx-done', 'r')}`;

  it('an extract regex and a question pattern: located problems with code unsafe-regex', () => {
    const text = flow('(a+)+$', '(a|a)*');
    const { flow: src, problems } = loadFlowSource('rx.yaml', text);
    expect(problems).toEqual([]);
    const res = compileFlows([src!]);
    const unsafe = res.problems.filter((p) => p.code === 'unsafe-regex');
    expect(unsafe.map((p) => [p.node, p.line]).sort()).toEqual([
      ['q', text.split('\n').findIndex((l) => l.includes('pattern:')) + 1],
      ['r', text.split('\n').findIndex((l) => l.includes('regex:')) + 1],
    ]);
  });

  it('a safe one compiles', () => {
    const { flow: src } = loadFlowSource('rx.yaml', flow('(?<w>\\w+)'));
    expect(compileFlows([src!]).problems).toEqual([]);
  });
});

describe('regexText: the text an extract regex sees', () => {
  it('short text is passed as is', () => {
    const s = 'a\nb\n'.repeat(100);
    expect(regexText(s)).toBe(s);
  });
  it('the first 1 MB, lines cut at 4096 characters', () => {
    const s = `${'x'.repeat(10 * 1024 * 1024)}\nshort\n`;
    const r = regexText(s);
    expect(r).toBe('x'.repeat(REGEX_LINE_MAX));
    const many = `${'y'.repeat(5000)}\nok\n`.repeat(400);
    const m = regexText(many);
    expect(m.length).toBeLessThanOrEqual(REGEX_TEXT_MAX);
    expect(m.split('\n').every((l) => l.length <= REGEX_LINE_MAX)).toBe(true);
    expect(m.startsWith(`${'y'.repeat(REGEX_LINE_MAX)}\nok\n`)).toBe(true);
  });
  it('a quadratic regex on a 10 MB line ends in well under a few seconds', () => {
    const t0 = performance.now();
    expect(/.*x/m.exec(regexText('a'.repeat(10 * 1024 * 1024)))).toBeNull();
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('lint: a question pattern must compile the way answers are checked (Unicode mode)', () => {
  it('[\\w-.] compiles without the u flag but not with it: bad-regex at lint, not an internal error at the answer', () => {
    const text = `${flowHead('pu', 'q')}  q:
    kind: ask
    input: input
    pattern: "[\\\\w-.]+"
    text: { en: q, ja: q }
    next: done
${endNode('done')}`;
    const { flow: src, problems: loaded } = loadFlowSource('pu.yaml', text);
    expect(loaded).toEqual([]);
    const problems = compileFlows([src!]).problems.filter((p) => p.code === 'bad-regex');
    expect(problems).toEqual([expect.objectContaining({ node: 'q', line: 11, message: expect.stringContaining('Unicode') })]);
  });
});
