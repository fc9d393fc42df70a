/**
 * The JSON Schemas of a transcript's lines (the header, each event kind), from the TypeBox
 * schemas of schema.ts. The build (esbuild.config.mjs) replaces this module with the same
 * schemas as JSON, so that the CLI does not load TypeBox to read a transcript; validate.ts
 * checks lines against them.
 */
import { EVENTS, Header, type EventKind } from './schema.js';

export function transcriptSchemas(): Record<'header' | EventKind, object> {
  // As JSON: TypeBox's own (symbol) keys dropped, as in the bundle.
  return JSON.parse(JSON.stringify({ header: Header, ...EVENTS })) as Record<'header' | EventKind, object>;
}
