// Rewrites the Mermaid drawings in README.md from the built CLI (`npm run readme-graphs`).
// test/flow/schema.test.ts fails when they are stale.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const cli = (...args) => execFileSync(process.execPath, ['dist/tshoot.cjs', ...args], { encoding: 'utf8' });
let readme = readFileSync('README.md', 'utf8');
for (const { id } of JSON.parse(cli('flows', 'list', '--json'))) {
  const block = `<!-- graph:${id} -->\n\`\`\`mermaid\n${cli('flows', 'graph', id)}\`\`\`\n<!-- /graph -->`;
  const re = new RegExp(`<!-- graph:${id} -->\\n[\\s\\S]*?<!-- /graph -->`);
  readme = re.test(readme) ? readme.replace(re, block) : readme;
  if (!readme.includes(block)) console.error(`README.md has no <!-- graph:${id} --> marker`);
}
writeFileSync('README.md', readme);
