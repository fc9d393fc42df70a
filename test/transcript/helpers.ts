/**
 * A scratch folder with a flow of local commands, for transcript tests that need a session
 * of their own (no nginx, no lab): each command appends a line to `count`, so a test can
 * tell how many ran. The commands are a test-only program, `tally`, declared read-only the way
 * a user declares their own checks (`TSHOOT_READ_ONLY_PROGRAMS`).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Scratch {
  readonly dir: string;
  readonly flows: string;
  readonly count: string;
  readonly env: Record<string, string>;
}

/**
 * `one`, `two` run `tally NAME` (appends NAME to `count`; `one` also prints `$X`); `go_on`
 * asks; `three` runs `tally three`, which first waits for the file `gate` when `gated`, or with
 * `server`, `ss -ltn` on the server role (over SSH unless it is local).
 */
export function scratch(opts: { gated?: boolean; printed?: string; server?: boolean } = {}): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-transcript-'));
  const flows = join(dir, 'flows');
  mkdirSync(flows);
  const count = join(dir, 'count');
  const printed = opts.printed ?? '';
  const tally = join(dir, 'tally');
  writeFileSync(
    tally,
    [
      '#!/bin/sh',
      opts.gated ? `[ "$1" = three ] && while [ ! -e ${join(dir, 'gate')} ]; do sleep 0.05; done` : '',
      `echo "$1" >> ${count}`,
      '[ "$1" = one ] && printf "%s" "$X"',
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(tally, 0o755);
  writeFileSync(
    join(flows, 'counter.yaml'),
    `# yaml-language-server: $schema=./flow.schema.json
id: counter
title: { en: Counter, ja: カウンター }
needs_target: false
start: one
nodes:
  one:
    kind: run
    title: { en: One, ja: 一 }
    role: local
    argv: [${JSON.stringify(tally)}, one]
    next: two
  two:
    kind: run
    title: { en: Two, ja: 二 }
    role: local
    argv: [${JSON.stringify(tally)}, two]
    next: go_on
  go_on:
    kind: ask
    input: confirm
    text: { en: Go on?, ja: 続ける? }
    next: three
  three:
    kind: run
    title: { en: Three, ja: 三 }
${opts.server ? '    role: server\n    argv: [ss, -ltn]' : `    role: local\n    argv: [${JSON.stringify(tally)}, three]`}
    timeout: 30
    next:
      - when: three.ok && go_on
        goto: done
      - goto: nope
  done:
    kind: fix
    id: counted
    title: { en: Counted, ja: 数えた }
    cause: { en: It counted., ja: 数えた。 }
    evidence: [{ from: one }]
    fix: [{ en: Nothing to do, ja: なし }]
    verify: [{ en: Nothing to check, ja: なし }]
  nope:
    kind: end
    title: { en: Not counted, ja: 数えなかった }
    next_steps: [{ en: Nothing, ja: なし }]
`,
  );
  // `tally` is declared read-only by the person running tshoot, as a user declares their own checks.
  return { dir, flows, count, env: { X: printed, XDG_STATE_HOME: join(dir, 'state'), TSHOOT_READ_ONLY_PROGRAMS: tally } };
}
