/**
 * POSIX shell quoting for argv elements sent to a remote `/bin/sh`.
 *
 * Each element is wrapped in single quotes, inside which no character is special
 * (POSIX.1-2017 XCU 2.2.2); a literal `'` is written as `'\''`. The result is safe for
 * sh, dash, bash, ksh, busybox ash and zsh in sh mode. It is NOT meant for fish or csh:
 * the remote login shell only ever parses a constant (see remote-shell.ts).
 */

/** Quote one argument. Empty strings become `''`; a NUL byte cannot pass through argv. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new Error(`argument contains a NUL byte, which no argv can carry: ${JSON.stringify(arg)}`);
  }
  // `=` is left out: a leading `a=b` word would be an assignment, not a command.
  if (arg !== '' && /^[A-Za-z0-9_@%+:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Quote an argv for `/bin/sh`: the shell splits the result back into exactly these words,
 * without expanding anything.
 *
 * @example
 * quoteArgv(['printf', '%s\n', '', "it's $(x)"]) // → printf '%s\n' '' 'it'\''s $(x)'
 */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/**
 * An argv as a person should read (and can paste into bash): like `quoteArgv`, but arguments
 * with control characters use ANSI-C quoting (`$'a\nb'`) so the command stays on one line.
 * For display only; what runs is always `quoteArgv`.
 */
export function displayArgv(argv: readonly string[]): string {
  return argv
    .map((a) => {
      // eslint-disable-next-line no-control-regex
      if (!/[\x00-\x1f\x7f]/.test(a)) return quoteArg(a);
      const body = [...a]
        .map((c) => {
          const code = c.charCodeAt(0);
          if (c === '\\' || c === "'") return `\\${c}`;
          if (c === '\n') return '\\n';
          if (c === '\t') return '\\t';
          if (c === '\r') return '\\r';
          return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
        })
        .join('');
      return `$'${body}'`;
    })
    .join(' ');
}
