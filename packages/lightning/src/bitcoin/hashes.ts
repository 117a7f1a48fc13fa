/**
 * Hashes that are not in the crypto seam. RIPEMD-160 alone is needed by BOLT 3's HTLC scripts
 * (`RIPEMD160(payment_hash)`), and cannot be built from SHA-256; it is a pure function with no
 * platform dependency, so the core takes it from @noble/hashes directly.
 * @module
 */
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';

/** RIPEMD-160 (20 bytes). */
export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data);
}
