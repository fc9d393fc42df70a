/**
 * Socket addresses as `ss` and nginx print them: `0.0.0.0`, `*`, `[::]`, `[::1]`,
 * `127.0.0.53%lo` (bound to a device: the part after `%`), `[fe80::1]%eth0`.
 */

export interface HostPort {
  /** The address as printed, brackets and zone included. */
  readonly addr: string;
  /** The text after the last `:`; empty when there is none. */
  readonly port: string;
}

/** Splits `addr:port` at the last colon (IPv6 addresses are bracketed in these outputs). */
export function splitHostPort(s: string): HostPort {
  const i = s.lastIndexOf(':');
  if (i < 0) return { addr: s, port: '' };
  // An unbracketed IPv6 address with no port (`::1`): the colon belongs to the address.
  if (s.indexOf(':') !== i && !s.includes(']')) return { addr: s, port: '' };
  return { addr: s.slice(0, i), port: s.slice(i + 1) };
}

/** The address without brackets or `%zone`: `[::1]` → `::1`, `127.0.0.53%lo` → `127.0.0.53`. */
export function bareHost(addr: string): string {
  let s = addr;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    // The zone may sit inside the brackets (`[fe80::1%eth0]`) or after them.
    const close = s.indexOf(']', pct);
    s = close >= 0 ? s.slice(0, pct) + s.slice(close) : s.slice(0, pct);
  }
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  return s;
}

/** The `%zone` (device) of an address, or `''`. */
export function zoneOf(addr: string): string {
  const pct = addr.indexOf('%');
  if (pct < 0) return '';
  const close = addr.indexOf(']', pct);
  return close >= 0 ? addr.slice(pct + 1, close) : addr.slice(pct + 1);
}

/** Bound to every address of the host (reachable from outside if nothing filters). */
export function isWildcard(addr: string): boolean {
  const h = bareHost(addr);
  return h === '0.0.0.0' || h === '*' || h === '::' || h === '';
}

/**
 * Reachable only from the host itself: 127.0.0.0/8, ::1, IPv4-mapped 127.x, `localhost`,
 * or bound to the `lo` device (`%lo`).
 */
export function isLoopback(addr: string): boolean {
  const h = bareHost(addr).toLowerCase();
  return (
    h.startsWith('127.') ||
    h === '::1' ||
    h.startsWith('::ffff:127.') ||
    h === 'localhost' ||
    zoneOf(addr) === 'lo'
  );
}
