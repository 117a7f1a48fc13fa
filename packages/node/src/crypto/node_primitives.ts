/**
 * The symmetric half of the Node backends: SHA-256, HMAC-SHA256, HASH160, ChaCha20 and
 * ChaCha20-Poly1305 from `node:crypto` (OpenSSL), which the native and WASM backends share.
 *
 * Measured on this project's 2-core box (Node 20, one op each, see `bench/crypto.bench.ts`):
 * OpenSSL's AEAD seals 64 KiB about 6-10x faster than @noble/ciphers; but `createCipheriv` costs
 * ~3 µs of set-up per call, so AEAD plaintexts up to `SMALL_AEAD_MAX` (128) bytes go through the
 * hand-written `small_aead.ts` instead (2-3x faster there than OpenSSL and than noble). One-shot
 * `crypto.hash` and noble's SHA-256 are about even on 32 bytes (0.6-0.8 µs) and OpenSSL pulls ahead
 * on longer input; `createHmac` beats noble's HMAC (1.8 µs vs 3.3 µs). Raw ChaCha20 has the same
 * set-up cost, so noble runs it below {@link CHACHA_NODE_MIN} bytes and OpenSSL above (BOLT 4
 * onion streams are 1300+ bytes).
 *
 * Every function checks lengths itself and throws `CryptoError` (or returns `null` for a bad tag),
 * as the core's noble backend does; outputs are fresh `Uint8Array`s, never `Buffer`s (whose
 * `slice` shares memory and would surprise code written against plain typed arrays).
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, getCiphers, getHashes, hash } from 'node:crypto';
import { chacha20 as nobleChacha20 } from '@noble/ciphers/chacha.js';
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { CryptoError } from '@lnts/lightning/util';
import { SMALL_AEAD_MAX, SMALL_AEAD_USABLE, smallOpen, smallSeal } from './small_aead.js';

/**
 * Below this many bytes raw ChaCha20 runs in noble (no OpenSSL set-up cost). Measured crossover,
 * CPU µs per call (medians of 9 interleaved slices), noble vs OpenSSL: 64 B 1.5 vs 2.6,
 * 128 B 3.7 vs 3.9, 256 B 4.6 vs 4.2, 512 B 3.7 vs 3.0, 1300 B 5.9 vs 3.5.
 */
export const CHACHA_NODE_MIN = 256;

const HAS_ONE_SHOT_HASH = typeof hash === 'function'; // Node ≥ 20.12
const HAS_RIPEMD160 = getHashes().includes('ripemd160'); // absent from some OpenSSL 3 builds
const ciphers = new Set(getCiphers());
/** False on builds without ChaCha20-Poly1305 (e.g. FIPS-only OpenSSL); the caller then uses noble. */
export const HAS_NODE_AEAD = ciphers.has('chacha20-poly1305');
const HAS_NODE_CHACHA = ciphers.has('chacha20');

const AEAD_OPTS = { authTagLength: 16 } as const;

/** A plain `Uint8Array` over a Buffer's bytes (no copy). */
function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** SHA-256 via OpenSSL; copies the 32-byte digest out of Node's shared buffer pool. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(HAS_ONE_SHOT_HASH ? hash('sha256', data, 'buffer') : createHash('sha256').update(data).digest());
}

/** HMAC-SHA256 (RFC 2104) via OpenSSL. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

/** RIPEMD-160(SHA-256(data)), falling back to noble's RIPEMD-160 where OpenSSL lacks it. */
export function hash160(data: Uint8Array): Uint8Array {
  const s = sha256(data);
  return HAS_RIPEMD160 ? new Uint8Array(createHash('ripemd160').update(s).digest()) : nobleRipemd160(s);
}

function checkKeyNonce(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32) throw new CryptoError('chacha20: key must be 32 bytes');
  if (nonce.length !== 12) throw new CryptoError('chacha20: nonce must be 12 bytes');
}

/**
 * ChaCha20 (RFC 8439) keystream XORed over `data` from block `counter`. OpenSSL takes the 32-bit
 * block counter (little-endian) in front of the 96-bit nonce as a 16-byte IV.
 */
export function chacha20(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, counter = 0): Uint8Array {
  checkKeyNonce(key, nonce);
  if (!Number.isInteger(counter) || counter < 0 || counter + Math.ceil(data.length / 64) > 0xffffffff) {
    throw new CryptoError('chacha20: block counter out of range');
  }
  if (!HAS_NODE_CHACHA || data.length < CHACHA_NODE_MIN) return nobleChacha20(key, nonce, data, undefined, counter);
  const iv = new Uint8Array(16);
  iv[0] = counter & 0xff;
  iv[1] = (counter >>> 8) & 0xff;
  iv[2] = (counter >>> 16) & 0xff;
  iv[3] = counter >>> 24;
  iv.set(nonce, 4);
  const c = createCipheriv('chacha20', key, iv);
  const out = c.update(data);
  c.final();
  return plain(out);
}

/** ChaCha20-Poly1305 (RFC 8439) seal: ciphertext ‖ 16-byte tag, in one fresh array. */
export function aeadSeal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKeyNonce(key, nonce);
  // Short messages (BOLT 8 length prefixes, most gossip) skip OpenSSL's per-call set-up.
  if (SMALL_AEAD_USABLE && plaintext.length <= SMALL_AEAD_MAX) return smallSeal(key, nonce, ad, plaintext);
  const c = createCipheriv('chacha20-poly1305', key, nonce, AEAD_OPTS);
  if (ad.length > 0) c.setAAD(ad, { plaintextLength: plaintext.length });
  const len = plaintext.length;
  // Every byte is overwritten below, so skip the zero-fill of `new Uint8Array` (64 KiB frames);
  // allocUnsafeSlow is never pooled, so the plain view owns its whole ArrayBuffer.
  const out = plain(Buffer.allocUnsafeSlow(len + 16));
  out.set(c.update(plaintext));
  c.final();
  out.set(c.getAuthTag(), len);
  return out;
}

/** ChaCha20-Poly1305 open; `null` when the tag (or the key/nonce length) is wrong. No plaintext escapes before the tag verifies. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const len = sealed.length - 16;
  if (len < 0 || key.length !== 32 || nonce.length !== 12) return null;
  if (SMALL_AEAD_USABLE && len <= SMALL_AEAD_MAX) return smallOpen(key, nonce, ad, sealed);
  const d = createDecipheriv('chacha20-poly1305', key, nonce, AEAD_OPTS);
  d.setAuthTag(sealed.subarray(len));
  if (ad.length > 0) d.setAAD(ad, { plaintextLength: len });
  const pt = len > 0 ? d.update(sealed.subarray(0, len)) : undefined;
  try {
    d.final();
  } catch {
    return null;
  }
  return pt === undefined ? new Uint8Array(0) : plain(pt);
}

/**
 * The symmetric primitives as a partial backend, to spread into a full one. Where this Node lacks
 * an algorithm, `fallback` (noble) supplies it.
 */
export function nodeSymmetric(
  fallback: CryptoBackend,
): Pick<CryptoBackend, 'sha256' | 'hmacSha256' | 'hash160' | 'chacha20' | 'aeadSeal' | 'aeadOpen'> {
  return {
    sha256,
    hmacSha256,
    hash160,
    chacha20,
    aeadSeal: HAS_NODE_AEAD ? aeadSeal : fallback.aeadSeal,
    aeadOpen: HAS_NODE_AEAD ? aeadOpen : fallback.aeadOpen,
  };
}
