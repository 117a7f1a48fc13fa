/**
 * ChaCha20-Poly1305 (RFC 8439 §2.8) for short messages, in plain TypeScript.
 *
 * Why hand-written: OpenSSL through `node:crypto` costs ~3-4 µs per call before it touches a byte
 * (building the `Cipheriv` object, `EVP_CipherInit`, `final`, `getAuthTag`), and BOLT 8 makes two
 * AEAD calls per message, one of them for the 2-byte length prefix. @noble/ciphers is no faster at
 * that size (~5.6 µs: it allocates and wipes per call). This file does one ChaCha20 block for the
 * Poly1305 key plus one per 64 bytes of text and one Poly1305 block per 16 bytes, with no
 * allocation besides the output: 2-3x less CPU than OpenSSL (and 3-4x less than noble) on the
 * sizes it handles; the measurements are under {@link SMALL_AEAD_MAX}, the size up to which the
 * Node backends use it (`bench/crypto.bench.ts` shows the 2- and 100-byte seals per backend).
 *
 * ChaCha20 per RFC 8439 §2.3 (state words: constants, key, 32-bit counter, 96-bit nonce);
 * Poly1305 per §2.5 with ten 13-bit limbs, so every product and every column sum stays far below
 * 2^53 and is exact in JavaScript numbers. Every block the AEAD authenticates is a full 16 bytes
 * (AD and ciphertext are zero-padded, §2.8), so there is no partial-block case.
 * Tested against OpenSSL and noble on random sizes, keys, nonces and AD in
 * `test/crypto/backends.test.ts`.
 * @module
 */

/**
 * Plaintexts up to this many bytes go through this file; longer ones through OpenSSL. Measured in
 * CPU µs per call (medians of 9 interleaved slices on the shared 2-core box), seal and open,
 * this file vs OpenSSL (noble's seal in brackets): 2 B 1.7/1.3 vs 3.8/3.1 (6.0); 64 B 2.6/2.1
 * vs 4.6/3.8 (9.3); 100 B 3.9/3.8 vs 5.8/5.7 (13.3); 128 B 3.9/5.2 vs 6.1/4.4; 160 B 4.2/4.5 vs
 * 5.7/5.0; 192 B 4.5/5.0 vs 5.2/4.9; 256 B 6.2/7.2 vs 6.2/5.7; 384 B 8.2/7.7 vs 5.4/6.2.
 * The crossover is near 192 bytes; 128 keeps a margin.
 */
export const SMALL_AEAD_MAX = 128;

/** The keystream block is read through a byte view of 32-bit words, which assumes little-endian. */
export const SMALL_AEAD_USABLE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

const ks = new Uint32Array(16);
const ks8 = new Uint8Array(ks.buffer);
const pad16 = new Uint8Array(16);
const lens = new Uint8Array(16);
const tagBuf = new Uint8Array(16);

// Key and nonce words of the current call (set by `setup`).
let k0 = 0;
let k1 = 0;
let k2 = 0;
let k3 = 0;
let k4 = 0;
let k5 = 0;
let k6 = 0;
let k7 = 0;
let n0 = 0;
let n1 = 0;
let n2 = 0;

function le32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

function setup(key: Uint8Array, nonce: Uint8Array): void {
  k0 = le32(key, 0);
  k1 = le32(key, 4);
  k2 = le32(key, 8);
  k3 = le32(key, 12);
  k4 = le32(key, 16);
  k5 = le32(key, 20);
  k6 = le32(key, 24);
  k7 = le32(key, 28);
  n0 = le32(nonce, 0);
  n1 = le32(nonce, 4);
  n2 = le32(nonce, 8);
}

/** One ChaCha20 block (RFC 8439 §2.3) for block `counter` into `ks`. */
function block(counter: number): void {
  const c0 = 0x61707865;
  const c1 = 0x3320646e;
  const c2 = 0x79622d32;
  const c3 = 0x6b206574;
  let x0 = c0;
  let x1 = c1;
  let x2 = c2;
  let x3 = c3;
  let x4 = k0;
  let x5 = k1;
  let x6 = k2;
  let x7 = k3;
  let x8 = k4;
  let x9 = k5;
  let x10 = k6;
  let x11 = k7;
  let x12 = counter | 0;
  let x13 = n0;
  let x14 = n1;
  let x15 = n2;
  for (let i = 0; i < 10; i++) {
    // Column round.
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // Diagonal round.
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  ks[0] = x0 + c0;
  ks[1] = x1 + c1;
  ks[2] = x2 + c2;
  ks[3] = x3 + c3;
  ks[4] = x4 + k0;
  ks[5] = x5 + k1;
  ks[6] = x6 + k2;
  ks[7] = x7 + k3;
  ks[8] = x8 + k4;
  ks[9] = x9 + k5;
  ks[10] = x10 + k6;
  ks[11] = x11 + k7;
  ks[12] = x12 + (counter | 0);
  ks[13] = x13 + n0;
  ks[14] = x14 + n1;
  ks[15] = x15 + n2;
}

/** XORs the keystream from block 1 on over `src` into `dst` (RFC 8439 §2.8: block 0 keys Poly1305). */
function xorStream(src: Uint8Array, dst: Uint8Array, len: number): void {
  for (let off = 0, ctr = 1; off < len; off += 64, ctr++) {
    block(ctr);
    const n = len - off < 64 ? len - off : 64;
    for (let i = 0; i < n; i++) dst[off + i] = src[off + i]! ^ ks8[i]!;
  }
}

// Poly1305 state: r (and q = 5·r) and h as ten 13-bit limbs in module locals (the hot loop then
// touches no memory but the message), s as eight 16-bit words.
let r0 = 0;
let r1 = 0;
let r2 = 0;
let r3 = 0;
let r4 = 0;
let r5 = 0;
let r6 = 0;
let r7 = 0;
let r8 = 0;
let r9 = 0;
let q1 = 0;
let q2 = 0;
let q3 = 0;
let q4 = 0;
let q5 = 0;
let q6 = 0;
let q7 = 0;
let q8 = 0;
let q9 = 0;
let h0 = 0;
let h1 = 0;
let h2 = 0;
let h3 = 0;
let h4 = 0;
let h5 = 0;
let h6 = 0;
let h7 = 0;
let h8 = 0;
let h9 = 0;
const s = new Uint16Array(8);

/** Loads r (clamped, RFC 8439 §2.5) and s from the 32-byte one-time key `b` (block 0's keystream). */
function polyInit(b: Uint8Array): void {
  const t0 = b[0]! | (b[1]! << 8);
  const t1 = b[2]! | (b[3]! << 8);
  const t2 = b[4]! | (b[5]! << 8);
  const t3 = b[6]! | (b[7]! << 8);
  const t4 = b[8]! | (b[9]! << 8);
  const t5 = b[10]! | (b[11]! << 8);
  const t6 = b[12]! | (b[13]! << 8);
  const t7 = b[14]! | (b[15]! << 8);
  // The masks are the 13-bit windows of r & 0x0ffffffc0ffffffc0ffffffc0fffffff.
  r0 = t0 & 0x1fff;
  r1 = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  r2 = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
  r3 = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  r4 = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
  r5 = (t4 >>> 1) & 0x1ffe;
  r6 = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  r7 = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
  r8 = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  r9 = (t7 >>> 5) & 0x007f;
  q1 = 5 * r1;
  q2 = 5 * r2;
  q3 = 5 * r3;
  q4 = 5 * r4;
  q5 = 5 * r5;
  q6 = 5 * r6;
  q7 = 5 * r7;
  q8 = 5 * r8;
  q9 = 5 * r9;
  for (let i = 0; i < 8; i++) s[i] = b[16 + 2 * i]! | (b[17 + 2 * i]! << 8);
  h0 = h1 = h2 = h3 = h4 = h5 = h6 = h7 = h8 = h9 = 0;
}

/** Absorbs one full 16-byte block `m[o..o+16]` (with the 2^128 bit set): h = (h + m)·r mod 2^130 - 5. */
function polyBlock(m: Uint8Array, o: number): void {
  const t0 = m[o]! | (m[o + 1]! << 8);
  const t1 = m[o + 2]! | (m[o + 3]! << 8);
  const t2 = m[o + 4]! | (m[o + 5]! << 8);
  const t3 = m[o + 6]! | (m[o + 7]! << 8);
  const t4 = m[o + 8]! | (m[o + 9]! << 8);
  const t5 = m[o + 10]! | (m[o + 11]! << 8);
  const t6 = m[o + 12]! | (m[o + 13]! << 8);
  const t7 = m[o + 14]! | (m[o + 15]! << 8);
  h0 += t0 & 0x1fff;
  h1 += ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  h2 += ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
  h3 += ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  h4 += ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
  h5 += (t4 >>> 1) & 0x1fff;
  h6 += ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  h7 += ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
  h8 += ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  h9 += (t7 >>> 5) | (1 << 11); // bit 128 = bit 11 of limb 9
  // Schoolbook product; limb pairs whose weights reach 2^130 wrap to the bottom times 5
  // (2^130 ≡ 5), hence q = 5·r. Limbs < 2^14 and q < 2^16 keep each column < 10·2^30: exact.
  const d0 = h0 * r0 + h1 * q9 + h2 * q8 + h3 * q7 + h4 * q6 + h5 * q5 + h6 * q4 + h7 * q3 + h8 * q2 + h9 * q1;
  const d1 = h0 * r1 + h1 * r0 + h2 * q9 + h3 * q8 + h4 * q7 + h5 * q6 + h6 * q5 + h7 * q4 + h8 * q3 + h9 * q2;
  const d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * q9 + h4 * q8 + h5 * q7 + h6 * q6 + h7 * q5 + h8 * q4 + h9 * q3;
  const d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * q9 + h5 * q8 + h6 * q7 + h7 * q6 + h8 * q5 + h9 * q4;
  const d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * q9 + h6 * q8 + h7 * q7 + h8 * q6 + h9 * q5;
  const d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * q9 + h7 * q8 + h8 * q7 + h9 * q6;
  const d6 = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * q9 + h8 * q8 + h9 * q7;
  const d7 = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * q9 + h9 * q8;
  const d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * q9;
  const d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
  // Carry back into 13-bit limbs (columns are < 2^33, so divide rather than shift).
  let c = Math.floor(d0 / 8192);
  h0 = d0 - c * 8192;
  let v = d1 + c;
  c = Math.floor(v / 8192);
  h1 = v - c * 8192;
  v = d2 + c;
  c = Math.floor(v / 8192);
  h2 = v - c * 8192;
  v = d3 + c;
  c = Math.floor(v / 8192);
  h3 = v - c * 8192;
  v = d4 + c;
  c = Math.floor(v / 8192);
  h4 = v - c * 8192;
  v = d5 + c;
  c = Math.floor(v / 8192);
  h5 = v - c * 8192;
  v = d6 + c;
  c = Math.floor(v / 8192);
  h6 = v - c * 8192;
  v = d7 + c;
  c = Math.floor(v / 8192);
  h7 = v - c * 8192;
  v = d8 + c;
  c = Math.floor(v / 8192);
  h8 = v - c * 8192;
  v = d9 + c;
  c = Math.floor(v / 8192);
  h9 = v - c * 8192;
  v = h0 + c * 5;
  c = Math.floor(v / 8192);
  h0 = v - c * 8192;
  h1 += c;
}

/** Absorbs `len` bytes of `m` from `o` as zero-padded 16-byte blocks. */
function polyPadded(m: Uint8Array, o: number, len: number): void {
  let i = 0;
  for (; i + 16 <= len; i += 16) polyBlock(m, o + i);
  if (i < len) {
    pad16.fill(0);
    pad16.set(m.subarray(o + i, o + len));
    polyBlock(pad16, 0);
  }
}

/** Lengths block (RFC 8439 §2.8), then {@link polyTag}. */
function polyFinish(adLen: number, ctLen: number): void {
  lens.fill(0);
  // Lengths as 64-bit little-endian; messages here are far below 2^32 bytes.
  lens[0] = adLen & 0xff;
  lens[1] = (adLen >>> 8) & 0xff;
  lens[2] = (adLen >>> 16) & 0xff;
  lens[3] = adLen >>> 24;
  lens[8] = ctLen & 0xff;
  lens[9] = (ctLen >>> 8) & 0xff;
  lens[10] = (ctLen >>> 16) & 0xff;
  lens[11] = ctLen >>> 24;
  polyBlock(lens, 0);
  polyTag();
}

/** Final reduction mod 2^130 - 5, plus s mod 2^128, into `tagBuf`. */
function polyTag(): void {
  // Fully carry h (limbs may exceed 13 bits by a little after the last block); two passes
  // suffice: a carry out of the top after the first leaves small low limbs.
  const hs = [h0, h1, h2, h3, h4, h5, h6, h7, h8, h9];
  let c = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < 10; i++) {
      const v = hs[i]! + c;
      c = Math.floor(v / 8192);
      hs[i] = v - c * 8192;
    }
    hs[0]! += c * 5;
    c = 0;
  }
  // g = h + 5 - 2^130; a carry out of bit 130 means h ≥ p = 2^130 - 5, and then h - p = g.
  const g = new Array<number>(10);
  c = 5;
  for (let i = 0; i < 10; i++) {
    const v = hs[i]! + c;
    c = Math.floor(v / 8192);
    g[i] = v - c * 8192;
  }
  const hh = c > 0 ? g : hs;
  const w0 = (hh[0]! | (hh[1]! << 13)) & 0xffff;
  const w1 = ((hh[1]! >>> 3) | (hh[2]! << 10)) & 0xffff;
  const w2 = ((hh[2]! >>> 6) | (hh[3]! << 7)) & 0xffff;
  const w3 = ((hh[3]! >>> 9) | (hh[4]! << 4)) & 0xffff;
  const w4 = ((hh[4]! >>> 12) | (hh[5]! << 1) | (hh[6]! << 14)) & 0xffff;
  const w5 = ((hh[6]! >>> 2) | (hh[7]! << 11)) & 0xffff;
  const w6 = ((hh[7]! >>> 5) | (hh[8]! << 8)) & 0xffff;
  const w7 = ((hh[8]! >>> 8) | (hh[9]! << 5)) & 0xffff;
  const w = [w0, w1, w2, w3, w4, w5, w6, w7];
  let carry = 0;
  for (let i = 0; i < 8; i++) {
    const v = w[i]! + s[i]! + carry;
    carry = v >>> 16;
    tagBuf[2 * i] = v & 0xff;
    tagBuf[2 * i + 1] = (v >>> 8) & 0xff;
  }
}

function tagOf(ad: Uint8Array, ct: Uint8Array, ctOff: number, ctLen: number): void {
  block(0);
  polyInit(ks8);
  polyPadded(ad, 0, ad.length);
  polyPadded(ct, ctOff, ctLen);
  polyFinish(ad.length, ctLen);
}

/**
 * Seals `plaintext` (at most {@link SMALL_AEAD_MAX} bytes; the caller checks lengths): ciphertext ‖ tag.
 * Key 32 bytes, nonce 12 bytes, both checked by the caller.
 */
export function smallSeal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  setup(key, nonce);
  const len = plaintext.length;
  const out = new Uint8Array(len + 16);
  xorStream(plaintext, out, len);
  tagOf(ad, out, 0, len);
  out.set(tagBuf, len);
  return out;
}

/** Opens `sealed` (ciphertext ‖ tag); `null` when the tag does not verify. Decrypts only after. */
export function smallOpen(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const len = sealed.length - 16;
  setup(key, nonce);
  tagOf(ad, sealed, 0, len);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= tagBuf[i]! ^ sealed[len + i]!;
  if (diff !== 0) return null;
  const out = new Uint8Array(len);
  xorStream(sealed, out, len);
  return out;
}

/**
 * Raw Poly1305 (RFC 8439 §2.5) of a message made of whole 16-byte blocks under a 32-byte one-time
 * key: the AEAD's own code path, exposed so tests can drive the final reduction with the RFC's
 * Appendix A.3 edge cases (accumulators at and above 2^130 - 5), which no AEAD input reaches
 * on purpose.
 * @throws {RangeError} when the key is not 32 bytes or the message is not whole blocks.
 */
export function poly1305FullBlocks(key: Uint8Array, msg: Uint8Array): Uint8Array {
  if (key.length !== 32 || msg.length % 16 !== 0) throw new RangeError('poly1305FullBlocks: 32-byte key, whole 16-byte blocks');
  polyInit(key);
  for (let o = 0; o < msg.length; o += 16) polyBlock(msg, o);
  polyTag();
  return tagBuf.slice();
}
