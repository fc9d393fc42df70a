/**
 * The shipped flows as the build compiled them (esbuild.config.mjs fills this in from
 * prebuild.ts; from source it is null and the YAML in `flows/` is loaded and checked). The data
 * is the product: a built tshoot runs its shipped flows from here and shipped-docs.ts, never
 * from their YAML, which only `flows lint` (and development from source) reads.
 */
import type { Problem } from './problem.js';
import type { TextT } from './schema.js';

export interface ShippedFlow {
  /** What the symptom menu shows (cli/menu.ts), without the whole document; null: the file does not load. */
  readonly id: string | null;
  readonly title: TextT;
  readonly menu: boolean;
  /** The file's own problems (loader and compiler, not those between flows); `file` is the file's name. */
  readonly problems: readonly Problem[];
}

/** By file name (`refused.yaml`) in the package's `flows/`. */
export const SHIPPED: Readonly<Record<string, ShippedFlow>> | null = null;
