/**
 * The shipped flows with their `together` lists left out (issue 17): each command runs when the
 * flow reaches it, one exec effect per node. For the engine's decision tables, which step a flow
 * one command at a time; what runs together is tested in test/engine/together.test.ts and by
 * the lab sessions recorded with the shipped flows as they are.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinFlowsDir, loadCatalog } from '../../src/flow/catalog.js';

export function shippedOneAtATime(): ReturnType<typeof loadCatalog> {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-one-at-a-time-'));
  for (const name of readdirSync(builtinFlowsDir())) {
    if (!name.endsWith('.yaml')) continue;
    const text = readFileSync(join(builtinFlowsDir(), name), 'utf8');
    writeFileSync(join(dir, name), text.replace(/^ {4}together: \[[^\]\n]*\]\n/gm, ''));
  }
  return loadCatalog([dir]);
}
