/**
 * The shipped flows' loaded data by file name, beside shipped.ts; apart from it so that the
 * symptom menu does not load every document. Filled in by the build.
 */
export interface ShippedDoc {
  /** The file's text as the build read it: a file still equal to it needs no check. */
  readonly text: string;
  /** `FlowDocT` as JSON. */
  readonly doc: string;
  /** `PositionTable` (load.ts) as JSON: parsed on the first position asked for. */
  readonly positions: string;
  /** The CEL type of each `let`, as the compiler found it. */
  readonly lets: Readonly<Record<string, string>>;
}

export const SHIPPED_DOCS: Readonly<Record<string, ShippedDoc>> | null = null;
