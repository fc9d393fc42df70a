/**
 * The symptom menu of a bare `tshoot`, drawn before the rest of the CLI is loaded (issue 8:
 * the first prompt within 1.5× of bare node). The shipped flows' ids and titles come from
 * the build's data (flow/as-built.ts), the flows a built tshoot runs, unless one has an error;
 * the session modules load while the user reads the menu. Otherwise — from source, `--flows`,
 * `--answers`, `--host` (whose mistakes are reported before any prompt) — `run` draws the
 * same menu from the loaded catalogue.
 */
import { Interrupted, type Prompter } from '../engine/ports.js';
import type { Question } from '../engine/types.js';
import { isError } from '../flow/problem.js';
import type { TextT } from '../flow/schema.js';
import { builtFlows } from '../flow/as-built.js';
import { detectLang, pickText, type Lang } from '../flow/template.js';
import { interruptedNote } from '../ui/cards.js';
import { MENU_TEXT } from '../ui/messages.js';
import { createInquirerPrompter } from '../ui/prompter.js';
import { askPaste, type PasteIO } from '../ui/paste.js';
import { colorEnabled, makeStyle, type Style } from '../ui/style.js';
import { EXIT, promptStream, type CliIO } from './io.js';
import type { RunOptions } from './run.js';
import { UsageError } from './target.js';

export interface MenuEntry {
  readonly id: string;
  readonly title: TextT;
}

/** The one menu question, whichever way the flows were found. */
export function menuQuestion(flows: readonly MenuEntry[], lang: Lang): Question {
  return menuAsk('symptom', 'select', MENU_TEXT[lang].question, {
    // Last, the error message the user saw, read as `diagnose --error` reads it (issue 16).
    choices: [...flows.map((f) => ({ value: f.id, label: pickText(f.title, lang) })), { value: PASTE, label: MENU_TEXT[lang].paste }],
  });
}

/** A question of the menu's own, not a flow's. */
function menuAsk(id: string, input: Question['input'], text: string, rest: Pick<Question, 'choices' | 'help' | 'pattern'>): Question {
  return { id, flow: 'menu', node: id, input, text, ...rest };
}

/** The menu's flows from the build's data, or null from source or when a shipped flow has an error. */
export function shippedMenu(): MenuEntry[] | null {
  const built = builtFlows();
  const out: MenuEntry[] = [];
  const ids = new Set<string>();
  for (const entry of built ?? []) {
    if (entry.id === null || entry.problems.some(isError) || ids.has(entry.id)) return null;
    ids.add(entry.id);
    if (entry.menu) out.push({ id: entry.id, title: entry.title });
  }
  return built && out;
}

/** The menu's last entry's value: no flow's id (flow/schema.ts FLOW_ID starts with a letter). */
export const PASTE = ':paste-error';

/** What the menu asks after "Paste the error message I saw". */
export function pasteQuestion(lang: Lang): Question {
  return menuAsk('error', 'input', MENU_TEXT[lang].pasteQuestion, {
    help: MENU_TEXT[lang].pasteHelp,
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

/**
 * Bare `tshoot`: the menu, then the chosen flow as `tshoot run FLOW` would run it. Without the
 * build's record, run's set-up comes first (its option mistakes are said before any prompt)
 * and the menu is drawn from the catalogue it opened.
 */
export async function menuCommand(io: CliIO, opts: RunOptions): Promise<number> {
  // With --json the menu is drawn on stderr (stdout carries the JSON only): io.ts promptStream.
  const interactive = !opts.nonInteractive && !opts.json && io.stdin.isTTY === true && io.stdout.isTTY === true;
  const shipped = interactive && !opts.answers && !opts.flows?.length && !opts.host?.length ? shippedMenu() : null;
  const run = shipped ? null : await import('./run.js');
  const setup = run?.runSetup(io, opts) ?? null;
  const out = promptStream(io, opts);
  if (!out) throw new UsageError((t) => `${t.terminalNeeded}; ${t.orNameAFlow}`);
  const menu = shipped ?? [...setup!.cat.flows.values()].filter((f) => f.doc.menu !== false).map((f) => ({ id: f.id, title: f.doc.title }));
  const lang = setup?.lang ?? detectLang(opts.lang, io.env);
  const style = setup?.style ?? makeStyle(colorEnabled(io.env, io.stdout.isTTY === true));
  const prompter = createInquirerPrompter({
    input: io.stdin,
    output: out,
    ...(io.signal ? { signal: io.signal } : {}),
    style,
    lang,
  });
  // The session's modules load while the menu waits for a key, not before it is drawn.
  const session = run
    ? Promise.resolve(run)
    : new Promise<typeof import('./run.js')>((resolve, reject) => {
        setTimeout(() => import('./run.js').then(resolve, reject), 100).unref();
      });
  session.catch(() => {});
  let chosen: string;
  let pasted = '';
  try {
    chosen = String(await prompter.ask(menuQuestion(menu, lang)));
    if (chosen === PASTE) pasted = await askPastedError(io, out, lang, style, prompter);
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    io.stderr.write(interruptedNote(lang, null));
    return EXIT.interrupted;
  }
  // Text that names no symptom probes the target (triage asks for it): the user is at a terminal.
  if (chosen === PASTE) return (await import('./diagnose.js')).pastedError(io, pasted, opts.target, opts, true);
  if (setup) return (await session).runFlow(setup, setup.cat.flows.get(chosen)!);
  return (await session).runCommand(io, chosen, opts);
}
