/**
 * `tshoot flows …`: lint, list, graph, schema, vars, parsers — the flow author's tools.
 */
import { resolve } from 'node:path';
import type { Catalog } from '../flow/catalog.js';
import { drawFlow, type GraphFormat } from '../flow/graph.js';
import { formatProblem, isError, sortProblems } from '../flow/problem.js';
import { editorSchema } from '../flow/schema.js';
import { pickText } from '../flow/template.js';
import { typeName } from '../flow/expr.js';
import { PARSERS } from '../parsers/index.js';
import { findFlow, openCatalog } from './catalog.js';
import { EXIT, type CliIO } from './io.js';
import { UsageError } from './target.js';

export { findFlow, openCatalog };

export function lintCommand(io: CliIO, files: readonly string[], opts: { strict?: boolean; flows?: string[] }): number {
  const targets = files.map((f) => resolve(io.cwd, f));
  // Lint checks every file in full (it is what refreshes the cache, never what reads it).
  const cat = openCatalog(io, [...(opts.flows ?? []), ...targets], { fresh: true });
  // In reading order (a file's load problems come before its compile problems otherwise).
  const shown = sortProblems(targets.length ? cat.problems.filter((p) => targets.some((t) => t.endsWith(p.file) || resolve(io.cwd, p.file) === t)) : cat.problems);
  for (const p of shown) io.stdout.write(formatProblem(p) + '\n');
  const errors = shown.filter(isError).length;
  const warnings = shown.length - errors;
  const n = targets.length || cat.files.length;
  io.stderr.write(`${n} flow file${n === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return errors > 0 || (opts.strict && warnings > 0) ? EXIT.usage : 0;
}

export function listCommand(io: CliIO, opts: { flows?: string[]; json?: boolean }): number {
  const cat = openCatalog(io, opts.flows);
  const rows = [...cat.flows.values()].map((f) => ({
    id: f.id,
    title: pickText(f.doc.title, 'en'),
    file: f.file,
    fixes: Object.values(f.doc.nodes).flatMap((n) => (n.kind === 'fix' ? [n.id] : [])),
  }));
  if (opts.json) io.stdout.write(JSON.stringify(rows) + '\n');
  else for (const r of rows) io.stdout.write(`${r.id.padEnd(18)} ${r.title}  (${r.file}; fixes: ${r.fixes.join(', ') || '-'})\n`);
  return reportProblems(io, cat);
}

export function graphCommand(io: CliIO, id: string, opts: { format?: string; flows?: string[] }): number {
  const format = (opts.format ?? 'mermaid') as GraphFormat;
  if (format !== 'mermaid' && format !== 'dot') throw new UsageError((t) => t.badChoice('--format', String(opts.format), ['mermaid', 'dot']));
  const cat = openCatalog(io, opts.flows);
  const flow = cat.flows.get(id) ?? findFlow(cat, id);
  io.stdout.write(drawFlow(flow, format));
  // The drawing shows a goto to a missing node dashed; the located error says where to fix it.
  const errors = cat.problems.filter((p) => isError(p) && p.file === flow.file);
  for (const p of errors) io.stderr.write(formatProblem(p) + '\n');
  return errors.length ? EXIT.usage : 0;
}

export function varsCommand(io: CliIO, id: string, opts: { flows?: string[] }): number {
  const cat = openCatalog(io, opts.flows);
  const flow = cat.flows.get(id) ?? findFlow(cat, id);
  for (const [name, t] of Object.entries(flow.types)) {
    io.stdout.write(`${name}: ${typeName(t)}\n`);
    if (typeof t === 'object' && 'fields' in t) for (const [f, ft] of Object.entries(t.fields)) io.stdout.write(`  .${f}: ${typeName(ft)}\n`);
  }
  return 0;
}

export function parsersCommand(io: CliIO): number {
  for (const p of PARSERS.values()) io.stdout.write(`${p.name.padEnd(18)} ${p.description}\n`);
  return 0;
}

export function schemaCommand(io: CliIO): number {
  io.stdout.write(JSON.stringify(editorSchema(), null, 2) + '\n');
  return 0;
}

function reportProblems(io: CliIO, cat: Catalog): number {
  const errors = cat.problems.filter(isError);
  for (const p of errors) io.stderr.write(formatProblem(p) + '\n');
  return errors.length ? EXIT.usage : 0;
}
