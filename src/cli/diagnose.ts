/**
 * `tshoot diagnose TARGET` and `tshoot diagnose --error "TEXT"`: from what the user has — a
 * target, or the error message they saw — to the flow for that symptom. With a target, the
 * `triage` flow probes it from the client and calls the matching flow; with a pasted error,
 * the text itself names the layer (curl's, nc's, browsers' and the EC2 console's wording).
 */
import { connectErrorParser } from '../parsers/connect-error.js';
import type { CliIO } from './io.js';
import { runCommand, type RunOptions } from './run.js';
import { INSTANCE_ID, parseTarget, UsageError } from './target.js';

export interface DiagnoseOptions extends RunOptions {
  readonly error?: string;
}

export interface Classified {
  readonly flow: string;
  /** A target read from the text (`HOST:PORT`), when it names one. */
  readonly target?: string;
  readonly why: string;
}

/** Which flow a pasted error message calls for. */
export function classifyError(text: string): Classified | null {
  const t = text.trim();
  if (/failed to connect to (your|the) instance/i.test(t)) {
    return { flow: 'console-connect', why: 'the EC2 console could not connect to the instance' };
  }
  if (/\b404\b/.test(t) && /not found/i.test(t)) return { flow: 'not-found', why: 'the server answered 404 Not Found' };
  const e = connectErrorParser.parse(t);
  const at = e.host && e.port ? `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}` : undefined;
  const withTarget = (flow: string, why: string): Classified => ({ flow, why, ...(at ? { target: at } : {}) });
  switch (e.kind) {
    case 'refused':
      return withTarget('refused', 'connection refused: a host answered with a reset');
    case 'timeout':
    case 'unreachable':
      return withTarget('timeout', 'nothing answered: the connection timed out');
    case 'connect_failed':
      return withTarget('triage', "curl could not connect and does not say why: probing to find out");
    case 'console':
      return { flow: 'console-connect', why: 'the EC2 console could not connect to the instance' };
    case 'dns':
    case 'tls':
    case 'reset':
      return withTarget('triage', `a ${e.kind} failure: probing the target`);
    default:
      return null;
  }
}

export async function diagnoseCommand(io: CliIO, positional: string | undefined, opts: DiagnoseOptions): Promise<number> {
  const target = positional ?? opts.target;
  if (opts.error === undefined) {
    if (target === undefined) throw new UsageError('diagnose needs a TARGET (a URL or HOST:PORT), or --error "the error message you saw"');
    // An instance id names an EC2 instance, read with the AWS CLI by console-connect only.
    return runCommand(io, INSTANCE_ID.test(target.trim().replace(/:\d+$/, '')) ? 'console-connect' : 'triage', { ...opts, target });
  }
  const c = classifyError(opts.error);
  if (!c) {
    throw new UsageError(
      'cannot tell the symptom from that text: paste the whole error line (e.g. "curl: (7) Failed to connect to web port 80 … Connection refused"), or run a flow: tshoot run refused|timeout|not-found|console-connect',
    );
  }
  // A target read from pasted text is checked here, so that a refusal names where it came from
  // (a host such as `-oProxyCommand=…` would be an option to nc).
  if (target === undefined && c.target !== undefined) parseTarget(c.target, `--error: the target ${JSON.stringify(c.target)} in that text`);
  let chosen = target ?? c.target;
  if (chosen && c.flow === 'console-connect' && !/:\d+$|^[a-z]+:\/\//i.test(chosen)) chosen = `${chosen}:22`;
  if (!opts.json && !opts.quiet) io.stderr.write(`tshoot: ${c.why} → flow "${c.flow}"${chosen ? ` for ${chosen}` : ''}\n`);
  return runCommand(io, c.flow, { ...opts, ...(chosen ? { target: chosen } : {}) });
}
