/**
 * The sender's side of a payment onion (BOLT 4 §"payload format" › writer requirements,
 * §"Payload for the Last Node"): per-hop payloads from a route, and the onion built from them.
 * LDK's equivalent is `onion_utils::build_onion_payloads` + `construct_onion_packet`.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { InvalidRoute } from '../../util/errors.js';
import { blindedPaymentHops } from './blinded_payment.js';
import { type BuiltOnion, constructOnionPacket, type OnionHop } from './construct.js';
import { encodeHopPayload, type HopPayload, MAX_VALUE_MSAT } from './payload.js';

/**
 * One hop of a route, as LDK's `RouteHop` describes it: the channel *into* this hop, the fee this
 * hop takes to forward over the next channel (msat), and the CLTV delta it adds (blocks). For the
 * last hop, `feeMsat` is the amount the recipient gets and `cltvExpiryDelta` the final delta.
 */
export interface PaymentRouteHop {
  /** The hop's node id. */
  readonly pubkey: Uint8Array;
  /** The channel from the previous hop (or from us) to this hop. */
  readonly shortChannelId: bigint;
  readonly feeMsat: bigint;
  readonly cltvExpiryDelta: number;
}

/** What the recipient's payload carries besides amount and expiry. */
export interface RecipientFields {
  /** `payment_data.payment_secret` (BOLT 11 `s`). */
  readonly paymentSecret?: Uint8Array;
  /** `payment_data.total_msat` for multi-part payments; defaults to this part's amount. */
  readonly totalMsat?: bigint;
  /** `payment_metadata` (BOLT 11 `m`), echoed with every part. */
  readonly paymentMetadata?: Uint8Array;
  /** The keysend preimage, for a spontaneous payment. */
  readonly keysendPreimage?: Uint8Array;
}

/**
 * The blinded end of a path (the router's `BlindedTail`): the last unblinded hop is the
 * introduction node, whose `feeMsat`/`cltvExpiryDelta` are those of the whole blinded part.
 */
export interface PaymentBlindedTail {
  readonly hops: readonly { readonly blindedNodeId: Uint8Array; readonly encryptedPayload: Uint8Array }[];
  /** The introduction node's path key (`first_path_key`). */
  readonly blindingPoint: Uint8Array;
  readonly excessFinalCltvExpiryDelta: number;
  /** What the recipient gets (msat). */
  readonly finalValueMsat: bigint;
}

/** Payloads for a route, and what the first HTLC must carry. */
export interface RoutePayloads {
  readonly hops: OnionHop[];
  /** `amount_msat` of the HTLC we offer the first hop: the recipient's amount plus every fee. */
  readonly firstHopAmountMsat: bigint;
  /** `cltv_expiry` of that HTLC (block height). */
  readonly firstHopCltvExpiry: number;
}

/**
 * Builds each hop's `payload` for an unblinded route, last hop first: the recipient gets
 * `amt_to_forward` = its amount and `outgoing_cltv_value` = `startingHeight + final delta`, plus
 * `payment_data`/`payment_metadata`/keysend; each earlier hop gets the next channel, the amount
 * the next hop must receive and the expiry it must set (BOLT 4 §"payload format").
 * @param startingHeight - the height the final CLTV counts from (current best height + 1, plus
 *   any privacy offset the caller adds, BOLT 7 §"Recommendations for Routing").
 * @throws {InvalidRoute} on an empty route or amounts beyond 21M BTC.
 */
export function buildRoutePayloads(path: readonly PaymentRouteHop[], recipient: RecipientFields, startingHeight: number, tail?: PaymentBlindedTail): RoutePayloads {
  if (path.length === 0) throw new InvalidRoute('a route needs at least one hop');
  if (tail) return blindedRoutePayloads(path, recipient, startingHeight, tail);
  const out: OnionHop[] = new Array(path.length);
  let value = 0n;
  let cltv = startingHeight;
  for (let i = path.length - 1; i >= 0; i--) {
    const hop = path[i]!;
    let p: HopPayload;
    if (i === path.length - 1) {
      value = hop.feeMsat;
      cltv = startingHeight + hop.cltvExpiryDelta;
      p = { amtToForward: value, outgoingCltvValue: cltv };
      if (recipient.paymentSecret) p = { ...p, paymentData: { paymentSecret: recipient.paymentSecret, totalMsat: recipient.totalMsat ?? value } };
      if (recipient.paymentMetadata) p = { ...p, paymentMetadata: recipient.paymentMetadata };
      if (recipient.keysendPreimage) p = { ...p, keysendPreimage: recipient.keysendPreimage };
    } else {
      p = { amtToForward: value, outgoingCltvValue: cltv, shortChannelId: path[i + 1]!.shortChannelId };
      value += hop.feeMsat;
      cltv += hop.cltvExpiryDelta;
    }
    if (value > MAX_VALUE_MSAT) throw new InvalidRoute('route amount above 21M BTC');
    out[i] = { pubkey: hop.pubkey, payload: encodeHopPayload(p) };
  }
  return { hops: out, firstHopAmountMsat: value, firstHopCltvExpiry: cltv };
}

/**
 * Payloads for a path ending in a blinded tail (BOLT 4 §"Route Blinding", sender): the hops before
 * the introduction node forward as usual; from the introduction node on, each hop gets its
 * `encrypted_recipient_data` (the first also `current_path_key`), the recipient also its amount,
 * expiry and `total_amount_msat` — no `payment_data`, as the path itself authenticates the payment.
 */
function blindedRoutePayloads(path: readonly PaymentRouteHop[], recipient: RecipientFields, startingHeight: number, tail: PaymentBlindedTail): RoutePayloads {
  if (tail.hops.length === 0) throw new InvalidRoute('a blinded tail needs at least one hop');
  const intro = path.at(-1)!;
  const finalCltv = startingHeight + tail.excessFinalCltvExpiryDelta;
  const blinded = blindedPaymentHops(
    {
      firstNodeId: { kind: 'pubkey', nodeId: intro.pubkey },
      firstPathKey: tail.blindingPoint,
      hops: tail.hops.map((h) => ({ blindedNodeId: h.blindedNodeId, encryptedRecipientData: h.encryptedPayload })),
    },
    { amountMsat: tail.finalValueMsat, totalAmountMsat: recipient.totalMsat ?? tail.finalValueMsat, finalCltv },
  );
  // What the introduction node must receive: the delivered value plus the blinded part's fee.
  let value = tail.finalValueMsat + intro.feeMsat;
  let cltv = finalCltv + intro.cltvExpiryDelta;
  const out: OnionHop[] = new Array(path.length - 1);
  for (let i = path.length - 2; i >= 0; i--) {
    const p: HopPayload = { amtToForward: value, outgoingCltvValue: cltv, shortChannelId: path[i + 1]!.shortChannelId };
    value += path[i]!.feeMsat;
    cltv += path[i]!.cltvExpiryDelta;
    if (value > MAX_VALUE_MSAT) throw new InvalidRoute('route amount above 21M BTC');
    out[i] = { pubkey: path[i]!.pubkey, payload: encodeHopPayload(p) };
  }
  return { hops: [...out, ...blinded], firstHopAmountMsat: value, firstHopCltvExpiry: cltv };
}

/** A payment onion with what the first HTLC must carry. */
export interface BuiltPaymentOnion extends BuiltOnion {
  readonly firstHopAmountMsat: bigint;
  readonly firstHopCltvExpiry: number;
}

/**
 * The onion for an HTLC along `path` (BOLT 4 §"Packet Construction" with the payment hash as
 * associated data), with the first HTLC's amount and expiry. Keep `sharedSecrets` to decode the
 * failure that may come back.
 * @throws {InvalidRoute} when the route is empty or its payloads do not fit 1300 bytes.
 */
export function buildPaymentOnion(
  c: CryptoBackend,
  opts: {
    readonly sessionKey: Uint8Array;
    readonly paymentHash: Uint8Array;
    readonly path: readonly PaymentRouteHop[];
    readonly recipient: RecipientFields;
    readonly startingHeight: number;
    /** The path's blinded end, when it pays into a blinded path. */
    readonly blindedTail?: PaymentBlindedTail;
  },
): BuiltPaymentOnion {
  const p = buildRoutePayloads(opts.path, opts.recipient, opts.startingHeight, opts.blindedTail);
  const built = constructOnionPacket(c, { sessionKey: opts.sessionKey, hops: p.hops, associatedData: opts.paymentHash });
  return { ...built, firstHopAmountMsat: p.firstHopAmountMsat, firstHopCltvExpiry: p.firstHopCltvExpiry };
}
