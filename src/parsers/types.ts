/**
 * Built-in parsers turn a command's output into typed values a flow's conditions can read.
 * Each parser is a pure function from text to a value, with the value's type declared so
 * that conditions are type-checked when a flow is loaded.
 *
 * A value's type is declared once, as data (`struct('SsSocket', { local_port: 'int', … })`):
 * the flow compiler reads it as a CEL type (see flow/expr.ts) and TypeScript derives the
 * parser's result type from it (`Infer<typeof SS_SOCKET>`), so the two cannot differ (issue 18).
 *
 * Values use JS numbers for `int`; the engine converts them to CEL's BigInt.
 */

/** A small type language, mapped onto CEL types (see flow/expr.ts). */
export type ValueType = 'string' | 'int' | 'bool' | ListType | StructType;

export interface ListType<T extends ValueType = ValueType> {
  readonly list: T;
}

/** A struct type with a name: every such type is registered once in a CEL environment. */
export interface StructType<N extends string = string, F extends StructFields = StructFields> {
  readonly struct: N;
  readonly fields: F;
}

export type StructFields = Readonly<Record<string, ValueType>>;

/** `list<t>`. */
export function list<const T extends ValueType>(t: T): ListType<T> {
  return { list: t };
}

/** A named struct; its fields' comments are the TypeScript type's too. */
export function struct<const N extends string, const F extends StructFields>(name: N, fields: F): StructType<N, F> {
  return { struct: name, fields };
}

/** The JS value of a declared type: `int` is a number, a list an array, a struct a plain object. */
export type Infer<T extends ValueType> = T extends 'string'
  ? string
  : T extends 'int'
    ? number
    : T extends 'bool'
      ? boolean
      : T extends ListType<infer E extends ValueType>
        ? Array<Infer<E>>
        : T extends StructType<string, infer F extends StructFields>
          ? { -readonly [K in keyof F]: Infer<F[K]> }
          : never;

export interface Parser<T = unknown> {
  readonly name: string;
  /** One line for `tshoot flows parsers` and lint hints. */
  readonly description: string;
  /** The type of what `parse` returns: must be a struct. */
  readonly type: StructType;
  /** Pure and total: never throws, whatever the input; linear time in the input's size. */
  parse(text: string): T;
}

/**
 * A parser whose result is of its declared `type`: `T` is `Infer<S>`, or narrower where the
 * TypeScript code keeps more than CEL can say (a string field's closed set of words).
 */
export function parser<S extends StructType, T extends Infer<S> = Infer<S>>(p: {
  readonly name: string;
  readonly description: string;
  readonly type: S;
  parse(text: string): T;
}): Parser<T> {
  return p;
}
