/**
 * What an HTTP request got back, from any of:
 * - `curl -sS -o /dev/null -w '%{http_code} %{remote_ip} %{remote_port}\n'` (`000  0` when
 *   no connection was made: the IP is empty, so fields are split on single spaces);
 * - `curl -v` (`< HTTP/1.1 200 OK`, `< Server: nginx`, `*   Trying 127.0.0.1:80...`);
 * - `curl -i` / `curl -I` (the same head without `< `);
 * - only the body of an nginx/Apache error page (`<title>404 Not Found</title>`), as a plain
 *   `curl URL` shows it: a last resort, flagged by `source: 'html'`.
 *
 * With redirects (`-L`) the last response counts.
 */
import { parser, struct, type Infer } from './types.js';
import { splitHostPort, bareHost } from './address.js';
import { isDigits, splitLines, toInt, total, words } from './text.js';

const HTTP_RESPONSE = struct('HttpResponse', {
  /** 0 when no response was seen (or curl's `000`). */
  status: 'int',
  /** `OK`, `Not Found`; `''` for HTTP/2 and write-out lines. */
  reason: 'string',
  /** `HTTP/1.1`, `HTTP/2`, or `''`. */
  http_version: 'string',
  /** The `Server:` header of the last response (or the error page's footer), or `''`. */
  server: 'string',
  /** From `-w`, else the address `curl -v` last tried or connected to (set even if refused). */
  remote_ip: 'string',
  remote_port: 'int',
  /** Where `status` came from: `status-line`, `write-out`, `html`, or `''` (none). */
  source: 'string',
  /** The line `status` came from. */
  line: 'string',
});
export type HttpResponse = Infer<typeof HTTP_RESPONSE>;

export const httpResponseParser = parser({
  name: 'http-response',
  description: "HTTP status, Server header and remote address from `curl -v`/`-i`, or `curl -w '%{http_code} %{remote_ip} %{remote_port}'`.",
  type: HTTP_RESPONSE,
  parse: (text) => total(text, empty, parseHttpResponse),
});

function empty(): HttpResponse {
  return { status: 0, reason: '', http_version: '', server: '', remote_ip: '', remote_port: 0, source: '', line: '' };
}

interface WriteOut {
  status: number;
  ip: string;
  port: number;
  hasAddr: boolean;
  line: string;
}

function parseHttpResponse(text: string): HttpResponse {
  const out = empty();
  let head: HttpResponse | undefined;
  let writeOut: WriteOut | undefined;
  let verboseIp = '';
  let verbosePort = 0;
  let html: { status: number; reason: string; server: string; line: string } | undefined;

  for (const line of splitLines(text)) {
    const h = line.startsWith('< ') ? line.slice(2) : line;
    if (h.startsWith('HTTP/')) {
      const t = words(h, 3);
      if (t.length >= 2 && t[1]!.length === 3 && isDigits(t[1])) {
        const reasonAt = h.indexOf(t[1]!, t[0]!.length) + 3;
        head = { ...empty(), status: toInt(t[1]), reason: h.slice(reasonAt).trim(), http_version: t[0]!, source: 'status-line', line };
        continue;
      }
    }
    if (head && h.length > 7 && h.slice(0, 7).toLowerCase() === 'server:') {
      head.server = h.slice(7).trim();
      continue;
    }
    const v = verboseAddress(line);
    if (v) {
      verboseIp = v.ip;
      verbosePort = v.port;
      continue;
    }
    const w = writeOutLine(line);
    if (w) {
      writeOut = w;
      continue;
    }
    if (!html) html = errorPageTitle(line);
    else if (!html.server) html.server = errorPageServer(line);
  }

  if (head) Object.assign(out, head);
  else if (writeOut) Object.assign(out, { status: writeOut.status, source: 'write-out', line: writeOut.line });
  else if (html) Object.assign(out, { status: html.status, reason: html.reason, server: html.server, source: 'html', line: html.line });
  if (writeOut?.hasAddr) {
    out.remote_ip = writeOut.ip;
    out.remote_port = writeOut.port;
  } else {
    out.remote_ip = verboseIp;
    out.remote_port = verbosePort;
  }
  return out;
}

/** `*   Trying 127.0.0.1:80...`, `* Connected to h (::1) port 18081 (#0)`; may follow a progress meter. */
function verboseAddress(line: string): { ip: string; port: number } | undefined {
  const star = line.indexOf('* ');
  if (star < 0) return undefined;
  const body = line.slice(star + 2).trimStart();
  if (body.startsWith('Trying ')) {
    const target = words(body.slice(7), 1)[0] ?? '';
    const hp = splitHostPort(target.endsWith('...') ? target.slice(0, -3) : target);
    return { ip: bareHost(hp.addr), port: toInt(hp.port) };
  }
  if (body.startsWith('Connected to ')) {
    const w = words(body.slice(13), 4);
    const ip = w[1]?.startsWith('(') && w[1].endsWith(')') ? w[1].slice(1, -1) : (w[0] ?? '');
    const portAt = w.indexOf('port');
    return { ip, port: portAt < 0 ? 0 : toInt(w[portAt + 1]) };
  }
  return undefined;
}

/** `200 127.0.0.1 80`, `000  0`, or just `404`. */
function writeOutLine(line: string): WriteOut | undefined {
  if (line.length > 128) return undefined;
  const parts = line.trimEnd().split(' ');
  const code = parts[0];
  if (code === undefined || code.length !== 3 || !isDigits(code) || parts.length > 3 || parts.length === 2) return undefined;
  if (parts.length === 1) return { status: toInt(code), ip: '', port: 0, hasAddr: false, line };
  const ip = parts[1]!;
  const port = parts[2]!;
  if (!/^[0-9A-Fa-f.:%]*$/.test(ip) || !(port === '' || isDigits(port))) return undefined;
  return { status: toInt(code), ip, port: toInt(port), hasAddr: true, line };
}

/** `<head><title>404 Not Found</title></head>`: nginx's and Apache's built-in error pages. */
function errorPageTitle(line: string): { status: number; reason: string; server: string; line: string } | undefined {
  const i = line.indexOf('<title>');
  if (i < 0) return undefined;
  const j = line.indexOf('</title>', i);
  const title = line.slice(i + 7, j < 0 ? undefined : j).trim();
  const code = title.slice(0, 3);
  if (!isDigits(code) || (title.length > 3 && title[3] !== ' ')) return undefined;
  return { status: toInt(code), reason: title.slice(4).trim(), server: '', line };
}

/** `<hr><center>nginx/1.18.0 (Ubuntu)</center>`, the footer of nginx's error pages. */
function errorPageServer(line: string): string {
  const i = line.indexOf('<center>');
  if (i < 0) return '';
  const j = line.indexOf('</center>', i);
  const s = line.slice(i + 8, j < 0 ? undefined : j).trim();
  return s.startsWith('<') ? '' : s;
}
