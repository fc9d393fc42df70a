/** User flows for the terminal tests, written to a temp `--flows` dir. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELINE } from '../../src/flow/load.js';

export function flowsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tshoot-ui-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** One command (local, or on the host of `role`), then a fix whose evidence is that command's output. */
export function oneCommandFlow(id: string, argv: readonly string[], timeout = 10, role = 'local'): string {
  return `${MODELINE}
id: ${id}
title: { en: ${id}, ja: ${id} }
needs_target: false
menu: false
start: run
nodes:
  run:
    kind: run
    title: { en: Run it, ja: 実行 }
    role: ${role}
    timeout: ${timeout}
    argv: ${JSON.stringify(argv)}
    next: fixed
  fixed:
    kind: fix
    id: ${id}-fix
    title: { en: Done, ja: 完了 }
    cause: { en: "it printed {{ run.stdout }}", ja: "{{ run.stdout }} と出力" }
    evidence: [{ from: run }]
    fix: [{ en: nothing, ja: なし }]
    verify: [{ en: nothing, ja: なし }]
`;
}

/**
 * A test-only program (flows may not run a shell: lint refuses what could change the host):
 * writes `marker`, then sleeps with SIGTERM ignored — `sleep` inherits the ignored signal
 * (ignored dispositions survive exec), so only SIGKILL ends it. Its argv[0] shows `token` in `ps`.
 */
export function stubbornSleeper(dir: string, marker: string, token: string): string {
  const file = `${dir}/stubborn`;
  writeFileSync(file, `#!/bin/bash\ntrap "" TERM\ntouch ${marker}\nexec -a ${token} sleep 30\n`);
  chmodSync(file, 0o755);
  // Declared read-only by the person running tshoot (the CLIs the tests start inherit it).
  process.env.TSHOOT_READ_ONLY_PROGRAMS = [process.env.TSHOOT_READ_ONLY_PROGRAMS, file].filter(Boolean).join(':');
  return file;
}
