/**
 * The built-in parsers, by the name flows use in `extract: { parser: … }`.
 */
import type { Parser } from './types.js';
import { apacheConfigParser } from './apache-config.js';
import { awsEc2Parser } from './aws-ec2.js';
import { connectErrorParser } from './connect-error.js';
import { httpResponseParser } from './http-response.js';
import { ipRouteParser } from './ip-route.js';
import { iptablesParser } from './iptables.js';
import { iptablesSaveParser } from './iptables-save.js';
import { lsParser } from './ls.js';
import { nftParser } from './nft.js';
import { nftJsonParser } from './nft-json.js';
import { nginxAccessLogParser } from './nginx-access-log.js';
import { nginxConfigParser } from './nginx-config.js';
import { psParser } from './ps.js';
import { psOwnersParser } from './ps-owners.js';
import { ssParser } from './ss.js';
import { systemctlParser } from './systemctl.js';
import { systemctlShowParser, systemdSocketsParser, systemdUnitFilesParser, systemdUnitParser, systemdUnitsParser } from './systemd-units.js';

export type { Parser, ValueType } from './types.js';

const ALL: readonly Parser[] = [
  apacheConfigParser,
  ssParser,
  nginxConfigParser,
  systemctlParser,
  systemdSocketsParser,
  systemdUnitParser,
  systemdUnitsParser,
  systemdUnitFilesParser,
  systemctlShowParser,
  connectErrorParser,
  httpResponseParser,
  nginxAccessLogParser,
  ipRouteParser,
  iptablesParser,
  iptablesSaveParser,
  nftParser,
  nftJsonParser,
  lsParser,
  psParser,
  psOwnersParser,
  awsEc2Parser,
];

export const PARSERS: ReadonlyMap<string, Parser> = new Map(ALL.map((p) => [p.name, p]));

/** Every parser, sorted by name, for `tshoot flows parsers`. */
export function listParsers(): readonly Parser[] {
  return [...ALL].sort((a, b) => a.name.localeCompare(b.name));
}
