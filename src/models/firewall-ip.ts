/**
 * Addresses and prefixes as netfilter compares them: an address is a 32- or 128-bit number,
 * a network is (address, mask). IPv4-mapped and zone forms are not special here: the kernel
 * compares bits. Addresses are read by models/ip.ts; this adds masks (dotted ones included).
 */
import { parseCidr, parseIp } from './ip.js';

export interface IpNet {
  family: 4 | 6;
  addr: bigint;
  mask: bigint;
}

/** `198.18.0.1` → 4, `::1` → 6, anything else → 0. */
export function familyOf(s: string): 0 | 4 | 6 {
  const ip = parseIp(s);
  return ip ? (ip.v6 ? 6 : 4) : 0;
}

export function parseAddr(s: string): { family: 4 | 6; addr: bigint } | undefined {
  const ip = parseIp(s);
  return ip && { family: ip.v6 ? 6 : 4, addr: ip.n };
}

/** `10.0.0.0/8`, `10.0.0.0/255.0.0.0` (iptables prints non-contiguous masks that way), `::/0`, a bare address. */
export function parseNet(s: string): IpNet | undefined {
  const slash = s.indexOf('/');
  const dotted = slash >= 0 ? parseAddr(s.slice(slash + 1)) : undefined;
  if (dotted) {
    const a = parseAddr(s.slice(0, slash));
    if (!a || a.family !== dotted.family) return undefined;
    return { family: a.family, addr: a.addr & dotted.addr, mask: dotted.addr };
  }
  const c = parseCidr(s);
  if (!c) return undefined;
  const bits = c.ip.v6 ? 128 : 32;
  const all = (1n << BigInt(bits)) - 1n;
  const mask = c.bits === 0 ? 0n : (all << BigInt(bits - c.bits)) & all;
  return { family: c.ip.v6 ? 6 : 4, addr: c.ip.n & mask, mask };
}

/** `prefix` form of nft: address and length. */
export function prefixNet(addr: string, len: number): IpNet | undefined {
  return parseNet(`${addr}/${len}`);
}

export function inNet(addr: { family: 4 | 6; addr: bigint }, net: IpNet): boolean {
  return addr.family === net.family && (addr.addr & net.mask) === net.addr;
}
