/**
 * BOLT 4 §"Returning Errors": building the return packet at the erring node, wrapping it at each
 * hop on the way back, and attributing it at the origin. Also the `update_fail_malformed_htlc`
 * path (BOLT 2 §"Removing an HTLC"), where the upstream node turns a BADONION code into a
 * regular failure of its own.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { equalBytes } from '../../util/bytes.js';
import { APIMisuseError, type DecodeError } from '../../util/errors.js';
import { ByteWriter } from '../../util/ser/writer.js';
import { decodeFailureMessage, encodeFailureMessage, type FailureMessage, isBadOnionFailure } from './failure.js';
import { onionKey, xorStream } from './keys.js';
import { HMAC_LEN } from './packet.js';

/** `failure_len + pad_len` the erring node SHOULD reach (BOLT 4 §"Erring node" › Requirements). */
export const FAILURE_PAYLOAD_MIN_LEN = 256;
/** Hop count the origin's decryption loop always runs to, hiding the failing hop's position. */
export const MAX_ERROR_DECRYPT_ROUNDS = 27;

/**
 * The unobfuscated return packet: `hmac || u16 failure_len || failuremsg || u16 pad_len || pad`,
 * where `hmac = HMAC(um, <the rest>)` and the pad brings `failure_len + pad_len` to at least
 * `minPaddedLen` (256 per BOLT 4; attributable errors use more).
 */
export function failurePayload(
  c: CryptoBackend,
  sharedSecret: Uint8Array,
  failureMsg: Uint8Array,
  minPaddedLen = FAILURE_PAYLOAD_MIN_LEN,
): Uint8Array {
  if (failureMsg.length > 0xffff) throw new APIMisuseError('failure message longer than 65535 bytes');
  const padLen = Math.max(0, minPaddedLen - failureMsg.length);
  const w = new ByteWriter(HMAC_LEN + 4 + failureMsg.length + padLen);
  w.u16(failureMsg.length).bytes(failureMsg).u16(padLen).bytes(new Uint8Array(padLen));
  const body = w.finish();
  const out = new Uint8Array(HMAC_LEN + body.length);
  out.set(c.hmacSha256(onionKey(c, 'um', sharedSecret), body), 0);
  out.set(body, HMAC_LEN);
  return out;
}

/**
 * XORs a return packet with the hop's `ammag` stream. The erring node applies it once after
 * building the payload; every intermediate node applies it again with its own secret
 * (BOLT 4 §"Intermediate nodes" › "Transformation of the return packet"). Self-inverse.
 */
export function obfuscateFailurePacket(c: CryptoBackend, sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  return xorStream(c, onionKey(c, 'ammag', sharedSecret), packet).slice();
}

/**
 * What the erring node puts in `update_fail_htlc.reason`: the failure message wrapped under the
 * shared secret of the onion it peeled.
 */
export function buildFailurePacket(
  c: CryptoBackend,
  sharedSecret: Uint8Array,
  failure: FailureMessage | Uint8Array,
  minPaddedLen = FAILURE_PAYLOAD_MIN_LEN,
): Uint8Array {
  const msg = failure instanceof Uint8Array ? failure : encodeFailureMessage(failure);
  return obfuscateFailurePacket(c, sharedSecret, failurePayload(c, sharedSecret, msg, minPaddedLen));
}

/**
 * Turns a downstream `update_fail_malformed_htlc` into the `update_fail_htlc` reason this node
 * returns upstream: the failure message is `failure_code || sha256_of_onion`, wrapped under the
 * shared secret this node holds with the origin (BOLT 2 §"Removing an HTLC" › Requirements).
 * @returns the packet, or `null` when the BADONION bit is missing (the channel must be failed).
 */
export function failurePacketFromMalformed(
  c: CryptoBackend,
  sharedSecret: Uint8Array,
  failureCode: number,
  sha256OfOnion: Uint8Array,
): Uint8Array | null {
  if (!isBadOnionFailure(failureCode) || sha256OfOnion.length !== 32) return null;
  const w = new ByteWriter(34);
  w.u16(failureCode).bytes(sha256OfOnion);
  return buildFailurePacket(c, sharedSecret, w.finish());
}

/** A failure the origin attributed to a hop. */
export interface DecodedFailure {
  /** Index in the route (0 = first hop) of the node whose `um` HMAC matched. */
  readonly hopIndex: number;
  /** The raw `failuremsg`. */
  readonly failureMsg: Uint8Array;
  /** The parsed message, or why it did not parse (the source is still known). */
  readonly failure: FailureMessage | DecodeError;
}

/**
 * Decrypts a returned error at the origin (BOLT 4 §"Origin node"): peels each hop's `ammag`
 * layer in route order and stops at the first hop whose `um` HMAC authenticates the packet;
 * then keeps decrypting dummy rounds up to 27 so timing does not reveal the position.
 * @param sharedSecrets - the route's shared secrets from {@link constructOnionPacket}, first hop first.
 * @returns the attributed failure, or `null` when no hop's HMAC matches (a hop garbled it).
 * @example
 * const f = decodeFailurePacket(crypto, built.sharedSecrets, updateFailHtlc.reason);
 * if (f) penalize(route[f.hopIndex], f.failure);
 */
export function decodeFailurePacket(
  c: CryptoBackend,
  sharedSecrets: readonly Uint8Array[],
  packet: Uint8Array,
): DecodedFailure | null {
  let p = packet;
  let found: DecodedFailure | null = null;
  const dummy = new Uint8Array(32);
  for (let i = 0; i < Math.max(MAX_ERROR_DECRYPT_ROUNDS, sharedSecrets.length); i++) {
    const real = found === null && i < sharedSecrets.length;
    const ss = real ? sharedSecrets[i]! : dummy;
    p = obfuscateFailurePacket(c, ss, p);
    if (p.length < HMAC_LEN + 4) continue;
    const mac = c.hmacSha256(onionKey(c, 'um', ss), p.subarray(HMAC_LEN));
    if (!real || !equalBytes(mac, p.subarray(0, HMAC_LEN))) continue;
    const len = (p[HMAC_LEN]! << 8) | p[HMAC_LEN + 1]!;
    const failureMsg = p.slice(HMAC_LEN + 2, Math.min(p.length, HMAC_LEN + 2 + len));
    found = { hopIndex: i, failureMsg, failure: decodeFailureMessage(failureMsg) };
  }
  return found;
}
