/**
 * Issue 18, a flow author's first hour: a corpus of small flows, each with one realistic
 * mistake, linted the way `tshoot flows lint` does (files in a folder, one run). Each mistake
 * gives exactly one problem, at the key or value that is wrong, in our words, with a
 * did-you-mean for a misspelt name; the ones a mistake would drag along (a node it leaves
 * unreachable, a use of the field it fails to define) are not reported; lines are sorted.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintCommand } from '../../src/cli/flows.js';
import type { CliIO } from '../../src/cli/io.js';
import { NODE_SCHEMAS } from '../../src/flow/schema.js';

/** The clean flow every case starts from (line numbers below are this file's). */
const BASE = `id: base
title: { en: T, ja: T }
start: probe
nodes:
  probe:
    kind: run
    title: { en: Probe, ja: Probe }
    role: client
    argv: [echo, hi]
    timeout: 5
    extract:
      v: { regex: "v(?<num>[0-9]+)" }
      http: { parser: http-response }
    next:
      - when: probe.exit == 0 && probe.v.num == "1" && probe.http.status == 200
        goto: done
      - goto: other
  done:
    kind: end
    title: { en: D, ja: D }
    next_steps: [{ en: x, ja: x }]
  other:
    kind: end
    title: { en: O, ja: O }
    next_steps: [{ en: y, ja: y }]
`;

/** Replaces exactly one occurrence (a case that no longer applies fails here, not silently). */
function edit(text: string, from: string, to: string): string {
  expect(text.split(from).length, from).toBe(2);
  return text.replace(from, to);
}

const WHEN = 'probe.exit == 0 && probe.v.num == "1" && probe.http.status == 200';

/** [file name, the flow's text, the exact lines lint prints for it]. */
const cases: Array<[string, string, string[]]> = [
  ['kind-misspelt', edit(BASE, '    kind: end\n    title: { en: D', '    kind: ednd\n    title: { en: D'), [
    '19:11 node "done": unknown node kind "ednd" (did you mean "end"?)',
  ]],
  ['goto-typo', edit(BASE, 'goto: done', 'goto: dnoe'), [
    '16:15 node "probe": goto "dnoe" does not exist (did you mean "done"?)',
  ]],
  ['parser-typo', edit(BASE, 'parser: http-response', 'parser: http-reponse'), [
    '13:23 node "probe": unknown parser "http-reponse" (did you mean "http-response"?)',
  ]],
  ['cel-syntax', edit(BASE, WHEN, 'probe.exit = 0'), [
    '15:15 node "probe": Unexpected character: = (see `tshoot flows vars FLOW` for the names and types in scope)',
  ]],
  ['cel-unknown-var', edit(BASE, WHEN, 'prob.exit == 0'), [
    '15:15 node "probe": Unknown variable: prob (did you mean "probe"?)',
  ]],
  ['cel-unknown-field', edit(BASE, WHEN, 'probe.exti == 0'), [
    '15:15 node "probe": No such key: exti (did you mean "exit"?)',
  ]],
  ['let-unknown-var', edit(edit(BASE, 'start: probe\n', 'start: probe\nlet:\n  up: "prob.ok"\n'), WHEN, 'up && probe.v.num == "1"'), [
    '5:7: let up: Unknown variable: prob (did you mean "probe"?)',
  ]],
  ['node-twice', `${BASE}  done:\n    kind: end\n    title: { en: D2, ja: D2 }\n    next_steps: [{ en: z, ja: z }]\n`, [
    '26:3: "done" is defined twice (the first is at line 18; rename or remove one)',
  ]],
  ['no-start', edit(BASE, 'start: probe\n', ''), [
    '1:1: missing field "start"',
  ]],
  ['start-typo', edit(BASE, 'start: probe', 'start: prbe'), [
    '3:8: start node "prbe" does not exist (did you mean "probe"?)',
  ]],
  ['timeout-string', edit(BASE, 'timeout: 5', 'timeout: "5s"'), [
    '10:14 node "probe": "timeout" must be a number, not the string "5s"',
  ]],
  ['title-number', edit(BASE, 'title: { en: Probe, ja: Probe }', 'title: 5'), [
    '7:12 node "probe": "title" must be a string or a mapping, not the number 5',
  ]],
  ['node-id-chars', edit(edit(BASE, 'goto: other', 'goto: Other-end'), '  other:', '  Other-end:'), [
    '22:3 node "Other-end": node id "Other-end" is not a valid name (node ids are CEL names: lowercase letters, digits and _, starting with a letter, e.g. "other_end")',
  ]],
  ['modeline-no-schema', `# yaml-language-server: $schema=./flow.schema.json\n${BASE}`, [
    '1:33: warning: the modeline\'s schema "./flow.schema.json" is not there: an editor cannot check this flow (write it beside the flow: `tshoot flows schema > flow.schema.json`; or remove the line, which is optional)',
  ]],
  ['field-misspelt', edit(BASE, 'title: { en: Probe, ja: Probe }', 'titel: { en: Probe, ja: Probe }'), [
    '7:5 node "probe": unknown field "titel" (did you mean "title"?)',
  ]],
  ['unknown-field', edit(BASE, '    timeout: 5\n', '    timeout: 5\n    retries: 3\n'), [
    // The run node's fields, as the schema lists them (it grows).
    `11:5 node "probe": unknown field "retries" (remove it; the fields here are ${Object.keys(NODE_SCHEMAS.run.properties).join(', ')})`,
  ]],
  ['branch-field-misspelt', edit(BASE, '        goto: done', '        gotto: done'), [
    '16:9 node "probe": unknown field "gotto" (did you mean "goto"?)',
  ]],
  ['role-typo', edit(BASE, 'role: client', 'role: cleint'), [
    '8:11 node "probe": unknown role "cleint" (did you mean "client"?)',
  ]],
  ['regex-unclosed', edit(BASE, 'v(?<num>[0-9]+)', 'v(?<num>[0-9]+'), [
    '12:19 node "probe": regex does not compile: Invalid regular expression: /v(?<num>[0-9]+/m: Unterminated group',
  ]],
  ['cel-function-typo', edit(BASE, WHEN, 'sise(probe.stdout) > 0'), [
    '15:15 node "probe": found no matching overload for \'sise(string)\' (did you mean "size"?)',
  ]],
  ['cel-method-typo', edit(BASE, WHEN, 'probe.stdout.startWith("HTTP/1.1 200")'), [
    '15:15 node "probe": found no matching overload for \'string.startWith(string)\' (did you mean "startsWith"?)',
  ]],
  ['not-boolean', edit(BASE, WHEN, 'probe.exit'), [
    '15:15 node "probe": condition is int, not bool (compare it, e.g. `probe.exit == …`)',
  ]],
  ['template-field-typo', edit(BASE, 'title: { en: D, ja: D }', 'title: { en: "D {{ probe.stdot }}", ja: D }'), [
    '20:18 node "done": in {{ probe.stdot }}: No such key: stdot (did you mean "stdout"?)',
  ]],
  ['template-unclosed', edit(BASE, 'title: { en: D, ja: D }', 'title: { en: "D {{ probe.exit", ja: D }'), [
    '20:18 node "done": "{{" without a closing "}}"',
  ]],
  ['call-typo', edit(BASE, '    kind: end\n    title: { en: O, ja: O }\n    next_steps: [{ en: y, ja: y }]\n', '    kind: call\n    flow: refsued\n'), [
    '24:11 node "other": calls flow "refsued", which does not exist (did you mean "refused"?)',
  ]],
  ['extract-from-typo', edit(BASE, '"v(?<num>[0-9]+)" }', '"v(?<num>[0-9]+)", from: stdot }'), [
    '12:44 node "probe": "from" is "stdot", not one of "stdout", "stderr", "both" (did you mean "stdout"?)',
  ]],
  ['extract-key-typo', edit(BASE, '{ regex: "v(?<num>[0-9]+)" }', '{ regexp: "v(?<num>[0-9]+)" }'), [
    '12:12 node "probe": unknown field "regexp" (did you mean "regex"?)',
  ]],
  ['next-number', edit(BASE, '    next:\n      - when: ' + WHEN + '\n        goto: done\n      - goto: other\n', '    next: 5\n'), [
    '14:11 node "probe": "next" must be a string or a list, not the number 5',
  ]],
  ['input-typo', edit(BASE, '  done:\n    kind: end\n    title: { en: D, ja: D }\n    next_steps: [{ en: x, ja: x }]\n', '  done:\n    kind: ask\n    input: confrim\n    text: { en: Q, ja: Q }\n    next: other\n'), [
    '20:12 node "done": "input" is "confrim", not one of "confirm", "select", "input" (did you mean "confirm"?)',
  ]],
];

/** Four mistakes (and a missing translation) in one file: four errors and a warning, in line order. */
const FOUR = edit(
  edit(
    edit(edit(edit(BASE, 'title: { en: T, ja: T }', 'title: T'), 'start: probe\n', 'start: probe\nlet:\n  up: "prob.ok"\n'), WHEN, 'up && probe.http.status == 200'),
    'parser: http-response',
    'parser: http-reponse',
  ),
  'goto: done',
  'goto: dnoe',
).replace('title: { en: D, ja: D }', 'title: { en: "D {{ probe.http.server }} {{ probe.stdot }}", ja: D }');
const FOUR_LINES = [
  'four-mistakes.yaml:2:8: warning: no ja text (write it as {en: …, ja: …})',
  'four-mistakes.yaml:5:7: let up: Unknown variable: prob (did you mean "probe"?)',
  'four-mistakes.yaml:15:23 node "probe": unknown parser "http-reponse" (did you mean "http-response"?)',
  'four-mistakes.yaml:18:15 node "probe": goto "dnoe" does not exist (did you mean "done"?)',
  'four-mistakes.yaml:22:18 node "done": in {{ probe.stdot }}: No such key: stdot (did you mean "stdout"?)',
];

let dir = '';
let out = '';
let summary = '';
let code = -1;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tshoot-authoring-'));
  cases.forEach(([name, text], i) => writeFileSync(join(dir, `${name}.yaml`), text.replace('id: base', `id: case-${i + 1}`)));
  writeFileSync(join(dir, 'four-mistakes.yaml'), FOUR.replace('id: base', 'id: four'));
  const cache = join(dir, '.cache');
  mkdirSync(cache);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (summary += d.toString()));
  const io = { stdin: new PassThrough(), stdout, stderr, env: { XDG_CACHE_HOME: cache, TSHOOT_NO_CACHE: '1' }, cwd: dir } as unknown as CliIO;
  code = lintCommand(io, [...cases.map(([name]) => `${name}.yaml`), 'four-mistakes.yaml'], { strict: true });
});

afterAll(() => {
  if (process.env.DUMP_AUTHORING) console.log(out);
});

describe('flows lint on a corpus of authoring mistakes (issue 18)', () => {
  it(`has at least 20 mistakes`, () => expect(cases.length).toBeGreaterThanOrEqual(20));

  for (const [name, , lines] of cases) {
    it(`${name}: one problem, located, in our words`, () => {
      expect(lines).toHaveLength(1);
      const mine = out.split('\n').filter((l) => l.startsWith(`${name}.yaml:`));
      expect(mine).toEqual(lines.map((l) => `${name}.yaml:${l}`));
    });
  }

  it('four mistakes in one file: four errors (nothing they drag along) and the warning, sorted by line', () => {
    expect(out.split('\n').filter((l) => l.startsWith('four-mistakes.yaml:'))).toEqual(FOUR_LINES);
  });

  it('the whole output is in file and line order, and the summary counts it', () => {
    const lines = out.trimEnd().split('\n');
    const key = (l: string) => {
      const [f, line, col] = l.split(':');
      return [f!, Number(line), Number(col)] as const;
    };
    const sorted = [...lines].sort((a, b) => {
      const [fa, la, ca] = key(a);
      const [fb, lb, cb] = key(b);
      return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
    });
    expect(lines).toEqual(sorted);
    expect(lines).toHaveLength(cases.length + FOUR_LINES.length);
    expect(summary).toBe(`${cases.length + 1} flow files: ${lines.length - 2} errors, 2 warnings\n`);
    expect(code).toBe(2);
  });
});
