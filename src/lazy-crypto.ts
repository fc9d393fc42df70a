/**
 * `node:crypto`, loaded on first use: it is some twenty internal modules (about 2 ms of a
 * start), which `replay --check` of a shipped session does without (issue 8).
 */
import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');
let crypto: Crypto | undefined;

export function nodeCrypto(): Crypto {
  return (crypto ??= createRequire(import.meta.url)('node:crypto') as Crypto);
}
