/**
 * Issue 16: a malformed transcript is refused at FILE:LINE in the session's language — the words
 * from messages.ts's TRANSCRIPT_TEXT (transcript/format.ts's TranscriptError holds a code and its
 * values), the English unchanged. The built CLI, `replay` and `report` of real files.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTranscript, TranscriptError } from '../../src/transcript/format.js';
import { TRANSCRIPT_TEXT } from '../../src/ui/messages.js';
import { ROOT, runCli } from '../helpers/run-cli.js';

const JA = { LANG: 'ja_JP.UTF-8', LC_ALL: 'ja_JP.UTF-8' };
const EN = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const dir = mkdtempSync(join(tmpdir(), 'tshoot-ja-transcript-'));
const good = readFileSync(join(ROOT, 'examples/refused-nginx-stopped.ndjson'), 'utf8').split('\n');

/** A copy of a real transcript with its line `n` (1-based) replaced. */
function broken(name: string, n: number, line: string): string {
  const lines = [...good];
  lines[n - 1] = line;
  const f = join(dir, name);
  writeFileSync(f, lines.join('\n'));
  return f;
}

function refusal(f: string): TranscriptError {
  try {
    parseTranscript(f, readFileSync(f, 'utf8'));
  } catch (e) {
    if (e instanceof TranscriptError) return e;
    throw e;
  }
  throw new Error(`${f} was read`);
}

describe('a malformed transcript, in Japanese at FILE:LINE', () => {
  it.each([
    ['not-json.ndjson', 3, '{"kind": ', ':3: JSON ではありません: ', ':3: not JSON: '],
    ['kind.ndjson', 2, '{"kind":"party"}', ':2: 不明なイベントの種類 "party" です。次のいずれかのはずです: ', ':2: unknown event kind "party"; expected one of '],
    ['empty-line.ndjson', 4, '', ':4: 空の行です', ':4: empty line'],
    ['header.ndjson', 1, '{"format":"nope"}', ':1: tshoot の記録ではありません: 最初の行は {"format":"tshoot-transcript",…} のはずです', ':1: not a tshoot transcript: the first line must be {"format":"tshoot-transcript",…}'],
  ])('%s (line %i)', async (name, n, line, ja, en) => {
    const f = broken(name, n, line);
    const e = refusal(f);
    expect(e.line).toBe(n);
    expect(e.in(TRANSCRIPT_TEXT.en)).toBe(e.message);
    const r = await runCli(['replay', f], { env: JA });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}${ja}`);
    expect(r.stderr).not.toContain(en);
    const rEn = await runCli(['replay', f], { env: EN });
    expect(rEn.code).toBe(2);
    expect(rEn.stderr).toContain(`${f}${en}`);
  });

  it('a schema error names the event and the field in Japanese; report too', async () => {
    const cmd = good.findIndex((l) => l.includes('"kind":"command"'));
    const n = cmd + 1;
    const f = broken('schema.ndjson', n, good[cmd]!.replace(/"id":"[^"]*"/, '"id":7'));
    expect(refusal(f).message).toBe(`${f}:${n}: "command" event: /id: expected string`);
    const r = await runCli(['report', f], { env: JA });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:${n}: "command" イベントの /id が正しくありません: expected string`);
  });
});
