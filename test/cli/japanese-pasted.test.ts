/**
 * Issue 16: why `diagnose --error` runs a flow, in the session's language — messages.ts's
 * PASTED_TEXT by the pasted error's kind (sayPasted); classifyError's English `why` unchanged.
 */
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/cli/diagnose.js';
import { PASTED_TEXT, sayPasted } from '../../src/ui/messages.js';

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;

describe('a pasted error: why its flow, in English and Japanese', () => {
  it.each([
    ['curl: (7) Failed to connect to 198.18.2.10 port 80 after 3 ms: Connection refused', 'refused', 'connection refused: a host answered with a reset', '接続拒否: ホストがリセットで応答しました'],
    ['curl: (28) Connection timed out after 5001 milliseconds', 'timeout', 'nothing answered: the connection timed out', '応答なし: 接続がタイムアウトしました'],
    ['curl: (22) The requested URL returned error: 503', 'triage', 'the server answered HTTP 503: probing the target', 'サーバーが HTTP 503 を返しました: 接続先を調べます'],
    ['curl: (22) The requested URL returned error: 404', 'not-found', 'the server answered 404 Not Found', 'サーバーが 404 Not Found を返しました'],
  ])('%s', (text, flow, en, ja) => {
    const c = classifyError(text);
    expect(c?.flow).toBe(flow);
    expect(c?.why).toBe(en);
    expect(sayPasted(c!.kind, c!.status, PASTED_TEXT.ja)).toBe(ja);
  });

  it('every kind has Japanese words', () => {
    for (const [k, v] of Object.entries(PASTED_TEXT.ja)) if (typeof v === 'string') expect(v, k).toMatch(JAPANESE);
  });
});
