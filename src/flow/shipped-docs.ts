/**
 * The shipped flows' loaded data by file name, beside shipped.ts; apart from it so that the
 * symptom menu does not load every document. Filled in by the build.
 */
export interface ShippedDoc {
  /** `FlowDocT` as JSON. */
  readonly doc: string;
  /** `PositionTable` (load.ts) as JSON: parsed on the first position asked for. */
  readonly positions: string;
}

export const SHIPPED_DOCS: Readonly<Record<string, ShippedDoc>> | null = null;
