/**
 * What a user pastes after "it doesn't connect": one line or a whole trace from any client,
 * not only the ones tshoot runs itself. Reads the layer that failed and, when the text names
 * it, where the client tried to go — so that `tshoot diagnose --error` starts the right flow
 * at the right target without a question.
 *
 * Beyond what `connect-error.ts` reads (curl, nc, ncat, wget, ssh, browsers' `ERR_*`, the EC2
 * console), this knows how these print the target and the cause:
 *
 * - Node: `Error: connect ECONNREFUSED 127.0.0.1:3000`, `connect ETIMEDOUT H:P`,
 *   `getaddrinfo ENOTFOUND H`, and `code: 'ECONNREFUSED'` alone.
 * - Python requests/urllib3: `HTTPConnectionPool(host='H', port=P): Max retries exceeded with
 *   url: /x (Caused by NewConnectionError(… [Errno 111] Connection refused))`, `ConnectTimeoutError`,
 *   `NameResolutionError(… Failed to resolve 'H' …)`, `404 Client Error: Not Found for url: URL`.
 * - Go net/http: `Get "URL": dial tcp H:P: connect: connection refused`, `… i/o timeout`,
 *   `dial tcp: lookup H on DNS:53: no such host` (the DNS server is not the target).
 * - Java: `ConnectException`, `SocketTimeoutException: connect timed out`,
 *   `UnknownHostException: H`, Apache HttpClient `Connect to H:P [H/IP] failed: …`,
 *   `Connection to URL refused`, Android `failed to connect to H/IP (port P) after Nms`,
 *   Spring `I/O error on GET request for "URL": …`.
 * - psql: `connection to server at "H" (IP), port P failed: R`, and the older two lines
 *   `could not connect to server: R` / `Is the server running on host "H" … on port P?`.
 * - mysql: `ERROR 2003 (HY000): Can't connect to MySQL server on 'H[:P]' (111)` (the errno in
 *   parentheses), `ERROR 2005 (HY000): Unknown MySQL server host 'H' (-2)`.
 * - redis-cli: `Could not connect to Redis at H:P: R`.
 * - telnet: `Trying IP...` / `telnet: Unable to connect to remote host: R`.
 * - PowerShell `Test-NetConnection`: `WARNING: TCP connect to (H : P) failed`, `RemoteAddress`/
 *   `RemotePort` fields (no cause given: it cannot tell refused from timed out).
 * - kubectl: `The connection to the server H:P was refused`; Ruby `Failed to open TCP
 *   connection to H:P (…)`; nginx's `connect() failed (111: …) while connecting to upstream, …
 *   upstream: "URL"`; `ssh -v`'s `connect to address H port P: R`.
 * - HTTP statuses: `curl: (22) The requested URL returned error: 404` (and git's `fatal: unable to
 *   access 'URL': The requested URL returned error: 503`), status lines, wget's `ERROR 404: Not
 *   Found.`, Chrome's `HTTP ERROR 404` and `No webpage was found for the web address: URL`.
 * - Browsers' wording with the host: `H refused to connect.`, `H took too long to respond.`,
 *   `H’s server IP address could not be found.`, Firefox's `… the server at H:P.`; Chrome's
 *   console `GET URL net::ERR_CONNECTION_REFUSED`.
 * - The AWS console: `Error establishing SSH connection to your instance. Try again later.`
 * - The command pasted with its output: `$ curl … URL`, `$ wget URL`, `$ telnet H P`.
 *
 * The most specific line decides the kind (console, then an HTTP status, then as in
 * connect-error.ts); among lines of that kind, one that names the target. The target is taken
 * only from these shapes, never from any URL or address in the text (a trace's help link, a
 * DNS server), and only http(s) URLs. Pure, total and linear: the text is cut at 256 KiB and
 * each line at 4 KiB; no regex here can backtrack beyond a bounded run.
 */
import { connectErrorParser, kindOfReason, type ConnectKind } from './connect-error.js';
import { splitLines, total } from './text.js';

export type PastedKind = ConnectKind | 'not_found' | 'http_error';

export interface PastedError {
  kind: PastedKind;
  /** The host as the text names it (a name or an address, IPv6 without brackets), or `''`. */
  host: string;
  /** 0 when the text names none. */
  port: number;
  /** An http(s) URL the client requested, when the text names one; else `''`. */
  url: string;
  /** An HTTP status ≥ 400 the text reports, else 0. */
  status: number;
  /** Who printed the deciding line: `curl`, `node`, `python`, `go`, `java`, `psql`, `mysql`, …, or `''`. */
  tool: string;
  /** The line that decided the kind (the first non-empty line when `unknown`). */
  line: string;
}

/** Reads a pasted error. Total: any input gives a value (`unknown` when nothing is recognised). */
export function readPastedError(text: string): PastedError {
  return total(text, empty, parse);
}

const MAX_TEXT = 256 * 1024;
const MAX_LINE = 4096;

/** Most specific first: where the user is (console), what the server answered, then connect-error.ts's order. */
const ORDER: readonly PastedKind[] = [
  'console', 'not_found', 'http_error', 'tls', 'reset', 'ok', 'refused', 'timeout', 'unreachable', 'dns', 'connect_failed', 'unknown',
];

interface Found {
  kind: PastedKind;
  tool: string;
  host?: string;
  port?: number;
  url?: string;
  status?: number;
}

/** What a line says about the target without deciding the kind (a URL line, `Trying IP...`, a command). */
interface Where {
  host?: string;
  port?: number;
  url?: string;
}

function empty(): PastedError {
  return { kind: 'unknown', host: '', port: 0, url: '', status: 0, tool: '', line: '' };
}

function parse(text: string): PastedError {
  let best: (Found & { line: string }) | undefined;
  let firstLine = '';
  const ctx: Where = {};
  for (const raw of splitLines(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text)) {
    const line = (raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw).trim();
    if (line === '') continue;
    if (!firstLine) firstLine = line;
    const lower = line.toLowerCase();
    const w = where(line);
    if (w) {
      if (w.url && !ctx.url) ctx.url = w.url;
      if (w.host && !ctx.host) ctx.host = w.host;
      if (w.port && !ctx.port) ctx.port = w.port;
    }
    const f = recognise(line, lower);
    if (!f) continue;
    if (!best || better(f, best)) best = { ...f, line };
  }
  if (!best) return { ...empty(), line: firstLine };
  // The deciding line may not name the target; the lines around it may (wget's URL line,
  // telnet's `Trying`, psql's second line, the pasted command).
  let host = best.host ?? '';
  let port = best.port ?? 0;
  let url = best.url ?? '';
  if (!url && !host && ctx.url) url = ctx.url;
  if (!host && !url && ctx.host) host = ctx.host;
  if (host && !port && ctx.port && (!ctx.host || ctx.host === host)) port = ctx.port;
  if (!url && ctx.url && (best.kind === 'not_found' || best.kind === 'http_error')) url = ctx.url;
  return { kind: best.kind, host, port, url, status: best.status ?? 0, tool: best.tool, line: best.line };
}

function better(f: Found, than: Found): boolean {
  const a = ORDER.indexOf(f.kind);
  const b = ORDER.indexOf(than.kind);
  if (a !== b) return a < b;
  return named(f) > named(than);
}

/** How much of the target a finding names: a URL or host and port, a host, nothing. */
function named(f: Found): number {
  return f.url || (f.host && f.port) ? 2 : f.host ? 1 : 0;
}

function recognise(line: string, lower: string): Found | undefined {
  return (
    ec2Console(lower) ??
    httpStatus(line, lower) ??
    node(line) ??
    python(line, lower) ??
    go(line, lower) ??
    java(line, lower) ??
    psql(line, lower) ??
    mysql(line, lower) ??
    redis(line) ??
    telnet(line, lower) ??
    powershell(line) ??
    browser(line) ??
    others(line, lower) ??
    fromConnectError(line) ??
    generic(lower)
  );
}

// ——— the kind from the cause text ———

// Node's and libuv's errno names (uv_err_name), Windows' Winsock wording, and the phrases
// clients add to libc's strerror (kindOfReason's).
const ERRNO_NAMES: ReadonlyArray<readonly [string, ConnectKind]> = [
  ['econnrefused', 'refused'],
  ['etimedout', 'timeout'],
  ['ehostunreach', 'unreachable'],
  ['enetunreach', 'unreachable'],
  ['enotfound', 'dns'],
  ['eai_again', 'dns'],
  ['econnreset', 'reset'],
];
const PHRASES: ReadonlyArray<readonly [string, ConnectKind]> = [
  ['actively refused', 'refused'], // WSAECONNREFUSED 10061
  ['was refused', 'refused'], // kubectl, Apache HttpClient 4.0
  ['did not properly respond after a period of time', 'timeout'], // WSAETIMEDOUT 10060
  ['client.timeout exceeded', 'timeout'], // Go net/http
  ['context deadline exceeded', 'timeout'],
  ['no such host', 'dns'], // Go
  ['failed to resolve', 'dns'], // urllib3 2.x NameResolutionError
  ['getaddrinfo failed', 'dns'], // Windows [Errno 11001]
  ['unknownhostexception', 'dns'],
  ['could not translate host name', 'dns'], // libpq
  ['unknown mysql server host', 'dns'],
];

function kindOfText(lower: string): ConnectKind | undefined {
  const k = kindOfReason(lower);
  if (k) return k;
  for (const [p, kind] of PHRASES) if (lower.includes(p)) return kind;
  for (const [name, kind] of ERRNO_NAMES) if (lower.includes(name)) return kind;
  return undefined;
}

// ——— recognisers, one per client ———

function ec2Console(lower: string): Found | undefined {
  // "Failed to connect to your instance" / "Error establishing SSH connection to your instance.
  // Try again later." (EC2 Instance Connect in the console); connect-error.ts has the first.
  if (lower.includes('error establishing ssh connection to your instance')) return { kind: 'console', tool: 'console' };
  return undefined;
}

/** An HTTP status ≥ 400 the server sent, as curl -f, git, wget, requests, browsers and status lines report it. */
function httpStatus(line: string, lower: string): Found | undefined {
  let status = 0;
  let tool = '';
  let url: string | undefined;
  let m: RegExpExecArray | null;
  if ((m = /returned error: (\d{3})\b/.exec(line))) {
    status = Number(m[1]);
    tool = line.startsWith('curl:') ? 'curl' : 'git';
    const access = /unable to access '(https?:\/\/[^'\s]{1,2000})'/.exec(line);
    if (access) url = access[1];
  } else if ((m = /^(?:< )?HTTP\/\d(?:\.\d)? (\d{3})\b/.exec(line))) {
    status = Number(m[1]);
    tool = 'http';
  } else if ((m = /^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?ERROR (\d{3}): /.exec(line)) || (m = /awaiting response\.\.\. (\d{3})\b/.exec(line))) {
    status = Number(m[1]);
    tool = 'wget';
  } else if ((m = /\b(\d{3}) (?:Client|Server) Error: [^\n]{0,200}? for url: (https?:\/\/\S{1,2000})/.exec(line))) {
    status = Number(m[1]);
    tool = 'python';
    url = m[2];
  } else if ((m = /\bHTTP ERROR (\d{3})\b/.exec(line))) {
    status = Number(m[1]);
    tool = 'browser';
  } else if ((m = /No webpage was found for the web address: (https?:\/\/\S{1,2000})/.exec(line))) {
    status = 404;
    tool = 'browser';
    url = trimUrl(m[1]!);
  } else if (/\b404\b/.test(line) && lower.includes('not found')) {
    // A 404 page as the browser shows it (`404 Not Found` / `nginx/1.24.0`).
    status = 404;
  } else if ((m = /\b(5\d\d) (?:Service Unavailable|Bad Gateway|Gateway Time-?out|Internal Server Error)\b/.exec(line))) {
    status = Number(m[1]);
  }
  if (status < 400 || status > 599) return undefined;
  return { kind: status === 404 ? 'not_found' : 'http_error', tool, status, ...(url ? { url } : {}) };
}

/** `Error: connect ECONNREFUSED 127.0.0.1:3000`, `getaddrinfo ENOTFOUND db.example`, npm's `request to URL failed, reason: …`. */
function node(line: string): Found | undefined {
  const m = /\b(connect|getaddrinfo) (E[A-Z_]{3,15})\b(?: ([^\s,'"()]{1,300}))?/.exec(line);
  if (!m) return undefined;
  const kind = kindOfText(m[2]!.toLowerCase());
  if (!kind) return undefined;
  const at = m[3] ?? '';
  if (m[1] === 'getaddrinfo') return { kind, tool: 'node', ...(at ? { host: at } : {}) };
  return { kind, tool: 'node', ...hostPort(at) };
}

/** requests/urllib3: `HTTPConnectionPool(host='H', port=P): Max retries exceeded with url: /x (Caused by …)`. */
function python(line: string, lower: string): Found | undefined {
  const m = /\b(HTTPS?)ConnectionPool\(host='([^'\s]{1,255})', port=(\d{1,5})\)/.exec(line);
  if (!m) return undefined;
  const kind = kindOfText(lower.slice(m.index + m[0].length)) ?? (lower.includes('connecttimeout') ? 'timeout' : undefined);
  if (!kind) return undefined;
  const host = m[2]!;
  const port = Number(m[3]);
  const path = /with url: (\/\S{0,2000})/i.exec(line)?.[1] ?? '/';
  const url = `${m[1] === 'HTTPS' ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  return { kind, tool: 'python', host, port, url };
}

/** Go: `Get "URL": dial tcp H:P: connect: connection refused`, `dial tcp: lookup H on S:53: no such host`. */
function go(line: string, lower: string): Found | undefined {
  const i = line.indexOf('dial tcp');
  if (i < 0) return undefined;
  const u = /\b(?:Get|Post|Put|Patch|Delete|Head|Options) "(https?:\/\/[^"\s]{1,2000})"/.exec(line);
  const url = u ? { url: u[1]! } : {};
  let rest = line.slice(i + 8);
  if (rest.startsWith('4') || rest.startsWith('6')) rest = rest.slice(1);
  if (rest.startsWith(': lookup ')) {
    // The resolver's address after ` on ` is not the target.
    const name = rest.slice(9).split(/[\s:]/, 1)[0] ?? '';
    return { kind: 'dns', tool: 'go', ...(name ? { host: name } : {}), ...url };
  }
  if (!rest.startsWith(' ')) return undefined;
  const colon = rest.indexOf(': ', 1);
  const kind = kindOfText(lower.slice(i + 8 + Math.max(colon, 0)));
  if (!kind) return undefined;
  return { kind, tool: 'go', ...(colon > 0 ? hostPort(rest.slice(1, colon)) : {}), ...url };
}

function java(line: string, lower: string): Found | undefined {
  let m: RegExpExecArray | null;
  // Apache HttpClient 4.x: `Connect to localhost:8080 [localhost/127.0.0.1] failed: Connection refused`.
  if ((m = /\bConnect to ([^\s[\]]{1,300}) \[[^\]]{0,1000}\] failed: ([^\n]{0,500})/.exec(line))) {
    const kind = kindOfText(m[2]!.toLowerCase());
    return kind ? { kind, tool: 'java', ...hostPort(m[1]!) } : undefined;
  }
  // HttpClient 4.0: `HttpHostConnectException: Connection to http://192.168.1.1:8080 refused`.
  if ((m = /\bConnection to (https?:\/\/[^\s]{1,2000}) refused/.exec(line))) return { kind: 'refused', tool: 'java', url: m[1]! };
  // Android: `failed to connect to H/IP (port P) after 5000ms[: isConnected failed: ECONNREFUSED (…)]`.
  if ((m = /failed to connect to ([^\s/]{0,255})\/[^\s]{0,64} \(port (\d{1,5})\)/.exec(line))) {
    const after = lower.slice(m.index + m[0].length);
    const kind = kindOfText(after) ?? (lower.includes('sockettimeoutexception') || after.startsWith(' after') ? 'timeout' : undefined);
    return kind ? { kind, tool: 'java', ...(m[1] ? { host: m[1] } : {}), port: Number(m[2]) } : undefined;
  }
  // `java.net.UnknownHostException: api.example.com[: Name or service not known]`, Android's `Unable to resolve host "H"`.
  if ((m = /UnknownHostException: (?:Unable to resolve host "([^"\s]{1,255})"|([^\s:]{1,255}))/.exec(line))) {
    return { kind: 'dns', tool: 'java', host: (m[1] ?? m[2])! };
  }
  // Spring's RestTemplate: `I/O error on GET request for "URL": Connection refused; nested exception is …`.
  if ((m = /I\/O error on [A-Z]{3,7} request for "(https?:\/\/[^"\s]{1,2000})": ([^\n]{0,500})/.exec(line))) {
    const kind = kindOfText(m[2]!.toLowerCase());
    return kind ? { kind, tool: 'java', url: m[1]! } : undefined;
  }
  if (lower.includes('java.net.') || lower.includes('exception: connect')) {
    // `java.net.ConnectException: Connection refused`, `SocketTimeoutException: connect timed out`.
    const kind = kindOfText(lower) ?? (lower.includes('sockettimeoutexception') ? 'timeout' : undefined);
    return kind ? { kind, tool: 'java' } : undefined;
  }
  return undefined;
}

/** libpq (psql, psycopg2, pg): `connection to server at "H" (IP), port P failed: R`, `could not translate host name "H" …`. */
function psql(line: string, lower: string): Found | undefined {
  let m: RegExpExecArray | null;
  if ((m = /connection to server at "([^"\s]{1,255})"(?: \([^)]{0,64}\))?, port (\d{1,5}) failed: ([^\n]{0,500})/.exec(line))) {
    const kind = kindOfText(m[3]!.toLowerCase());
    return kind ? { kind, tool: 'psql', host: m[1]!, port: Number(m[2]) } : undefined;
  }
  if ((m = /could not translate host name "([^"\s]{1,255})" to address/.exec(line))) return { kind: 'dns', tool: 'psql', host: m[1]! };
  if (lower.includes('could not connect to server: ')) {
    const kind = kindOfText(lower.slice(lower.indexOf('could not connect to server: ') + 29));
    return kind ? { kind, tool: 'psql' } : undefined;
  }
  return undefined;
}

// The errno mysql prints in parentheses: Linux, macOS/BSD, Windows (Winsock).
const MYSQL_ERRNO: Record<string, ConnectKind> = {
  '111': 'refused', '61': 'refused', '10061': 'refused',
  '110': 'timeout', '60': 'timeout', '10060': 'timeout',
  '113': 'unreachable', '65': 'unreachable', '10065': 'unreachable', '101': 'unreachable', '51': 'unreachable',
};

/** `ERROR 2003 (HY000): Can't connect to MySQL server on 'H[:P]' (111)`, PyMySQL's `([Errno 111] …)`. */
function mysql(line: string, lower: string): Found | undefined {
  let m: RegExpExecArray | null;
  if ((m = /Can't connect to MySQL server on u?'([^'\s]{1,300})' \((?:\[Errno )?(-?\d{1,6})/.exec(line))) {
    const kind = MYSQL_ERRNO[m[2]!] ?? kindOfText(lower.slice(m.index + m[0].length));
    if (!kind) return undefined;
    const hp = hostPort(m[1]!);
    // The client's default port when the message names none (MySQL 5.x prints the host alone).
    return { kind, tool: 'mysql', host: hp.host ?? m[1]!, port: hp.port ?? 3306 };
  }
  if ((m = /Unknown MySQL server host '([^'\s]{1,255})'/.exec(line))) return { kind: 'dns', tool: 'mysql', host: m[1]! };
  return undefined;
}

/** redis-cli: `Could not connect to Redis at 127.0.0.1:6379: Connection refused`. */
function redis(line: string): Found | undefined {
  const i = line.indexOf('Could not connect to Redis at ');
  if (i < 0) return undefined;
  const rest = line.slice(i + 30);
  const colon = rest.indexOf(': ');
  const kind = kindOfText(rest.slice(colon + 2).toLowerCase());
  if (colon < 0 || !kind) return undefined;
  return { kind, tool: 'redis-cli', ...hostPort(rest.slice(0, colon)) };
}

/** `telnet: Unable to connect to remote host: R`, `telnet: connect to address IP: R`. */
function telnet(line: string, lower: string): Found | undefined {
  if (!lower.startsWith('telnet: ')) return undefined;
  const kind = kindOfText(lower.slice(8));
  if (!kind) return undefined;
  const m = /^telnet: connect to address ([^\s:]{1,255}|[0-9a-fA-F:]{2,64}): /.exec(line);
  return { kind, tool: 'telnet', ...(m ? { host: m[1]! } : {}) };
}

/** Test-NetConnection: `WARNING: TCP connect to (10.0.0.5 : 8080) failed`, `… to 10.0.0.5:8080 failed`. */
function powershell(line: string): Found | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^WARNING: TCP connect to \(?([^\s()]{1,255}) : (\d{1,5})\)? failed/.exec(line))) {
    return { kind: 'connect_failed', tool: 'powershell', host: m[1]!, port: Number(m[2]) };
  }
  if ((m = /^WARNING: TCP connect to ([^\s()]{1,300}) failed/.exec(line))) return { kind: 'connect_failed', tool: 'powershell', ...hostPort(m[1]!) };
  if ((m = /^WARNING: Name resolution of ([^\s]{1,255}) failed/.exec(line))) return { kind: 'dns', tool: 'powershell', host: m[1]! };
  if (/^TcpTestSucceeded\s*: False/.test(line)) return { kind: 'connect_failed', tool: 'powershell' };
  return undefined;
}

/** Chromium's and Firefox's pages name the host (not the port); Chrome's console names the URL. */
function browser(line: string): Found | undefined {
  let m: RegExpExecArray | null;
  if ((m = /(?:^|\s)(?:GET|POST|PUT|DELETE|HEAD) (https?:\/\/\S{1,2000}) net::(ERR_[A-Z_]{3,40})/.exec(line))) {
    const kind = connectErrorParser.parse(m[2]!).kind;
    return kind !== 'unknown' ? { kind, tool: 'browser', url: m[1]! } : undefined;
  }
  if ((m = /^(\S{1,255}) (refused to connect|took too long to respond)\.?$/.exec(line))) {
    return { kind: m[2] === 'refused to connect' ? 'refused' : 'timeout', tool: 'browser', ...hostPort(m[1]!) };
  }
  if ((m = /^(\S{1,255})[’']s server IP address could not be found\.?$/.exec(line))) return { kind: 'dns', tool: 'browser', host: m[1]! };
  if ((m = /can[’']t establish a connection to the server at (\S{1,300}?)\.?$/.exec(line))) {
    return { kind: 'refused', tool: 'browser', ...hostPort(m[1]!) };
  }
  if ((m = /^We can[’']t connect to the server at (\S{1,255}?)\.?$/.exec(line))) return { kind: 'dns', tool: 'browser', host: m[1]! };
  if ((m = /^The server at (\S{1,300}) is taking too long to respond\.?$/.exec(line))) return { kind: 'timeout', tool: 'browser', ...hostPort(m[1]!) };
  return undefined;
}

/** kubectl, Ruby, nginx's error log, ssh -v: each names the address it could not reach. */
function others(line: string, lower: string): Found | undefined {
  let m: RegExpExecArray | null;
  // git over https (libcurl's message): `fatal: unable to access 'URL': Failed to connect to H port P …: R`.
  if ((m = /unable to access '(https?:\/\/[^'\s]{1,2000})': ([^\n]{0,500})/.exec(line))) {
    const rest = m[2]!;
    const kind = kindOfText(rest.toLowerCase());
    const at = /Failed to connect to (\S{1,255}) port (\d{1,5})/.exec(rest);
    return kind ? { kind, tool: 'git', url: m[1]!, ...(at ? { host: at[1]!, port: Number(at[2]) } : {}) } : undefined;
  }
  if ((m = /The connection to the server (\S{1,300}) was refused/.exec(line))) return { kind: 'refused', tool: 'kubectl', ...hostPort(m[1]!) };
  if ((m = /Failed to open TCP connection to (\S{1,300}) \(([^\n]{0,500})/.exec(line))) {
    const kind = kindOfText(m[2]!.toLowerCase());
    return kind ? { kind, tool: 'ruby', ...hostPort(m[1]!) } : undefined;
  }
  if (lower.includes('while connecting to upstream')) {
    const kind = kindOfText(lower);
    const u = /upstream: "(https?:\/\/[^"\s]{1,2000})"/.exec(line);
    return kind ? { kind, tool: 'nginx', ...(u ? { url: u[1]! } : {}) } : undefined;
  }
  if ((m = /^debug1: connect to address (\S{1,255}) port (\d{1,5}): ([^\n]{0,200})/.exec(line))) {
    const kind = kindOfText(m[3]!.toLowerCase());
    return kind ? { kind, tool: 'ssh', host: m[1]!, port: Number(m[2]) } : undefined;
  }
  return undefined;
}

function fromConnectError(line: string): Found | undefined {
  // curl's summary may be glued after its progress meter (`…--:--:--     0curl: (7) …`).
  const curl = line.indexOf('curl: (');
  const e = connectErrorParser.parse(curl > 0 ? line.slice(curl) : line);
  if (e.kind === 'unknown') return undefined;
  return { kind: e.kind, tool: e.tool, ...(e.host ? { host: e.host } : {}), ...(e.port ? { port: e.port } : {}) };
}

/** Any other line that says what happened (`ConnectionRefusedError: [Errno 111] Connection refused`). */
function generic(lower: string): Found | undefined {
  const kind = kindOfText(lower);
  return kind && kind !== 'connect_failed' ? { kind, tool: '' } : undefined;
}

// ——— where: lines that name the target without saying what failed ———

function where(line: string): Where | undefined {
  let m: RegExpExecArray | null;
  // wget's request line: `--2024-01-15 10:23:45--  URL` (wget 1.10 and older: `--23:52:11--  URL`).
  if ((m = /^--(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d--\s+(https?:\/\/\S{1,2000})/.exec(line))) return { url: m[1]! };
  // git: `fatal: unable to access 'URL': …`; Node: `Error connecting to URL: …`; npm: `request to URL failed`.
  if ((m = /unable to access '(https?:\/\/[^'\s]{1,2000})'/.exec(line))) return { url: m[1]! };
  if ((m = /\brequest to (https?:\/\/\S{1,2000}) failed/.exec(line))) return { url: m[1]! };
  // The command pasted with its output: `$ curl -f http://web/x`, `user@h:~$ wget URL`, `$ telnet H P`.
  if ((m = /(?:^|[\s$#>])(?:curl|wget|Invoke-WebRequest|iwr) (?:[^\n]{0,500}?\s)?['"]?(https?:\/\/[^\s'"]{1,2000})/.exec(line))) return { url: m[1]! };
  // (telnet's own port, 23, when the command names none.)
  if ((m = /(?:^|[\s$#>])telnet (\S{1,255})(?: (\d{1,5}))?\s*$/.exec(line))) return { host: m[1]!, port: m[2] ? Number(m[2]) : 23 };
  // telnet: `Trying 192.168.1.20...`
  if ((m = /^Trying (\S{1,255}?)\.\.\.$/.exec(line))) return { host: m[1]! };
  // The older psql: `Is the server running on host "localhost" (127.0.0.1) and accepting` / `TCP/IP connections on port 5432?`.
  if ((m = /running on host "([^"\s]{1,255})"/.exec(line))) return { host: m[1]! };
  if ((m = /^TCP\/IP connections on port (\d{1,5})\?/.exec(line))) return { port: Number(m[1]) };
  // Test-NetConnection's fields.
  if ((m = /^RemoteAddress\s*: (\S{1,255})$/.exec(line))) return { host: m[1]! };
  if ((m = /^RemotePort\s*: (\d{1,5})$/.exec(line))) return { port: Number(m[1]) };
  return undefined;
}

// ——— helpers ———

/** `H:P`, `[v6]:P`, Node's unbracketed `::1:5432`; a lone host stays a host. */
function hostPort(s: string): { host?: string; port?: number } {
  const t = s.replace(/[.,;]+$/, '');
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    const port = close > 0 && t[close + 1] === ':' ? toPort(t.slice(close + 2)) : 0;
    return { host: t.slice(1, close > 0 ? close : undefined), ...(port ? { port } : {}) };
  }
  // Unbracketed, the last group is the port (these messages always print one after an address).
  const i = t.lastIndexOf(':');
  if (i <= 0) return t ? { host: t } : {};
  const port = toPort(t.slice(i + 1));
  if (!port) return { host: t };
  return { host: t.slice(0, i), port };
}

function toPort(s: string): number {
  if (!/^\d{1,5}$/.test(s)) return 0;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : 0;
}

function trimUrl(u: string): string {
  return u.replace(/[.,;]+$/, '');
}
