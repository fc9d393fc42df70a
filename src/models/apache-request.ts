/**
 * How Apache httpd 2.4 maps one request, for its common subset, from the configuration the
 * apache-config parser assembled (directives with file:line, `<IfModule>` decided):
 *
 * 1. the vhost: those whose `<VirtualHost>` names the connection's address:port (an exact
 *    address before `*`/`_default_`); among them ServerName/ServerAlias against the Host header
 *    (case-insensitive, port and trailing dot dropped, `*`/`?` wildcards), else the first; no
 *    vhost for the address: the main server (server/vhost.c);
 * 2. mod_alias's translate hook, vhost before server level: Redirect/RedirectMatch first, then
 *    Alias/AliasMatch/ScriptAlias(Match) in order (a prefix matches whole path segments, so
 *    `Alias /icons/` does not take `/icons`); before it mod_proxy's ProxyPass/ProxyPassMatch (a
 *    `!` rule excludes); else DocumentRoot (the main server's when the vhost has none; Apache's
 *    compiled default otherwise);
 * 3. the directory walk: `<Directory>` sections by path, `<Files>`/`<FilesMatch>` by the last
 *    component, for Require (access is decided before existence: `Require all denied` is 403 for
 *    a missing file too), Options, AllowOverride, DirectoryIndex, FallbackResource, SetHandler;
 * 4. the file: present → served (or handed to its handler), a directory → 301 to add `/`, then
 *    DirectoryIndex, else an autoindex listing (Options Indexes) or 403; missing → FallbackResource
 *    or 404. ErrorDocument keeps the status.
 *
 * Pure: the filesystem comes in as facts (`f PATH`, `d PATH`, `- PATH`); `probe` lists the paths
 * whose kind it needed and was not told (stat them and ask again). Whatever it does not model —
 * mod_rewrite rules that apply, `.htaccess` files where AllowOverride reads them, `<Location>`
 * sections on the path, `<If>`, MultiViews on a miss, access_compat, other Require forms,
 * mod_userdir, a directive under an unknown `<IfModule>` — makes the answer `known: false` with
 * the reason, never a guess.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { apacheConfigParser, mergeApacheConfigs, type ApacheConfig, type ApacheDirective } from '../parsers/apache-config.js';
import { list, struct, type Infer } from '../parsers/types.js';
import { unsafeRegex } from '../flow/regex-safety.js';
import { apacheSockets } from './apache-listen.js';
import type { CelHelpers } from './cel.js';
import { ssParser } from '../parsers/ss.js';

export const APACHE_REQUEST_TYPE = struct('ApacheRequest', {
  /** Every step was evaluated; else `reason` says which was not. */
  known: 'bool',
  reason: 'string',
  /** The status Apache sends; 0 when a handler behind it (proxy, CGI, FastCGI) decides. */
  status: 'int',
  /**
   * Who answers: `file`, `index` (an autoindex listing), `proxy` (ProxyPass or a proxy:
   * handler), `cgi`, `redirect` (Redirect*, or 301 to add a directory's `/`), `miss` (404),
   * `denied` (403: Require), `dir-forbidden` (403: a directory without index or listing).
   */
  answer: 'string',
  /** The vhost (`''` file: the main server). */
  vhost_file: 'string',
  vhost_line: 'int',
  server_name: 'string',
  /** The file Apache maps the URL to (`r->filename`, its `%f`), or `proxy:URL` for the proxy. */
  filename: 'string',
  /** What mapped it: `DocumentRoot`, `Alias`, `AliasMatch`, `ScriptAlias`, `ProxyPass`, … and where. */
  via: 'string',
  via_file: 'string',
  via_line: 'int',
  /** The root the URL is mapped under (DocumentRoot or the alias's target). */
  root: 'string',
  /** Redirect target (`Location`). */
  location: 'string',
  /** The upstream for `proxy` (`http://127.0.0.1:8080/x`, `unix:/run/php.sock|fcgi://localhost`). */
  upstream: 'string',
  /** Files Apache checked, in order. */
  checked: list('string'),
  /** Internal redirects on the way (`FallbackResource /index.php`, `DirectoryIndex index.php`). */
  redirects: list('string'),
  probe: list('string'),
});
export type ApacheRequest = Infer<typeof APACHE_REQUEST_TYPE>;

export interface ApacheAsk {
  /** The local address the connection arrived at, and its port. */
  addr: string;
  port: number;
  /** The Host header as sent (may carry a port). */
  host: string;
  /** The request target: path and query. */
  path: string;
  /** `f PATH`, `d PATH`, `- PATH`. */
  facts: readonly string[];
}

export function apacheRequest(conf: ApacheConfig, ask: ApacheAsk): ApacheRequest {
  const out = blank();
  const files = new Map<string, string>();
  for (const f of ask.facts.slice(0, 10_000)) {
    const m = /^([fd-]) (\/.*)$/.exec(f);
    if (m) files.set(m[2]!, m[1]!);
  }
  const probe = new Set<string>();
  try {
    evaluate(conf, ask, out, { files, probe });
  } catch (e) {
    if (!(e instanceof Unknown)) throw e;
    out.known = false;
    out.reason = e.message;
    out.status = 0;
  }
  out.probe = [...probe];
  if (out.probe.length > 0 && out.known) {
    out.known = false;
    out.reason = `needs the kind of ${out.probe.join(', ')}`;
  }
  return out;
}

/** `apacheRequest` asked again until no path is left to stat (`stat(paths)` gives facts), at most `rounds` times. */
export function apacheRequestWith(conf: ApacheConfig, ask: ApacheAsk, stat: (paths: string[]) => string[], rounds = 8): ApacheRequest {
  let facts = [...ask.facts];
  let r = apacheRequest(conf, { ...ask, facts });
  for (let i = 0; i < rounds && r.probe.length > 0; i++) {
    facts = [...facts, ...stat(r.probe)];
    r = apacheRequest(conf, { ...ask, facts });
  }
  return r;
}

export function registerApache(env: Environment, cel: CelHelpers): void {
  cel.register(apacheConfigParser.type);
  cel.register(APACHE_REQUEST_TYPE);
  cel.register(ssParser.type);
  env.registerFunction('apache_merge(list<ApacheConfig>): ApacheConfig', (parts: unknown[]) => cel.toCel(mergeApacheConfigs(parts.map((p) => cel.fromCel(p) as ApacheConfig)), apacheConfigParser.type));
  env.registerFunction('apache_sockets(ApacheConfig): SsOutput', (conf: unknown) => cel.toCel(apacheSockets(cel.fromCel(conf) as ApacheConfig), ssParser.type));
  env.registerFunction('apache_listen_unknown(ApacheConfig): list<string>', (conf: unknown) => apacheSockets(cel.fromCel(conf) as ApacheConfig).unknown);
  env.registerFunction('apache_listen_fails(ApacheConfig): string', (conf: unknown) => apacheSockets(cel.fromCel(conf) as ApacheConfig).fails);
  env.registerFunction('apache_request(ApacheConfig, string, int, string, string, list<string>): ApacheRequest', (conf: unknown, addr: string, port: bigint, host: string, path: string, facts: string[]) =>
    cel.toCel(apacheRequest(cel.fromCel(conf) as ApacheConfig, { addr, port: Number(port), host, path, facts }), APACHE_REQUEST_TYPE),
  );
}

// ---------------------------------------------------------------------------------------------

class Unknown extends Error {}
const unknown = (why: string): never => {
  throw new Unknown(why);
};

function blank(): ApacheRequest {
  return { known: true, reason: '', status: 0, answer: '', vhost_file: '', vhost_line: 0, server_name: '', filename: '', via: '', via_file: '', via_line: 0, root: '', location: '', upstream: '', checked: [], redirects: [], probe: [] };
}

interface Fs {
  files: Map<string, string>;
  probe: Set<string>;
}

interface Node {
  d: ApacheDirective;
  kids: Node[];
}

/** The configuration as a tree of active directives (an unknown one is kept: using it is unknown). */
function tree(conf: ApacheConfig): Node[] {
  const nodes: Node[] = conf.directives.map((d) => ({ d, kids: [] }));
  const top: Node[] = [];
  nodes.forEach((n, i) => {
    if (n.d.active === 'no') return;
    const p = conf.directives[i]!.parent;
    (p >= 0 && p < i ? nodes[p]!.kids : top).push(n);
  });
  // Conditional sections vanish: their bodies belong to the enclosing level.
  const flat = (list: Node[]): Node[] => list.flatMap((n) => (/^if(module|define|version|file|directive|section)$/i.test(n.d.name) && n.d.block ? flat(n.kids) : [{ d: n.d, kids: flat(n.kids) }]));
  return flat(top);
}

const is = (n: Node, name: string) => n.d.name.toLowerCase() === name;
const named = (list: Node[], ...names: string[]) => list.filter((n) => names.includes(n.d.name.toLowerCase()));
const sure = (n: Node): Node => (n.d.active === 'unknown' ? unknown(`${n.d.file}:${n.d.line}: ${n.d.name} is inside an <IfModule>/<IfDefine> whose truth is not known`) : n);

function evaluate(conf: ApacheConfig, ask: ApacheAsk, out: ApacheRequest, fs: Fs): void {
  const top = tree(conf);
  const vhosts = named(top, 'virtualhost');
  // 1. the vhost
  const port = ask.port;
  const addrOf = (a: string) => {
    const i = a.lastIndexOf(':');
    const host = i > 0 && !a.endsWith(']') ? a.slice(0, i) : a;
    const p = i > 0 && !a.endsWith(']') ? a.slice(i + 1) : '*';
    return { host, port: p };
  };
  const takes = (v: Node, exact: boolean) =>
    v.d.args.some((a) => {
      const { host, port: p } = addrOf(a);
      if (p !== '*' && Number(p) !== port) return false;
      return exact ? host === ask.addr || host === `[${ask.addr}]` : host === '*' || host === '_default_';
    });
  let cands = vhosts.filter((v) => takes(v, true));
  if (cands.length === 0) cands = vhosts.filter((v) => takes(v, false));
  for (const v of cands) sure(v);
  const host = hostName(ask.host);
  let vhost: Node | undefined;
  if (cands.length > 0) {
    vhost =
      cands.find((v) => named(v.kids, 'servername').some((n) => nameOf(n.d.args[0] ?? '') === host)) ??
      cands.find((v) => named(v.kids, 'serveralias').some((n) => n.d.args.some((a) => wildMatch(a.toLowerCase(), host)))) ??
      cands[0]!;
    out.vhost_file = vhost.d.file;
    out.vhost_line = vhost.d.line;
    out.server_name = nameOf(named(vhost.kids, 'servername')[0]?.d.args[0] ?? '');
  } else out.server_name = nameOf(named(top, 'servername')[0]?.d.args[0] ?? '');
  const levels = vhost ? [vhost.kids, top] : [top];
  for (const l of levels) for (const n of l) if (/^(rewriteengine)$/i.test(n.d.name) && /^on$/i.test(n.d.args[0] ?? '')) unknown(`${n.d.file}:${n.d.line}: RewriteEngine On (mod_rewrite rules are not modelled)`);
  for (const l of levels) for (const n of named(l, 'userdir')) if (ask.path.startsWith('/~')) unknown(`${n.d.file}:${n.d.line}: UserDir`);
  const ctx: Ctx = { top, levels, fs, out, conf };
  let uri = decodePath(ask.path.split('?')[0]!);
  if (uri === undefined) return void finish(out, 400, 'bad-request');
  uri = uri.replace(/\/{2,}/g, '/');
  serve(ctx, uri, 0);
}

interface Ctx {
  top: Node[];
  levels: Node[][];
  fs: Fs;
  out: ApacheRequest;
  conf: ApacheConfig;
}

function finish(out: ApacheRequest, status: number, answer: string): void {
  out.status = status;
  out.answer = answer;
}

function serve(ctx: Ctx, uri: string, depth: number): void {
  const { out } = ctx;
  if (depth > 5) unknown('too many internal redirects');
  // <Location>/<LocationMatch> on the path: not modelled.
  for (const l of ctx.levels) for (const n of named(l, 'location', 'locationmatch')) if (locationMatches(n, uri)) unknown(`${n.d.file}:${n.d.line}: <${n.d.name} ${n.d.args.join(' ')}> applies to ${uri}`);
  for (const l of ctx.levels) for (const n of named(l, 'if', 'elseif', 'else')) unknown(`${n.d.file}:${n.d.line}: <${n.d.name}> is evaluated per request`);
  // 2a. mod_proxy: ProxyPass in order, vhost first (a `!` excludes).
  for (const l of ctx.levels) {
    for (const n of named(l, 'proxypass', 'proxypassmatch')) {
      const [path = '', target = ''] = n.d.args;
      let url = '';
      if (is(n, 'proxypass')) {
        // Whole segments, as for Alias (2.4: `/images` does not take `/imagescat.png`).
        const len = prefixLen(uri, path);
        if (len < 0) continue;
        url = target === '!' ? '!' : target + uri.slice(len);
      } else {
        const re = regex(n, path);
        const m = re.exec(uri);
        if (!m) continue;
        url = target === '!' ? '!' : target.includes('$') ? subst(target, m) : target;
      }
      sure(n);
      if (url === '!') break;
      out.via = n.d.name;
      out.via_file = n.d.file;
      out.via_line = n.d.line;
      out.upstream = url;
      out.filename = `proxy:${url}`;
      return finish(out, 0, 'proxy');
    }
  }
  // 2b. mod_alias: redirects first, then aliases; vhost level before server level.
  for (const l of ctx.levels) {
    for (const n of named(l, 'redirect', 'redirectmatch', 'redirectpermanent', 'redirecttemp')) {
      const args = [...n.d.args];
      let status = is(n, 'redirectpermanent') ? 301 : 302;
      if (!is(n, 'redirectpermanent') && !is(n, 'redirecttemp') && args.length >= 3) {
        const s = args.shift()!.toLowerCase();
        status = s === 'permanent' ? 301 : s === 'temp' ? 302 : s === 'seeother' ? 303 : s === 'gone' ? 410 : /^\d{3}$/.test(s) ? Number(s) : unknown(`${n.d.file}:${n.d.line}: Redirect status ${s}`);
      }
      const [from = '', to = ''] = args;
      let target = '';
      if (is(n, 'redirectmatch')) {
        const m = regex(n, from).exec(uri);
        if (!m) continue;
        target = subst(to, m);
      } else {
        const len = prefixLen(uri, from);
        if (len < 0) continue;
        target = to + uri.slice(len);
      }
      sure(n);
      out.via = n.d.name;
      out.via_file = n.d.file;
      out.via_line = n.d.line;
      out.location = target;
      return finish(out, status, 'redirect');
    }
  }
  for (const l of ctx.levels) {
    for (const n of named(l, 'alias', 'aliasmatch', 'scriptalias', 'scriptaliasmatch')) {
      const [from = '', to = ''] = n.d.args;
      if (n.d.args.length < 2) unknown(`${n.d.file}:${n.d.line}: ${n.d.name} with one argument`);
      let file = '';
      if (/match$/i.test(n.d.name)) {
        const m = regex(n, from).exec(uri);
        if (!m) continue;
        file = subst(to, m);
      } else {
        const len = prefixLen(uri, from);
        if (len < 0) continue;
        file = to + uri.slice(len);
      }
      sure(n);
      out.via = n.d.name;
      out.via_file = n.d.file;
      out.via_line = n.d.line;
      out.root = to;
      return walk(ctx, uri, file, /^scriptalias/i.test(n.d.name), depth);
    }
  }
  const dr = documentRoot(ctx);
  out.via = 'DocumentRoot';
  out.root = dr.path;
  out.via_file = dr.file;
  out.via_line = dr.line;
  walk(ctx, uri, dr.path.replace(/\/$/, '') + uri, false, depth);
}

function documentRoot(ctx: Ctx): { path: string; file: string; line: number } {
  for (const l of ctx.levels) {
    const n = named(l, 'documentroot').pop();
    if (n) {
      sure(n);
      const p = n.d.args[0] ?? '';
      if (p.includes('${') || !p.startsWith('/')) unknown(`${n.d.file}:${n.d.line}: DocumentRoot ${p} (not an absolute path the model can read)`);
      return { path: p, file: n.d.file, line: n.d.line };
    }
  }
  if (ctx.conf.document_root) return { path: ctx.conf.document_root, file: '', line: 0 };
  return unknown('no DocumentRoot in the configuration and no `Main DocumentRoot` from the dump (the compiled-in default)');
}

// ---------------------------------------------------------------------------------------------
// The directory walk and the file

interface DirConf {
  granted: boolean | undefined;
  indexes: boolean;
  multiviews: boolean;
  index: string[];
  fallback: string;
  handler: string;
  errorDocs: Map<number, string>;
  cgi: boolean;
  /** The file name the sections were matched for. */
  name: string;
}

function kind(ctx: Ctx, p: string): string {
  const k = ctx.fs.files.get(p);
  if (k === undefined) {
    ctx.fs.probe.add(p);
    return unknown(`needs the kind of ${p}`);
  }
  return k;
}

function walk(ctx: Ctx, uri: string, file: string, script: boolean, depth: number): void {
  const { out } = ctx;
  if (file.includes('${') || file.includes('%{')) unknown(`${out.via_file}:${out.via_line}: ${file} has a variable`);
  // Which part of the path exists: the first component that is a file or missing ends the walk.
  const parts = file.split('/').filter((x) => x !== '');
  // Ask for every component at once (one round of stat for the caller).
  const prefixes = parts.map((_, j) => `/${parts.slice(0, j + 1).join('/')}`);
  for (const p of prefixes) {
    const known = ctx.fs.files.get(p);
    if (known === undefined) ctx.fs.probe.add(p);
    else if (known !== 'd') break;
  }
  let path = '';
  let k = 'd';
  let i = 0;
  for (; i < parts.length; i++) {
    path += `/${parts[i]}`;
    k = kind(ctx, path);
    if (k !== 'd') break;
  }
  const trailing = file.endsWith('/') && parts.length > 0;
  const rest = i < parts.length ? parts.slice(i + 1) : [];
  const found = k === 'f' ? path : k === 'd' ? file.replace(/\/+$/, '') || '/' : path;
  const dirOf = k === 'd' ? found : found.slice(0, found.lastIndexOf('/')) || '/';
  const base = k === 'd' ? '' : found.slice(found.lastIndexOf('/') + 1);
  const dc = dirConf(ctx, dirOf, base, script);
  // r->filename ends at the first component that is not a directory (the rest is path info).
  out.filename = found;
  out.checked.push(found);
  if (dc.granted === false) return error(out, dc, 403, 'denied');
  if (dc.granted === undefined) unknown(`no Require decides access to ${dirOf}`);
  if (k === '-') {
    // A handler set by name (SetHandler proxy:… in <FilesMatch \.php$>) runs without the file: the backend answers.
    if (dc.handler.startsWith('proxy:')) return handled(ctx, dc, found);
    if (dc.multiviews) unknown(`Options MultiViews on ${dirOf}: content negotiation may find ${base}.*`);
    if (dc.fallback && dc.fallback !== 'disabled') {
      out.redirects.push(`FallbackResource ${dc.fallback}`);
      return fallback(ctx, dc.fallback, depth);
    }
    return error(out, dc, 404, 'miss');
  }
  if (k === 'f') {
    if (rest.length > 0 || trailing) {
      // PATH_INFO after a file: static files refuse it (AcceptPathInfo default), scripts take it.
      if (!dc.cgi && !dc.handler) return error(out, dc, 404, 'miss');
    }
    return handled(ctx, dc, found);
  }
  // A directory.
  if (!uri.endsWith('/')) {
    out.location = `${uri}/`;
    return finish(out, 301, 'redirect');
  }
  if (dc.cgi) unknown(`${found} is a directory under ScriptAlias`);
  for (const name of dc.index) {
    if (name.startsWith('/')) unknown(`DirectoryIndex ${name} is a URL`);
    // Each candidate is a subrequest for its URL: ProxyPass and <Location> see it too.
    const sub = `${uri}${name}`;
    for (const l of ctx.levels) for (const n of named(l, 'proxypass', 'proxypassmatch', 'location', 'locationmatch')) if (n.d.args[0] && (/match$/i.test(n.d.name) ? regex(n, n.d.args[0]).test(sub) : prefixLen(sub, n.d.args[0]) >= 0)) unknown(`${n.d.file}:${n.d.line}: ${n.d.name} ${n.d.args[0]} takes the DirectoryIndex subrequest ${sub}`);
    const p = `${found}/${name}`;
    out.checked.push(p);
    if (kind(ctx, p) === 'f') {
      out.redirects.push(`DirectoryIndex ${name}`);
      const idc = dirConf(ctx, found, name, false);
      if (idc.granted === false) return finish(out, 403, 'denied');
      out.filename = p;
      return handled(ctx, idc, p);
    }
  }
  out.filename = found === '/' ? '/' : `${found}/`;
  if (dc.fallback && dc.fallback !== 'disabled') {
    out.redirects.push(`FallbackResource ${dc.fallback}`);
    return fallback(ctx, dc.fallback, depth);
  }
  if (dc.indexes) return finish(out, 200, 'index');
  return error(out, dc, 403, 'dir-forbidden');
}

/** An error status; a local ErrorDocument for it keeps the status and serves its own file (`%f`). */
function error(out: ApacheRequest, dc: DirConf, status: number, answer: string): void {
  const doc = dc.errorDocs.get(status);
  if (doc && doc.startsWith('/')) out.redirects.push(`ErrorDocument ${status} ${doc}`);
  else if (doc && /^https?:\/\//.test(doc)) {
    out.location = doc;
    return finish(out, 302, 'redirect');
  }
  finish(out, status, answer);
}

function handled(ctx: Ctx, dc: DirConf, file: string): void {
  const { out } = ctx;
  out.filename = file;
  if (dc.handler.startsWith('proxy:')) {
    out.upstream = dc.handler.slice(6);
    return finish(out, 0, 'proxy');
  }
  if (dc.cgi) return finish(out, 0, 'cgi');
  if (dc.handler && !/^(default-handler|none)$/i.test(dc.handler)) unknown(`SetHandler ${dc.handler}`);
  return finish(out, 200, 'file');
}

function fallback(ctx: Ctx, url: string, depth: number): void {
  if (!url.startsWith('/')) unknown(`FallbackResource ${url} is relative`);
  const saved = { ...ctx.out };
  serve(ctx, url, depth + 1);
  // The client's status is the fallback's; the URL it asked stays.
  ctx.out.via = saved.via;
}

/** The merged per-directory configuration for DIR (and the file NAME in it). */
function dirConf(ctx: Ctx, dir: string, name: string, script: boolean): DirConf {
  const dc: DirConf = { granted: undefined, indexes: false, multiviews: false, index: ['index.html'], fallback: '', handler: '', errorDocs: new Map(), cgi: script, name };
  // Options default: FollowSymlinks (2.4): no Indexes.
  const sections: Node[] = [];
  // <Directory> (not regex) from the shortest path; server level first, then the vhost (they merge in that order).
  const levels = [...ctx.levels].reverse();
  const dirs: Array<{ n: Node; len: number; order: number }> = [];
  let order = 0;
  for (const l of levels) {
    // Server-level directives outside sections apply everywhere.
    for (const n of l) {
      order++;
      if (is(n, 'directory') || is(n, 'directorymatch')) {
        const arg = n.d.args[0] ?? '';
        const re = is(n, 'directorymatch') || arg === '~';
        if (re) {
          const r = regex(n, is(n, 'directorymatch') ? arg : (n.d.args[1] ?? ''));
          if (r.test(dir) || r.test(`${dir}/`)) unknown(`${n.d.file}:${n.d.line}: <${n.d.name} ${n.d.args.join(' ')}> (regex directory sections are not modelled)`);
          continue;
        }
        if (dirCovers(arg, dir)) dirs.push({ n, len: arg.replace(/\/+$/, '').split('/').length, order });
      }
    }
  }
  dirs.sort((a, b) => a.len - b.len || a.order - b.order);
  // Server/vhost-level settings first (they are the defaults the sections override).
  for (const l of levels) sections.push({ d: { ...l[0]?.d, name: '_level' } as ApacheDirective, kids: l.filter((n) => !n.d.block) });
  for (const x of dirs) sections.push(x.n);
  // <Files>/<FilesMatch>: inside matching directories and at the levels, after the directories.
  const filesIn = (list: Node[]) =>
    named(list, 'files', 'filesmatch').filter((n) => {
      const a = n.d.args[0] ?? '';
      if (!name) return false;
      if (is(n, 'filesmatch') || a === '~') return regex(n, is(n, 'filesmatch') ? a : (n.d.args[1] ?? '')).test(name);
      return wildMatch(a, name);
    });
  const filesSections = [...levels.flatMap((l) => filesIn(l)), ...dirs.flatMap((x) => filesIn(x.n.kids))];
  for (const s of [...sections, ...filesSections]) apply(ctx, dc, s, dir);
  return dc;
}

function apply(ctx: Ctx, dc: DirConf, s: Node, dir: string): void {
  let require: boolean | undefined;
  for (const n of s.kids) {
    const name = n.d.name.toLowerCase();
    const a = n.d.args;
    if (/^(order|allow|deny|satisfy)$/.test(name)) unknown(`${n.d.file}:${n.d.line}: ${n.d.name} (mod_access_compat) applies to ${dir}`);
    if (name === 'require') {
      sure(n);
      const v = a.join(' ').toLowerCase();
      if (v === 'all granted') require = require === false ? false : true;
      else if (v === 'all denied') require = false;
      else unknown(`${n.d.file}:${n.d.line}: Require ${a.join(' ')}`);
    } else if (/^require(any|all|none)$/.test(name) && n.d.block) unknown(`${n.d.file}:${n.d.line}: <${n.d.name}>`);
    else if (name === 'options') {
      sure(n);
      if (!a.every((o) => /^[+-]/.test(o))) {
        dc.indexes = false;
        dc.multiviews = false;
      }
      for (const o of a) {
        const on = !o.startsWith('-');
        const w = o.replace(/^[+-]/, '').toLowerCase();
        if (w === 'indexes') dc.indexes = on;
        if (w === 'multiviews') dc.multiviews = on;
        if (w === 'all') dc.indexes = on;
      }
    } else if (name === 'directoryindex') {
      sure(n);
      dc.index = a.length === 1 && a[0]!.toLowerCase() === 'disabled' ? [] : a.filter((x) => x.toLowerCase() !== 'disabled');
    } else if (name === 'fallbackresource') dc.fallback = sure(n).d.args[0] ?? '';
    else if (name === 'sethandler') dc.handler = sure(n).d.args[0] ?? '';
    else if (name === 'allowoverride' || name === 'allowoverridelist') {
      if (!/^none$/i.test(a[0] ?? 'none') && s.d.name !== '_level') {
        const p = `${(s.d.args[0] ?? '').replace(/\/+$/, '')}`;
        // .htaccess files in this directory and below are read: only their absence keeps the model sure.
        for (let d = dir; d.length >= p.length && d !== ''; d = d.slice(0, d.lastIndexOf('/'))) {
          const h = `${d}/.htaccess`;
          if (kind(ctx, h) === 'f') unknown(`${h} is read (AllowOverride ${a.join(' ')} at ${n.d.file}:${n.d.line})`);
        }
      }
    } else if (name === 'errordocument') dc.errorDocs.set(Number(a[0]), a[1] ?? '');
    else if (name === 'addhandler' || name === 'addtype' || name === 'action') {
      // A handler by extension (anywhere in the name: `x.cgi.txt`) the model does not run.
      if (name === 'addhandler' && a.slice(1).some((ext) => dc.name !== '' && fileHasExt(dc.name, ext))) unknown(`${n.d.file}:${n.d.line}: AddHandler ${a.join(' ')} applies to ${dc.name}`);
      if (name === 'action') unknown(`${n.d.file}:${n.d.line}: Action ${a.join(' ')}`);
    }
  }
  if (require !== undefined) dc.granted = require;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function hostName(h: string): string {
  let s = h.trim().toLowerCase();
  if (s.startsWith('[')) s = s.slice(0, s.indexOf(']') + 1);
  else if (s.includes(':')) s = s.slice(0, s.indexOf(':'));
  return s.replace(/\.$/, '');
}

function nameOf(serverName: string): string {
  const s = serverName.replace(/^[a-z]+:\/\//i, '');
  return hostName(s);
}

function fileHasExt(name: string, ext: string): boolean {
  const e = ext.replace(/^\./, '').toLowerCase();
  return name.toLowerCase().split('.').slice(1).includes(e);
}

function wildMatch(pat: string, s: string): boolean {
  if (!/[*?]/.test(pat)) return pat === s;
  const re = new RegExp(`^${pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(s);
}

/** mod_alias's alias_matches: the prefix matches the URL whole segments at a time (`//` counts as `/`). Returns the URL length matched, or -1. */
function prefixLen(uri: string, alias: string): number {
  let u = 0;
  let a = 0;
  while (a < alias.length) {
    if (alias[a] === '/') {
      if (uri[u] !== '/') return -1;
      while (alias[a] === '/') a++;
      while (uri[u] === '/') u++;
    } else if (alias[a++] !== uri[u++]) return -1;
  }
  if (alias[a - 1] !== '/' && u < uri.length && uri[u] !== '/') return -1;
  return u;
}

function dirCovers(section: string, dir: string): boolean {
  if (/[*?[]/.test(section)) {
    // A wildcard <Directory>: each `*` within one component.
    const parts = section.replace(/\/+$/, '').split('/');
    const dparts = dir.split('/');
    if (dparts.length < parts.length) return false;
    return parts.every((p, i) => wildMatch(p, dparts[i]!));
  }
  const s = section.replace(/\/+$/, '');
  return s === '' || dir === s || dir.startsWith(`${s}/`);
}

function locationMatches(n: Node, uri: string): boolean {
  const a = n.d.args[0] ?? '';
  if (is(n, 'locationmatch') || a === '~') return regex(n, is(n, 'locationmatch') ? a : (n.d.args[1] ?? '')).test(uri);
  if (/[*?[]/.test(a)) return true;
  return prefixLen(uri, a) >= 0 || uri === a;
}

function regex(n: Node, src: string): RegExp {
  const why = unsafeRegex(src);
  if (why) unknown(`${n.d.file}:${n.d.line}: ${src} (${why})`);
  try {
    return new RegExp(src);
  } catch {
    return unknown(`${n.d.file}:${n.d.line}: ${src} is not a regex JavaScript runs as PCRE does`);
  }
}

function subst(to: string, m: RegExpExecArray): string {
  return to.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '');
}

function decodePath(p: string): string | undefined {
  try {
    const d = decodeURIComponent(p);
    if (d.includes('\0')) return undefined;
    // `.` and `..` segments resolved (ap_getparents).
    const out: string[] = [];
    for (const seg of d.split('/')) {
      if (seg === '.') continue;
      if (seg === '..') {
        if (out.length <= 1) return undefined;
        out.pop();
      } else out.push(seg);
    }
    return out.join('/') || '/';
  } catch {
    return undefined;
  }
}
