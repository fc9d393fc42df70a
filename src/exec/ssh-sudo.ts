/**
 * Root commands as a user that is not root, per connection: `sudo -n` first, which never asks.
 * When sudo wants a password (none yet, or its timestamp expired), the password goes to sudo's
 * own prompt only (remote-shell.ts): `sudo -v`, then `sudo -n` once more; where the timestamp
 * does not last (`timestamp_timeout=0`), to the prompt of the sudo that runs the command. The
 * password is kept in memory for the session, never written anywhere; a wrong one is asked
 * again, at most 3 times, and commands that need it meanwhile share one question.
 */
import { newNonce, type RemoteShell, type SudoMode } from './remote-shell.js';
import type { ResolvedDest } from './ssh-config.js';
import type { CommandResult, CommandSpec } from './types.js';
import { SSH_TEXT, type SshText, type UiLang } from '../ui/messages.js';

const SUDO_PASSWORD_RE = /password is required|a terminal is required|askpass/i;
const SUDO_BAD_PASSWORD_RE = /incorrect password|Sorry, try again|no password was provided/i;
/** How long sudo may take to check a password (PAM pauses ~2 s after a wrong one). */
export const SUDO_AUTH_MS = 20_000;

/** Runs one command script on a shell (ssh-executor.ts), `t0` being when the command was asked for. */
export type RunOn = (
  shell: RemoteShell,
  cmd: CommandSpec,
  sudo: SudoMode,
  t0: number,
  signal?: AbortSignal,
  password?: string,
) => Promise<CommandResult>;

/** A question for the sudo password, shared by the commands waiting for it. */
interface SudoAsk {
  readonly answer: Promise<string | null>;
}

export class Sudo {
  /** Kept in memory for the session only; given to nothing but sudo's prompt. */
  private password: string | null = null;
  /** False once `sudo -n` still asks right after `sudo -v` (timestamp_timeout=0). */
  private timestampLasts = true;
  private ask: SudoAsk | null = null;
  /** The words of its notes and its password prompt, in the session's language. */
  private readonly t: SshText;

  constructor(
    private readonly resolved: ResolvedDest,
    private readonly runOn: RunOn,
    private readonly askSecret: ((prompt: string) => Promise<string | null>) | undefined,
    private readonly isClosed: () => boolean,
    lang: UiLang = 'en',
  ) {
    this.t = SSH_TEXT[lang];
  }

  async run(shell: RemoteShell, cmd: CommandSpec, t0: number, signal?: AbortSignal): Promise<CommandResult> {
    let result = await this.runOn(shell, cmd, { kind: 'n' }, t0, signal);
    if (!(result.exit === 1 && SUDO_PASSWORD_RE.test(result.stderr))) return result;
    const who = this.t.sudoOn(this.resolved.alias);
    for (let asked = 0; ; ) {
      let password = this.password;
      let ask: SudoAsk | null = null;
      if (password === null) {
        if (asked++ === 3) return withNote(result, this.t.sudoWrongPassword(who, this.resolved.user, 3));
        // Commands that need it meanwhile share one question and its answer until it is judged.
        ask = this.ask ??= { answer: this.askPassword() };
        const waitFrom = performance.now();
        password = await ask.answer;
        t0 += performance.now() - waitFrom; // the person's time, not the command's
        if (password === null) {
          if (this.ask === ask) this.ask = null;
          return withNote(result, this.t.sudoNoPrompt(who, this.resolved.user));
        }
        if (!this.usable(shell)) return result;
      }
      const attempt = await this.withPassword(shell, cmd, password, t0, signal);
      result = attempt.result;
      if (this.ask === ask) this.ask = null;
      if (!attempt.badPassword) {
        this.password = password;
        return result;
      }
      if (this.password === password) this.password = null;
      if (!this.usable(shell)) return withNote(result, this.t.sudoWrongPassword(who, this.resolved.user, null));
    }
  }

  private async withPassword(
    shell: RemoteShell,
    cmd: CommandSpec,
    password: string,
    t0: number,
    signal?: AbortSignal,
  ): Promise<{ result: CommandResult; badPassword: boolean }> {
    if (this.timestampLasts) {
      const check = { argv: [], timeoutMs: SUDO_AUTH_MS };
      const v = await this.prompted(shell, check, 'validate', password, t0, signal);
      if (v.badPassword) return v;
      if (v.result.exit !== 0) {
        return { result: withNote(v.result, this.t.sudoValidateFailed(this.resolved.alias, cmd.argv[0] ?? null)), badPassword: false };
      }
      const again = await this.runOn(shell, cmd, { kind: 'n' }, t0, signal);
      if (!(again.exit === 1 && SUDO_PASSWORD_RE.test(again.stderr))) return { result: again, badPassword: false };
      this.timestampLasts = false; // timestamp_timeout=0: every sudo asks
    }
    return this.prompted(shell, cmd, 'password', password, t0, signal);
  }

  /** A `validate`/`password` sudo script; its prompt lines taken out of stderr (one more = a wrong password). */
  private async prompted(
    shell: RemoteShell,
    cmd: CommandSpec,
    kind: 'validate' | 'password',
    password: string,
    t0: number,
    signal?: AbortSignal,
  ): Promise<{ result: CommandResult; badPassword: boolean }> {
    const prompt = newNonce();
    const r = await this.runOn(shell, cmd, { kind, prompt }, t0, signal, password);
    const lines = r.stderr.split('\n');
    const kept = lines.filter((l) => l !== `#P ${prompt}`);
    const result = { ...r, stderr: kept.join('\n') };
    const badPassword = r.exit !== 0 && (kept.length < lines.length || (r.exit === 1 && SUDO_BAD_PASSWORD_RE.test(r.stderr)));
    return { result, badPassword };
  }

  private usable(s: RemoteShell): boolean {
    return !s.broken && !this.isClosed();
  }

  private async askPassword(): Promise<string | null> {
    const ask = this.askSecret;
    if (ask === undefined) return null;
    return ask(this.t.sudoPassword(this.resolved.user, this.resolved.alias));
  }
}

function withNote(r: CommandResult, note: string): CommandResult {
  return { ...r, stderr: `${r.stderr.trimEnd()}${r.stderr.trim() === '' ? '' : '\n'}tshoot: ${note}\n` };
}
