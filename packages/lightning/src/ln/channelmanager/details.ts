/**
 * `ChannelDetails` (LDK's `ChannelDetails`): what `listChannels()` reports about each channel.
 * @module
 */
import { commitmentTxFeeSat } from '../chan_utils/fees.js';
import { describeChannelType } from '../channel/channel_type.js';
import { shortChannelIdOf, fundingDepth } from '../channel/states/ready.js';
import { type ChannelState, fundedOf } from '../channel/state.js';
import type { FundingTxo } from '../../util/events.js';
import type { HtlcCommitments } from '../channel/htlc/commitments.js';
import type { ChannelConfig } from '../../util/config.js';
import type { CounterpartyForwardingInfo } from './channel_update.js';

/** Where a channel is in its shutdown, LDK's `ChannelShutdownState`. */
export type ChannelShutdownState = 'NotShuttingDown' | 'ShutdownInitiated' | 'ResolvingHTLCs' | 'NegotiatingClosingFee' | 'ShutdownComplete';

/** One channel as the user sees it. Amounts in msat unless named `Satoshis`. */
export interface ChannelDetails {
  readonly channelId: Uint8Array;
  readonly counterpartyNodeId: Uint8Array;
  readonly fundingTxo: FundingTxo | undefined;
  /** `static_remotekey`, `anchors_zero_fee_htlc_tx`, with `+scid_alias`/`+zeroconf`. */
  readonly channelType: string | undefined;
  /** The real short channel id once the funding transaction confirmed. */
  readonly shortChannelId: bigint | undefined;
  /** Our alias (what the peer may use to route to us), `option_scid_alias`. */
  readonly inboundScidAlias: bigint | undefined;
  /** The peer's alias (what we put in route hints for private channels). */
  readonly outboundScidAlias: bigint | undefined;
  readonly channelValueSatoshis: bigint;
  /** What the peer requires us to keep (BOLT 2 `channel_reserve_satoshis` it sent). */
  readonly unspendablePunishmentReserve: bigint | undefined;
  readonly userChannelId: bigint;
  readonly feeratePerKw: number | undefined;
  readonly outboundCapacityMsat: bigint;
  readonly inboundCapacityMsat: bigint;
  readonly nextOutboundHtlcLimitMsat: bigint;
  readonly confirmationsRequired: number | undefined;
  readonly confirmations: number | undefined;
  /** The channel's `to_self_delay` on our outputs (blocks we wait after a force close). */
  readonly forceCloseSpendDelay: number | undefined;
  readonly isOutbound: boolean;
  /** `channel_ready` exchanged both ways. */
  readonly isChannelReady: boolean;
  /** Ready and the peer connected. */
  readonly isUsable: boolean;
  /** Announced to the network (BOLT 7). */
  readonly isAnnounced: boolean;
  readonly inboundHtlcMinimumMsat: bigint | undefined;
  readonly channelShutdownState: ChannelShutdownState | undefined;
  /** The state machine's state name (lnts addition, for logs and tests). */
  readonly state: ChannelState['kind'];
  /** HTLCs in our current commitment (lnts addition; LDK lists them as pending_*_htlcs). */
  readonly pendingHtlcs: number;
  /** True while updates or signatures are in flight on this channel (lnts addition). */
  readonly commitmentDanceInProgress: boolean;
  /** The peer's forwarding policy towards us, from its `channel_update` (BOLT 7; LDK's `counterparty.forwarding_info`). */
  readonly counterpartyForwardingInfo: CounterpartyForwardingInfo | undefined;
  /** Our forwarding policy on this channel (`updateChannelConfig` changes it). */
  readonly config: ChannelConfig | undefined;
  /** Our `channel_announcement` for it went out (BOLT 7; lnts addition — `isAnnounced` is the announce flag). */
  readonly announcementBroadcast: boolean;
}

/** What the manager knows of a channel beyond its state. */
export interface ChannelGossipDetails {
  readonly counterpartyForwardingInfo: CounterpartyForwardingInfo | undefined;
  readonly config: ChannelConfig | undefined;
  readonly announcementBroadcast: boolean;
}

function shutdownState(s: ChannelState): ChannelShutdownState | undefined {
  const f = fundedOf(s);
  if (!f) return undefined;
  switch (f.kind) {
    case 'ShutdownPending':
      return 'ShutdownInitiated';
    case 'Negotiating':
      return 'NegotiatingClosingFee';
    case 'Closing':
      return 'ShutdownComplete';
    default:
      return 'NotShuttingDown';
  }
}

/** Builds the details of one channel. */
export function channelDetails(
  s: ChannelState,
  counterpartyNodeId: Uint8Array,
  currentId: Uint8Array,
  bestHeight: number,
  peerConnected: boolean,
  gossip: ChannelGossipDetails = { counterpartyForwardingInfo: undefined, config: undefined, announcementBroadcast: false },
): ChannelDetails {
  const f = fundedOf(s);
  const params = f?.params ?? ('params' in s ? s.params : undefined);
  const valueSat = params?.valueSat ?? ('open' in s ? s.open.fundingSatoshis : 0n);
  const isOutbound = params?.isOutbound ?? false;
  let outbound = 0n;
  let inbound = 0n;
  if (f) {
    const c = f.commitments;
    const fee = commitmentTxFeeSat(c.feeratePerKw, 0, { anchors: f.params.channelType.anchors }) * 1000n + (f.params.channelType.anchors ? 660_000n : 0n);
    const ourReserve = f.params.counterparty.channelReserveSat * 1000n;
    const theirReserve = f.params.holder.channelReserveSat * 1000n;
    outbound = c.holderBalanceMsat - ourReserve - (f.params.isOutbound ? fee : 0n);
    inbound = c.counterpartyBalanceMsat - theirReserve - (f.params.isOutbound ? 0n : fee);
    if (outbound < 0n) outbound = 0n;
    if (inbound < 0n) inbound = 0n;
  }
  const ready = f !== undefined && f.kind !== 'WaitForChannelReady';
  const live = s.kind !== 'Offline' && s.kind !== 'Syncing';
  return {
    channelId: currentId,
    counterpartyNodeId,
    fundingTxo: f ? { txid: f.funding.outpoint.txid, index: f.funding.outpoint.vout } : undefined,
    channelType: params ? describeChannelType(params.channelType) : undefined,
    shortChannelId: f?.confirmation ? shortChannelIdOf(f.confirmation, f.funding.outpoint.vout) : undefined,
    inboundScidAlias: f?.params.ourScidAlias,
    outboundScidAlias: f?.kind === 'Normal' ? f.theirScidAlias : undefined,
    channelValueSatoshis: valueSat,
    unspendablePunishmentReserve: f?.params.counterparty.channelReserveSat,
    userChannelId: params?.userChannelId ?? 0n,
    feeratePerKw: f?.commitments.feeratePerKw,
    outboundCapacityMsat: outbound,
    inboundCapacityMsat: inbound,
    nextOutboundHtlcLimitMsat: f?.kind === 'Normal' ? min(outbound, f.params.counterparty.maxHtlcValueInFlightMsat) : 0n,
    confirmationsRequired: f?.params.minimumDepth,
    confirmations: f ? fundingDepth(f, bestHeight) : undefined,
    forceCloseSpendDelay: f?.params.counterparty.toSelfDelay,
    isOutbound,
    isChannelReady: ready,
    isUsable: ready && live && peerConnected && f?.kind === 'Normal',
    isAnnounced: params?.announce ?? false,
    inboundHtlcMinimumMsat: f?.params.holder.htlcMinimumMsat,
    channelShutdownState: shutdownState(s),
    state: s.kind,
    pendingHtlcs: f ? f.commitments.htlc.localSpec.htlcs.length : 0,
    commitmentDanceInProgress: f ? danceInProgress(f.commitments.htlc) : false,
    ...gossip,
  };
}

function danceInProgress(h: HtlcCommitments): boolean {
  const l = h.localChanges;
  const r = h.remoteChanges;
  return h.remoteNext !== undefined || l.proposed.length + l.signed.length + l.acked.length + r.proposed.length + r.acked.length + r.signed.length > 0;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
