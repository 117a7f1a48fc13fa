/**
 * `channel_type` negotiation, BOLT 2 §"Defined Channel Types": a channel is `static_remotekey`
 * (bit 12) or `anchors_zero_fee_htlc_tx` + `static_remotekey` (bits 22 and 12), each optionally
 * with `scid_alias` (46) and `zeroconf` (50). The opener proposes one; the acceptor takes it or
 * fails the channel; an opener refused with anchors may retry without (LDK does).
 * @module
 */
import { Features } from '../features.js';

/** The persistent features of one channel (the `channel_type` bit set, parsed). */
export interface ChannelType {
  /** `option_anchors_zero_fee_htlc_tx`: anchor outputs, zero-fee HTLC transactions. */
  readonly anchors: boolean;
  /** `option_scid_alias`: only aliases are used in routing hints and channel_updates. */
  readonly scidAlias: boolean;
  /** `option_zeroconf`: usable before the funding transaction confirms. */
  readonly zeroConf: boolean;
}

/** Encodes a channel type as its `channel_type` TLV bytes (smallest bitmap, BOLT 2). */
export function channelTypeToBytes(t: ChannelType): Uint8Array {
  const f = new Features('channelType').setRequired('option_static_remotekey');
  if (t.anchors) f.setRequired('option_anchors_zero_fee_htlc_tx');
  if (t.scidAlias) f.setRequired('option_scid_alias');
  if (t.zeroConf) f.setRequired('option_zeroconf');
  return f.toBytes();
}

/**
 * Parses `channel_type` bytes; `null` when they are not one of the defined types (any other
 * bit, an odd bit, or a missing `static_remotekey`), which the receiver must refuse.
 */
export function channelTypeFromBytes(b: Uint8Array): ChannelType | null {
  const f = Features.fromBytes('channelType', b);
  const allowed = new Set([12, 22, 46, 50]);
  for (const bit of f.setBits()) if (!allowed.has(bit)) return null;
  if (!f.isSet(12)) return null;
  return { anchors: f.isSet(22), scidAlias: f.isSet(46), zeroConf: f.isSet(50) };
}

/** Two channel types are the same. */
export function sameChannelType(a: ChannelType, b: ChannelType): boolean {
  return a.anchors === b.anchors && a.scidAlias === b.scidAlias && a.zeroConf === b.zeroConf;
}

/**
 * The channel type we propose to a peer with `theirs` init features: anchors when both sides
 * support it and we are configured to negotiate it (preferred), else plain static_remotekey;
 * scid_alias only for unannounced channels when asked for (BOLT 2: never with announce_channel).
 */
export function proposeChannelType(
  theirs: Features,
  opts: { negotiateAnchors: boolean; announce: boolean; scidPrivacy: boolean },
): ChannelType {
  return {
    anchors: opts.negotiateAnchors && theirs.supports('option_anchors_zero_fee_htlc_tx'),
    scidAlias: !opts.announce && opts.scidPrivacy && theirs.supports('option_scid_alias'),
    zeroConf: false,
  };
}

/** A short name for logs and `ChannelDetails`. */
export function describeChannelType(t: ChannelType): string {
  const parts = [t.anchors ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey'];
  if (t.scidAlias) parts.push('scid_alias');
  if (t.zeroConf) parts.push('zeroconf');
  return parts.join('+');
}
