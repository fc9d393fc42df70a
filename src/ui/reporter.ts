/**
 * The terminal reporter: while commands run, one spinner line per command (role, host,
 * command), drawn by a single ora instance so that commands that run together show
 * together; each ends as a ✔/✖ line with its duration and a one-line summary. Off a
 * terminal, in CI and with `--json`: the same ✔/✖ lines, plain; with `--quiet`: nothing.
 * Then the card. Never a spinner frame off a TTY.
 *
 * ora draws one spinner per stream (two instances on one stream overwrite each other, ora
 * warns), so lines 2…n of the group are ora's `suffixText`, re-rendered with each frame.
 * `discardStdin` is off: it would put stdin in raw mode behind inquirer's back.
 */
import type { Ora } from 'ora';
import type { Reporter } from '../engine/ports.js';
import type { Answer, Command, Question, ShownItem } from '../engine/types.js';
import { displayArgv } from '../exec/shell-quote.js';
import type { Lang } from '../flow/template.js';
import { renderOutcome, type CardOptions } from './cards.js';
import { PROMPT_TEXT, REPORTER_TEXT } from './messages.js';
import { cut, displayWidth, fold, oneLine } from './sanitize.js';
import { termWidth, type ProgressMode, type Style } from './style.js';

export interface ReporterOptions {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly style: Style;
  /** From `progressMode()`: spinners, plain lines, or nothing (`--quiet`). */
  readonly mode: ProgressMode;
  /** Every decision, whole outputs, unfolded evidence. */
  readonly verbose: boolean;
  readonly lang: Lang;
  readonly dest: CardOptions['dest'];
  /** Loaded lazily by the caller only for `spinners` (start-up time). */
  readonly ora: typeof import('ora').default | null;
  readonly boxen: CardOptions['boxen'];
  /** Whether the final card is printed here (false with --json). */
  readonly card: boolean;
}

export interface TerminalReporter extends Reporter {
  /** Take the spinners off the screen (a prompt is coming); the commands still run. */
  pause(): void;
  /** Put them back after the prompt. */
  resume(): void;
  /** Stop for good (end, error, Ctrl-C): no spinner left, cursor shown. */
  stopAll(): void;
  /**
   * A host being connected to before its first command (issue 17): its line runs beside the
   * commands until `done` settles or a command on that role starts (whose line it then is).
   */
  connecting(role: string, dest: string, done: Promise<unknown>): void;
}

const DOTS = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/**
 * Columns left free after a spinner line: Ctrl-C is echoed by the terminal as `^C` after the
 * cursor, at the end of that line; on a full line it wraps, and ora, clearing the one line it
 * drew, would leave the frame above (issue 16).
 */
const ECHO_ROOM = 3;
const INTERVAL = 80;

export function createTerminalReporter(o: ReporterOptions): TerminalReporter {
  const running = new Map<string, string>();
  /** Hosts being connected to ahead of their commands, by role: drawn after the commands. */
  const connecting = new Map<string, string>();
  let spinner: Ora | null = null;
  let paused = false;
  let lastFlow: string | null = null;
  const width = () => termWidth(o.out);
  const useSpinners = o.mode === 'spinners' && o.ora !== null;
  const write = (s: string) => {
    if (o.mode !== 'none') o.out.write(s);
  };

  const stopSpinner = () => {
    spinner?.stop();
    spinner = null;
  };
  const startSpinner = () => {
    if (!useSpinners || paused || running.size + connecting.size === 0 || spinner) return;
    const [first, ...rest] = [...running.values(), ...connecting.values()];
    const frame = () => o.style.cyan(DOTS[Math.floor(Date.now() / INTERVAL) % DOTS.length]!);
    spinner = o.ora!({
      text: first!,
      suffixText: rest.length ? () => rest.map((l) => `\n${frame()} ${l}`).join('') : '',
      spinner: { interval: INTERVAL, frames: DOTS },
      color: o.style.enabled ? 'cyan' : false,
      stream: o.out,
      discardStdin: false,
      isEnabled: true,
    }).start();
  };

  // A flow handed over to the one for the symptom it found: said where it happens (its first
  // command, run or its result reused).
  const handover = (flow: string | undefined) => {
    if (flow && lastFlow && flow !== lastFlow) write(o.style.dim(`${oneLine(REPORTER_TEXT[o.lang].handover(flow), width() - 1)}\n`));
    if (flow) lastFlow = flow;
  };

  return {
    commandsStart(cmds, dests) {
      cmds.forEach((c, i) => running.set(c.id, runningLine(c, dests[i] ?? '', o.style, width() - ECHO_ROOM)));
      for (const c of cmds) connecting.delete(c.role);
      stopSpinner();
      handover(cmds[0]?.flow);
      startSpinner();
    },
    commandsEnd(cmds) {
      // Those run ahead for a later node (`together`) draw their line when the flow reaches it.
      stopSpinner();
      for (const c of cmds) running.delete(c.id);
    },
    show(item: ShownItem) {
      switch (item.kind) {
        case 'result': {
          const c = item.command;
          const r = item.result;
          stopSpinner();
          running.delete(c.id);
          if (item.reused !== undefined || item.prefetched) handover(c.flow);
          write(resultLine(item, o.dest(c.role), o.style, width(), o.lang) + '\n');
          if (o.verbose) {
            write(o.style.dim(`    $ ${oneLine(displayArgv(c.argv), width() - 6)}\n`));
            const body = `${r.stdout}${r.stderr ? `${r.stdout && !r.stdout.endsWith('\n') ? '\n' : ''}${r.stderr}` : ''}`;
            for (const l of fold(body, { maxLines: 0, maxWidth: 0, whole: true })) if (l) write(`    ${l}\n`);
            if (r.truncated.stdout || r.truncated.stderr) write(o.style.dim('    (output cut at the size limit)\n'));
          }
          startSpinner();
          return;
        }
        case 'decision':
          if (o.verbose && o.mode !== 'none') {
            stopSpinner();
            write(o.style.dim(`  → ${item.goto}${item.when ? `  (when ${oneLine(item.when, width() - item.goto.length - 14)})` : ''}\n`));
            startSpinner();
          }
          return;
        case 'outcome':
          stopSpinner();
          running.clear();
          if (o.card) o.out.write('\n' + renderOutcome(item.outcome, item.checks, { style: o.style, width: width(), boxen: o.boxen, dest: o.dest, lang: o.lang, verbose: o.verbose }));
          return;
      }
    },
    answered(q: Question, a: Answer, source) {
      if (o.mode === 'none') return;
      stopSpinner();
      const from = source === 'answers' ? PROMPT_TEXT[o.lang].answersFile : source;
      const answer = oneLine(String(a), Math.min(40, Math.floor(width() / 3)));
      const room = width() - 1 - 2 - displayWidth(answer) - 1 - displayWidth(from) - 3;
      write(`${o.style.green('?')} ${oneLine(q.text, Math.max(8, room))} ${o.style.cyan(answer)} ${o.style.dim(`(${from})`)}\n`);
      startSpinner();
    },
    pause() {
      paused = true;
      stopSpinner();
    },
    resume() {
      paused = false;
      startSpinner();
    },
    stopAll() {
      paused = true;
      stopSpinner();
      running.clear();
      connecting.clear();
    },
    connecting(role, dest, done) {
      const avail = width() - ECHO_ROOM - 1 - 2;
      const who = `${role} (${oneLine(dest, Math.max(4, Math.floor(avail / 3)))})`;
      const room = avail - displayWidth(who) - 1;
      connecting.set(role, room >= 4 ? `${who} ${o.style.dim(oneLine(REPORTER_TEXT[o.lang].connecting, room))}` : cut(who, avail));
      stopSpinner();
      startSpinner();
      const line = connecting.get(role);
      const end = () => {
        if (connecting.get(role) !== line) return;
        connecting.delete(role);
        stopSpinner();
        startSpinner();
      };
      done.then(end, end);
    },
  };
}

/**
 * `title · role (dest) $ command`, one terminal line after ora's frame (`⠋ `): every part is cut
 * by display width (a Japanese title takes two columns a character), and the line never reaches
 * the last column, where a terminal may wrap it.
 */
export function runningLine(c: Command, dest: string, s: Style, width: number): string {
  const avail = width - 1 - 2;
  const who = dest && dest !== c.role ? `${c.role} (${oneLine(dest, Math.max(4, Math.floor(avail / 4) - c.role.length - 3))})` : c.role;
  const head = `${oneLine(c.title, Math.max(8, Math.min(60, Math.floor(avail * 0.45))))} · ${who} `;
  const room = avail - displayWidth(head) - 2;
  return room >= 4 ? `${head}${s.dim(`$ ${oneLine(displayArgv(c.argv), room)}`)}` : cut(head.trimEnd(), avail);
}

/** `✔ title [role (dest) · 12 ms] — summary`, one terminal line (cut as `runningLine` is). */
export function resultLine(item: Extract<ShownItem, { kind: 'result' }>, dest: string, s: Style, width: number, lang: Lang = 'en'): string {
  const c = item.command;
  const r = item.result;
  const ok = r.exit === 0 && !r.transport;
  const mark = ok ? s.green('✔') : s.red('✖');
  const avail = width - 1;
  // A result taken from the same command run earlier (issue 17): which one, instead of a duration.
  const took = item.reused !== undefined ? REPORTER_TEXT[lang].reused(item.reused) : duration(r.durationMs);
  const who = dest && dest !== c.role ? `${c.role} (${oneLine(dest, Math.max(8, Math.min(30, Math.floor(avail / 3) - took.length - c.role.length - 8)))})` : c.role;
  const meta = `[${who} · ${took}]`;
  // Narrow terminal: the title gives way before the summary does.
  const title = oneLine(c.title, Math.max(8, Math.min(60, avail - displayWidth(meta) - 20)));
  const room = avail - 2 - displayWidth(title) - 1 - displayWidth(meta) - 3;
  return `${mark} ${title} ${s.dim(meta)}${room >= 2 ? ` — ${oneLine(item.summary, room)}` : ''}`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
