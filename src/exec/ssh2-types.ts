/**
 * The few parts of `ssh2` (the library under node-ssh) that the SSH executor uses, typed by
 * hand: the project has no `@types/ssh2` (node-ssh's own types name ssh2's, so without them
 * its `.connection` is untyped: ssh-connect.ts gives it `Ssh2Client`). ssh2 itself is loaded
 * here only for `utils.parseKey`; it is CommonJS and untyped. The build bundles it (the one copy
 * node-ssh uses too), so its code is under V8's code cache (issue 17).
 */
import type { Duplex, Readable } from 'node:stream';
// @ts-expect-error ssh2 ships no types: the parts used are typed in this file. The default
// import is its `module.exports` wherever it is loaded from (the bundle, Node's ESM, vitest); a
// namespace import would depend on Node finding its named exports.
import ssh2Module from 'ssh2';

export interface ParsedKey {
  readonly type: string;
  readonly comment: string;
  getPublicSSH(): Buffer;
  isPrivateKey(): boolean;
}

export type NextAuth =
  | { type: 'agent'; username: string; agent: string }
  | { type: 'publickey'; username: string; key: ParsedKey }
  | { type: 'none'; username: string }
  | false;

export interface ConnectConfig {
  sock: Duplex;
  username: string;
  readyTimeout?: number;
  keepaliveInterval?: number;
  keepaliveCountMax?: number;
  hostVerifier?: (key: Buffer, verify: (ok: boolean) => void) => void;
  authHandler?: (methodsLeft: string[] | null, partialSuccess: boolean | null, next: (auth: NextAuth) => void) => void;
  algorithms?: { serverHostKey?: string[] };
}

export interface ClientChannel extends Duplex {
  readonly stderr: Readable;
  close(): void;
}

export interface Ssh2Client {
  connect(cfg: ConnectConfig): this;
  on(event: 'ready' | 'close' | 'end', listener: () => void): this;
  on(event: 'error', listener: (err: Error & { level?: string; reason?: number }) => void): this;
  once(event: 'ready' | 'close' | 'end', listener: () => void): this;
  once(event: 'error', listener: (err: Error & { level?: string }) => void): this;
  removeListener(event: string, listener: (...args: never[]) => void): this;
  exec(command: string, cb: (err: Error | undefined, channel: ClientChannel) => void): boolean;
  forwardOut(
    srcIP: string,
    srcPort: number,
    dstIP: string,
    dstPort: number,
    cb: (err: (Error & { reason?: number }) | undefined, stream: ClientChannel) => void,
  ): boolean;
  setNoDelay(noDelay?: boolean): this;
  end(): this;
  destroy(): this;
}

/**
 * All of ssh2's module that tshoot reads. The build bundles `ssh2` as its client and this one
 * function (esbuild.config.mjs, `tshoot-used-only`): a part used beyond them must be added there.
 */
interface Ssh2Module {
  utils: { parseKey(data: Buffer | string, passphrase?: string): ParsedKey | Error };
}

export const ssh2 = ssh2Module as unknown as Ssh2Module;

/** Server host key algorithms ssh2 can verify, in ssh2's default preference order. */
export const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Key blob type (`ssh-rsa`) → the host key algorithms that use it. */
export function algorithmsForKeyType(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}
