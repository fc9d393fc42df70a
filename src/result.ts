/**
 * What can fail without throwing, as a value: the one shape the engine, the expressions and the
 * templates return. `at`: where in the flow file the failure is (a path under the node), when the
 * caller turns it into a located error.
 */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string; readonly at?: ReadonlyArray<string | number> };
