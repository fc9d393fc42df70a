/**
 * A CEL environment for a model's `register…(env, cel)` alone, built the way flow/expr.ts
 * builds a flow's: struct types registered once, with the classes `toCel` makes (cel-js checks
 * a struct value by its constructor).
 */
import { Environment } from '@marcbachmann/cel-js';
import { fromCel, toCel, typeName, type ValueType } from '../../src/flow/expr.js';

export type Cel = { register: (t: ValueType) => void; toCel: typeof toCel; fromCel: typeof fromCel };

export function modelEnv(install: (env: Environment, cel: Cel) => void): Environment {
  const env = new Environment({ homogeneousAggregateLiterals: true });
  const seen = new Set<string>();
  const register = (t: ValueType): void => {
    if (typeof t === 'string') return;
    if ('list' in t) return register(t.list);
    if (seen.has(t.struct)) return;
    seen.add(t.struct);
    for (const f of Object.values(t.fields)) register(f);
    const ctor = (toCel({}, t) as object).constructor as new () => object;
    env.registerType(t.struct, { ctor, fields: Object.fromEntries(Object.entries(t.fields).map(([k, f]) => [k, typeName(f)])) });
  };
  install(env, { register, toCel, fromCel });
  return env;
}
