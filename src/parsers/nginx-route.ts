/**
 * Which file nginx serves for a request: the server block (by port, then `server_name`, then
 * `default_server`, then the first on the port — nginx's own order, "How nginx processes a
 * request"), the longest matching prefix `location`, and its `root` or `alias`. Regex
 * locations are not evaluated (their patterns are PCRE and untrusted); the route says so.
 */
import type { NginxConfig, NginxLocation, NginxServer } from './nginx-config.js';
import type { ValueType } from './types.js';
import { editDistance } from '../util/edit-distance.js';

export interface NginxRoute {
  /** A server block listens on the port. */
  found: boolean;
  server_file: string;
  server_line: number;
  /** The location that matched (`''`: none, the server's root applies). */
  location: string;
  location_file: string;
  location_line: number;
  /** The directory the URL is mapped under: the `root`, or the `alias` with the location's prefix. */
  root: string;
  /** `root` or `alias`. */
  via: string;
  /** Where the `root`/`alias` directive is. */
  root_file: string;
  root_line: number;
  /** The file the request maps to, its directory, and its name. */
  fs_path: string;
  dir: string;
  name: string;
  access_log: string;
  /** Regex locations exist that could have matched first; they were not evaluated. */
  regex_locations: boolean;
}

export const NGINX_ROUTE_TYPE = {
  struct: 'NginxRoute',
  fields: {
    found: 'bool',
    server_file: 'string',
    server_line: 'int',
    location: 'string',
    location_file: 'string',
    location_line: 'int',
    root: 'string',
    via: 'string',
    root_file: 'string',
    root_line: 'int',
    fs_path: 'string',
    dir: 'string',
    name: 'string',
    access_log: 'string',
    regex_locations: 'bool',
  },
} as const satisfies ValueType;

const NONE: NginxRoute = {
  found: false,
  server_file: '',
  server_line: 0,
  location: '',
  location_file: '',
  location_line: 0,
  root: '',
  via: '',
  root_file: '',
  root_line: 0,
  fs_path: '',
  dir: '',
  name: '',
  access_log: '',
  regex_locations: false,
};

export function nginxRoute(conf: NginxConfig, port: number, host: string, rawPath: string): NginxRoute {
  const onPort = conf.servers.filter((s) => s.listens.some((l) => l.port === port) || (s.listens.length === 0 && port === 80));
  if (onPort.length === 0) return NONE;
  const h = host.toLowerCase();
  const server: NginxServer =
    onPort.find((s) => s.server_names.some((n) => n.toLowerCase() === h)) ??
    onPort.find((s) => s.listens.some((l) => l.port === port && l.default_server)) ??
    onPort[0]!;
  const path = decodePath(rawPath);
  let best: NginxLocation | undefined;
  for (const loc of server.locations) {
    if (loc.modifier === '=' ? path === loc.path : loc.modifier === '' || loc.modifier === '^~' ? path.startsWith(loc.path) : false) {
      if (loc.modifier === '=') {
        best = loc;
        break;
      }
      if (!best || loc.path.length > best.path.length) best = loc;
    }
  }
  const regex = server.locations.some((l) => l.modifier === '~' || l.modifier === '~*');
  let root = server.root;
  let via = 'root';
  let rootFile = server.root_file;
  let rootLine = server.root_line;
  let fsPath: string;
  if (best?.alias) {
    root = best.alias;
    via = 'alias';
    rootFile = best.file;
    rootLine = best.line;
    fsPath = joinPath(best.alias, path.slice(best.path.length));
  } else {
    if (best?.root) {
      root = best.root;
      rootFile = best.file;
      rootLine = best.line;
    }
    if (!root) root = '/usr/share/nginx/html'; // nginx's compiled-in default ("html" under its prefix)
    fsPath = joinPath(root, path);
  }
  const cut = fsPath.lastIndexOf('/');
  return {
    found: true,
    server_file: server.file,
    server_line: server.line,
    location: best?.path ?? '',
    location_file: best?.file ?? '',
    location_line: best?.line ?? 0,
    root,
    via,
    root_file: rootFile,
    root_line: rootLine,
    fs_path: fsPath,
    dir: cut > 0 ? fsPath.slice(0, cut) : '/',
    name: fsPath.slice(cut + 1),
    access_log: server.access_log,
    regex_locations: regex,
  };
}

function decodePath(p: string): string {
  const noQuery = p.split('?')[0] ?? '';
  let out: string;
  try {
    out = decodeURIComponent(noQuery);
  } catch {
    out = noQuery;
  }
  // Never let a request path climb out of the root in what we show or list.
  const parts: string[] = [];
  for (const seg of out.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return `/${parts.join('/')}${out.endsWith('/') && parts.length ? '/' : ''}`;
}

function joinPath(a: string, b: string): string {
  if (!b) return a;
  return `${a.replace(/\/+$/, '')}/${b.replace(/^\/+/, '')}`;
}

/**
 * The name the user probably meant, case-insensitive: the closest by edit distance when it is
 * within half the name's length (a typo), else one with the same length and the same pattern
 * of repeated characters (`hogehoge`/`fugafuga`, `foo1.txt`/`bar1.txt`: placeholder names mixed
 * up, as in the seed memo's 404). `''` when nothing is close.
 */
export function closestName(word: string, names: readonly string[]): string {
  const w = word.toLowerCase();
  let best = '';
  let bestD = Infinity;
  let shaped = '';
  for (const n of names.slice(0, 10_000)) {
    if (n === '.' || n === '..' || n.length > 255) continue;
    const l = n.toLowerCase();
    if (n === word) continue;
    const d = editDistance(w, l);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
    if (!shaped && l.length === w.length && shape(l) === shape(w)) shaped = n;
  }
  if (best && bestD <= Math.ceil(Math.max(w.length, best.length) / 2)) return best;
  return shaped;
}

/** `hogehoge` → `0.1.2.3.0.1.2.3`: each character replaced by the index of its first appearance. */
function shape(s: string): string {
  const first = new Map<string, number>();
  return [...s].map((c) => {
    if (!first.has(c)) first.set(c, first.size);
    return first.get(c);
  }).join('.');
}
