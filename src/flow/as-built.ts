/**
 * The build's record of a shipped flow file (shipped.ts, shipped-docs.ts), if this is one and
 * its text is still the one the build checked: the one test both the catalogue and the symptom
 * menu trust the record by. A string compare: no hashing, no `node:crypto` at start.
 */
import { basename, dirname } from 'node:path';
import { builtinFlowsDir } from './files.js';
import { SHIPPED, type ShippedFlow } from './shipped.js';
import { SHIPPED_DOCS, type ShippedDoc } from './shipped-docs.js';

export function isShippedFile(file: string): boolean {
  return dirname(file) === builtinFlowsDir();
}

export function shippedAsBuilt(file: string, text: string): (ShippedFlow & { readonly doc: ShippedDoc }) | undefined {
  if (!SHIPPED || !SHIPPED_DOCS) return undefined;
  const name = basename(file);
  const entry = Object.hasOwn(SHIPPED, name) ? SHIPPED[name] : undefined;
  const doc = Object.hasOwn(SHIPPED_DOCS, name) ? SHIPPED_DOCS[name] : undefined;
  if (!entry || doc === undefined || !isShippedFile(file)) return undefined;
  return text === doc.text ? { ...entry, doc } : undefined;
}
