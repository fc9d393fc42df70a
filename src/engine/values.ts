/**
 * A command's result as the flow's value: the run node's CEL struct (`ok`, `exit`, `stdout`…,
 * and what its `extract` parsers and regexes find), and the bounded text a regex sees.
 */
import type { CommandResult } from '../exec/types.js';
import { toCel, type ValueType } from '../flow/expr.js';
import type { RunNodeT } from '../flow/schema.js';
import { PARSERS } from '../parsers/index.js';

/** stdout then stderr, as a run node's `output`, `from: both` and default evidence read them. */
export function combinedOutput(r: CommandResult): string {
  return r.stderr ? (r.stdout ? `${r.stdout}\n${r.stderr}` : r.stderr) : r.stdout;
}

/** A run node's value as plain data: what it ran and got, and what its `extract` found. */
export function runValue(node: RunNodeT, r: CommandResult): Record<string, unknown> {
  const base: Record<string, unknown> = {
    ran: true,
    ok: r.exit === 0 && !r.transport,
    exit: r.exit ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    output: combinedOutput(r),
    error: r.transport?.code ?? '',
    timed_out: r.timedOut,
    truncated: r.truncated.stdout || r.truncated.stderr,
    duration_ms: r.durationMs,
  };
  if (!r.transport) {
    for (const [name, ex] of Object.entries(node.extract ?? {})) {
      const text = ex.from === 'stderr' ? r.stderr : ex.from === 'both' ? combinedOutput(r) : r.stdout;
      if ('parser' in ex) {
        base[name] = PARSERS.get(ex.parser)?.parse(text);
      } else {
        const m = new RegExp(ex.regex, 'm').exec(regexText(text));
        base[name] = { matched: m !== null, ...(m?.groups ?? {}) };
      }
    }
  }
  return base;
}

/**
 * A node's value as CEL reads it (ints as BigInt, structs as their types): converted when a
 * context first reads it, once per value (the state keeps the plain value: issue 18).
 */
export function celValue(value: unknown, t: ValueType | undefined): unknown {
  if (t === undefined || value === null || typeof value !== 'object') return t === undefined ? value : toCel(value, t);
  let v = celOf.get(value);
  if (v === undefined) {
    v = toCel(value, t);
    celOf.set(value, v);
  }
  return v;
}
const celOf = new WeakMap<object, unknown>();

/**
 * What a flow's `extract` regex sees of a command's output: the first 1 MB, each line cut at
 * 4096 characters. Lint refuses the exponential shapes (flow/regex-safety.ts), but a plain
 * `.*x` is still quadratic in a line's length: on a 10 MB line with no `x` it would take
 * minutes; on lines of at most 4096 characters it is linear in the text, with a bounded factor.
 */
export const REGEX_TEXT_MAX = 1024 * 1024;
export const REGEX_LINE_MAX = 4096;

export function regexText(text: string): string {
  const head = text.length > REGEX_TEXT_MAX ? text.slice(0, REGEX_TEXT_MAX) : text;
  if (head.length <= REGEX_LINE_MAX) return head;
  let out = '';
  let from = 0;
  let changed = false;
  while (from <= head.length) {
    let nl = head.indexOf('\n', from);
    if (nl < 0) nl = head.length;
    if (nl - from > REGEX_LINE_MAX) {
      out += head.slice(from, from + REGEX_LINE_MAX);
      changed = true;
    } else out += head.slice(from, nl);
    if (nl < head.length) out += '\n';
    from = nl + 1;
  }
  return changed ? out : head;
}
