/**
 * Redaction, applied to every string of a transcript line before it is written: secrets
 * become `‹secret:HASH›`, and with `--redact-hosts` the roles' and the target's hosts become
 * placeholders. Both are deterministic within one transcript (the hash is keyed by the
 * header's salt; hosts are numbered in order), so the same secret or host reads the same
 * everywhere in the file and replay compares like with like. Redacting twice changes
 * nothing: placeholders match no pattern.
 *
 * Passwords and passphrases typed at a prompt never reach here at all: they are asked by
 * the SSH executor's own prompt, which no observer sees.
 */
import { nodeCrypto, nodeNet } from '../lazy.js';

export interface Redactor {
  text(s: string): string;
  /** Every string inside a JSON value (keys are left as they are). */
  value<T>(v: T): T;
}

/** Where a secret is in a string: `[start, end)`. */
type Span = readonly [number, number];

/**
 * A kind of secret. `find` (global) finds candidates; `secret` says where the secret of one is
 * (by default the whole match, or what follows group 1 when `keep`), or null when it holds none.
 * `needs`: texts (a regex source) one of which every match contains, case-insensitively: a
 * string with none of any rule's is passed by one scan (most strings: titles, summaries,
 * argv); a long one (a whole `nginx -T`) runs only the rules whose texts it holds.
 */
interface Rule {
  readonly needs: string;
  readonly find: RegExp;
  readonly keep?: true;
  readonly secret?: (s: string, m: RegExpExecArray) => Span | readonly Span[] | null;
}

// `\u2039` is `‹`: escaped, so that the bundle chunk stays one-byte text (see parsers/ls.ts).
// Values already redacted (`‹…`) are skipped, so that redaction is idempotent.
const REDACTED = '\u2039';

/** The last word of a name that holds a secret (`DB_PASSWORD`, `SecretAccessKey`, `--api-key`, `$auth_token`). */
const SECRET_WORD = 'pass(?:word|wd|phrase|code)?|pwd|secret|token|key(?:[_-]?base)?|auth(?:orization)?|sig(?:nature)?|cookie|dsn|bearer|credentials?';
/** Programs with options that are a password for them only (see programSecrets). */
const PROGRAMS = 'mysql(?:dump|admin|check|import|show|slap|pump|binlog)?|mariadb(?:-[a-z]+)?|sshpass|redis-cli|curl|mongo(?:sh|dump|restore|export|import|stat|top)?';
const PROGRAM = new RegExp(`^(?:.*/)?(?:${PROGRAMS})$`);
const SECRET_WORD_RE = new RegExp(SECRET_WORD, 'i');
const SECRET_NEEDS = 'pass|pwd|secret|token|key|auth|sig|cookie|dsn|bearer|credential';

const RULES: readonly Rule[] = [
  // Private keys: PEM (RFC 7468) and OpenPGP armor (RFC 4880 §6.2): the BEGIN line, then
  // every line of key material (base64, `Name: value` headers, blank lines; indented in
  // YAML, `\n`-escaped in JSON) up to the END line — or, in output cut short, up to the
  // first line that is no key.
  {
    needs: '-----BEGIN ',
    find: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:(?:\r?\n|\\n)[ \t]*(?:[A-Za-z0-9+/=]+|[A-Za-z][A-Za-z0-9-]*: [^\r\n\\]*)?[ \t]*)*?(?:(?:\r?\n|\\n)[ \t]*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?=(?:\r?\n|\\n)(?![ \t]*(?:[A-Za-z0-9+/=]+|[A-Za-z][A-Za-z0-9-]*: [^\r\n\\]*)?[ \t]*(?:\r?\n|\\n|$)))|$)/g,
  },
  // PuTTY .ppk (PuTTY manual, appendix C): the first line says what it is; the lines after it
  // up to the MAC are the key.
  {
    needs: 'PuTTY-User-Key-File-',
    find: /(PuTTY-User-Key-File-\d+:[^\n]*\n)(?!\u2039)(?:(?!Private-MAC:)(?:[A-Za-z][A-Za-z0-9-]*: [^\n]*|[A-Za-z0-9+/=]+)(?:\n|$))*(?:Private-MAC: [0-9a-fA-F]*)?/g,
    keep: true,
  },
  // HTTP credentials: the whole header value (RFC 9110 §11.6.2, §11.7.2; RFC 6265 §4) of
  // Authorization, Cookie, Set-Cookie, X-Api-Key, X-Auth-Token and the like.
  {
    needs: SECRET_NEEDS,
    // Found by the name's last word, then the whole name is read back and checked (a regex
    // that starts with a look-behind tries every position of a long output).
    find: /(?:authorization|cookie|key|token|secret|password|passwd|auth|signature):[ \t]*/gi,
    secret: (s, m) => {
      let at = m.index;
      while (at > 0 && m.index - at < 128 && /[A-Za-z0-9-]/.test(s[at - 1]!)) at--;
      if (!HEADER.test(s.slice(at, s.indexOf(':', m.index))) || !HEADER_AT.test(s.slice(Math.max(0, at - 12), at))) return null;
      const from = m.index + m[0].length;
      const q = s[at - 1];
      return skipped(s, trimmed(s, from, q === '"' || q === "'" ? closing(s, from, q) : lineEnd(s, from)));
    },
  },
  // Token shapes that need no context (each vendor's documented prefix).
  {
    needs: 'gh[pousr]_|github_pat_|AKIA|ASIA|xox|xapp-|eyJ|_live_|_test_|whsec_|gl[a-z]+-|npm_|sk-|AIza|hv[sbr]\\.|ya29\\.|GOCSPX-|SG\\.|sntry|dckr_pat_|pypi-',
    find: new RegExp(
      '(?:' +
        [
          'gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}', // GitHub
          '(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])', // AWS access key id
          'xox[abposr]-[A-Za-z0-9-]{8,}|xapp-\\d-[A-Za-z0-9-]{10,}', // Slack
          'eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]+', // JWT
          '(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9+/=]{20,}', // Stripe
          'gl(?:pat|dt|rt|ptt|oas|cbt|imt|ft|soat|ffct|agent)-[A-Za-z0-9_-]{20,}', // GitLab
          'npm_[A-Za-z0-9]{36,}', // npm
          'sk-(?:proj|svcacct|admin|ant-[a-z]+\\d*)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{32,}', // OpenAI, Anthropic
          'AIza[0-9A-Za-z_-]{35}|ya29\\.[0-9A-Za-z_-]{20,}|GOCSPX-[A-Za-z0-9_-]{20,}', // Google
          'hv[sbr]\\.[A-Za-z0-9_-]{24,}', // Vault
          'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}', // SendGrid
          'sntry[su]_[A-Za-z0-9+/=_-]{20,}', // Sentry auth tokens
          'dckr_pat_[A-Za-z0-9_-]{20,}|pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,}', // Docker Hub, PyPI
        ].join('|') +
        ')',
      'g',
    ),
    secret: (s, m) => (/[A-Za-z0-9]/.test(s[m.index - 1] ?? '') ? null : [m.index, m.index + m[0].length]),
  },
  // A Sentry DSN's key is the URL's user (https://KEY@o1.ingest.sentry.io/1), with no password.
  { needs: '://', find: /(:\/\/)[0-9a-f]{32}(?::[0-9a-f]{32})?(?=@)/gi, keep: true },
  // A Slack webhook URL is its own credential: the path after /services/ is (also alone, as
  // the request line of `curl -v` shows it).
  { needs: '/services/|/workflows/|/triggers/', find: /(\/(?:services|workflows|triggers)\/)T[A-Z0-9]{6,}\/[A-Z0-9]{6,}\/[A-Za-z0-9_/-]{8,}/g, keep: true },
  // user:password@ in URLs (also `redis://:pw@`, and a password holding `/` or `@`).
  { needs: '://', find: /:\/\/[^\s:/?#@"'<>\u2039]{0,256}:/g, secret: (s, m) => (/[A-Za-z][A-Za-z0-9+.-]*$/.test(s.slice(Math.max(0, m.index - 32), m.index)) ? urlPassword(s, m.index + m[0].length) : null) },
  // name=value, name: value, "name": "value", name => 'value', name="…" value="…" for names
  // that hold secrets.
  {
    needs: SECRET_NEEDS,
    find: new RegExp(`(${SECRET_WORD})(["']?)[ \\t]*(=>|!=|==|[=:]|value[ \\t]*=)[ \\t]*`, 'gi'),
    secret: (s, m) => {
      const { name, at } = nameBefore(s, m.index + m[1]!.length);
      if (s[at - 1] === REDACTED || !isSecretName(name)) return null; // `‹secret:…›` is ours
      if (m[3]!.length > 2 && !m[2]) return null; // `value=` follows a quoted name only
      const from = m.index + m[0].length;
      if (m[3] === ':' && (s[from] === '{' || s[from] === '[')) return null; // an object: its members are looked at one by one
      const before = s[at - 1];
      const ctx: Context = m[2] ? 'word' : before === '"' || before === "'" ? before : before === '?' || before === '&' ? 'query' : atLineStart(s, at) ? 'line' : 'word';
      return valueAt(s, from, ctx);
    },
  },
  // Config directives whose value is the secret, as `nginx -T` and `apachectl -S` print them:
  // proxy_set_header Authorization "Basic …"; fastcgi_param DB_PASSWORD …; set $api_key …;
  // SetEnv DB_PASSWORD …; RequestHeader set X-Api-Key …; requirepass …; masterauth ….
  {
    needs: SECRET_NEEDS,
    find: /(?:^|[\n{;])[ \t]*(?:(?:proxy_set_header|grpc_set_header|add_header|add_trailer|more_set_input_headers|fastcgi_param|uwsgi_param|scgi_param|set|setenv|requestheader[ \t]+(?:set|append|add|merge|setifempty)|header[ \t]+(?:always[ \t]+)?(?:set|append|add|merge|setifempty))[ \t]+([$A-Za-z0-9_.-]+)|(requirepass|masterauth|secure_link_secret))(?:[ \t]+|[ \t]*\n(?=\S))/gi,
    secret: (s, m) => (m[2] || isSecretName(m[1]!.replace(/^\$/, '')) ? valueAt(s, m.index + m[0].length, 'directive') : null),
  },
  // argv: --password VALUE, --api-key VALUE (an argv array is redacted as one line per word).
  {
    needs: SECRET_NEEDS,
    find: new RegExp(`(?<![^\\s"'])--([A-Za-z0-9_.-]{0,64}?(?:${SECRET_WORD}))([ \\t]+|\\n)`, 'gi'),
    secret: (s, m) => {
      const from = m.index + m[0].length;
      if (!isSecretName(m[1]!) || s[from] === '-') return null;
      return valueAt(s, from, m[2] === '\n' ? 'line' : 'word');
    },
  },
  // argv: the options that are a password only for their program (mysql -pVALUE, curl -u user:pw, …).
  {
    needs: 'mysql|mariadb|sshpass|redis-cli|curl|mongo',
    find: new RegExp(`(?<![^\\s/"'])(${PROGRAMS})(?=[ \\t\\n]|$)`, 'g'),
    secret: (s, m) => programSecrets(m[1]!, wordsAfter(s, m.index + m[0].length)),
  },
  // A bearer token anywhere else (a log line, an error message).
  { needs: 'bearer', find: /((?<![A-Za-z0-9\u2039])bearer[ \t]+)(?![ \t\u2039])[A-Za-z0-9._~+/=-]{8,}/gi, keep: true },
  // <password>…</password> in XML config.
  {
    needs: SECRET_NEEDS,
    find: new RegExp(`<([A-Za-z0-9_.:-]{0,64}?(?:${SECRET_WORD}))>(?!\\u2039)([^<\\n]+)</\\1>`, 'gi'),
    secret: (_s, m) => (isSecretName(m[1]!.replace(/^.*:/, '')) ? [m.index + m[1]!.length + 2, m.index + m[1]!.length + 2 + m[2]!.length] : null),
  },
];

/** What a string must contain for any rule to match it. */
const ANY_RULE = new RegExp([...new Set(RULES.map((r) => r.needs))].join('|'), 'i');
/** The rules by what they need, tested one by one on a short string that has any. */
const BY_NEEDS = [...new Set(RULES.map((r) => r.needs))].map((needs) => ({ needs, re: new RegExp(needs, 'i') }));
/**
 * Past this length one test per group costs more than it saves: a text a long output does not
 * hold is looked for to its end, as long as the rule itself takes.
 */
const SHORT = 2048;

/** The rules to run on `s`: none when it has nothing any rule needs (one scan: most strings). */
function rulesFor(s: string): readonly Rule[] {
  if (!ANY_RULE.test(s)) return [];
  if (s.length > SHORT) return RULES;
  const hit = new Set(BY_NEEDS.filter((g) => g.re.test(s)).map((g) => g.needs));
  return RULES.filter((r) => hit.has(r.needs));
}

/** Runs one rule over `s`; each secret found goes through `hide`. */
function applyRule(rule: Rule, s: string, hide: (secret: string) => string): string {
  const re = rule.find;
  re.lastIndex = 0;
  let out = '';
  let done = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const found = rule.secret ? rule.secret(s, m) : [m.index + (rule.keep ? m[1]!.length : 0), m.index + m[0].length];
    const spans = found === null ? [] : typeof found[0] === 'number' ? [found as Span] : (found as readonly Span[]);
    for (const [start, end] of spans) {
      if (start < done || end <= start) continue;
      out += s.slice(done, start) + hide(s.slice(start, end));
      done = end;
    }
    if (re.lastIndex < done) re.lastIndex = done;
    if (m[0].length === 0) re.lastIndex++;
  }
  return done === 0 ? s : out + s.slice(done);
}

/** Where a value's end is looked for: to the end of the line, the word, a URL query parameter, an nginx argument, or inside a string opened by this quote. */
type Context = 'line' | 'word' | 'query' | 'directive' | '"' | "'";

/**
 * The secret value that starts at `from`. Quoted ("…" with `\"` escapes, '…'), it runs to its
 * closing quote, spaces included, and the quotes stay. Otherwise to the delimiter of its
 * context: the line's end for `NAME=value` on a line of its own (an env dump, a config file,
 * one argv word), `&` in a query, `;` in nginx, the closing quote of the string it is in
 * (`"DB_PASSWORD=a b"` in JSON), else the next space — `/`, `@`, `;`, `,` inside are kept
 * (only a trailing `;` `,` `)` or quote, punctuation after the value, is left out).
 */
function valueAt(s: string, from: number, ctx: Context): Span | null {
  const q = s[from];
  if (q === '"' || q === "'") return skipped(s, trimmed(s, from + 1, closing(s, from + 1, q)));
  let end: number;
  if (ctx === '"' || ctx === "'") end = closing(s, from, ctx);
  else if (ctx === 'line') {
    end = lineEnd(s, from);
    // A secret already hidden after a space (`password=abc AKIA…`) is another one: stop there.
    const other = s.slice(from, end).search(/\s\u2039/);
    if (other >= 0) end = from + other;
  } else {
    const run = ctx === 'query' ? QUERY_VALUE : ctx === 'directive' ? DIRECTIVE_VALUE : WORD_VALUE;
    run.lastIndex = from;
    end = from + run.exec(s)![0].length;
    if (ctx === 'word' && !skipped(s, [from, end])) return null;
    if (ctx === 'word') while (end > from && /[;,)\]}"']/.test(s[end - 1]!)) end--;
  }
  return skipped(s, trimmed(s, from, end));
}

/**
 * No value is looked for further than this from where it starts: a scan per candidate over a
 * long line would make a hostile output (one anchor repeated over a megabyte) quadratic.
 */
const MAX_VALUE = 8192;

const QUERY_VALUE = new RegExp(`[^\\s&#"'<>]{0,${MAX_VALUE}}`, 'y');
const DIRECTIVE_VALUE = new RegExp(`[^\\s;]{0,${MAX_VALUE}}`, 'y');
const WORD_VALUE = new RegExp(`\\S{0,${MAX_VALUE}}`, 'y');

/**
 * No secret in: nothing, a placeholder, a reference to a value held elsewhere (`$DB_PASSWORD`,
 * `${X}`, a regex group `$1`, Apache's `%{HTTP:Authorization}`), true/false/null.
 */
function skipped(s: string, span: Span | null): Span | null {
  if (!span) return null;
  const v = s.slice(span[0], span[1]);
  return v.startsWith(REDACTED) || /^(?:\$\{?[A-Za-z0-9_]+\}?|%\{[A-Za-z0-9_:]+\}|true|false|null)[;,)\]}"']*$/i.test(v) ? null : span;
}

function trimmed(s: string, start: number, end: number): Span | null {
  while (end > start && /\s/.test(s[end - 1]!)) end--;
  return end > start ? [start, end] : null;
}

/** The closing quote `q` of a string opened before `from` (`\` escapes in "…"), or the line's end. */
function closing(s: string, from: number, q: string): number {
  const end = Math.min(s.length, from + MAX_VALUE);
  for (let i = from; i < end; i++) {
    const c = s[i];
    if (c === '\n' || c === '\r' || c === q) return i;
    if (c === '\\' && q === '"' && s[i + 1] !== '\n') i++;
  }
  return end;
}

/** The end of the line (or of the longest value looked for) from `from`. */
function lineEnd(s: string, from: number): number {
  LINE_REST.lastIndex = from;
  return from + LINE_REST.exec(s)![0].length;
}
const LINE_REST = new RegExp(`[^\\r\\n]{0,${MAX_VALUE}}`, 'y');

/** The name that ends at `end` (back over name characters), without leading dashes or `$`; `at`: where it starts, dashes included. */
function nameBefore(s: string, end: number): { name: string; at: number } {
  let at = end;
  while (at > 0 && at > end - 128 && /[A-Za-z0-9_.$-]/.test(s[at - 1]!)) at--;
  return { name: s.slice(at, end).replace(/^[-$]+/, ''), at };
}

/** `NAME=…` on a line of its own (`export`, `declare -x`, a YAML `- ` before it, or only spaces). */
function atLineStart(s: string, at: number): boolean {
  const ls = s.lastIndexOf('\n', at - 1) + 1;
  return at - ls <= 24 && /^[ \t]*(?:(?:export|declare[ \t]+-x|-)[ \t]+)?-{0,2}$/.test(s.slice(ls, at));
}

// What a name is made of: the last word says whether it holds a secret.
const LAST_WORDS = new Set(['password', 'passwd', 'passphrase', 'passcode', 'pass', 'pwd', 'secret', 'token', 'auth', 'authorization', 'cookie', 'dsn', 'bearer', 'credential', 'credentials', 'signature', 'sig', 'apikey']);
/** …_KEY names that hold one: API_KEY, SecretAccessKey, AccountKey (Azure), APP_KEY (Laravel). */
const BEFORE_KEY = new Set(['api', 'access', 'secret', 'private', 'master', 'encryption', 'signing', 'app', 'auth', 'account', 'client', 'license', 'shared', 'session', 'storage', 'subscription', 'service', 'consumer', 'webhook']);
/** nginx's upstream directives end in _pass and name an address. */
const NOT_PASS = new Set(['proxy', 'fastcgi', 'uwsgi', 'scgi', 'grpc', 'memcached']);

/**
 * Whether a name holds a secret: `DB_PASSWORD`, `PGPASSWORD`, `SMTP_PASS`, `SecretAccessKey`,
 * `SECRET_KEY_BASE`, `x-api-key`, `_authToken`, `client_secret`; not `HttpTokens`, `KeyName`,
 * `PrivateIpAddress`, `proxy_pass`, `--no-password`, `--ask-pass` (flags), `OLDPWD`.
 */
export function isSecretName(name: string): boolean {
  if (!SECRET_WORD_RE.test(name)) return false;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const [last = '', prev = '', third = ''] = [words.at(-1), words.at(-2), words.at(-3)];
  if (words[0] === 'no' || words.includes('ask')) return false;
  if (last === 'pass' && NOT_PASS.has(prev)) return false;
  return (
    LAST_WORDS.has(last) ||
    (last === 'key' && BEFORE_KEY.has(prev)) ||
    (last === 'base' && prev === 'key' && third === 'secret') ||
    (prev === 'secret' && ['string', 'value', 'binary', 'data'].includes(last)) ||
    /(?:password|passwd|passphrase|apikey|accesskey|secretkey|privatekey|authtoken|accesstoken|refreshtoken|sessiontoken|clientsecret)$/.test(last) ||
    /^[A-Z0-9_]*[A-Z0-9]PASS$/.test(name)
  );
}

/**
 * The password of `scheme://user:password@host`: up to the `@` before the host. A password
 * may hold `/` and `@`, so the last `@` before the query that a host follows is taken (else
 * the first); `host:8080/@x` is a port, not a password.
 */
function urlPassword(s: string, from: number): Span | null {
  URL_REST.lastIndex = from;
  const region = URL_REST.exec(s)![0];
  if (region.startsWith(REDACTED) || /^\d*(?:[/?#]|$)/.test(region)) return null;
  const query = region.search(/[?#]/);
  let first = -1;
  let last = -1;
  for (let i = region.indexOf('@'); i >= 0; i = region.indexOf('@', i + 1)) {
    if (!HOST_AFTER_AT.test(region.slice(i + 1, i + 300))) continue;
    if (first < 0) first = i;
    if (query < 0 || i < query) last = i;
  }
  const at = last >= 0 ? last : first;
  return at > 0 ? [from, from + at] : null;
}
/** Header names that carry credentials: Authorization, Cookie, Set-Cookie, X-Api-Key, X-Auth-Token, Private-Token, … */
const HEADER = /^(?:(?:proxy-)?authorization|(?:set-)?cookie|api-?key|private-token|[a-z0-9]+(?:-[a-z0-9]+)*-(?:api-?key|access-key|secret-key|auth-key|subscription-key|token|secret|password|passwd|auth|signature))$/i;
/** Where a header starts: its line (after curl -v's `> `/`< `), a quote (`-H 'X-Api-Key: …'`), or -H/--header. */
const HEADER_AT = /(?:(?:^|\n)[ \t]*(?:[<>] )?|["']|(?:^|\s)(?:-H|--header)[ \t]+)$/;
const URL_REST = /[^\s"'<>]{0,1024}/y; // a URL's userinfo and host are short
const HOST_AFTER_AT = /^(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])(?::\d*)?(?:[/?#,;)\]}]|$)/;

interface Word {
  readonly text: string;
  readonly at: number;
}

/**
 * The words after a program's name: on its line (a command line, `ps` output), or, when the
 * name ends its line, one word per following line (an argv array redacted as one string).
 * A shell separator ends the command.
 */
function wordsAfter(s: string, from: number): Word[] {
  const words: Word[] = [];
  if (s[from] === '\n') {
    for (let at = from + 1; at < s.length && words.length < 64; ) {
      const end = lineEnd(s, at);
      words.push({ text: s.slice(at, end), at });
      at = end + 1;
    }
    return words;
  }
  // Sticky, spaces and tabs only between words: a newline ends the command.
  const re = /[ \t]*((?:"(?:[^"\\\n]|\\.)*"?|'[^'\n]*'?|[^\s"'])+)/y;
  re.lastIndex = from;
  for (let m = re.exec(s); m && words.length < 64; m = re.exec(s)) {
    // A shell separator ends the command; another program's name is that program's match.
    if (/^(?:\||\|\||&&|;)$/.test(m[1]!) || PROGRAM.test(m[1]!)) break;
    words.push({ text: m[1]!, at: m.index + m[0].length - m[1]!.length });
  }
  return words;
}

/**
 * The passwords in a program's options, where the option is one for that program only:
 * mysql/mariadb `-pVALUE` (attached: `-p VALUE` makes mysql prompt and VALUE is the database),
 * sshpass `-p VALUE`/`-pVALUE`, redis-cli `-a VALUE`, mongo `-p VALUE`, curl `-u user:pw`
 * (`--user`, `-U`/`--proxy-user`, attached or `=`). `--password…` is the long-option rule's.
 */
function programSecrets(program: string, words: readonly Word[]): Span[] {
  const spans: Span[] = [];
  const whole = (w: Word | undefined): Span | null => (w && !w.text.startsWith('-') ? unquoted(w.text, w.at) : null);
  const afterColon = (text: string, at: number): Span | null => {
    const c = text.indexOf(':');
    return c >= 0 ? unquoted(text.slice(c + 1), at + c + 1) : null;
  };
  const family = /^(?:mysql|mariadb)/.test(program) ? 'mysql' : program.startsWith('mongo') ? 'mongo' : program;
  for (let i = 0; i < words.length; i++) {
    const { text, at } = words[i]!;
    let span: Span | null = null;
    if (family === 'mysql' || family === 'sshpass') {
      if (/^-p./.test(text)) span = unquoted(text.slice(2), at + 2);
      else if (family === 'sshpass' && text === '-p') span = whole(words[++i]);
    } else if (family === 'mongo' && text === '-p') span = whole(words[++i]);
    else if (family === 'redis-cli' && text === '-a') span = whole(words[++i]);
    else if (family === 'curl') {
      const opt = /^(?:-[sSLkvfiIjJnqgG]*[uU]|--(?:proxy-)?user)(=?)(.*)$/s.exec(text);
      if (opt && opt[2] && (opt[1] || !text.startsWith('--'))) span = afterColon(opt[2], at + text.length - opt[2].length);
      else if (opt && !opt[1] && !opt[2]) {
        const w = words[++i];
        span = w ? afterColon(w.text, w.at) : null;
      }
    }
    if (span) spans.push(span);
  }
  return spans;
}

/** A word's text without the quotes around it. */
function unquoted(text: string, at: number): Span | null {
  const q = text[0];
  if ((q === '"' || q === "'") && text.length >= 2 && text.endsWith(q)) return unquoted(text.slice(1, -1), at + 1);
  return text && !text.startsWith(REDACTED) ? [at, at + text.length] : null;
}

/** Names that identify no one: never replaced by `--redact-hosts`. */
const NOT_A_HOST = new Set(['', 'local', 'localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

export function createRedactor(opts: { salt: string; hosts?: readonly string[] }): Redactor {
  const placeholder = (secret: string) => `‹secret:${nodeCrypto().createHash('sha256').update(opts.salt).update('\0').update(secret).digest('hex').slice(0, 8)}›`;
  // A secret over several lines (a PEM key) stays as many lines: evidence is kept by line.
  const hide = (secret: string) => {
    const p = placeholder(secret);
    return secret.split('\n').map(() => p).join('\n');
  };
  const hostRe = hostPattern(opts.hosts ?? []);
  // With --redact-hosts, every other address too: the client's (in the server's access log, its
  // routes, `ss`) is known to no option, yet names a machine as much as the server's does.
  const others = opts.hosts ? otherAddresses(hostRe?.map ?? new Map(), hostRe?.n ?? { name: 0, v4: 0, v6: 0 }) : null;
  const text = (s: string): string => {
    let out = s;
    for (const rule of rulesFor(s)) out = applyRule(rule, out, hide);
    // A name that could be part of an IPv6 address (`dead`, `fe80::1`) followed by more of one is
    // left alone; any other name before `:22:` (ssh's `web7:22: host name not found`) is a host.
    if (hostRe) out = out.replace(hostRe.re, (m: string, at: number, all: string) => (IPV6_PIECE.test(m) && /^:[0-9a-fA-F]*:/.test(all.slice(at + m.length)) ? m : (hostRe.map.get(m.toLowerCase()) ?? m)));
    if (others) out = others(out);
    return out;
  };
  const value = <T>(v: T): T => {
    if (typeof v === 'string') return text(v) as T;
    // Lines of one output (evidence) are redacted together, so that a key split into lines is found.
    if (Array.isArray(v) && v.length > 1 && v.every((x) => typeof x === 'string' && !x.includes('\n'))) {
      const lines = text(v.join('\n')).split('\n');
      if (lines.length === v.length) return lines as T;
    }
    if (Array.isArray(v)) return v.map(value) as T;
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k in v) if (Object.hasOwn(v, k)) o[k] = value((v as Record<string, unknown>)[k]);
      return o as T;
    }
    return v;
  };
  return { text, value };
}

/** The host part of an ssh destination or target: `user@web1:2222` → `web1`, `[::1]:22` → `::1`. */
export function hostOf(dest: string): string {
  let h = dest.includes('@') ? dest.slice(dest.lastIndexOf('@') + 1) : dest;
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (bracket) return bracket[1]!;
  if (ipKind(h) !== 6) h = h.replace(/:\d+$/, '');
  return h;
}

/**
 * `net.isIP`, asked only of what could be an address: a name (`web1`) is 0 without it. Node's
 * IPv6 pattern is compiled on its first use, 10 ms here, and a session's start (the recorder's
 * header) would pay it for every host name.
 */
function ipKind(h: string): number {
  return h.includes(':') || /^[\d.]+$/.test(h) ? nodeNet().isIP(h) : 0;
}

/**
 * Hosts to placeholders that still parse as what they replace, so that a flow's parsers and
 * conditions read a redacted transcript as they read the original: names → `host-N`, IPv4 →
 * 192.0.2.N (RFC 5737), IPv6 → 2001:db8::N (RFC 3849). Loopback stays: it names no one.
 */
function hostPattern(hosts: readonly string[]): { re: RegExp; map: Map<string, string>; n: Counts } | null {
  const map = new Map<string, string>();
  const n = { name: 0, v4: 0, v6: 0 };
  for (const raw of hosts) {
    const h = raw.toLowerCase();
    if (NOT_A_HOST.has(h) || map.has(h) || /^127\./.test(h)) continue;
    const kind = ipKind(h);
    if (kind === 4) map.set(h, `192.0.2.${++n.v4}`);
    else if (kind === 6) map.set(h, `2001:db8::${(++n.v6).toString(16)}`);
    else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(h)) {
      map.set(h, `host-${++n.name}`);
      // The short name of an FQDN names the host too.
      const short = h.split('.')[0]!;
      if (short !== h && short.length > 2 && !map.has(short)) map.set(short, map.get(h)!);
    }
  }
  if (map.size === 0) return null;
  // Longest first so that `web1.example.com` wins over `web1`; whole names only.
  const alts = [...map.keys()].sort((a, b) => b.length - a.length).map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return { re: new RegExp(`(?<![A-Za-z0-9_.-])(?:${alts.join('|')})(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'gi'), map, n };
}

/** A host that can be a piece of a longer IPv6 address: one group of hex digits, or an IPv6 address. */
const IPV6_PIECE = /^(?:[0-9a-f]{1,4}|[0-9a-f:.]*:[0-9a-f:.]*)$/i;

interface Counts {
  name: number;
  v4: number;
  v6: number;
}

// An IPv4 address not inside a longer dotted number; an IPv6 candidate (checked with isIP).
const OTHER_V4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)/g;
const OTHER_V6 = /(?<![0-9A-Za-z:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![0-9A-Za-z:.])/g;

/**
 * The addresses no option named, numbered on from the hosts' placeholders as they first appear
 * (the same address, the same placeholder, for the file). Kept: what names no one — loopback,
 * unspecified, broadcast and netmasks (255.…), and the documentation ranges the placeholders are
 * drawn from (so that redacting twice changes nothing).
 */
function otherAddresses(map: Map<string, string>, n: Counts): (s: string) => string {
  const v4 = (m: string): string => {
    const known = map.get(m);
    if (known) return known;
    if (nodeNet().isIP(m) !== 4 || /^(?:127\.|0\.|255\.|192\.0\.2\.)/.test(m)) return m;
    const p = `192.0.2.${++n.v4}`;
    map.set(m, p);
    return p;
  };
  const v6 = (m: string): string => {
    const key = m.toLowerCase();
    const known = map.get(key);
    if (known) return known;
    if (nodeNet().isIP(m) !== 6 || key === '::' || key === '::1' || key.startsWith('2001:db8:')) return m;
    const p = `2001:db8::${(++n.v6).toString(16)}`;
    map.set(key, p);
    return p;
  };
  return (s) => {
    let out = /\d\.\d/.test(s) ? s.replace(OTHER_V4, v4) : s;
    if (out.includes(':')) out = out.replace(OTHER_V6, v6);
    return out;
  };
}
