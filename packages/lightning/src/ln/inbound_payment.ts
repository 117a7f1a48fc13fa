/**
 * Stateless inbound payments (LDK's `ln/inbound_payment.rs` idea, not its byte format): the
 * `payment_secret` of an invoice (BOLT 11 `s`, echoed in the final onion payload's
 * `payment_data`, BOLT 4 §"Payload for the Last Node") carries the payment's terms — minimum
 * amount, expiry, final CLTV delta — encrypted and authenticated under a node-local key, so the
 * node keeps no record per invoice. When the preimage is ours to choose it is derived from the
 * secret, so an HTLC can be claimed from the key alone.
 *
 * ## Keys
 * {@link ExpandedKey} expands 32 bytes of key material with HKDF-SHA256 (RFC 5869, salt
 * `"lnts inbound_payment v1"`, empty info) into four independent 32-byte keys: `metadataKey`
 * (ChaCha20 encryption of the metadata), `ivKey` (derives the IV of a payment whose preimage we
 * derive), `userHashKey` (authenticates a payment for a hash the user chose) and `preimageKey`
 * (derives preimages).
 *
 * ## The secret (32 bytes)
 * `secret = iv (16) ‖ ChaCha20(metadataKey, nonce = iv[0..12], counter 0, metadata) (16)`, where
 * `metadata` (16 bytes, big-endian) is:
 * | bytes | field |
 * |---|---|
 * | 0 | flags: bits 0–1 method (1 = we derive the preimage, 2 = the user holds it), bit 2 amount present, bit 3 final CLTV delta present; bits 4–7 zero (version 0) |
 * | 1–7 | minimum amount, msat (u56; 0 when absent) |
 * | 8–12 | expiry time, seconds since 1970 (u40) |
 * | 13–14 | `min_final_cltv_expiry_delta`, blocks (u16; 0 when absent) |
 * | 15 | zero |
 *
 * Authentication, per method:
 * - derived preimage: `iv = HMAC(ivKey, random32 ‖ metadata)[0..16]`,
 *   `preimage = HMAC(preimageKey, secret)`, `payment_hash = SHA256(preimage)`. Changing any bit of
 *   the secret changes the preimage, so the hash no longer matches: the hash authenticates it.
 * - user's hash: `iv = HMAC(userHashKey, metadata ‖ payment_hash)[0..16]`; verifying recomputes
 *   it (constant-time compare), which binds the terms to that hash.
 * ChaCha20 is malleable, but every bit of the ciphertext is covered by one of these MACs, and the
 * method itself sits inside the authenticated metadata, so flipping it fails both checks.
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { concat, utf8 } from '../util/bytes.js';
import { APIMisuseError } from '../util/errors.js';

const SALT = utf8('lnts inbound_payment v1');
const METHOD_DERIVED = 1;
const METHOD_USER_HASH = 2;
const FLAG_AMOUNT = 4;
const FLAG_CLTV = 8;
const MAX_AMOUNT = (1n << 56n) - 1n;
const MAX_EXPIRY = (1n << 40n) - 1n;

/**
 * The node-local keys behind stateless inbound payments (LDK's `inbound_payment::ExpandedKey`).
 * Derive it once from `KeysInterface`-held key material; the same material must be used across
 * restarts or outstanding invoices become unpayable.
 */
export class ExpandedKey {
  /** ChaCha20 key for the metadata. */
  readonly metadataKey: Uint8Array;
  /** HMAC key deriving the IV of payments whose preimage we derive. */
  readonly ivKey: Uint8Array;
  /** HMAC key authenticating payments for a user-supplied hash. */
  readonly userHashKey: Uint8Array;
  /** HMAC key deriving preimages from secrets. */
  readonly preimageKey: Uint8Array;

  /**
   * HKDF-SHA256 expand of `keyMaterial` (RFC 5869 §2.2–2.3: PRK = HMAC(salt, IKM),
   * T(i) = HMAC(PRK, T(i−1) ‖ i)) into four keys.
   * @param keyMaterial - 32 secret bytes.
   * @throws {APIMisuseError} when `keyMaterial` is not 32 bytes.
   */
  constructor(
    keyMaterial: Uint8Array,
    readonly crypto: CryptoBackend,
  ) {
    if (!(keyMaterial instanceof Uint8Array) || keyMaterial.length !== 32) throw new APIMisuseError('inbound payment key material must be 32 bytes');
    const prk = crypto.hmacSha256(SALT, keyMaterial);
    const out: Uint8Array[] = [];
    let prev: Uint8Array = new Uint8Array(0);
    for (let i = 1; i <= 4; i++) {
      const m = new Uint8Array(prev.length + 1);
      m.set(prev);
      m[prev.length] = i;
      prev = crypto.hmacSha256(prk, m);
      out.push(prev);
    }
    [this.metadataKey, this.ivKey, this.userHashKey, this.preimageKey] = out as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  }
}

/** What an invoice needs from {@link createInboundPayment}: hash and secret; the preimage for the user's records. */
export interface InboundPayment {
  /** BOLT 11 `p`: SHA256 of the preimage (32 bytes). */
  readonly paymentHash: Uint8Array;
  /** BOLT 11 `s` (32 bytes). */
  readonly paymentSecret: Uint8Array;
  /** The preimage (32 bytes); re-derivable from the secret, so it need not be stored. */
  readonly paymentPreimage: Uint8Array;
}

/** Why an incoming payment was refused. */
export type InboundPaymentErrorKind =
  /** The secret does not authenticate against this hash (forged, tampered, or not ours). */
  | 'invalid-secret'
  /** The metadata decrypted to a version or flags this code does not know. */
  | 'unknown-version'
  /** Received after the expiry time. */
  | 'expired'
  /** Less than the amount the invoice asked for. */
  | 'underpaid';

/** A payment `verifyInboundPayment` refuses (BOLT 4 final node: fail with `incorrect_or_unknown_payment_details`). */
export class InboundPaymentError extends Error {
  override readonly name = 'InboundPaymentError';
  constructor(
    readonly kind: InboundPaymentErrorKind,
    message: string,
  ) {
    super(`${kind}: ${message}`);
  }
}

/** What a verified payment yields. */
export interface VerifiedInboundPayment {
  /** The preimage to claim with, when we derived it; absent for a user-supplied hash. */
  readonly preimage?: Uint8Array;
  /** The invoice's `min_final_cltv_expiry_delta` when one was given, for the HTLC expiry check. */
  readonly minFinalCltvExpiryDelta?: number;
  /** The expiry time committed to, seconds since 1970. */
  readonly expiryTime: bigint;
  /** The minimum amount committed to, msat; absent for an amount-less invoice. */
  readonly amountMsat?: bigint;
}

interface Terms {
  readonly amountMsat: bigint | undefined;
  readonly expiryTime: bigint;
  readonly minFinalCltvExpiryDelta: number | undefined;
}

function toBig(t: number | bigint, what: string): bigint {
  if (typeof t === 'bigint') return t;
  if (!Number.isSafeInteger(t)) throw new APIMisuseError(`${what} must be an integer`);
  return BigInt(t);
}

function checkTerms(
  amountMsat: bigint | undefined,
  invoiceExpirySecs: number,
  currentTimeSecs: number | bigint,
  minFinalCltvExpiryDelta: number | undefined,
): Terms {
  if (amountMsat !== undefined && (amountMsat <= 0n || amountMsat > MAX_AMOUNT)) {
    throw new APIMisuseError('amount must be positive and below 2^56 msat (omit it for an amount-less invoice)');
  }
  if (!Number.isInteger(invoiceExpirySecs) || invoiceExpirySecs < 0 || invoiceExpirySecs > 0xffffffff) {
    throw new APIMisuseError('invoice expiry must be a u32 number of seconds');
  }
  const now = toBig(currentTimeSecs, 'current time');
  const expiryTime = now + BigInt(invoiceExpirySecs);
  if (now < 0n || expiryTime > MAX_EXPIRY) throw new APIMisuseError('expiry time out of range');
  if (minFinalCltvExpiryDelta !== undefined && (!Number.isInteger(minFinalCltvExpiryDelta) || minFinalCltvExpiryDelta < 0 || minFinalCltvExpiryDelta > 0xffff)) {
    throw new APIMisuseError('min_final_cltv_expiry_delta must be a u16');
  }
  return { amountMsat, expiryTime, minFinalCltvExpiryDelta };
}

function encodeMetadata(method: number, t: Terms): Uint8Array {
  const m = new Uint8Array(16);
  const v = new DataView(m.buffer);
  // The amount is a u56 at bytes 1..7: write it as a u64 at 0 (its top byte is zero since it is
  // below 2^56), then put the flags back in byte 0.
  v.setBigUint64(0, t.amountMsat ?? 0n);
  m[0] = method | (t.amountMsat !== undefined ? FLAG_AMOUNT : 0) | (t.minFinalCltvExpiryDelta !== undefined ? FLAG_CLTV : 0);
  v.setUint8(8, Number((t.expiryTime >> 32n) & 0xffn));
  v.setUint32(9, Number(t.expiryTime & 0xffffffffn));
  v.setUint16(13, t.minFinalCltvExpiryDelta ?? 0);
  return m;
}

interface DecodedMetadata extends Terms {
  readonly method: number;
}

function decodeMetadata(m: Uint8Array): DecodedMetadata | undefined {
  const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const flags = m[0]!;
  const method = flags & 3;
  if ((flags & 0xf0) !== 0 || (method !== METHOD_DERIVED && method !== METHOD_USER_HASH) || m[15] !== 0) return undefined;
  const amount = v.getBigUint64(0) & MAX_AMOUNT;
  const hasAmount = (flags & FLAG_AMOUNT) !== 0;
  const hasCltv = (flags & FLAG_CLTV) !== 0;
  const cltv = v.getUint16(13);
  if ((!hasAmount && amount !== 0n) || (hasAmount && amount === 0n) || (!hasCltv && cltv !== 0)) return undefined;
  const expiryTime = (BigInt(m[8]!) << 32n) | BigInt(v.getUint32(9));
  return { method, amountMsat: hasAmount ? amount : undefined, expiryTime, minFinalCltvExpiryDelta: hasCltv ? cltv : undefined };
}

function seal(key: ExpandedKey, iv: Uint8Array, metadata: Uint8Array): Uint8Array {
  const secret = new Uint8Array(32);
  secret.set(iv);
  secret.set(key.crypto.chacha20(key.metadataKey, iv.subarray(0, 12), metadata, 0), 16);
  return secret;
}

function equalCt(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function preimageOf(key: ExpandedKey, secret: Uint8Array): Uint8Array {
  return key.crypto.hmacSha256(key.preimageKey, secret);
}

function userHashIv(key: ExpandedKey, metadata: Uint8Array, paymentHash: Uint8Array): Uint8Array {
  return key.crypto.hmacSha256(key.userHashKey, concat(metadata, paymentHash)).slice(0, 16);
}

/**
 * A payment whose preimage we derive (LDK's `inbound_payment::create`): hash, secret and preimage
 * for an invoice, nothing to store. The terms (minimum amount, expiry, final CLTV delta) travel in
 * the secret; {@link verifyInboundPayment} enforces them.
 * @param amountMsat - the least we accept (msat), or `undefined` for an amount-less invoice.
 * @param invoiceExpirySecs - the invoice's `x` (seconds, u32); the payment expires at `currentTimeSecs + invoiceExpirySecs`.
 * @param currentTimeSecs - now, seconds since 1970 (the core reads no clock).
 * @param minFinalCltvExpiryDelta - the invoice's `c` (blocks), committed to when given.
 * @param randomBytes32 - fresh randomness (`KeysInterface.getSecureRandomBytes()`), 32 bytes.
 * @throws {APIMisuseError} on out-of-range terms or wrong-length randomness.
 */
export function createInboundPayment(
  key: ExpandedKey,
  amountMsat: bigint | undefined,
  invoiceExpirySecs: number,
  currentTimeSecs: number | bigint,
  minFinalCltvExpiryDelta: number | undefined,
  randomBytes32: Uint8Array,
): InboundPayment {
  if (!(randomBytes32 instanceof Uint8Array) || randomBytes32.length !== 32) throw new APIMisuseError('randomness must be 32 bytes');
  const metadata = encodeMetadata(METHOD_DERIVED, checkTerms(amountMsat, invoiceExpirySecs, currentTimeSecs, minFinalCltvExpiryDelta));
  // Hashing the randomness with the metadata keeps IVs unpredictable even from a weak source.
  const iv = key.crypto.hmacSha256(key.ivKey, concat(randomBytes32, metadata)).slice(0, 16);
  const paymentSecret = seal(key, iv, metadata);
  const paymentPreimage = preimageOf(key, paymentSecret);
  return { paymentHash: key.crypto.sha256(paymentPreimage), paymentSecret, paymentPreimage };
}

/**
 * A secret for a payment hash whose preimage the user holds (LDK's `create_from_hash`). The same
 * hash and terms always give the same secret.
 * @param paymentHash - SHA256 of the user's preimage (32 bytes).
 * @throws {APIMisuseError} on out-of-range terms or a hash that is not 32 bytes.
 */
export function createInboundPaymentForHash(
  key: ExpandedKey,
  paymentHash: Uint8Array,
  amountMsat: bigint | undefined,
  invoiceExpirySecs: number,
  currentTimeSecs: number | bigint,
  minFinalCltvExpiryDelta?: number,
): Uint8Array {
  if (!(paymentHash instanceof Uint8Array) || paymentHash.length !== 32) throw new APIMisuseError('payment hash must be 32 bytes');
  const metadata = encodeMetadata(METHOD_USER_HASH, checkTerms(amountMsat, invoiceExpirySecs, currentTimeSecs, minFinalCltvExpiryDelta));
  return seal(key, userHashIv(key, metadata, paymentHash), metadata);
}

/**
 * Checks an incoming payment against the terms its secret carries (LDK's `inbound_payment::verify`),
 * as the final node does before claiming (BOLT 4 §"Payload for the Last Node": the secret must
 * match and the amount be at least the invoice's).
 * @param amountMsat - what arrived, msat (for a multi-part payment, the parts' total).
 * @param currentTimeSecs - now, seconds since 1970. Valid up to and including the expiry time
 *   (as `Invoice.isExpired`: expired only when now is later).
 * @returns the derived preimage (for payments from {@link createInboundPayment}) and the committed
 *   terms, or why the payment is refused. Never throws on peer-supplied bytes.
 */
export function verifyInboundPayment(
  key: ExpandedKey,
  paymentHash: Uint8Array,
  paymentSecret: Uint8Array,
  amountMsat: bigint,
  currentTimeSecs: number | bigint,
): VerifiedInboundPayment | InboundPaymentError {
  // These come from a peer's onion: anything but two 32-byte arrays is refused, never thrown on.
  if (!(paymentHash instanceof Uint8Array) || !(paymentSecret instanceof Uint8Array) || paymentHash.length !== 32 || paymentSecret.length !== 32) {
    return new InboundPaymentError('invalid-secret', 'hash and secret must be 32 bytes');
  }
  if (typeof amountMsat !== 'bigint') return new InboundPaymentError('underpaid', 'amount must be a bigint');
  const iv = paymentSecret.subarray(0, 16);
  const metadata = key.crypto.chacha20(key.metadataKey, iv.subarray(0, 12), paymentSecret.subarray(16), 0);
  // Authenticate before interpreting anything the metadata says.
  let preimage: Uint8Array | undefined;
  const method = metadata[0]! & 3;
  if (method === METHOD_DERIVED) {
    const p = preimageOf(key, paymentSecret);
    if (!equalCt(key.crypto.sha256(p), paymentHash)) return new InboundPaymentError('invalid-secret', 'the secret does not derive this payment hash');
    preimage = p;
  } else if (method === METHOD_USER_HASH) {
    if (!equalCt(userHashIv(key, metadata, paymentHash), iv)) return new InboundPaymentError('invalid-secret', 'the secret does not authenticate this payment hash');
  } else {
    return new InboundPaymentError('invalid-secret', 'unknown payment method');
  }
  const d = decodeMetadata(metadata);
  if (!d) return new InboundPaymentError('unknown-version', 'authenticated metadata of an unknown version');
  let now: bigint;
  try {
    now = toBig(currentTimeSecs, 'current time');
  } catch {
    return new InboundPaymentError('expired', 'current time is not an integer');
  }
  if (now > d.expiryTime) return new InboundPaymentError('expired', `expired at ${d.expiryTime}, now ${now}`);
  if (d.amountMsat !== undefined && amountMsat < d.amountMsat) {
    return new InboundPaymentError('underpaid', `received ${amountMsat} msat of the ${d.amountMsat} msat asked for`);
  }
  return {
    ...(preimage ? { preimage } : {}),
    ...(d.minFinalCltvExpiryDelta !== undefined ? { minFinalCltvExpiryDelta: d.minFinalCltvExpiryDelta } : {}),
    ...(d.amountMsat !== undefined ? { amountMsat: d.amountMsat } : {}),
    expiryTime: d.expiryTime,
  };
}
