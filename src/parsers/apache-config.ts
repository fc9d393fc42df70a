/**
 * Apache httpd's configuration as read-only commands print it. Apache has no `nginx -T`: what it
 * read is told by two outputs, which this parser takes apart and `mergeApacheConfigs` puts
 * together (each is one command of a flow, see APACHE_COMMANDS):
 *
 * 1. `apache2ctl -t -D DUMP_VHOSTS -D DUMP_RUN_CFG -D DUMP_MODULES -D DUMP_INCLUDES` (`httpd …` on
 *    RHEL): one run prints the files read in order, each with the line of its parent's `Include`
 *    (`  (*) /etc/apache2/apache2.conf`, `    (146) /etc/apache2/mods-enabled/alias.load`; two
 *    more spaces per level), the vhost map of `-S` (address:port → vhosts with file:line), the run
 *    configuration (ServerRoot, Main DocumentRoot, PidFile, Define, User, Group), the loaded
 *    modules of `-M`, and `Syntax OK` or `AH00526: Syntax error on line N of FILE:`.
 * 2. `grep -RnH -e '' -- /etc/apache2` (`/etc/httpd`): every line of every file under the
 *    ServerRoot as `FILE:LINE:TEXT`; a file included from elsewhere is named in `unread` and can be
 *    read the same way by name.
 *
 * With both, `directives` is the configuration Apache runs: each file's lines tokenized the way
 * Apache does (server/util.c ap_getword_conf: words, `"…"`/`'…'` with `\` escaping the quote, a
 * `\` at the end of a line continues it, `#` starts a comment line), every `Include` followed by
 * the files it pulled in (DUMP_INCLUDES order), `${NAME}` replaced from `Define`, and every
 * directive marked `active` `yes`, `no` or `unknown` from `<IfModule>` (the loaded modules),
 * `<IfDefine>` (the defines), and `unknown` for `<IfVersion>`/`<IfFile>`/`<IfDirective>`/`<IfSection>`.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, splitLines, toInt, total } from './text.js';

const APACHE_DIRECTIVE = struct('ApacheDirective', {
  /** As written (`DocumentRoot`, `VirtualHost` for `<VirtualHost …>`). */
  name: 'string',
  /** Words with quotes removed and `${NAME}` replaced where the define is known. */
  args: list('string'),
  file: 'string',
  line: 'int',
  /** Index of the enclosing section in `directives`, -1 at the top. */
  parent: 'int',
  /** A section (`<Directory …>` … `</Directory>`), not a simple directive. */
  block: 'bool',
  /** `yes`, `no` (inside an `<IfModule>`/`<IfDefine>` that is false), or `unknown`. */
  active: 'string',
});
export type ApacheDirective = Infer<typeof APACHE_DIRECTIVE>;

const APACHE_LISTEN = struct('ApacheListen', {
  /** `''` for every address (`Listen 80`), else as written: `127.0.0.1`, `[::1]`. */
  addr: 'string',
  port: 'int',
  /** The protocol word (`https`), or `''`. */
  proto: 'string',
  file: 'string',
  line: 'int',
  text: 'string',
  active: 'string',
});
export type ApacheListen = Infer<typeof APACHE_LISTEN>;

/** One line of `-S`'s vhost map: the vhost that an address:port (and a name) selects. */
const APACHE_VHOST_ENTRY = struct('ApacheVhostEntry', {
  /** `*`, `127.0.0.1`, `[::1]`, `_default_`. */
  addr: 'string',
  port: 'int',
  /** Its ServerName (or the name Apache made up for it). */
  name: 'string',
  aliases: list('string'),
  file: 'string',
  line: 'int',
  /** The first vhost of a name-based address (`default server`), or the only one. */
  default: 'bool',
});
export type ApacheVhostEntry = Infer<typeof APACHE_VHOST_ENTRY>;

/** A file DUMP_INCLUDES lists: read by the `Include` at `parent`:`line` (`''`, 0: the main file). */
const APACHE_INCLUDE = struct('ApacheInclude', { file: 'string', parent: 'string', line: 'int' });
export type ApacheInclude = Infer<typeof APACHE_INCLUDE>;

/** One line of a configuration file as `grep -RnH` printed it. */
const APACHE_SOURCE = struct('ApacheSource', { file: 'string', line: 'int', text: 'string' });
export type ApacheSource = Infer<typeof APACHE_SOURCE>;

const APACHE_CONFIG = struct('ApacheConfig', {
  /**
   * The configuration was read without error: `Syntax OK`, or the dumps (which end the run
   * before that line) printed and no `Syntax error` line. The command's exit status says the same.
   */
  ok: 'bool',
  /** The test's error lines (`AH00526: Syntax error on line 16 of FILE:` and the message after). */
  errors: list('string'),
  /** Where the syntax error is, when the test names it. */
  error_file: 'string',
  error_line: 'int',
  server_root: 'string',
  document_root: 'string',
  error_log: 'string',
  pid_file: 'string',
  user: 'string',
  group: 'string',
  /** `NAME` or `NAME=VALUE`; the `DUMP_*` defines of the command itself left out. */
  defines: list('string'),
  defines_known: 'bool',
  /** `rewrite_module`, … as `-M` printed them. */
  modules: list('string'),
  modules_known: 'bool',
  vhost_map: list(APACHE_VHOST_ENTRY),
  /** The files Apache read, in order (DUMP_INCLUDES), each with the Include that read it. */
  includes: list(APACHE_INCLUDE),
  sources: list(APACHE_SOURCE),
  directives: list(APACHE_DIRECTIVE),
  listens: list(APACHE_LISTEN),
  /** Included files no line was seen of (outside the folder read, or empty). */
  unread: list('string'),
  truncated: 'bool',
});
export type ApacheConfig = Infer<typeof APACHE_CONFIG>;

/**
 * The read-only commands whose outputs feed this parser, in order, for the Debian layout and the
 * RHEL one (each passes flow/read-only.ts; the first runs code as root, so it has no templated
 * word). A file `unread` names is read with `grep -nH -e '' -- FILE`.
 */
export const APACHE_COMMANDS = {
  debian: [
    ['apache2ctl', '-t', '-D', 'DUMP_VHOSTS', '-D', 'DUMP_RUN_CFG', '-D', 'DUMP_MODULES', '-D', 'DUMP_INCLUDES'],
    ['grep', '-RnH', '-e', '', '--', '/etc/apache2'],
  ],
  rhel: [
    ['httpd', '-t', '-D', 'DUMP_VHOSTS', '-D', 'DUMP_RUN_CFG', '-D', 'DUMP_MODULES', '-D', 'DUMP_INCLUDES'],
    ['grep', '-RnH', '-e', '', '--', '/etc/httpd'],
  ],
} as const;

export const apacheConfigParser = parser({
  name: 'apache-config',
  description: 'Apache httpd: vhost map, run config, modules and included files of `apache2ctl -t -D DUMP_VHOSTS -D DUMP_RUN_CFG -D DUMP_MODULES -D DUMP_INCLUDES`; config lines of `grep -RnH -e "" -- DIR` (merge both with apache_merge).',
  type: APACHE_CONFIG,
  parse: (text) => total(text, emptyApacheConfig, parseApacheConfig),
});

export function emptyApacheConfig(): ApacheConfig {
  return {
    ok: false,
    errors: [],
    error_file: '',
    error_line: 0,
    server_root: '',
    document_root: '',
    error_log: '',
    pid_file: '',
    user: '',
    group: '',
    defines: [],
    defines_known: false,
    modules: [],
    modules_known: false,
    vhost_map: [],
    includes: [],
    sources: [],
    directives: [],
    listens: [],
    unread: [],
    truncated: false,
  };
}

/**
 * Several outputs (the dump, the grep of the ServerRoot, a grep of an unread file) as one
 * configuration: the facts of each, then the directives built again from all of them.
 */
export function mergeApacheConfigs(parts: readonly ApacheConfig[]): ApacheConfig {
  const out = emptyApacheConfig();
  const seen = new Set<string>();
  for (const p of parts) {
    out.ok ||= p.ok;
    out.errors.push(...p.errors);
    for (const k of ['error_file', 'server_root', 'document_root', 'error_log', 'pid_file', 'user', 'group'] as const) out[k] ||= p[k];
    out.error_line ||= p.error_line;
    if (p.defines_known) {
      out.defines_known = true;
      out.defines.push(...p.defines);
    }
    if (p.modules_known) {
      out.modules_known = true;
      out.modules.push(...p.modules);
    }
    // Copies: build() marks each address's first vhost, and the parts are the caller's (frozen CEL values).
    out.vhost_map.push(...p.vhost_map.map((v) => ({ ...v })));
    if (out.includes.length === 0) out.includes.push(...p.includes);
    for (const s of p.sources) {
      const key = `${s.file}\n${s.line}`;
      if (seen.has(key) || out.sources.length >= MAX_ITEMS) continue;
      seen.add(key);
      out.sources.push(s);
    }
    out.truncated ||= p.truncated;
  }
  build(out);
  return out;
}

// ---------------------------------------------------------------------------------------------

// `AH00526: Syntax error on line 16 of /etc/apache2/sites-enabled/x.conf:`
const SYNTAX_ERROR = /^AH\d+: Syntax error on line (\d+) of (\/.*):$/;
// `/etc/apache2/apache2.conf:146:IncludeOptional mods-enabled/*.load`
const GREP_LINE = /^(\/[^:\n]*):(\d+):/;
const INCLUDE_ENTRY = /^( *)\((\*|\d+)\) (\/.*)$/;

function parseApacheConfig(text: string): ApacheConfig {
  const out = emptyApacheConfig();
  const lines = splitLines(text);
  let mode: '' | 'includes' | 'vhosts' | 'modules' = '';
  const includeDepth: number[] = [];
  const includeParent: string[] = [];
  let vhostAddr = '';
  let lastVhost: ApacheVhostEntry | undefined;
  let afterError = false;
  for (const line of lines) {
    if (out.sources.length >= MAX_ITEMS) {
      out.truncated = true;
      break;
    }
    const g = GREP_LINE.exec(line);
    if (g) {
      out.sources.push({ file: g[1]!, line: toInt(g[2]), text: line.slice(g[0].length) });
      continue;
    }
    if (line === 'Included configuration files:') {
      mode = 'includes';
      continue;
    }
    if (line === 'VirtualHost configuration:') {
      mode = 'vhosts';
      continue;
    }
    if (line === 'Loaded Modules:') {
      mode = 'modules';
      out.modules_known = true;
      continue;
    }
    if (line === 'Syntax OK') {
      out.ok = true;
      continue;
    }
    const se = SYNTAX_ERROR.exec(line);
    if (se) {
      out.error_line = toInt(se[1]);
      out.error_file = se[2]!;
      out.errors.push(line);
      afterError = true;
      continue;
    }
    if (afterError && line !== '' && !line.startsWith(' ')) {
      out.errors.push(line);
      afterError = false;
      continue;
    }
    if (runConfig(out, line)) {
      mode = '';
      continue;
    }
    if (mode === 'includes') {
      const m = INCLUDE_ENTRY.exec(line);
      if (m && out.includes.length < MAX_ITEMS) {
        const depth = m[1]!.length;
        while (includeDepth.length > 0 && includeDepth[includeDepth.length - 1]! >= depth) includeDepth.pop();
        const parentFile = includeDepth.length > 0 ? includeParent[includeDepth.length - 1]! : '';
        includeDepth.push(depth);
        includeParent[includeDepth.length - 1] = m[3]!;
        out.includes.push({ file: m[3]!, parent: parentFile, line: m[2] === '*' ? 0 : toInt(m[2]) });
        continue;
      }
    }
    if (mode === 'modules') {
      const m = /^ (\w+) \((?:static|shared)\)$/.exec(line);
      if (m) {
        out.modules.push(m[1]!);
        continue;
      }
    }
    if (mode === 'vhosts') {
      const v = vhostLine(line, vhostAddr);
      if (v.kind === 'addr') {
        vhostAddr = v.addr;
        if (v.entry) out.vhost_map.push((lastVhost = v.entry));
        continue;
      }
      if (v.kind === 'entry') {
        out.vhost_map.push((lastVhost = v.entry));
        continue;
      }
      if (v.kind === 'alias' && lastVhost) {
        lastVhost.aliases.push(v.name);
        continue;
      }
    }
    if (/^AH\d+: .*(?:error|Error|failed|Invalid|Cannot|not)/.test(line) && !line.startsWith('AH00558')) out.errors.push(line);
    // The binary's own words before any configuration is read: `apache2: Could not open configuration file …`.
    else if (/^(?:apache2|httpd): Could not open /.test(line)) out.errors.push(line);
  }
  if (!out.error_file && (out.server_root !== '' || out.includes.length > 0)) out.ok = true;
  build(out);
  return out;
}

/** `ServerRoot: "/etc/apache2"` and its siblings; true when the line was one. */
function runConfig(out: ApacheConfig, line: string): boolean {
  const q = /^(ServerRoot|Main DocumentRoot|Main ErrorLog|PidFile): "(.*)"$/.exec(line);
  if (q) {
    const v = q[2]!;
    if (q[1] === 'ServerRoot') out.server_root = v;
    else if (q[1] === 'Main DocumentRoot') out.document_root = v;
    else if (q[1] === 'Main ErrorLog') out.error_log = v;
    else out.pid_file = v;
    return true;
  }
  const d = /^Define: (.+)$/.exec(line);
  if (d) {
    out.defines_known = true;
    if (!/^DUMP_[A-Z_]+$/.test(d[1]!)) out.defines.push(d[1]!);
    return true;
  }
  const u = /^(User|Group): name="([^"]*)"/.exec(line);
  if (u) {
    if (u[1] === 'User') out.user = u[2]!;
    else out.group = u[2]!;
    return true;
  }
  return line.startsWith('Mutex ') && line.includes(':');
}

type VhostLine = { kind: 'addr'; addr: string; entry: ApacheVhostEntry | undefined } | { kind: 'entry'; entry: ApacheVhostEntry } | { kind: 'alias'; name: string } | { kind: '' };

function vhostLine(line: string, addr: string): VhostLine {
  // `*:80                   is a NameVirtualHost` / `127.0.0.1:8080         www.x (/f.conf:1)`
  const a = /^(\S+):(\d+|\*) +(.*)$/.exec(line);
  if (a && !line.startsWith(' ')) {
    const rest = a[3]!;
    const at = `${a[1]}:${a[2]}`;
    if (rest === 'is a NameVirtualHost') return { kind: 'addr', addr: at, entry: undefined };
    const e = nameAt(rest);
    return { kind: 'addr', addr: at, entry: e ? entryOf(at, e, true) : undefined };
  }
  const p = /^ +port (\d+|\*) namevhost (.*)$/.exec(line);
  if (p && addr) {
    const e = nameAt(p[2]!);
    if (e) return { kind: 'entry', entry: { ...entryOf(addr, e, false) } };
  }
  // `         default server www.x (/f:1)` repeats the first namevhost: not an entry of its own.
  if (/^ +default server /.test(line)) return { kind: '' };
  const al = /^ +(?:wild )?alias (\S+)$/.exec(line);
  if (al) return { kind: 'alias', name: al[1]! };
  return { kind: '' };
}

function nameAt(s: string): { name: string; file: string; line: number } | undefined {
  const m = /^(\S+) \((\/.*):(\d+)\)$/.exec(s);
  return m ? { name: m[1]!, file: m[2]!, line: toInt(m[3]) } : undefined;
}

function entryOf(addrPort: string, e: { name: string; file: string; line: number }, only: boolean): ApacheVhostEntry {
  const i = addrPort.lastIndexOf(':');
  return { addr: addrPort.slice(0, i), port: toInt(addrPort.slice(i + 1)), name: e.name, aliases: [], file: e.file, line: e.line, default: only };
}

// ---------------------------------------------------------------------------------------------
// Directives from the sources

interface Frame {
  index: number;
  name: string;
  active: string;
}

function build(out: ApacheConfig): void {
  // The first namevhost of each address is its default (the `default server` line says the same).
  const firstOf = new Set<string>();
  for (const v of out.vhost_map) {
    const k = `${v.addr}:${v.port}`;
    if (!firstOf.has(k)) {
      firstOf.add(k);
      v.default = true;
    }
  }
  const byFile = new Map<string, ApacheSource[]>();
  for (const s of out.sources) {
    const l = byFile.get(s.file) ?? [];
    l.push(s);
    byFile.set(s.file, l);
  }
  for (const l of byFile.values()) l.sort((a, b) => a.line - b.line);
  // Which files each file's Include lines pulled in, by the parent's line.
  const children = new Map<string, Map<number, string[]>>();
  for (const t of out.includes) {
    if (!t.parent) continue;
    const m = children.get(t.parent) ?? new Map<number, string[]>();
    m.set(t.line, [...(m.get(t.line) ?? []), t.file]);
    children.set(t.parent, m);
  }
  out.unread = out.includes.map((i) => i.file).filter((f) => !byFile.has(f));
  const st: BuildState = { out, defines: new Map(), loaded: new Set(), stack: [], visiting: new Set() };
  for (const d of out.defines) {
    const i = d.indexOf('=');
    st.defines.set(i < 0 ? d : d.slice(0, i), i < 0 ? '' : d.slice(i + 1));
  }
  const roots = out.includes.length > 0 ? [out.includes[0]!.file] : [...byFile.keys()];
  for (const f of roots) emitFile(st, f, byFile, children);
  out.directives = st.out.directives;
  out.listens = out.directives
    .filter((d) => d.name.toLowerCase() === 'listen' && d.args.length > 0 && d.active !== 'no')
    .map((d) => ({ ...listenAddr(d.args[0]!), proto: d.args[1] ?? '', file: d.file, line: d.line, text: `Listen ${d.args.join(' ')}`, active: d.active }));
}

interface BuildState {
  out: ApacheConfig;
  defines: Map<string, string>;
  loaded: Set<string>;
  stack: Frame[];
  visiting: Set<string>;
}

function emitFile(st: BuildState, file: string, byFile: Map<string, ApacheSource[]>, children: Map<string, Map<number, string[]>>): void {
  if (st.visiting.has(file)) return;
  st.visiting.add(file);
  const src = byFile.get(file) ?? [];
  const kids = children.get(file);
  let cont = '';
  let contLine = 0;
  for (const s of src) {
    if (st.out.directives.length >= MAX_ITEMS) {
      st.out.truncated = true;
      break;
    }
    let text = s.text;
    if (cont) text = `${cont} ${text.trimStart()}`;
    const startLine = cont ? contLine : s.line;
    if (text.endsWith('\\')) {
      cont = text.slice(0, -1);
      contLine = startLine;
      continue;
    }
    cont = '';
    statement(st, text, file, startLine);
    for (const f of kids?.get(s.line) ?? []) emitFile(st, f, byFile, children);
  }
  st.visiting.delete(file);
}

function statement(st: BuildState, raw: string, file: string, line: number): void {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return;
  const top = st.stack[st.stack.length - 1];
  const outer = top?.active ?? 'yes';
  const parent = top?.index ?? -1;
  if (text.startsWith('</')) {
    const name = text.slice(2).replace(/>\s*$/, '').trim().toLowerCase();
    // Close the innermost section of that name (a stray close is ignored, as a broken file is not ours to fix).
    for (let i = st.stack.length - 1; i >= 0; i--) {
      if (st.stack[i]!.name === name) {
        st.stack.length = i;
        break;
      }
    }
    return;
  }
  const section = text.startsWith('<');
  const body = section ? text.slice(1).replace(/>\s*$/, '') : text;
  const w = confWords(body).map((x) => substitute(x, st.defines));
  const name = w[0] ?? '';
  if (!name) return;
  const args = w.slice(1);
  const lower = name.toLowerCase();
  const own = section ? conditional(st, lower, args) : 'yes';
  const active = outer === 'no' || own === 'no' ? 'no' : outer === 'unknown' || own === 'unknown' ? 'unknown' : 'yes';
  const d: ApacheDirective = { name, args, file, line, parent, block: section, active: section ? outer : active };
  st.out.directives.push(d);
  if (section) st.stack.push({ index: st.out.directives.length - 1, name: lower, active });
  if (active === 'no') return;
  if (lower === 'define' && args[0] && active === 'yes') st.defines.set(args[0], args[1] ?? '');
  if (lower === 'undefine' && args[0] && active === 'yes') st.defines.delete(args[0]);
  if (lower === 'loadmodule' && args[0] && active === 'yes') st.loaded.add(args[0]);
}

/** Whether a conditional section's body is read: `yes`, `no`, `unknown`; `yes` for other sections. */
function conditional(st: BuildState, lower: string, args: string[]): string {
  const a = args[0] ?? '';
  const neg = a.startsWith('!');
  const arg = neg ? a.slice(1) : a;
  const flip = (v: string) => (v === 'unknown' ? v : (v === 'yes') !== neg ? 'yes' : 'no');
  if (lower === 'ifmodule') {
    const id = moduleId(arg);
    if (st.loaded.has(id) || st.out.modules.includes(id)) return flip('yes');
    return flip(st.out.modules_known ? 'no' : 'unknown');
  }
  if (lower === 'ifdefine') {
    if (st.defines.has(arg)) return flip('yes');
    return flip(st.out.defines_known ? 'no' : 'unknown');
  }
  if (lower === 'ifversion' || lower === 'iffile' || lower === 'ifdirective' || lower === 'ifsection') return 'unknown';
  return 'yes';
}

/** `mod_rewrite.c` → `rewrite_module` (the two names `<IfModule>` accepts). */
export function moduleId(name: string): string {
  if (name.endsWith('_module')) return name;
  const special: Record<string, string> = { 'core.c': 'core_module', 'http_core.c': 'http_module', 'prefork.c': 'mpm_prefork_module', 'worker.c': 'mpm_worker_module', 'event.c': 'mpm_event_module' };
  if (special[name]) return special[name];
  const m = /^mod_(\w+)\.c$/.exec(name);
  return m ? `${m[1]}_module` : name;
}

function substitute(word: string, defines: Map<string, string>): string {
  if (!word.includes('${')) return word;
  return word.replace(/\$\{([A-Za-z0-9_.:-]+)\}/g, (m, n: string) => (defines.has(n) && defines.get(n) !== '' ? defines.get(n)! : m));
}

/** Apache's word splitting (ap_getword_conf): quotes group a word; `\` escapes the quote inside. */
export function confWords(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length && out.length < 256) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    const q = s[i];
    if (q === '"' || q === "'") {
      let w = '';
      i++;
      while (i < s.length && s[i] !== q) {
        if (s[i] === '\\' && (s[i + 1] === q || s[i + 1] === '\\') && i + 1 < s.length) i++;
        w += s[i];
        i++;
      }
      i++;
      out.push(w);
    } else {
      let j = i;
      while (j < s.length && s[j] !== ' ' && s[j] !== '\t') j++;
      out.push(s.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** `Listen` operands: `80`, `1.2.3.4:80`, `[::1]:80`, `[::]:80`. */
export function listenAddr(a: string): { addr: string; port: number } {
  const i = a.lastIndexOf(':');
  if (i < 0 || (a.startsWith('[') && !a.includes(']:'))) return { addr: '', port: toInt(a) };
  return { addr: a.slice(0, i), port: toInt(a.slice(i + 1)) };
}
