/**
 * Addresses and prefixes as netfilter compares them: an address is a 32- or 128-bit number,
 * a network is (address, mask). IPv4-mapped and zone forms are not special here: the kernel
 * compares bits.
 */

export interface IpNet {
  family: 4 | 6;
  addr: bigint;
  mask: bigint;
}

/** `198.18.0.1` → 4, `::1` → 6, anything else → 0. */
export function familyOf(s: string): 0 | 4 | 6 {
  if (parseV4(s) !== undefined) return 4;
  if (parseV6(s) !== undefined) return 6;
  return 0;
}

export function parseAddr(s: string): { family: 4 | 6; addr: bigint } | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { family: 4, addr: v4 };
  const v6 = parseV6(s);
  if (v6 !== undefined) return { family: 6, addr: v6 };
  return undefined;
}

/** `10.0.0.0/8`, `10.0.0.0/255.0.0.0` (iptables prints non-contiguous masks that way), `::/0`, a bare address. */
export function parseNet(s: string): IpNet | undefined {
  const slash = s.indexOf('/');
  const a = parseAddr(slash < 0 ? s : s.slice(0, slash));
  if (!a) return undefined;
  const bits = a.family === 4 ? 32 : 128;
  const all = (1n << BigInt(bits)) - 1n;
  if (slash < 0) return { family: a.family, addr: a.addr, mask: all };
  const rest = s.slice(slash + 1);
  if (/^\d{1,3}$/.test(rest)) {
    const len = Number(rest);
    if (len > bits) return undefined;
    const mask = len === 0 ? 0n : (all << BigInt(bits - len)) & all;
    return { family: a.family, addr: a.addr & mask, mask };
  }
  const m = parseAddr(rest);
  if (!m || m.family !== a.family) return undefined;
  return { family: a.family, addr: a.addr & m.addr, mask: m.addr };
}

/** `prefix` form of nft: address and length. */
export function prefixNet(addr: string, len: number): IpNet | undefined {
  return parseNet(`${addr}/${len}`);
}

export function inNet(addr: { family: 4 | 6; addr: bigint }, net: IpNet): boolean {
  return addr.family === net.family && (addr.addr & net.mask) === net.addr;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const side = (t: string): number[] | undefined => {
    if (t === '') return [];
    const out: number[] = [];
    const groups = t.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = side(s.slice(0, dbl));
    const tail = side(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = side(s);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}
