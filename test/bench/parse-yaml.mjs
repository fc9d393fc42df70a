// The flow-tooling baseline: a fresh node that only parses a YAML file with `yaml`, as the
// flow loader does (parseDocument with a LineCounter), and fails if it does not parse.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';

const doc = parseDocument(readFileSync(process.argv[2], 'utf8'), { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: true });
if (doc.errors.length) process.exit(1);
