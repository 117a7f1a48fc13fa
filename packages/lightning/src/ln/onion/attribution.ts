/**
 * BOLT 4 §"Returning Errors" (attributable errors) and §"Hold times for successful payments":
 * the `attribution_data` carried by `update_fail_htlc` and `update_fulfill_htlc` (BOLT 2, TLV 1):
 * 20 big-endian u32 hold times (units of 100 ms) then 210 HMACs truncated to 4 bytes. Each hop
 * adds its hold time and 20 HMACs (one per position it might hold on the path), each covering
 * the return packet it received, the hold times from it to the end, and the downstream HMACs for
 * that position; then XORs the block with its `ammagext` stream. The origin checks, hop by hop,
 * the HMAC of the hop's real position, so even a garbled failure names the pair of nodes at fault.
 *
 * Layout of the HMACs: one block per hop, the current hop first; block `b` holds `20 - b`
 * entries, and the entry for position `p` (hops between it and the last attributable hop) sits
 * at index `19 - p` of its block — the "hmac_x_y" table of the spec.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { concat, equalBytes } from '../../util/bytes.js';
import { APIMisuseError } from '../../util/errors.js';
import { decodeFailureMessage } from './failure.js';
import type { FailureMessage } from './failure.js';
import { type DecodedFailure, FAILURE_PAYLOAD_MIN_LEN, failurePayload, obfuscateFailurePacket } from './failure_packet.js';
import { encodeFailureMessage } from './failure.js';
import { onionKey, xorStream } from './keys.js';
import { HMAC_LEN } from './packet.js';

/** Hops attribution data can describe (BOLT 4: "maximum supported number of hops" 20). */
export const ATTRIBUTION_MAX_HOPS = 20;
/** One hold time: u32. */
export const HOLD_TIME_LEN = 4;
/** HMACs truncated to their first 4 bytes. */
export const TRUNCATED_HMAC_LEN = 4;
/** 20 + 19 + ... + 1. */
export const ATTRIBUTION_HMAC_COUNT = (ATTRIBUTION_MAX_HOPS * (ATTRIBUTION_MAX_HOPS + 1)) / 2;
/** Bytes of `attribution_data`: 80 of hold times + 840 of HMACs. */
export const ATTRIBUTION_DATA_LEN = ATTRIBUTION_MAX_HOPS * HOLD_TIME_LEN + ATTRIBUTION_HMAC_COUNT * TRUNCATED_HMAC_LEN;

const HOLD_BYTES = ATTRIBUTION_MAX_HOPS * HOLD_TIME_LEN;
/** Index of the first HMAC of block `b`. */
function blockStart(b: number): number {
  return b * ATTRIBUTION_MAX_HOPS - (b * (b - 1)) / 2;
}
function hmacAt(d: Uint8Array, index: number): Uint8Array {
  const o = HOLD_BYTES + index * TRUNCATED_HMAC_LEN;
  return d.subarray(o, o + TRUNCATED_HMAC_LEN);
}

/** The truncated HMAC a hop at `position` commits to (BOLT 4 §"Initialization of attribution_data"). */
function positionHmac(c: CryptoBackend, um: Uint8Array, message: Uint8Array, d: Uint8Array, position: number): Uint8Array {
  const parts: Uint8Array[] = [message, d.subarray(0, (position + 1) * HOLD_TIME_LEN)];
  const col = ATTRIBUTION_MAX_HOPS - 1 - position;
  for (let b = 1; b <= position; b++) parts.push(hmacAt(d, blockStart(b) + col));
  return c.hmacSha256(um, concat(...parts)).subarray(0, TRUNCATED_HMAC_LEN);
}

/**
 * Shift right: hold times move one slot on, each hop's HMAC block becomes the next block minus
 * its left-most (highest-position) entry, and the last block falls off (§"Transformation of
 * attribution_data").
 */
function shiftRight(d: Uint8Array): Uint8Array {
  const out = new Uint8Array(ATTRIBUTION_DATA_LEN);
  out.set(d.subarray(0, HOLD_BYTES - HOLD_TIME_LEN), HOLD_TIME_LEN);
  for (let b = 0; b + 1 < ATTRIBUTION_MAX_HOPS; b++) {
    const size = ATTRIBUTION_MAX_HOPS - b;
    const from = HOLD_BYTES + (blockStart(b) + 1) * TRUNCATED_HMAC_LEN;
    out.set(d.subarray(from, from + (size - 1) * TRUNCATED_HMAC_LEN), HOLD_BYTES + blockStart(b + 1) * TRUNCATED_HMAC_LEN);
  }
  return out;
}

/** The origin's inverse of {@link shiftRight}; the pruned entries come back as zeros (never read). */
function shiftLeft(d: Uint8Array): Uint8Array {
  const out = new Uint8Array(ATTRIBUTION_DATA_LEN);
  out.set(d.subarray(HOLD_TIME_LEN, HOLD_BYTES), 0);
  for (let b = 0; b + 1 < ATTRIBUTION_MAX_HOPS; b++) {
    const size = ATTRIBUTION_MAX_HOPS - b;
    const from = HOLD_BYTES + blockStart(b + 1) * TRUNCATED_HMAC_LEN;
    out.set(d.subarray(from, from + (size - 1) * TRUNCATED_HMAC_LEN), HOLD_BYTES + (blockStart(b) + 1) * TRUNCATED_HMAC_LEN);
  }
  return out;
}

/** XORs attribution data with the hop's `ammagext` stream (self-inverse). */
export function cryptAttributionData(c: CryptoBackend, sharedSecret: Uint8Array, data: Uint8Array): Uint8Array {
  return xorStream(c, onionKey(c, 'ammagext', sharedSecret), data).slice();
}

/**
 * One hop's contribution (§"Update of attribution_data"): shift what came from downstream (or
 * start from zeros), put our hold time first, add our 20 HMACs over `message` (the return packet
 * as we received it; empty for a fulfill), then obfuscate with `ammagext`.
 * @param holdTime - how long we held the HTLC, in units of 100 ms (0 when unknown).
 */
export function addAttribution(
  c: CryptoBackend,
  sharedSecret: Uint8Array,
  message: Uint8Array,
  holdTime: number,
  downstream?: Uint8Array,
): Uint8Array {
  if (downstream && downstream.length !== ATTRIBUTION_DATA_LEN) throw new APIMisuseError('attribution data must be 920 bytes');
  if (!Number.isInteger(holdTime) || holdTime < 0 || holdTime > 0xffffffff) throw new APIMisuseError('hold time is a u32');
  const d = downstream ? shiftRight(downstream) : new Uint8Array(ATTRIBUTION_DATA_LEN);
  new DataView(d.buffer, d.byteOffset).setUint32(0, holdTime);
  const um = onionKey(c, 'um', sharedSecret);
  for (let p = ATTRIBUTION_MAX_HOPS - 1; p >= 0; p--) {
    d.set(positionHmac(c, um, message, d, p), HOLD_BYTES + (ATTRIBUTION_MAX_HOPS - 1 - p) * TRUNCATED_HMAC_LEN);
  }
  return cryptAttributionData(c, sharedSecret, d);
}

/** A return packet with its attribution data (`update_fail_htlc.reason` and TLV 1). */
export interface AttributableFailurePacket {
  readonly packet: Uint8Array;
  readonly attributionData: Uint8Array;
}

/**
 * The erring node's `update_fail_htlc`: the failure packet ({@link failurePayload}, obfuscated with
 * `ammag`) and fresh attribution data whose HMACs cover the unobfuscated packet.
 */
export function buildAttributableFailure(
  c: CryptoBackend,
  sharedSecret: Uint8Array,
  failure: FailureMessage | Uint8Array,
  holdTime: number,
  minPaddedLen = FAILURE_PAYLOAD_MIN_LEN,
): AttributableFailurePacket {
  const msg = failure instanceof Uint8Array ? failure : encodeFailureMessage(failure);
  const raw = failurePayload(c, sharedSecret, msg, minPaddedLen);
  return { packet: obfuscateFailurePacket(c, sharedSecret, raw), attributionData: addAttribution(c, sharedSecret, raw, holdTime) };
}

/**
 * An intermediate node wraps a failure coming back: its attribution covers the packet as it
 * arrived, then both parts get its obfuscation. Missing downstream attribution data starts afresh
 * (the origin then learns hold times only up to here).
 */
export function forwardAttributableFailure(
  c: CryptoBackend,
  sharedSecret: Uint8Array,
  received: { readonly packet: Uint8Array; readonly attributionData?: Uint8Array },
  holdTime: number,
): AttributableFailurePacket {
  const downstream = received.attributionData?.length === ATTRIBUTION_DATA_LEN ? received.attributionData : undefined;
  return {
    packet: obfuscateFailurePacket(c, sharedSecret, received.packet),
    attributionData: addAttribution(c, sharedSecret, received.packet, holdTime, downstream),
  };
}

/**
 * A hop's `update_fulfill_htlc.attribution_data` (§"Hold times for successful payments"): the
 * same construction with an empty message.
 */
export function fulfillAttribution(c: CryptoBackend, sharedSecret: Uint8Array, holdTime: number, downstream?: Uint8Array): Uint8Array {
  return addAttribution(c, sharedSecret, new Uint8Array(0), holdTime, downstream);
}

/** What the origin learns from attribution data. */
export interface AttributionResult {
  /** Hold times (100 ms units) of the hops whose HMAC verified, first hop first. */
  readonly holdTimes: number[];
  /** The first hop (route index) whose HMAC did not verify: it or its predecessor tampered. */
  readonly failedAt?: number;
}

function walkAttribution(
  c: CryptoBackend,
  sharedSecrets: readonly Uint8Array[],
  data: Uint8Array,
  messageAt: (i: number) => Uint8Array | null,
): AttributionResult {
  const count = Math.min(sharedSecrets.length, ATTRIBUTION_MAX_HOPS);
  const holdTimes: number[] = [];
  if (data.length !== ATTRIBUTION_DATA_LEN) return { holdTimes, failedAt: 0 };
  let d = data;
  for (let i = 0; i < count; i++) {
    const message = messageAt(i);
    if (message === null) break;
    d = cryptAttributionData(c, sharedSecrets[i]!, d);
    const position = count - i - 1;
    const um = onionKey(c, 'um', sharedSecrets[i]!);
    const expected = positionHmac(c, um, message, d, position);
    if (!equalBytes(expected, hmacAt(d, ATTRIBUTION_MAX_HOPS - 1 - position))) return { holdTimes, failedAt: i };
    holdTimes.push(new DataView(d.buffer, d.byteOffset).getUint32(0));
    d = shiftLeft(d);
  }
  return { holdTimes };
}

/** A failure decoded at the origin with its attribution. */
export interface AttributedFailure {
  /** The failure the legacy HMACs attribute, or `null` when none matches. */
  readonly failure: DecodedFailure | null;
  readonly attribution: AttributionResult;
}

/**
 * Decodes an attributable failure at the origin (BOLT 4 §"Origin node"): for each hop in route
 * order, remove its `ammag` layer from the packet and its `ammagext` layer from the attribution
 * data, verify the HMAC for its position and read its hold time; the legacy `um` HMAC of the
 * packet names the failing node. Hops after the failing one are not walked.
 */
export function decodeAttributableFailure(
  c: CryptoBackend,
  sharedSecrets: readonly Uint8Array[],
  received: { readonly packet: Uint8Array; readonly attributionData?: Uint8Array },
): AttributedFailure {
  let p = received.packet;
  let failure: DecodedFailure | null = null;
  const packets: Uint8Array[] = [];
  for (let i = 0; i < sharedSecrets.length; i++) {
    p = obfuscateFailurePacket(c, sharedSecrets[i]!, p);
    packets.push(p);
    const um = onionKey(c, 'um', sharedSecrets[i]!);
    if (p.length >= HMAC_LEN + 4 && equalBytes(c.hmacSha256(um, p.subarray(HMAC_LEN)), p.subarray(0, HMAC_LEN))) {
      const len = (p[HMAC_LEN]! << 8) | p[HMAC_LEN + 1]!;
      const failureMsg = p.slice(HMAC_LEN + 2, Math.min(p.length, HMAC_LEN + 2 + len));
      failure = { hopIndex: i, failureMsg, failure: decodeFailureMessage(failureMsg) };
      break;
    }
  }
  const attribution = received.attributionData
    ? walkAttribution(c, sharedSecrets, received.attributionData, (i) => packets[i] ?? null)
    : { holdTimes: [], failedAt: 0 };
  return { failure, attribution };
}

/** Reads the hold times of a fulfilled payment's attribution data at the origin. */
export function decodeFulfillAttribution(c: CryptoBackend, sharedSecrets: readonly Uint8Array[], data: Uint8Array): AttributionResult {
  const empty = new Uint8Array(0);
  return walkAttribution(c, sharedSecrets, data, () => empty);
}
