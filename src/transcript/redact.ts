/**
 * Redaction, applied to every string of a transcript line before it is written: secrets
 * become `‹secret:HASH›`, and with `--redact-hosts` the roles' and the target's hosts become
 * placeholders. Both are deterministic within one transcript (the hash is keyed by the
 * header's salt; hosts are numbered in order), so the same secret or host reads the same
 * everywhere in the file and replay compares like with like. Redacting twice changes
 * nothing: placeholders match no pattern.
 *
 * Passwords and passphrases typed at a prompt never reach here at all: they are asked by
 * the SSH executor's own prompt, which no observer sees.
 */
import { nodeCrypto, nodeNet } from '../lazy.js';

export interface Redactor {
  text(s: string): string;
  /** Every string inside a JSON value (keys are left as they are). */
  value<T>(v: T): T;
}

// Each rule: the whole match is a secret, or (`keep`) its first group is kept and the
// rest hidden. Values already redacted (`‹…`) are skipped so that redaction is idempotent.
// `\u2039` is `‹`: escaped, so that the bundle chunk stays one-byte text (see parsers/ls.ts).
// `needs`: a text every match contains (case-insensitively); a string with none of them is
// passed by one scan instead of one per rule (most strings: titles, summaries, argv).
const RULES: ReadonlyArray<{ readonly re: RegExp; readonly keep?: true; readonly needs: string }> = [
  // PEM private keys (RFC 7468), also a key cut short by truncated output.
  { re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)/g, needs: '-----BEGIN ' },
  // HTTP credentials: the whole header value (RFC 9110 §11.6.2, §11.7.2), and bare bearer tokens.
  { re: /((?<![A-Za-z0-9\u2039-])(?:proxy-)?authorization[ \t]*:[ \t]*)(?![ \t\u2039])[^\r\n]+/gi, keep: true, needs: 'authorization' },
  { re: /((?<![A-Za-z0-9\u2039])bearer[ \t]+)(?![ \t\u2039])[A-Za-z0-9._~+/=-]{8,}/gi, keep: true, needs: 'bearer' },
  // name=value / name: value for names that hold secrets (DB_PASSWORD=…, --token=…, "secret": "…").
  {
    re: /((?<![A-Za-z0-9\u2039])(?:password|passwd|passphrase|pwd|secret|client[_-]?secret|token|access[_-]?token|api[_-]?key|access[_-]?key|private[_-]?key)["']?[ \t]*[=:][ \t]*)(?![ \t\u2039])(?:"[^"\r\n]+"|'[^'\r\n]+'|[^\s&;,"'\u2039]+)/gi,
    keep: true,
    needs: 'passw|passphrase|pwd|secret|token|key',
  },
  // user:password@ in URLs.
  { re: /((?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s:/@\u2039]+:)(?!\u2039)[^\s@/]+(?=@)/gi, keep: true, needs: '://' },
  // Well-known token shapes.
  { re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, needs: 'gh[pousr]_|github_pat_' },
  { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g, needs: 'AKIA|ASIA' },
  { re: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{8,}/g, needs: 'xox' },
  { re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+/g, needs: 'eyJ' },
];

/** What a string must contain for any rule to match it. */
const ANY_RULE = new RegExp(RULES.map((r) => r.needs).join('|'), 'i');

/** Names that identify no one: never replaced by `--redact-hosts`. */
const NOT_A_HOST = new Set(['', 'local', 'localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

export function createRedactor(opts: { salt: string; hosts?: readonly string[] }): Redactor {
  const placeholder = (secret: string) => `‹secret:${nodeCrypto().createHash('sha256').update(opts.salt).update('\0').update(secret).digest('hex').slice(0, 8)}›`;
  const hostRe = hostPattern(opts.hosts ?? []);
  const text = (s: string): string => {
    let out = s;
    for (const { re, keep } of ANY_RULE.test(s) ? RULES : []) {
      out = out.replace(re, (m: string, kept?: unknown) => {
        const [head, secret] = keep && typeof kept === 'string' ? [kept, m.slice(kept.length)] : ['', m];
        // A secret over several lines (a PEM key) stays as many lines: evidence is kept by line.
        const p = placeholder(secret);
        return head + secret.split('\n').map(() => p).join('\n');
      });
    }
    if (hostRe) out = out.replace(hostRe.re, (m) => hostRe.map.get(m.toLowerCase()) ?? m);
    return out;
  };
  const value = <T>(v: T): T => {
    if (typeof v === 'string') return text(v) as T;
    // Lines of one output (evidence) are redacted together, so that a key split into lines is found.
    if (Array.isArray(v) && v.length > 1 && v.every((x) => typeof x === 'string' && !x.includes('\n'))) {
      const lines = text(v.join('\n')).split('\n');
      if (lines.length === v.length) return lines as T;
    }
    if (Array.isArray(v)) return v.map(value) as T;
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = value(x);
      return o as T;
    }
    return v;
  };
  return { text, value };
}

/** The host part of an ssh destination or target: `user@web1:2222` → `web1`, `[::1]:22` → `::1`. */
export function hostOf(dest: string): string {
  let h = dest.includes('@') ? dest.slice(dest.lastIndexOf('@') + 1) : dest;
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  if (bracket) return bracket[1]!;
  if (nodeNet().isIP(h) !== 6) h = h.replace(/:\d+$/, '');
  return h;
}

/**
 * Hosts to placeholders that still parse as what they replace, so that a flow's parsers and
 * conditions read a redacted transcript as they read the original: names → `host-N`, IPv4 →
 * 192.0.2.N (RFC 5737), IPv6 → 2001:db8::N (RFC 3849). Loopback stays: it names no one.
 */
function hostPattern(hosts: readonly string[]): { re: RegExp; map: Map<string, string> } | null {
  const map = new Map<string, string>();
  const n = { name: 0, v4: 0, v6: 0 };
  for (const raw of hosts) {
    const h = raw.toLowerCase();
    if (NOT_A_HOST.has(h) || map.has(h) || /^127\./.test(h)) continue;
    const kind = nodeNet().isIP(h);
    if (kind === 4) map.set(h, `192.0.2.${++n.v4}`);
    else if (kind === 6) map.set(h, `2001:db8::${(++n.v6).toString(16)}`);
    else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(h)) {
      map.set(h, `host-${++n.name}`);
      // The short name of an FQDN names the host too.
      const short = h.split('.')[0]!;
      if (short !== h && short.length > 2 && !map.has(short)) map.set(short, map.get(h)!);
    }
  }
  if (map.size === 0) return null;
  // Longest first so that `web1.example.com` wins over `web1`; whole names only.
  const alts = [...map.keys()].sort((a, b) => b.length - a.length).map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return { re: new RegExp(`(?<![A-Za-z0-9_.-])(?:${alts.join('|')})(?![A-Za-z0-9_-]|\\.[A-Za-z0-9]|:[0-9a-fA-F]*:)`, 'gi'), map };
}
