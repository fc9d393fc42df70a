/**
 * Where flows come from: the ones shipped in the package's `flows/`, plus the user's
 * (`--flows DIR` or a file given by path). Reads, loads and compiles them in one go and
 * hands back every problem found.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFlows, type Flow, type FlowSet } from './compile.js';
import { loadFlowSource, type FlowSource } from './load.js';
import type { Problem } from './problem.js';

export interface Catalog extends FlowSet {
  readonly flows: ReadonlyMap<string, Flow>;
  readonly problems: readonly Problem[];
  readonly files: readonly string[];
  readonly digest: string;
}

/** The package's own `flows/` folder, found from this module's location (src or dist). */
export function builtinFlowsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'flows'))) return join(dir, 'flows');
    dir = dirname(dir);
  }
  throw new Error('cannot find the flows/ folder of tshoot');
}

/** The flow files of a folder: `*.yaml` / `*.yml` directly in it, sorted. */
export function flowFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function loadCatalog(paths: readonly string[], opts: { relativeTo?: string } = {}): Catalog {
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    for (const f of existsSync(abs) && statSync(abs).isDirectory() ? flowFiles(abs) : [abs]) seen.add(f);
  }
  const files = [...seen];
  const problems: Problem[] = [];
  const sources: FlowSource[] = [];
  const hash = createHash('sha256');
  for (const file of files) {
    const shown = opts.relativeTo ? relativeName(file, opts.relativeTo) : file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push({ code: 'yaml-syntax', file: shown, line: 1, col: 1, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    hash.update(file.split('/').pop() ?? file).update('\0').update(text).update('\0');
    const r = loadFlowSource(shown, text);
    problems.push(...r.problems);
    if (r.flow) sources.push(r.flow);
  }
  const compiled = compileFlows(sources);
  problems.push(...compiled.problems);
  return { flows: compiled.flows, problems, files, digest: `sha256:${hash.digest('hex')}` };
}

function relativeName(file: string, base: string): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  return file.startsWith(b) ? file.slice(b.length) : file;
}
