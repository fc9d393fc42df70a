/**
 * The variables every flow can read beside its nodes' own (`target`, `hosts`, `lang`): their CEL
 * types, declared once. The engine's `TargetInfo`/`HostsInfo` and the transcript header's `target`
 * schema are derived from them (issue 18). Nothing here but the type language, so the transcript
 * schema and the engine's types read it without loading the CEL environment.
 */
import { struct, type Infer, type ValueType } from '../parsers/types.js';

export const TARGET_TYPE = struct('Target', {
  url: 'string',
  scheme: 'string',
  host: 'string',
  port: 'int',
  path: 'string',
  /** The host is a loopback name or address (localhost, 127.0.0.0/8, ::1). */
  loopback: 'bool',
  /** False when the flow runs without a target (then the fields are empty). */
  given: 'bool',
});
export type TargetInfo = Readonly<Infer<typeof TARGET_TYPE>>;

export const HOSTS_TYPE = struct('Hosts', { client: 'string', server: 'string', bastion: 'string', server_is_client: 'bool' });
/** The hosts as a session holds them: `server_is_client` is worked out when a flow reads them. */
export type HostsInfo = Readonly<Omit<Infer<typeof HOSTS_TYPE>, 'server_is_client'>>;

/** Types of the variables every flow can read, beside its nodes' own. */
export const GLOBALS: Readonly<Record<string, ValueType>> = { target: TARGET_TYPE, hosts: HOSTS_TYPE, lang: 'string' };
