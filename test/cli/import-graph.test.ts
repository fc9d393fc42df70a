/**
 * Issue 18: no module of src/cli imports itself back through others — static imports,
 * `import type` and `import()` alike (`menu.ts` and `run.ts` imported each other). The imports
 * are read from the source with a small scanner, comments and strings aside, and every cycle
 * through src/cli is named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const SRC = join(ROOT, 'src');

/** The relative module specifiers a file imports: `import … from`, `export … from`, `import '…'`, `import('…')`. */
export function importsOf(text: string): string[] {
  // Comments out first (a `// import('./x.js')` in a comment is no import); strings kept.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const re = /\b(?:import|export)\b[^'"`;()]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith('.')) out.push(spec);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : /\.c?ts$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** File → the files it imports, within src/ (`./x.js` is `./x.ts`). */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceFiles(SRC)) {
    const deps = importsOf(readFileSync(f, 'utf8')).map((s) => resolve(dirname(f), s).replace(/\.(c?)js$/, '.$1ts'));
    g.set(relative(ROOT, f), [...new Set(deps.filter((d) => d.startsWith(SRC + '/')).map((d) => relative(ROOT, d)))]);
  }
  return g;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(g: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (g.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('the import graph of src/cli', () => {
  it('the scanner finds static, type-only, re-exported and dynamic imports, not commented ones', () => {
    const text = [
      "import { a } from './a.js';",
      "import type {\n  B,\n} from '../b.js';",
      "export { c } from './c.js';",
      "import './side.js';",
      "const d = () => import('./d.js');",
      "// import('./commented.js')",
      "/* import { e } from './e.js'; */",
      "import { f } from 'node:fs';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.js', '../b.js', './c.js', './side.js', './d.js']);
  });

  it('has no cycle through a module of src/cli', () => {
    const g = importGraph();
    // The walk saw the edges that matter: the menu loads run lazily, run loads neither menu nor diagnose.
    expect(g.get('src/cli/menu.ts')).toContain('src/cli/run.ts');
    expect(g.get('src/cli/diagnose.ts')).toContain('src/cli/run.ts');
    expect(g.get('src/cli/run.ts')).not.toContain('src/cli/menu.ts');
    expect(g.get('src/cli/run.ts')).not.toContain('src/cli/diagnose.ts');
    expect(cycles(g).filter((c) => c.some((f) => f.startsWith('src/cli/')))).toEqual([]);
  });

  it('the cycle finder finds a cycle (menu ⇄ run as it was), and a longer one', () => {
    expect(cycles(new Map([['menu', ['run']], ['run', ['menu', 'io']], ['io', []]]))).toEqual([['menu', 'run']]);
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });
});
