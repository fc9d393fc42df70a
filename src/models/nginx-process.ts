/**
 * Which running nginx a flow may read the configuration of, and with which `-c`.
 *
 * `nginx -T -c PATH` runs as root and loads every `load_module` library PATH names: it runs
 * code. So PATH must come from a process only root could have started, never from text
 * another user controls. A process's `args` are whatever its first exec said (any user can
 * start `sleep` as "nginx: master process nginx -c /home/eve/x.conf", give it the comm
 * `nginx` and a listening socket; a set-uid program run through a symlink named `nginx` even
 * has euid 0). An nginx master is trusted when:
 *   - its real and effective uid are 0 (root started it; a set-uid program keeps the user's ruid),
 *   - it holds a listening socket in the server's own network namespace (`ss -ltnp` names
 *     its pid: ps alone lists other namespaces' processes too), the target port preferred,
 *   - and `/proc/PID/exe` is an nginx binary in a system folder (`nginxExeTrusted`), read as root.
 * Its `-c` is used only when absolute and made of ordinary path characters; otherwise the
 * flow reads nginx's default configuration.
 */
import type { PsOwner } from '../parsers/ps-owners.js';
import type { SsSocket } from '../parsers/ss.js';
import { struct, type Infer } from '../parsers/types.js';

export const NGINX_MASTER_TYPE = struct('NginxMaster', {
  /** A root-started nginx master holds a listening socket here. */
  found: 'bool',
  pid: 'int',
  /** Its absolute `-c` path, or `''` (none, relative, odd characters, or several masters disagree). */
  conf: 'string',
  /** Why nothing was found or `conf` is empty; what was refused. */
  reason: 'string',
  /** The master's `ps` line. */
  line: 'string',
});
export type NginxMaster = Infer<typeof NGINX_MASTER_TYPE>;

const MASTER = /^nginx: master process(?:\s|$)/;
const SAFE_PATH = /^\/[A-Za-z0-9._/+@,=-]+$/;
/** Where distributions and nginx's own packages install the binary. */
const NGINX_EXE = /^(?:\/usr)?(?:\/local)?\/s?bin\/nginx(?:-debug)?$|^\/(?:usr\/local|opt)\/nginx\/sbin\/nginx$/;

/** The trusted nginx master among `procs` (ps-owners) for a connection to `port`. */
export function nginxMaster(procs: readonly PsOwner[], sockets: readonly SsSocket[], port: number): NginxMaster {
  const none = (reason: string): NginxMaster => ({ found: false, pid: 0, conf: '', reason, line: '' });
  const listening = sockets.filter((s) => s.pids.length > 0);
  const holds = (pid: number, p?: number) => listening.some((s) => (p === undefined || s.local_port === p) && s.pids.includes(pid));
  const masters = procs.filter((p) => MASTER.test(p.args) && holds(p.pid));
  if (masters.length === 0) return none('no nginx master process holds a listening socket here');
  const refused = masters.filter((p) => p.ruid !== 0 || p.euid !== 0);
  const root = masters.filter((p) => p.ruid === 0 && p.euid === 0);
  const refusedNote = refused.length ? `; not trusted (not started by root): ${refused.map((p) => `pid ${p.pid} ruid ${p.ruid} euid ${p.euid}`).join(', ')}` : '';
  if (root.length === 0) return none(`no nginx master started by root holds a listening socket here${refusedNote}`);
  const onPort = root.filter((p) => holds(p.pid, port));
  const chosen = onPort.length ? onPort : root;
  const confs = new Set(chosen.map((p) => confArg(p.args)));
  const master = chosen[0]!;
  if (confs.size > 1) return { found: true, pid: master.pid, conf: '', reason: `several nginx masters with different -c (${[...confs].join(', ')})${refusedNote}`, line: master.line };
  const conf = confArg(master.args);
  const why = conf === '' ? 'started without -c' : SAFE_PATH.test(conf) ? '' : `its -c "${conf}" is not an absolute plain path`;
  return { found: true, pid: master.pid, conf: why === '' ? conf : '', reason: `${why}${refusedNote}`.replace(/^; /, ''), line: master.line };
}

/** `readlink /proc/PID/exe` printed an nginx binary in a system folder (a replaced binary shows ` (deleted)`). */
export function nginxExeTrusted(readlinkOutput: string): boolean {
  const path = readlinkOutput.trim().replace(/ \(deleted\)$/, '');
  return NGINX_EXE.test(path);
}

/** The `-c` value in a master's args (`-c PATH` or `-cPATH`), or `''`. */
function confArg(args: string): string {
  const words = args.replace(MASTER, '').trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-c') return words[i + 1] ?? '';
    if (w.startsWith('-c') && w.length > 2) return w.slice(2);
  }
  return '';
}
