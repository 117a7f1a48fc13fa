/**
 * What the router is asked for: {@link PaymentParameters} (who is paid and under which limits) and
 * {@link RouteParameters} (how much), LDK's structures of the same names in
 * `lightning/src/routing/router.rs`, with LDK's defaults.
 * @module
 */
import type { Invoice } from '../invoice/invoice.js';
import type { RouteHintHop as InvoiceRouteHintHop } from '../invoice/route_hint.js';
import type { Features } from '../ln/features.js';
import type { BlindedPath } from '../ln/onion/blinded_path.js';

/**
 * BOLT 4 §"Returning Errors"/LDK: the most CLTV (blocks) we let a route lock our funds for, about
 * one week (LDK's `DEFAULT_MAX_TOTAL_CLTV_EXPIRY_DELTA`).
 */
export const DEFAULT_MAX_TOTAL_CLTV_EXPIRY_DELTA = 1008;
/** How many parts a multi-part payment may use by default (LDK's `DEFAULT_MAX_PATH_COUNT`). */
export const DEFAULT_MAX_PATH_COUNT = 10;
/**
 * Hops that fit a 1300-byte onion with `payment_secret` and no metadata (LDK's
 * `MAX_PATH_LENGTH_ESTIMATE`): (1300 − 93 final-hop bytes) / 61 bytes per hop, rounded down.
 */
export const MAX_PATH_LENGTH_ESTIMATE = 19;

/**
 * One hop of a route hint (BOLT 11 §"Tagged Fields" `r`): the channel *from* `pubkey` towards the
 * next hop (or the payee), with `pubkey`'s fees for it. The invoice's hop type plus LDK's optional
 * HTLC limits (an `r` field cannot carry them; other sources of hints can).
 */
export interface RouteHintHop extends InvoiceRouteHintHop {
  /** `htlc_minimum_msat` of the channel when known. */
  readonly htlcMinimumMsat?: bigint;
  /** `htlc_maximum_msat` of the channel when known; the router treats it as the hint's capacity. */
  readonly htlcMaximumMsat?: bigint;
}

/** A private route into the payee: hops in forward order, the last one's channel reaching the payee. */
export type RouteHint = readonly RouteHintHop[];

/**
 * What paying through a blinded path costs, as its creator aggregated it over the path (BOLT 12
 * `invoice_blindedpay`, BOLT 4 §"Route Blinding"): the sender treats the whole path as one channel
 * from its introduction node with these fees and CLTV delta (which includes the recipient's final delta).
 */
export interface BlindedPayInfo {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  /** The path's features (BOLT 9 context `blindedPath`), if any. */
  readonly features?: Features;
}

/** A blinded path into the payee with what it costs (LDK's `BlindedPaymentPath`). */
export interface BlindedPaymentPath {
  readonly path: BlindedPath;
  readonly payInfo: BlindedPayInfo;
}

/** Who is paid and within which limits (LDK's `PaymentParameters`, unblinded `Payee::Clear`). */
export interface PaymentParameters {
  /** The recipient's node id (33 bytes). */
  readonly payeePubkey: Uint8Array;
  /** The recipient's invoice features (BOLT 9 context `invoice`); `basic_mpp` there allows splitting. */
  readonly features?: Features;
  /** Private routes into the payee (BOLT 11 `r`), most preferred first. */
  readonly routeHints: readonly RouteHint[];
  /**
   * Blinded paths into the payee (BOLT 12 invoices; LDK's `Payee::Blinded`). When given, the payee
   * is reached only through them: `payeePubkey`, `routeHints` and `finalCltvExpiryDelta` are not
   * used (each path's pay info carries its own CLTV delta).
   */
  readonly blindedPaths?: readonly BlindedPaymentPath[];
  /** When the invoice expires, seconds since 1970 (informational; the core reads no clock). */
  readonly expiryTime?: bigint;
  /** Largest sum of CLTV deltas of a path, final delta included (blocks). */
  readonly maxTotalCltvExpiryDelta: number;
  /** Largest number of parts. 1 forbids multi-part payments. */
  readonly maxPathCount: number;
  /** Largest number of hops in a path (capped at {@link MAX_PATH_LENGTH_ESTIMATE}). */
  readonly maxPathLength: number;
  /** The recipient's `min_final_cltv_expiry_delta` (BOLT 11 `c`), blocks. */
  readonly finalCltvExpiryDelta: number;
  /** Channels (short channel ids) a previous attempt failed over; the router avoids them. */
  readonly previouslyFailedChannels: readonly bigint[];
}

/** How much to deliver, and the fee limit (LDK's `RouteParameters`). */
export interface RouteParameters {
  readonly paymentParams: PaymentParameters;
  /** The amount the recipient must receive, over all parts (msat). */
  readonly finalValueMsat: bigint;
  /** The most all parts may pay in fees together (msat); no limit when absent. */
  readonly maxTotalRoutingFeeMsat?: bigint;
}

/**
 * Parameters to pay `payeePubkey` with LDK's defaults (LDK's `PaymentParameters::from_node_id`).
 * No features are assumed, so the payment is single-part until `features` says `basic_mpp`.
 * @param finalCltvExpiryDelta - the recipient's final CLTV delta, blocks.
 */
export function paymentParametersFromNodeId(
  payeePubkey: Uint8Array,
  finalCltvExpiryDelta: number,
  overrides: Partial<Omit<PaymentParameters, 'payeePubkey' | 'finalCltvExpiryDelta'>> = {},
): PaymentParameters {
  return {
    payeePubkey,
    routeHints: [],
    maxTotalCltvExpiryDelta: DEFAULT_MAX_TOTAL_CLTV_EXPIRY_DELTA,
    maxPathCount: DEFAULT_MAX_PATH_COUNT,
    maxPathLength: MAX_PATH_LENGTH_ESTIMATE,
    previouslyFailedChannels: [],
    ...overrides,
    finalCltvExpiryDelta,
  };
}

/**
 * Parameters to pay a BOLT 11 invoice (LDK's `PaymentParameters::from_bolt11_invoice`): its payee,
 * features, `r` route hints, expiry and `c` final delta.
 */
export function paymentParametersFromInvoice(inv: Invoice): PaymentParameters {
  return paymentParametersFromNodeId(inv.payeePubkey, Number(inv.minFinalCltvExpiryDelta), {
    features: inv.features,
    routeHints: inv.routeHints,
    expiryTime: inv.expiresAt(),
  });
}

/**
 * Route parameters with LDK's default fee limit of 1% of the amount plus 50 sat
 * (LDK's `RouteParameters::from_payment_params_and_value`).
 */
export function routeParametersFromPaymentParamsAndValue(paymentParams: PaymentParameters, finalValueMsat: bigint): RouteParameters {
  return { paymentParams, finalValueMsat, maxTotalRoutingFeeMsat: finalValueMsat / 100n + 50_000n };
}
