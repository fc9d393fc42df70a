/**
 * The shipped flows as the build loaded and checked them (esbuild.config.mjs fills this in;
 * from source it is null and every flow is checked at load). A shipped file whose text is
 * still the build's (as-built.ts) is not parsed, validated nor type-checked again: its data and its
 * problems come from here, its positions from the table in shipped-docs.ts (load.ts
 * `checkedFlowSource`), and it is compiled on first use (compile.ts). Any other file — the user's flows, or a
 * shipped file edited after the build — is checked in full.
 */
import type { Problem } from './problem.js';
import type { TextT } from './schema.js';

export interface ShippedFlow {
  /** What the symptom menu shows (cli/menu.ts), without the whole document. */
  readonly id: string;
  readonly title: TextT;
  readonly menu: boolean;
  /** The file's own problems (loader and compiler, not those between flows); `file` is replaced. */
  readonly problems: readonly Problem[];
}

/** By file name (`refused.yaml`) in the package's `flows/`. */
export const SHIPPED: Readonly<Record<string, ShippedFlow>> | null = null;
