/**
 * Built-in parsers turn a command's output into typed values a flow's conditions can read.
 * Each parser is a pure function from text to a value, with the value's type declared so
 * that conditions are type-checked when a flow is loaded.
 *
 * Values use JS numbers for `int`; the engine converts them to CEL's BigInt.
 */

/** A small type language, mapped onto CEL types (see flow/expr.ts). */
export type ValueType =
  | 'string'
  | 'int'
  | 'bool'
  | { readonly list: ValueType }
  | { readonly struct: string; readonly fields: Readonly<Record<string, ValueType>> };

export interface Parser<T = unknown> {
  readonly name: string;
  /** One line for `tshoot flows parsers` and lint hints. */
  readonly description: string;
  /** The type of what `parse` returns: must be a struct. */
  readonly type: ValueType & { readonly struct: string };
  /** Pure and total: never throws, whatever the input; linear time in the input's size. */
  parse(text: string): T;
}
