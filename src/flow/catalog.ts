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
import { basename, dirname, resolve } from 'node:path';
import { compileFlows, type Flow, type FlowSet } from './compile.js';
import { builtinFlowsDir, flowFiles } from './files.js';
import { checkedFlowSource, loadFlowSource, type FlowSource, type PositionTable } from './load.js';
import type { Problem } from './problem.js';
import type { FlowDocT } from './schema.js';
import { SHIPPED } from './shipped.js';
import { SHIPPED_DOCS } from './shipped-docs.js';
import { nodeCrypto } from '../lazy-crypto.js';

export { builtinFlowsDir, flowFiles };

export interface Catalog extends FlowSet {
  readonly flows: ReadonlyMap<string, Flow>;
  readonly problems: readonly Problem[];
  readonly files: readonly string[];
  readonly digest: string;
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
  const hashed: string[] = [];
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
    const known = shippedAsBuilt(file, text);
    if (known) {
      problems.push(...known.problems.map((p) => ({ ...p, file: shown })));
      sources.push(checkedFlowSource(shown, text, JSON.parse(known.doc.doc) as FlowDocT, () => JSON.parse(known.doc.positions) as PositionTable, known.doc.lets));
      continue;
    }
    const r = loadFlowSource(shown, text);
    problems.push(...r.problems);
    if (r.flow) sources.push(r.flow);
  }
  const compiled = compileFlows(sources);
  problems.push(...compiled.problems);
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

/** The build's record of a shipped flow file, if this is one and its text is unchanged. */
function shippedAsBuilt(file: string, text: string) {
  if (!SHIPPED || !SHIPPED_DOCS) return undefined;
  const name = basename(file);
  const entry = Object.hasOwn(SHIPPED, name) ? SHIPPED[name] : undefined;
  const doc = Object.hasOwn(SHIPPED_DOCS, name) ? SHIPPED_DOCS[name] : undefined;
  if (!entry || doc === undefined || dirname(file) !== builtinFlowsDir()) return undefined;
  // The very text the build checked (a string compare: no hashing, no node:crypto at start).
  return text === doc.text ? { ...entry, doc } : undefined;
}

function relativeName(file: string, base: string): string {
  const b = base.endsWith('/') ? base : `${base}/`;
  return file.startsWith(b) ? file.slice(b.length) : file;
}
