/**
 * User configuration (LDK's `util::config`): what we propose when opening or accepting a channel
 * (`ChannelHandshakeConfig`), what we accept from a counterparty (`ChannelHandshakeLimits`) and
 * how a channel forwards (`ChannelConfig`). Defaults are LDK 0.1's, so that lnts and LDK agree
 * when neither is configured.
 * @module
 */

/** Parameters we set on our side of a new channel (BOLT 2 `open_channel`/`accept_channel`). */
export interface ChannelHandshakeConfig {
  /** Confirmations we require of a funding transaction before `channel_ready` (BOLT 2 `minimum_depth`). */
  readonly minimumDepth: number;
  /** `to_self_delay` we impose on the counterparty's `to_local` output, in blocks. */
  readonly ourToSelfDelay: number;
  /** Smallest HTLC we accept (`htlc_minimum_msat`). */
  readonly ourHtlcMinimumMsat: bigint;
  /** `max_htlc_value_in_flight_msat` we set, as a percentage (1..100) of the channel value. */
  readonly maxInboundHtlcValueInFlightPercentOfChannel: number;
  /** Ask for `option_scid_alias` privacy on unannounced channels. */
  readonly negotiateScidPrivacy: boolean;
  /** Announce the channel for forwarding (BOLT 7); LDK's `announce_for_forwarding`. */
  readonly announceForForwarding: boolean;
  /** Commit to a shutdown script at open (`option_upfront_shutdown_script`). */
  readonly commitUpfrontShutdownPubkey: boolean;
  /** Reserve we require the counterparty to keep, in millionths of the channel value (min 1000 sat). */
  readonly theirChannelReserveProportionalMillionths: number;
  /** Propose `option_anchors_zero_fee_htlc_tx` when the peer supports it. */
  readonly negotiateAnchorsZeroFeeHtlcTx: boolean;
  /** `max_accepted_htlcs` we set (BOLT 2 caps it at 483). */
  readonly ourMaxAcceptedHtlcs: number;
}

/** Bounds on the counterparty's parameters; a channel outside them is refused (BOLT 2 "MAY fail"). */
export interface ChannelHandshakeLimits {
  readonly minFundingSatoshis: bigint;
  readonly maxFundingSatoshis: bigint;
  readonly maxHtlcMinimumMsat: bigint;
  readonly minMaxHtlcValueInFlightMsat: bigint;
  readonly maxChannelReserveSatoshis: bigint;
  readonly minMaxAcceptedHtlcs: number;
  /** Trust our own funding transaction before it confirms when the peer asks for zero-conf. */
  readonly trustOwnFunding0conf: boolean;
  /** Largest `minimum_depth` we accept from an acceptor. */
  readonly maxMinimumDepth: number;
  /** Refuse inbound channels whose announce flag differs from ours. */
  readonly forceAnnouncedChannelPreference: boolean;
  /** Largest `to_self_delay` the counterparty may impose on us. */
  readonly theirToSelfDelay: number;
}

/** How much dust HTLC value a channel may hold (BOLT 2 dust exposure), LDK's `MaxDustHTLCExposure`. */
export type MaxDustHtlcExposure =
  | { readonly kind: 'fixed'; readonly msat: bigint }
  /** A multiple of the `OnChainSweep` feerate (sat/kW) taken as msat. */
  | { readonly kind: 'feerate-multiplier'; readonly multiplier: bigint };

/** Per-channel settings that may change over the channel's life. */
export interface ChannelConfig {
  readonly forwardingFeeProportionalMillionths: number;
  readonly forwardingFeeBaseMsat: number;
  /** `cltv_expiry_delta` we announce and require when forwarding (BOLT 7 `channel_update`). */
  readonly cltvExpiryDelta: number;
  readonly maxDustHtlcExposure: MaxDustHtlcExposure;
  /** Extra fee we'd pay in a cooperative close rather than force-close. */
  readonly forceCloseAvoidanceMaxFeeSatoshis: bigint;
  readonly acceptUnderpayingHtlcs: boolean;
}

/** The whole configuration of a node. */
export interface UserConfig {
  readonly channelHandshakeConfig: ChannelHandshakeConfig;
  readonly channelHandshakeLimits: ChannelHandshakeLimits;
  readonly channelConfig: ChannelConfig;
  readonly acceptForwardsToPrivChannels: boolean;
  readonly acceptInboundChannels: boolean;
  /** Surface every inbound channel as an `OpenChannelRequest` event for `acceptInboundChannel`. */
  readonly manuallyAcceptInboundChannels: boolean;
  readonly acceptInterceptHtlcs: boolean;
}

/** BOLT 2: `max_accepted_htlcs` cannot exceed 483. */
export const MAX_ACCEPTED_HTLCS_LIMIT = 483;
/** Channels up to 2^24 - 1 sat need no `option_support_large_channel`. */
export const MAX_FUNDING_SATOSHIS_NO_WUMBO = (1n << 24n) - 1n;

/** LDK's `ChannelHandshakeConfig::default()`. */
export const DEFAULT_CHANNEL_HANDSHAKE_CONFIG: ChannelHandshakeConfig = {
  minimumDepth: 6,
  ourToSelfDelay: 144,
  ourHtlcMinimumMsat: 1n,
  maxInboundHtlcValueInFlightPercentOfChannel: 10,
  negotiateScidPrivacy: false,
  announceForForwarding: false,
  commitUpfrontShutdownPubkey: true,
  theirChannelReserveProportionalMillionths: 10_000,
  negotiateAnchorsZeroFeeHtlcTx: false,
  ourMaxAcceptedHtlcs: 50,
};

const U64_MAX = (1n << 64n) - 1n;

/** LDK's `ChannelHandshakeLimits::default()`. */
export const DEFAULT_CHANNEL_HANDSHAKE_LIMITS: ChannelHandshakeLimits = {
  minFundingSatoshis: 1000n,
  maxFundingSatoshis: MAX_FUNDING_SATOSHIS_NO_WUMBO,
  maxHtlcMinimumMsat: U64_MAX,
  minMaxHtlcValueInFlightMsat: 0n,
  maxChannelReserveSatoshis: U64_MAX,
  minMaxAcceptedHtlcs: 0,
  trustOwnFunding0conf: true,
  maxMinimumDepth: 144,
  forceAnnouncedChannelPreference: true,
  theirToSelfDelay: 2016,
};

/** LDK's `ChannelConfig::default()`. */
export const DEFAULT_CHANNEL_CONFIG: ChannelConfig = {
  forwardingFeeProportionalMillionths: 0,
  forwardingFeeBaseMsat: 1000,
  cltvExpiryDelta: 72,
  maxDustHtlcExposure: { kind: 'feerate-multiplier', multiplier: 10_000n },
  forceCloseAvoidanceMaxFeeSatoshis: 1000n,
  acceptUnderpayingHtlcs: false,
};

/** LDK's `UserConfig::default()`. */
export const DEFAULT_USER_CONFIG: UserConfig = {
  channelHandshakeConfig: DEFAULT_CHANNEL_HANDSHAKE_CONFIG,
  channelHandshakeLimits: DEFAULT_CHANNEL_HANDSHAKE_LIMITS,
  channelConfig: DEFAULT_CHANNEL_CONFIG,
  acceptForwardsToPrivChannels: false,
  acceptInboundChannels: true,
  manuallyAcceptInboundChannels: false,
  acceptInterceptHtlcs: false,
};

/** A partial configuration, each part merged over the defaults. */
export interface UserConfigOverrides {
  readonly channelHandshakeConfig?: Partial<ChannelHandshakeConfig>;
  readonly channelHandshakeLimits?: Partial<ChannelHandshakeLimits>;
  readonly channelConfig?: Partial<ChannelConfig>;
  readonly acceptForwardsToPrivChannels?: boolean;
  readonly acceptInboundChannels?: boolean;
  readonly manuallyAcceptInboundChannels?: boolean;
  readonly acceptInterceptHtlcs?: boolean;
}

/** Builds a `UserConfig` from overrides over LDK's defaults. */
export function userConfig(o: UserConfigOverrides = {}): UserConfig {
  return {
    ...DEFAULT_USER_CONFIG,
    ...o,
    channelHandshakeConfig: { ...DEFAULT_CHANNEL_HANDSHAKE_CONFIG, ...o.channelHandshakeConfig },
    channelHandshakeLimits: { ...DEFAULT_CHANNEL_HANDSHAKE_LIMITS, ...o.channelHandshakeLimits },
    channelConfig: { ...DEFAULT_CHANNEL_CONFIG, ...o.channelConfig },
  };
}
