/**
 * `tshoot diagnose TARGET` and `tshoot diagnose --error "TEXT"`: from what the user has — a
 * target, or the error message they saw — to the flow for that symptom. With a target, the
 * `triage` flow probes it from the client and calls the matching flow; with a pasted error,
 * the text itself names the layer (parsers/pasted-error.ts: curl, wget, nc, ssh, Node, Python,
 * Go, Java, psql, mysql, redis-cli, telnet, PowerShell, browsers, the EC2 console) and, when it
 * names it, the target. `--error -` reads the text from stdin. Text that names no symptom is a
 * usage error, unless a target is given too: then the target is probed (triage).
 */
import { Interrupted } from '../engine/ports.js';
import { readPastedError, type PastedKind } from '../parsers/pasted-error.js';
import { askPaste, type PasteIO } from '../ui/paste.js';
import { colorEnabled, makeStyle } from '../ui/style.js';
import { detectLang } from '../flow/template.js';
import { interruptedNote } from '../ui/cards.js';
import { MENU_TEXT, NOTE_TEXT, PASTED_TEXT, sayPasted, type UiLang, type UsageText } from '../ui/messages.js';
import { EXIT, type CliIO } from './io.js';
import { runCommand, type RunOptions } from './run.js';
import { INSTANCE_ID, parseTarget, UsageError } from './target.js';

export interface DiagnoseOptions extends RunOptions {
  readonly error?: string;
}

export interface Classified {
  readonly flow: string;
  /** What the text says failed (parsers/pasted-error.ts). */
  readonly kind: PastedKind;
  /** A target read from the text: a URL, or `HOST:PORT`, when it names one. */
  readonly target?: string;
  /** The host the text names when it names no port (a browser page): shown, not probed. */
  readonly host?: string;
  /** Why that flow, in English (PASTED_TEXT); `status` for saying it in another language. */
  readonly why: string;
  readonly status: number;
}

/** The flow each kind calls for, and why, in the words shown before it runs. */
const FLOWS: Partial<Record<PastedKind, string>> = {
  refused: 'refused',
  timeout: 'timeout',
  unreachable: 'timeout',
  connect_failed: 'triage',
  console: 'console-connect',
  not_found: 'not-found',
  http_error: 'triage',
  dns: 'triage',
  tls: 'triage',
  reset: 'triage',
};

/** Which flow a pasted error message calls for, and the target it names; null when it names no symptom. */
export function classifyError(text: string): Classified | null {
  // Colours a terminal printed come along with a paste; nothing else is removed (a host holding
  // other controls is refused by parseTarget, with where it came from).
  // eslint-disable-next-line no-control-regex
  const e = readPastedError(text.replace(/\x1b\[[0-9;]{0,32}m/g, ''));
  const flow = FLOWS[e.kind];
  if (!flow) return null;
  const hostPort = e.host && e.port ? `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}` : undefined;
  // What the server answered is about the URL; what failed to connect is about the address dialled.
  const http = e.kind === 'not_found' || e.kind === 'http_error';
  const target = flow === 'console-connect' ? undefined : http ? e.url || hostPort : hostPort ?? (e.url || undefined);
  return {
    flow,
    kind: e.kind,
    why: sayPasted(e.kind, e.status, PASTED_TEXT.en),
    status: e.status,
    ...(target ? { target } : e.host ? { host: e.host } : {}),
  };
}

export async function diagnoseCommand(io: CliIO, positional: string | undefined, opts: DiagnoseOptions): Promise<number> {
  const target = positional ?? opts.target;
  if (opts.error === undefined) {
    if (target === undefined) throw new UsageError((t) => t.diagnoseNeedsTarget);
    // An instance id names an EC2 instance, read with the AWS CLI by console-connect only.
    return runCommand(io, INSTANCE_ID.test(target.trim().replace(/:\d+$/, '')) ? 'console-connect' : 'triage', { ...opts, target });
  }
  const lang = detectLang(opts.lang, io.env);
  const text = opts.error === '-' ? await readStdin(io, lang) : opts.error;
  if (text === null) {
    io.stderr.write(interruptedNote(lang, null));
    return EXIT.interrupted;
  }
  return pastedError(io, text, target, opts, false);
}

/**
 * The session a pasted error starts. `probeWhenUnknown`: text that names no symptom runs triage
 * (which asks for the target) instead of a usage error — the menu's way, where the user is
 * at a terminal and the question is the next step.
 */
export async function pastedError(io: CliIO, text: string, target: string | undefined, opts: RunOptions, probeWhenUnknown: boolean): Promise<number> {
  const c = classifyError(text);
  const lang = detectLang(opts.lang, io.env);
  const note = (s: string) => {
    if (!opts.json && !opts.quiet) io.stderr.write(`tshoot: ${s}\n`);
  };
  if (!c) {
    if (target === undefined && !probeWhenUnknown) {
      throw new UsageError((t) => t.cannotTell(describe(text, t)));
    }
    note(NOTE_TEXT[lang].probing(target ?? null));
    return runCommand(io, 'triage', { ...opts, ...(target !== undefined ? { target } : {}) });
  }
  // A target read from pasted text is checked here, so that a refusal names where it came from
  // (a host such as `-oProxyCommand=…` would be an option to nc).
  if (target === undefined && c.target !== undefined) parseTarget(c.target, (t) => t.targetInText(JSON.stringify(c.target)));
  let chosen = target ?? c.target;
  if (chosen && c.flow === 'console-connect' && !/:\d+$|^[a-z]+:\/\//i.test(chosen)) chosen = `${chosen}:22`;
  const named = !chosen && c.host ? NOTE_TEXT[lang].namesHostOnly(c.host) : '';
  note(NOTE_TEXT[lang].toFlow(sayPasted(c.kind, c.status, PASTED_TEXT[lang]), c.flow, chosen ?? null) + named);
  return runCommand(io, c.flow, { ...opts, ...(chosen ? { target: chosen } : {}) });
}

/** Enough of a pasted error to read it: bigger input is a mistake (a log file), refused whole. */
const MAX_STDIN = 1024 * 1024;

/**
 * `--error -`: the text on stdin, to its end. At a terminal, the menu's paste prompt instead
 * (ui/paste.ts, drawn on stderr): reading a terminal to its end (Ctrl-D) would leave no stdin for
 * the flow's questions.
 */
async function readStdin(io: CliIO, lang: UiLang): Promise<string | null> {
  const input = io.stdin as PasteIO['input'];
  if (input.isTTY === true && typeof input.setRawMode === 'function') {
    const style = makeStyle(colorEnabled(io.env, io.stderr.isTTY === true));
    try {
      const t = MENU_TEXT[lang];
      return await askPaste({ input, output: io.stderr, style, ...(io.signal ? { signal: io.signal } : {}) }, t.pasteQuestion, t.pasteHelp);
    } catch (e) {
      if (e instanceof Interrupted) return null;
      throw e;
    }
  }
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    bytes += b.length;
    if (bytes > MAX_STDIN) {
      throw new UsageError((t) => t.stdinTooBig(MAX_STDIN / 1024));
    }
    text += decoder.decode(b, { stream: true });
  }
  text += decoder.decode();
  if (text.trim() === '') throw new UsageError((t) => t.stdinEmpty);
  return text;
}

/** The text as the usage error names it: its size and first line, cut. */
function describe(text: string, t: UsageText): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const first = (lines[0] ?? '').trim();
  const shown = first.length > 60 ? `${first.slice(0, 59)}…` : first;
  return t.pastedText(lines.length, JSON.stringify(shown));
}
