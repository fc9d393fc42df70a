/**
 * Classifies what a client printed when it tried to connect: curl (plain and `-v`), nc
 * (OpenBSD, traditional, BusyBox), ncat, wget, ssh, browser error pages, and the EC2
 * console. The kind names the layer that failed, which picks the next check:
 *
 * - `refused`: a host answered with a reset: nothing listens on that address, or a
 *   firewall REJECTs.
 * - `timeout`: nothing answered: a filter dropped the packets, or there is no way back.
 * - `unreachable`: no route (`No route to host`, `Network is unreachable`).
 * - `connect_failed`: curl 7.86+ prints only "Couldn't connect to server" for refused
 *   *and* unreachable; run `curl -v` or `nc -vz` to tell them apart.
 * - `dns`: the name did not resolve.
 * - `tls`: TCP worked, the TLS handshake or certificate check failed.
 * - `reset`: TCP worked, then the peer closed or reset it (curl 52 "Empty reply", 56).
 * - `ok`: the connection was made (`nc` "succeeded", curl `Connected to`).
 * - `console`: the EC2 console's "Failed to connect to your instance" (check the subnet's
 *   route to an internet gateway, then the security group).
 * - `unknown`: none of the above.
 *
 * When several lines say something (curl -v tries each address; it prints the errno on a
 * `*` line and a vaguer summary last), the most specific wins, in the order above from
 * `tls` to `console`; equally specific lines: the first.
 */
import { parser, struct, type Infer } from './types.js';
import { splitHostPort, bareHost } from './address.js';
import { isDigits, splitLines, toInt, total, words } from './text.js';

export type ConnectKind =
  | 'refused' | 'timeout' | 'unreachable' | 'connect_failed' | 'dns' | 'tls' | 'reset' | 'ok' | 'console' | 'unknown';

const CONNECT_ERROR = struct('ConnectError', {
  kind: 'string',
  /** The host as the client named it (`example`, `127.0.0.1`, `::1`), or `''`. */
  host: 'string',
  /** 0 when the message names none. */
  port: 'int',
  /** The client that printed it: `curl`, `nc`, `ncat`, `wget`, `ssh`, `browser`, `console`, or `''`. */
  tool: 'string',
  /** The cause as printed (`Connection refused`, `Timeout was reached`), or `''`. */
  reason: 'string',
  /** curl's exit code from `curl: (N)`, else 0. */
  code: 'int',
  /** The line that decided the kind (the first non-empty line when `unknown`). */
  line: 'string',
});
// CEL sees `kind` as a string; TypeScript code (pasted-error.ts, RANK) keeps the closed set.
export type ConnectError = Infer<typeof CONNECT_ERROR> & { kind: ConnectKind };

export const connectErrorParser = parser({
  name: 'connect-error',
  description: 'Classifies a client error (curl, nc, ncat, wget, ssh, browser, EC2 console): refused, timeout, dns, tls…',
  type: CONNECT_ERROR,
  parse: (text) => total(text, empty, parseConnectError),
});

function empty(): ConnectError {
  return { kind: 'unknown', host: '', port: 0, tool: '', reason: '', code: 0, line: '' };
}

const RANK: Record<ConnectKind, number> = {
  tls: 0, reset: 1, ok: 2, refused: 3, timeout: 4, unreachable: 5, dns: 6, connect_failed: 7, console: 8, unknown: 9,
};

type Found = Omit<ConnectError, 'line'>;

function parseConnectError(text: string): ConnectError {
  let best: ConnectError | undefined;
  let firstLine = '';
  // Targets named by other lines: curl -v's `Immediate connect fail for H: R` names no port,
  // but its summary line does.
  const ports = new Map<string, number>();
  for (const line of splitLines(text)) {
    if (!firstLine && line.trim() !== '') firstLine = line;
    const f = classify(line);
    if (!f) continue;
    if (f.host && f.port > 0 && ports.size < 64 && !ports.has(f.host)) ports.set(f.host, f.port);
    if (!best || RANK[f.kind] < RANK[best.kind]) best = { ...f, line };
  }
  if (best && best.port === 0 && best.host) best.port = ports.get(best.host) ?? 0;
  return best ?? { ...empty(), line: firstLine };
}

function found(kind: ConnectKind, tool: string, host = '', port = 0, reason = '', code = 0): Found {
  return { kind, tool, host, port, reason, code };
}

function classify(line: string): Found | undefined {
  const lower = line.toLowerCase();
  return (
    curlSummary(line) ??
    curlVerbose(line, lower) ??
    ncLine(line) ??
    ncatLine(line) ??
    wgetLine(line) ??
    sshLine(line) ??
    browserLine(line, lower) ??
    genericLine(line, lower)
  );
}

/** The cause text → kind, for the phrases libc's strerror and clients print (pasted-error.ts adds other clients' words). */
export function kindOfReason(reason: string): ConnectKind | undefined {
  const r = reason.toLowerCase();
  if (r.includes('connection refused')) return 'refused';
  if (r.includes('no route to host') || r.includes('network is unreachable') || r.includes('host is unreachable')) return 'unreachable';
  if (r.includes('timed out') || r.includes('timeout')) return 'timeout';
  if (r.includes("couldn't connect to server")) return 'connect_failed';
  if (
    r.includes('name or service not known') ||
    r.includes('temporary failure in name resolution') ||
    r.includes('could not resolve') ||
    r.includes("couldn't resolve") ||
    r.includes('nodename nor servname') ||
    r.includes('no address associated with hostname') ||
    r.includes('unable to resolve')
  ) {
    return 'dns';
  }
  if (r.includes('connection reset') || r.includes('empty reply from server')) return 'reset';
  return undefined;
}

// curl's exit codes for TLS and certificate failures (man curl, EXIT CODES).
const CURL_TLS = new Set([35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98]);

/** `curl: (7) Failed to connect to example port 80 after 4 ms: Connection refused` */
function curlSummary(line: string): Found | undefined {
  if (!line.startsWith('curl: (')) return undefined;
  const close = line.indexOf(')', 7);
  const codeText = close < 0 ? '' : line.slice(7, close);
  if (!isDigits(codeText)) return undefined;
  const code = toInt(codeText);
  const msg = line.slice(close + 1).trim();
  const { host, port } = curlTarget(msg);
  const reason = afterLastColon(msg);
  let kind: ConnectKind;
  if (code === 6 || code === 5) kind = 'dns';
  else if (CURL_TLS.has(code)) kind = 'tls';
  else if (code === 52) kind = 'reset';
  else if (code === 56) kind = msg.toLowerCase().includes('ssl') ? 'tls' : 'reset';
  else if (code === 28) kind = msg.startsWith('Resolving timed out') ? 'dns' : 'timeout';
  else if (code === 7) kind = kindOfReason(reason) ?? 'connect_failed';
  else kind = kindOfReason(msg) ?? 'unknown';
  if (kind === 'unknown') return undefined;
  return found(kind, 'curl', host, port, code === 6 ? msg : reason, code);
}

/** Host and port from curl's messages: `Failed to connect to H port P…`, `Could not resolve host: H`. */
function curlTarget(msg: string): { host: string; port: number } {
  const ftc = msg.indexOf('connect to ');
  if (ftc >= 0) {
    const w = words(msg.slice(ftc + 11), 4);
    if (w[1] === 'port') return { host: w[0] ?? '', port: toInt(trimPunct(w[2] ?? '')) };
  }
  for (const p of ['resolve host: ', 'resolve host ', 'resolve proxy: ']) {
    const i = msg.indexOf(p);
    if (i >= 0) return { host: trimQuotes(words(msg.slice(i + p.length), 1)[0] ?? ''), port: 0 };
  }
  return { host: '', port: 0 };
}

/** curl -v: `* connect to H port P [from …] failed: R`, `* Connected to H (IP) port P`, `* Immediate connect fail for H: R`. */
function curlVerbose(line: string, lower: string): Found | undefined {
  // The `*` lines may be glued after curl's progress meter, so they are found, not anchored.
  const star = line.indexOf('* ');
  if (star < 0) return undefined;
  const body = line.slice(star + 2).trimStart();
  if (body.startsWith('Connected to ')) {
    const w = words(body.slice(13), 4);
    const portAt = w[1] === 'port' ? 2 : w[2] === 'port' ? 3 : -1;
    return found('ok', 'curl', w[0] ?? '', portAt < 0 ? 0 : toInt(w[portAt] ?? ''), 'Connected');
  }
  if (body.startsWith('connect to ') || body.startsWith('Failed to connect to ')) {
    const { host, port } = curlTarget(body);
    const reason = afterLastColon(body);
    const kind = kindOfReason(reason);
    return kind ? found(kind, 'curl', host, port, reason) : undefined;
  }
  if (body.startsWith('Immediate connect fail for ')) {
    const rest = body.slice(27);
    const reason = afterLastColon(rest);
    const host = rest.slice(0, Math.max(0, rest.length - reason.length - 2));
    const kind = kindOfReason(reason);
    return kind ? found(kind, 'curl', host, 0, reason) : undefined;
  }
  if (body.startsWith('Could not resolve host: ')) {
    return found('dns', 'curl', trimQuotes(words(body.slice(24), 1)[0] ?? ''), 0, body);
  }
  if (lower.includes('ssl certificate problem') || lower.includes('tls connect error') || lower.includes('ssl_connect')) {
    return found('tls', 'curl', '', 0, body);
  }
  return undefined;
}

/**
 * OpenBSD nc (Debian/Ubuntu `nc`, `netcat`): `nc: connect to H [(IP)] port P (tcp) failed: R`,
 * `… (tcp) timed out: Operation now in progress`, `Connection to H [(IP)] P port [tcp/x] succeeded!`,
 * `nc: getaddrinfo for host "H" port P: R`. Traditional / BusyBox: `(UNKNOWN) [IP] P (svc) : R`,
 * `H [IP] P (svc) open`, `nc: can't connect to remote host (IP): R`, `nc: bad address 'H'`.
 */
function ncLine(line: string): Found | undefined {
  const prefix = line.startsWith('nc: ') ? 4 : line.startsWith('netcat: ') ? 8 : -1;
  if (line.startsWith('Connection to ') && line.endsWith(' succeeded!')) {
    const w = words(line.slice(14), 5);
    const portAt = w[1]?.startsWith('(') ? 2 : 1;
    return found('ok', 'nc', w[0] ?? '', toInt(w[portAt] ?? ''), 'succeeded');
  }
  if (prefix > 0) {
    const body = line.slice(prefix);
    if (body.startsWith('connect to ')) {
      const w = words(body.slice(11), 5);
      const portAt = w[1] === 'port' ? 2 : w[2] === 'port' ? 3 : -1;
      const reason = afterLastColon(body);
      const kind = body.includes(') timed out') ? 'timeout' : kindOfReason(reason);
      if (!kind) return undefined;
      return found(kind, 'nc', w[0] ?? '', portAt < 0 ? 0 : toInt(w[portAt] ?? ''), kind === 'timeout' && !kindOfReason(reason) ? 'timed out' : reason);
    }
    if (body.startsWith('getaddrinfo')) {
      const m = /^getaddrinfo for host "([^"]{0,1024})" port (\d{1,5})/.exec(body);
      return found('dns', 'nc', m?.[1] ?? '', toInt(m?.[2]), afterLastColon(body));
    }
    if (body.startsWith('bad address ')) return found('dns', 'nc', trimQuotes(body.slice(12)), 0, 'bad address');
    if (body.startsWith("can't connect to remote host")) {
      const open = body.indexOf('(');
      const close = body.indexOf(')', open + 1);
      const reason = afterLastColon(body);
      const kind = kindOfReason(reason);
      return kind ? found(kind, 'nc', open >= 0 && close > open ? body.slice(open + 1, close) : '', 0, reason) : undefined;
    }
  }
  // Traditional netcat: `(UNKNOWN) [1.2.3.4] 80 (http) : Connection refused`, `… (http) open`.
  const lb = line.indexOf(' [');
  if (lb >= 0 && lb < 256) {
    const rb = line.indexOf('] ', lb);
    if (rb > lb) {
      const w = words(line.slice(rb + 2), 3);
      if (isDigits(w[0]) && w[1]?.startsWith('(')) {
        const host = line.slice(lb + 2, rb);
        const port = toInt(w[0]);
        if (line.endsWith(' open')) return found('ok', 'nc', host, port, 'open');
        const reason = afterLastColon(line);
        const kind = kindOfReason(reason);
        if (kind) return found(kind, 'nc', host, port, reason);
      }
    }
  }
  return undefined;
}

/** `Ncat: Connection refused.`, `Ncat: TIMEOUT.`, `Ncat: Connected to 1.2.3.4:80.` */
function ncatLine(line: string): Found | undefined {
  if (!line.startsWith('Ncat: ')) return undefined;
  const body = line.slice(6).trim();
  if (body.startsWith('Connected to ')) {
    const hp = splitHostPort(trimPunct(body.slice(13)));
    return found('ok', 'ncat', bareHost(hp.addr), toInt(hp.port), 'Connected');
  }
  if (body.startsWith('TIMEOUT')) return found('timeout', 'ncat', '', 0, 'TIMEOUT');
  if (body.startsWith('Could not resolve hostname')) {
    const q = body.indexOf('"');
    const q2 = q < 0 ? -1 : body.indexOf('"', q + 1);
    return found('dns', 'ncat', q2 > q ? body.slice(q + 1, q2) : '', 0, body);
  }
  const kind = kindOfReason(body);
  return kind ? found(kind, 'ncat', '', 0, trimPunct(body)) : undefined;
}

/**
 * `Connecting to 127.0.0.1:18090... failed: Connection refused.`,
 * `Connecting to example.com (example.com)|93.184.216.34|:80... connected.`,
 * `wget: unable to resolve host address ‘x’`, `Resolving x (x)... failed: R.`
 */
function wgetLine(line: string): Found | undefined {
  if (line.startsWith('Connecting to ')) {
    const dots = line.indexOf('... ');
    if (dots < 0) return undefined;
    const target = line.slice(14, dots);
    const outcome = line.slice(dots + 4);
    let host: string;
    let port: number;
    const bar = target.indexOf('|');
    if (bar >= 0) {
      host = target.slice(0, target.indexOf(' ') < 0 ? bar : target.indexOf(' '));
      port = toInt(target.slice(target.lastIndexOf(':') + 1));
    } else {
      const hp = splitHostPort(target);
      host = bareHost(hp.addr);
      port = toInt(hp.port);
    }
    if (outcome.startsWith('connected')) return found('ok', 'wget', host, port, 'connected');
    const reason = trimPunct(outcome.startsWith('failed: ') ? outcome.slice(8) : outcome);
    const kind = kindOfReason(reason);
    return kind ? found(kind, 'wget', host, port, reason) : undefined;
  }
  if (line.startsWith('wget: unable to resolve host address')) {
    return found('dns', 'wget', trimQuotes(line.slice(37).trim()), 0, 'unable to resolve host address');
  }
  if (line.startsWith('Resolving ') && line.includes('... failed: ')) {
    return found('dns', 'wget', words(line.slice(10), 1)[0] ?? '', 0, trimPunct(afterLastColon(line)));
  }
  if (line.startsWith('Unable to establish SSL connection') || (line.startsWith('ERROR: ') && line.includes('certificate'))) {
    return found('tls', 'wget', '', 0, line);
  }
  return undefined;
}

/** `ssh: connect to host H port P: R`, `ssh: Could not resolve hostname H: R` */
function sshLine(line: string): Found | undefined {
  if (!line.startsWith('ssh: ')) return undefined;
  const body = line.slice(5);
  if (body.startsWith('connect to host ')) {
    const w = words(body.slice(16), 3);
    const reason = afterLastColon(body);
    const kind = kindOfReason(reason);
    return kind ? found(kind, 'ssh', w[0] ?? '', w[1] === 'port' ? toInt(trimPunct(w[2] ?? '')) : 0, reason) : undefined;
  }
  if (body.startsWith('Could not resolve hostname ')) {
    return found('dns', 'ssh', trimPunct(words(body.slice(27), 1)[0] ?? ''), 0, afterLastColon(body));
  }
  return undefined;
}

// Chromium's net error names (net/base/net_error_list.h) and Firefox's page titles.
const BROWSER: ReadonlyArray<readonly [string, ConnectKind]> = [
  ['ERR_CONNECTION_REFUSED', 'refused'],
  ['ERR_CONNECTION_TIMED_OUT', 'timeout'],
  ['ERR_TIMED_OUT', 'timeout'],
  ['ERR_NAME_NOT_RESOLVED', 'dns'],
  ['DNS_PROBE_FINISHED_NXDOMAIN', 'dns'],
  ['ERR_NAME_RESOLUTION_FAILED', 'dns'],
  ['ERR_ADDRESS_UNREACHABLE', 'unreachable'],
  ['ERR_NETWORK_UNREACHABLE', 'unreachable'],
  ['ERR_CONNECTION_RESET', 'reset'],
  ['ERR_CONNECTION_CLOSED', 'reset'],
  ['ERR_EMPTY_RESPONSE', 'reset'],
  ['ERR_SSL_', 'tls'],
  ['ERR_CERT_', 'tls'],
  ['ERR_BAD_SSL_CLIENT_AUTH_CERT', 'tls'],
];
const BROWSER_TEXT: ReadonlyArray<readonly [string, ConnectKind]> = [
  ['refused to connect', 'refused'],
  ['took too long to respond', 'timeout'],
  ['the connection has timed out', 'timeout'],
  ['server not found', 'dns'],
  ["we're having trouble finding that site", 'dns'],
  ['the connection was reset', 'reset'],
  ['secure connection failed', 'tls'],
  ['unable to connect', 'refused'],
];

function browserLine(line: string, lower: string): Found | undefined {
  for (const [code, kind] of BROWSER) {
    if (line.includes(code)) return found(kind, 'browser', '', 0, code);
  }
  // AWS console: "Failed to connect to your instance" (EC2 Instance Connect / serial console).
  if (lower.includes('failed to connect to your instance') || lower.includes('failed to connect your instance') || (lower.includes('ec2 instance connect') && lower.includes('unable to connect'))) {
    return found('console', 'console', '', 0, line.trim());
  }
  for (const [text, kind] of BROWSER_TEXT) {
    if (lower.includes(text)) return found(kind, 'browser', '', 0, line.trim());
  }
  return undefined;
}

/** Any other client (psql, python, java…): classify by the errno text alone. */
function genericLine(line: string, lower: string): Found | undefined {
  const kind = kindOfReason(lower);
  if (kind && kind !== 'connect_failed') return found(kind, '', '', 0, line.trim());
  if (lower.includes('certificate verify failed') || lower.includes('ssl handshake') || lower.includes('tls handshake') || lower.includes('wrong version number')) {
    return found('tls', '', '', 0, line.trim());
  }
  return undefined;
}

function afterLastColon(s: string): string {
  const i = s.lastIndexOf(': ');
  return i < 0 ? '' : s.slice(i + 2).trim();
}

function trimPunct(s: string): string {
  let e = s.length;
  while (e > 0 && '.,:;!'.includes(s[e - 1]!)) e--;
  return s.slice(0, e);
}

function trimQuotes(s: string): string {
  const t = trimPunct(s.trim());
  const quotes = '\'"‘’“”`';
  let a = 0;
  let e = t.length;
  while (a < e && quotes.includes(t[a]!)) a++;
  while (e > a && quotes.includes(t[e - 1]!)) e--;
  return t.slice(a, e);
}
