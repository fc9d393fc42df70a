/**
 * Access-log lines in nginx's `combined` format (also Apache's):
 * `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
 * "$http_referer" "$http_user_agent"`, extra fields after it ignored.
 *
 * nginx writes `"` inside values as `\x22`, Apache as `\"`; both are read. A request that
 * was not HTTP (a TLS handshake sent to a plain port logs as `"\x16\x03\x01…" 400`) keeps
 * its raw `request` and empty method/path/protocol.
 *
 * Logs are long and the newest lines matter, so when there are more than MAX_ITEMS
 * entries the last ones are kept.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, isDigits, splitLines, toInt, total, words } from './text.js';

const ACCESS_LOG_ENTRY = struct('AccessLogEntry', {
  remote: 'string',
  user: 'string',
  /** As logged: `21/Jul/2023:21:13:53 +0000`. */
  time: 'string',
  /** The request line as logged (escapes kept). */
  request: 'string',
  method: 'string',
  path: 'string',
  protocol: 'string',
  status: 'int',
  /** 0 for `-`. */
  bytes: 'int',
  referer: 'string',
  agent: 'string',
  line: 'string',
});
export type AccessLogEntry = Infer<typeof ACCESS_LOG_ENTRY>;

const ACCESS_LOG = struct('AccessLog', {
  entries: list(ACCESS_LOG_ENTRY),
  /** More than MAX_ITEMS entries: the oldest were dropped. */
  truncated: 'bool',
});
export type AccessLog = Infer<typeof ACCESS_LOG>;

export const nginxAccessLogParser = parser({
  name: 'nginx-access-log',
  description: 'Requests from access-log lines in the combined format (newest 10,000 kept).',
  type: ACCESS_LOG,
  parse: (text) => total(text, empty, parseAccessLog),
});

function empty(): AccessLog {
  return { entries: [], truncated: false };
}

function parseAccessLog(text: string): AccessLog {
  const out = empty();
  const lines = splitLines(text);
  for (let k = lines.length - 1; k >= 0; k--) {
    const e = parseLine(lines[k]!);
    if (!e) continue;
    if (out.entries.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    out.entries.push(e);
  }
  out.entries.reverse();
  return out;
}

function parseLine(line: string): AccessLogEntry | undefined {
  // remote ident user
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  const open = sp2 < 0 ? -1 : line.indexOf(' [', sp2);
  if (sp1 <= 0 || open < 0) return undefined;
  const close = line.indexOf('] "', open);
  if (close < 0) return undefined;
  const remote = line.slice(0, sp1);
  const user = line.slice(sp2 + 1, open);
  const time = line.slice(open + 2, close);
  const req = readQuoted(line, close + 2);
  if (!req) return undefined;
  const nums = words(line.slice(req.end, Math.min(line.length, req.end + 64)), 2);
  if (!isDigits(nums[0]) || nums[0]!.length !== 3) return undefined;
  const status = toInt(nums[0]);
  const bytes = toInt(nums[1]);
  const refAt = line.indexOf('"', req.end);
  const ref = refAt < 0 ? undefined : readQuoted(line, refAt);
  const agentAt = ref ? line.indexOf('"', ref.end) : -1;
  const agent = agentAt < 0 ? undefined : readQuoted(line, agentAt);
  const r = words(req.value, 4);
  const http = r.length === 3 && r[2]!.startsWith('HTTP/');
  return {
    remote,
    user,
    time,
    request: req.value,
    method: http ? r[0]! : '',
    path: http ? r[1]! : '',
    protocol: http ? r[2]! : '',
    status,
    bytes,
    referer: ref?.value ?? '',
    agent: agent?.value ?? '',
    line,
  };
}

/** Reads a `"…"` field starting at the quote at `at`; `\"` does not end it. */
function readQuoted(line: string, at: number): { value: string; end: number } | undefined {
  if (line[at] !== '"') return undefined;
  let i = at + 1;
  while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
  if (i >= line.length) return undefined;
  return { value: line.slice(at + 1, i), end: i + 1 };
}
