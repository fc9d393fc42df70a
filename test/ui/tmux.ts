/**
 * A real terminal for tests: tmux on a private socket. Sessions are started detached with a
 * fixed size, driven with send-keys and read with capture-pane, as a user would see them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { quoteArgv } from '../../src/exec/shell-quote.js';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export class Tmux {
  readonly socket = `tshoot-ui-${process.pid}`;

  /** Runs argv in a new session (120×50 unless `columns` says); the pane stays (a shell sleeps) after it ends, printing `EXIT=<code>` on a line of its own. */
  start(name: string, argv: readonly string[], o: { env?: Record<string, string>; before?: string; cwd?: string; columns?: number } = {}): void {
    // The tmux server inherits this process's environment: clear what would change the UI.
    const env = ['env', '-u', 'CI', '-u', 'NO_COLOR', '-u', 'FORCE_COLOR', '-u', 'TSHOOT_DEBUG', ...Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`)];
    // The shell traps SIGINT (a handler, not an ignore: the command gets the default back on
    // exec) so that Ctrl-C reaches the command and the shell lives on to print its exit code.
    const script = `trap true INT; ${o.before ? `${o.before}; ` : ''}${quoteArgv([...env, ...argv])}; code=$?; printf '\\nEXIT=%s\\n' "$code"; sleep 600`;
    this.tmux('new-session', '-d', '-s', name, '-x', String(o.columns ?? 120), '-y', '50', ...(o.cwd ? ['-c', o.cwd] : []), 'sh', '-c', script);
  }

  /** What the pane shows; with `history`, from the first line that scrolled off; with `joined`, lines the terminal wrapped joined again. */
  screen(name: string, o: { escapes?: boolean; history?: boolean; joined?: boolean } = {}): string {
    return this.tmux('capture-pane', '-p', ...(o.escapes ? ['-e'] : []), ...(o.joined ? ['-J'] : []), ...(o.history ? ['-S', '-'] : []), '-t', name).replace(/\s+$/, '\n');
  }

  /** Waits until the screen satisfies `pred`; returns the screen. */
  async waitFor(name: string, pred: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen(name);
      if (pred(s)) return s;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; the screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Keys by tmux name (`Enter`, `Down`, `C-c`). */
  keys(name: string, ...keys: string[]): void {
    this.tmux('send-keys', '-t', name, ...keys);
  }

  /** Literal text. */
  type(name: string, text: string): void {
    this.tmux('send-keys', '-t', name, '-l', text);
  }

  /** A pane format variable: `pane_title`, `cursor_flag`. */
  get(name: string, variable: string): string {
    return this.tmux('display-message', '-p', '-t', name, `#{${variable}}`).trim();
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}

/** The exit code printed after the command, once it has ended. */
export function exitCode(screen: string): number | null {
  const m = /^EXIT=(\d+)$/m.exec(screen);
  return m ? Number(m[1]) : null;
}
