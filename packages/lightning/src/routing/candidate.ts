/**
 * The channels the router may use, as directed edges (LDK's `CandidateRouteHop`): our own channels
 * (first hops, from `listUsableChannels`), the private channels of route hints (BOLT 11 `r`), and
 * the public channels of the gossip `NetworkGraph` (one direction of a channel, with that
 * direction's `channel_update` policy).
 * @module
 */
import type { ChannelDetails } from '../ln/channelmanager/details.js';
import type { Features } from '../ln/features.js';
import type { RoutingFees } from './fees.js';
import type { ChannelInfo, StoredChannelPolicy } from './network_graph.js';
import type { BlindedPaymentPath, RouteHintHop } from './params.js';

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
    }
  | {
      /** A whole blinded path, as one channel from its introduction node (`source`) to the hidden payee. */
      readonly kind: 'blinded';
      readonly source: string;
      readonly target: string;
      /** 0: a blinded path has no channel id of its own. */
      readonly shortChannelId: bigint;
      readonly blinded: BlindedPaymentPath;
      /** Which of the payment parameters' blinded paths (for liquidity bookkeeping). */
      readonly index: number;
    }
  | {
      readonly kind: 'public';
      readonly shortChannelId: bigint;
      readonly channel: ChannelInfo;
      /** True for node1 → node2 (BOLT 7 direction bit 0). */
      readonly oneToTwo: boolean;
      readonly policy: StoredChannelPolicy;
    };

const NO_FEES: RoutingFees = { feeBaseMsat: 0, feeProportionalMillionths: 0 };

/** The fees `source` charges to forward over this channel. Ours charge nothing: we do not pay ourselves. */
export function candidateFees(c: CandidateHop): RoutingFees {
  if (c.kind === 'blinded') return c.blinded.payInfo;
  return c.kind === 'first' ? NO_FEES : c.kind === 'public' ? c.policy : c.hint;
}

/** The CLTV delta `source` adds to forward over this channel (blocks); 0 for ours. */
export function candidateCltvDelta(c: CandidateHop): number {
  if (c.kind === 'blinded') return c.blinded.payInfo.cltvExpiryDelta;
  return c.kind === 'first' ? 0 : c.kind === 'public' ? c.policy.cltvExpiryDelta : c.hint.cltvExpiryDelta;
}

/** The least one HTLC over this channel may carry (msat). */
export function candidateHtlcMinimumMsat(c: CandidateHop): bigint {
  if (c.kind === 'public') return c.policy.htlcMinimumMsat;
  if (c.kind === 'blinded') return c.blinded.payInfo.htlcMinimumMsat;
  return (c.kind === 'first' ? c.channel.nextOutboundHtlcMinimumMsat : c.hint.htlcMinimumMsat) ?? 0n;
}

/** The target's node id as bytes (for a blinded path: its last blinded node id). */
export function candidateTargetPubkey(c: CandidateHop): Uint8Array {
  if (c.kind === 'public') return c.oneToTwo ? c.channel.node2 : c.channel.node1;
  if (c.kind === 'blinded') return c.blinded.path.hops.at(-1)!.blindedNodeId;
  return c.kind === 'first' ? c.channel.counterpartyNodeId : c.targetPubkey;
}
