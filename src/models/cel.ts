/**
 * Every model as CEL functions, for flows: one place that says what a flow can ask of them.
 * The helpers come from flow/expr.ts (passed in, so no model imports the CEL layer).
 *
 *   accepting_socket(SsOutput, addr, port, bindv6only[, iface]): SocketVerdict   socket.ts
 *   nginx_sockets(NginxConfig): SsOutput, nginx_listen_unknown(NginxConfig)       nginx-listen.ts
 *   nginx_master(PsOwners, SsOutput, port): NginxMaster, nginx_exe_trusted(text)  nginx-process.ts
 *   fw_packet/fw_syn/fw_verdict/fw_fate/fw_fix                                   firewall-cel.ts
 *   sg_allows/nacl_allows/ec2_connect_source/ec2_connect_ranges_date             cloud.ts
 *   apache_merge/apache_request/apache_sockets/apache_listen_unknown/_fails       apache-request.ts, apache-listen.ts
 *   apache_listen_all(ApacheConfig, file, line): ApacheConfig                     apache-rebind.ts
 *   systemd_sockets(SystemdUnit): SsOutput, systemd_listen_unknown(SystemdUnit)     systemd-listen.ts (one unit, or each of systemd-units)
 *   service_listens(SystemdServices), service_sockets(ServiceListens): SsOutput      systemd-service.ts
 *   nginx_request/nginx_facts/nginx_closest/nginx_other_host/nginx_prefix/closest/item/shell_quote nginx-request.ts
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { ValueType } from '../parsers/types.js';
import type { NginxConfig } from '../parsers/nginx-config.js';
import { nginxConfigParser } from '../parsers/nginx-config.js';
import { psOwnersParser, type PsOwner } from '../parsers/ps-owners.js';
import { ssParser, type SsSocket } from '../parsers/ss.js';
import { apacheConfigParser, type ApacheConfig } from '../parsers/apache-config.js';
import { apacheListenAll } from './apache-rebind.js';
import { registerApache } from './apache-request.js';
import { registerCloud } from './cloud.js';
import { loadEc2ConnectRanges, type Ec2ConnectRanges } from './ec2-connect-ranges.js';
import { registerFirewall } from './firewall-cel.js';
import { nginxSockets } from './nginx-listen.js';
import { registerNginxRequest } from './nginx-request.js';
import { NGINX_MASTER_TYPE, nginxExeTrusted, nginxMaster } from './nginx-process.js';
import { registerSocket } from './socket.js';
import { systemdSockets } from './systemd-listen.js';
import { systemctlShowParser, systemdUnitParser, type SystemdServices, type SystemdUnit } from '../parsers/systemd-units.js';
import { SERVICE_LISTENS_TYPE, serviceListens, serviceSockets, type ServiceListens } from './systemd-service.js';

/** What flow/expr.ts gives the models to register their types and convert values (passed in: no model imports the CEL layer). */
export interface CelHelpers {
  /** Registers a struct type (and those it uses) once per environment. */
  register(t: ValueType): void;
  toCel(value: unknown, t: ValueType): unknown;
  fromCel(v: unknown): unknown;
}

/** The EC2 Instance Connect ranges, read once per process (the cache's refreshed copy or the shipped one). */
let ranges: Ec2ConnectRanges | undefined;

/**
 * Registers the models a flow uses (`uses(name)`: the flow's text names it; default all). cel-js
 * registration grows with every type an environment holds, so a flow pays only for its models:
 * a replay of the not-found flow does not build the firewall's or Apache's types.
 */
export function registerModels(env: Environment, cel: CelHelpers, uses: (name: string) => boolean = () => true): void {
  const any = (...names: string[]) => names.some(uses);
  if (any('accepting_socket', 'nginx_sockets', 'apache_sockets', 'systemd_sockets', 'service_sockets')) registerSocket(env, cel);
  if (any('fw_')) registerFirewall(env, cel);
  if (any('sg_allows', 'nacl_allows', 'ec2_connect')) registerCloud(env, cel, (ranges ??= loadEc2ConnectRanges()));
  if (any('apache_')) {
    registerApache(env, cel);
    env.registerFunction('apache_listen_all(ApacheConfig, string, int): ApacheConfig', (conf: unknown, file: string, line: bigint) =>
      cel.toCel(apacheListenAll(cel.fromCel(conf) as ApacheConfig, file, Number(line)), apacheConfigParser.type),
    );
  }
  if (any('nginx_request', 'nginx_facts', 'nginx_closest', 'nginx_other_host', 'nginx_prefix', 'item(', 'closest(', 'shell_quote(')) registerNginxRequest(env, cel);
  if (any('systemd_sockets', 'systemd_listen_unknown')) {
    for (const t of [systemdUnitParser.type, ssParser.type]) cel.register(t);
    env.registerFunction('systemd_sockets(SystemdUnit): SsOutput', (u: unknown) => cel.toCel(systemdSockets(cel.fromCel(u) as SystemdUnit), ssParser.type));
    env.registerFunction('systemd_listen_unknown(SystemdUnit): list<string>', (u: unknown) => systemdSockets(cel.fromCel(u) as SystemdUnit).unknown);
  }
  if (any('service_listens', 'service_sockets')) {
    for (const t of [systemctlShowParser.type, SERVICE_LISTENS_TYPE, ssParser.type]) cel.register(t);
    env.registerFunction('service_listens(SystemdServices): list<ServiceListens>', (s: unknown) =>
      cel.toCel(serviceListens(cel.fromCel(s) as SystemdServices), { list: SERVICE_LISTENS_TYPE }),
    );
    env.registerFunction('service_sockets(ServiceListens): SsOutput', (l: unknown) => cel.toCel(serviceSockets(cel.fromCel(l) as ServiceListens), ssParser.type));
  }
  if (!any('nginx_sockets', 'nginx_listen_unknown', 'nginx_master', 'nginx_exe_trusted')) return;
  for (const t of [nginxConfigParser.type, ssParser.type, psOwnersParser.type, NGINX_MASTER_TYPE]) cel.register(t);
  env.registerFunction('nginx_sockets(NginxConfig): SsOutput', (conf: unknown) => cel.toCel(nginxSockets(cel.fromCel(conf) as NginxConfig), ssParser.type));
  env.registerFunction('nginx_listen_unknown(NginxConfig): list<string>', (conf: unknown) => nginxSockets(cel.fromCel(conf) as NginxConfig).unknown);
  // Which running nginx may be read with its own -c: never one another user could have started.
  env.registerFunction('nginx_master(PsOwners, SsOutput, int): NginxMaster', (ps: unknown, ss: unknown, port: bigint) =>
    cel.toCel(nginxMaster((cel.fromCel(ps) as { processes: PsOwner[] }).processes, (cel.fromCel(ss) as { sockets: SsSocket[] }).sockets, Number(port)), NGINX_MASTER_TYPE),
  );
  env.registerFunction('nginx_exe_trusted(string): bool', (s: string) => nginxExeTrusted(s));
}
