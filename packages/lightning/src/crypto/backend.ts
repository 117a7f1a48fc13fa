/**
 * The crypto seam: the only place in the core that names primitives. Every consumer receives a
 * {@link CryptoBackend} (there is no module-level default to patch), so a faster implementation —
 * libsecp256k1 natively or in WASM, OpenSSL's ChaCha20-Poly1305 — can replace the pure-TS
 * {@link nobleBackend} without the core importing anything platform-specific.
 *
 * All functions are synchronous, total on valid input and throw `CryptoError` on invalid keys,
 * points or scalars; bytes are never mutated.
 * @module
 */
export interface CryptoBackend {
  /** Appears in benchmark JSON and logs. */
  readonly name: string;

  /** SHA-256. */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 (RFC 2104). */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** RIPEMD-160 of SHA-256 (Bitcoin's HASH160). */
  hash160(data: Uint8Array): Uint8Array;

  /** True for a scalar in [1, n-1]. */
  isValidSecretKey(secret: Uint8Array): boolean;
  /** True for a 33-byte compressed point on the curve. */
  isValidPublicKey(pub: Uint8Array): boolean;
  /** `secret·G`, compressed (33 bytes). */
  publicKey(secret: Uint8Array): Uint8Array;

  /** ECDSA over a 32-byte digest: RFC 6979 nonce, low-S, 64-byte compact `r‖s`. */
  signEcdsa(msg32: Uint8Array, secret: Uint8Array): Uint8Array;
  /** ECDSA with the recovery id (BOLT 11 invoice signatures). */
  signEcdsaRecoverable(msg32: Uint8Array, secret: Uint8Array): { sig: Uint8Array; recid: number };
  /** Verifies a compact low-S signature; a high-S signature is rejected, as libsecp256k1 does. */
  verifyEcdsa(sig64: Uint8Array, msg32: Uint8Array, pub33: Uint8Array): boolean;
  /**
   * Optional: many {@link verifyEcdsa} checks at once; `result[i]` must equal
   * `verifyEcdsa(items[i].sig, items[i].msg32, items[i].pubkey)` exactly (malformed input is
   * `false`, never a throw). Synchronous like the rest of the seam; a backend may spread the
   * work over several cores (gossip ingest checks thousands of BOLT 7 signatures per batch).
   */
  verifyEcdsaBatch?(items: readonly EcdsaVerifyItem[]): boolean[];
  /** Recovers the compressed key that made `sig64` over `msg32` with `recid`; `null` if none. */
  recoverEcdsa(sig64: Uint8Array, recid: number, msg32: Uint8Array): Uint8Array | null;

  /** BOLT 8 ECDH: SHA256 of the compressed point `secret·pub`. */
  ecdh(secret: Uint8Array, pub33: Uint8Array): Uint8Array;
  /** `a + b` for two points (compressed). */
  pointAdd(a33: Uint8Array, b33: Uint8Array): Uint8Array;
  /** `pub + tweak·G` (compressed). */
  pointAddScalar(pub33: Uint8Array, tweak32: Uint8Array): Uint8Array;
  /** `tweak·pub` (compressed). */
  pointMultiply(pub33: Uint8Array, tweak32: Uint8Array): Uint8Array;
  /** `(a + b) mod n`; throws when the result is zero. */
  secretAdd(a32: Uint8Array, b32: Uint8Array): Uint8Array;
  /** `(a · b) mod n`. */
  secretMultiply(a32: Uint8Array, b32: Uint8Array): Uint8Array;

  /** ChaCha20 (RFC 8439, 96-bit nonce) keystream XORed over `data`, starting at block `counter`. */
  chacha20(key32: Uint8Array, nonce12: Uint8Array, data: Uint8Array, counter?: number): Uint8Array;
  /** ChaCha20-Poly1305 AEAD (RFC 8439): ciphertext ‖ 16-byte tag. */
  aeadSeal(key32: Uint8Array, nonce12: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Opens a sealed message; `null` when the tag does not verify. */
  aeadOpen(key32: Uint8Array, nonce12: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

/** One ECDSA check of a batch: the arguments of {@link CryptoBackend.verifyEcdsa}. */
export interface EcdsaVerifyItem {
  /** Compact 64-byte `r‖s`. */
  readonly sig: Uint8Array;
  /** The 32-byte digest that was signed. */
  readonly msg32: Uint8Array;
  /** The 33-byte compressed key that must have signed it. */
  readonly pubkey: Uint8Array;
}

/** HKDF-SHA256 (RFC 5869) with empty info, 64 bytes out split in two, as BOLT 8 §"Handshake" uses it. */
export function hkdf2(c: CryptoBackend, salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const prk = c.hmacSha256(salt, ikm);
  const t1 = c.hmacSha256(prk, Uint8Array.of(1));
  const m2 = new Uint8Array(33);
  m2.set(t1);
  m2[32] = 2;
  const t2 = c.hmacSha256(prk, m2);
  return [t1, t2];
}

/** Double SHA-256, as Bitcoin and BOLT 7 signatures use. */
export function sha256d(c: CryptoBackend, data: Uint8Array): Uint8Array {
  return c.sha256(c.sha256(data));
}
