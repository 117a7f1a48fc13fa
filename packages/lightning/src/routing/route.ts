/**
 * What the router returns: a {@link Route} of one or more {@link Path}s (several for a basic_mpp
 * payment, BOLT 4 §"Basic Multi-Part Payments"), each a list of {@link RouteHop}s. The shapes
 * and semantics are LDK's (`lightning/src/routing/router.rs`: `Route`, `Path`, `RouteHop`,
 * `BlindedTail`) so that the onion builder (`ln/onion/outbound.ts`, whose `PaymentRouteHop` a
 * `RouteHop` satisfies structurally) and the payment code read them the same way LDK does.
 * @module
 */
import type { Features } from '../ln/features.js';
import type { RouteParameters } from './params.js';

/**
 * One hop of a path: a node and the channel that leads to it (LDK's `RouteHop`).
 *
 * Fee and CLTV semantics, exactly LDK's:
 * - for every hop but the last, `feeMsat` is the fee this hop's node takes for forwarding over the
 *   *next* channel (`hops[i + 1].shortChannelId`), computed from that channel's `channel_update`
 *   (BOLT 7 §"HTLC Fees"), and `cltvExpiryDelta` is that next channel's `cltv_expiry_delta`;
 * - for the last hop (no blinded tail), `feeMsat` is the amount this path delivers to the
 *   recipient and `cltvExpiryDelta` the recipient's final delta (BOLT 11 `c`).
 * The first hop's own channel (ours) charges nothing: we do not pay ourselves.
 */
export interface RouteHop {
  /** The node at this hop (33-byte compressed key). */
  readonly pubkey: Uint8Array;
  /** The channel from the previous hop (or from us) to this node; may be an `option_scid_alias` alias. */
  readonly shortChannelId: bigint;
  /** This node's features when known (`node_announcement`, or the invoice's for the recipient). */
  readonly nodeFeatures?: Features;
  /** The channel's `channel_announcement` features when known. */
  readonly channelFeatures?: Features;
  /** See the interface doc: next channel's fee, or the amount delivered for the last hop (msat). */
  readonly feeMsat: bigint;
  /** See the interface doc: next channel's CLTV delta, or the final delta for the last hop (blocks). */
  readonly cltvExpiryDelta: number;
}

/** One hop inside a blinded path (BOLT 4 §"Route Blinding"): its blinded node id and encrypted data. */
export interface BlindedHop {
  /** The blinded node id (33 bytes). */
  readonly blindedNodeId: Uint8Array;
  /** `encrypted_recipient_data` for that hop. */
  readonly encryptedPayload: Uint8Array;
}

/**
 * The blinded end of a path, when paying a recipient that gave blinded paths (BOLT 12; LDK's
 * `BlindedTail`). The router does not produce these yet; the type is here so that `Path` has its
 * final shape. With a tail, the last `RouteHop` is the introduction node and its `feeMsat` is the
 * fee for the whole blinded part.
 */
export interface BlindedTail {
  readonly hops: readonly BlindedHop[];
  /** The first blinding point (33 bytes). */
  readonly blindingPoint: Uint8Array;
  /** CLTV added to the recipient's expiry so intermediate nodes cannot infer it (blocks, may be 0). */
  readonly excessFinalCltvExpiryDelta: number;
  /** The amount this path delivers, fees excluded (msat). */
  readonly finalValueMsat: bigint;
}

/** A path to the recipient: at least one hop; at most 19 without a blinded tail (LDK's `Path`). */
export interface Path {
  readonly hops: readonly RouteHop[];
  readonly blindedTail?: BlindedTail;
}

/**
 * A route from us to the recipient (LDK's `Route`). Every path of an unblinded route ends at the
 * same node; the parts together deliver `routeParams.finalValueMsat` (BOLT 4 §"Basic Multi-Part
 * Payments": the recipient waits for `total_msat`).
 */
export interface Route {
  readonly paths: readonly Path[];
  /** The parameters the route was found for (kept for retries, as LDK's `route_params`). */
  readonly routeParams?: RouteParameters;
}

/** Fees paid along a path, excluding what the recipient gets (LDK's `Path::fee_msat`). */
export function pathFeeMsat(p: Path): bigint {
  let sum = 0n;
  // Without a tail the last hop's feeMsat is the delivered value, not a fee.
  const n = p.blindedTail ? p.hops.length : p.hops.length - 1;
  for (let i = 0; i < n; i++) sum += p.hops[i]!.feeMsat;
  return sum;
}

/** The amount a path delivers to the recipient, fees excluded (LDK's `Path::final_value_msat`). */
export function pathFinalValueMsat(p: Path): bigint {
  if (p.blindedTail) return p.blindedTail.finalValueMsat;
  return p.hops.at(-1)?.feeMsat ?? 0n;
}

/**
 * The CLTV delta the first HTLC adds to the current height: the sum of every hop's delta, the
 * final delta included (LDK's `Path::total_cltv_expiry_delta`), in blocks.
 */
export function pathTotalCltvExpiryDelta(p: Path): number {
  let sum = 0;
  for (const h of p.hops) sum += h.cltvExpiryDelta;
  return sum;
}

/** What the first HTLC of a path carries: the delivered value plus every fee (msat). */
export function pathFirstHopAmountMsat(p: Path): bigint {
  let sum = 0n;
  for (const h of p.hops) sum += h.feeMsat;
  return sum;
}

/** The amount the route delivers over all its paths, fees excluded (LDK's `Route::get_total_amount`). */
export function routeTotalAmountMsat(r: Route): bigint {
  let sum = 0n;
  for (const p of r.paths) sum += pathFinalValueMsat(p);
  return sum;
}

/**
 * Fees over all paths, plus any overpayment beyond `routeParams.finalValueMsat`
 * (LDK's `Route::get_total_fees`), msat.
 */
export function routeTotalFeesMsat(r: Route): bigint {
  let fees = 0n;
  for (const p of r.paths) fees += pathFeeMsat(p);
  const target = r.routeParams?.finalValueMsat;
  const total = routeTotalAmountMsat(r);
  if (target !== undefined && total > target) fees += total - target;
  return fees;
}
