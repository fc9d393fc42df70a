import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinFlowsDir, flowFiles, loadCatalog } from '../../src/flow/catalog.js';
import { drawFlow } from '../../src/flow/graph.js';
import { MODELINE } from '../../src/flow/load.js';
import { editorSchema } from '../../src/flow/schema.js';

const dir = builtinFlowsDir();

describe('generated files are current', () => {
  it('flows/flow.schema.json is what `tshoot flows schema` prints (regenerate: node dist/tshoot.cjs flows schema > flows/flow.schema.json)', () => {
    const onDisk = JSON.parse(readFileSync(`${dir}/flow.schema.json`, 'utf8')) as unknown;
    expect(onDisk).toEqual(editorSchema());
  });

  it('every shipped flow starts with the schema modeline', () => {
    for (const f of flowFiles(dir)) expect(readFileSync(f, 'utf8').split('\n')[0], f).toBe(MODELINE);
  });

  it("the README's Mermaid drawings are what `tshoot flows graph` prints", () => {
    const readme = readFileSync(`${dir}/../README.md`, 'utf8');
    const cat = loadCatalog([dir]);
    for (const flow of cat.flows.values()) {
      const m = new RegExp(`<!-- graph:${flow.id} -->\\n\`\`\`mermaid\\n([\\s\\S]*?)\`\`\`\\n<!-- /graph -->`).exec(readme);
      expect(m, `README.md has no drawing of "${flow.id}" (npm run readme-graphs)`).not.toBeNull();
      expect(m![1], `the drawing of "${flow.id}" in README.md is stale (npm run readme-graphs)`).toBe(drawFlow(flow, 'mermaid'));
    }
  });

  it('the README catalogue lists every fix id', () => {
    const readme = readFileSync(`${dir}/../README.md`, 'utf8');
    const cat = loadCatalog([dir]);
    for (const flow of cat.flows.values()) {
      for (const n of Object.values(flow.doc.nodes)) if (n.kind === 'fix') expect(readme).toContain(`\`${n.id}\``);
    }
  });
});
