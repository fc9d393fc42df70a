/**
 * Apache's configuration as it would be after the bind-all-interfaces fix rewrites one `Listen`
 * line to the port alone (`Listen 127.0.0.1:80` → `Listen 80`, the protocol word kept), so the
 * refused flow can ask the socket model of the result (apache_sockets, accepting_socket) before it
 * proposes the rewrite: whether Apache would then take the address, and would start at all (the
 * new wildcard beside another Listen for the port fails: apache_listen_fails).
 */
import type { ApacheConfig } from '../parsers/apache-config.js';

export function apacheListenAll(conf: ApacheConfig, file: string, line: number): ApacheConfig {
  return {
    ...conf,
    listens: conf.listens.map((l) => (l.file === file && l.line === line ? { ...l, addr: '', text: `Listen ${l.port}${l.proto ? ` ${l.proto}` : ''}` } : l)),
  };
}
