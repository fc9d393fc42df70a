/**
 * What an expression sees (engine/context.ts): node values, globals, and `let`s evaluated when
 * read. A `let` is kept across steps while the values it reads (directly or through other lets)
 * are the same, and evaluated again when one of them changed: one flow written here, contexts
 * built from frames as the engine makes them (a new `vars` object a step, unchanged values shared).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { context } from '../../src/engine/context.js';
import type { Frame, Globals } from '../../src/engine/types.js';
import { loadCatalog } from '../../src/flow/catalog.js';
import { isError } from '../../src/flow/problem.js';

const FLOW = `id: memo
title: let memo
let:
  lines: "first.stdout.split('\\\\n')"
  count: "size(lines)"
  label: "count > 1 ? 'many' : 'one'"
  other: "second.stdout + '!'"
  named: "'named: ' + second.stdout"
  port_text: "string(target.port) + ' ' + lang"
start: first
nodes:
  first:
    kind: run
    title: first
    role: client
    argv: [echo, a]
    next: second
  second:
    kind: run
    title: second
    role: client
    argv: [echo, b]
    next: done
  done:
    kind: end
    title: done
    next_steps: [nothing]
`;

const dir = mkdtempSync(join(tmpdir(), 'tshoot-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'memo.yaml'), FLOW);
const cat = loadCatalog([dir]);
const flow = cat.flows.get('memo')!;

const ran = (stdout: string) => ({ ran: true, ok: true, exit: 0, stdout, stderr: '', output: stdout, error: '', timed_out: false, truncated: false, duration_ms: 1 });
const frame = (vars: Record<string, unknown>): Frame => ({ flow: 'memo', node: 'done', vars, runs: {} });
const globals = (port: number, lang: 'en' | 'ja' = 'en'): Globals => ({
  target: { url: `http://198.18.2.10:${port}/`, scheme: 'http', host: '198.18.2.10', port, path: '/', loopback: false, given: true },
  hosts: { client: 'local', server: 'web1', bastion: '' },
  lang,
});

describe('a let is evaluated again only when what it reads changed', () => {
  it('loads', () => {
    expect(cat.problems.filter(isError)).toEqual([]);
    expect(flow).toBeDefined();
  });

  it('keeps the value (the same object) while its inputs are the same values, through another let', () => {
    const g = { globals: globals(80) };
    const first = ran('x\ny');
    const c1 = context(flow, g, frame({ first, second: ran('b1') }));
    const c2 = context(flow, g, frame({ first, second: ran('b2') }));
    expect(c1.lines).toEqual(['x', 'y']);
    expect(c2.lines).toBe(c1.lines);
    expect(c2.count).toBe(2n);
    expect(c2.label).toBe('many');
    // What changed is read anew.
    expect(c1.other).toBe('b1!');
    expect(c2.other).toBe('b2!');
  });

  it('evaluates again when a node it reads (through another let) has a new value', () => {
    const g = { globals: globals(80) };
    const c1 = context(flow, g, frame({ first: ran('x\ny\nz') }));
    expect(c1.label).toBe('many');
    const c2 = context(flow, g, frame({ first: ran('one line') }));
    // `label` reads `count`, which reads `lines`, which reads `first`: all three are new.
    expect(c2.lines).toEqual(['one line']);
    expect(c2.count).toBe(1n);
    expect(c2.label).toBe('one');
    // Back to the first value (another object with the same content): evaluated again, right.
    const c3 = context(flow, g, frame({ first: ran('x\ny\nz') }));
    expect(c3.label).toBe('many');
  });

  it('a node that has not run reads as its zero value, and the let follows when it runs', () => {
    const g = { globals: globals(80) };
    const before = context(flow, g, frame({}));
    expect(before.other).toBe('!');
    const after = context(flow, g, frame({ second: ran('up') }));
    expect(after.other).toBe('up!');
  });

  it('follows the globals: another port or language is another input', () => {
    const vars = { first: ran('a') };
    expect(context(flow, { globals: globals(80) }, frame(vars)).port_text).toBe('80 en');
    expect(context(flow, { globals: globals(8080) }, frame(vars)).port_text).toBe('8080 en');
    expect(context(flow, { globals: globals(8080, 'ja') }, frame(vars)).port_text).toBe('8080 ja');
  });

  it('a let whose text names itself (in a string) is not kept, and is still right at each step', () => {
    const g = { globals: globals(80) };
    expect(context(flow, g, frame({ second: ran('p') })).named).toBe('named: p');
    expect(context(flow, g, frame({ second: ran('q') })).named).toBe('named: q');
  });
});
