/**
 * The sender's side of a payment onion (BOLT 4 §"payload format" › writer requirements,
 * §"Payload for the Last Node"): per-hop payloads from a route, and the onion built from them.
 * LDK's equivalent is `onion_utils::build_onion_payloads` + `construct_onion_packet`.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { InvalidRoute } from '../../util/errors.js';
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
export function buildRoutePayloads(path: readonly PaymentRouteHop[], recipient: RecipientFields, startingHeight: number): RoutePayloads {
  if (path.length === 0) throw new InvalidRoute('a route needs at least one hop');
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
  },
): BuiltPaymentOnion {
  const p = buildRoutePayloads(opts.path, opts.recipient, opts.startingHeight);
  const built = constructOnionPacket(c, { sessionKey: opts.sessionKey, hops: p.hops, associatedData: opts.paymentHash });
  return { ...built, firstHopAmountMsat: p.firstHopAmountMsat, firstHopCltvExpiry: p.firstHopCltvExpiry };
}
