/**
 * The terminal reporter: a spinner per running command on a terminal (ora), plain lines
 * elsewhere (CI, pipes, `--json` where it writes to stderr), nothing with `--quiet`; then
 * the card. Never a spinner frame off a TTY.
 */
import type { Ora } from 'ora';
import type { Reporter } from '../engine/ports.js';
import type { Command, ShowItem } from '../engine/types.js';
import { quoteArgv } from '../exec/shell-quote.js';
import { renderOutcome, type CardOptions } from './cards.js';
import { oneLine } from './sanitize.js';
import type { Style } from './style.js';

export interface ReporterOptions {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly style: Style;
  readonly spinners: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly lang: 'en' | 'ja';
  readonly dest: CardOptions['dest'];
  /** Loaded lazily by the caller only when needed (start-up time). */
  readonly ora: typeof import('ora').default | null;
  readonly boxen: CardOptions['boxen'];
  /** Whether the final card is printed here (false with --json). */
  readonly card: boolean;
}

export function createTerminalReporter(o: ReporterOptions): Reporter & { stopAll(): void } {
  const spinners = new Map<string, Ora>();
  const width = () => Math.max(40, o.out.columns || 80);
  const label = (c: Command, dest: string) => `${c.role} (${oneLine(dest, 40)}) $ ${oneLine(quoteArgv(c.argv), width() - 20)}`;
  const write = (s: string) => {
    if (!o.quiet) o.out.write(s);
  };
  return {
    commandsStart(cmds, dests) {
      cmds.forEach((c, i) => {
        const text = `${oneLine(c.title, 60)}: ${label(c, dests[i] ?? '')}`;
        if (o.spinners && o.ora && !o.quiet) {
          spinners.set(c.id, o.ora({ text, stream: o.out, discardStdin: false, isEnabled: true }).start());
        }
      });
    },
    show(item: ShowItem) {
      switch (item.kind) {
        case 'result': {
          const c = item.command;
          const ok = item.result.exit === 0 && !item.result.transport;
          const mark = ok ? o.style.green('✔') : o.style.red('✖');
          const dur = `${item.result.durationMs} ms`;
          const text = `${oneLine(c.title, 60)} ${o.style.dim(`[${c.role} · ${dur}]`)} — ${oneLine(item.summary, width() - 30)}`;
          const sp = spinners.get(c.id);
          if (sp) {
            sp.stopAndPersist({ symbol: mark, text });
            spinners.delete(c.id);
          } else write(`${mark} ${text}\n`);
          if (o.verbose && !o.quiet) {
            write(o.style.dim(`    $ ${oneLine(quoteArgv(c.argv), width())}\n`));
            const body = `${item.result.stdout}${item.result.stderr ? `\n${item.result.stderr}` : ''}`;
            for (const l of body.split('\n').slice(0, 200)) if (l) write(`    ${oneLine(l, 400)}\n`);
          }
          return;
        }
        case 'decision':
          if (o.verbose) write(o.style.dim(`  → ${item.goto}${item.when ? `  (when ${oneLine(item.when, 80)})` : ''}\n`));
          return;
        case 'outcome':
          if (o.card) o.out.write('\n' + renderOutcome(item.outcome, item.checks, { style: o.style, width: width(), boxen: o.boxen, dest: o.dest, lang: o.lang }));
          return;
      }
    },
    stopAll() {
      for (const sp of spinners.values()) sp.stop();
      spinners.clear();
    },
  };
}
