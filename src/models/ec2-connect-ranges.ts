/**
 * The addresses the EC2 console's "Connect" (EC2 Instance Connect) comes from: AWS publishes
 * them in https://ip-ranges.amazonaws.com/ip-ranges.json as service `EC2_INSTANCE_CONNECT`, one
 * range per region (https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html).
 * tshoot ships a copy (ec2-instance-connect-ranges.json, with its date) and prefers a refreshed
 * copy in its cache when one is there; it never fetches anything itself.
 */
import shipped from './ec2-instance-connect-ranges.json' with { type: 'json' };
import { openCache, tshootDir } from '../xdg.js';

export interface Ec2ConnectRanges {
  syncToken: string;
  /** ip-ranges.json's own date (`2026-11-30-20-13-05`); `''` for the hand-written shipped copy. */
  createDate: string;
  /** IPv4 and IPv6 ranges by region. */
  prefixes: { prefix: string; region: string }[];
  /** Where it was read: `shipped` or the cache file's name. */
  from: string;
}

export const SERVICE = 'EC2_INSTANCE_CONNECT';
/** The file under `$XDG_CACHE_HOME/tshoot/aws/` that a refresh writes. */
export const CACHE_FILE = 'ec2-instance-connect-ranges.json';

/** The region's IPv4 ranges (what the console connects from to a public IPv4 address). */
export function ec2ConnectSource(r: Ec2ConnectRanges, region: string, ipv6 = false): string[] {
  return r.prefixes.filter((p) => p.region === region && p.prefix.includes(':') === ipv6).map((p) => p.prefix);
}

/**
 * Reads an ip-ranges.json (the full file or the filtered copy): its EC2_INSTANCE_CONNECT
 * ranges, or undefined when the text is not that shape.
 */
export function parseEc2ConnectRanges(text: string, from: string): Ec2ConnectRanges | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!j || typeof j !== 'object') return undefined;
  const o = j as Record<string, unknown>;
  if (!Array.isArray(o.prefixes)) return undefined;
  const prefixes: Ec2ConnectRanges['prefixes'] = [];
  const take = (list: unknown, key: string): void => {
    if (!Array.isArray(list)) return;
    for (const p of list as Record<string, unknown>[]) {
      if (p && p.service === SERVICE && typeof p[key] === 'string' && typeof p.region === 'string') prefixes.push({ prefix: p[key] as string, region: p.region });
    }
  };
  take(o.prefixes, 'ip_prefix');
  take(o.ipv6_prefixes, 'ipv6_prefix');
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { syncToken: str(o.syncToken), createDate: str(o.createDate), prefixes, from };
}

/** The small copy to keep (and to write to the cache) from a downloaded ip-ranges.json. */
export function refreshedEc2ConnectRanges(ipRangesJson: string): string | undefined {
  const r = parseEc2ConnectRanges(ipRangesJson, 'download');
  if (!r || r.prefixes.length === 0 || !r.createDate) return undefined;
  const v4 = r.prefixes.filter((p) => !p.prefix.includes(':'));
  const v6 = r.prefixes.filter((p) => p.prefix.includes(':'));
  return `${JSON.stringify(
    {
      syncToken: r.syncToken,
      createDate: r.createDate,
      prefixes: v4.map((p) => ({ ip_prefix: p.prefix, region: p.region, service: SERVICE })),
      ipv6_prefixes: v6.map((p) => ({ ipv6_prefix: p.prefix, region: p.region, service: SERVICE })),
    },
    null,
    2,
  )}\n`;
}

/** The shipped copy. */
export function shippedEc2ConnectRanges(): Ec2ConnectRanges {
  return parseEc2ConnectRanges(JSON.stringify(shipped), 'shipped')!;
}

/**
 * The refreshed copy in the cache when there is one only this user could have written and it
 * is newer than the shipped one; the shipped copy otherwise (and with `TSHOOT_NO_CACHE`).
 */
export function loadEc2ConnectRanges(env: Readonly<Record<string, string | undefined>> = process.env): Ec2ConnectRanges {
  const own = shippedEc2ConnectRanges();
  if (env.TSHOOT_NO_CACHE) return own;
  const bytes = openCache(tshootDir(env, 'cache', 'aws')).read(CACHE_FILE);
  const cached = bytes ? parseEc2ConnectRanges(bytes.toString('utf8'), CACHE_FILE) : undefined;
  // createDate is `YYYY-MM-DD-hh-mm-ss`: newer sorts later.
  return cached && cached.prefixes.length > 0 && cached.createDate > own.createDate ? cached : own;
}
