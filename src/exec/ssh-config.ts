/**
 * Resolve what the user typed (`[user@]host[:port]` or an alias from ~/.ssh/config) into the
 * options OpenSSH itself would use. We don't parse the config ourselves where `ssh` exists:
 * `ssh -G` applies Include, Match, Host order and defaults exactly (ssh(1) `-G`). Without
 * `ssh`, the `ssh-config` package is a fallback (Include inlined, `Match exec` never run).
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { homedir, hostname as localHostname, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { SSH_CONFIG_TEXT, saySshConfig, type SshConfigProblem, type SshConfigText } from '../ui/messages.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

export interface ResolvedDest {
  /** What the user typed. */
  readonly dest: string;
  /** The host part of it: an alias or a name/address (`%n`). */
  readonly alias: string;
  /** Where to connect (`HostName`, `%h`). */
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  /** Existing or not: the caller skips files that are missing. */
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** Agent socket path, or null for none. */
  readonly identityAgent: string | null;
  /** Raw `ProxyJump` value (`[user@]host[:port][,…]`), or null. */
  readonly proxyJump: string | null;
  /** A ProxyCommand is not supported; kept to say so. */
  readonly proxyCommand: string | null;
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  readonly strictHostKeyChecking: StrictHostKeyChecking;
  readonly hashKnownHosts: boolean;
  /** Name used to look up the host key instead of `hostname`. */
  readonly hostKeyAlias: string | null;
  readonly connectTimeoutMs: number | null;
  readonly serverAliveIntervalMs: number | null;
  readonly configFile: string | null;
  readonly source: 'ssh -G' | 'ssh-config';
}

export interface ResolveOptions {
  /** An explicit config file (`ssh -F`); default ~/.ssh/config. */
  readonly configFile?: string;
  /** Default `ssh`; tests force the fallback with a missing binary. */
  readonly sshBinary?: string;
}

export interface ParsedDest {
  readonly user: string | null;
  readonly host: string;
  readonly port: number | null;
}

/** A destination or ssh config tshoot cannot use: its English `message`; `in(t)` in another language (SSH_CONFIG_TEXT). */
export class SshConfigError extends Error {
  constructor(readonly problem: SshConfigProblem) {
    super(saySshConfig(problem, SSH_CONFIG_TEXT.en));
  }
}

/** An error from resolving a destination, in `t`'s language when it is ours. */
export function configMessage(err: unknown, t: SshConfigText): string {
  return err instanceof SshConfigError ? saySshConfig(err.problem, t) : (err as Error).message;
}

/**
 * Split `[user@]host[:port]`; `[v6addr]:port` and bare IPv6 addresses are understood.
 *
 * @example
 * parseDest('admin@web1:2222') // → { user: 'admin', host: 'web1', port: 2222 }
 */
export function parseDest(dest: string): ParsedDest {
  let rest = dest.trim();
  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port: number | null = null;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1] ?? '';
    port = v6[2] === undefined ? null : Number(v6[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h, p] = rest.split(':');
    host = h ?? '';
    if (p === undefined || !/^\d+$/.test(p)) throw new SshConfigError({ code: 'badPort', dest });
    port = Number(p);
  }
  if (host === '' || host.startsWith('-') || /[\s'"\\`$;]/.test(host)) {
    throw new SshConfigError({ code: 'badHost', dest });
  }
  if (user !== null && (user === '' || user.startsWith('-') || /\s/.test(user))) {
    throw new SshConfigError({ code: 'badUser', dest });
  }
  if (port !== null && (port < 1 || port > 65535)) throw new SshConfigError({ code: 'portRange', dest });
  return { user, host, port };
}

/**
 * Resolve a destination as `ssh` would, with `ssh -G` or, without ssh, the ssh-config package.
 *
 * @example
 * const r = await resolveSshDest('web1'); // Host web1 → HostName 10.0.0.5, User deploy …
 * r.hostname; r.port; r.identityFiles;
 */
export async function resolveSshDest(dest: string, opts: ResolveOptions = {}): Promise<ResolvedDest> {
  const parsed = parseDest(dest);
  const configFile = opts.configFile ?? null;
  let options: Map<string, string[]>;
  let source: ResolvedDest['source'] = 'ssh -G';
  try {
    options = await sshG(parsed, configFile, opts.sshBinary ?? 'ssh');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    options = await fallbackOptions(parsed, configFile);
    source = 'ssh-config';
  }
  return fromOptions(dest, parsed, options, configFile, source);
}

/**
 * The `Host` names in the user's config (Include followed) that name one host: no `*`, `?`
 * or `!`. For a "which host?" prompt.
 */
export async function listSshAliases(configFile?: string): Promise<string[]> {
  const file = configFile ?? join(homedir(), '.ssh', 'config');
  let text: string;
  try {
    text = await inlineIncludes(file, 0);
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^\s*Host(?:\s*=\s*|\s+)(.*)$/i.exec(line);
    if (!m) continue;
    for (const name of splitWords(m[1] ?? '')) {
      if (!/[*?!]/.test(name)) out.add(name);
    }
  }
  return [...out];
}

async function sshG(parsed: ParsedDest, configFile: string | null, bin: string): Promise<Map<string, string[]>> {
  const args = ['-G'];
  if (configFile !== null) args.push('-F', configFile);
  if (parsed.port !== null) args.push('-p', String(parsed.port));
  if (parsed.user !== null) args.push('-l', parsed.user);
  args.push('--', parsed.host);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(bin, args, { timeout: 15_000, maxBuffer: 1 << 20 }, (err, out, errOut) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') reject(err);
        else reject(new SshConfigError({ code: 'sshG', host: parsed.host, why: String(errOut).trim().split('\n').pop() ?? err.message }));
      } else resolve(String(out));
    });
  });
  const options = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const key = line.slice(0, sp).toLowerCase();
    const list = options.get(key) ?? [];
    list.push(line.slice(sp + 1));
    options.set(key, list);
  }
  return options;
}

async function fallbackOptions(parsed: ParsedDest, configFile: string | null): Promise<Map<string, string[]>> {
  const file = configFile ?? join(homedir(), '.ssh', 'config');
  let text = '';
  try {
    text = await inlineIncludes(file, 0);
  } catch (err) {
    if (configFile !== null) throw new SshConfigError({ code: 'cannotRead', file, why: (err as Error).message });
  }
  const computed = SSHConfig.parse(text).compute(
    { Host: parsed.host, ...(parsed.user === null ? {} : { User: parsed.user }) },
    { matchExec: false, ignoreCase: true },
  );
  const options = new Map<string, string[]>();
  for (const [k, v] of Object.entries(computed)) {
    const key = k.toLowerCase();
    const values = Array.isArray(v) ? v : [v];
    // Multi-valued options come back as lists of words; ssh -G prints them space-joined.
    options.set(key, key === 'identityfile' ? values : [values.join(' ')]);
  }
  if (parsed.port !== null) options.set('port', [String(parsed.port)]);
  if (parsed.user !== null) options.set('user', [parsed.user]);
  return options;
}

function fromOptions(
  dest: string,
  parsed: ParsedDest,
  options: Map<string, string[]>,
  configFile: string | null,
  source: ResolvedDest['source'],
): ResolvedDest {
  const one = (key: string): string | undefined => options.get(key)?.[0];
  const hostname = one('hostname') ?? parsed.host;
  const port = Number(one('port') ?? parsed.port ?? 22);
  const user = one('user') ?? parsed.user ?? userInfo().username;
  const tokens: Tokens = { alias: parsed.host, hostname, port, user };
  const expand = (s: string): string => expandPath(s, tokens);
  const none = (s: string | undefined): boolean => s === undefined || s.toLowerCase() === 'none';

  let identityFiles = (options.get('identityfile') ?? []).map(expand);
  if (identityFiles.length === 0) {
    identityFiles = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f));
  }
  const agentRaw = one('identityagent');
  let identityAgent: string | null = process.env.SSH_AUTH_SOCK || null;
  if (agentRaw !== undefined && agentRaw !== 'SSH_AUTH_SOCK') {
    if (none(agentRaw)) identityAgent = null;
    else if (agentRaw.startsWith('$')) identityAgent = process.env[agentRaw.slice(1).replace(/^\{|\}$/g, '')] || null;
    else identityAgent = expand(agentRaw);
  }
  const list = (key: string, dflt: string[]): string[] => {
    const v = options.get(key);
    const words = v === undefined ? dflt : v.flatMap(splitWords);
    return words.filter((w) => w.toLowerCase() !== 'none').map(expand);
  };
  const strictRaw = (one('stricthostkeychecking') ?? 'ask').toLowerCase();
  const strict: StrictHostKeyChecking =
    strictRaw === 'yes' || strictRaw === 'true'
      ? 'yes'
      : strictRaw === 'accept-new'
        ? 'accept-new'
        : strictRaw === 'no' || strictRaw === 'off' || strictRaw === 'false'
          ? 'no'
          : 'ask';
  const seconds = (key: string): number | null => {
    const v = one(key);
    if (v === undefined || !/^\d+$/.test(v) || v === '0') return null;
    return Number(v) * 1000;
  };
  const proxyJump = one('proxyjump');
  const proxyCommand = one('proxycommand');
  const hostKeyAlias = one('hostkeyalias');
  return {
    dest,
    alias: parsed.host,
    hostname,
    port,
    user,
    identityFiles,
    identitiesOnly: (one('identitiesonly') ?? 'no').toLowerCase() === 'yes',
    identityAgent,
    proxyJump: none(proxyJump) ? null : (proxyJump ?? null),
    proxyCommand: none(proxyCommand) ? null : (proxyCommand ?? null),
    userKnownHostsFiles: list('userknownhostsfile', ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']),
    globalKnownHostsFiles: list('globalknownhostsfile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']),
    strictHostKeyChecking: strict,
    hashKnownHosts: (one('hashknownhosts') ?? 'no').toLowerCase() === 'yes',
    hostKeyAlias: none(hostKeyAlias) ? null : (hostKeyAlias ?? null),
    connectTimeoutMs: seconds('connecttimeout'),
    serverAliveIntervalMs: seconds('serveraliveinterval'),
    configFile,
    source,
  };
}

interface Tokens {
  readonly alias: string;
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
}

/** `~` and the TOKENS of ssh_config(5) that `ssh -G` leaves in paths. */
export function expandPath(s: string, t: Tokens): string {
  const home = homedir();
  let out = s.replace(/%(.)/g, (whole, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return home;
      case 'h':
        return t.hostname;
      case 'n':
        return t.alias;
      case 'p':
        return String(t.port);
      case 'r':
        return t.user;
      case 'u':
        return userInfo().username;
      case 'i':
        return String(process.getuid?.() ?? '');
      case 'l':
        return localHostname();
      case 'L':
        return localHostname().split('.')[0] ?? '';
      default:
        return whole;
    }
  });
  if (out === '~') out = home;
  else if (out.startsWith('~/')) out = join(home, out.slice(2));
  return out;
}

/** Config text with `Include` lines replaced by the files they name (ssh_config(5): relative to ~/.ssh). */
async function inlineIncludes(file: string, depth: number): Promise<string> {
  if (depth > 16) throw new SshConfigError({ code: 'includeDeep', file });
  const text = await readFile(file, 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*Include(?:\s*=\s*|\s+)(.*)$/i.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    for (const word of splitWords(m[1] ?? '')) {
      let path = word.startsWith('~/') ? join(homedir(), word.slice(2)) : word;
      if (!isAbsolute(path)) path = join(homedir(), '.ssh', path);
      for (const f of await globFiles(path)) {
        out.push(await inlineIncludes(f, depth + 1).catch(() => ''));
      }
    }
  }
  return out.join('\n');
}

/** Glob with `*`/`?` in the last path component only: enough for `Include config.d/*`. */
async function globFiles(path: string): Promise<string[]> {
  const base = basename(path);
  if (!/[*?]/.test(base)) return [path];
  const dir = dirname(path);
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  try {
    return (await readdir(dir)).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function splitWords(s: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) words.push(m[1] ?? m[2] ?? '');
  return words;
}
