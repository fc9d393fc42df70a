/**
 * Issue 16: the report of a Japanese session (the header's `lang: ja`) says its own words in
 * Japanese, in Markdown and HTML: the card's labels (CARD_TEXT, as on the terminal), the
 * sections, the meta table, the statuses, the headline of each apply state, the footer. What
 * the session recorded (titles, host output) is shown as recorded; every label tshoot adds is
 * checked against the English table, so a label left in English fails whatever its name.
 * Recorded lab sessions, their header's language ja; the apply states from commands
 * appended after the outcome, as engine/apply.ts records them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/cli/catalog.js';
import type { CliIO } from '../../src/cli/io.js';
import { parseTranscript, type Transcript, type TranscriptEvent } from '../../src/transcript/format.js';
import { renderReport } from '../../src/transcript/report.js';
import { CARD_TEXT, REPORT_TEXT } from '../../src/ui/messages.js';

// The shipped flows, as `tshoot report` opens them (no cache).
const cat = openCatalog({ env: { TSHOOT_NO_CACHE: '1' }, cwd: process.cwd() } as unknown as CliIO);

function japanese(file: string): Transcript {
  const t = parseTranscript(file, readFileSync(file, 'utf8'));
  expect(t.header.lang).toBe('ja');
  return t;
}

/** A copy with `events` appended (after the outcome: the commands of an apply). */
function withEvents(t: Transcript, events: readonly TranscriptEvent[]): Transcript {
  const last = t.events.at(-1)!;
  return { ...t, events: [...t.events, ...events.map((event, i) => ({ ...last, line: last.line + i + 1, event }))] };
}

function both(t: Transcript): { md: string; html: string } {
  const flow = cat.flows.get(t.header.flow);
  return { md: renderReport(t, flow, 'md'), html: renderReport(t, flow, 'html') };
}

// Sessions recorded in the lab (flows/refused/sessions/nginx-stopped.ndjson and
// flows/not-found/sessions/not-404.ndjson as they were at this test's commit), their header's lang ja.
const FIX = 'test/transcript/fixtures/nginx-stopped-ja.ndjson';
const UNRESOLVED = 'test/transcript/fixtures/not-404-ja.ndjson';

// The English words tshoot adds to a report (the recorded texts and host output aside).
const en = REPORT_TEXT.en;
const c = CARD_TEXT.en;
const ENGLISH_LABELS = [
  c.cause, c.evidence, c.fix, c.config, c.verify, c.checked, c.next, c.unresolved, c.error,
  en.checks, en.applied, en.answers, en.path, en.notAnswered, `(${en.source.answers})`, `(${en.source.prompt})`, en.noResult, en.noOutput, en.truncated, en.notFinished,
  ...Object.values(en.applyState), en.selfContained, en.title(''), en.from('', '').replace(/\s+\.$/, ''),
  en.exit('', 0).split(' ')[0]!, 'timed out', 'more lines', 'host unreachable', 'target', 'started',
];

/** The text tshoot itself wrote: Markdown without fences, code spans and the recorded texts. */
function ownMarkdown(md: string, t: Transcript): string {
  let own = md.replace(/^(`{3,})text\n[\s\S]*?^\1$/gm, '').replace(/`[^`\n]*`/g, '');
  for (const s of recorded(t)) own = own.split(s).join('');
  return own;
}

/** What the session recorded in English: fix and end texts, command titles, questions, answers. */
function recorded(t: Transcript): string[] {
  const out: string[] = [];
  for (const { event: e } of t.events) {
    if (e.kind === 'command') out.push(e.title);
    if (e.kind === 'question') out.push(e.text);
    if (e.kind === 'outcome' && e.fix) out.push(e.fix.title, e.fix.cause, ...e.fix.fix, ...e.fix.verify, ...e.fix.evidence.flatMap((x) => x.lines));
    if (e.kind === 'outcome' && e.end) out.push(e.end.title, ...e.end.checked, ...e.end.nextSteps);
  }
  // Longest first, so that a text inside another is not cut out of it first; as Markdown escapes them.
  return out.sort((a, b) => b.length - a.length).flatMap((s) => [s, s.replace(/[\\`*_[\]|#]/g, '\\$&')]);
}

function englishLeft(own: string): string[] {
  return ENGLISH_LABELS.filter((l) => l.trim() !== '' && own.includes(l));
}

describe('the report of a Japanese session', () => {
  it('a fix: Markdown labels, sections and meta table are Japanese, none of the English ones left', () => {
    const t = japanese(FIX);
    const { md } = both(t);
    expect(md).toMatch(/^# 接続が拒否される \(Connection refused\) — tshoot レポート$/m);
    expect(md).toContain('**対処: The service is not running \\[start-service\\]**');
    expect(md).toContain('| 対象 | `http://198.18.2.10/` |');
    expect(md).toMatch(/^\| フロー \| `refused` /m);
    expect(md).toMatch(/^\| 開始 \| 2026-12-01T20:00:21\.983Z \|$/m);
    expect(md).toContain('## 対処: The service is not running `start-service`');
    expect(md).toContain('**原因** Nothing listens on port 80');
    for (const l of ['**根拠**', '**対処**', '**確認**', '## チェック', '## フローの経路']) expect(md).toContain(l);
    expect(md).toMatch(/— 終了コード 7 · 148 ms$/m);
    expect(md).toMatch(/^<sub>test\/transcript\/fixtures\/nginx-stopped-ja\.ndjson より。tshoot 0\.1\.0 で記録。<\/sub>$/m);
    const left = englishLeft(ownMarkdown(md, t));
    expect(left, ownMarkdown(md, t)).toEqual([]);
  });

  it('a fix: the HTML says the same words, its <html lang> is ja', async () => {
    const t = japanese(FIX);
    const { html } = both(t);
    const doc = await dom(html);
    expect(doc.documentElement.getAttribute('lang')).toBe('ja');
    expect(doc.title).toBe('接続が拒否される (Connection refused) — tshoot レポート');
    expect(texts(doc, 'h2')).toEqual(['対処', 'フローの経路', 'チェック']);
    expect(texts(doc, 'section.card b')).toEqual(['原因', '根拠', '対処', '確認']);
    expect(texts(doc, 'table.meta td:first-child')).toEqual(['対象', 'client', 'server', 'フロー', '開始', 'tshoot']);
    expect(text(doc, '#outcome')).toBe('対処: The service is not running [start-service]');
    expect(texts(doc, '.check .st').every((s) => /^(終了コード \d+ · \d+ ms|\d+ ms でタイムアウト|届かない: \S+)/.test(s))).toBe(true);
    expect(text(doc, 'footer')).toContain('このページは単体で完結している');
    // The drawing's fix node says 対処, not fix.
    expect(texts(doc, 'svg.flow text')).toContain('対処: start-service');
    // Everything tshoot wrote outside the recorded texts and host output: no English label.
    expect(texts(doc, 'ol.path small').every((s) => s.startsWith('条件 '))).toBe(true);
    for (const sel of ['h1', 'h2', 'section.card b', 'table.meta td:first-child', '.check .st', 'footer', 'head > title']) {
      const own = texts(doc, sel).join('\n');
      expect(englishLeft(own), `${sel}: ${own}`).toEqual([]);
    }
  });

  it('unresolved: 未解決, 確認したこと, 次に試すこと, in both formats', async () => {
    const t = japanese(UNRESOLVED);
    const { md, html } = both(t);
    expect(md).toContain('**未解決: It works from the client**');
    expect(md).toContain('## 未解決: It works from the client');
    expect(md).toContain('**確認したこと**');
    expect(md).toContain('**次に試すこと**');
    expect(englishLeft(ownMarkdown(md, t)), ownMarkdown(md, t)).toEqual([]);
    const doc = await dom(html);
    expect(texts(doc, 'section.card b')).toEqual(['確認したこと', '次に試すこと']);
    expect(texts(doc, 'h2')[0]).toBe('未解決');
  });

  it('each apply state has its Japanese headline; the commands after the outcome are 適用したコマンド', async () => {
    const t = japanese(FIX);
    const cmd = (id: string, title: string): TranscriptEvent => ({ kind: 'command', id, flow: 'refused', node: 'start_service', role: 'server', dest: 'server', title, argv: ['systemctl', 'start', 'nginx'], root: true, timeoutMs: 10_000 }) as TranscriptEvent;
    const res = (id: string, exit: number): TranscriptEvent => ({ kind: 'result', id, exit, stdout: '', stderr: '', durationMs: 12, timedOut: false, truncated: { stdout: false, stderr: false }, transport: null }) as TranscriptEvent;
    const cases: Array<[TranscriptEvent[], string]> = [
      [[cmd('apply.1', 'Start nginx'), res('apply.1', 0), cmd('probe.1', 'Repeat the request'), res('probe.1', 0)], '対処を適用し、確認できた'],
      [[cmd('apply.1', 'Start nginx'), res('apply.1', 0), cmd('probe.1', 'Repeat the request'), res('probe.1', 7), cmd('apply.2', 'Stop nginx'), res('apply.2', 0)], '対処を適用したが確認はまだ失敗: 元に戻した'],
      [[cmd('apply.1', 'Start nginx'), res('apply.1', 0), cmd('probe.1', 'Repeat the request'), res('probe.1', 7), cmd('apply.2', 'Stop nginx'), res('apply.2', 1)], '対処を適用したが確認はまだ失敗し、元に戻しきれなかった (適用したコマンドを参照)'],
      [[cmd('apply.1', 'Start nginx'), res('apply.1', 1)], '対処は適用されなかった: 確認の前に止まった (適用したコマンドを参照)'],
      [[cmd('apply.1', 'Start nginx')], '対処: 適用中に中断された (適用したコマンドを参照)'],
    ];
    for (const [events, headline] of cases) {
      const applied = withEvents(t, events);
      const { md, html } = both(applied);
      expect(md).toContain(`**${headline}: The service is not running \\[start-service\\]**`);
      expect(md).toContain('## 適用したコマンド');
      expect(md).toMatch(/^- Start nginx: server `\$ systemctl start nginx` — (終了コード \d · 12 ms|中断)$/m);
      expect(englishLeft(ownMarkdown(md, applied)), ownMarkdown(md, applied)).toEqual([]);
      const doc = await dom(html);
      expect(text(doc, '#outcome')).toBe(`${headline}: The service is not running [start-service]`);
      expect(texts(doc, 'h2')).toContain('適用したコマンド');
    }
  });

  it('a question asked and answered: 回答, with where the answer came from', async () => {
    const t = japanese(FIX);
    const asked = withEvents(t, [
      { kind: 'question', id: 'svc', flow: 'refused', node: 'svc', input: 'input', text: 'サービスの名前は?' } as TranscriptEvent,
      { kind: 'answer', id: 'svc', value: 'nginx', source: 'answers' } as TranscriptEvent,
    ]);
    const { md, html } = both(asked);
    expect(md).toContain('## 回答\n\n- サービスの名前は? → **nginx** (回答ファイル)');
    expect(englishLeft(ownMarkdown(md, asked)), ownMarkdown(md, asked)).toEqual([]);
    expect(texts(await dom(html), 'h2')).toContain('回答');
  });

  it('a session stopped before its outcome: 未完了 and the command without a result', () => {
    const t = japanese(FIX);
    const cut = t.events.findIndex((l) => l.event.kind === 'result');
    const stopped = { ...t, events: t.events.slice(0, cut) };
    const { md } = both(stopped);
    expect(md).toContain('**未完了: セッションは中断された (tshoot resume FILE で続きから)**');
    expect(md).toContain('(結果なし: 実行中にセッションが止まった)');
    expect(md).toMatch(/— 中断$/m);
    expect(englishLeft(ownMarkdown(md, stopped)), ownMarkdown(md, stopped)).toEqual([]);
  });

  it('an English session keeps its English words (the same transcript, lang en)', () => {
    const ja = parseTranscript(FIX, readFileSync(FIX, 'utf8'));
    const t = { ...ja, header: { ...ja.header, lang: 'en' as const } };
    const { md } = both(t);
    expect(md).toMatch(/^# Connection refused — tshoot report$/m);
    expect(md).toContain('**Cause.** Nothing listens');
    expect(md).toContain('| target | `http://198.18.2.10/` |');
    expect(md).toContain('## Path through the flow');
    // The check the Japanese tests make sees English labels where they are.
    expect(englishLeft(ownMarkdown(md, t))).toEqual(expect.arrayContaining(['Cause', 'Evidence', 'Verify', 'Checks', 'Path through the flow', 'target', 'started']));
  });
});

interface Doc {
  title: string;
  documentElement: { getAttribute(n: string): string | null };
  querySelector(s: string): { textContent: string | null } | null;
  querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>;
}

async function dom(html: string): Promise<Doc> {
  // jsdom ships no types, and @types/jsdom would bring the DOM's into every file: typed here.
  const jsdom = 'jsdom';
  const { JSDOM } = (await import(jsdom)) as { JSDOM: new (html: string) => { window: { document: Doc } } };
  return new JSDOM(html).window.document;
}

const texts = (doc: Doc, sel: string): string[] => Array.from(doc.querySelectorAll(sel), (e) => (e.textContent ?? '').trim());
const text = (doc: Doc, sel: string): string => (doc.querySelector(sel)?.textContent ?? '').trim();
