/**
 * BOLT 4 §"payload format" › Requirements (reader, blinded part) and §"Route Blinding": paying
 * through a blinded path — the sender's payloads, and what the introduction node, an
 * intermediate node and the recipient do with theirs.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { DecodeError, InvalidRoute } from '../../util/errors.js';
import { type BlindedPath, decryptRecipientData, type EncryptedData } from './blinded_path.js';
import type { OnionHop } from './construct.js';
import { type BlindedForwardHop, type BlindedReceiveHop, encodeHopPayload, type HopPayload } from './payload.js';
import type { NodeEcdh } from './peel.js';

/** What the sender must pay into a blinded path (BOLT 4 §"payload format", writer). */
export interface BlindedPayment {
  /** `amt_to_forward` for the recipient (msat). */
  readonly amountMsat: bigint;
  /** `total_amount_msat` of the whole (possibly multi-part) payment (msat). */
  readonly totalAmountMsat: bigint;
  /** `outgoing_cltv_value` for the recipient: the current block height plus any offset. */
  readonly finalCltv: number;
}

/**
 * The onion hops for a blinded path, to append after the sender's own unblinded hops: the
 * introduction node is addressed by its real id and gets `current_path_key`; every later hop is
 * addressed by its blinded id and gets only its `encrypted_recipient_data`; the recipient also gets
 * `amt_to_forward`, `outgoing_cltv_value` and `total_amount_msat`.
 * @throws {InvalidRoute} when the introduction node is given as a channel (resolve it first).
 */
export function blindedPaymentHops(path: BlindedPath, pay: BlindedPayment): OnionHop[] {
  if (path.firstNodeId.kind !== 'pubkey') throw new InvalidRoute('introduction node given by scid; resolve it first');
  const last = path.hops.length - 1;
  return path.hops.map((h, i) => {
    const p: HopPayload = { encryptedRecipientData: h.encryptedRecipientData };
    const full: HopPayload =
      i === last
        ? { ...p, amtToForward: pay.amountMsat, outgoingCltvValue: pay.finalCltv, totalAmountMsat: pay.totalAmountMsat }
        : p;
    const withKey: HopPayload = i === 0 ? { ...full, currentPathKey: path.firstPathKey } : full;
    const pubkey = i === 0 && path.firstNodeId.kind === 'pubkey' ? path.firstNodeId.nodeId : h.blindedNodeId;
    return { pubkey, payload: encodeHopPayload(withKey) };
  });
}

/** The incoming HTLC as the hop sees it. */
export interface IncomingHtlc {
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
}

/** A blinded hop that forwards. */
export interface BlindedForward {
  readonly kind: 'forward';
  /** The next hop, by channel or node id (exactly one is set). */
  readonly shortChannelId?: bigint;
  readonly nextNodeId?: Uint8Array;
  /** `((amount - fee_base) · 10^6 + 10^6 + prop - 1) / (10^6 + prop)` (msat). */
  readonly amtToForward: bigint;
  /** `cltv_expiry - payment_relay.cltv_expiry_delta`. */
  readonly outgoingCltvValue: number;
  /** The path key to put in the outgoing `update_add_htlc`. */
  readonly nextPathKey: Uint8Array;
  readonly data: EncryptedData;
}
/** The recipient of a blinded payment. */
export interface BlindedReceive {
  readonly kind: 'receive';
  readonly amtToForward: bigint;
  readonly outgoingCltvValue: number;
  readonly totalAmountMsat: bigint;
  /** The recipient's own `path_id`, to check the path is used in the context it was made for. */
  readonly pathId?: Uint8Array;
  readonly data: EncryptedData;
}
/**
 * The blinded hop must fail. Inside a blinded path every error is `invalid_onion_blinding`
 * (BOLT 4 §"Failure Messages" › Requirements): the introduction node returns it in
 * `update_fail_htlc`, later nodes in `update_fail_malformed_htlc`.
 */
export interface BlindedFailure {
  readonly kind: 'fail';
  readonly reason: string;
}

function checkCommon(d: EncryptedData, htlc: IncomingHtlc): string | null {
  const pc = d.paymentConstraints;
  if (pc) {
    if (htlc.cltvExpiry > pc.maxCltvExpiry) return `cltv_expiry ${htlc.cltvExpiry} above max_cltv_expiry ${pc.maxCltvExpiry}`;
    if (htlc.amountMsat < pc.htlcMinimumMsat) return `amount ${htlc.amountMsat} below htlc_minimum_msat`;
  }
  // No feature may be used inside blinded payments yet, so any set bit is unknown to us.
  if (d.allowedFeatures?.some((b) => b !== 0)) return 'allowed_features has a bit set we do not know';
  if (d.shortChannelId !== undefined && d.nextNodeId) return 'both short_channel_id and next_node_id';
  return null;
}

/**
 * Processes the payload of a hop inside a blinded path (from `classifyHopPayload`): decrypts
 * `encrypted_recipient_data` with the path key, checks `payment_constraints` and
 * `allowed_features`, and for a forward derives the outgoing amount and expiry from
 * `payment_relay`, plus the next path key.
 * Vectors: bolt04 `blinded_payment_onion.decrypt`.
 */
export function processBlindedHop(
  c: CryptoBackend,
  node: NodeEcdh,
  hop: BlindedForwardHop | BlindedReceiveHop,
  htlc: IncomingHtlc,
): BlindedForward | BlindedReceive | BlindedFailure {
  const un = decryptRecipientData(c, node, hop.pathKey, hop.encryptedRecipientData);
  if (un instanceof DecodeError) return { kind: 'fail', reason: un.message };
  const d = un.data;
  const bad = checkCommon(d, htlc);
  if (bad) return { kind: 'fail', reason: bad };
  if (hop.kind === 'blinded-receive') {
    return {
      kind: 'receive',
      amtToForward: hop.amtToForward,
      outgoingCltvValue: hop.outgoingCltvValue,
      totalAmountMsat: hop.totalAmountMsat,
      ...(d.pathId ? { pathId: d.pathId } : {}),
      data: d,
    };
  }
  if (d.shortChannelId === undefined && !d.nextNodeId) return { kind: 'fail', reason: 'no next hop in encrypted data' };
  const relay = d.paymentRelay;
  if (!relay) return { kind: 'fail', reason: 'no payment_relay in encrypted data' };
  const base = BigInt(relay.feeBaseMsat);
  const prop = BigInt(relay.feeProportionalMillionths);
  if (htlc.amountMsat < base) return { kind: 'fail', reason: 'amount below the base fee' };
  const M = 1_000_000n;
  const amtToForward = ((htlc.amountMsat - base) * M + M + prop - 1n) / (M + prop);
  const outgoingCltvValue = htlc.cltvExpiry - relay.cltvExpiryDelta;
  if (outgoingCltvValue < 0) return { kind: 'fail', reason: 'cltv_expiry below the delta' };
  return {
    kind: 'forward',
    ...(d.shortChannelId !== undefined ? { shortChannelId: d.shortChannelId } : {}),
    ...(d.nextNodeId ? { nextNodeId: d.nextNodeId } : {}),
    amtToForward,
    outgoingCltvValue,
    nextPathKey: un.nextPathKey,
    data: d,
  };
}
