/**
 * Where flows come from: the ones shipped with tshoot, plus the user's (`--flows DIR` or a file
 * given by path). Loads and compiles them in one go and hands back every problem found.
 *
 * A built tshoot runs its shipped flows from the build's data (as-built.ts: document, positions,
 * `let` types, problems), compiled when first used; their YAML is read only by `flows lint`
 * (`shipped: 'yaml'`) and from source. A user's file this build checked before with no error
 * comes from its check record (check-cache.ts) the same way; every other file is checked in full.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compileFlows, type Flow, type FlowSet } from './compile.js';
import { builtinFlowsDir, flowFiles } from './files.js';
import { checkedFlowSource, loadFlowSource, type FlowSource } from './load.js';
import type { Problem } from './problem.js';
import { builtFlows, isShippedFile } from './as-built.js';
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
  /**
   * The shipped flows, before `paths`: `built`, the build's data (what runs; from source, where
   * there is none, their YAML); `yaml`, their files read and checked in full (`flows lint`).
   */
  readonly shipped?: 'built' | 'yaml';
  /** Problems name files relative to this folder. */
  readonly relativeTo?: string;
  /**
   * The user's flows as last checked (check-cache.ts): `read` false checks every file in full
   * (`flows lint`), still recording those with no error.
   */
  readonly cache?: { readonly dir: string; readonly read: boolean } | null;
  /** Programs the person running tshoot declares read-only (compile.ts); no cache is used then. */
  readonly programs?: ReadonlySet<string>;
}

export function loadCatalog(paths: readonly string[], opts: CatalogOptions = {}): Catalog {
  const built = opts.shipped === 'built' ? builtFlows() : null;
  const seen = new Set<string>();
  const shippedDir = opts.shipped ? builtinFlowsDir() : null;
  for (const p of [...(opts.shipped && !built ? [shippedDir!] : []), ...paths]) {
    const abs = resolve(p);
    if (built && abs === shippedDir) continue; // the shipped flows, already there as data
    for (const f of existsSync(abs) && statSync(abs).isDirectory() ? flowFiles(abs) : [abs]) seen.add(f);
  }
  const shown = (file: string) => (opts.relativeTo ? relativeName(file, opts.relativeTo) : file);
  const problems: Problem[] = [];
  const sources: FlowSource[] = [];
  // Each file's name and the digest of its text, for the catalogue's digest.
  const hashed: Array<readonly [string, () => string]> = [];
  for (const b of built ?? []) {
    const name = shown(b.file);
    problems.push(...b.problems.map((p) => ({ ...p, file: name })));
    if (!b.doc) continue;
    const doc = b.doc;
    hashed.push([fileName(b.file), () => doc.sha256]);
    sources.push(checkedFlowSource(name, doc));
  }
  const files = [...(built ?? []).map((b) => b.file), ...seen];
  // Files checked in full now: recorded in the cache if no error names them.
  const fresh: { file: string; text: string; src: FlowSource }[] = [];
  // The ids of files that did not load (their problems said why): a call of one is no second mistake.
  const unloaded = new Set<string>();
  // A record says "no error with no declared programs": with some, every file is checked in full.
  const cache = opts.programs?.size ? null : (opts.cache ?? null);
  for (const file of seen) {
    const name = shown(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push({ code: 'yaml-syntax', file: name, line: 1, col: 1, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      unloaded.add(idOf(file, ''));
      continue;
    }
    hashed.push([fileName(file), () => textDigest(text)]);
    const known = cache?.read && !isShippedFile(file) ? readChecked(cache.dir, file, text) : undefined;
    if (known) {
      problems.push(...known.warnings.map((p) => ({ ...p, file: name })));
      sources.push(checkedFlowSource(name, known.record, known.doc));
      continue;
    }
    const r = loadFlowSource(name, text, { schemaExists: (ref) => existsSync(resolve(dirname(file), ref)) });
    problems.push(...r.problems);
    if (!r.flow) unloaded.add(idOf(file, text));
    if (r.flow) {
      sources.push(r.flow);
      if (cache && !isShippedFile(file)) fresh.push({ file, text, src: r.flow });
    }
  }
  const compiled = compileFlows(sources, { programs: opts.programs, unloaded });
  problems.push(...compiled.problems);
  if (cache) {
    for (const f of fresh) {
      const flow = compiled.flows.get(f.src.doc.id);
      const own = problems.filter((p) => p.file === f.src.file);
      // Warnings are not errors (an English-only text, the modeline's schema for editors): kept in the record.
      if (!flow || flow.file !== f.src.file || own.some((p) => p.severity !== 'warning')) continue;
      writeChecked(cache.dir, f.file, f.text, { record: recordOf(f.src, flow.lets), warnings: own.map(({ file: _, ...p }) => p) });
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
        for (const [name, of] of hashed) hash.update(name).update('\0').update(of()).update('\0');
        digest = `sha256:${hash.digest('hex')}`;
      }
      return digest;
    },
  };
}

/** `sha256:HEX` of one file's text: the catalogue's digest is made of these (the build's for shipped files). */
export function textDigest(text: string): string {
  return `sha256:${nodeCrypto().createHash('sha256').update(text).digest('hex')}`;
}

function fileName(file: string): string {
  return file.split('/').pop() ?? file;
}

function relativeName(file: string, base: string): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  return file.startsWith(b) ? file.slice(b.length) : file;
}

/** The id a flow file that did not load would have had: its top-level `id:` line, else its name. */
function idOf(file: string, text: string): string {
  return /^id:[ \t]*["']?([A-Za-z0-9_-]+)/m.exec(text)?.[1] ?? fileName(file).replace(/\.ya?ml$/, '');
}
