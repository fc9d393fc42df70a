/**
 * IP addresses and CIDR blocks as numbers, for the models that compare them (which socket
 * takes a destination, which security-group or ACL rule covers a source). Only numeric
 * literals: a name is never resolved here (the models are pure), it is simply not an address.
 */

export interface Ip {
  readonly v6: boolean;
  /** The address as an unsigned integer: 32 bits for IPv4, 128 for IPv6. */
  readonly n: bigint;
}

export interface Cidr {
  readonly ip: Ip;
  /** Prefix length: 0-32 for IPv4, 0-128 for IPv6. */
  readonly bits: number;
}

/** `198.18.0.1`, `::1`, `fd00::1`, `::ffff:127.0.0.1`; brackets and a `%zone` are allowed and dropped. */
export function parseIp(text: string): Ip | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length > 45) return undefined;
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v6: false, n: v4 };
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { v6: true, n: v6 };
}

/** `10.0.0.0/8`, `2001:db8::/32`; a bare address is its own /32 or /128. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.v6 ? 128 : 32;
  if (slash < 0) return { ip, bits: max };
  const b = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(b) || Number(b) > max) return undefined;
  return { ip, bits: Number(b) };
}

/** The same family and the first `bits` bits equal (an IPv4-mapped IPv6 address is not IPv4 here). */
export function cidrContains(c: Cidr, ip: Ip): boolean {
  if (c.ip.v6 !== ip.v6) return false;
  const width = BigInt(c.ip.v6 ? 128 : 32);
  const shift = width - BigInt(c.bits);
  return c.ip.n >> shift === ip.n >> shift;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** `::ffff:a.b.c.d` → `a.b.c.d`: the packets of such a destination are IPv4 (RFC 4291 §2.5.5.2). */
export function unmapV4(ip: Ip): Ip {
  return ip.v6 && ip.n >> 32n === 0xffffn ? { v6: false, n: ip.n & 0xffffffffn } : ip;
}

export function isMappedV4(ip: Ip): boolean {
  return ip.v6 && ip.n >> 32n === 0xffffn;
}

/** `a.b.c.d` → `::ffff:a.b.c.d`. */
export function mapV4(ip: Ip): Ip {
  return ip.v6 ? ip : { v6: true, n: MAPPED_PREFIX | ip.n };
}

export function isAnyIp(ip: Ip): boolean {
  return ip.n === 0n;
}

/** 127.0.0.0/8 or ::1 (what only the host itself can reach). */
export function isLoopbackIp(ip: Ip): boolean {
  return ip.v6 ? ip.n === 1n : ip.n >> 24n === 127n;
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.v6 === b.v6 && a.n === b.n;
}

/** Dotted quad, each part 0-255 in decimal (inet_pton's form; no octal, no short forms). */
function parseV4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0n;
  for (let i = 1; i <= 4; i++) {
    const p = Number(m[i]);
    if (p > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

/** RFC 4291 §2.2 text forms: eight groups, one `::`, an IPv4 tail. */
function parseV6(s: string): bigint | undefined {
  if (!s.includes(':')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? '', true) : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  let n = 0n;
  for (const g of all) n = (n << 16n) | BigInt(g);
  return n;
}

/** Hex groups of one side of `::`; the last may be a dotted quad (two groups). */
function groups(part: string, last: boolean): number[] | undefined {
  if (part === '') return [];
  const out: number[] = [];
  const words = part.split(':');
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (last && i === words.length - 1 && w.includes('.')) {
      const v4 = parseV4(w);
      if (v4 === undefined) return undefined;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(w)) {
      out.push(parseInt(w, 16));
    } else {
      return undefined;
    }
  }
  return out;
}
