/**
 * Where the flow files are: the package's own `flows/` folder and the files of a folder.
 * Apart from catalog.ts so that the symptom menu (cli/menu.ts) can list the shipped flows
 * without loading the compiler.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let builtin: string | undefined;

/**
 * The package's own `flows/` folder, found from this module's location (src or dist): the
 * package's folder, whether or not `flows/` is there (a built tshoot runs its shipped flows
 * from the build's data, flow/as-built.ts).
 */
export function builtinFlowsDir(): string {
  if (builtin) return builtin;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return (builtin = join(dir, 'flows'));
    dir = dirname(dir);
  }
  throw new Error('cannot find the flows/ folder of tshoot');
}

/** The flow files of a folder: `*.yaml` / `*.yml` directly in it, sorted. */
export function flowFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}
