/**
 * The shipped flows' compiled data by file name, beside shipped.ts; apart from it so that the
 * symptom menu does not load every document. Filled in by the build.
 */
export interface FlowRecord {
  /** `FlowDocT` as JSON. */
  readonly doc: string;
  /** `PositionTable` (load.ts) as JSON: parsed on the first position asked for. */
  readonly positions: string;
  /** The CEL type of each `let`, as the compiler found it. */
  readonly lets: Readonly<Record<string, string>>;
  /** The build's records: what the checks between flows read of the document (compile.ts), so that it is parsed only when the flow is used. A user's check record has none: its document is parsed anyway, to check its run nodes again. */
  readonly outline?: FlowOutline;
}

/** A flow's id, its fix nodes' ids and its calls: what `compileFlows` checks across flows. */
export interface FlowOutline {
  readonly id: string;
  /** [node, fix id] of each fix node. */
  readonly fixes: ReadonlyArray<readonly [string, string]>;
  /** [node, flow] of each call node. */
  readonly calls: ReadonlyArray<readonly [string, string]>;
}

export interface ShippedDoc extends FlowRecord {
  /** `sha256:HEX` of the file's text, for the catalogue's digest (transcripts, `resume`). */
  readonly sha256: string;
}

export const SHIPPED_DOCS: Readonly<Record<string, ShippedDoc>> | null = null;
