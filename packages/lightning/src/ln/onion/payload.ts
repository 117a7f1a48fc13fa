/**
 * BOLT 4 §"payload format": the TLV hop payload of a payment onion, and the reader's rules for
 * which records a forwarding, final or blinded hop must (not) carry (§"payload format" ›
 * Requirements). The legacy fixed-size payload is refused earlier, when peeling (length 0).
 * @module
 */
import type { DecodeError } from '../../util/errors.js';
import { bytes32, decode, encode, point, restBytes, shortChannelId, struct, tu32, tu64 } from '../../util/ser/codec.js';
import { type TlvStreamValue, tlv, tlvStream } from '../../util/ser/tlv.js';

/** TLV type of the keysend preimage record (not in BOLT 4; the "spontaneous payment" convention LDK and lnd use). */
export const KEYSEND_TLV_TYPE = 5482373484n;

/** No amount above all the bitcoin there will ever be (21M BTC in msat) is meaningful; LDK refuses it too. */
export const MAX_VALUE_MSAT = 21_000_000n * 100_000_000n * 1_000n;

/** The `payload` TLV stream (BOLT 4 §"payload format"). */
export const hopPayloadTlvs = tlvStream({
  /** 2: amount (msat) to forward, or to receive at the final hop. */
  amtToForward: tlv(2, tu64),
  /** 4: CLTV expiry (block height) of the outgoing HTLC. */
  outgoingCltvValue: tlv(4, tu32),
  /** 6: the outgoing channel. */
  shortChannelId: tlv(6, shortChannelId),
  /** 8: the invoice's `payment_secret` and the total of all parts (msat). */
  paymentData: tlv(8, struct({ paymentSecret: bytes32, totalMsat: tu64 })),
  /** 10: the blob the recipient made for this hop of a blinded path. */
  encryptedRecipientData: tlv(10, restBytes),
  /** 12: the path key, given to the introduction node of a blinded path. */
  currentPathKey: tlv(12, point),
  /** 16: the invoice's `payment_metadata`, echoed to the recipient. */
  paymentMetadata: tlv(16, restBytes),
  /** 18: total amount (msat) of a payment to a blinded path. */
  totalAmountMsat: tlv(18, tu64),
  /** 5482373484: the preimage of a keysend (spontaneous) payment. */
  keysendPreimage: tlv(KEYSEND_TLV_TYPE, bytes32),
});
/** A decoded hop payload. */
export type HopPayload = TlvStreamValue<typeof hopPayloadTlvs>;

/** Serializes a hop payload (the bytes to give `constructOnionPacket`). */
export function encodeHopPayload(p: HopPayload): Uint8Array {
  return encode(hopPayloadTlvs, p);
}
/** Parses a hop payload: strictly increasing types, unknown even types rejected (BOLT 1). */
export function decodeHopPayload(b: Uint8Array): HopPayload | DecodeError {
  return decode(hopPayloadTlvs, b);
}

/** An ordinary (unblinded) forward. */
export interface ForwardHop {
  readonly kind: 'forward';
  readonly shortChannelId: bigint;
  readonly amtToForward: bigint;
  readonly outgoingCltvValue: number;
}
/** An ordinary payment to us. */
export interface ReceiveHop {
  readonly kind: 'receive';
  readonly amtToForward: bigint;
  readonly outgoingCltvValue: number;
  /** `payment_data.total_msat`, or `amt_to_forward` when absent (BOLT 4 §"payload format"). */
  readonly totalMsat: bigint;
  readonly paymentSecret?: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  readonly keysendPreimage?: Uint8Array;
}
/** A hop inside a blinded path that must forward; amounts come from `encrypted_recipient_data`. */
export interface BlindedForwardHop {
  readonly kind: 'blinded-forward';
  readonly encryptedRecipientData: Uint8Array;
  /** The key to decrypt with: `current_path_key` at the introduction node, else the HTLC's. */
  readonly pathKey: Uint8Array;
  /** True at the introduction node (the key came in the payload). */
  readonly introductionNode: boolean;
}
/** The final hop of a blinded path. */
export interface BlindedReceiveHop {
  readonly kind: 'blinded-receive';
  readonly encryptedRecipientData: Uint8Array;
  readonly pathKey: Uint8Array;
  readonly introductionNode: boolean;
  readonly amtToForward: bigint;
  readonly outgoingCltvValue: number;
  readonly totalAmountMsat: bigint;
}
/** The payload broke a rule; fail with `invalid_onion_payload` (or `invalid_onion_blinding` when blinded). */
export interface InvalidHop {
  readonly kind: 'invalid';
  readonly reason: string;
  /** The TLV type at fault, for `invalid_onion_payload`'s data. */
  readonly tlvType: bigint;
  /** True when the HTLC was inside a blinded path, where every error must be `invalid_onion_blinding`. */
  readonly blinded: boolean;
}
/** What a hop payload asks of us. */
export type HopInstruction = ForwardHop | ReceiveHop | BlindedForwardHop | BlindedReceiveHop | InvalidHop;

/**
 * Applies BOLT 4 §"payload format" › Requirements (the reader) to a decoded payload.
 * @param isFinal - the peeled onion's next HMAC was all zero.
 * @param updatePathKey - the `path_key` (blinding point) of the incoming `update_add_htlc`, if any.
 */
export function classifyHopPayload(p: HopPayload, isFinal: boolean, updatePathKey?: Uint8Array): HopInstruction {
  const invalid = (reason: string, tlvType: number | bigint, blinded: boolean): InvalidHop => ({
    kind: 'invalid',
    reason,
    tlvType: BigInt(tlvType),
    blinded,
  });
  if (p.amtToForward !== undefined && p.amtToForward > MAX_VALUE_MSAT) {
    return invalid('amt_to_forward above 21M BTC', 2, p.encryptedRecipientData !== undefined || updatePathKey !== undefined);
  }
  if (p.encryptedRecipientData !== undefined) {
    let pathKey: Uint8Array;
    if (updatePathKey) {
      if (p.currentPathKey) return invalid('current_path_key with a path_key in update_add_htlc', 12, true);
      pathKey = updatePathKey;
    } else {
      if (!p.currentPathKey) return invalid('encrypted_recipient_data without a path key', 12, true);
      pathKey = p.currentPathKey;
    }
    const introductionNode = !updatePathKey;
    const { encryptedRecipientData } = p;
    if (p.shortChannelId !== undefined) return invalid('short_channel_id in a blinded payload', 6, true);
    if (p.paymentData) return invalid('payment_data in a blinded payload', 8, true);
    if (p.paymentMetadata) return invalid('payment_metadata in a blinded payload', 16, true);
    if (p.keysendPreimage) return invalid('keysend preimage in a blinded payload', KEYSEND_TLV_TYPE, true);
    if (!isFinal) {
      if (p.amtToForward !== undefined) return invalid('amt_to_forward at a blinded forward', 2, true);
      if (p.outgoingCltvValue !== undefined) return invalid('outgoing_cltv_value at a blinded forward', 4, true);
      if (p.totalAmountMsat !== undefined) return invalid('total_amount_msat at a blinded forward', 18, true);
      return { kind: 'blinded-forward', encryptedRecipientData, pathKey, introductionNode };
    }
    if (p.amtToForward === undefined) return invalid('blinded final hop without amt_to_forward', 2, true);
    if (p.outgoingCltvValue === undefined) return invalid('blinded final hop without outgoing_cltv_value', 4, true);
    if (p.totalAmountMsat === undefined) return invalid('blinded final hop without total_amount_msat', 18, true);
    return {
      kind: 'blinded-receive',
      encryptedRecipientData,
      pathKey,
      introductionNode,
      amtToForward: p.amtToForward,
      outgoingCltvValue: p.outgoingCltvValue,
      totalAmountMsat: p.totalAmountMsat,
    };
  }
  if (updatePathKey) return invalid('path_key in update_add_htlc without encrypted_recipient_data', 10, true);
  if (p.currentPathKey) return invalid('current_path_key without encrypted_recipient_data', 12, false);
  if (p.amtToForward === undefined) return invalid('missing amt_to_forward', 2, false);
  if (p.outgoingCltvValue === undefined) return invalid('missing outgoing_cltv_value', 4, false);
  if (!isFinal) {
    if (p.shortChannelId === undefined) return invalid('forward without short_channel_id', 6, false);
    if (p.paymentData) return invalid('payment_data at a forwarding hop', 8, false);
    if (p.keysendPreimage) return invalid('keysend preimage at a forwarding hop', KEYSEND_TLV_TYPE, false);
    return {
      kind: 'forward',
      shortChannelId: p.shortChannelId,
      amtToForward: p.amtToForward,
      outgoingCltvValue: p.outgoingCltvValue,
    };
  }
  if (p.shortChannelId !== undefined) return invalid('short_channel_id at the final hop', 6, false);
  return {
    kind: 'receive',
    amtToForward: p.amtToForward,
    outgoingCltvValue: p.outgoingCltvValue,
    totalMsat: p.paymentData?.totalMsat ?? p.amtToForward,
    ...(p.paymentData ? { paymentSecret: p.paymentData.paymentSecret } : {}),
    ...(p.paymentMetadata ? { paymentMetadata: p.paymentMetadata } : {}),
    ...(p.keysendPreimage ? { keysendPreimage: p.keysendPreimage } : {}),
  };
}
