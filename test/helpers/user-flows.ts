/** A user's flow folder for CLI tests, and a small flow with a question, a command and a fix. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELINE } from '../../src/flow/load.js';

export function userFlows(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-flows-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export const askFlow = `${MODELINE}
id: ask-demo
title: { en: Ask demo, ja: 質問デモ }
needs_target: false
start: q
nodes:
  q:
    kind: ask
    input: select
    text: { en: Pick one, ja: 選ぶ }
    choices:
      - { value: a, label: { en: A, ja: A } }
      - { value: b, label: { en: B, ja: B } }
    next:
      - when: q == "a"
        goto: echo
      - goto: done
  echo:
    kind: run
    title: { en: Echo, ja: エコー }
    role: local
    argv: [printf, "%s", "{{ q }}"]
    next: fixed
  fixed:
    kind: fix
    id: demo-fix
    title: { en: Fixed, ja: 修正 }
    cause: { en: "you picked {{ q }}", ja: "{{ q }} を選んだ" }
    requires: { when: 'q == "a"', otherwise: done }
    evidence: [{ from: echo }]
    fix: [{ en: nothing, ja: なし }]
    verify: [{ en: nothing, ja: なし }]
  done:
    kind: end
    title: { en: Done, ja: 完了 }
    next_steps: [{ en: none, ja: なし }]
`;
