/**
 * What the build computes once so that the CLI does not at every start (issue 8):
 * - the flow validators as Ajv standalone code (replaces validators.ts in the bundle);
 * - the transcript schemas as JSON (replaces transcript/validators.ts), the flow schema for
 *   editors likewise (replaces flow/schema.ts, so that TypeBox is not in the bundle);
 * - the shipped flows loaded, checked and compiled to data: the document, its position table,
 *   its `let` types, its problems and its text's digest (fills in shipped.ts, shipped-docs.ts);
 *   the CLI runs them from that data and never reads their YAML (`flows lint` does).
 * Run by esbuild.config.mjs from a throwaway bundle of this module; not part of the CLI.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { flowFiles, textDigest } from './catalog.js';
import { compileOne } from './compile.js';
import { recordOf } from './check-cache.js';
import { loadFlowSource, outlineOf } from './load.js';

/** For the bundle's source (esbuild.config.mjs). */
export { asciiText } from './load.js';
import type { Problem } from './problem.js';
import type { ShippedFlow } from './shipped.js';
import type { ShippedDoc } from './shipped-docs.js';
import { editorSchema } from './schema.js';
import { AJV_OPTIONS, validatorSchemas } from './validators.js';
import { compileSchema } from '../transcript/validate.js';
import { transcriptSchemas } from '../transcript/validators.js';

/**
 * A CommonJS module exporting `{ top, nodes: { KIND: validate } }`: the validators
 * precompiled. The build bundles it as `dist/flow-validators.cjs`, which the CLI `require`s
 * only when a file must be validated (a user's flow, a shipped one edited since the build).
 */
export function validatorsModule(): string {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const schemas = validatorSchemas();
  const names = Object.keys(schemas);
  for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, name);
  const code = standalone.default(ajv, Object.fromEntries(names.map((n) => [`v_${n}`, n])));
  const kinds = names.filter((n) => n !== 'top');
  return [
    code,
    `module.exports = { top: exports.v_top, nodes: { ${kinds.map((k) => `${JSON.stringify(k)}: exports.v_${k}`).join(', ')} }, schemas: ${JSON.stringify(schemas)} };`,
  ].join('\n');
}

/** The flow schema for editors as JSON (schema.ts in the bundle: TypeBox stays out of it). */
export function editorSchemaJson(): string {
  return JSON.stringify(editorSchema());
}

/**
 * The transcript schemas as JSON (transcript/validators.ts in the bundle); each is compiled
 * here once, so that a keyword the checker does not know fails the build.
 */
export function transcriptSchemasJson(): string {
  const schemas = transcriptSchemas();
  for (const s of Object.values(schemas)) compileSchema(s as Record<string, unknown>);
  return JSON.stringify(schemas);
}

/** The shipped flows of `dir` as loaded, checked and compiled now: shipped.ts and shipped-docs.ts. */
export function shippedFlows(dir: string): { index: Record<string, ShippedFlow>; docs: Record<string, ShippedDoc> } {
  const index: Record<string, ShippedFlow> = {};
  const docs: Record<string, ShippedDoc> = {};
  for (const file of flowFiles(dir)) {
    const name = basename(file);
    const text = readFileSync(file, 'utf8');
    const r = loadFlowSource(name, text);
    const problems: Problem[] = [...r.problems];
    // A file that does not load is shipped as its problems: the catalogue refuses it by them.
    if (!r.flow) {
      index[name] = { id: null, title: name, menu: false, problems };
      continue;
    }
    const compiled = compileOne(r.flow, problems);
    const doc = r.flow.doc;
    index[name] = { id: doc.id, title: doc.title, menu: doc.menu !== false, problems };
    // With its outline: the catalogue parses the document only when the flow is used.
    docs[name] = { ...recordOf(r.flow, compiled.lets), outline: outlineOf(doc), sha256: textDigest(text) };
  }
  return { index, docs };
}
