/**
 * Roles to hosts: `client`, `server`, `bastion` each name a destination (`local`, or an SSH
 * destination); `local` is always this machine. One executor per destination per session,
 * created on first use and reused by every command (one SSH handshake per host). A role's
 * host may be given at the start (`--host`) or assigned when the session asks for it. A host
 * known at the start may be connected to then (`warm`, issue 17), before its first command.
 */
import type { Executors } from '../engine/ports.js';
import type { Command } from '../engine/types.js';
import { createLocalExecutor } from './local.js';
import { transportFailure, type CommandResult, type Executor, type Role } from './types.js';

export type RoleMap = Partial<Record<Exclude<Role, 'local'>, string>>;

/** An executor for a remote destination; `warm` opens its connection before its first command. */
export type RemoteExecutor = Executor & { warm?(): Promise<void> };

/** Opens an SSH executor for `dest`; `jump` is the bastion's destination when there is one. */
export type RemoteFactory = (dest: string, opts: { jump?: string }) => Promise<RemoteExecutor>;

/**
 * `origin(role)` names where a given host came from (`--host server=web1`): a name that does
 * not resolve is then reported there, since the session will not ask for another.
 */
export function createExecutors(
  roles: RoleMap,
  remote: RemoteFactory,
  origin: (role: Role) => string | undefined | Promise<string | undefined> = () => undefined,
): Executors & {
  readonly opened: ReadonlyMap<string, Executor>;
  prepare(role: Role): void;
  warm(role: Role, dest?: string): Promise<void> | null;
} {
  const opened = new Map<string, Promise<RemoteExecutor>>();
  const ready = new Map<string, Executor>();
  const destOf = (role: Role): string | undefined => (role === 'local' ? 'local' : roles[role]);
  const get = (dest: string): Promise<RemoteExecutor> => {
    let p = opened.get(dest);
    if (!p) {
      p =
        dest === 'local'
          ? Promise.resolve(createLocalExecutor())
          : remote(dest, roles.bastion && dest !== roles.bastion ? { jump: roles.bastion } : {});
      p.then((e) => ready.set(dest, e)).catch(() => {});
      opened.set(dest, p);
    }
    return p;
  };
  return {
    opened: ready,
    dest: (role) => destOf(role) ?? '(none)',
    assign(role: Role, dest: string): void {
      if (role !== 'local') roles[role] = dest;
    },
    /** Open the role's executor and get it ready (SSH code loaded, destination resolved), connecting nothing. */
    prepare(role: Role): void {
      const dest = destOf(role);
      if (dest) get(dest).then((ex) => ex.prepare?.(), () => {});
    },
    /**
     * Connect to the role's host now, asking nobody (`SshConnection.warm`): the role's host, or
     * `dest`, the one an answers file will give when the session asks (not assigned before, so
     * the question is asked and recorded as always). Settles when the warm-up ends, whatever it
     * found: that is the first command's to report. null: nothing to connect to.
     */
    warm(role: Role, dest = destOf(role)): Promise<void> | null {
      if (dest === undefined || dest === 'local') return null;
      return get(dest).then(
        (ex) => ex.warm?.(),
        () => {},
      );
    },
    async run(role: Role, cmd: Command, signal?: AbortSignal): Promise<CommandResult> {
      const dest = destOf(role);
      if (!dest) {
        return transportFailure('unconfigured', `no host is given for the ${role} role: pass --host ${role}=DEST (an ssh destination, or local)`);
      }
      let ex: Executor;
      try {
        ex = await get(dest);
      } catch (e) {
        return transportFailure('disconnected', `${dest}: ${(e as Error).message}`);
      }
      const r = await ex.run({ argv: cmd.argv, timeoutMs: cmd.timeoutMs, root: cmd.root }, signal);
      const from = r.transport?.code === 'dns' ? await origin(role) : undefined;
      return from ? { ...r, transport: { ...r.transport!, message: `${from}: ${r.transport!.message}` } } : r;
    },
    async close() {
      const all = await Promise.allSettled(opened.values());
      await Promise.allSettled(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    },
  };
}
