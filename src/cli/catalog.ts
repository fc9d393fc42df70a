/**
 * The catalogue as the commands open it, and a flow found in it by id. Apart from flows.ts
 * (the authors' tools), so that `run`, `replay`, `resume` and `report` do not load what only
 * those tools use (the flow schema's TypeBox builders, the graph drawings).
 */
import { resolve } from 'node:path';
import { builtinFlowsDir, loadCatalog, type Catalog } from '../flow/catalog.js';
import { didYouMean, formatProblem, isError } from '../flow/problem.js';
import type { CliIO } from './io.js';
import { UsageError } from './target.js';

/** Built-in flows plus the user's `--flows` folders. */
export function openCatalog(io: CliIO, extra: readonly string[] = []): Catalog {
  return loadCatalog([builtinFlowsDir(), ...extra.map((d) => resolve(io.cwd, d))], { relativeTo: io.cwd });
}

export function findFlow(cat: Catalog, id: string) {
  const f = cat.flows.get(id);
  if (f) return f;
  const bad = cat.problems.find((p) => isError(p) && p.file.replace(/\.ya?ml$/, '').endsWith(id));
  if (bad) throw new UsageError(`flow "${id}" has errors: ${formatProblem(bad)} (run \`tshoot flows lint\`)`);
  const guess = didYouMean(id, cat.flows.keys());
  throw new UsageError(`unknown flow "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}; known flows: ${[...cat.flows.keys()].join(', ')}`);
}
