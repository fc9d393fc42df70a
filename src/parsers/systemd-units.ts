/**
 * What systemd says about units beyond one unit's status (parsers/systemctl.ts reads that):
 *
 *   - `systemctl list-sockets --all --show-types --no-pager --full`: LISTEN, TYPE, UNIT, ACTIVATES
 *     per listen address of every loaded socket unit, inactive ones too (`--all`). Units that are
 *     not loaded (disabled and unreferenced) are not listed: systemd knows no more of them.
 *   - `systemctl cat -- UNIT`: the unit file and its drop-ins, each after a `# /path` line; read for
 *     the `[Socket]` settings that place its sockets (`ListenStream=`, `BindIPv6Only=`,
 *     `BindToDevice=`), with the file:line of each. `systemctl cat -- A B …` prints each unit so, one
 *     after the other (`systemd-units`: a unit starts at its own file's line, a name seen before is
 *     skipped); units that are not loaded are read from disk too, which a pattern would not match.
 *   - `systemctl list-unit-files --type=socket --no-pager`: the installed socket units, loaded or not.
 *   - `systemctl list-unit-files --type=service --state=enabled --no-pager`: the enabled services.
 *   - `systemctl show -p Id,ExecStart,… -- '*.service'`: each loaded service's properties, one block
 *     per unit, blocks apart by an empty line (the format of src/systemctl/systemctl-show.c:
 *     `ExecStart={ path=… ; argv[]=… ; ignore_errors=… ; … }`, one line per command, its argv joined
 *     by spaces, `$VAR` not expanded; `EnvironmentFiles=PATH (ignore_errors=yes)`, one line per file).
 *
 * Where systemd is not PID 1 each prints "System has not been booted with systemd…": `no_systemd`.
 */
import { list, parser, struct, type Infer } from './types.js';
import { MAX_ITEMS, quotedWords, splitLines, toInt, total, words } from './text.js';

const SYSTEMD_SOCKET = struct('SystemdSocket', {
  /** As listed: `[::]:80`, `0.0.0.0:8080`, `/run/foo.sock`. */
  listen: 'string',
  /** `Stream`, `Datagram`, `SequentialPacket`, `FIFO`…; `''` without `--show-types`. */
  type: 'string',
  /** `foo.socket`. */
  unit: 'string',
  /** The unit it starts (`foo.service`), or `''` (Accept=yes sockets start instances). */
  activates: 'string',
  /** The port of an IP address, else 0. */
  port: 'int',
  line: 'string',
});
export type SystemdSocket = Infer<typeof SYSTEMD_SOCKET>;

const SYSTEMD_SOCKETS = struct('SystemdSockets', { sockets: list(SYSTEMD_SOCKET), no_systemd: 'bool' });
export type SystemdSockets = Infer<typeof SYSTEMD_SOCKETS>;

const SYSTEMD_SETTING = struct('SystemdSetting', {
  /** The file `systemctl cat` named before it (`/lib/systemd/system/foo.socket`). */
  file: 'string',
  /** Its line in that file, counted from 1. */
  line: 'int',
  section: 'string',
  key: 'string',
  value: 'string',
});
export type SystemdSetting = Infer<typeof SYSTEMD_SETTING>;

const SYSTEMD_UNIT = struct('SystemdUnit', {
  /** Its name, from its first file (`foo.socket`, or `foo.socket` of `foo.socket.d/x.conf`). */
  unit: 'string',
  /** The unit file and its drop-ins, in the order systemd applies them. */
  files: list('string'),
  /** Every `key=value`, in order (a continued line joined to its first). */
  settings: list(SYSTEMD_SETTING),
  /** `[Socket] ListenStream=` in effect: an empty assignment clears the earlier ones (systemd.socket(5)). */
  listen_streams: list(SYSTEMD_SETTING),
  /** `[Socket] BindIPv6Only=`: `default` unless set (`both`, `ipv6-only`). */
  bind_ipv6_only: 'string',
  /** `[Socket] BindToDevice=`, or `''`. */
  bind_to_device: 'string',
  /** A unit was printed. */
  found: 'bool',
  no_systemd: 'bool',
});
export type SystemdUnit = Infer<typeof SYSTEMD_UNIT>;

const SYSTEMD_UNIT_LIST = struct('SystemdUnitList', { units: list(SYSTEMD_UNIT), no_systemd: 'bool' });
export type SystemdUnitList = Infer<typeof SYSTEMD_UNIT_LIST>;

const SYSTEMD_UNIT_FILE = struct('SystemdUnitFile', { unit: 'string', state: 'string' });
export type SystemdUnitFile = Infer<typeof SYSTEMD_UNIT_FILE>;

const SYSTEMD_UNIT_FILES = struct('SystemdUnitFiles', { units: list(SYSTEMD_UNIT_FILE), no_systemd: 'bool' });
export type SystemdUnitFiles = Infer<typeof SYSTEMD_UNIT_FILES>;

/** A service's name and state, as read (the model's ServiceListens carries them on). */
export const SERVICE_STATE_FIELDS = {
  /** `Id=`: `foo.service`. */
  unit: 'string',
  /** `ActiveState=`: `active`, `inactive`, `failed`, `activating`… */
  active_state: 'string',
  /** `SubState=`: `running`, `dead`, `failed`, `auto-restart`… */
  sub_state: 'string',
  /** `Result=`: `success`, `exit-code`, `signal`, `core-dump`, `timeout`… */
  result: 'string',
  /** `UnitFileState=`: `enabled`, `disabled`, `static`… */
  unit_file_state: 'string',
  /** `FragmentPath=`: the unit file. */
  fragment_path: 'string',
} as const;

const SYSTEMD_SERVICE = struct('SystemdService', {
  ...SERVICE_STATE_FIELDS,
  /** Each `ExecStart=` command: its path, then its arguments after argv[0], joined by spaces as systemctl prints them. */
  exec_start: list('string'),
  /** `Environment=`, one `NAME=value` each (systemctl quotes those with spaces). */
  environment: list('string'),
  /** `EnvironmentFiles=` paths (a `-` before one the unit may lack). */
  environment_files: list('string'),
});
export type SystemdService = Infer<typeof SYSTEMD_SERVICE>;
export type ServiceState = Pick<SystemdService, keyof typeof SERVICE_STATE_FIELDS>;

const SYSTEMD_SERVICES = struct('SystemdServices', { units: list(SYSTEMD_SERVICE), no_systemd: 'bool' });
export type SystemdServices = Infer<typeof SYSTEMD_SERVICES>;

export const systemdSocketsParser = parser({
  name: 'systemctl-sockets',
  description: 'Socket units and what they listen on, from `systemctl list-sockets --all --show-types`.',
  type: SYSTEMD_SOCKETS,
  parse: (text) => total(text, () => ({ sockets: [], no_systemd: false }), parseSockets),
});

export const systemdUnitParser = parser({
  name: 'systemd-unit',
  description: 'A unit file and its drop-ins from `systemctl cat -- UNIT`, with its [Socket] listen settings.',
  type: SYSTEMD_UNIT,
  parse: (text) => total(text, emptyUnit, parseUnit),
});

export const systemdUnitsParser = parser({
  name: 'systemd-units',
  description: 'Each unit of `systemctl cat -- UNIT…` (several units, one after the other), with its [Socket] listen settings.',
  type: SYSTEMD_UNIT_LIST,
  parse: (text) => total(text, () => ({ units: [], no_systemd: false }), parseUnits),
});

export const systemdUnitFilesParser = parser({
  name: 'systemctl-unit-files',
  description: 'Unit files and their state from `systemctl list-unit-files`.',
  type: SYSTEMD_UNIT_FILES,
  parse: (text) => total(text, () => ({ units: [], no_systemd: false }), parseUnitFiles),
});

export const systemctlShowParser = parser({
  name: 'systemctl-show',
  description: "Services' state, ExecStart= and environment from `systemctl show -p Id,ExecStart,Environment,EnvironmentFiles,… -- '*.service'`.",
  type: SYSTEMD_SERVICES,
  parse: (text) => total(text, () => ({ units: [], no_systemd: false }), parseShow),
});

/** systemctl's words where systemd is not the init system (containers, WSL1, chroots). */
const NO_SYSTEMD = ['System has not been booted with systemd', 'Failed to connect to bus', 'Running in chroot'];
const isNoSystemd = (trimmed: string) => NO_SYSTEMD.some((p) => trimmed.startsWith(p));

// socket_port_type_to_string (src/core/socket.c): the TYPE column of --show-types.
const SOCKET_TYPES = new Set(['Stream', 'Datagram', 'SequentialPacket', 'FIFO', 'Special', 'MessageQueue', 'Netlink', 'USBFunction']);
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+\.(?:service|socket|target|device|mount|automount|swap|path|timer|slice|scope)$/;
// systemctl cat's line before each file: `# ` and the path alone (a comment of the file itself may
// start with `# /` too, as syslog.socket's `# /etc/systemd/system/syslog.service -> …` does).
const FILE_LINE = /^# \/\S*\.(?:service|socket|target|device|mount|automount|swap|path|timer|slice|scope|conf)$/;
// socket_address_print: `a.b.c.d:PORT` or `[v6]:PORT`.
const IP_PORT = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.%a-z]+\]):(\d{1,5})$/;

function parseSockets(text: string): SystemdSockets {
  const out: SystemdSockets = { sockets: [], no_systemd: false };
  for (const line of splitLines(text)) {
    const trimmed = line.trim();
    if (isNoSystemd(trimmed)) out.no_systemd = true;
    const w = words(trimmed);
    // LISTEN [TYPE] UNIT [ACTIVATES]: the unit is the first word naming a .socket.
    const u = w.findIndex((x, i) => i > 0 && x.endsWith('.socket') && UNIT_NAME.test(x));
    if (u < 0 || out.sockets.length >= MAX_ITEMS) continue;
    const typed = SOCKET_TYPES.has(w[u - 1]!);
    const listen = w.slice(0, typed ? u - 1 : u).join(' ');
    const port = IP_PORT.exec(listen)?.[1];
    const next = w[u + 1] ?? '';
    out.sockets.push({ listen, type: typed ? w[u - 1]! : '', unit: w[u]!, activates: UNIT_NAME.test(next) ? next : '', port: port ? toInt(port) : 0, line });
  }
  return out;
}

function emptyUnit(): SystemdUnit {
  return { unit: '', files: [], settings: [], listen_streams: [], bind_ipv6_only: 'default', bind_to_device: '', found: false, no_systemd: false };
}

function parseUnit(text: string): SystemdUnit {
  const out = emptyUnit();
  let file = '';
  let n = 0;
  let section = '';
  let pending: SystemdSetting | undefined;
  const settle = (s: SystemdSetting) => {
    if (out.settings.length >= MAX_ITEMS) return;
    out.settings.push(s);
    if (s.section !== 'Socket') return;
    if (s.key === 'ListenStream') out.listen_streams = s.value === '' ? [] : [...out.listen_streams, s];
    else if (s.key === 'BindIPv6Only') out.bind_ipv6_only = s.value === '' ? 'default' : s.value;
    else if (s.key === 'BindToDevice') out.bind_to_device = s.value;
  };
  for (const line of splitLines(text)) {
    n++;
    const trimmed = line.trim();
    if (isNoSystemd(trimmed)) out.no_systemd = true;
    // systemctl cat: `# /lib/systemd/system/foo.socket` before each file.
    if (pending === undefined && FILE_LINE.test(line)) {
      file = line.slice(2).trim();
      if (out.unit === '') out.unit = unitOf(file);
      if (out.files.length < MAX_ITEMS) out.files.push(file);
      out.found = true;
      n = 0;
      section = '';
      continue;
    }
    if (pending) {
      // A line ending in `\` continues on the next (systemd.syntax(7)).
      const more = trimmed.endsWith('\\');
      pending.value += ` ${more ? trimmed.slice(0, -1).trim() : trimmed}`;
      if (!more) {
        pending.value = pending.value.trim();
        settle(pending);
        pending = undefined;
      }
      continue;
    }
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      section = trimmed.slice(1, -1);
      continue;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0 || file === '') continue;
    const s: SystemdSetting = { file, line: n, section, key: trimmed.slice(0, eq).trim(), value: trimmed.slice(eq + 1).trim() };
    if (s.value.endsWith('\\')) {
      s.value = s.value.slice(0, -1).trim();
      pending = s;
    } else settle(s);
  }
  if (pending) settle(pending);
  return out;
}

function parseUnitFiles(text: string): SystemdUnitFiles {
  const out: SystemdUnitFiles = { units: [], no_systemd: false };
  for (const line of splitLines(text)) {
    const trimmed = line.trim();
    if (isNoSystemd(trimmed)) out.no_systemd = true;
    const [unit, state] = words(trimmed, 3);
    if (!unit || !state || !UNIT_NAME.test(unit) || out.units.length >= MAX_ITEMS) continue;
    out.units.push({ unit, state });
  }
  return out;
}

function emptyService(): SystemdService {
  return { unit: '', active_state: '', sub_state: '', result: '', unit_file_state: '', fragment_path: '', exec_start: [], environment: [], environment_files: [] };
}

const SHOW_FIELDS: Record<string, 'unit' | 'active_state' | 'sub_state' | 'result' | 'unit_file_state' | 'fragment_path'> = {
  Id: 'unit',
  ActiveState: 'active_state',
  SubState: 'sub_state',
  Result: 'result',
  UnitFileState: 'unit_file_state',
  FragmentPath: 'fragment_path',
};

function parseShow(text: string): SystemdServices {
  const out: SystemdServices = { units: [], no_systemd: false };
  let cur = emptyService();
  let any = false;
  const flush = () => {
    if (any && cur.unit !== '' && out.units.length < MAX_ITEMS) out.units.push(cur);
    cur = emptyService();
    any = false;
  };
  for (const line of splitLines(text)) {
    const trimmed = line.trim();
    if (isNoSystemd(trimmed)) out.no_systemd = true;
    if (trimmed === '') {
      flush();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    // A second Id= without the empty line between (never printed so, but a unit is a block).
    if (key === 'Id' && cur.unit !== '') flush();
    any = true;
    const field = SHOW_FIELDS[key];
    if (field) cur[field] = value.trim();
    else if (key === 'ExecStart') {
      const cmd = execCommand(value);
      if (cmd !== '' && cur.exec_start.length < MAX_ITEMS) cur.exec_start.push(cmd);
    } else if (key === 'Environment') cur.environment.push(...quotedWords(value).slice(0, MAX_ITEMS - cur.environment.length));
    else if (key === 'EnvironmentFiles' || key === 'EnvironmentFile') {
      // `PATH (ignore_errors=yes)`: such a file may be missing (`EnvironmentFile=-PATH`).
      const m = /^(\S+) \(ignore_errors=(yes|no)\)$/.exec(value.trim());
      if (m && cur.environment_files.length < MAX_ITEMS) cur.environment_files.push(`${m[2] === 'yes' ? '-' : ''}${m[1]!}`);
    }
  }
  flush();
  return out;
}

/** `{ path=/usr/bin/x ; argv[]=x --port 1 ; ignore_errors=no ; … }` → `/usr/bin/x --port 1` (argv may hold ` ; `: the last field mark ends it). */
function execCommand(value: string): string {
  const v = value.trim();
  const p = v.indexOf('path=');
  const a = v.indexOf(' ; argv[]=');
  if (!v.startsWith('{') || p < 0 || a < 0) return '';
  const path = v.slice(p + 5, a).trim();
  const rest = v.slice(a + 10);
  const end = Math.max(rest.lastIndexOf(' ; ignore_errors='), rest.lastIndexOf(' ; flags='));
  const argv = (end < 0 ? rest : rest.slice(0, end)).trim();
  const sp = argv.indexOf(' ');
  return sp < 0 ? path : `${path} ${argv.slice(sp + 1).trim()}`;
}

/** `/lib/systemd/system/foo.socket` → foo.socket; `/etc/systemd/system/foo.socket.d/x.conf` → foo.socket. */
function unitOf(file: string): string {
  const parts = file.split('/');
  const last = parts.at(-1) ?? '';
  const dir = parts.at(-2) ?? '';
  return last.endsWith('.conf') && dir.endsWith('.d') ? dir.slice(0, -2) : last;
}

function parseUnits(text: string): SystemdUnitList {
  const out: SystemdUnitList = { units: [], no_systemd: false };
  const seen = new Set<string>();
  let chunk: string[] = [];
  const flush = () => {
    const u = parseUnit(chunk.join('\n'));
    chunk = [];
    if (u.no_systemd) out.no_systemd = true;
    if (!u.found || seen.has(u.unit) || out.units.length >= MAX_ITEMS) return;
    seen.add(u.unit);
    out.units.push(u);
  };
  let continued = false;
  for (const line of splitLines(text)) {
    // A unit starts at its own file's line (a drop-in's line belongs to the unit before it).
    if (!continued && FILE_LINE.test(line)) {
      const file = line.slice(2).trim();
      if (unitOf(file) === file.split('/').at(-1) && chunk.length > 0) flush();
    }
    continued = line.trimEnd().endsWith('\\');
    chunk.push(line);
  }
  flush();
  return out;
}
