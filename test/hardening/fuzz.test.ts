/**
 * Issue 7 part 6, malformed flows and transcripts: the shipped flows and recorded sessions,
 * mutated with a fixed seed (byte flips, lines deleted or doubled, truncation, YAML values of
 * the wrong type, random unicode, deep nesting, huge numbers), never make tshoot throw: every
 * case ends in located problems (`FILE:LINE:COL`, `FILE:LINE:`). Most cases run in-process;
 * a sample goes through the built CLI (`flows lint`, `replay --check`): exit 2, one line per
 * problem, no stack trace.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileFlows } from '../../src/flow/compile.js';
import { loadFlowSource } from '../../src/flow/load.js';
import { isError, type Problem } from '../../src/flow/problem.js';
import { parseTranscript, TranscriptError } from '../../src/transcript/format.js';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { prng, STACK_FRAME, tempDir, type Prng } from './helpers.js';

const SEED = 0x7a5e_0006;
const FLOW_CASES = 1200;
const TRANSCRIPT_CASES = 5000;
const CLI_SAMPLE = 25; // of each kind

const FLOWS = readdirSync(join(ROOT, 'flows'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ name: f, text: readFileSync(join(ROOT, 'flows', f), 'utf8') }));
const TRANSCRIPTS = [
  ...readdirSync(join(ROOT, 'flows'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      try {
        return readdirSync(join(ROOT, 'flows', d.name, 'sessions')).map((f) => join('flows', d.name, 'sessions', f));
      } catch {
        return [];
      }
    }),
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.ndjson'))
    .map((f) => join('examples', f)),
].map((f) => ({ name: f, text: readFileSync(join(ROOT, f), 'utf8') }));

const work = tempDir('fuzz');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const WEIRD = ['\u0000', '\u202e', '\ufeff', '\ud83d\ude00', '\u00e9', '日本', '\t', '\r', '\u2028', '"', "'", ':', '#', '&a', '*a', '!!binary', '{{', '}}', '- ', '? ', '|', '>', '%', '@', '`'];
const VALUES = ['[1, 2]', '{a: 1}', 'null', '~', 'true', '-1', '0', '1e309', '99999999999999999999999999', '-0.0', '.nan', '""', "''", '[]', '{}', '&x 1', '*x', '!!str 3', '"\\u0000"', '"\\ud800"', 'x'.repeat(5000)];

function mutate(r: Prng, text: string, kind: 'yaml' | 'ndjson'): string {
  const n = 1 + r.int(3);
  let t = text;
  for (let k = 0; k < n; k++) t = once(r, t, kind);
  return t;
}

function once(r: Prng, text: string, kind: 'yaml' | 'ndjson'): string {
  const lines = text.split('\n');
  const li = r.int(lines.length);
  switch (r.int(kind === 'yaml' ? 10 : 11)) {
    case 0: {
      // byte flip
      const b = Buffer.from(text);
      if (b.length === 0) return text;
      const i = r.int(b.length);
      b[i] = b[i]! ^ (1 << r.int(8));
      return b.toString('utf8');
    }
    case 1:
      lines.splice(li, 1 + r.int(3));
      return lines.join('\n');
    case 2:
      lines.splice(li, 0, ...lines.slice(li, li + 1 + r.int(3)));
      return lines.join('\n');
    case 3:
      return text.slice(0, r.int(text.length));
    case 4: {
      // a value of another type (YAML `key: value`, JSON `"key":value`)
      const l = lines[li] ?? '';
      const re = kind === 'yaml' ? /^(\s*(?:- )?[\w.-]+:\s)(.*)$/ : /("[\w]+":)("[^"]*"|-?\d+(?:\.\d+)?|true|false|null|\[\]|\{\})/;
      const v = kind === 'yaml' ? r.pick(VALUES) : r.pick(['[1,2]', '{"a":1}', 'null', 'true', '-1', '1e309', '123456789012345678901234567890', '""', '"\\u0000"', '"\\ud800"', '[[[[]]]]', '{}']);
      lines[li] = kind === 'yaml' ? l.replace(re, (_m, a: string) => a + v) : l.replace(re, (_m, a: string) => a + v);
      return lines.join('\n');
    }
    case 5: {
      const i = r.int(text.length + 1);
      let u = '';
      for (let k = 1 + r.int(4); k > 0; k--) u += r.int(3) ? r.pick(WEIRD) : String.fromCodePoint(r.int(0x30000));
      return text.slice(0, i) + u + text.slice(i);
    }
    case 6: {
      // deep nesting
      const d = r.pick([50, 500, 5000]);
      const nest = kind === 'yaml' ? `${'['.repeat(d)}1${']'.repeat(d)}` : `${'['.repeat(d)}1${']'.repeat(d)}`;
      if (kind === 'yaml') lines[li] = (lines[li] ?? '').replace(/:\s.*$/, `: ${nest}`);
      else lines[li] = (lines[li] ?? '').replace(/("[\w]+":)("[^"]*"|-?\d+|true|false|null)/, `$1${nest}`);
      return lines.join('\n');
    }
    case 7: {
      // huge numbers
      const l = lines[li] ?? '';
      lines[li] = l.replace(/\d+/, r.pick(['9'.repeat(400), '1e400', '-9007199254740993', '0x7fffffffffffffff', '1_000']));
      return lines.join('\n');
    }
    case 8: {
      // swap two lines
      const lj = r.int(lines.length);
      [lines[li], lines[lj]] = [lines[lj] ?? '', lines[li] ?? ''];
      return lines.join('\n');
    }
    case 9:
      // indentation shifted
      lines[li] = r.int(2) ? ` ${lines[li] ?? ''}` : (lines[li] ?? '').replace(/^ {1,2}/, '');
      return lines.join('\n');
    default:
      // ndjson: a line cut short, or a blank line
      lines[li] = r.int(2) ? (lines[li] ?? '').slice(0, r.int((lines[li] ?? '').length)) : '';
      return lines.join('\n');
  }
}

/** The flow's problems, or the exception it threw (a failure). */
function checkFlow(file: string, text: string): Problem[] {
  const { flow, problems } = loadFlowSource(file, text);
  const all = [...problems];
  if (flow) all.push(...compileFlows([flow]).problems);
  for (const p of all) {
    expect(p.file).toBe(file);
    expect(Number.isInteger(p.line) && p.line >= 1, JSON.stringify(p)).toBe(true);
    expect(Number.isInteger(p.col) && p.col >= 1, JSON.stringify(p)).toBe(true);
    expect(p.message).not.toMatch(/\n/);
  }
  return all;
}

function checkTranscript(file: string, text: string): TranscriptError | null {
  try {
    parseTranscript(file, text);
    return null;
  } catch (e) {
    if (!(e instanceof TranscriptError)) {
      writeFileSync(join(work, file), text);
      throw new Error(`${join(work, file)} threw: ${(e as Error).stack}`);
    }
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    return e;
  }
}

describe('mutated flows and transcripts never crash tshoot', () => {
  const flowErrors: Array<{ name: string; text: string }> = [];
  const transcriptErrors: Array<{ name: string; text: string }> = [];

  it(`${FLOW_CASES} mutated flows: located problems only`, () => {
    const r = prng(SEED);
    let withError = 0;
    for (let i = 0; i < FLOW_CASES; i++) {
      const src = FLOWS[i % FLOWS.length]!;
      const text = mutate(r, src.text, 'yaml');
      const file = `m${i}-${src.name}`;
      let problems: Problem[];
      try {
        problems = checkFlow(file, text);
      } catch (e) {
        writeFileSync(join(work, file), text);
        throw new Error(`case ${i} (${join(work, file)}) threw: ${(e as Error).stack}`);
      }
      if (problems.some(isError)) {
        withError++;
        if (flowErrors.length < CLI_SAMPLE && i % 7 === 0) flowErrors.push({ name: file, text });
      }
    }
    console.log(`mutated flows: ${FLOW_CASES} tried, ${withError} with errors, 0 crashes`);
    expect(withError).toBeGreaterThan(FLOW_CASES / 3);
  }, 120_000);

  it(`${TRANSCRIPT_CASES} mutated transcripts: FILE:LINE errors only`, () => {
    const r = prng(SEED + 1);
    let bad = 0;
    for (let i = 0; i < TRANSCRIPT_CASES; i++) {
      const src = TRANSCRIPTS[i % TRANSCRIPTS.length]!;
      const text = mutate(r, src.text, 'ndjson');
      const file = `m${i}-${src.name.replaceAll('/', '_')}`;
      if (checkTranscript(file, text)) {
        bad++;
        if (transcriptErrors.length < CLI_SAMPLE && i % 5 === 0) transcriptErrors.push({ name: file, text });
      }
    }
    console.log(`mutated transcripts: ${TRANSCRIPT_CASES} tried, ${bad} refused with a located error, 0 crashes`);
    expect(bad).toBeGreaterThan(TRANSCRIPT_CASES / 3);
  }, 120_000);

  it('a sample through the built CLI: exit 2, located lines, no stack trace', async () => {
    expect(flowErrors.length).toBe(CLI_SAMPLE);
    expect(transcriptErrors.length).toBe(CLI_SAMPLE);
    const runs = [
      ...flowErrors.map((c) => ({ ...c, name: `${c.name.replace(/\.yaml$/, '')}.yaml`, args: (f: string) => ['flows', 'lint', f] })),
      ...transcriptErrors.map((c) => ({ ...c, name: `${c.name}`, args: (f: string) => ['replay', '--check', f] })),
    ];
    for (let b = 0; b < runs.length; b += 10) {
      await Promise.all(
        runs.slice(b, b + 10).map(async (c) => {
          const file = join(work, c.name);
          writeFileSync(file, c.text);
          const r = await runCli(c.args(file), { timeoutMs: 30_000 });
          const out = `${r.stdout}${r.stderr}`;
          expect(r.code, `${file}\n${out}`).toBe(2);
          expect(out, file).not.toMatch(STACK_FRAME);
          expect(out, file).not.toContain('internal error');
          // Usage errors carry the program's name first: `tshoot: FILE:LINE: …`.
          const lines = out.split('\n').filter((l) => l !== '').map((l) => l.replace(/^tshoot: /, ''));
          const located = lines.filter((l) => l.startsWith(`${file}:`));
          expect(located.length, `${file}\n${out}`).toBeGreaterThan(0);
          for (const l of located) expect(l, file).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+(:\\d+)?[: ]`));
          // Anything else is the one summary line of `flows lint`.
          expect(lines.filter((l) => !l.startsWith(`${file}:`)).every((l) => /^\d+ flow files?: \d+ errors?, \d+ warnings?$/.test(l)), `${file}\n${out}`).toBe(true);
        }),
      );
    }
    console.log(`through the CLI: ${runs.length} malformed files, all exit 2 with located errors`);
  }, 120_000);
});

describe('the cases the fuzz found', () => {
  it('a YAML alias before its anchor is a located yaml-syntax problem (yaml throws it from toJS)', () => {
    const text = `${FLOWS[0]!.text.split('\n')[0]}\nid: *nope\ntitle: { en: x, ja: x }\n`;
    const { flow, problems } = loadFlowSource('alias.yaml', text);
    expect(flow).toBeNull();
    expect(problems).toEqual([expect.objectContaining({ code: 'yaml-syntax', line: 2, col: 5 })]);
  });
  it('a 5,000-deep array where an event kind should be: a located error, not a stack overflow', () => {
    const head = TRANSCRIPTS[0]!.text.split('\n')[0]!;
    const text = `${head}\n{"kind":${'['.repeat(5000)}1${']'.repeat(5000)}}\n`;
    expect(() => parseTranscript('deep.ndjson', text)).toThrow(/^deep\.ndjson:2: unknown event kind an array/);
  });
});
