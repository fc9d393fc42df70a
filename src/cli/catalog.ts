/**
 * The catalogue as the commands open it, and a flow found in it by id. Apart from flows.ts
 * (the authors' tools), so that `run`, `replay`, `resume` and `report` do not load what only
 * those tools use (the flow schema's TypeBox builders, the graph drawings).
 */
import { resolve } from 'node:path';
import { loadCatalog, type Catalog } from '../flow/catalog.js';
import { checkCacheDir } from '../flow/check-cache.js';
import { didYouMean, formatProblem, isError } from '../flow/problem.js';
import type { CliIO } from './io.js';
import { UsageError } from './target.js';

/**
 * Built-in flows plus the user's `--flows` folders (or files). The built-in ones come from the
 * build's data, and a user's flow this build has already checked with no error from the cache
 * (flow/check-cache.ts), unless `fresh` (`flows lint`): then every file is read and checked.
 */
export function openCatalog(io: CliIO, extra: readonly string[] = [], opts: { fresh?: boolean } = {}): Catalog {
  const dir = checkCacheDir(io.env);
  const paths = [...new Set(extra.map((d) => resolve(io.cwd, d)))];
  return loadCatalog(paths, { shipped: opts.fresh ? 'yaml' : 'built', relativeTo: io.cwd, cache: dir === null ? null : { dir, read: !opts.fresh }, programs: declaredPrograms(io.env) });
}

/**
 * `TSHOOT_READ_ONLY_PROGRAMS=/opt/app/bin/health:/usr/local/bin/check`: the caller's own programs
 * that flows may run outside a fix's `apply` (absolute paths only; anything else is ignored).
 */
export function declaredPrograms(env: Readonly<Record<string, string | undefined>>): ReadonlySet<string> {
  return new Set((env.TSHOOT_READ_ONLY_PROGRAMS ?? '').split(':').filter((p) => p.startsWith('/') && !p.includes('/../')));
}

export function findFlow(cat: Catalog, id: string) {
  const f = cat.flows.get(id);
  if (f) return f;
  const bad = cat.problems.find((p) => isError(p) && p.file.replace(/\.ya?ml$/, '').endsWith(id));
  if (bad) throw new UsageError((t) => t.flowHasErrors(id, formatProblem(bad)) + t.runLint);
  const guess = didYouMean(id, cat.flows.keys());
  throw new UsageError((t) => t.unknownFlow(id, guess ?? null, [...cat.flows.keys()].join(', ')));
}
