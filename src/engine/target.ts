/**
 * What the user tried to reach, read from text: a URL (`http://web/`, `https://[::1]:8443/x`),
 * `HOST:PORT`, or an EC2 instance id. One reading for every way a target arrives — `--target`,
 * the target question at a prompt, an answers file — so each explains a bad one the same way.
 */
import type { TargetInfo } from './types.js';

/** Why a text is no target, as data: its words are the UI's (ui/messages.ts TARGET_TEXT, in the session's language). */
export type TargetProblem =
  | { readonly code: 'empty' | 'badUrl' | 'noHost' | 'notTarget' }
  | { readonly code: 'noPort'; readonly scheme: string }
  | { readonly code: 'portRange'; readonly port: number }
  | { readonly code: 'hostDash' | 'hostControl'; readonly host: string };

/** The target, or why the text is none (said of the text, without saying where it came from). */
export function readTarget(raw: string): TargetInfo | { readonly problem: TargetProblem } {
  const s = raw.trim();
  if (!s) return { problem: { code: 'empty' } };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return { problem: { code: 'badUrl' } };
    }
    const scheme = u.protocol.slice(0, -1).toLowerCase();
    const port = u.port ? Number(u.port) : DEFAULT_PORTS[scheme];
    if (!port) return { problem: { code: 'noPort', scheme } };
    if (!u.hostname) return { problem: { code: 'noHost' } };
    const host = stripBrackets(u.hostname);
    const bad = hostProblem(host);
    if (bad) return { problem: bad };
    return { url: u.href, scheme, host, port, path: `${u.pathname}${u.search}`, loopback: isLoopbackHost(host), given: true };
  }
  // An EC2 instance id alone (console-connect finds it with the AWS CLI): its SSH port.
  if (INSTANCE_ID.test(s)) return { url: `tcp://${s}:22`, scheme: 'tcp', host: s, port: 22, path: '', loopback: false, given: true };
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return { problem: { code: 'notTarget' } };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { problem: { code: 'portRange', port } };
  const host = stripBrackets(m[1]!);
  const bad = hostProblem(host);
  if (bad) return { problem: bad };
  return { url: `tcp://${m[1]}:${port}`, scheme: 'tcp', host, port, path: '', loopback: isLoopbackHost(host), given: true };
}

/** An EC2 instance id: `i-` and 8 or 17 hex digits (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html). */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export const NO_TARGET: TargetInfo = { url: '', scheme: '', host: '', port: 0, path: '', loopback: false, given: false };

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h);
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ssh: 22 };

/**
 * A host goes into argvs as an operand (`nc -vz -w 5 HOST PORT`, `getent ahostsv4 HOST`): one
 * that starts with `-` would be read as an option (`-oProxyCommand=…`, `-e /bin/sh`), and no
 * host name does (RFC 1123 §2.1: a label starts with a letter or digit). Control characters
 * are in no host name either.
 */
function hostProblem(host: string): TargetProblem | null {
  if (host.startsWith('-')) return { code: 'hostDash', host };
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f-\x9f]/.test(host)) return { code: 'hostControl', host };
  return null;
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
