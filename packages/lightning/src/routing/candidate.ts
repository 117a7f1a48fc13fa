/**
 * The channels the router may use, as directed edges (LDK's `CandidateRouteHop`): our own channels
 * (first hops, from `listUsableChannels`) and the private channels of route hints (BOLT 11 `r`).
 * The gossip `NetworkGraph` will add a `public` kind; the search in `router.ts` only sees
 * {@link CandidateHop}s through a {@link CandidateGraph}, so it needs no change for that.
 * @module
 */
import type { ChannelDetails } from '../ln/channelmanager/details.js';
import type { Features } from '../ln/features.js';
import { toHex } from '../util/hex.js';
import type { RoutingFees } from './fees.js';
import type { RouteHintHop } from './params.js';

/**
 * What the router reads of one of our channels: a structural subset of {@link ChannelDetails}, so
 * `listUsableChannels()` output can be passed as is and tests can build channels by hand.
 */
export type FirstHopChannel = Pick<
  ChannelDetails,
  'channelId' | 'counterpartyNodeId' | 'shortChannelId' | 'outboundScidAlias' | 'nextOutboundHtlcLimitMsat' | 'isUsable'
> & {
  /** The least the counterparty accepts in one HTLC (their `htlc_minimum_msat`), when known. */
  readonly nextOutboundHtlcMinimumMsat?: bigint;
  /** The counterparty's `init` features, when known. */
  readonly counterpartyFeatures?: Features;
};

/**
 * The short channel id to name one of our channels by in a route: the real one once the funding
 * confirmed, else the peer's `option_scid_alias` alias (BOLT 2 §"channel_ready"), so zero-conf and
 * unconfirmed-private channels can be used. (LDK 0.0.1xx order; modern LDK prefers the alias
 * always, because splices change the real id; lnts has no splicing.)
 */
export function outboundPaymentScid(c: Pick<ChannelDetails, 'shortChannelId' | 'outboundScidAlias'>): bigint | undefined {
  return c.shortChannelId ?? c.outboundScidAlias;
}

/** One directed channel the router may use, from `source` to `target` (hex node ids). */
export type CandidateHop =
  | {
      readonly kind: 'first';
      readonly source: string;
      readonly target: string;
      readonly shortChannelId: bigint;
      readonly channel: FirstHopChannel;
    }
  | {
      readonly kind: 'private';
      readonly source: string;
      readonly target: string;
      readonly shortChannelId: bigint;
      readonly hint: RouteHintHop;
      /** Target node id as bytes (the hint gives the source's; the target is the next hop's). */
      readonly targetPubkey: Uint8Array;
    };

/** Identifies a candidate's liquidity across searches (one per channel direction). */
export function candidateKey(c: CandidateHop): string {
  return c.kind === 'first' ? `f:${toHex(c.channel.channelId)}` : `p:${c.shortChannelId}:${c.source}`;
}

const NO_FEES: RoutingFees = { feeBaseMsat: 0, feeProportionalMillionths: 0 };

/** The fees `source` charges to forward over this channel. Ours charge nothing: we do not pay ourselves. */
export function candidateFees(c: CandidateHop): RoutingFees {
  return c.kind === 'first' ? NO_FEES : c.hint;
}

/** The CLTV delta `source` adds to forward over this channel (blocks); 0 for ours. */
export function candidateCltvDelta(c: CandidateHop): number {
  return c.kind === 'first' ? 0 : c.hint.cltvExpiryDelta;
}

/** The most this channel may carry over all parts together (msat), `undefined` when unknown (unbounded). */
export function candidateCapacityMsat(c: CandidateHop): bigint | undefined {
  // For first hops the next-HTLC limit is what our balance and the peer's in-flight limit allow;
  // parts share that balance, so it caps their sum. LDK likewise treats a hint's
  // htlc_maximum_msat as its capacity (`EffectiveCapacity::HintMaxHTLC`).
  return c.kind === 'first' ? c.channel.nextOutboundHtlcLimitMsat : c.hint.htlcMaximumMsat;
}

/** The least one HTLC over this channel may carry (msat). */
export function candidateHtlcMinimumMsat(c: CandidateHop): bigint {
  return (c.kind === 'first' ? c.channel.nextOutboundHtlcMinimumMsat : c.hint.htlcMinimumMsat) ?? 0n;
}

/** The target's node id as bytes. */
export function candidateTargetPubkey(c: CandidateHop): Uint8Array {
  return c.kind === 'first' ? c.channel.counterpartyNodeId : c.targetPubkey;
}

/** The edges into each node: what a backwards (payee-to-payer) search walks. */
export interface CandidateGraph {
  /** Channels whose `target` is `node` (hex), in a fixed order. */
  inbound(node: string): readonly CandidateHop[];
}

/** A {@link CandidateGraph} over an explicit list of candidates (first hops and hints). */
export class ListCandidateGraph implements CandidateGraph {
  private readonly byTarget = new Map<string, CandidateHop[]>();

  constructor(candidates: Iterable<CandidateHop>) {
    for (const c of candidates) {
      const list = this.byTarget.get(c.target);
      if (list) list.push(c);
      else this.byTarget.set(c.target, [c]);
    }
  }

  inbound(node: string): readonly CandidateHop[] {
    return this.byTarget.get(node) ?? [];
  }
}
