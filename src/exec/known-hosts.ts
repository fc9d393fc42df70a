/**
 * OpenSSH known_hosts, read and appended the way `ssh` does (sshd(8) "SSH_KNOWN_HOSTS FILE
 * FORMAT", hostfile.c): plain and hashed (`|1|salt|hmac`) host fields, `[host]:port` for
 * ports other than 22 (but a HostKeyAlias bare, whatever the port), `!negated` and `*`/`?`
 * patterns, and the `@revoked` marker.
 * `@cert-authority` lines are skipped: host certificates are not checked.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { displayArgv } from './shell-quote.js';

export interface KnownHostEntry {
  readonly file: string;
  /** 1-based, as `ssh` prints it. */
  readonly line: number;
  readonly marker: 'revoked' | 'cert-authority' | null;
  readonly hosts: string;
  readonly keyType: string;
  readonly key: Buffer;
}

export type HostKeyStatus =
  | { readonly kind: 'known'; readonly entry: KnownHostEntry }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'revoked'; readonly entry: KnownHostEntry }
  /** An entry for this host has the same key type and another key: possible MITM. */
  | { readonly kind: 'changed'; readonly entry: KnownHostEntry }
  /** Only keys of other types are known for this host; OpenSSH warns here too. */
  | { readonly kind: 'other-type'; readonly entries: readonly KnownHostEntry[] };

/** `SHA256:…` as `ssh-keygen -lf` prints it: base64 of the SHA-256 of the key blob, unpadded. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (RFC 4253 §6.6), e.g. `ssh-ed25519`. */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4 || len > 64) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** The name a host is filed under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * The name known_hosts is searched and written under: a HostKeyAlias as it is, whatever the
 * port, else `knownHostName`. OpenSSH sshconnect.c get_hostfile_hostname_ipaddr(): "Allow the
 * user to record the key under a different name or differentiate a non-standard port" — the
 * alias replaces `put_host_port(host, port)` whole.
 */
export function hostKeyName(host: string, port: number, alias: string | null): string {
  return alias ?? knownHostName(host, port);
}

/**
 * The command that removes `name`'s entries from `file`, to paste: `ssh-keygen -R NAME`, with
 * `-f FILE` unless FILE is the one ssh-keygen edits by default (ssh-keygen(1): `-R` works on
 * ~/.ssh/known_hosts, the passwd entry's home, not $HOME) — a key found in another file
 * (UserKnownHostsFile, a global file) would otherwise be left where it is.
 */
export function forgetHostCommand(name: string, file: string): string {
  let home: string | null;
  try {
    home = userInfo().homedir;
  } catch {
    home = null; // no passwd entry: say the file
  }
  const isDefault = home !== null && file === join(home, '.ssh', 'known_hosts');
  return displayArgv(['ssh-keygen', '-R', name, ...(isDefault ? [] : ['-f', file])]);
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue;
    }
    const [hosts, keyType, b64] = fields;
    if (hosts === undefined || keyType === undefined || b64 === undefined) continue;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) continue;
    entries.push({ file, line: i + 1, marker, hosts, keyType, key });
  }
  return entries;
}

/** Whether a known_hosts host field (hashed, or a pattern list) names `name`. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (salt === undefined || hash === undefined) return false;
    const want = Buffer.from(hash, 'base64');
    const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  // match_hostname(): a matching negated pattern vetoes the line.
  const lower = name.toLowerCase();
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const p = (negated ? pattern.slice(1) : pattern).toLowerCase();
    if (!globMatch(p, lower)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

export async function readKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/** Classify a presented host key against the entries for `name` (see hostKeyName), as check_host_key() does. */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, blob: Buffer): HostKeyStatus {
  const mine = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = mine.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = mine.filter((e) => e.marker === null);
  const known = plain.find((e) => e.key.equals(blob));
  if (known) return { kind: 'known', entry: known };
  const type = keyTypeOfBlob(blob);
  const sameType = plain.find((e) => keyTypeOfBlob(e.key) === type);
  if (sameType) return { kind: 'changed', entry: sameType };
  if (plain.length > 0) return { kind: 'other-type', entries: plain };
  return { kind: 'unknown' };
}

/**
 * check_host_key() for a destination: the key looked up under hostKeyName(), and, as OpenSSH
 * does when that finds nothing and there is no HostKeyAlias, under the bare host for a port
 * other than 22 — accepted only if it matches there ("checking without port identifier …
 * found matching key w/out port", sshconnect.c); another key there leaves it unknown.
 */
export function checkDestHostKey(
  entries: readonly KnownHostEntry[],
  dest: { readonly host: string; readonly port: number; readonly alias: string | null },
  blob: Buffer,
): HostKeyStatus {
  const status = checkHostKey(entries, hostKeyName(dest.host, dest.port, dest.alias), blob);
  if (status.kind !== 'unknown' || dest.alias !== null || dest.port === 22) return status;
  const bare = checkHostKey(entries, dest.host, blob);
  return bare.kind === 'known' ? bare : status;
}

/** Key types already known for the host: offered first, as OpenSSH orders HostKeyAlgorithms. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = new Set<string>();
  for (const e of entries) {
    if (e.marker === null && hostFieldMatches(e.hosts, name)) types.add(keyTypeOfBlob(e.key));
  }
  return [...types];
}

/** Append a host key line for `name` (see hostKeyName), creating the directory (0700) and file (0600) if needed. */
export async function appendKnownHost(file: string, name: string, blob: Buffer, hashed = false): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const field = hashed ? hashHostName(name) : name;
  await appendFile(file, `${field} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
  await chmod(file, 0o600).catch(() => undefined);
}

/** `|1|salt|HMAC-SHA1(salt, name)`, as `HashKnownHosts yes` writes. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

/** OpenSSH match_pattern(): `*` any run, `?` one character, everything else literal. */
function globMatch(pattern: string, s: string): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === s[i])) {
      p++;
      i++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = i;
    } else if (star !== -1) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
