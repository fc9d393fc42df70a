/**
 * How nginx processes one request, from the configuration `nginx -T` dumps (includes resolved in
 * place, parsers/nginx-config.ts), the way nginx itself does it ("How nginx processes a
 * request", ngx_http_core_module's phases):
 *
 * 1. the server: the listen socket the connection arrived on (an address's own `listen` before a
 *    wildcard one), then the Host header (lower-cased, port and trailing dot dropped) against
 *    `server_name`: exact, the longest leading wildcard (`*.x`, `.x`), the longest trailing one
 *    (`x.*`), the first matching regex (its captures become variables); else the port's
 *    `default_server`, else its first server;
 * 2. the URI: percent-decoded, `//` merged, `.`/`..` resolved (climbing above `/` is a 400);
 * 3. the server's rewrite directives (`set`, `rewrite`, `return`, `if`, `break`), then the
 *    location (`=`, the longest prefix, `^~`, regexes in order, nested ones inside the prefix
 *    they are in), the location's rewrite directives (a changed URI searches again, 10 times at
 *    most), `internal`, `allow`/`deny`, `try_files` (each candidate, then the fallback URI,
 *    `=code` or named location), and the content: a handler (`proxy_pass`, `fastcgi_pass`,
 *    `uwsgi_pass`, `grpc_pass`, `scgi_pass`, `empty_gif`), or the static file under `root` /
 *    `alias` (`index`, `autoindex`, 301 for a directory, 404 for nothing), then `error_page`.
 *
 * The model is pure: what is on disk comes in as facts (`f PATH`, `d PATH`, `- PATH`), and
 * `probe` lists every path whose existence can change the answer, so a caller can stat them
 * (one round: every branch is explored) and ask again. Whatever it cannot evaluate — a
 * variable it does not know, a regex JavaScript cannot run the way PCRE does or that could
 * backtrack for ever, a module it does not model, a path it was not told about — makes the
 * answer `known: false` with the reason, never a guess.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { nginxConfigParser, type NginxConfig, type NginxDirective } from '../parsers/nginx-config.js';
import { list, struct, type Infer } from '../parsers/types.js';
import { unsafeRegex } from '../flow/regex-safety.js';
import { editDistance } from '../util/edit-distance.js';
import type { CelHelpers } from './cel.js';

export const NGINX_REQUEST_TYPE = struct('NginxRequest', {
  /** A server block listens on the port. */
  found: 'bool',
  /** Every step was evaluated; else `reason` says which was not. */
  known: 'bool',
  reason: 'string',
  /** The status nginx sends; 0 when an upstream's answer decides it. */
  status: 'int',
  /**
   * Who answers: `file` (a static file), `index` (a directory's listing), `upstream`, `return`
   * (a `return`/`rewrite` redirect or code), `miss` (404: the file nginx looked for is not
   * there), `dir-forbidden` (403: a directory without index), `denied` (403: `deny`),
   * `internal` (404: an `internal` location asked from outside), `bad-request`, `loop`, `empty_gif`.
   */
  answer: 'string',
  server_file: 'string',
  server_line: 'int',
  /** The name that selected the server (`''`: the default server of the port). */
  server_name: 'string',
  /** Where to ask nginx from the server itself: `ADDR:PORT` it listens on. */
  listen: 'string',
  /** The location that answered (or missed), as written: `~ \.php$`, `= /`, `/static/`. */
  location: 'string',
  location_file: 'string',
  location_line: 'int',
  /** The URI nginx ended with (`$uri`), and `$request_filename` for it. */
  uri: 'string',
  request_filename: 'string',
  /** The directory the URI is mapped under (`root`, or `alias` with the location's prefix). */
  root: 'string',
  /** `root` or `alias`. */
  via: 'string',
  root_file: 'string',
  root_line: 'int',
  /** The location's prefix an alias replaces (`''` for root): kept when a URL is suggested. */
  prefix: 'string',
  /** The file the miss is about (for `miss`: the first candidate nginx looked for), its directory and name. */
  fs_path: 'string',
  dir: 'string',
  name: 'string',
  /** The URI whose file was missed (the location prefix included). */
  miss_uri: 'string',
  /** Files nginx checked, in order (`try_files`, `index`, the static file). */
  checked: list('string'),
  /** `proxy`, `fastcgi`, `uwsgi`, `grpc`, `scgi` for an upstream answer. */
  handler: 'string',
  /** The upstream as written (`http://backend`, `unix:/run/php.sock`), its addresses, and the URI it is sent. */
  upstream: 'string',
  upstream_addrs: list('string'),
  upstream_uri: 'string',
  /** `SCRIPT_FILENAME` for FastCGI when it can be evaluated. */
  script: 'string',
  /** The internal redirects on the way: `try_files → /index.php`, `error_page 404 → /404.html`. */
  redirects: list('string'),
  /** Paths whose existence decides the answer (stat them and ask again with facts). */
  probe: list('string'),
  /** The directories the server maps URLs under (roots and aliases it can evaluate). */
  roots: list('string'),
  access_log: 'string',
  regex_locations: 'bool',
});
export type NginxRequest = Infer<typeof NGINX_REQUEST_TYPE>;

/** What the caller knows about the request beside the configuration. */
export interface NginxAsk {
  /** The local address the connection arrived at (`''`: not known). */
  addr: string;
  port: number;
  /** The Host header as sent (may carry a port). */
  host: string;
  /** The request target as sent: path and query. */
  path: string;
  /** `f PATH`, `d PATH`, `- PATH` (absent); `client ADDR`; `prefix DIR` (nginx's -p). */
  facts: readonly string[];
}

export function nginxRequest(conf: NginxConfig, ask: NginxAsk): NginxRequest {
  const fs = readFacts(ask.facts);
  // Explore every answer the unknown paths could have: which ones matter is what `probe` says.
  const probe = new Set<string>();
  const pending: Array<Map<string, Kind>> = [new Map()];
  let first: NginxRequest | undefined;
  for (let runs = 0; pending.length > 0 && runs < 64 && probe.size < 64; runs++) {
    const assumed = pending.shift()!;
    const asked: string[] = [];
    const lookup = (p: string): Kind | undefined => fs.files.get(p) ?? assumed.get(p);
    const r = evaluate(conf, ask, fs, lookup, asked);
    if (!first) first = r;
    for (const p of asked) {
      if (probe.has(p)) continue;
      probe.add(p);
      for (const k of ['-', 'f', 'd'] as const) pending.push(new Map([...assumed, [p, k]]));
    }
  }
  const r = first!;
  r.probe = [...probe].filter((p) => !fs.files.has(p));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Facts

type Kind = 'f' | 'd' | '-';
interface Facts {
  files: Map<string, Kind>;
  client: string;
  prefix: string;
}

function readFacts(facts: readonly string[]): Facts {
  const out: Facts = { files: new Map(), client: '', prefix: '' };
  for (const f of facts.slice(0, 10_000)) {
    const sp = f.indexOf(' ');
    if (sp < 0) continue;
    const tag = f.slice(0, sp);
    const v = f.slice(sp + 1);
    if (tag === 'f' || tag === 'd' || tag === '-') out.files.set(v, tag);
    else if (tag === 'client') out.client = v;
    else if (tag === 'prefix') out.prefix = v.endsWith('/') ? v : `${v}/`;
  }
  return out;
}

/** `find -L … -maxdepth 0 -printf '%y %p\n'` output (and its errors) as facts for `paths`. */
export function nginxFacts(paths: readonly string[], findOutput: string): string[] {
  const seen = new Map<string, Kind>();
  for (const line of findOutput.split('\n')) {
    const m = /^([a-zA-Z]) (\/.*)$/.exec(line);
    if (m) seen.set(m[2]!, m[1] === 'd' ? 'd' : m[1] === 'f' ? 'f' : '-');
  }
  return paths.map((p) => `${seen.get(p) ?? '-'} ${p}`);
}

// ---------------------------------------------------------------------------------------------
// The configuration as a tree

interface Block {
  d: NginxDirective | undefined;
  name: string;
  args: string[];
  file: string;
  line: number;
  children: Block[];
}

function buildTree(conf: NginxConfig): Block {
  const top: Block = { d: undefined, name: '', args: [], file: '', line: 0, children: [] };
  const blocks: Block[] = [];
  for (const d of conf.directives) {
    const b: Block = { d, name: d.name, args: d.args, file: d.file, line: d.line, children: [] };
    blocks.push(b);
    const parent = d.parent >= 0 && d.parent < blocks.length - 1 ? blocks[d.parent]! : top;
    parent.children.push(b);
  }
  return top;
}

interface Server {
  block: Block;
  listens: Array<{ addr: string; port: number; def: boolean }>;
  names: string[];
}

interface Location {
  block: Block;
  /** `=`, `''`, `^~`, `~`, `~*`, `@`, or `if` for an if-block inside a location. */
  mod: string;
  name: string;
  re: RegExp | undefined;
  /** Why the regex cannot be run (`''`: it can, or this is not a regex location). */
  reBad: string;
  children: Location[];
  parent: Location | undefined;
}

class Unknown extends Error {}

function unknown(reason: string): never {
  throw new Unknown(reason);
}

const own = (b: Block, name: string): Block | undefined => b.children.find((c) => c.name === name && c.children.length === 0 && !c.d?.block);
const owns = (b: Block, name: string): Block[] => b.children.filter((c) => c.name === name && !c.d?.block);
const at = (b: { file: string; line: number }): string => `${b.file || 'config'}:${b.line}`;

function servers(top: Block): Server[] {
  const out: Server[] = [];
  for (const http of top.children.filter((c) => c.name === 'http' && c.d?.block)) {
    for (const s of http.children.filter((c) => c.name === 'server' && c.d?.block)) {
      const listens = owns(s, 'listen').flatMap((l) => {
        const spec = l.args[0] ?? '';
        if (spec.startsWith('unix:')) return [];
        const flags = l.args.slice(1);
        const def = flags.includes('default_server') || flags.includes('default');
        let addr = '*';
        let port = 80;
        const m = /^(?:(\[[^\]]*\]|[^:]+):)?(\d+)$/.exec(spec);
        if (m) {
          addr = m[1] ?? '*';
          port = Number(m[2]);
        } else if (/^\[[^\]]*\]$/.test(spec)) addr = spec;
        else addr = spec;
        if (addr === 'localhost') addr = '127.0.0.1';
        if (addr === '0.0.0.0') addr = '*';
        return [{ addr, port, def }];
      });
      if (listens.length === 0) listens.push({ addr: '*', port: 80, def: false });
      const names = owns(s, 'server_name').flatMap((n) => n.args.map((a) => (a.startsWith('~') ? a : a.toLowerCase())));
      out.push({ block: s, listens, names });
    }
  }
  return out;
}

function locations(b: Block, parent: Location | undefined): Location[] {
  const out: Location[] = [];
  for (const c of b.children) {
    if (c.name !== 'location' || !c.d?.block) continue;
    const mods = ['=', '~', '~*', '^~'];
    let mod = '';
    let name = c.args[0] ?? '';
    if (c.args.length > 1 && mods.includes(c.args[0]!)) {
      mod = c.args[0]!;
      name = c.args[1] ?? '';
    } else if (name.startsWith('@')) mod = '@';
    else if (name.startsWith('=') && name.length > 1) {
      mod = '=';
      name = name.slice(1);
    } else if (name.startsWith('~*')) {
      mod = '~*';
      name = name.slice(2);
    } else if (name.startsWith('~')) {
      mod = '~';
      name = name.slice(1);
    }
    const loc: Location = { block: c, mod, name, re: undefined, reBad: '', children: [], parent };
    if (mod === '~' || mod === '~*') {
      const r = compile(name, mod === '~*');
      loc.re = r.re;
      loc.reBad = r.why;
    }
    loc.children = locations(c, loc);
    out.push(loc);
  }
  return out;
}

/** A PCRE pattern as a JavaScript regex, or why it cannot be one that behaves the same. */
function compile(pcre: string, caseless: boolean): { re: RegExp | undefined; why: string } {
  let src = pcre.replace(/\(\?P</g, '(?<');
  let flags = caseless ? 'i' : '';
  if (src.startsWith('(?i)')) {
    src = src.slice(4);
    flags = 'i';
  }
  if (/\(\?[a-zA-Z-]*[a-zA-Z]\)|\\[QEAZzGK]|\(\?[R0-9+&]|\(\?P[=>]|[*+?}]\+|\[\[:/.test(src)) return { re: undefined, why: `the regex ${pcre} uses PCRE syntax JavaScript does not share` };
  const unsafe = unsafeRegex(src);
  if (unsafe) return { re: undefined, why: `the regex ${pcre} is not run (${unsafe})` };
  try {
    return { re: new RegExp(src, flags), why: '' };
  } catch {
    return { re: undefined, why: `the regex ${pcre} is not valid for JavaScript` };
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

interface State {
  server: Server;
  host: string;
  rawHost: string;
  uri: string;
  args: string;
  requestUri: string;
  internal: boolean;
  vars: Map<string, string>;
  captures: string[];
  named: Map<string, string>;
  redirects: string[];
  checked: string[];
  cycles: number;
  /** A rewrite without a flag changed the URI: the location is searched again. */
  uriChanged: boolean;
}

interface Ctx {
  conf: NginxConfig;
  http: Block;
  fs: Facts;
  exists: (p: string) => Kind | undefined;
  asked: string[];
  upstreams: Map<string, string[]>;
  maps: Map<string, Block>;
  serverLocs: Location[];
}

function blank(): NginxRequest {
  return {
    found: false,
    known: false,
    reason: '',
    status: 0,
    answer: '',
    server_file: '',
    server_line: 0,
    server_name: '',
    listen: '',
    location: '',
    location_file: '',
    location_line: 0,
    uri: '',
    request_filename: '',
    root: '',
    via: '',
    root_file: '',
    root_line: 0,
    prefix: '',
    fs_path: '',
    dir: '',
    name: '',
    miss_uri: '',
    checked: [],
    handler: '',
    upstream: '',
    upstream_addrs: [],
    upstream_uri: '',
    script: '',
    redirects: [],
    probe: [],
    roots: [],
    access_log: '',
    regex_locations: false,
  };
}

function evaluate(conf: NginxConfig, ask: NginxAsk, fs: Facts, exists: (p: string) => Kind | undefined, asked: string[]): NginxRequest {
  const out = blank();
  const top = buildTree(conf);
  const http = top.children.find((c) => c.name === 'http' && c.d?.block);
  if (!http) {
    out.reason = conf.directives.length === 0 ? 'the configuration was not read' : 'the configuration has no http block';
    return out;
  }
  const all = servers(top);
  const addr = normAddr(ask.addr);
  const onPort = all.filter((s) => s.listens.some((l) => l.port === ask.port));
  if (onPort.length === 0) {
    out.reason = `no server block listens on port ${ask.port}`;
    return out;
  }
  out.found = true;
  const ctx: Ctx = { conf, http, fs, exists, asked, upstreams: upstreams(top), maps: maps(http), serverLocs: [] };
  try {
    const pick = selectServer(onPort, addr, ask.port, ask.host);
    const server = pick.server;
    out.server_file = server.block.file;
    out.server_line = server.block.line;
    out.server_name = pick.name;
    out.listen = pick.listen;
    out.access_log = inherited([http, server.block], 'access_log')?.args[0] ?? '';
    ctx.serverLocs = locations(server.block, undefined);
    out.regex_locations = flat(ctx.serverLocs).some((l) => l.mod === '~' || l.mod === '~*');
    out.roots = serverRoots(ctx, server);
    const st: State = {
      server,
      host: pick.host,
      rawHost: ask.host,
      uri: '',
      args: '',
      requestUri: ask.path,
      internal: false,
      vars: new Map(),
      captures: pick.captures,
      named: pick.named,
      redirects: [],
      checked: [],
      cycles: 0,
      uriChanged: false,
    };
    for (const [k, v] of pick.named) st.vars.set(k, v);
    const q = ask.path.indexOf('?');
    const norm = normalizeUri(q >= 0 ? ask.path.slice(0, q) : ask.path);
    st.args = q >= 0 ? ask.path.slice(q + 1) : '';
    if (norm === undefined) {
      Object.assign(out, { known: true, status: 400, answer: 'bad-request', reason: '' });
      return out;
    }
    st.uri = norm;
    process(ctx, st, out);
    out.known = true;
  } catch (e) {
    if (!(e instanceof Unknown)) throw e;
    out.known = false;
    out.reason = e.message;
  }
  return out;
}

function flat(locs: readonly Location[]): Location[] {
  return locs.flatMap((l) => [l, ...flat(l.children)]);
}

function normAddr(a: string): string {
  if (a === 'localhost') return '127.0.0.1';
  if (a.includes(':') && !a.startsWith('[')) return `[${a}]`;
  return a;
}

function selectServer(onPort: Server[], addr: string, port: number, hostHeader: string): { server: Server; name: string; listen: string; host: string; captures: string[]; named: Map<string, string> } {
  const exact = onPort.filter((s) => s.listens.some((l) => l.port === port && l.addr !== '*' && l.addr !== '[::]' && l.addr === addr));
  let group: Server[];
  let listenAddr: string;
  if (exact.length > 0) {
    group = exact;
    listenAddr = addr;
  } else {
    const v6 = addr.startsWith('[');
    const wild = onPort.filter((s) => s.listens.some((l) => l.port === port && (l.addr === '*' || (v6 && l.addr === '[::]'))));
    const addrs = new Set(onPort.flatMap((s) => s.listens.filter((l) => l.port === port).map((l) => l.addr)));
    if (wild.length > 0) {
      group = wild;
      listenAddr = wild[0]!.listens.find((l) => l.port === port && (l.addr === '*' || l.addr === '[::]'))!.addr;
    } else if (addrs.size === 1) {
      // The connection's address is not one nginx listens on (NAT, a load balancer): with one
      // address on the port, that is where it arrived.
      group = onPort;
      listenAddr = [...addrs][0]!;
    } else unknown(`nginx listens on port ${port} at ${[...addrs].join(', ')}; which one the request arrives at is not known${addr ? ` (${addr} is none of them)` : ''}`);
  }
  const ask = listenAddr === '*' ? '127.0.0.1' : listenAddr === '[::]' ? '[::1]' : listenAddr;
  const def = group.find((s) => s.listens.some((l) => l.port === port && l.def && (l.addr === listenAddr || group !== exact))) ?? group[0]!;
  const host = hostName(hostHeader);
  if (host === undefined) return { server: def, name: '', listen: `${ask}:${port}`, host: '', captures: [], named: new Map() };
  const match = matchName(group, host);
  const server = match?.server ?? def;
  return { server, name: match?.name ?? '', listen: `${ask}:${port}`, host: host || firstName(server), captures: match?.captures ?? [], named: match?.named ?? new Map() };
}

function firstName(s: Server): string {
  return s.names[0] && !s.names[0].startsWith('~') ? s.names[0] : '';
}

/** The Host header as nginx validates and normalizes it (ngx_http_validate_host); undefined when it is refused. */
function hostName(h: string): string | undefined {
  let host = h.toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return undefined;
    return host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  while (host.endsWith('.')) host = host.slice(0, -1);
  if (/[/\\\0]|\.\./.test(host)) return undefined;
  return host;
}

function matchName(group: Server[], host: string): { server: Server; name: string; captures: string[]; named: Map<string, string> } | undefined {
  for (const s of group) for (const n of s.names) if (!n.startsWith('~') && !n.includes('*') && !n.startsWith('.') && n === host) return { server: s, name: n, captures: [], named: new Map() };
  let best: { server: Server; name: string; len: number } | undefined;
  for (const s of group) {
    for (const n of s.names) {
      const suffix = n.startsWith('*.') ? n.slice(1) : n.startsWith('.') ? n : '';
      if (!suffix) continue;
      const hit = host.endsWith(suffix) || (n.startsWith('.') && host === n.slice(1));
      if (hit && (!best || suffix.length > best.len)) best = { server: s, name: n, len: suffix.length };
    }
  }
  if (best) return { server: best.server, name: best.name, captures: [], named: new Map() };
  for (const s of group) {
    for (const n of s.names) {
      if (!n.endsWith('.*')) continue;
      const pre = n.slice(0, -1);
      if (host.startsWith(pre) && (!best || pre.length > best.len)) best = { server: s, name: n, len: pre.length };
    }
  }
  if (best) return { server: best.server, name: best.name, captures: [], named: new Map() };
  for (const s of group) {
    for (const n of s.names) {
      if (!n.startsWith('~')) continue;
      const r = compile(n.slice(1), false);
      if (!r.re) unknown(`server_name ${n}: ${r.why}`);
      const m = r.re.exec(host);
      if (m) return { server: s, name: n, captures: [...m].map((x) => x ?? ''), named: new Map(Object.entries(m.groups ?? {}).map(([k, v]) => [k, v ?? ''])) };
    }
  }
  return undefined;
}

/**
 * `$uri` from the request target (ngx_http_parse_complex_uri): `%XX` decoded, `//` merged,
 * `.` and `..` resolved; undefined when nginx answers 400 (a `..` above the root, a bad `%`).
 */
function normalizeUri(raw: string): string | undefined {
  if (!raw.startsWith('/')) return undefined;
  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '%') {
      const h = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      const code = parseInt(h, 16);
      if (code === 0) unknown('the URL holds %00');
      decoded += String.fromCharCode(code);
      i += 2;
    } else decoded += c;
  }
  // nginx works on bytes: a UTF-8 name stays its bytes; as latin1 in JS, re-read them as UTF-8.
  const text = Buffer.from(decoded, 'latin1').toString('utf8');
  const parts: string[] = [];
  const segs = text.split('/');
  for (let k = 1; k < segs.length; k++) {
    const seg = segs[k]!;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  const last = segs[segs.length - 1]!;
  const dirLike = last === '' || last === '.' || last === '..';
  return `/${parts.join('/')}${dirLike && parts.length > 0 ? '/' : ''}`;
}

function upstreams(top: Block): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const http = top.children.filter((c) => c.name === 'http');
  for (const h of http) {
    for (const u of h.children.filter((c) => c.name === 'upstream' && c.d?.block)) {
      const addrs = owns(u, 'server').map((s) => s.args[0] ?? '');
      out.set(u.args[0] ?? '', addrs);
    }
  }
  return out;
}

function maps(http: Block): Map<string, Block> {
  const out = new Map<string, Block>();
  for (const m of http.children.filter((c) => c.name === 'map' && c.d?.block)) {
    const v = m.args[1];
    if (v?.startsWith('$')) out.set(v.slice(1), m);
  }
  return out;
}

/** The directive named, from the innermost block out (how nginx merges inherited settings). */
function inherited(chain: readonly Block[], name: string): Block | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const d = own(chain[i]!, name);
    if (d) return d;
  }
  return undefined;
}

function inheritedAll(chain: readonly Block[], name: string): Block[] {
  for (let i = chain.length - 1; i >= 0; i--) {
    const d = owns(chain[i]!, name);
    if (d.length > 0) return d;
  }
  return [];
}

/** http → server → the location and its parents → the `if` blocks that matched. */
function chainOf(ctx: Ctx, st: State, loc: Location | undefined, ifs: readonly Block[] = []): Block[] {
  const locs: Block[] = [];
  for (let l = loc; l; l = l.parent) locs.unshift(l.block);
  return [ctx.http, st.server.block, ...locs, ...ifs];
}

// ----- variables

function variable(ctx: Ctx, st: State, name: string, loc: Location | undefined, chain: readonly Block[]): string {
  if (/^\d$/.test(name)) return st.captures[Number(name)] ?? '';
  if (st.vars.has(name)) return st.vars.get(name)!;
  switch (name) {
    case 'uri':
    case 'document_uri':
      return st.uri;
    case 'request_uri':
      return st.requestUri;
    case 'args':
    case 'query_string':
      return st.args;
    case 'is_args':
      return st.args ? '?' : '';
    case 'host':
      return st.host;
    case 'http_host':
      return st.rawHost;
    case 'server_name':
      return firstName(st.server);
    case 'scheme':
      return 'http';
    case 'request_method':
      return 'GET';
    case 'remote_addr':
      if (ctx.fs.client) return ctx.fs.client;
      return unknown('$remote_addr: the client address nginx sees is not known');
    case 'document_root':
    case 'realpath_root':
      return docRoot(ctx, st, loc, chain).root;
    case 'request_filename':
      return mapUri(ctx, st, loc, chain).path;
    case 'fastcgi_script_name':
      return scriptName(st, chain).script;
    case 'fastcgi_path_info':
      return scriptName(st, chain).info;
  }
  if (name.startsWith('arg_')) {
    const key = name.slice(4).toLowerCase();
    for (const kv of st.args.split('&')) {
      const eq = kv.indexOf('=');
      if ((eq >= 0 ? kv.slice(0, eq) : kv).toLowerCase() === key) return eq >= 0 ? kv.slice(eq + 1) : '';
    }
    return '';
  }
  const map = ctx.maps.get(name);
  if (map) return mapValue(ctx, st, map, loc, chain);
  return unknown(`the variable $${name} is not one the model evaluates`);
}

function mapValue(ctx: Ctx, st: State, map: Block, loc: Location | undefined, chain: readonly Block[]): string {
  const source = expand(ctx, st, map.args[0] ?? '', loc, chain);
  let def = '';
  let hostnames = false;
  for (const e of map.children) {
    const key = e.name;
    const value = e.args[0] ?? '';
    if (key === 'default') def = value;
    else if (key === 'hostnames') hostnames = true;
    else if (key === 'include' || key === 'volatile') continue;
    else if (key.startsWith('~')) {
      const ci = key.startsWith('~*');
      const r = compile(key.slice(ci ? 2 : 1), ci);
      if (!r.re) unknown(`map ${map.args[1]} at ${at(map)}: ${r.why}`);
      const m = r.re.exec(source);
      if (m) {
        const saved = { c: st.captures, n: new Map(st.vars) };
        st.captures = [...m].map((x) => x ?? '');
        for (const [k, v] of Object.entries(m.groups ?? {})) st.vars.set(k, v ?? '');
        const out = expand(ctx, st, value, loc, chain);
        st.captures = saved.c;
        st.vars = saved.n;
        return out;
      }
    } else if ((key === '\\' ? '' : key.replace(/^\\/, '')) === source || (key === '""' && source === '')) return expand(ctx, st, value, loc, chain);
  }
  if (hostnames) unknown(`map ${map.args[1]} at ${at(map)} uses hostnames`);
  return expand(ctx, st, def, loc, chain);
}

/** A value with `$var`/`${var}` expanded, as ngx_http_script does. */
function expand(ctx: Ctx, st: State, text: string, loc: Location | undefined, chain: readonly Block[]): string {
  if (!text.includes('$')) return text;
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    let name: string;
    if (text[i + 1] === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) unknown(`${text}: an unclosed \${`);
      name = text.slice(i + 2, end);
      i = end + 1;
    } else if (/\d/.test(text[i + 1] ?? '')) {
      name = text[i + 1]!;
      i += 2;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(text.slice(i + 1));
      if (!m) {
        out += c;
        i++;
        continue;
      }
      name = m[0];
      i += 1 + name.length;
    }
    out += variable(ctx, st, name, loc, chain);
  }
  return out;
}

// ----- roots and paths

interface RootInfo {
  root: string;
  via: 'root' | 'alias';
  at: Block | undefined;
  /** The alias's location prefix, or `''`. */
  prefix: string;
  /** An alias in a regex location: the whole path, the URI not appended. */
  whole: boolean;
}

function docRoot(ctx: Ctx, st: State, loc: Location | undefined, chain: readonly Block[]): RootInfo {
  let d: Block | undefined;
  for (let i = chain.length - 1; i >= 0 && !d; i--) d = own(chain[i]!, 'root') ?? own(chain[i]!, 'alias');
  if (!d) return { root: absolute(ctx, 'html'), via: 'root', at: undefined, prefix: '', whole: false };
  const raw = d.args[0] ?? '';
  const value = absolute(ctx, expand(ctx, st, raw, loc, chain));
  if (d.name === 'alias') {
    // The location the alias is written in (a nested location inherits it with its prefix).
    let owner = loc;
    while (owner && owner.block !== chain.find((b) => own(b, 'alias') === d) && owner.parent) owner = owner.parent;
    const regex = owner?.mod === '~' || owner?.mod === '~*';
    return { root: value, via: 'alias', at: d, prefix: regex ? '' : (owner?.name ?? ''), whole: regex && raw.includes('$') };
  }
  // ngx_http_core_root drops a root's trailing slash; the URI, which starts with one, is appended.
  return { root: value.length > 1 && !raw.includes('$') ? value.replace(/\/$/, '') : value, via: 'root', at: d, prefix: '', whole: false };
}

function absolute(ctx: Ctx, p: string): string {
  if (p.startsWith('/')) return p;
  if (!ctx.fs.prefix) unknown(`the path ${p} is relative to nginx's prefix (-p), which is not known`);
  return ctx.fs.prefix + p;
}

/** `$request_filename` for the current URI (ngx_http_map_uri_to_path). */
function mapUri(ctx: Ctx, st: State, loc: Location | undefined, chain: readonly Block[], uri = st.uri): RootInfo & { path: string } {
  const r = docRoot(ctx, st, loc, chain);
  if (r.via === 'alias') {
    if (r.whole) return { ...r, path: r.root };
    if (!uri.startsWith(r.prefix)) unknown(`alias ${r.root} in location ${r.prefix}: the URI ${uri} does not start with the location's prefix`);
    return { ...r, path: r.root + uri.slice(r.prefix.length) };
  }
  return { ...r, path: r.root + uri };
}

function scriptName(st: State, chain: readonly Block[]): { script: string; info: string } {
  const split = inherited(chain, 'fastcgi_split_path_info');
  let script = st.uri;
  let info = '';
  if (split) {
    const r = compile(split.args[0] ?? '', false);
    if (!r.re) unknown(`fastcgi_split_path_info at ${at(split)}: ${r.why}`);
    const m = r.re.exec(st.uri);
    if (m) {
      script = m[1] ?? '';
      info = m[2] ?? '';
    }
  }
  if (script.endsWith('/')) script += inherited(chain, 'fastcgi_index')?.args[0] ?? '';
  return { script, info };
}

function serverRoots(ctx: Ctx, server: Server): string[] {
  const out = new Set<string>();
  const add = (b: Block, name: string) => {
    for (const d of owns(b, name)) if (d.args[0] && !d.args[0].includes('$')) out.add(d.args[0].startsWith('/') ? d.args[0] : ctx.fs.prefix ? ctx.fs.prefix + d.args[0] : d.args[0]);
  };
  add(ctx.http, 'root');
  add(server.block, 'root');
  for (const l of flat(ctx.serverLocs)) {
    add(l.block, 'root');
    add(l.block, 'alias');
  }
  return [...out].slice(0, 32);
}

// ----- location search (ngx_http_core_find_location)

function findLocation(ctx: Ctx, uri: string): { loc: Location | undefined; redirect: boolean } {
  const r = findIn(ctx.serverLocs, uri);
  return { loc: r.loc, redirect: r.redirect };
}

function findIn(locs: readonly Location[], uri: string): { loc: Location | undefined; done: boolean; redirect: boolean } {
  let best: Location | undefined;
  let redirect = false;
  for (const l of locs) {
    if (l.mod === '=' && l.name === uri) return { loc: l, done: true, redirect: false };
  }
  for (const l of locs) {
    if ((l.mod === '' || l.mod === '^~') && uri.startsWith(l.name) && (!best || l.name.length > best.name.length)) best = l;
  }
  // auto_redirect: `/dir` asked, `location /dir/` has a *_pass: nginx answers 301 to `/dir/`.
  const auto = locs.find((l) => (l.mod === '' || l.mod === '^~' || l.mod === '=') && l.name === `${uri}/` && passOf(l.block));
  if (auto && !(best && best.name === uri)) {
    best = auto;
    redirect = true;
  }
  let noregex = false;
  if (best && !redirect) {
    noregex = best.mod === '^~';
    const inner = findIn(best.children, uri);
    if (inner.done) return inner;
    if (inner.loc) best = inner.loc;
  }
  if (redirect) return { loc: best, done: true, redirect: true };
  if (!noregex) {
    for (const l of locs) {
      if (l.mod !== '~' && l.mod !== '~*') continue;
      if (!l.re) unknown(`location ${l.mod} ${l.name} at ${at(l.block)}: ${l.reBad}`);
      if (l.re.test(uri)) {
        const inner = findIn(l.children, uri);
        return { loc: inner.loc ?? l, done: true, redirect: false };
      }
    }
  }
  return { loc: best, done: false, redirect: false };
}

function passOf(b: Block): Block | undefined {
  return b.children.find((c) => ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'grpc_pass', 'scgi_pass', 'memcached_pass'].includes(c.name) && !c.d?.block);
}

function regexCaptures(st: State, loc: Location | undefined): void {
  if (loc?.re) {
    const m = loc.re.exec(st.uri);
    if (m) setCaptures(st, m);
  }
}

function setCaptures(st: State, m: RegExpExecArray): void {
  st.captures = [...m].map((x) => x ?? '');
  for (const [k, v] of Object.entries(m.groups ?? {})) st.vars.set(k, v ?? '');
}

// ----- the rewrite module

type Flow = { kind: 'next' } | { kind: 'break' } | { kind: 'last' } | { kind: 'return'; code: number; url: string; at: Block };

const REWRITE = new Set(['rewrite', 'return', 'set', 'if', 'break', 'rewrite_log', 'uninitialized_variable_warn']);

/** The rewrite directives of one block, in order; `ifs` collects the `if` blocks that matched. */
function rewrites(ctx: Ctx, st: State, b: Block, loc: Location | undefined, ifs: Block[]): Flow {
  for (const d of b.children) {
    if (!REWRITE.has(d.name)) continue;
    const chain = chainOf(ctx, st, loc, ifs);
    if (d.name === 'set') {
      st.vars.set((d.args[0] ?? '').replace(/^\$/, ''), expand(ctx, st, d.args[1] ?? '', loc, chain));
    } else if (d.name === 'break') return { kind: 'break' };
    else if (d.name === 'return') {
      const a = d.args;
      if (a.length === 1 && !/^\d+$/.test(a[0]!)) return { kind: 'return', code: 302, url: expand(ctx, st, a[0]!, loc, chain), at: d };
      return { kind: 'return', code: Number(a[0]), url: a[1] !== undefined ? expand(ctx, st, a[1], loc, chain) : '', at: d };
    } else if (d.name === 'rewrite') {
      const [pattern = '', replacement = '', flag = ''] = d.args;
      const r = compile(pattern, false);
      if (!r.re) unknown(`rewrite at ${at(d)}: ${r.why}`);
      const m = r.re.exec(st.uri);
      if (!m) continue;
      setCaptures(st, m);
      const target = expand(ctx, st, replacement, loc, chain);
      if (/^(?:https?:\/\/|\$scheme)/.test(replacement) || flag === 'redirect' || flag === 'permanent') {
        return { kind: 'return', code: flag === 'permanent' ? 301 : 302, url: target, at: d };
      }
      const q = target.indexOf('?');
      const path = q >= 0 ? target.slice(0, q) : target;
      if (q >= 0) st.args = target.endsWith('?') ? '' : target.slice(q + 1) + (st.args ? `&${st.args}` : '');
      st.redirects.push(`rewrite at ${at(d)} → ${path}`);
      st.uri = path;
      st.uriChanged = true;
      if (flag === 'last') return { kind: 'last' };
      if (flag === 'break') return { kind: 'break' };
    } else if (d.name === 'if' && d.d?.block) {
      if (condition(ctx, st, d, loc, chain)) {
        ifs.push(d);
        const f = rewrites(ctx, st, d, loc, ifs);
        if (f.kind !== 'next') return f;
      }
    }
  }
  return { kind: 'next' };
}

function condition(ctx: Ctx, st: State, d: Block, loc: Location | undefined, chain: readonly Block[]): boolean {
  const a = [...d.args];
  if (a.length === 0) unknown(`if at ${at(d)}: no condition`);
  a[0] = a[0]!.replace(/^\(/, '');
  a[a.length - 1] = a[a.length - 1]!.replace(/\)$/, '');
  const words = a.filter((w) => w !== '');
  const [w0 = '', w1, w2] = words;
  const test = /^(!?)-([fdex])$/.exec(w0);
  if (test && w1 !== undefined) {
    const path = expand(ctx, st, w1, loc, chain);
    const k = kindOf(ctx, path);
    const v = test[2] === 'f' ? k === 'f' : test[2] === 'd' ? k === 'd' : test[2] === 'e' ? k !== '-' : unknown(`if at ${at(d)}: -x is not modelled`);
    return test[1] ? !v : v;
  }
  const value = expand(ctx, st, w0, loc, chain);
  if (w1 === undefined) return value !== '' && value !== '0';
  if (w1 === '=' || w1 === '!=') return (value === expand(ctx, st, w2 ?? '', loc, chain)) === (w1 === '=');
  const rm = /^(!?)~(\*?)$/.exec(w1);
  if (rm) {
    const r = compile(w2 ?? '', rm[2] === '*');
    if (!r.re) unknown(`if at ${at(d)}: ${r.why}`);
    const m = r.re.exec(value);
    if (m && !rm[1]) setCaptures(st, m);
    return rm[1] ? !m : !!m;
  }
  return unknown(`if at ${at(d)}: the condition ${words.join(' ')} is not modelled`);
}

function kindOf(ctx: Ctx, path: string): Kind {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const k = ctx.exists(p);
  // A path with a trailing slash names a directory: open() fails on a file (ENOTDIR).
  if (k === 'f' && path.endsWith('/') && path.length > 1) return '-';
  if (k === undefined) {
    ctx.asked.push(p);
    unknown(`whether ${p} exists is not known`);
  }
  return k;
}

// ----- the phases

interface Result {
  status: number;
  answer: string;
  loc: Location | undefined;
  chain: Block[];
  handler?: string;
  pass?: Block;
  /** The missed file (404 for a static file). */
  miss?: { path: string; uri: string; info: RootInfo };
  at?: Block;
}

function process(ctx: Ctx, st: State, out: NginxRequest): void {
  // Server-level rewrite directives run once, before the location is searched.
  const sf = rewrites(ctx, st, st.server.block, undefined, []);
  let res: Result;
  if (sf.kind === 'return') res = returned(sf, undefined, chainOf(ctx, st, undefined));
  else res = locate(ctx, st);
  res = errorPage(ctx, st, res);
  fill(ctx, st, res, out);
}

/** From the location search to the content phase, for the current URI. */
function locate(ctx: Ctx, st: State): Result {
  for (;;) {
    if (++st.cycles > 10) return { status: 500, answer: 'loop', loc: undefined, chain: [] };
    const f = findLocation(ctx, st.uri);
    const loc = f.loc;
    if (f.redirect) return { status: 301, answer: 'return', loc, chain: chainOf(ctx, st, loc) };
    regexCaptures(st, loc);
    const r = inLocation(ctx, st, loc);
    if (r !== 'again') return r;
  }
}

/** A location's rewrite phase, access, try_files and content; `again` when the URI must be searched again. */
function inLocation(ctx: Ctx, st: State, loc: Location | undefined): Result | 'again' {
  const ifs: Block[] = [];
  st.uriChanged = false;
  const flow = loc ? rewrites(ctx, st, loc.block, loc, ifs) : ({ kind: 'next' } as Flow);
  const chain = chainOf(ctx, st, loc, ifs);
  if (flow.kind === 'return') return returned(flow, loc, chain);
  if (flow.kind === 'last' || (flow.kind === 'next' && st.uriChanged)) return 'again';
  if (loc && own(loc.block, 'internal') && !st.internal) return { status: 404, answer: 'internal', loc, chain, at: own(loc.block, 'internal') };
  const denied = access(ctx, chain);
  if (denied) return { status: 403, answer: 'denied', loc, chain, at: denied };
  const tf = loc && flow.kind !== 'break' ? own(loc.block, 'try_files') : undefined;
  const serverTf = !loc && flow.kind !== 'break' ? own(st.server.block, 'try_files') : undefined;
  const tryFiles = tf ?? serverTf;
  if (tryFiles) {
    const r = tryFilesPhase(ctx, st, loc, chain, tryFiles);
    if (r) return r;
  }
  return content(ctx, st, loc, chain);
}

function returned(f: Extract<Flow, { kind: 'return' }>, loc: Location | undefined, chain: Block[]): Result {
  return { status: f.code, answer: 'return', loc, chain, at: f.at };
}

function access(ctx: Ctx, chain: readonly Block[]): Block | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const rules = chain[i]!.children.filter((c) => (c.name === 'allow' || c.name === 'deny') && !c.d?.block);
    if (rules.length === 0) continue;
    for (const r of rules) {
      const who = r.args[0] ?? '';
      if (who === 'all') return r.name === 'deny' ? r : undefined;
      if (!ctx.fs.client) unknown(`${r.name} ${who} at ${at(r)}: the client address nginx sees is not known`);
      if (inCidr(ctx.fs.client, who)) return r.name === 'deny' ? r : undefined;
    }
    return undefined;
  }
  return undefined;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net = '', bits = '32'] = cidr.split('/');
  const a = v4(ip);
  const b = v4(net);
  if (a === undefined || b === undefined) return unknown(`the rule ${cidr} for ${ip} is not modelled`);
  const n = Number(bits);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function v4(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

function tryFilesPhase(ctx: Ctx, st: State, loc: Location | undefined, chain: Block[], tf: Block): Result | undefined {
  const args = tf.args;
  const root = docRoot(ctx, st, loc, chain);
  if (root.via === 'alias') unknown(`try_files at ${at(tf)} in a location with alias: not modelled`);
  let firstMiss: { path: string; uri: string } | undefined;
  for (let i = 0; i < args.length - 1; i++) {
    // ngx_http_core_try_files: a candidate written with a trailing `/` tests for a directory,
    // its slash dropped (the URI becomes the name without it); any other must be a file.
    const template = args[i]!;
    const dir = template.endsWith('/');
    const name = expand(ctx, st, dir ? template.slice(0, -1) : template, loc, chain);
    const path = root.root + name;
    st.checked.push(dir ? `${path}/` : path);
    firstMiss ??= { path, uri: name };
    const k = kindOf(ctx, path);
    if ((dir && k === 'd') || (!dir && k === 'f')) {
      st.uri = name;
      return undefined;
    }
  }
  const last = expand(ctx, st, args[args.length - 1] ?? '', loc, chain);
  const code = /^=(\d+)$/.exec(last);
  if (code) {
    const status = Number(code[1]);
    const miss = firstMiss ? { path: firstMiss.path, uri: firstMiss.uri, info: root } : undefined;
    return { status, answer: status === 404 && miss ? 'miss' : 'return', loc, chain, at: tf, miss };
  }
  st.redirects.push(`try_files at ${at(tf)} → ${last}`);
  if (last.startsWith('@')) return named(ctx, st, last);
  const q = last.indexOf('?');
  st.uri = q >= 0 ? last.slice(0, q) : last;
  if (q >= 0) st.args = last.slice(q + 1);
  st.internal = true;
  return locate(ctx, st);
}

function named(ctx: Ctx, st: State, name: string): Result {
  const loc = ctx.serverLocs.find((l) => l.mod === '@' && l.name === name);
  if (!loc) return { status: 500, answer: 'return', loc: undefined, chain: [] };
  st.internal = true;
  const r = inLocation(ctx, st, loc);
  return r === 'again' ? locate(ctx, st) : r;
}

function content(ctx: Ctx, st: State, loc: Location | undefined, chain: Block[]): Result {
  // A handler: the location's own; an `if` block inside it inherits it (or has its own).
  const ifBlocks = loc ? chain.slice(chain.indexOf(loc.block) + 1) : [];
  const handler = [...ifBlocks].reverse().map(passOf).find((p) => p) ?? (loc ? passOf(loc.block) : undefined);
  if (handler) return { status: 0, answer: 'upstream', loc, chain, pass: handler, handler: handler.name.replace(/_pass$/, '') };
  if (loc && own(loc.block, 'empty_gif')) return { status: 200, answer: 'empty_gif', loc, chain };
  for (const m of ['perl', 'js_content', 'echo', 'stub_status', 'content_by_lua', 'content_by_lua_block', 'mp4', 'flv', 'dav_methods']) {
    if (loc && own(loc.block, m)) unknown(`location ${loc.name} at ${at(loc.block)}: ${m} is not modelled`);
  }
  const mapped = mapUri(ctx, st, loc, chain);
  if (st.uri.endsWith('/')) return index(ctx, st, loc, chain, mapped);
  st.checked.push(mapped.path);
  const k = kindOf(ctx, mapped.path);
  if (k === 'f') return { status: 200, answer: 'file', loc, chain };
  if (k === 'd') return { status: 301, answer: 'return', loc, chain };
  return { status: 404, answer: 'miss', loc, chain, miss: { path: mapped.path, uri: st.uri, info: mapped } };
}

function index(ctx: Ctx, st: State, loc: Location | undefined, chain: Block[], mapped: RootInfo & { path: string }): Result {
  const names = inheritedAll(chain, 'index').flatMap((d) => d.args);
  for (const raw of names.length > 0 ? names : ['index.html']) {
    const name = expand(ctx, st, raw, loc, chain);
    if (name.startsWith('/')) {
      st.redirects.push(`index → ${name}`);
      const q = name.indexOf('?');
      st.uri = q >= 0 ? name.slice(0, q) : name;
      st.internal = true;
      return locate(ctx, st);
    }
    const path = mapped.path + name;
    st.checked.push(path);
    if (kindOf(ctx, path) === 'f') {
      st.redirects.push(`index → ${st.uri}${name}`);
      st.uri += name;
      st.internal = true;
      return locate(ctx, st);
    }
  }
  const dir = kindOf(ctx, mapped.path);
  if (dir !== 'd') return { status: 404, answer: 'miss', loc, chain, miss: { path: mapped.path, uri: st.uri, info: mapped } };
  if (inherited(chain, 'autoindex')?.args[0] === 'on') return { status: 200, answer: 'index', loc, chain };
  return { status: 403, answer: 'dir-forbidden', loc, chain };
}

/** error_page for the status (once: recursive_error_pages is off by default). */
function errorPage(ctx: Ctx, st: State, res: Result): Result {
  if (res.status < 300 || res.answer === 'upstream' || res.status === 444) return intercept(res);
  const pages = inheritedAll(res.chain, 'error_page');
  for (const p of pages) {
    const a = p.args;
    let target = a[a.length - 1] ?? '';
    let override: number | undefined;
    let codes = a.slice(0, -1);
    const eq = codes.find((c) => c.startsWith('='));
    if (eq) {
      codes = codes.filter((c) => c !== eq);
      override = eq === '=' ? -1 : Number(eq.slice(1));
    }
    if (!codes.includes(String(res.status))) continue;
    target = expand(ctx, st, target, res.loc, res.chain);
    st.redirects.push(`error_page ${res.status} at ${at(p)} → ${target}`);
    const original = { ...res };
    let r: Result;
    if (target.startsWith('@')) r = named(ctx, st, target);
    else if (/^https?:\/\//.test(target)) return { ...res, status: override && override > 0 ? override : 302, answer: 'return', at: p };
    else {
      const q = target.indexOf('?');
      st.uri = q >= 0 ? target.slice(0, q) : target;
      st.internal = true;
      st.cycles = 0;
      r = locate(ctx, st);
    }
    // The page's own failure is sent as it is; else the original status (or the `=` one).
    const miss = original.miss;
    if (r.answer === 'upstream') return { ...r, status: override === -1 ? 0 : (override ?? original.status), miss };
    if (r.status >= 400 || r.status === 0) return { ...r, miss: r.miss ?? miss };
    return { ...r, status: override === -1 ? r.status : (override ?? original.status), miss, answer: original.answer === 'miss' ? 'miss' : original.answer };
  }
  return res;
}

function intercept(res: Result): Result {
  if (res.answer !== 'upstream' || !res.handler) return res;
  const on = inherited(res.chain, `${res.handler}_intercept_errors`)?.args[0] === 'on';
  if (on && inheritedAll(res.chain, 'error_page').length > 0) unknown(`${res.handler}_intercept_errors on with error_page: the upstream's status decides which page answers`);
  return res;
}

function fill(ctx: Ctx, st: State, res: Result, out: NginxRequest): void {
  out.status = res.status;
  out.answer = res.answer;
  out.uri = st.uri;
  out.redirects = st.redirects;
  out.checked = st.checked;
  const loc = res.loc;
  if (loc) {
    out.location = `${loc.mod && loc.mod !== '@' ? `${loc.mod} ` : ''}${loc.name}`;
    out.location_file = loc.block.file;
    out.location_line = loc.block.line;
  }
  if (res.answer === 'upstream') {
    fillUpstream(ctx, st, res, out);
    try {
      out.request_filename = mapUri(ctx, st, loc, res.chain).path;
    } catch {
      out.request_filename = '';
    }
  } else {
    const m = mapUri(ctx, st, loc, res.chain);
    out.request_filename = m.path;
    setRoot(out, m);
  }
  if (res.miss) {
    setRoot(out, res.miss.info);
    out.fs_path = res.miss.path;
    out.miss_uri = res.miss.uri;
    const cut = res.miss.path.lastIndexOf('/');
    out.dir = cut > 0 ? res.miss.path.slice(0, cut) : '/';
    out.name = res.miss.path.slice(cut + 1);
  }
}

function setRoot(out: NginxRequest, r: RootInfo): void {
  out.root = r.root;
  out.via = r.via;
  out.root_file = r.at?.file ?? '';
  out.root_line = r.at?.line ?? 0;
  out.prefix = r.prefix;
}

function fillUpstream(ctx: Ctx, st: State, res: Result, out: NginxRequest): void {
  const pass = res.pass!;
  out.handler = res.handler ?? '';
  const target = expand(ctx, st, pass.args[0] ?? '', res.loc, res.chain);
  out.upstream = target;
  const m = /^(?:(https?|grpcs?):\/\/)?([^/]*)(\/.*)?$/.exec(target);
  const hostPort = m?.[2] ?? target;
  const uriPart = m?.[3];
  const isUnix = target.startsWith('unix:') || hostPort.startsWith('unix:');
  if (isUnix) out.upstream_addrs = [target.replace(/^https?:\/\//, '')];
  else if (ctx.upstreams.has(hostPort)) out.upstream_addrs = ctx.upstreams.get(hostPort)!.map((a) => (a.startsWith('unix:') || /:\d+$/.test(a) ? a : `${a}:80`));
  else if (/^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(hostPort) || /^\[[^\]]+\](:\d+)?$/.test(hostPort)) out.upstream_addrs = [/:\d+$/.test(hostPort) && !hostPort.endsWith(']') ? hostPort : `${hostPort}:${m?.[1] === 'https' ? 443 : 80}`];
  else unknown(`${pass.name} ${target} at ${at(pass)}: the host name is resolved by nginx at start, not by the model`);
  if (out.handler === 'proxy') {
    // With a URI in proxy_pass, the location's prefix is replaced by it (prefix locations only).
    const loc = res.loc;
    if (uriPart !== undefined && loc && (loc.mod === '' || loc.mod === '^~' || loc.mod === '=') && st.uri.startsWith(loc.name) && st.redirects.length === 0) {
      out.upstream_uri = uriPart + encodeUri(st.uri.slice(loc.name.length)) + (st.args ? `?${st.args}` : '');
    } else if (uriPart !== undefined && st.redirects.length === 0 && loc?.mod !== '@') {
      unknown(`proxy_pass ${target} at ${at(pass)} with a URI in a location nginx cannot replace a prefix of`);
    } else out.upstream_uri = st.redirects.length === 0 ? st.requestUri : encodeUri(st.uri) + (st.args ? `?${st.args}` : '');
  } else {
    out.upstream_uri = st.requestUri;
    if (out.handler === 'fastcgi') {
      const param = [...res.chain].reverse().flatMap((b) => owns(b, 'fastcgi_param')).find((p) => p.args[0] === 'SCRIPT_FILENAME');
      if (param) {
        try {
          out.script = expand(ctx, st, param.args[1] ?? '', res.loc, res.chain);
        } catch {
          out.script = '';
        }
      }
    }
  }
}

/** A URI path as nginx escapes it when it sends it on (spaces, `%`, `?`, `#`, controls, non-ASCII). */
export function encodeUri(p: string): string {
  return [...Buffer.from(p, 'utf8')].map((b) => (b <= 0x20 || b >= 0x7f || b === 0x25 || b === 0x3f || b === 0x23 || b === 0x22 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
}


// ---------------------------------------------------------------------------------------------
// The URL the user probably meant

export const NGINX_MATCH_TYPE = struct('NginxMatch', {
  /** A close file was found under the directory the miss was in. */
  found: 'bool',
  /** The file, and the URI that maps to it (the alias's location prefix kept). */
  fs_path: 'string',
  uri: 'string',
  /** The URI percent-encoded, to put in a URL. */
  url_path: 'string',
  /** How it differs: `case`, `extension`, `directory`, `typo`, per component. */
  how: 'string',
});
export type NginxMatch = Infer<typeof NGINX_MATCH_TYPE>;

const NO_MATCH: NginxMatch = { found: false, fs_path: '', uri: '', url_path: '', how: '' };

/**
 * The file closest to the one nginx missed, walking the path under the directory the URL maps
 * to one component at a time: the same name, else the same name in another case, else (last
 * component) the name with another extension or `name.html` for `name`/`name/` and the
 * directory `name/` for `name.html`, else a typo-sized difference (`closestName`). `listing` is
 * `find -L BASE -maxdepth N -printf '%y %P\n'` (relative paths with their type).
 */
export function nginxClosest(req: Pick<NginxRequest, 'answer' | 'root' | 'via' | 'prefix' | 'fs_path'>, listing: string): NginxMatch {
  if (req.answer !== 'miss' || !req.root || !req.fs_path.startsWith(req.root)) return NO_MATCH;
  const base = req.root.replace(/\/+$/, '');
  const rel = req.fs_path.slice(base.length).split('/').filter((c) => c !== '');
  if (rel.length === 0 || rel.length > 16) return NO_MATCH;
  const children = new Map<string, Array<{ name: string; dir: boolean }>>();
  for (const line of listing.split('\n').slice(0, 20_000)) {
    const m = /^([a-zA-Z]) (.+)$/.exec(line);
    if (!m) continue;
    const path = m[2]!;
    const cut = path.lastIndexOf('/');
    const parent = cut >= 0 ? path.slice(0, cut) : '';
    const list = children.get(parent) ?? [];
    list.push({ name: path.slice(cut + 1), dir: m[1] === 'd' });
    children.set(parent, list);
  }
  const got: string[] = [];
  const how: string[] = [];
  let trailingDir = false;
  for (let i = 0; i < rel.length; i++) {
    const c = rel[i]!;
    const last = i === rel.length - 1;
    const here = children.get(got.join('/')) ?? [];
    const pick = (e: { name: string; dir: boolean } | undefined, why: string): boolean => {
      if (!e) return false;
      got.push(e.name);
      if (why) how.push(why);
      if (last && e.dir) trailingDir = true;
      return true;
    };
    const usable = here.filter((e) => last || e.dir);
    if (pick(usable.find((e) => e.name === c), '')) continue;
    if (pick(usable.find((e) => e.name.toLowerCase() === c.toLowerCase()), `case of ${c}`)) continue;
    if (last) {
      const stem = (n: string) => (n.lastIndexOf('.') > 0 ? n.slice(0, n.lastIndexOf('.')) : n).toLowerCase();
      if (pick(here.find((e) => !e.dir && e.name.toLowerCase() === `${c.toLowerCase()}.html`), `${c} → ${c}.html`)) continue;
      if (pick(here.find((e) => e.dir && `${e.name.toLowerCase()}.html` === c.toLowerCase()), `${c} → ${stem(c)}/`)) continue;
      if (pick(here.find((e) => !e.dir && stem(e.name) === stem(c) && e.name.includes('.') && c.includes('.')), 'extension')) continue;
    }
    const name = closestName(c, usable.map((e) => e.name));
    if (pick(usable.find((e) => e.name === name), `${c} → ${name}`)) continue;
    return NO_MATCH;
  }
  if (how.length === 0 && !trailingDir) return NO_MATCH;
  const relPath = `/${got.join('/')}${trailingDir ? '/' : ''}`;
  const uri = req.via === 'alias' ? req.prefix.replace(/\/+$/, '') + relPath : relPath;
  return { found: true, fs_path: base + relPath, uri, url_path: encodeUri(uri), how: how.join(', ') || 'a directory' };
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
  return [...s]
    .map((c) => {
      if (!first.has(c)) first.set(c, first.size);
      return first.get(c);
    })
    .join('.');
}

// ---------------------------------------------------------------------------------------------
// The same URL under another server block (the Host header picked the wrong one)

export const NGINX_OTHER_HOST_TYPE = struct('NginxOtherHost', {
  /** Another server block on the same socket serves the URL as a static file with `name` as Host. */
  found: 'bool',
  /** Every other server block was evaluated; else `reason` says which was not (no concrete name, a path not known). */
  known: 'bool',
  reason: 'string',
  /** The Host header that selects that block (a concrete name, checked by server selection). */
  name: 'string',
  server_file: 'string',
  server_line: 'int',
  /** The block that answered the user's request. */
  here_file: 'string',
  here_line: 'int',
  /** `ADDR:PORT` to ask it from the server itself. */
  listen: 'string',
  /** The file it serves, and the root/alias that maps it. */
  fs_path: 'string',
  root: 'string',
  via: 'string',
  root_file: 'string',
  root_line: 'int',
  /** Paths whose existence decides any other block's answer (stat them and ask again). */
  probe: list('string'),
});
export type NginxOtherHost = Infer<typeof NGINX_OTHER_HOST_TYPE>;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * A Host header a `server_name` entry honestly stands for: an exact name as written, `.x` → `x`
 * (it matches `x` itself); a regex only when it is an anchored literal (`~^www\.example\.com$`).
 * `*.x`, `x.*` and other regexes match names nobody wrote down: none (`''`), and the block is
 * unknown; `_` and `""` (the catch-all convention) name no host: the block is not offered.
 */
export function concreteName(serverName: string): string {
  let n = serverName.toLowerCase();
  if (n.startsWith('~')) {
    const m = /^~\^((?:[a-z0-9-]|\\\.)+)\$$/.exec(n);
    if (!m) return '';
    n = m[1]!.replace(/\\\./g, '.');
  } else if (n.startsWith('.')) n = n.slice(1);
  return HOSTNAME.test(n) ? n : '';
}

/**
 * When the user's request misses, whether another server block on the socket it arrived at
 * serves the same URL as a static file (200): each other block's names made concrete
 * (`concreteName`), each asked through `nginxRequest` with that name as Host — the name must
 * select that very block, and the answer must be a file that exists by the facts. The first such
 * block, in configuration order.
 */
export function nginxOtherHost(conf: NginxConfig, ask: NginxAsk): NginxOtherHost {
  const out: NginxOtherHost = { found: false, known: false, reason: '', name: '', server_file: '', server_line: 0, here_file: '', here_line: 0, listen: '', fs_path: '', root: '', via: '', root_file: '', root_line: 0, probe: [] };
  const here = nginxRequest(conf, ask);
  if (!here.found || here.server_file === '' || here.listen === '') {
    out.reason = here.reason || 'the server block that answered is not known';
    return out;
  }
  out.here_file = here.server_file;
  out.here_line = here.server_line;
  const probe = new Set<string>();
  const unknowns: string[] = [];
  const others = servers(buildTree(conf)).filter((s) => (s.block.file !== here.server_file || s.block.line !== here.server_line) && s.listens.some((l) => l.port === ask.port));
  for (const s of others.slice(0, 64)) {
    const names = [...new Set(s.names.map(concreteName).filter((n) => n !== ''))];
    if (names.length === 0) {
      // `_` or "" names no host (the catch-all convention): no Host header is offered for it.
      if (s.names.some((n) => n !== '_' && n !== '')) unknowns.push(`no concrete name for server_name ${s.names.join(' ')} at ${at(s.block)}`);
      continue;
    }
    for (const name of names.slice(0, 8)) {
      const r = nginxRequest(conf, { ...ask, host: name });
      // The name must reach this block on the same socket (not another block's, nor the default).
      if (r.server_file !== s.block.file || r.server_line !== s.block.line || r.listen !== here.listen) continue;
      for (const p of r.probe) probe.add(p);
      if (!r.known) {
        unknowns.push(`Host ${name}: ${r.reason}`);
        continue;
      }
      if (r.answer !== 'file' || r.status !== 200) continue;
      Object.assign(out, { found: true, known: true, name, server_file: s.block.file, server_line: s.block.line, listen: r.listen, fs_path: r.request_filename, root: r.root, via: r.via, root_file: r.root_file, root_line: r.root_line });
      out.probe = [...probe];
      return out;
    }
  }
  out.known = unknowns.length === 0;
  out.reason = unknowns.join('; ');
  out.probe = [...probe];
  return out;
}

/** nginx's prefix (-p): from the master's command line, else `--prefix=` in `nginx -V`. */
export function nginxPrefix(psLine: string, versionText: string): string {
  const p = /(?:^|\s)-p\s*(\/\S*)/.exec(psLine)?.[1] ?? /--prefix=(\/\S+)/.exec(versionText)?.[1] ?? '';
  return p && !/[\x00-\x1f\x7f]/.test(p) ? p : '';
}

/** An argv word from a list: the item, or `''` past its end (a flow's fixed slots for a variable list). */
const item = (l: readonly string[], i: number): string => l[i] ?? '';

export function registerNginxRequest(env: Environment, cel: CelHelpers): void {
  cel.register(nginxConfigParser.type);
  cel.register(NGINX_REQUEST_TYPE);
  cel.register(NGINX_MATCH_TYPE);
  env.registerFunction('nginx_request(NginxConfig, string, int, string, string, list<string>): NginxRequest', (conf: unknown, addr: string, port: bigint, host: string, path: string, facts: string[]) =>
    cel.toCel(nginxRequest(cel.fromCel(conf) as NginxConfig, { addr, port: Number(port), host, path, facts }), NGINX_REQUEST_TYPE),
  );
  env.registerFunction('nginx_facts(list<string>, string): list<string>', (paths: string[], out: string) => nginxFacts(paths, out));
  env.registerFunction('nginx_closest(NginxRequest, string): NginxMatch', (req: unknown, listing: string) => cel.toCel(nginxClosest(cel.fromCel(req) as NginxRequest, listing), NGINX_MATCH_TYPE));
  cel.register(NGINX_OTHER_HOST_TYPE);
  env.registerFunction('nginx_other_host(NginxConfig, string, int, string, string, list<string>): NginxOtherHost', (conf: unknown, addr: string, port: bigint, host: string, path: string, facts: string[]) =>
    cel.toCel(nginxOtherHost(cel.fromCel(conf) as NginxConfig, { addr, port: Number(port), host, path, facts }), NGINX_OTHER_HOST_TYPE),
  );
  env.registerFunction('nginx_prefix(string, string): string', (ps: string, v: string) => nginxPrefix(ps, v));
  env.registerFunction('item(list<string>, int): string', (l: string[], i: bigint) => item(l, Number(i)));
  env.registerFunction('closest(string, list<string>): string', (w: string, names: string[]) => closestName(w, names));
  // For a shell command shown on a card: one word, single-quoted.
  env.registerFunction('shell_quote(string): string', (s: string) => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`));
}
