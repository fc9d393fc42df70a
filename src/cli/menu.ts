/**
 * The symptom menu of a bare `tshoot`, drawn before the rest of the CLI is loaded (issue 8:
 * the first prompt within 1.5× of bare node). The shipped flows' ids and titles come from
 * the build's record of them (flow/as-built.ts), trusted only while every file in `flows/`
 * still has the text the build checked and none has an error; the session modules load while
 * the user reads the menu. Otherwise — no record, a file changed or added, `--flows`,
 * `--answers`, `--host` (whose mistakes are reported before any prompt) — `run` draws the
 * same menu from the loaded catalogue.
 */
import { readFileSync } from 'node:fs';
import { Interrupted, type Prompter } from '../engine/ports.js';
import type { Question } from '../engine/types.js';
import { builtinFlowsDir, flowFiles } from '../flow/files.js';
import { isError } from '../flow/problem.js';
import type { TextT } from '../flow/schema.js';
import { shippedAsBuilt } from '../flow/as-built.js';
import { detectLang, pickText, type Lang } from '../flow/template.js';
import { interruptedNote } from '../ui/cards.js';
import { createInquirerPrompter } from '../ui/prompter.js';
import { askPaste, type PasteIO } from '../ui/paste.js';
import { colorEnabled, makeStyle, type Style } from '../ui/style.js';
import { EXIT, type CliIO } from './io.js';
import type { RunOptions } from './run.js';

export interface MenuEntry {
  readonly id: string;
  readonly title: TextT;
}

/** The one menu question, whichever way the flows were found. */
export function menuQuestion(flows: readonly MenuEntry[], lang: Lang): Question {
  return menuAsk('symptom', 'select', lang === 'ja' ? '何が起きていますか?' : 'What do you see?', {
    // Last, the error message the user saw, read as `diagnose --error` reads it (issue 16).
    choices: [...flows.map((f) => ({ value: f.id, label: pickText(f.title, lang) })), { value: PASTE, label: lang === 'ja' ? '見たエラーメッセージを貼り付ける' : 'Paste the error message I saw' }],
  });
}

/** A question of the menu's own, not a flow's. */
function menuAsk(id: string, input: Question['input'], text: string, rest: Pick<Question, 'choices' | 'help' | 'pattern'>): Question {
  return { id, flow: 'menu', node: id, input, text, ...rest };
}

/** The menu's flows from the build's record, or null when the record does not hold for these files. */
export function shippedMenu(): MenuEntry[] | null {
  const out: MenuEntry[] = [];
  const ids = new Set<string>();
  for (const file of flowFiles(builtinFlowsDir())) {
    const entry = shippedAsBuilt(file, readFileSync(file, 'utf8'));
    if (!entry || entry.problems.some(isError)) return null;
    if (ids.has(entry.id)) return null;
    ids.add(entry.id);
    if (entry.menu) out.push({ id: entry.id, title: entry.title });
  }
  return out;
}

/** The menu's last entry's value: no flow's id (flow/schema.ts FLOW_ID starts with a letter). */
export const PASTE = ':paste-error';

/** What the menu asks after "Paste the error message I saw". */
export function pasteQuestion(lang: Lang): Question {
  return menuAsk('error', 'input', lang === 'ja' ? 'エラーメッセージを貼り付けてください:' : 'Paste the error message:', {
    help:
      lang === 'ja'
        ? '複数行のまま貼り付けて Enter (何が失敗したかを言う 1 行でも十分: curl: (7) Failed to connect to web port 80 … Connection refused)'
        : 'paste it whole (several lines are fine), then Enter; the line that says what failed is enough (curl: (7) Failed to connect to web port 80 … Connection refused)',
    pattern: '.*\\S.*',
  });
}

/**
 * The answer to "Paste the error message I saw": on a terminal the whole paste, several lines
 * (ui/paste.ts); else the prompter's one answer.
 */
export async function askPastedError(io: CliIO, output: NodeJS.WritableStream, lang: Lang, style: Style, prompter: Prompter): Promise<string> {
  const q = pasteQuestion(lang);
  const input = io.stdin as PasteIO['input'];
  if (input.isTTY !== true || typeof input.setRawMode !== 'function') return String(await prompter.ask(q));
  return askPaste({ input, output, style, ...(io.signal ? { signal: io.signal } : {}) }, q.text, q.help ?? '');
}

/** Bare `tshoot`: the menu, then the chosen flow as `tshoot run FLOW` would run it. */
export async function menuCommand(io: CliIO, opts: RunOptions): Promise<number> {
  // With --json the menu is drawn on stderr, by `run` (stdout carries the JSON only).
  const interactive = !opts.nonInteractive && !opts.json && io.stdin.isTTY === true && io.stdout.isTTY === true;
  const menu = interactive && !opts.answers && !opts.flows?.length && !opts.host?.length ? shippedMenu() : null;
  if (!menu) return (await import('./run.js')).runCommand(io, null, opts);
  const lang = detectLang(opts.lang, io.env);
  const style = makeStyle(colorEnabled(io.env, io.stdout.isTTY === true));
  const prompter = createInquirerPrompter({
    input: io.stdin,
    output: io.stdout,
    ...(io.signal ? { signal: io.signal } : {}),
    style,
    lang,
  });
  // The session's modules load while the menu waits for a key, not before it is drawn.
  const session = new Promise<typeof import('./run.js')>((resolve, reject) => {
    setTimeout(() => import('./run.js').then(resolve, reject), 100).unref();
  });
  session.catch(() => {});
  let chosen: string;
  let pasted = '';
  try {
    chosen = String(await prompter.ask(menuQuestion(menu, lang)));
    if (chosen === PASTE) pasted = await askPastedError(io, io.stdout, lang, style, prompter);
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    io.stderr.write(interruptedNote(lang, null));
    return EXIT.interrupted;
  }
  // Text that names no symptom probes the target (triage asks for it): the user is at a terminal.
  if (chosen === PASTE) return (await import('./diagnose.js')).pastedError(io, pasted, opts.target, opts, true);
  return (await session).runCommand(io, chosen, opts);
}
