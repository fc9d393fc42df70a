/**
 * `--target`: a URL (`http://web/`, `https://[::1]:8443/x`) or `HOST:PORT`.
 */
import { networkInterfaces, hostname } from 'node:os';
import type { TargetInfo } from '../engine/types.js';

export class UsageError extends Error {
  readonly code = 'usage';
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ssh: 22 };

export function parseTarget(raw: string): TargetInfo {
  const s = raw.trim();
  if (!s) throw new UsageError('--target is empty: give a URL (http://host/path) or HOST:PORT');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new UsageError(`--target ${JSON.stringify(raw)} is not a valid URL`);
    }
    const scheme = u.protocol.slice(0, -1).toLowerCase();
    const port = u.port ? Number(u.port) : DEFAULT_PORTS[scheme];
    if (!port) throw new UsageError(`--target ${JSON.stringify(raw)}: no port for scheme "${scheme}"; add :PORT`);
    if (!u.hostname) throw new UsageError(`--target ${JSON.stringify(raw)} has no host`);
    const host = stripBrackets(u.hostname);
    return { url: u.href, scheme, host, port, path: `${u.pathname}${u.search}`, loopback: isLoopbackHost(host), given: true };
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(s);
  if (!m) throw new UsageError(`--target ${JSON.stringify(raw)}: expected a URL (http://host/path) or HOST:PORT`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`--target ${JSON.stringify(raw)}: port ${port} is out of range 1-65535`);
  const host = stripBrackets(m[1]!);
  return { url: `tcp://${m[1]}:${port}`, scheme: 'tcp', host, port, path: '', loopback: isLoopbackHost(host), given: true };
}

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
