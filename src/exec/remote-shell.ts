/**
 * One persistent `/bin/sh` on a host, fed framed commands on its stdin: a command costs a
 * few forks on the host instead of an SSH channel round trip (~130 ms on sshd).
 *
 * The login shell (bash, fish, csh…) only ever parses the constant `exec /bin/sh -s`;
 * everything after is POSIX sh. Per command the shell runs
 *
 *     set -- 'argv0' 'argv1' …; running=1; x "$@" </dev/null >"$T/o" 2>"$T/e"; r=$?; running=
 *
 * (root commands: `(exec sudo -n -- timeout -k 2 S 'argv0' …) …`, see below), then prints ONE
 * frame with a single `printf` (one write, so one SSH packet: no Nagle / delayed-ACK stall
 * between pieces):
 *
 *     #S <nonce>\n <stdout, encoded> \n#X\n <stderr, encoded> \n#E <nonce> <r>\n
 *
 * Each of stdout and stderr (≤ cap+1 bytes of it) is encoded as the size it turns out to be
 * (`streamScript`): up to `HEX_MAX_BYTES`, as `od` hex, one process on the host; larger, as
 * base64 (`head -c | base64`: two processes and a subshell more, ~8 ms on a slow host, but
 * 2.3× less to send). The reader tells them apart by the space od puts before every byte.
 *
 * Why the end marker can't be forged: the command never writes to the channel (its stdout
 * and stderr are files, stdin is /dev/null); only the shell's own printf does, and the
 * payload is base64 or `od` hex, whose alphabets have no `#`. The 128-bit nonce per command
 * additionally ties a frame to its command.
 *
 * `x` (defined once per shell, `RUN_FUNCTION`) looks argv[0] up on PATH with builtins only, as
 * execvp does, and runs it by its path: a word with a `/` is never a builtin nor a function,
 * so `cd`, `exit`, `set` or `trap` can't touch our shell. A simple command by path is what
 * dash starts with vfork+exec; the `(exec …)` subshell it replaces cost a full fork (issue 18,
 * BENCHMARKS.md's per-command row). One difference: dash writes its line about a command that
 * a signal ended (`Terminated`, `Segmentation fault`) where the command's stderr goes, so that
 * line ends the command's stderr, as it would in a terminal.
 *
 * The timeout of a plain command is kept by tshoot, not by a `timeout` program per command
 * (its fork+exec was a third of the per-command time): the script starts with
 * `: watchdog MS;`, and when MS pass before the frame, `RemoteShell.exec` has another shell
 * of the connection (its standing killer, ssh-shells.ts) send SIGTERM to every process of the
 * shell's session (the command, its children, whatever they started without `setsid`), and
 * SIGKILL 2 s later, as `timeout -k 2` did; our shell survives the SIGTERM (its trap does not exit while a command
 * runs) and prints the frame, output so far included, which then says 124. A shell that was
 * signalled is not used again (a late signal must not meet the next command); if the command
 * outlived SIGTERM, the SIGKILL ends the shell too, and the frame is made here (137, its
 * output lost). Root commands keep the host's `timeout` inside sudo: only a root process may
 * signal them.
 *
 * Output goes to files rather than pipes so a daemon that a command leaves behind holding
 * stdout can't stall the frame, and only `head -c cap+1` of each is sent: local memory and
 * traffic are bounded by the cap whatever the command prints (the file on the host is
 * bounded only by the timeout; it is truncated by the next command and removed on exit).
 *
 * sudo. A root command runs as `sudo -n -- … </dev/null`: it never asks, and its command's
 * stdin is /dev/null. When sudo needs a password, the password goes to sudo's own prompt and
 * to nothing else (`printf PW | sudo -S cmd` gave it to the command once sudo's timestamp was
 * warm). `sudoPasswordScript` runs `sudo -v -S -p PROMPT` (or, where the timestamp does not
 * last — `timestamp_timeout=0` — `sudo -S -p PROMPT -- cmd`) in a pipeline
 *
 *     GATE | exec sudo -S -p '#P <token>⏎' … 2>FIFO        WATCH <FIFO &
 *
 * WATCH reads sudo's stderr: on the prompt line it prints `#P <nonce>`, at EOF `#D <nonce>`,
 * and copies everything else to the stderr file. Only after `#P` does tshoot send the
 * password, as ONE line `#PASSWORD`; after a `#D` with no prompt it sends a bare `#`. GATE
 * reads exactly that one line from the channel (the `read` builtin reads byte by byte, and
 * our shell is blocked in the pipeline: it has read its whole one-line script and nothing
 * else is sent until `#P`/`#D`), strips the `#`, and writes the rest, if any, to sudo. So:
 * no password is written unless sudo prompted; sudo reads the line up to its newline and the
 * command then finds EOF; the password is in no argv, file or environment; and if a line
 * ever reached our shell instead, it would be a `#` comment. sudo is a direct child of our
 * shell (`exec` in the pipeline), which matters: without a terminal, sudo files its
 * timestamp under the parent's PID (timestamp_type=tty), and the later `sudo -n` must find it.
 */
import { randomBytes } from 'node:crypto';
import { quoteArg, quoteArgv } from './shell-quote.js';
import type { ClientChannel, Ssh2Client } from './ssh2-types.js';

/** The constant the login shell parses. Valid in sh, bash, zsh, fish, csh, tcsh. */
export const REMOTE_SHELL_COMMAND = 'exec /bin/sh -s';

export interface ShellInfo {
  /** The shell's PID, which is also its session id (sshd calls setsid): kills everything under it. */
  readonly pid: number;
  readonly uid: number | null;
  readonly encoder: 'base64' | 'od';
  readonly hasTimeout: boolean;
  readonly tmpDir: string;
}

/**
 * How a command runs: as is; as `sudo -n` (never asks); or, when sudo asks for a password,
 * `validate` (`sudo -v`, the command itself is not run) or `password` (`sudo -S -- cmd`), both
 * with sudo's prompt set to `prompt` and answered through `RemoteShell.exec`'s `password`.
 */
export type SudoMode =
  | { readonly kind: 'none' }
  | { readonly kind: 'n' }
  | { readonly kind: 'validate' | 'password'; readonly prompt: string };

export interface CommandScriptOptions {
  readonly argv: readonly string[];
  readonly nonce: string;
  readonly capBytes: number;
  /**
   * The command's limit in seconds: the host's `timeout` for a root command, the watchdog of
   * `RemoteShell.exec` for a plain one; null when the host has no `timeout` (the caller's
   * deadline then ends it).
   */
  readonly timeoutSec: number | null;
  readonly sudo: SudoMode;
  readonly encoder: ShellInfo['encoder'];
}

export interface Frame {
  readonly exit: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly truncated: { readonly stdout: boolean; readonly stderr: boolean };
}

/** `: watchdog MS;` at the start of a command script: its timeout, kept by `RemoteShell.exec`. */
const WATCHDOG = /^: watchdog (\d+);/;
/** How long a command runs before its connection's standing killer is opened (ssh-shells.ts). */
const KILLER_AFTER_MS = 1000;
/** How long a command may outlive the watchdog's SIGTERM before SIGKILL (`timeout -k 2`). */
const KILL_AFTER_SEC = 2;
/** The exit a frame says when the watchdog ended its command: coreutils `timeout`'s, and after SIGKILL. */
const TIMED_OUT = 124;
const KILLED = 137;

export type ExecOutcome =
  | ({ readonly kind: 'frame' } & Frame)
  | { readonly kind: 'deadline' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'closed'; readonly detail: string }
  | { readonly kind: 'protocol'; readonly detail: string };

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * `x ARGV0 ARGS…`: run ARGV0 found on PATH as execvp finds it (an empty PATH entry is the
 * current directory), by its path, never as a builtin or function; not found: 127 as sh says it.
 * Builtins only (no fork); `set -f` (setup) keeps a PATH entry from being a glob.
 */
const RUN_FUNCTION =
  'x() { case $1 in */*) c=$1 ;; *) c=; IFS=:; for d in $PATH; do ' +
  '[ -f "${d:-.}/$1" ] && [ -x "${d:-.}/$1" ] && { c=${d:-.}/$1; break; }; done; unset IFS ;; esac; ' +
  `if [ -z "$c" ]; then printf 'sh: %s: not found\\n' "$1" >&2; return 127; fi; shift; "$c" "$@"; }`;

/** The setup a fresh shell runs once: private temp dir, cleanup trap, and a probe line. */
export function buildSetupScript(nonce: string): string {
  const dir = `tshoot.${randomBytes(12).toString('hex')}`;
  return [
    `T="\${TMPDIR:-/tmp}/${dir}"; mkdir -m 700 "$T" 2>/dev/null || T=`,
    // SIGTERM while a command runs is the watchdog's, for the command: the shell goes on to its frame.
    `trap 'rm -rf "$T"' EXIT; trap 'exit 129' HUP; trap 'exit 141' PIPE; trap '[ -n "$running" ] || exit 143' TERM; running=; set -f`,
    RUN_FUNCTION,
    `u=$(id -u 2>/dev/null); b=od; command -v base64 >/dev/null 2>&1 && b=base64`,
    `t=no; (exec timeout -k 1 1 true) >/dev/null 2>&1 && t=yes`,
    `printf '#R %s %s %s %s %s %s\\n' ${nonce} "$$" "\${u:-x}" "$b" "$t" "$T"`,
    '',
  ].join('\n');
}

export function parseReadyLine(text: string, nonce: string): ShellInfo | null | 'no-tmp' {
  const m = new RegExp(`#R ${nonce} (\\d+) (\\S+) (base64|od) (yes|no) ?(.*)\\n`).exec(text);
  if (!m) return null;
  const tmpDir = m[5] ?? '';
  if (tmpDir === '') return 'no-tmp';
  return {
    pid: Number(m[1]),
    uid: /^\d+$/.test(m[2] ?? '') ? Number(m[2]) : null,
    encoder: m[3] === 'base64' ? 'base64' : 'od',
    hasTimeout: m[4] === 'yes',
    tmpDir,
  };
}

/**
 * The sh text that runs one command and prints its frame: one line (see `sudoPasswordScript`
 * for why that matters). Throws on a NUL byte in argv.
 */
export function buildCommandScript(o: CommandScriptOptions): string {
  const validate = o.sudo.kind === 'validate';
  if (o.argv.length === 0 && !validate) throw new Error('empty argv: nothing to run');
  let words = quoteArgv(o.argv);
  let watchdog = '';
  if (o.timeoutSec !== null) {
    if (o.sudo.kind === 'none') watchdog = `: watchdog ${Math.max(1, Math.round(o.timeoutSec * 1000))}; `;
    else words = `timeout -k ${KILL_AFTER_SEC} ${formatSeconds(o.timeoutSec)} ${words}`;
  }
  let cmd: string;
  switch (o.sudo.kind) {
    case 'none':
      cmd = `${watchdog}set -- ${words}; running=1; x "$@" </dev/null >"$T/o" 2>"$T/e"; r=$?; running=`;
      break;
    case 'n':
      cmd = `(exec sudo -n -- ${words}) </dev/null >"$T/o" 2>"$T/e"; r=$?`;
      break;
    case 'validate':
    case 'password':
      cmd = sudoPasswordScript(validate ? '-v' : `-- ${words}`, o.sudo.prompt, o.nonce);
      break;
  }
  return `${[
    `${cmd}; so=; se=`,
    streamScript('so', '"$T/o"', o.capBytes + 1, o.encoder),
    streamScript('se', '"$T/e"', o.capBytes + 1, o.encoder),
    `printf '#S %s\\n%s\\n#X\\n%s\\n#E %s %s\\n' ${o.nonce} "$so" "$se" ${o.nonce} "$r"`,
  ].join('; ')}\n`;
}

/**
 * Outputs up to this many bytes go as `od` hex: one process on the host (`od -N`, which also
 * stops at the cap), 3 characters a byte. Larger ones go as base64 (4 for 3). On this project's
 * lab hosts (fork+exec 3–4 ms), `$(head -c … | base64)` took 12.3 ms a stream, `$(od -N …)`
 * 4.5 ms: 11 commands of the refused card came 77 ms sooner (15 interleaved runs each).
 */
export const HEX_MAX_BYTES = 65_536;

/**
 * The shell text that sets VAR to FILE's first `keep` bytes, encoded, when FILE is not empty.
 * od reads at most `HEX_MAX_BYTES + 1` of them. What it printed is kept when it is at most 3
 * characters for each of `HEX_MAX_BYTES` bytes: od then read fewer bytes than it was allowed,
 * so it reached the end of the file, or it read `keep`. Otherwise (a larger output, or an od
 * that failed) the stream goes as base64. A host without base64 sends hex (`encoder` 'od').
 */
function streamScript(v: string, file: string, keep: number, encoder: ShellInfo['encoder']): string {
  const od = `${v}=$(od -An -v -tx1 -N ${encoder === 'od' ? keep : Math.min(keep, HEX_MAX_BYTES + 1)} ${file})`;
  if (encoder === 'od') return `[ -s ${file} ] && ${od}`;
  return `[ -s ${file} ] && { { ${od} && [ \${#${v}} -le ${3 * HEX_MAX_BYTES} ]; } || ${v}=$(head -c ${keep} ${file} | base64); }`;
}

/**
 * `sudo -S -p PROMPT <tail>` with the password given only to its prompt (see the file
 * comment); sets `r` to sudo's exit status. `prompt` must be a word that no line of sudo's
 * or the command's stderr is (a random token).
 */
function sudoPasswordScript(tail: string, prompt: string, nonce: string): string {
  if (!/^[0-9a-f]{16,}$/.test(prompt)) throw new Error('sudo prompt token: hex only');
  const line = `#P ${prompt}`;
  const watch = [
    'p=',
    `while IFS= read -r l; do if [ "$l" = '${line}' ]; then p=1; printf '#P ${nonce}\\n' >&3; break; fi; printf '%s\\n' "$l"; done`,
    `[ -n "$p" ] || printf '%s' "$l"`,
    'cat',
    `printf '#D ${nonce}\\n' >&3`,
  ].join('; ');
  const gate = 'IFS= read -r l; l=${l#?}; [ -z "$l" ] || printf \'%s\\n\' "$l"';
  // The prompt ends in a newline so that WATCH's `read` sees it as a line; it is inside quotes,
  // so the script is still one command that the shell reads whole before running it.
  const sudo = `exec sudo -S -p '${line}\n' ${tail} >"$T/o" 2>"$T/f"`;
  return [
    ': >"$T/e"; r=1; rm -f "$T/f"',
    `if mkfifo -m 600 "$T/f" 2>"$T/e"; then { ${watch}; } 3>&1 <"$T/f" >"$T/e" & w=$!; { ${gate}; } | ${sudo}; r=$?; wait "$w"; fi`,
    'rm -f "$T/f"',
  ].join('; ');
}

/**
 * Find the frame for `nonce` in what the shell printed. Returns null until the end marker
 * has arrived.
 */
export function parseFrame(text: string, nonce: string, capBytes: number): Frame | null {
  const end = new RegExp(`(?:^|\\n)#E ${nonce} (\\d+)\\n`).exec(text);
  if (!end) return null;
  const startMark = `#S ${nonce}\n`;
  const start = text.lastIndexOf(startMark, end.index);
  if (start < 0) return null;
  const body = text.slice(start + startMark.length, end.index);
  const split = body.indexOf('\n#X\n');
  const outText = split < 0 ? body : body.slice(0, split);
  const errText = split < 0 ? '' : body.slice(split + 4);
  const out = decode(outText);
  const err = decode(errText);
  return {
    exit: Number(end[1]),
    stdout: out.subarray(0, capBytes),
    stderr: err.subarray(0, capBytes),
    truncated: { stdout: out.length > capBytes, stderr: err.length > capBytes },
  };
}

/** Upper bound of a frame's size for a cap, to drop a shell that prints nonsense. */
export function maxFrameChars(capBytes: number, encoder: ShellInfo['encoder']): number {
  const keep = capBytes + 1;
  const hex = (n: number) => n * 3.2;
  const perStream = encoder === 'base64' ? Math.max(hex(Math.min(keep, HEX_MAX_BYTES)), Math.ceil((keep * 4) / 3) * (77 / 76)) : hex(keep);
  return Math.ceil(2 * perStream) + 4096;
}

/** A stream as the host sent it: od hex (a space before each byte) or base64 (no space at all). */
function decode(text: string): Buffer {
  const hex = text.includes(' ');
  const clean = text.replace(/\s+/g, '');
  if (clean === '') return Buffer.alloc(0);
  return hex ? Buffer.from(clean, 'hex') : Buffer.from(clean, 'base64');
}

function formatSeconds(s: number): string {
  return Math.max(0.001, s).toFixed(3).replace(/\.?0+$/, '');
}

/** A `/bin/sh -s` on an SSH channel that runs one framed command at a time. */
export class RemoteShell {
  busy = false;
  broken = false;
  /** The connection's standing killer shell (ssh-shells.ts), when it is ready: it reads signal lines. */
  killer: (() => ClientChannel | null) | null = null;
  /** Ask for that killer (once a command has run for a while: `KILLER_AFTER_MS`). */
  wantKiller: (() => void) | null = null;
  private buf = '';
  private stderrTail = '';
  private waiter: ((text: string | null) => void) | null = null;

  private constructor(
    private readonly client: Ssh2Client,
    private readonly channel: ClientChannel,
    public info: ShellInfo,
  ) {}

  /** Open a channel running `exec /bin/sh -s` and wait for its probe line. */
  static open(client: Ssh2Client, timeoutMs: number): Promise<RemoteShell | Error> {
    return new Promise((resolve) => {
      let opened: ClientChannel | null = null;
      const timer = setTimeout(() => {
        opened?.close();
        resolve(new Error(`the remote shell did not start within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const ok = client.exec(REMOTE_SHELL_COMMAND, (err, channel) => {
        if (err) {
          clearTimeout(timer);
          resolve(err);
          return;
        }
        opened = channel;
        const nonce = newNonce();
        const placeholder: ShellInfo = { pid: 0, uid: null, encoder: 'od', hasTimeout: false, tmpDir: '' };
        const shell = new RemoteShell(client, channel, placeholder);
        shell.attach();
        shell.waitFor((text) => {
          clearTimeout(timer);
          if (text === null) {
            resolve(new Error(`the remote shell exited at once${shell.stderrTail ? `: ${lastLine(shell.stderrTail)}` : ''}`));
            return true;
          }
          const info = parseReadyLine(text, nonce);
          if (info === null) return false;
          if (info === 'no-tmp') {
            shell.destroy();
            resolve(new Error("can't create a private directory in $TMPDIR or /tmp on the host"));
            return true;
          }
          shell.info = info;
          shell.buf = '';
          resolve(shell);
          return true;
        });
        channel.write(buildSetupScript(nonce));
      });
      if (ok === false) {
        // ssh2 queues the request anyway; nothing to do.
      }
    });
  }

  /**
   * Run one command script and wait for its frame, the deadline, an abort, or the channel's end.
   * For a `validate`/`password` script, `password` answers sudo's prompt (see the file comment):
   * one line per script, sent only once the script has said sudo prompted (`#P`) or finished
   * without prompting (`#D`, then an empty answer).
   */
  exec(
    script: string,
    nonce: string,
    o: { deadlineMs: number; capBytes: number; signal?: AbortSignal; password?: string },
  ): Promise<ExecOutcome> {
    if (o.password !== undefined && /[\r\n\0]/.test(o.password)) {
      return Promise.resolve({ kind: 'protocol', detail: 'a password with a line break or NUL cannot be typed at sudo\'s prompt' });
    }
    this.buf = '';
    const limit = maxFrameChars(o.capBytes, this.info.encoder);
    const watchdogMs = Number(WATCHDOG.exec(script)?.[1] ?? NaN);
    return new Promise((resolve) => {
      let done = false;
      /** The watchdog signalled the shell's session: the command timed out. */
      let signalled = false;
      const finish = (outcome: ExecOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(watchdog);
        clearTimeout(standby);
        o.signal?.removeEventListener('abort', onAbort);
        this.waiter = null;
        if (outcome.kind !== 'frame') this.broken = true;
        // A signalled shell is not used again: the SIGKILL 2 s on must meet nothing of ours.
        if (signalled) this.destroy();
        resolve(outcome.kind === 'frame' && signalled ? { ...outcome, exit: TIMED_OUT } : outcome);
      };
      const onAbort = (): void => finish({ kind: 'aborted' });
      const timer = setTimeout(() => finish({ kind: 'deadline' }), o.deadlineMs);
      // A command still running after a second may reach its timeout: the killer is made ready.
      const standby = Number.isFinite(watchdogMs) ? setTimeout(() => this.wantKiller?.(), Math.min(KILLER_AFTER_MS, watchdogMs / 2)) : undefined;
      const watchdog = Number.isFinite(watchdogMs)
        ? setTimeout(() => {
            signalled = true;
            const failed = (err: Error): void =>
              finish({ kind: 'protocol', detail: `the command outlived its timeout and could not be killed (${err.message})` });
            this.signalSession('TERM', failed);
            // Whatever is left of the session 2 s on (the shell is not used again, so nothing of ours).
            setTimeout(() => this.signalSession('KILL', failed), KILL_AFTER_SEC * 1000).unref();
          }, watchdogMs)
        : undefined;
      if (o.signal?.aborted) {
        finish({ kind: 'aborted' });
        return;
      }
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const endMark = `#E ${nonce} `;
      let scanFrom = 0;
      let unanswered = o.password !== undefined;
      this.waitFor((text) => {
        if (text === null) {
          // Closed after the watchdog's signals: the command outlived SIGTERM and SIGKILL ended
          // the shell with it, before it could print its frame.
          if (signalled) {
            const none = Buffer.alloc(0);
            const note = Buffer.from(`tshoot: killed ${KILL_AFTER_SEC} s after its timeout (SIGTERM did not end it); its output is lost\n`);
            finish({ kind: 'frame', exit: KILLED, stdout: none, stderr: note, truncated: { stdout: false, stderr: false } });
          } else {
            finish({ kind: 'closed', detail: lastLine(this.stderrTail) });
          }
          return true;
        }
        if (unanswered) {
          // Only our script's watcher writes to the channel until the frame: these lines are its.
          const prompted = text.includes(`#P ${nonce}\n`);
          if (prompted || text.includes(`#D ${nonce}\n`)) {
            unanswered = false;
            this.channel.write(prompted ? `#${o.password ?? ''}\n` : '#\n');
          }
        }
        if (text.length > limit) {
          finish({ kind: 'protocol', detail: 'the remote shell printed more than a frame can hold' });
          return true;
        }
        // Parse only once the end marker is in: a big frame arrives in many chunks.
        const at = text.indexOf(endMark, scanFrom);
        if (at < 0) {
          scanFrom = Math.max(0, text.length - endMark.length);
          return false;
        }
        const frame = parseFrame(text, nonce, o.capBytes);
        if (frame === null) return false;
        this.buf = '';
        finish({ kind: 'frame', ...frame });
        return true;
      });
      this.channel.write(script);
    });
  }

  /**
   * The watchdog's signal to every process of this shell's session (pkill -s; else the shell's
   * process group: without job control a command stays in it); with SIGKILL, the temp dir
   * removed too. Sent through the connection's standing killer shell when it is there (its
   * login shell started long before: over a channel opened now, a slow login shell — rc files —
   * would make the signal late), else through a channel of its own. `onError`: neither opened.
   */
  private signalSession(signal: 'TERM' | 'KILL', onError: (err: Error) => void): void {
    const sid = this.info.pid;
    if (sid <= 1) {
      onError(new Error('no shell PID'));
      return;
    }
    const rm = signal === 'KILL' ? `; rm -rf -- ${quoteArg(this.info.tmpDir)}` : '';
    const line = `pkill -${signal} -s ${sid} 2>/dev/null || kill -${signal} -${sid} 2>/dev/null${rm}\n`;
    const standing = this.killer?.() ?? null;
    if (standing !== null) {
      standing.write(line);
      return;
    }
    try {
      this.client.exec(REMOTE_SHELL_COMMAND, (err, ch) => {
        if (err) {
          onError(err);
          return;
        }
        discardOutput(ch);
        ch.end(`${line}exit 0\n`);
      });
    } catch (err) {
      onError(err as Error);
    }
  }

  /** Close the channel (EOF first, so the shell's EXIT trap removes its temp dir). */
  destroy(): void {
    this.broken = true;
    try {
      this.channel.end();
      this.channel.close();
    } catch {
      // already gone
    }
  }

  private attach(): void {
    this.channel.on('data', (chunk: Buffer) => {
      this.buf += chunk.toString('latin1');
      this.poke();
    });
    this.channel.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    this.channel.on('close', () => {
      this.broken = true;
      const w = this.waiter;
      this.waiter = null;
      w?.(null);
    });
    this.channel.on('error', () => {
      this.broken = true;
    });
  }

  /** `check(text)` returns true when satisfied; null text = channel closed. */
  private waitFor(check: (text: string | null) => boolean): void {
    this.waiter = (text) => {
      if (check(text)) this.waiter = null;
    };
    if (this.broken) this.waiter(null);
  }

  private poke(): void {
    this.waiter?.(this.buf);
  }
}

/** A channel whose output nobody reads: drained, so that it can close. */
export function discardOutput(ch: ClientChannel): void {
  ch.on('error', () => {});
  ch.stderr.resume();
  ch.resume();
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop()?.trim() ?? '';
}
