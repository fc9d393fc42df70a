/**
 * Node built-ins loaded on first use, for the commands that start without them (issue 8):
 * `node:crypto` is some twenty internal modules (about 2 ms of a start); `node:net` brings the
 * stream and socket bindings (about 1 ms), which `replay --check` only needs for `isIP` when
 * hosts are redacted.
 */
import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');
type Net = typeof import('node:net');
let crypto: Crypto | undefined;
let net: Net | undefined;

export function nodeCrypto(): Crypto {
  return (crypto ??= createRequire(import.meta.url)('node:crypto') as Crypto);
}

export function nodeNet(): Net {
  return (net ??= createRequire(import.meta.url)('node:net') as Net);
}
