/**
 * Where flows come from: the ones shipped in the package's `flows/`, plus the user's
 * (`--flows DIR` or a file given by path). Reads, loads and compiles them in one go and
 * hands back every problem found.
 *
 * A shipped file whose text is still the one the build recorded (shipped-docs.ts) is not
 * parsed, validated nor type-checked again: its data and its own problems come from the
 * build, and it is compiled when first used. Every other file is checked in full.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compileFlows, type Flow, type FlowSet } from './compile.js';
import { builtinFlowsDir, flowFiles } from './files.js';
import { checkedFlowSource, loadFlowSource, type FlowSource, type PositionTable } from './load.js';
import type { Problem } from './problem.js';
import type { FlowDocT } from './schema.js';
import { isShippedFile, shippedAsBuilt } from './as-built.js';
import { nodeCrypto } from '../lazy.js';
import { readChecked, recordOf, writeChecked } from './check-cache.js';

export { builtinFlowsDir, flowFiles };

export interface Catalog extends FlowSet {
  readonly flows: ReadonlyMap<string, Flow>;
  readonly problems: readonly Problem[];
  readonly files: readonly string[];
  readonly digest: string;
}

export interface CatalogOptions {
  /** Problems name files relative to this folder. */
  readonly relativeTo?: string;
  /**
   * The user's flows as last checked (check-cache.ts): `read` false checks every file in full
   * (`flows lint`), still recording the clean ones.
   */
  readonly cache?: { readonly dir: string; readonly read: boolean } | null;
  /** Programs the person running tshoot declares read-only (compile.ts); no cache is used then. */
  readonly programs?: ReadonlySet<string>;
}

export function loadCatalog(paths: readonly string[], opts: CatalogOptions = {}): Catalog {
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    for (const f of existsSync(abs) && statSync(abs).isDirectory() ? flowFiles(abs) : [abs]) seen.add(f);
  }
  const files = [...seen];
  const problems: Problem[] = [];
  const sources: FlowSource[] = [];
  const hashed: string[] = [];
  // Files checked in full now: recorded in the cache if no problem names them.
  const fresh: { file: string; text: string; src: FlowSource }[] = [];
  // A record says "clean with no declared programs": with some, every file is checked in full.
  const cache = opts.programs?.size ? null : (opts.cache ?? null);
  for (const file of files) {
    const shown = opts.relativeTo ? relativeName(file, opts.relativeTo) : file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push({ code: 'yaml-syntax', file: shown, line: 1, col: 1, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    hashed.push(file.split('/').pop() ?? file, text);
    const known = shippedAsBuilt(file, text) ?? (cache?.read ? userAsChecked(cache.dir, file, text) : undefined);
    if (known) {
      problems.push(...known.problems.map((p) => ({ ...p, file: shown })));
      sources.push(checkedFlowSource(shown, text, JSON.parse(known.doc.doc) as FlowDocT, () => JSON.parse(known.doc.positions) as PositionTable, known.doc.lets));
      continue;
    }
    const r = loadFlowSource(shown, text, { schemaExists: (ref) => existsSync(resolve(dirname(file), ref)) });
    problems.push(...r.problems);
    if (r.flow) {
      sources.push(r.flow);
      if (cache && !isShippedFile(file)) fresh.push({ file, text, src: r.flow });
    }
  }
  const compiled = compileFlows(sources, { programs: opts.programs });
  problems.push(...compiled.problems);
  if (cache) {
    for (const f of fresh) {
      const flow = compiled.flows.get(f.src.doc.id);
      // The modeline's schema is the editor's, not the check's: a missing one does not keep the record out.
      if (!flow || flow.file !== f.src.file || problems.some((p) => p.file === f.src.file && p.code !== 'missing-schema')) continue;
      writeChecked(cache.dir, f.file, recordOf(f.text, f.src, flow.lets));
    }
  }
  // The digest only when asked (a recording, `replay --update`, `resume`).
  let digest: string | undefined;
  return {
    flows: compiled.flows,
    problems,
    files,
    get digest() {
      if (digest === undefined) {
        const hash = nodeCrypto().createHash('sha256');
        for (const part of hashed) hash.update(part).update('\0');
        digest = `sha256:${hash.digest('hex')}`;
      }
      return digest;
    },
  };
}

/** The cache's record of a user's flow file, if this build checked this very text clean. */
function userAsChecked(dir: string, file: string, text: string) {
  const doc = readChecked(dir, file, text);
  return doc ? { problems: [] as Problem[], doc } : undefined;
}

function relativeName(file: string, base: string): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  return file.startsWith(b) ? file.slice(b.length) : file;
}
