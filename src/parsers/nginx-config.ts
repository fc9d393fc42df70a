/**
 * nginx configuration as `nginx -T` dumps it (also a bare config file, as `cat` shows it).
 *
 * `nginx -T` prints its test messages, then every file it read, each after a
 * `# configuration file /path:` line, so positions are reported per file, 1-based, as nginx
 * itself reports them in `[emerg] … in /path:12`. The grammar followed is nginx's own
 * tokenizer (src/core/ngx_conf_file.c, ngx_conf_read_token): words, `'`/`"` strings with
 * backslash escapes, `#` comments, and `;`, `{`, `}`; `${` stays inside a word.
 */
import { list, parser, struct, type Infer } from './types.js';
import { splitHostPort } from './address.js';
import { MAX_ITEMS, isDigits, splitLines, toInt, total } from './text.js';

const NGINX_LISTEN = struct('NginxListen', {
  /** `*` for `listen 80;`, else as written: `127.0.0.1`, `[::]`, `localhost`. */
  addr: 'string',
  /** 80 when the directive names only an address. */
  port: 'int',
  /** `default_server` (or its old spelling `default`) is present. */
  default_server: 'bool',
  ssl: 'bool',
  file: 'string',
  line: 'int',
  /** The raw line the directive starts on. */
  text: 'string',
});
export type NginxListen = Infer<typeof NGINX_LISTEN>;

const NGINX_LOCATION = struct('NginxLocation', {
  /** The URI or pattern: `/`, `/static/`, `^/api`. */
  path: 'string',
  /** `=`, `~`, `~*`, `^~`, or `''` for a prefix match. */
  modifier: 'string',
  /** This location's own `root`, or `''`. */
  root: 'string',
  /** This location's own `alias`, or `''`. */
  alias: 'string',
  file: 'string',
  line: 'int',
  text: 'string',
});
export type NginxLocation = Infer<typeof NGINX_LOCATION>;

const NGINX_SERVER = struct('NginxServer', {
  file: 'string',
  line: 'int',
  text: 'string',
  /** Only explicit `listen` directives: a server without one listens on `*:80` in nginx. */
  listens: list(NGINX_LISTEN),
  server_names: list('string'),
  /** The server's `root`, or the one it inherits from `http`; `''` if neither sets one. */
  root: 'string',
  root_file: 'string',
  root_line: 'int',
  locations: list(NGINX_LOCATION),
  /** The first path of the server's `access_log` (or the inherited one, or `off`); `''` if none. */
  access_log: 'string',
});
export type NginxServer = Infer<typeof NGINX_SERVER>;

/**
 * One directive of the whole configuration, in the order nginx reads it: `include`s are
 * replaced by the directives of the files they name (as dumped by `nginx -T`, glob order), so
 * the list is the configuration nginx runs. `file`/`line` say where each one is written.
 */
const NGINX_DIRECTIVE = struct('NginxDirective', {
  name: 'string',
  args: list('string'),
  file: 'string',
  line: 'int',
  /** Index of the enclosing block's directive in `directives`, -1 at the top. */
  parent: 'int',
  /** A block (`server { … }`), not a simple directive. */
  block: 'bool',
});
export type NginxDirective = Infer<typeof NGINX_DIRECTIVE>;

const NGINX_CONFIG = struct('NginxConfig', {
  /** The test passed: a `syntax is ok` line and no `test failed` line. */
  ok: 'bool',
  servers: list(NGINX_SERVER),
  /** Every server's listens, in order. */
  listens: list(NGINX_LISTEN),
  /** Lines reporting `[emerg]`, `[alert]`, `[crit]` or `[error]`. */
  errors: list('string'),
  /** Lines reporting `[warn]`. */
  warnings: list('string'),
  /** The files in the dump, in order. */
  files: list('string'),
  /** Every directive with includes resolved in place (see NginxDirective). */
  directives: list(NGINX_DIRECTIVE),
  /** `include`s the dump has no file for (`file:line: include PATTERN`). */
  missing_includes: list('string'),
  /** `--prefix=` when the text holds nginx -V's configure arguments, else `''`. */
  prefix: 'string',
  truncated: 'bool',
});
export type NginxConfig = Infer<typeof NGINX_CONFIG>;

export const nginxConfigParser = parser({
  name: 'nginx-config',
  description: 'Servers, listens, roots and locations from `nginx -T` (or a config file), with test errors.',
  type: NGINX_CONFIG,
  parse: (text) => total(text, empty, parseNginxConfig),
});

function empty(): NginxConfig {
  return { ok: false, servers: [], listens: [], errors: [], warnings: [], files: [], directives: [], missing_includes: [], prefix: '', truncated: false };
}

interface Section {
  file: string;
  /** Config lines; `lines[k]` is line `first + k` of the file. */
  lines: string[];
  first: number;
}

interface Statement {
  name: string;
  args: string[];
  line: number;
  children: Statement[] | undefined;
}

/** Values a server inherits from the `http` block around it. */
interface Inherited {
  root: string;
  rootFile: string;
  rootLine: number;
  accessLog: string;
}

const HEADER = '# configuration file ';
// `2023/07/21 14:02:08 [emerg] 123#123: …`: nginx's error-log line, printed by -t/-T.
const LOG_LINE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[/;

function parseNginxConfig(text: string): NginxConfig {
  const out = empty();
  let syntaxOk = false;
  let failed = false;
  const sections: Section[] = [];
  let current: Section | undefined;
  const all = splitLines(text);
  const trusted = trustedHeaders(all);
  for (let n = 0; n < all.length; n++) {
    const line = all[n]!;
    if (isHeader(line)) {
      // A path that cannot be trusted is not returned: its section's file is unknown (`''`).
      current = { file: trusted.has(n) ? line.slice(HEADER.length, -1) : '', lines: [], first: 1 };
      sections.push(current);
      if (current.file && out.files.length < MAX_ITEMS) out.files.push(current.file);
      continue;
    }
    if (isMessage(line)) {
      const prefix = /--prefix=(\S+)/.exec(line)?.[1];
      if (prefix && !CONTROL.test(prefix)) out.prefix = prefix;
      if (line.includes('syntax is ok')) syntaxOk = true;
      if (line.includes('test failed')) failed = true;
      if (/\[(?:emerg|alert|crit|error)\]/.test(line)) pushCapped(out.errors, line);
      else if (line.includes('[warn]')) pushCapped(out.warnings, line);
      continue;
    }
    if (!current) {
      // Config text before any header: a file shown with `cat`. Lines count from the top.
      current = { file: '', lines: [], first: n + 1 };
      sections.push(current);
    }
    current.lines.push(line);
  }
  out.ok = syntaxOk && !failed;

  const trees = sections.map((s) => ({ section: s, tree: parseStatements(s.lines, s.first) }));
  const httpLevel: Inherited = { root: '', rootFile: '', rootLine: 0, accessLog: '' };
  for (const { section, tree } of trees) collectHttpLevel(tree, section.file, httpLevel);
  for (const { section, tree } of trees) walk(tree, section, httpLevel, false, out);
  if (trees.length > 0) resolveIncludes(trees, out);
  return out;
}

/**
 * The configuration as nginx runs it: the first file's directives, each `include` replaced by
 * the directives of the dumped files its pattern names (glob(3) order, as ngx_conf_include
 * reads them). A relative pattern is relative to the first file's directory (nginx's conf
 * prefix when started with -c; with -p alone it is PREFIX/conf/, the same directory).
 */
function resolveIncludes(trees: ReadonlyArray<{ section: Section; tree: Statement[] }>, out: NginxConfig): void {
  const byFile = new Map<string, Statement[]>();
  for (const t of trees) if (t.section.file && !byFile.has(t.section.file)) byFile.set(t.section.file, t.tree);
  const first = trees[0]!;
  const confDir = first.section.file ? first.section.file.slice(0, first.section.file.lastIndexOf('/') + 1) : '';
  const add = (tree: readonly Statement[], file: string, parent: number, depth: number): void => {
    for (const st of tree) {
      if (out.directives.length >= MAX_ITEMS) {
        out.truncated = true;
        return;
      }
      if (st.name === 'include' && !st.children && st.args.length === 1) {
        const pattern = st.args[0]!.startsWith('/') ? st.args[0]! : confDir + st.args[0]!;
        const files = matchingFiles(pattern, byFile);
        if (files.length === 0 && !/[*?[]/.test(pattern)) pushCapped(out.missing_includes, `${file}:${st.line}: include ${st.args[0]}`);
        // nginx refuses deeper nesting long before this (it reopens files for each include).
        if (depth < 16) for (const f of files) add(byFile.get(f)!, f, parent, depth + 1);
        continue;
      }
      out.directives.push({ name: st.name, args: st.args, file, line: st.line, parent, block: !!st.children });
      if (st.children) add(st.children, file, out.directives.length - 1, depth);
    }
  };
  add(first.tree, first.section.file, -1, 0);
}

/** The dumped files a glob pattern names, sorted as glob(3) returns them (`*`, `?`, `[…]`). */
function matchingFiles(pattern: string, files: ReadonlyMap<string, unknown>): string[] {
  if (!/[*?[]/.test(pattern)) return files.has(pattern) ? [pattern] : [];
  let re: RegExp;
  try {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\[!/g, '[^')}$`);
  } catch {
    return []; // an unbalanced `[`: glob matches it literally, which no dumped name is likely to need
  }
  return [...files.keys()].filter((f) => re.test(f)).sort();
}

/** A line of nginx's own (`nginx: …`, an error-log line), not of a file. */
function isMessage(line: string): boolean {
  return line.startsWith('nginx: ') || LOG_LINE.test(line);
}

function isHeader(line: string): boolean {
  return line.startsWith(HEADER) && line.endsWith(':');
}

// C0 (tab too), DEL, C1, bidi controls, line/paragraph separators: in no path nginx was given
// by an administrator, and what a spoofed header needs (a newline, a terminal escape).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/**
 * The headers whose path can be trusted (issue 12 finding 10: apply edits that path as root).
 * `nginx -T` writes each file once (ngx_conf_add_dump looks the name up first) as `# configuration
 * file PATH:`, its text, and an empty line; PATH is the full name, written as it is. So a file
 * name with a newline can forge a header for another path. Not trusted:
 * - a path with a control character, or not absolute (nginx prints full names);
 * - a path that appears twice: one of them is forged;
 * - a header that does not follow an empty line (or nginx's messages, or nothing): each file's
 *   text ends with one, so the line before it is part of a name broken by its own newline, and
 *   so may be the header before it (whose name that newline may have been in).
 * A name whose newline is followed by an empty line and a whole forged header looks exactly like
 * two files: no parser can tell, which is why apply must check the file itself.
 */
function trustedHeaders(lines: readonly string[]): Set<number> {
  const count = new Map<string, number>();
  const broken = new Set<number>();
  let last = -1;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (!isHeader(line)) continue;
    const path = line.slice(HEADER.length, -1);
    count.set(path, (count.get(path) ?? 0) + 1);
    if (CONTROL.test(path) || !path.startsWith('/')) broken.add(n);
    const before = n > 0 ? lines[n - 1]! : '';
    if (before !== '' && !isMessage(before)) {
      broken.add(n);
      // The newline may be in the previous header's name: `…/x.conf:⏎# configuration file /etc/y:`.
      if (last >= 0) broken.add(last);
    }
    last = n;
  }
  const out = new Set<number>();
  for (let n = 0; n < lines.length; n++) {
    if (isHeader(lines[n]!) && !broken.has(n) && count.get(lines[n]!.slice(HEADER.length, -1)) === 1) out.add(n);
  }
  return out;
}

function pushCapped(list: string[], s: string): void {
  if (list.length < MAX_ITEMS) list.push(s);
}

// Deeper nesting is flattened: real configs nest a handful of levels, and a recursive walk
// over `{{{{…` from a hostile host must not overflow the stack.
const MAX_DEPTH = 64;

function parseStatements(lines: readonly string[], first: number): Statement[] {
  const root: Statement[] = [];
  const stack: Statement[][] = [root];
  let overflow = 0;
  let words: string[] = [];
  let wordsLine = 0;
  let count = 0;
  const finish = (children: Statement[] | undefined): Statement | undefined => {
    const [name, ...args] = words;
    words = [];
    if (name === undefined || count >= 4 * MAX_ITEMS) return undefined;
    count++;
    const st: Statement = { name, args, line: wordsLine, children };
    stack[stack.length - 1]!.push(st);
    return st;
  };
  const addWord = (w: string, line: number): void => {
    if (words.length === 0) wordsLine = line;
    if (words.length < 64) words.push(w);
  };

  let quote = '';
  let buf = '';
  let bufLine = 0;
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k]!;
    const lineNo = first + k;
    let i = 0;
    if (quote) buf += '\n';
    while (i < l.length) {
      const c = l[i]!;
      if (quote) {
        if (c === '\\' && i + 1 < l.length) {
          const d = l[i + 1]!;
          // ngx_conf_read_token unescapes \" \' \\ \t \r \n; other escapes stay as written.
          buf += d === 't' ? '\t' : d === 'r' ? '\r' : d === 'n' ? '\n' : d === '"' || d === "'" || d === '\\' ? d : c + d;
          i += 2;
          continue;
        }
        if (c === quote) {
          quote = '';
          addWord(buf, bufLine);
          buf = '';
          i++;
        } else {
          // Copy the run up to the next quote or backslash in one slice, not char by char.
          const start = i;
          while (i < l.length && l[i] !== quote && l[i] !== '\\') i++;
          buf += l.slice(start, i);
        }
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        i++;
      } else if (c === '#') {
        break;
      } else if (c === '"' || c === "'") {
        quote = c;
        buf = '';
        bufLine = lineNo;
        i++;
      } else if (c === ';') {
        finish(undefined);
        i++;
      } else if (c === '{') {
        if (stack.length < MAX_DEPTH) {
          const st = finish([]);
          stack.push(st?.children ?? []);
        } else {
          finish(undefined);
          overflow++;
        }
        i++;
      } else if (c === '}') {
        finish(undefined);
        if (overflow > 0) overflow--;
        else if (stack.length > 1) stack.pop();
        i++;
      } else {
        const start = i;
        while (i < l.length) {
          const d = l[i]!;
          if (d === ' ' || d === '\t' || d === '\r' || d === ';' || d === '}') break;
          if (d === '{' && l[i - 1] !== '$') break;
          i++;
        }
        addWord(l.slice(start, i), lineNo);
      }
    }
  }
  return root;
}

/** The `root` and `access_log` set directly in any `http` block: included files inherit them. */
function collectHttpLevel(tree: readonly Statement[], file: string, into: Inherited): void {
  for (const st of tree) {
    if (st.name !== 'http' || !st.children) continue;
    applyDirectives(st.children, file, into);
  }
}

function applyDirectives(children: readonly Statement[], file: string, into: Inherited): void {
  for (const d of children) {
    if (d.children) continue;
    if (d.name === 'root' && d.args[0] !== undefined) {
      into.root = d.args[0];
      into.rootFile = file;
      into.rootLine = d.line;
    } else if (d.name === 'access_log' && d.args[0] !== undefined) {
      into.accessLog = d.args[0];
    }
  }
}

function walk(tree: readonly Statement[], section: Section, inherited: Inherited, inUpstream: boolean, out: NginxConfig): void {
  for (const st of tree) {
    if (!st.children) continue;
    if (st.name === 'server' && !inUpstream) {
      addServer(st, section, inherited, out);
      continue;
    }
    let next = inherited;
    if (st.name === 'http') {
      next = { ...inherited };
      applyDirectives(st.children, section.file, next);
    }
    walk(st.children, section, next, inUpstream || st.name === 'upstream', out);
  }
}

function addServer(st: Statement, section: Section, inherited: Inherited, out: NginxConfig): void {
  if (out.servers.length >= MAX_ITEMS) {
    out.truncated = true;
    return;
  }
  const own: Inherited = { ...inherited };
  applyDirectives(st.children ?? [], section.file, own);
  const server: NginxServer = {
    file: section.file,
    line: st.line,
    text: rawLine(section, st.line),
    listens: [],
    server_names: [],
    root: own.root,
    root_file: own.rootFile,
    root_line: own.rootLine,
    locations: [],
    access_log: own.accessLog,
  };
  for (const d of st.children ?? []) {
    if (d.name === 'listen' && !d.children) {
      const l = parseListen(d, section);
      if (l && out.listens.length < MAX_ITEMS) {
        server.listens.push(l);
        out.listens.push(l);
      }
    } else if (d.name === 'server_name' && !d.children) {
      for (const a of d.args) if (server.server_names.length < MAX_ITEMS) server.server_names.push(a);
    }
  }
  collectLocations(st.children ?? [], section, server.locations);
  out.servers.push(server);
}

function collectLocations(children: readonly Statement[], section: Section, into: NginxLocation[]): void {
  for (const d of children) {
    if (!d.children) continue;
    if (d.name === 'location' && into.length < MAX_ITEMS) {
      const modifier = d.args.length > 1 && ['=', '~', '~*', '^~'].includes(d.args[0]!) ? d.args[0]! : '';
      const own = (name: string): string => d.children!.find((c) => c.name === name && !c.children)?.args[0] ?? '';
      into.push({
        path: (modifier ? d.args[1] : d.args[0]) ?? '',
        modifier,
        root: own('root'),
        alias: own('alias'),
        file: section.file,
        line: d.line,
        text: rawLine(section, d.line),
      });
    }
    // Locations nest (and `if` blocks hold none, but looking costs nothing).
    collectLocations(d.children, section, into);
  }
}

function parseListen(d: Statement, section: Section): NginxListen | undefined {
  const spec = d.args[0];
  if (spec === undefined || spec.startsWith('unix:')) return undefined;
  let addr: string;
  let port: number;
  if (isDigits(spec)) {
    addr = '*';
    port = toInt(spec);
  } else if (spec.startsWith('[')) {
    const close = spec.indexOf(']');
    addr = close >= 0 ? spec.slice(0, close + 1) : spec;
    const rest = close >= 0 ? spec.slice(close + 1) : '';
    port = rest.startsWith(':') ? toInt(rest.slice(1)) : 80;
  } else if (spec.includes(':')) {
    const hp = splitHostPort(spec);
    addr = hp.addr;
    port = toInt(hp.port);
  } else {
    addr = spec;
    port = 80;
  }
  const flags = d.args.slice(1);
  return {
    addr,
    port,
    default_server: flags.includes('default_server') || flags.includes('default'),
    ssl: flags.includes('ssl'),
    file: section.file,
    line: d.line,
    text: rawLine(section, d.line),
  };
}

function rawLine(section: Section, line: number): string {
  return section.lines[line - section.first] ?? '';
}
