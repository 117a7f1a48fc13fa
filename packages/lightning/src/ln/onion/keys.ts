/**
 * BOLT 4 §"Key Generation" and §"Pseudo Random Byte Stream": the per-hop keys derived from a
 * shared secret, and the ChaCha20 stream (all-zero 96-bit nonce) that obfuscates packets.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { utf8 } from '../../util/bytes.js';

/**
 * The key types of BOLT 4: `rho` (hop_payloads stream), `mu` (packet HMAC), `um` (error HMAC),
 * `pad` (initial random filler), `ammag` (error obfuscation), `ammagext` (attribution data
 * obfuscation), `blinded_node_id` (route blinding tweak, §"Route Blinding").
 */
export type OnionKeyType = 'rho' | 'mu' | 'um' | 'pad' | 'ammag' | 'ammagext' | 'blinded_node_id';

// The key type is the HMAC key, with no NUL terminator (BOLT 4 §"Key Generation").
const KEY_TYPES: Record<OnionKeyType, Uint8Array> = {
  rho: utf8('rho'),
  mu: utf8('mu'),
  um: utf8('um'),
  pad: utf8('pad'),
  ammag: utf8('ammag'),
  ammagext: utf8('ammagext'),
  blinded_node_id: utf8('blinded_node_id'),
};

/** `HMAC-SHA256(key=keyType, data=secret)`: BOLT 4 §"Key Generation". */
export function onionKey(c: CryptoBackend, keyType: OnionKeyType, secret: Uint8Array): Uint8Array {
  return c.hmacSha256(KEY_TYPES[keyType], secret);
}

/** The all-zero 96-bit nonce every BOLT 4 stream uses (safe: each key is used once). */
export const ZERO_NONCE: Uint8Array = new Uint8Array(12);

/**
 * XORs `data` with the ChaCha20 stream of `key` starting at byte `offset` of the stream
 * (BOLT 4 §"Pseudo Random Byte Stream"). The backend counts in 64-byte blocks, so an offset
 * inside a block is reached by generating and dropping the block's head.
 */
export function xorStream(c: CryptoBackend, key: Uint8Array, data: Uint8Array, offset = 0): Uint8Array {
  const skip = offset % 64;
  if (skip === 0) return c.chacha20(key, ZERO_NONCE, data, offset / 64);
  const buf = new Uint8Array(skip + data.length);
  buf.set(data, skip);
  return c.chacha20(key, ZERO_NONCE, buf, (offset - skip) / 64).subarray(skip);
}

/** `length` bytes of the stream of `key` from byte `offset`. */
export function keystream(c: CryptoBackend, key: Uint8Array, length: number, offset = 0): Uint8Array {
  return xorStream(c, key, new Uint8Array(length), offset);
}

/** XORs `b` into `a` in place over `b`'s length, starting at `aOffset`. */
export function xorInto(a: Uint8Array, b: Uint8Array, aOffset = 0): void {
  for (let i = 0; i < b.length; i++) a[aOffset + i]! ^= b[i]!;
}
