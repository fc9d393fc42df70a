/**
 * The shipped flows as the build compiled them (shipped.ts, shipped-docs.ts): what a built
 * tshoot runs and draws its symptom menu from. Their YAML is not read for that; `flows lint`
 * reads it (catalog.ts `shipped: 'yaml'`). Null from source, where the YAML is all there is.
 */
import { dirname, join } from 'node:path';
import { builtinFlowsDir } from './files.js';
import { SHIPPED, type ShippedFlow } from './shipped.js';
import { SHIPPED_DOCS, type ShippedDoc } from './shipped-docs.js';

export function isShippedFile(file: string): boolean {
  return dirname(file) === builtinFlowsDir();
}

export interface BuiltFlow extends ShippedFlow {
  /** Where the file is in the package (problems and `Flow.file` name it; it need not be there). */
  readonly file: string;
  /** Its data; absent for a file that did not load (its problems say why). */
  readonly doc?: ShippedDoc;
}

/** Every shipped flow as built, in file order; null from source. */
export function builtFlows(): BuiltFlow[] | null {
  if (!SHIPPED || !SHIPPED_DOCS) return null;
  const docs = SHIPPED_DOCS;
  return Object.entries(SHIPPED).map(([name, entry]) => ({ ...entry, file: join(builtinFlowsDir(), name), ...(Object.hasOwn(docs, name) ? { doc: docs[name] } : {}) }));
}
