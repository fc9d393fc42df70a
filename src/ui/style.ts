/**
 * Colour and terminal facts, decided once per session from the environment: `NO_COLOR` (any
 * non-empty value) wins, then `FORCE_COLOR`, then whether the stream is a terminal.
 * Reference: https://no-color.org, https://force-color.org
 */
export interface Style {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function colorEnabled(env: Env, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

export function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { enabled, bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
}

/** The stream facts the UI reads. */
export interface Term {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * The width to lay text out in: the terminal's. A terminal may report 0 columns (a pty nobody
 * sized, some CI runners): that is 80. Off a terminal (a log, a pipe) lines are cut at 160.
 */
export function termWidth(out: Term): number {
  const c = out.columns;
  if (typeof c === 'number' && Number.isFinite(c) && c > 0) return c;
  return out.isTTY ? 80 : 160;
}

export type ProgressMode = 'spinners' | 'lines' | 'none';

/**
 * How command progress is shown: spinners only on a real, sized terminal outside CI and
 * without `--json`; plain lines elsewhere; nothing with `--quiet`. ora 9 loops forever
 * clearing lines on a terminal that reports 0 columns, hence the `columns` check.
 */
export function progressMode(out: Term, env: Env, o: { readonly json?: boolean; readonly quiet?: boolean }): ProgressMode {
  if (o.quiet) return 'none';
  if (o.json || env.CI || out.isTTY !== true || env.TERM === 'dumb') return 'lines';
  return typeof out.columns === 'number' && out.columns > 0 ? 'spinners' : 'lines';
}
