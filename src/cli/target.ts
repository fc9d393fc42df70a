/**
 * `--target`: a URL (`http://web/`, `https://[::1]:8443/x`) or `HOST:PORT`.
 */
import { networkInterfaces, hostname } from 'node:os';
import type { TargetInfo } from '../engine/types.js';

export class UsageError extends Error {
  readonly code = 'usage';
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ssh: 22 };

/** `where` names the target's source in messages: the option, or the pasted error (diagnose). */
export function parseTarget(raw: string, where = `--target ${JSON.stringify(raw)}`): TargetInfo {
  const s = raw.trim();
  if (!s) throw new UsageError('--target is empty: give a URL (http://host/path) or HOST:PORT');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new UsageError(`${where}: not a valid URL`);
    }
    const scheme = u.protocol.slice(0, -1).toLowerCase();
    const port = u.port ? Number(u.port) : DEFAULT_PORTS[scheme];
    if (!port) throw new UsageError(`${where}: no port for scheme "${scheme}"; add :PORT`);
    if (!u.hostname) throw new UsageError(`${where}: no host`);
    const host = checkHost(where, stripBrackets(u.hostname));
    return { url: u.href, scheme, host, port, path: `${u.pathname}${u.search}`, loopback: isLoopbackHost(host), given: true };
  }
  // An EC2 instance id alone (console-connect finds it with the AWS CLI): its SSH port.
  if (INSTANCE_ID.test(s)) return { url: `tcp://${s}:22`, scheme: 'tcp', host: s, port: 22, path: '', loopback: false, given: true };
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(s);
  if (!m) throw new UsageError(`${where}: expected a URL (http://host/path) or HOST:PORT`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`${where}: port ${port} is out of range 1-65535`);
  const host = checkHost(where, stripBrackets(m[1]!));
  return { url: `tcp://${m[1]}:${port}`, scheme: 'tcp', host, port, path: '', loopback: isLoopbackHost(host), given: true };
}

/**
 * A host goes into argvs as an operand (`nc -vz -w 5 HOST PORT`, `getent ahostsv4 HOST`): one
 * that starts with `-` would be read as an option (`-oProxyCommand=…`, `-e /bin/sh`), and no
 * host name does (RFC 1123 §2.1: a label starts with a letter or digit). Control characters
 * are in no host name either.
 */
function checkHost(where: string, host: string): string {
  if (host.startsWith('-')) throw new UsageError(`${where}: the host ${JSON.stringify(host)} starts with "-", which no host name does (it would be read as an option)`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f-\x9f]/.test(host)) throw new UsageError(`${where}: the host ${JSON.stringify(host)} holds a control character`);
  return host;
}

/** An EC2 instance id: `i-` and 8 or 17 hex digits (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html). */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export const NO_TARGET: TargetInfo = { url: '', scheme: '', host: '', port: 0, path: '', loopback: false, given: false };

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h);
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Whether `host` names this machine: loopback, its host name, or one of its addresses. */
export function isThisMachine(host: string): boolean {
  const h = host.toLowerCase();
  if (isLoopbackHost(h) || h === '0.0.0.0' || h === '::') return true;
  if (h === hostname().toLowerCase()) return true;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.address.toLowerCase() === h) return true;
  }
  return false;
}
