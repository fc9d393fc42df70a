/**
 * The SSH layer's entry, the one module the CLI imports (lazily, when a session first needs a
 * host): the executor and the session's connection pool (ssh-executor.ts). Connections are
 * made in ssh-connect.ts, shells pooled in ssh-shells.ts, sudo in ssh-sudo.ts.
 */
export { classifySocketError, createSshExecutor, type HostKeyInfo, type SshOptions, SshPool } from './ssh-executor.js';
