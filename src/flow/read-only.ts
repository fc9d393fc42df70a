/**
 * Is this argv known to only read? tshoot is read-only unless the user approves a fix: outside
 * a fix's `apply`, a run node may only run a program listed here, with options listed for it
 * (issue 12, finding 3: the denylist this replaces let 201 of 223 host-changing argvs through).
 *
 * What is checked, per program: its options, parsed the way getopt_long parses them (combined
 * short flags `-ltnp`, attached values `-c/etc/x` and `--opt=value`, long options abbreviated to
 * a unique prefix, options after operands as glibc permutes them, `--` ending options), its
 * subcommand or verb (with iproute2's first-prefix-wins abbreviations: `ip route d` is delete),
 * and what its operands may say (sed scripts, find expressions, nft commands…). Anything not
 * listed is refused, with what was not known.
 *
 * Templated words (`{{ … }}`, filled from answers or host output) may only be data: an operand
 * after `--`, an operand whose literal text before the first `{{` is not empty and does not
 * start with `-` (it can never read as an option), or the value of an option marked as taking
 * data. Never the program, never an option. The engine refuses at run time a templated word
 * whose value starts with `-` (engine.ts, renderArgv), which covers programs with no `--`.
 *
 * Programs that run code while reading their configuration (`nginx -t/-T` loads modules,
 * `apachectl -t`, `sshd -T`, `service NAME status` runs an init script) are allowed but
 * marked `runsCode`: as root, such a command must not be built from data another user
 * controls, so a templated word there must be exactly `{{ trusted_NAME }}`, a flow `let` whose
 * name starts with `trusted_` — the one reviewed place where the flow vets the value.
 */

/** What the flow offers: its `let` names starting with `trusted_`. */
export interface ReadOnlyContext {
  readonly trusted?: ReadonlySet<string>;
  /**
   * Programs the person running tshoot declares read-only (`TSHOOT_READ_ONLY_PROGRAMS`, absolute
   * paths): their own health checks. Never the flow's say: a flow file cannot add to it.
   */
  readonly programs?: ReadonlySet<string>;
}

export interface ReadOnlyVerdict {
  /** Why the argv is refused, or null when it is known to only read. */
  readonly refused: string | null;
  /** The program runs code while reading (nginx -T, apachectl -t, sshd -T, service … status). */
  readonly runsCode: boolean;
  /** The program sends traffic to other hosts (curl, nc, ping, traceroute): another host's logs and sockets see it. */
  readonly sends: boolean;
}

/** Why `argv` is not known to only read, or null when it is. */
export function changesHost(argv: readonly string[], ctx: ReadOnlyContext = {}): string | null {
  return readOnly(argv, ctx).refused;
}

export function readOnly(argv: readonly string[], ctx: ReadOnlyContext = {}): ReadOnlyVerdict {
  const st: State = { ctx, runsCode: false, sends: false };
  const refused = command(argv.map(toWord), st);
  return { refused, runsCode: st.runsCode, sends: st.sends };
}

/** The prefix a `let` needs for its value to be used in a command that runs code. */
export const TRUSTED_PREFIX = 'trusted_';

// ---------------------------------------------------------------------------------------------

/** Each `{{ … }}` of a word stands as this character in `text`. */
const HOLE = '\u0000';

interface Word {
  readonly raw: string;
  readonly text: string;
  readonly tpl: boolean;
  readonly exprs: readonly string[];
}

interface State {
  readonly ctx: ReadOnlyContext;
  runsCode: boolean;
  sends: boolean;
}

function toWord(raw: string): Word {
  if (!raw.includes('{{')) return { raw, text: raw, tpl: false, exprs: [] };
  let text = '';
  const exprs: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('{{', i);
    if (open < 0) {
      text += raw.slice(i);
      break;
    }
    const close = raw.indexOf('}}', open + 2);
    text += raw.slice(i, open) + HOLE;
    exprs.push(close < 0 ? '' : raw.slice(open + 2, close).trim());
    i = close < 0 ? raw.length : close + 2;
  }
  return { raw, text, tpl: true, exprs };
}

/** A templated word that can never read as an option: literal text first, not starting with `-`. */
const safePrefix = (w: Word) => w.tpl && w.text[0] !== HOLE && w.text[0] !== '-';
const show = (w: Word) => w.raw;

const SYSTEM_DIRS = ['/bin/', '/sbin/', '/usr/bin/', '/usr/sbin/', '/usr/local/bin/', '/usr/local/sbin/'];

function command(words: readonly Word[], st: State): string | null {
  const first = words[0];
  if (!first) return 'the command is empty';
  if (first.tpl) return `the program (${show(first)}) is chosen by a template, so tshoot cannot tell what it runs`;
  let name = first.text;
  if (st.ctx.programs?.has(name)) {
    const dash = words.find((w) => w.tpl && w.text.startsWith('-'));
    return dash ? `${show(dash)} starts with "-": a templated word is never an option` : null;
  }
  if (name.includes('/')) {
    const dir = SYSTEM_DIRS.find((d) => name.startsWith(d) && !name.slice(d.length).includes('/'));
    if (!dir || name.includes('/../') || name.includes('/./')) return `${name}: a program given by path must be in ${SYSTEM_DIRS.join(', ')}`;
    name = name.slice(dir.length);
  }
  // The engine refuses these at run time whatever the position (engine.ts renderArgv).
  const dash = words.find((w) => w.tpl && w.text.startsWith('-'));
  if (dash) return `${show(dash)} starts with "-": a templated word is never an option, and an option's templated value is its own word (\`--lines\`, \`{{ n }}\`)`;
  const spec = specs().get(name);
  if (!spec) return `${name} is not a program tshoot knows to be read-only`;
  if (spec.refuse) return `${name} ${spec.refuse}`;
  if (spec.runsCode) st.runsCode = true;
  if (spec.sends) st.sends = true;
  const rest = words.slice(1);
  const why = spec.custom ? spec.custom(rest, st, name) : generic(name, spec, rest, st);
  if (why) return why;
  if (spec.runsCode) {
    const bad = rest.find((w) => w.tpl && !trusted(w, st));
    if (bad) {
      return `${name} runs code while reading its configuration (as root, often): ${show(bad)} would build it from data; use a \`let\` named ${TRUSTED_PREFIX}… that vets the value (the whole word \`{{ ${TRUSTED_PREFIX}name }}\`)`;
    }
  }
  return null;
}

function trusted(w: Word, st: State): boolean {
  const e = w.exprs[0];
  return w.text === HOLE && e !== undefined && e.startsWith(TRUSTED_PREFIX) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(e) && st.ctx.trusted?.has(e) === true;
}

// ---------------------------------------------------------------------------------------------
// Options, parsed as getopt_long parses them.

interface OptDef {
  /** The first spelling: `-n` or `--numeric`. */
  readonly key: string;
  /** 0: no value, 1: a value (attached or the next word), 2: optional, attached only. */
  readonly arg: 0 | 1 | 2;
  /** A templated value is data here. */
  readonly data: boolean;
  /** Refused, and why. */
  readonly deny?: string;
}

interface Spec {
  /** Allowed options: `-n|--numeric`, `:` takes a value, `::` an optional attached one, `@` the value may be templated. */
  readonly opts?: string;
  /** Options refused, with why (also known, for abbreviations and messages). */
  readonly deny?: Readonly<Record<string, string>>;
  /** Every long option of the program is known: abbreviations resolve like getopt_long's. */
  readonly complete?: boolean;
  /** Options stop at the first operand (getopt "+…", POSIXLY_CORRECT): later words are operands. */
  readonly posix?: boolean;
  /** Values checked by option key. */
  readonly values?: Readonly<Record<string, (v: string) => string | null>>;
  /** After the options: the whole command's check. */
  readonly check?: (p: Parsed, name: string) => string | null;
  /** A parser of its own (subcommands, expressions, wrappers). */
  readonly custom?: (rest: readonly Word[], st: State, name: string) => string | null;
  readonly runsCode?: boolean;
  /** Sends traffic to other hosts (`ReadOnlyVerdict.sends`). */
  readonly sends?: boolean;
  /** Refused outright, and why. */
  readonly refuse?: string;
}

interface Parsed {
  readonly opts: ReadonlyArray<{ readonly key: string; readonly value?: Word }>;
  readonly operands: ReadonlyArray<{ readonly w: Word; readonly afterDashes: boolean }>;
  has(...keys: string[]): boolean;
  value(key: string): Word | undefined;
}

interface Table {
  readonly short: Map<string, OptDef>;
  readonly long: Map<string, OptDef>;
}

const tables = new WeakMap<Spec, Table>();

function table(spec: Spec): Table {
  let t = tables.get(spec);
  if (t) return t;
  t = { short: new Map(), long: new Map() };
  const add = (token: string, deny?: string) => {
    const m = /^(.*?)(::|:)?(@)?$/.exec(token)!;
    const names = m[1]!.split('|');
    const def: OptDef = { key: names[0]!, arg: m[2] === '::' ? 2 : m[2] === ':' ? 1 : 0, data: m[3] === '@', ...(deny ? { deny } : {}) };
    for (const n of names) (n.startsWith('--') ? t!.long : t!.short).set(n.startsWith('--') ? n.slice(2) : n.slice(1), def);
  };
  for (const tok of (spec.opts ?? '').split(/\s+/)) if (tok) add(tok);
  for (const [tok, why] of Object.entries(spec.deny ?? {})) for (const one of tok.split(/\s+/)) add(one, why);
  tables.set(spec, t);
  return t;
}

/** Parses `words` against `spec`; a refusal as a string. */
function parse(name: string, spec: Spec, words: readonly Word[]): Parsed | string {
  const t = table(spec);
  const opts: Array<{ key: string; value?: Word }> = [];
  const operands: Array<{ w: Word; afterDashes: boolean }> = [];
  let dashes = false;
  let i = 0;
  const takeValue = (def: OptDef, shown: string, attached: string | undefined, w: Word): Word | string => {
    let v: Word;
    if (attached !== undefined) v = { raw: attached.split(HOLE).join('{{…}}'), text: attached, tpl: attached.includes(HOLE), exprs: w.exprs };
    else {
      const next = words[++i];
      if (!next) return `${name}: ${shown} needs a value`;
      v = next;
    }
    if (v.tpl && !def.data) return `${name}: the value of ${shown} (${w.tpl ? show(w) : show(v)}) is templated, and ${shown} does not take data`;
    const check = spec.values?.[def.key];
    if (check && !v.tpl) {
      const why = check(v.text);
      if (why) return `${name} ${shown} ${v.text}: ${why}`;
    }
    return v;
  };
  for (; i < words.length; i++) {
    const w = words[i]!;
    const s = w.text;
    if (dashes) {
      operands.push({ w, afterDashes: true });
      continue;
    }
    if (s === '--') {
      dashes = true;
      continue;
    }
    if (s.startsWith('--')) {
      const eq = s.indexOf('=');
      const given = eq < 0 ? s.slice(2) : s.slice(2, eq);
      if (given.includes(HOLE)) return `${name}: a template (${show(w)}) where an option name is`;
      const r = resolveLong(name, spec, t, given);
      if (typeof r === 'string') return r;
      const [long, def] = r;
      const shown = `--${long}`;
      if (def.deny) return `${name} ${shown === `--${given}` ? shown : `--${given} (that is ${shown})`} ${def.deny}`;
      if (def.arg === 0) {
        if (eq >= 0) return `${name}: ${shown} takes no value`;
        opts.push({ key: def.key });
        continue;
      }
      if (def.arg === 2 && eq < 0) {
        opts.push({ key: def.key });
        continue;
      }
      const v = takeValue(def, shown, eq < 0 ? undefined : s.slice(eq + 1), w);
      if (typeof v === 'string') return v;
      opts.push({ key: def.key, value: v });
      continue;
    }
    if (s.startsWith('-') && s.length > 1) {
      for (let k = 1; k < s.length; k++) {
        const c = s[k]!;
        if (c === HOLE) return `${name}: a template (${show(w)}) where an option letter is`;
        const def = t.short.get(c);
        if (!def) return `${name}: option -${c}${s.length > 2 ? ` (in ${s})` : ''} is not one tshoot knows to be read-only`;
        if (def.deny) return `${name} -${c}${s.length > 2 ? ` (in ${s})` : ''} ${def.deny}`;
        if (def.arg === 0) {
          opts.push({ key: def.key });
          continue;
        }
        const rest = s.slice(k + 1);
        if (def.arg === 2 && rest === '') {
          opts.push({ key: def.key });
          break;
        }
        const v = takeValue(def, `-${c}`, rest === '' ? undefined : rest, w);
        if (typeof v === 'string') return v;
        opts.push({ key: def.key, value: v });
        break;
      }
      continue;
    }
    if (w.tpl && !safePrefix(w)) return `${name}: ${show(w)} is templated where an option could be: put templated operands after \`--\``;
    operands.push({ w, afterDashes: false });
    if (spec.posix) dashes = true;
  }
  return {
    opts,
    operands,
    has: (...keys) => opts.some((o) => keys.includes(o.key)),
    value: (key) => opts.findLast((o) => o.key === key)?.value,
  };
}

function resolveLong(name: string, spec: Spec, t: Table, given: string): [string, OptDef] | string {
  const exact = t.long.get(given);
  if (exact) return [given, exact];
  const hits = [...t.long.entries()].filter(([n]) => given !== '' && n.startsWith(given));
  if (hits.length === 0) return `${name}: option --${given} is not one tshoot knows to be read-only`;
  if (!spec.complete) return `${name}: write --${given} in full (tshoot does not know every option of ${name}, so it cannot tell what --${given} abbreviates)`;
  const defs = new Set(hits.map(([, d]) => d));
  if (defs.size > 1) return `${name}: --${given} is ambiguous (${hits.map(([n]) => `--${n}`).join(', ')})`;
  return hits[0]!;
}

function generic(name: string, spec: Spec, rest: readonly Word[], _st: State): string | null {
  const p = parse(name, spec, rest);
  if (typeof p === 'string') return p;
  return spec.check ? spec.check(p, name) : null;
}

// ---------------------------------------------------------------------------------------------
// Checks shared by several programs.

const literalOperands = (why: string) => (p: Parsed, name: string) => {
  const t = p.operands.find((o) => o.w.tpl);
  return t ? `${name}: ${show(t.w)}: ${why}` : null;
};
const maxOperands = (n: number, why: string) => (p: Parsed, name: string) => (p.operands.length > n ? `${name} with ${p.operands.length} operands ${why}` : null);
const noOperands = maxOperands(0, 'is not a read (only its listing form is allowed)');
const both =
  (...checks: Array<(p: Parsed, name: string) => string | null>) =>
  (p: Parsed, name: string) => {
    for (const c of checks) {
      const why = c(p, name);
      if (why) return why;
    }
    return null;
  };
const isNumber = (max?: number) => (v: string) => (/^\d+(\.\d+)?$/.test(v) && (max === undefined || Number(v) <= max) ? null : `must be a number${max === undefined ? '' : ` up to ${max}`}`);
const devNull = (v: string) => (v === '/dev/null' || v === '-' ? null : 'would write a file (only /dev/null or - are allowed)');

// ---------------------------------------------------------------------------------------------
// Wrappers: their own options, then a command checked like any other.

function wrapper(opts: string, deny: Record<string, string>, operands: (ops: readonly Word[], name: string) => number | string) {
  const spec: Spec = { opts, deny, posix: true };
  return (rest: readonly Word[], st: State, name: string): string | null => {
    const p = parse(name, spec, rest);
    if (typeof p === 'string') return p;
    // parse() stops options at the first operand: what follows is the inner command.
    const firstOperand = p.operands[0];
    if (!firstOperand) return operands([], name) === 0 ? null : `${name} needs a command`;
    const at = rest.indexOf(firstOperand.w);
    const inner = rest.slice(at);
    const skip = operands(inner, name);
    if (typeof skip === 'string') return skip;
    if (skip >= inner.length) return null;
    return command(inner.slice(skip), st);
  };
}

const SAFE_ENV = /^(LC_[A-Z]+|LANG|LANGUAGE|TZ|COLUMNS|LINES|NO_COLOR|SYSTEMD_COLORS|SYSTEMD_LESS|SYSTEMD_PAGER|TERM)=[A-Za-z0-9_.:@/+-]*$/;

// ---------------------------------------------------------------------------------------------
// sed: options, then the script, checked command by command (GNU sed grammar).

function sedScript(script: string): string | null {
  let i = 0;
  const n = script.length;
  const ws = () => {
    while (i < n && /[ \t\n;]/.test(script[i]!)) i++;
  };
  const regex = (delim: string): boolean => {
    while (i < n && script[i] !== delim) {
      if (script[i] === '\\') i++;
      else if (script[i] === '\n') return false;
      i++;
    }
    if (i >= n) return false;
    i++;
    return true;
  };
  const address = (): boolean => {
    if (/\d/.test(script[i] ?? '')) {
      while (/[\d~]/.test(script[i] ?? '')) i++;
    } else if (script[i] === '$') i++;
    else if (script[i] === '/' || script[i] === '\\') {
      const delim = script[i] === '\\' ? script[++i] : '/';
      if (delim === undefined) return false;
      i++;
      if (!regex(delim)) return false;
      while (/[IM]/.test(script[i] ?? '')) i++;
    }
    return true;
  };
  const toEol = () => {
    while (i < n && script[i] !== '\n') i++;
  };
  const label = () => {
    while (i < n && script[i] !== '\n' && script[i] !== ';') i++;
  };
  for (ws(); i < n; ws()) {
    if (!address()) return 'an address is not closed';
    if (script[i] === ',') {
      i++;
      if (script[i] === '+' || script[i] === '~') i++;
      if (!address()) return 'an address is not closed';
    }
    while (script[i] === ' ' || script[i] === '!') i++;
    const c = script[i++];
    switch (c) {
      case '{':
      case '}':
      case '=':
      case 'd':
      case 'D':
      case 'g':
      case 'G':
      case 'h':
      case 'H':
      case 'n':
      case 'N':
      case 'p':
      case 'P':
      case 'x':
      case 'z':
      case 'F':
        break;
      case 'l':
      case 'q':
      case 'Q':
      case 'L':
        while (/[\d ]/.test(script[i] ?? '')) i++;
        break;
      case '#':
      case 'a':
      case 'i':
      case 'c':
      case 'r':
      case 'R':
        // text to the end of the line; r/R read a file into the output.
        toEol();
        break;
      case ':':
      case 'b':
      case 't':
      case 'T':
        label();
        break;
      case 'w':
      case 'W':
        return `sed command ${c} writes a file`;
      case 'e':
        return 'sed command e runs a shell command';
      case 'v':
        label();
        break;
      case 's': {
        const delim = script[i++];
        if (delim === undefined || delim === '\n' || delim === '\\') return 'an s command has no delimiter';
        if (!regex(delim) || !regex(delim)) return 'an s command is not closed';
        while (i < n && !/[\n;}]/.test(script[i]!)) {
          const f = script[i]!;
          if (f === 'w') return 'sed s///w writes a file';
          if (f === 'e') return 'sed s///e runs the pattern space as a shell command';
          if (!/[gpiImM0-9 ]/.test(f)) return `sed s/// flag ${f} is not known`;
          i++;
        }
        break;
      }
      case 'y': {
        const delim = script[i++];
        if (delim === undefined || !regex(delim) || !regex(delim)) return 'a y command is not closed';
        break;
      }
      default:
        return `sed command ${c === undefined ? '(missing)' : c} is not one tshoot knows to be read-only`;
    }
  }
  return null;
}

function sed(rest: readonly Word[], _st: State, name: string): string | null {
  const spec: Spec = {
    opts: '-n|--quiet|--silent -e|--expression: -E|-r|--regexp-extended -s|--separate -z|--null-data -u|--unbuffered -l|--line-length: --posix --debug --sandbox --follow-symlinks --help --version',
    deny: { '-i|--in-place::': 'edits files in place', '-f|--file:': 'reads its script from a file tshoot cannot check' },
    complete: true,
  };
  const p = parse(name, spec, rest);
  if (typeof p === 'string') return p;
  const scripts = p.opts.filter((o) => o.key === '-e').map((o) => o.value!);
  const operands = [...p.operands];
  if (scripts.length === 0) {
    const first = operands.shift();
    if (!first) return null;
    scripts.push(first.w);
  }
  for (const s of scripts) {
    if (s.tpl) return `sed: the script (${show(s)}) is templated: a sed script is code`;
    const why = sedScript(s.text);
    if (why) return `sed script ${JSON.stringify(s.text)}: ${why}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// find: leading options, starting points, then an expression of known read-only tests.

const FIND_NULLARY = new Set(
  '-depth -d -empty -false -true -follow -ignore_readdir_race -noignore_readdir_race -mount -xdev -noleaf -nouser -nogroup -readable -writable -executable -daystart -print -print0 -ls -prune -quit -not ! -a -and -o -or ( ) , -warn -nowarn -help --help -version --version'.split(' '),
);
const FIND_UNARY = new Set(
  '-name -iname -path -ipath -wholename -iwholename -regex -iregex -regextype -lname -ilname -type -xtype -maxdepth -mindepth -mtime -mmin -atime -amin -ctime -cmin -newer -anewer -cnewer -used -size -perm -user -group -uid -gid -links -inum -samefile -fstype -context -printf'.split(' '),
);
const FIND_DENY: Record<string, string> = {
  '-delete': 'deletes files',
  '-exec': 'runs commands',
  '-execdir': 'runs commands',
  '-ok': 'runs commands',
  '-okdir': 'runs commands',
  '-fprint': 'writes a file',
  '-fprint0': 'writes a file',
  '-fprintf': 'writes a file',
  '-fls': 'writes a file',
};
const findExpression = (s: string) => (s.startsWith('-') && s.length > 1) || s === '!' || s === '(' || s === ')' || s === ',';

function find(rest: readonly Word[]): string | null {
  let i = 0;
  let dashes = false;
  for (; i < rest.length; i++) {
    const s = rest[i]!.text;
    if (s === '-H' || s === '-L' || s === '-P' || /^-O\d$/.test(s)) continue;
    if (s === '-D') {
      i++;
      continue;
    }
    if (s === '--') {
      dashes = true;
      i++;
    }
    break;
  }
  // Starting points: up to the first word that looks like an expression (even after `--`).
  for (; i < rest.length && !findExpression(rest[i]!.text); i++) {
    const w = rest[i]!;
    if (w.tpl && !dashes && !safePrefix(w)) return `find: the starting point ${show(w)} is templated: put starting points after \`--\``;
  }
  for (; i < rest.length; i++) {
    const w = rest[i]!;
    const s = w.text;
    if (w.tpl) return `find: ${show(w)} is templated where a test or action is`;
    if (FIND_DENY[s]) return `find ${s} ${FIND_DENY[s]}`;
    if (FIND_NULLARY.has(s)) continue;
    if (FIND_UNARY.has(s) || /^-newer[aBcmt][aBcmt]$/.test(s)) {
      if (++i >= rest.length) return `find: ${s} needs a value`;
      continue;
    }
    return `find: ${s} is not a test or action tshoot knows to be read-only`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// iproute2: `ip [options] OBJECT [VERB [args]]`. ip matches objects and verbs by prefix,
// trying them in its own order (ip/ip.c cmds[], ip/iproute.c do_iproute…): the first entry
// the word is a prefix of wins, so `ip r` is route, `ip route d` is delete, `ip link s` is set.

const IP_OBJECTS = 'address addrlabel maddress route rule neighbor neighbour ntable ntbl link l2tp fou ila macsec tunnel tuntap tap token tcpmetrics tcp_metrics monitor xfrm mroute mrule netns netconf vrf sr nexthop mptcp ioam stats help'.split(' ');
/** Verbs in ip's order, `+` read-only. The first listed is what no verb means. */
const IP_VERBS: Record<string, string> = {
  address: '+list add change chg replace delete +list +show +lst flush save showdump restore +help',
  route: '+list add change chg replace prepend append test delete +list +show +lst +get flush save restore showdump +help',
  rule: '+list +list +lst +show save restore add delete flush +help',
  neighbor: '+show add change chg replace delete +get +show +lst +list flush +help',
  neighbour: '+show add change chg replace delete +get +show +lst +list flush +help',
  link: '+show add set change replace delete +show +lst +list xstats afstats property +help',
  netconf: '+show +show +list',
};
/** Top-level options by exact spelling (ip matches these by prefix too, in an order where `-b` is -batch). */
const IP_OPTS = new Set('-4 -6 -0 -s -stats -statistics -d -details -j -json -p -pretty -o -oneline -br -brief -c -color -r -resolve -h -human -iec -N -Numeric -t -timestamp -ts -tshort'.split(' '));
/** Keywords after which a templated word is a value (an address, a device, a table). */
const IP_VALUE_KEYWORDS = new Set('to from dev iif oif table vrf mark via match root exact label uid sport dport ipproto tos dsfield proto scope type lladdr nud master group'.split(' '));

function ip(rest: readonly Word[]): string | null {
  let i = 0;
  for (; i < rest.length && rest[i]!.text.startsWith('-'); i++) {
    const w = rest[i]!;
    if (w.tpl) return `ip: ${show(w)} is templated where an option is`;
    const s = w.text.startsWith('--') ? w.text.slice(1) : w.text;
    if (s === '-') {
      i++;
      break;
    }
    if (!IP_OPTS.has(s)) return `ip: option ${w.text} is not one tshoot knows to be read-only (write options in full: ip reads -b as -batch)`;
  }
  const objWord = rest[i];
  if (!objWord) return 'ip needs an object (route, address, link…)';
  if (objWord.tpl) return `ip: the object ${show(objWord)} is templated`;
  const obj = IP_OBJECTS.find((o) => o.startsWith(objWord.text)) ?? objWord.text;
  const verbs = IP_VERBS[obj];
  if (!verbs) return `ip ${objWord.text}${obj !== objWord.text ? ` (that is ${obj})` : ''} is not an object tshoot reads`;
  const list = verbs.split(' ');
  const verbWord = rest[i + 1];
  let verb = list[0]!;
  if (verbWord) {
    if (verbWord.tpl) return `ip ${obj}: the verb ${show(verbWord)} is templated`;
    verb = list.slice(1).find((v) => v.replace('+', '').startsWith(verbWord.text)) ?? `?${verbWord.text}`;
    if (verb.startsWith('?')) {
      // `ip route 198.18.0.0/15` etc. are not reads; only named verbs are.
      return `ip ${obj} ${verbWord.text} is not a verb tshoot knows to be read-only`;
    }
  }
  if (!verb.startsWith('+')) return `ip ${obj} ${verbWord?.text}${verbWord && verb !== verbWord.text ? ` (that is ${verb})` : ''} changes the host`;
  for (let k = i + 2; k < rest.length; k++) {
    const w = rest[k]!;
    if (w.tpl && !IP_VALUE_KEYWORDS.has(rest[k - 1]?.text ?? '')) return `ip: ${show(w)} is templated where a keyword could be: put it after a keyword such as \`to\` (ip route get to {{ … }})`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Programs with a grammar of their own.

function aws(rest: readonly Word[]): string | null {
  const GLOBAL_VALUE = new Set(['--output', '--region', '--profile', '--query', '--endpoint-url', '--color', '--ca-bundle', '--cli-read-timeout', '--cli-connect-timeout', '--cli-binary-format', '--page-size', '--max-items', '--starting-token']);
  const GLOBAL_FLAG = new Set(['--no-paginate', '--no-cli-pager', '--no-verify-ssl', '--no-sign-request', '--version']);
  const DENY: Record<string, string> = { '--debug': 'logs request headers, session tokens included', '--cli-auto-prompt': 'prompts interactively' };
  const words: Word[] = [];
  let opArgs = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w.text.startsWith('--')) {
      if (w.tpl) return `aws: ${show(w)} is templated where an option is`;
      const o = w.text.split('=')[0]!;
      if (DENY[o]) return `aws ${o} ${DENY[o]}`;
      if (GLOBAL_FLAG.has(o)) continue;
      if (GLOBAL_VALUE.has(o)) {
        const v = w.text.includes('=') ? undefined : rest[++i];
        if (v?.tpl) return `aws: the value of ${o} is templated; templated values go to the operation's parameters`;
        continue;
      }
      if (!opArgs) return `aws: option ${o} is not one tshoot knows (before the operation)`;
      // An operation parameter: its values follow, up to the next --option (data).
      while (i + 1 < rest.length && !rest[i + 1]!.text.startsWith('-')) i++;
      continue;
    }
    if (w.tpl) return `aws: ${show(w)} is templated where the service or operation is`;
    words.push(w);
    if (words.length === 2) {
      const why = awsCall(words[0]!.text, w.text);
      if (why) return why;
      opArgs = true;
    } else if (words.length > 2) return `aws: ${w.text} is not an option`;
  }
  if (words.length === 0) return rest.some((w) => w.text === '--version') ? null : 'aws needs a service and an operation';
  return words.length < 2 ? awsCall(words[0]!.text, '') : null;
}

function awsCall(svc: string, op: string): string | null {
  const READ_SERVICES = new Set(['ec2', 'elb', 'elbv2', 'autoscaling', 'rds', 'ecs', 'eks', 'route53', 'lightsail', 'cloudfront']);
  if (svc === 'sts' && op === 'get-caller-identity') return null;
  if (!READ_SERVICES.has(svc)) return `aws ${svc} is not a service tshoot reads (ec2, elbv2, route53…, or sts get-caller-identity)`;
  if (!/^(describe|list)-[a-z0-9-]+$/.test(op)) return `aws ${svc} ${op} is not a describe-… or list-… call`;
  return null;
}

function ps(rest: readonly Word[]): string | null {
  // ps (procps) has no option that writes or runs anything; templated words only as the value
  // of a selection option given as its own word (`-p {{ pids }}`).
  const DATA = new Set(['-p', '--pid', '-q', '--quick-pid', '--ppid', '-C', '-u', '-U', '--user', '-g', '-G', '--group', '-t', '--tty', '-s', '--sid']);
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w.tpl && !DATA.has(rest[i - 1]?.text ?? '')) return `ps: ${show(w)} is templated; it may only be the value of ${[...DATA].join('/')}`;
  }
  return null;
}

function service(rest: readonly Word[], st: State): string | null {
  const [unit, verb, ...more] = rest;
  if (!unit || unit.text === '--status-all') return 'service --status-all runs every init script';
  if (verb?.text !== 'status' || more.length) return `service ${unit.raw} ${rest.slice(1).map(show).join(' ')}: only \`service NAME status\` is a read`;
  if (unit.tpl ? !trusted(unit, st) : !/^[A-Za-z0-9_@.][A-Za-z0-9_@.:-]*$/.test(unit.text)) {
    return `service runs /etc/init.d/NAME: the name (${show(unit)}) must be a plain name, or the whole word {{ ${TRUSTED_PREFIX}… }}`;
  }
  return null;
}

function dig(rest: readonly Word[]): string | null {
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const s = w.text;
    if (/^-[46mhvur]$/.test(s)) continue;
    if (/^-[xtcqpb]$/.test(s)) {
      i++;
      continue;
    }
    if (s.startsWith('-')) return `dig: option ${s} is not one tshoot knows to be read-only`;
    if (w.tpl && !safePrefix(w)) return `dig: ${show(w)} is templated where an option could be: use -q {{ … }}, -x {{ … }} or @{{ … }}`;
  }
  return null;
}

function testExpr(rest: readonly Word[]): string | null {
  const UNARY = /^-[bcdefghkLnprsStuwxzOG]$/;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w.tpl && !safePrefix(w) && !UNARY.test(rest[i - 1]?.text ?? '')) return `test: ${show(w)} is templated where an operator could be`;
  }
  return null;
}

/** nginx, apachectl, sshd: only their test and dump modes; the configuration file as data. */
const configTest = (modes: string[], what: string) => (p: Parsed, name: string) =>
  p.has(...modes) ? maxOperands(0, 'is not a read')(p, name) : `${name} without ${modes.join('/')} ${what}`;

const iptables: Spec = {
  opts: '-S|--list-rules -L|--list -n|--numeric -v|--verbose -x|--exact --line-numbers -t|--table: -w|--wait:: -W|--wait-interval: -4|--ipv4 -6|--ipv6 -V|--version -h|--help',
  deny: {
    '-A|--append -C|--check -D|--delete -I|--insert -R|--replace -F|--flush -Z|--zero -N|--new-chain -X|--delete-chain -E|--rename-chain -P|--policy': 'changes the firewall',
    '-s|--source|--src -d|--destination|--dst -p|--protocol -i|--in-interface -j|--jump -g|--goto -o|--out-interface -m|--match -f|--fragments -c|--set-counters': 'is a rule specification (only listing is a read)',
    '-M|--modprobe': 'runs a program',
  },
  complete: true,
  check: (p, name) => (p.has('-S', '-L') ? both(maxOperands(1, 'is not a listing'), literalOperands('the chain must be literal'))(p, name) : `${name} without -S or -L is not a listing`),
};
const iptablesSave: Spec = {
  opts: '-c|--counters -t|--table: -V|--version -h|--help',
  deny: { '-M|--modprobe': 'runs a program', '-f|--file': 'writes a file' },
  complete: true,
  check: noOperands,
};

const CURL_PROTO = /^=(https?)(,https?)*$/;
function curlCheck(p: Parsed, name: string): string | null {
  const urls = [...p.operands.map((o) => o.w), ...p.opts.filter((o) => o.key === '--url').map((o) => o.value!)];
  const proto = p.value('--proto');
  for (const u of urls) {
    if (/^https?:\/\//i.test(u.text)) continue;
    if (proto && !proto.tpl && CURL_PROTO.test(proto.text)) continue;
    return u.tpl
      ? `${name}: the URL ${show(u)} is templated and may name any protocol (gopher:// and dict:// send data): add --proto =http,https`
      : `${name}: ${u.text} is not an http:// or https:// URL`;
  }
  return null;
}

/** Every program tshoot knows, built when first needed (not at every start). */
let SPECS: Map<string, Spec> | undefined;
function specs(): Map<string, Spec> {
  if (SPECS) return SPECS;
  const m = new Map<string, Spec>();
  const put = (names: string, spec: Spec) => {
    for (const n of names.split(' ')) m.set(n, spec);
  };

  // Wrappers.
  put('sudo', {
    custom: wrapper('-n|--non-interactive -H|--set-home -l|--list', {
      '-u|--user: -g|--group: -U|--other-user: -h|--host: -r|--role: -t|--type: -C|--close-from: -D|--chdir: -R|--chroot: -T|--command-timeout: -p|--prompt:': 'changes who or where the command runs',
      '-E|--preserve-env:: -s|--shell -i|--login -e|--edit -b|--background -A|--askpass -S|--stdin -k|--reset-timestamp -K|--remove-timestamp -v|--validate -P|--preserve-groups -B|--bell': 'is not a plain run of a read-only command',
    }, () => 0),
  });
  put('doas', { custom: wrapper('-n', { '-u: -s -C: -L': 'changes who or how the command runs' }, () => 0) });
  put('timeout', {
    custom: wrapper('-s|--signal: -k|--kill-after: --preserve-status --foreground -v|--verbose', {}, (ops, name) =>
      ops[0] && !ops[0].tpl && /^\d+(\.\d+)?[smhd]?$/.test(ops[0].text) ? 1 : `${name} needs a literal duration first`,
    ),
  });
  put('env', {
    custom: wrapper('-i|--ignore-environment -u|--unset: -0|--null', {
      '-S|--split-string:': 'splits a string into a command line tshoot cannot check',
      '-C|--chdir: -P|--path: -a|--argv0: --block-signal:: --default-signal:: --ignore-signal:: --list-signal-handling -v|--debug': 'changes how the command is found or run',
    }, (ops, name) => {
      let k = 0;
      for (; k < ops.length && ops[k]!.text.includes('='); k++) {
        if (ops[k]!.tpl || !SAFE_ENV.test(ops[k]!.text)) return `${name} ${show(ops[k]!)}: only locale, TZ, terminal and colour variables may be set (LD_PRELOAD, PATH… change what runs)`;
      }
      return k;
    }),
  });
  put('nice', { custom: wrapper('-n|--adjustment:', {}, () => 0) });
  put('ionice', { custom: wrapper('-c|--class: -n|--classdata: -t|--ignore', { '-p|--pid: -P|--pgid: -u|--uid:': 'changes the priority of running processes' }, () => 0) });
  put('stdbuf', { custom: wrapper('-i|--input: -o|--output: -e|--error:', {}, () => 0) });

  // Text and files.
  put('cat', { opts: '-A|--show-all -b|--number-nonblank -e -E|--show-ends -n|--number -s|--squeeze-blank -t -T|--show-tabs -u -v|--show-nonprinting --help --version', complete: true });
  put('head', { opts: '-n|--lines:@ -c|--bytes:@ -q|--quiet|--silent -v|--verbose -z|--zero-terminated --help --version', complete: true });
  put('tail', {
    opts: '-n|--lines:@ -c|--bytes:@ -q|--quiet|--silent -v|--verbose -z|--zero-terminated --help --version',
    deny: { '-f|--follow:: -F --retry --pid: -s|--sleep-interval: --max-unchanged-stats:': 'follows a file without end' },
    complete: true,
  });
  put('wc', { opts: '-c|--bytes -m|--chars -l|--lines -w|--words -L|--max-line-length --files0-from: --total: --help --version', complete: true });
  put('grep egrep fgrep', {
    opts: '-E|--extended-regexp -F|--fixed-strings -G|--basic-regexp -P|--perl-regexp -e|--regexp:@ -f|--file: -i|--ignore-case -y --no-ignore-case -v|--invert-match -w|--word-regexp -x|--line-regexp -c|--count --color|--colour:: -L|--files-without-match -l|--files-with-matches -m|--max-count: -o|--only-matching -q|--quiet|--silent -s|--no-messages -b|--byte-offset -H|--with-filename -h|--no-filename --label: -n|--line-number -T|--initial-tab -Z|--null -A|--after-context: -B|--before-context: -C|--context: -a|--text --binary-files: -D|--devices: -d|--directories: --exclude: --exclude-from: --exclude-dir: -I --include: -r|--recursive -R|--dereference-recursive --line-buffered -U|--binary -z|--null-data --no-ignore-case --help -V|--version',
  });
  put('sort', {
    opts: '-b|--ignore-leading-blanks -d|--dictionary-order -f|--ignore-case -g|--general-numeric-sort -i|--ignore-nonprinting -M|--month-sort -h|--human-numeric-sort -n|--numeric-sort -R|--random-sort -r|--reverse -V|--version-sort -c|--check:: -C -k|--key: -m|--merge -s|--stable -t|--field-separator: -u|--unique -z|--zero-terminated --help --version',
    deny: { '-o|--output:': 'writes a file', '--compress-program:': 'runs a program', '-T|--temporary-directory: -S|--buffer-size: --parallel: --batch-size: --random-source: --files0-from: --sort: --debug': 'is not needed to read' },
  });
  put('uniq', { opts: '-c|--count -d|--repeated -D -f|--skip-fields: -i|--ignore-case -s|--skip-chars: -u|--unique -z|--zero-terminated -w|--check-chars: --help --version', check: maxOperands(1, 'writes its second operand') });
  put('cut', { opts: '-b|--bytes: -c|--characters: -d|--delimiter: -f|--fields: -n --complement -s|--only-delimited --output-delimiter: -z|--zero-terminated --help --version' });
  put('tr', { opts: '-c|-C|--complement -d|--delete -s|--squeeze-repeats -t|--truncate-set1 --help --version' });
  put('ls', {
    opts: '-a|--all -A|--almost-all -b|--escape -B|--ignore-backups -c -C -d|--directory -D|--dired -f -F|--classify:: -g -G|--no-group -h|--human-readable -H|--dereference-command-line -i|--inode -I|--ignore: -k|--kibibytes -l -L|--dereference -m -n|--numeric-uid-gid -N|--literal -o -p -q|--hide-control-chars -Q|--quote-name -r|--reverse -R|--recursive -s|--size -S -t -T|--tabsize: -u -U -v -w|--width: -x -X -Z|--context -1 --color:: --full-time --group-directories-first --time: --time-style: --sort: --indicator-style: --quoting-style: --block-size: --si --hide: --help --version',
  });
  put('stat', { opts: '-L|--dereference -f|--file-system -c|--format: --printf: -t|--terse --cached: --help --version' });
  put('readlink', { opts: '-f|--canonicalize -e|--canonicalize-existing -m|--canonicalize-missing -n|--no-newline -q|--quiet -s|--silent -v|--verbose -z|--zero --help --version', complete: true });
  put('realpath', { opts: '-e|--canonicalize-existing -m|--canonicalize-missing -L|--logical -P|--physical -q|--quiet -s|--strip|--no-symlinks -z|--zero --relative-to: --relative-base: --help --version' });
  put('basename dirname', { opts: '-a|--multiple -s|--suffix: -z|--zero --help --version' });
  put('file', { opts: '-b|--brief -L|--dereference -h|--no-dereference -i|--mime --mime-type --mime-encoding -k|--keep-going -s|--special-files -z|--uncompress -Z -N|--no-pad -0|--print0 -p|--preserve-date -r|--raw -E --help -v|--version', deny: { '-C|--compile': 'writes a compiled magic file' } });
  put('sed', { custom: sed });
  put('find', { custom: find });
  put('test [', { custom: testExpr });
  put('echo', { posix: true, opts: '-n -e -E' });
  put('printf', { posix: true, opts: '--help --version', check: (p, name) => (p.operands[0]?.w.tpl ? `${name}: the format (${show(p.operands[0].w)}) is templated` : null) });
  put('true false pwd whoami nproc tty arch logname', { opts: '--help --version' });
  put('sleep', { opts: '--help --version', check: both(literalOperands('must be literal'), (p, name) => (p.operands.every((o) => /^\d+(\.\d+)?[smhd]?$/.test(o.w.text)) ? null : `${name} takes durations`)) });
  put('id groups', { opts: '-a -Z|--context -g|--group -G|--groups -n|--name -r|--real -u|--user -z|--zero --help --version' });
  put('uname', { opts: '-a|--all -s|--kernel-name -n|--nodename -r|--kernel-release -v|--kernel-version -m|--machine -p|--processor -i|--hardware-platform -o|--operating-system --help --version', check: noOperands });
  put('hostname', { opts: '-a|--alias -A|--all-fqdns -d|--domain -f|--fqdn|--long -i|--ip-address -I|--all-ip-addresses -s|--short -y|--yp|--nis -h|--help -V|--version', deny: { '-F|--file: -b|--boot': 'sets the host name' }, check: maxOperands(0, 'sets the host name') });
  put('uptime', { opts: '-p|--pretty -s|--since -h|--help -V|--version', check: noOperands });
  put('free', { opts: '-b|--bytes -k|--kibi -m|--mebi -g|--gibi --tera --peta --kilo --mega --giga -h|--human -w|--wide -l|--lohi -t|--total -v|--committed --si --help -V|--version', deny: { '-s|--seconds: -c|--count:': 'repeats without end' }, check: noOperands });
  put('df', { opts: '-a|--all -B|--block-size: -h|--human-readable -H|--si -i|--inodes -k -l|--local --no-sync --output:: -P|--portability --total -t|--type: -T|--print-type -x|--exclude-type: --help --version', deny: { '--sync': 'syncs file systems' } });
  put('du', { opts: '-0|--null -a|--all --apparent-size -B|--block-size: -b|--bytes -c|--total -D|--dereference-args -d|--max-depth: -H -h|--human-readable --inodes -k -L|--dereference -l|--count-links -m -P|--no-dereference -S|--separate-dirs --si -s|--summarize -t|--threshold: --time:: --time-style: -X|--exclude-from: --exclude: -x|--one-file-system --help --version' });
  put('date', {
    opts: '-d|--date: -f|--file: -I|--iso-8601:: -R|--rfc-email --rfc-3339: -r|--reference: -u|--utc|--universal --debug --help --version',
    deny: { '-s|--set:': 'sets the clock' },
    check: (p, name) => (p.operands.every((o) => o.w.text.startsWith('+')) ? null : `${name} with an operand that is not +FORMAT sets the clock`),
  });
  put('getent', {
    opts: '-i|--no-idn --help -V|--version',
    deny: { '-s|--service:': 'loads another NSS service' },
    check: (p, name) => {
      const db = p.operands[0];
      if (!db) return `${name} needs a database`;
      if (db.w.tpl) return `${name}: the database (${show(db.w)}) is templated`;
      const DBS = ['passwd', 'group', 'hosts', 'ahosts', 'ahostsv4', 'ahostsv6', 'services', 'protocols', 'networks', 'netgroup', 'initgroups', 'ethers', 'rpc', 'aliases'];
      return DBS.includes(db.w.text) ? null : `${name} ${db.w.text} is not a database tshoot reads (${DBS.join(', ')})`;
    },
  });

  // Processes and sockets.
  put('ps', { custom: ps });
  put('pgrep pidof', {
    opts: '-l|--list-name -a|--list-full -c|--count -d|--delimiter: -f|--full -g|--pgroup: -G|--group: -i|--ignore-case -n|--newest -o|--oldest -O|--older: -P|--parent: -s|--session: -t|--terminal: -u|--euid: -U|--uid: -v|--inverse -w|--lightweight -x|--exact -F|--pidfile: -L|--logpidfile -r|--runstates: --ns: --nslist: -h|--help -V|--version',
    deny: { '--signal: -e|--echo': 'signals processes' },
  });
  put('ss', {
    opts: '-h|--help -V|--version -H|--no-header -n|--numeric -r|--resolve -a|--all -l|--listening -o|--options -e|--extended -m|--memory -p|--processes -T|--threads -i|--info --tos --cgroup --tipcinfo -s|--summary -E|--events -Z|--context -z|--contexts -b|--bpf -4|--ipv4 -6|--ipv6 -0|--packet -t|--tcp -M|--mptcp -S|--sctp -u|--udp -d|--dccp -w|--raw -x|--unix --vsock --tipc --xdp -f|--family: -A|--query|--socket: -F|--filter: -O|--oneline --inet-sockopt',
    deny: { '-K|--kill': 'kills sockets', '-D|--diag:': 'writes a file', '-N|--net:': 'switches network namespace' },
    complete: true,
  });
  put('netstat', { opts: '-r|--route -i|--interfaces -g|--groups -s|--statistics -M|--masquerade -v|--verbose -W|--wide -n|--numeric --numeric-hosts --numeric-ports --numeric-users -N|--symbolic -e|--extend -p|--program -o|--timers -l|--listening -a|--all -t|--tcp -u|--udp -w|--raw -x|--unix -4 -6 -A|--protocol: -F -C -Z|--context -h|--help -V|--version', deny: { '-c|--continuous': 'repeats without end' } });
  put('lsof', {
    opts: '-a -b -C -h -l -n -N -O -P -R -t -U -v -V -w -X -x -c: -d: -D: -E -g:: -i:: -k: -K -L:: -p: -s:: -S:: -T:: -u: -F:: -o:: -f:: -M',
    deny: { '-r::': 'repeats without end' },
  });
  put('nc netcat nc.openbsd', {
    sends: true,
    opts: '-4 -6 -n -u -v -z -w:',
    deny: { '-l': 'listens', '-e -c': 'runs a program', '-k -p: -s: -x: -X: -P: -U -T: -q: -D -d -C -F -N -r -S -t -I: -i: -M: -m: -O: -V: -W: -Z -b -h': 'is not needed for a port check' },
    values: { '-w': isNumber(30) },
    check: (p, name) => (p.has('-z') ? maxOperands(2, 'is not host and port')(p, name) : `${name} without -z would send data`),
  });
  put('ping ping6', {
    sends: true,
    opts: '-4 -6 -c: -W: -w: -i: -n -q -v -s: -t: -D -O -a -U',
    deny: { '-f': 'floods', '-I: -B -b -r -R -p: -l: -m: -M: -Q: -T: -L -S:': 'is not needed to check a host answers' },
    values: { '-c': isNumber(10), '-w': isNumber(30), '-W': isNumber(10), '-i': (v) => (Number(v) >= 0.2 ? null : 'must be 0.2 or more') },
    check: (p, name) => (p.has('-c') ? maxOperands(1, 'is not one host')(p, name) : `${name} needs -c N (N up to 10) to stop`),
  });
  put('dig', { custom: dig });
  put('host', { opts: '-a -A -C -d -l -r -s -T -U -v -V -4 -6 -c: -N: -R: -t: -W: -m:', check: maxOperands(2, 'is not a name and a server') });
  put('traceroute tracepath', { sends: true, opts: '-4 -6 -n -b -l: -m: -p: -q: -w: -I -T -U', check: maxOperands(1, 'is not one host') });

  // Services and servers.
  put('systemctl', {
    opts: '--no-pager -l|--full -n|--lines: --no-legend --plain -a|--all -t|--type: --state: -p|--property: -P --value -o|--output: -q|--quiet --no-ask-password -r|--recursive --with-dependencies --reverse --after --before --show-types --failed --system --user --legend: -h|--help --version',
    deny: { '-H|--host: -M|--machine:': 'runs on another host or container', '--root: --image: --runtime --force -f -i --now -s|--signal: --kill-whom: --kill-value: --job-mode: --wait --message: -T|--show-transaction --dry-run --no-block --no-wall --firmware-setup --boot-loader-menu: --boot-loader-entry: --reboot-argument: --no-reload --check-inhibitors: --preset-mode: --mkdir --marked --timestamp: --what: --drop-in: --when:': 'is for changing the system' },
    check: (p, name) => {
      const verb = p.operands[0];
      const READ = ['status', 'show', 'cat', 'is-active', 'is-enabled', 'is-failed', 'is-system-running', 'list-units', 'list-unit-files', 'list-sockets', 'list-timers', 'list-dependencies', 'list-jobs', 'list-automounts', 'list-paths', 'get-default', 'show-environment'];
      if (!verb) return null;
      if (verb.w.tpl) return `${name}: the verb (${show(verb.w)}) is templated`;
      return READ.includes(verb.w.text) ? null : `${name} ${verb.w.text} is not one of ${READ.join(', ')}`;
    },
  });
  put('service', { custom: service, runsCode: true });
  put('journalctl', {
    opts: '-u|--unit:@ --user-unit:@ -n|--lines:: --no-pager -b|--boot:: -S|--since:@ -U|--until:@ -p|--priority: -g|--grep:@ --case-sensitive:: -o|--output: -x|--catalog -e|--pager-end -a|--all -q|--quiet -k|--dmesg -t|--identifier:@ -T|--exclude-identifier:@ --facility: --no-hostname --no-full -r|--reverse --utc -m|--merge --system --user -D|--directory: --file: --output-fields: --list-boots --disk-usage --header --fields -F|--field: --cursor: --after-cursor: --show-cursor --since-cursor: -N -h|--help --version',
    deny: { '--vacuum-size: --vacuum-time: --vacuum-files: --rotate --flush --sync --relinquish-var --smart-relinquish-var --setup-keys --update-catalog --cursor-file: --new-id128 -f|--follow -M|--machine: -H|--host:': 'changes the journal or does not end' },
  });
  put('nginx', {
    opts: '-t -T -q -v -V -h -? -c:@ -p:',
    deny: { '-s:': 'signals the server', '-g:': 'adds directives (load_module…)', '-e:': 'opens an error log for writing' },
    check: configTest(['-t', '-T', '-v', '-V', '-h', '-?'], 'starts the server'),
    runsCode: true,
  });
  put('apachectl apache2ctl httpd apache2', {
    opts: '-t -S -M -v -V -l -L -h -f:@ -d:@ -D:',
    deny: { '-k:': 'signals the server', '-C: -c:': 'adds directives', '-e: -E:': 'opens a log for writing', '-X': 'starts the server' },
    check: (p, name) => {
      const ops = p.operands.map((o) => o.w.text);
      if (ops.length === 1 && (ops[0] === 'configtest' || ops[0] === '-t')) return null;
      return configTest(['-t', '-S', '-M', '-v', '-V', '-l', '-L', '-h'], 'starts the server or sends it a signal')(p, name);
    },
    runsCode: true,
  });
  put('sshd', {
    opts: '-T -t -G -f:@ -C:@ -d -q -4 -6',
    deny: { '-o: -E: -h: -c: -k: -g: -p: -u: -D -e -i -r': 'is not needed to test or print the configuration' },
    check: configTest(['-T', '-t', '-G'], 'starts a server'),
    runsCode: true,
  });

  // Firewalls and network settings.
  put('iptables ip6tables iptables-legacy ip6tables-legacy iptables-nft ip6tables-nft', iptables);
  put('iptables-save ip6tables-save iptables-legacy-save ip6tables-legacy-save iptables-nft-save ip6tables-nft-save', iptablesSave);
  put('nft', {
    opts: '-n|--numeric -s|--stateless -a|--handle -j|--json -t|--terse -y|--numeric-priority -p|--numeric-protocol -T|--numeric-time -N|--reversedns -S|--service -u|--guid -e|--echo -h|--help -v|--version',
    deny: { '-f|--file:': 'loads rules from a file', '-i|--interactive': 'reads commands from the terminal', '-c|--check': 'parses commands (use list)', '-I|--includepath: -D|--define: -o|--optimize -d|--debug:': 'is not needed to list' },
    complete: true,
    check: (p, name) => {
      // nft joins its words into one command line: `;` or a newline would start a second command.
      const bad = p.operands.find((o) => o.w.tpl || !/^[A-Za-z0-9_.:/@$-]+$/.test(o.w.text));
      if (bad) return `${name}: ${show(bad.w)} could start another command (nft joins its words into one line; only plain literal words)`;
      const verb = p.operands[0]?.w.text;
      return verb === 'list' || verb === 'describe' ? null : `${name} ${verb ?? '(nothing)'}: only \`nft list …\` and \`nft describe …\` read`;
    },
  });
  put('ip', { custom: ip });
  put('sysctl', {
    opts: '-a|-A|-X|--all -b|--binary -e|--ignore -N|--names -n|--values -r|--pattern: -h|-d|--help -V|--version --deprecated',
    deny: { '-w|--write': 'writes kernel settings', '-p|-f|--load::': 'loads settings from a file', '--system': 'loads every settings file', '-q|--quiet --dry-run': 'is for writing' },
    complete: true,
    check: (p, name) => {
      const bad = p.operands.find((o) => o.w.tpl || !/^[A-Za-z0-9_.*/-]+$/.test(o.w.text));
      return bad ? `${name}: ${show(bad.w)} is not a key name (a = would write it; templated keys are refused)` : null;
    },
  });
  put('ufw', { check: (p) => (p.operands[0]?.w.text === 'status' && p.operands.length <= 2 && p.operands.every((o) => !o.w.tpl && ['status', 'verbose', 'numbered'].includes(o.w.text)) ? null : 'ufw: only `ufw status [verbose|numbered]` reads') });
  put('getenforce', { check: noOperands });
  put('sestatus', { opts: '-v -b', check: noOperands });

  // Fetching: curl reads when it neither sends a body nor writes a file.
  put('curl', {
    sends: true,
    opts:
      '-s|--silent -S|--show-error -v|--verbose -i|--include -I|--head -L|--location -k|--insecure -f|--fail --fail-with-body -4|--ipv4 -6|--ipv6 -m|--max-time: --connect-timeout: -H|--header:@ -A|--user-agent:@ -e|--referer:@ -u|--user:@ -o|--output: -w|--write-out: -X|--request: --resolve:@ --connect-to:@ --http1.0 --http1.1 --http2 --http2-prior-knowledge --compressed --max-redirs: --retry: --retry-delay: --retry-max-time: --noproxy: -x|--proxy: --interface: --cacert: --capath: -E|--cert: --key: --tlsv1.2 --tlsv1.3 --path-as-is -N|--no-buffer --proto: --proto-redir: --url:@ --no-progress-meter -#|--progress-bar --trace-time --trace-ascii: -D|--dump-header: -r|--range: --digest --basic --anyauth --oauth2-bearer: -b|--cookie:@ --tcp-nodelay --keepalive-time: --ciphers: -q|--disable -Z|--parallel -h|--help -V|--version',
    deny: {
      '-d|--data: --data-ascii: --data-binary: --data-raw: --data-urlencode: -F|--form: --form-string: -T|--upload-file: --json: -G|--get': 'sends data',
      '-O|--remote-name -J|--remote-header-name --remote-name-all -c|--cookie-jar: --create-dirs --output-dir: --libcurl: --etag-save: --hsts: --alt-svc: --stderr: --trace:': 'writes a file',
      '-K|--config:': 'reads options from a file tshoot cannot check',
      '--unix-socket: --abstract-unix-socket:': 'talks to a local socket',
    },
    values: {
      '-o': devNull,
      '-D': devNull,
      '--trace-ascii': devNull,
      '-X': (v) => (/^(GET|HEAD|OPTIONS)$/.test(v) ? null : 'sends a request that may change something'),
      '-w': (v) => (v.startsWith('@') ? 'reads its format from a file' : v.includes('%output{') ? 'writes a file (%output{…})' : null),
      '--proto': (v) => (CURL_PROTO.test(v) ? null : 'allow only =http,https'),
      '--proto-redir': (v) => (CURL_PROTO.test(v) ? null : 'allow only =http,https'),
      '-m': isNumber(600),
      '--connect-timeout': isNumber(600),
    },
    check: curlCheck,
  });
  put('aws', { custom: aws });

  // Named here so that the message says what they do rather than "not known".
  for (const [names, why] of [
    ['sh bash dash zsh ksh fish csh tcsh busybox python python3 perl ruby node php lua eval xargs watch', 'runs arbitrary code: run a read-only program by argv instead'],
    ['awk gawk mawk nawk', 'runs a program (system(), print >): use grep, sed -n or a parser in the flow'],
    ['su runuser chroot nsenter unshare setpriv ssh scp sftp rsync', 'runs a command elsewhere or as someone else'],
  ] as const) {
    put(names, { refuse: why });
  }
  SPECS = m;
  return m;
}
