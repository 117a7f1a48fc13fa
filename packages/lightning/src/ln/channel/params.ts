/**
 * The parameters a channel is opened with (BOLT 2 §"The open_channel Message", §"The
 * accept_channel Message"): what each side declares, how we pick ours from `UserConfig`, and the
 * checks the receiver MUST (or, by our `ChannelHandshakeLimits`, chooses to) apply.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import type { ChannelPublicKeys } from '../../sign/interfaces.js';
import { equalBytes } from '../../util/bytes.js';
import { MAX_ACCEPTED_HTLCS_LIMIT, MAX_FUNDING_SATOSHIS_NO_WUMBO, type UserConfig } from '../../util/config.js';
import { commitmentTxFeeSat } from '../chan_utils/fees.js';
import type { AcceptChannel, OpenChannel } from '../msgs/bolt02.js';
import { type ChannelType, channelTypeFromBytes } from './channel_type.js';
import { ChannelError } from './errors.js';

/**
 * What one side declared about itself in `open_channel`/`accept_channel`. Note the BOLT 2
 * direction of each: `dustLimitSat` applies to this side's own commitment; the others constrain
 * what the *other* side may do to or hold against this side.
 */
export interface SideParams {
  /** Outputs below this are left out of this side's commitment transactions. */
  readonly dustLimitSat: bigint;
  /** Cap on the value of HTLCs the other side may have offered to this side at once. */
  readonly maxHtlcValueInFlightMsat: bigint;
  /** What the other side must keep on its side of the channel. */
  readonly channelReserveSat: bigint;
  /** The smallest HTLC this side accepts. */
  readonly htlcMinimumMsat: bigint;
  /** The CSV delay imposed on the other side's `to_local` outputs. */
  readonly toSelfDelay: number;
  /** How many HTLCs the other side may have offered to this side at once. */
  readonly maxAcceptedHtlcs: number;
  readonly pubkeys: ChannelPublicKeys;
  /** `upfront_shutdown_script`, if committed to (empty = explicitly none). */
  readonly upfrontShutdownScript: Uint8Array | undefined;
}

/** BOLT 2: the receiver MUST fail a channel whose dust limit is below 354 sat (BOLT 3 §"Dust Limits"). */
export const MIN_DUST_LIMIT_SAT = 354n;
/** Our dust limit: LDK uses 354 sat (the largest standard output dust threshold). */
export const OUR_DUST_LIMIT_SAT = 354n;
/** BOLT 2 reserve floor we apply (LDK: 1000 sat). */
export const MIN_CHANNEL_RESERVE_SAT = 1000n;

function validPoint(p: Uint8Array, crypto: CryptoBackend): boolean {
  return crypto.isValidPublicKey(p);
}

/** The reserve we require of the counterparty for a channel of `valueSat` (BOLT 2 suggests 1%). */
export function ourRequiredReserveSat(valueSat: bigint, config: UserConfig): bigint {
  const r = (valueSat * BigInt(config.channelHandshakeConfig.theirChannelReserveProportionalMillionths)) / 1_000_000n;
  const floor = MIN_CHANNEL_RESERVE_SAT < valueSat ? MIN_CHANNEL_RESERVE_SAT : valueSat;
  return r < floor ? floor : r;
}

/** Our `max_htlc_value_in_flight_msat` for a channel of `valueSat`. */
export function ourMaxHtlcValueInFlightMsat(valueSat: bigint, config: UserConfig): bigint {
  const pct = BigInt(Math.min(100, Math.max(1, config.channelHandshakeConfig.maxInboundHtlcValueInFlightPercentOfChannel)));
  return (valueSat * 1000n * pct) / 100n;
}

/** Our side's parameters for a new channel of `valueSat`, from config. */
export function ourSideParams(
  valueSat: bigint,
  pubkeys: ChannelPublicKeys,
  config: UserConfig,
  upfrontShutdownScript: Uint8Array | undefined,
): SideParams {
  const h = config.channelHandshakeConfig;
  return {
    dustLimitSat: OUR_DUST_LIMIT_SAT,
    maxHtlcValueInFlightMsat: ourMaxHtlcValueInFlightMsat(valueSat, config),
    channelReserveSat: ourRequiredReserveSat(valueSat, config),
    htlcMinimumMsat: h.ourHtlcMinimumMsat < 1n ? 1n : h.ourHtlcMinimumMsat,
    toSelfDelay: h.ourToSelfDelay,
    maxAcceptedHtlcs: Math.min(MAX_ACCEPTED_HTLCS_LIMIT, Math.max(1, h.ourMaxAcceptedHtlcs)),
    pubkeys,
    upfrontShutdownScript,
  };
}

function sideFromMsg(
  m: OpenChannel | AcceptChannel,
): SideParams {
  return {
    dustLimitSat: m.dustLimitSatoshis,
    maxHtlcValueInFlightMsat: m.maxHtlcValueInFlightMsat,
    channelReserveSat: m.channelReserveSatoshis,
    htlcMinimumMsat: m.htlcMinimumMsat,
    toSelfDelay: m.toSelfDelay,
    maxAcceptedHtlcs: m.maxAcceptedHtlcs,
    pubkeys: {
      fundingPubkey: m.fundingPubkey,
      revocationBasepoint: m.revocationBasepoint,
      paymentPoint: m.paymentBasepoint,
      delayedPaymentBasepoint: m.delayedPaymentBasepoint,
      htlcBasepoint: m.htlcBasepoint,
    },
    upfrontShutdownScript: m.upfrontShutdownScript,
  };
}

/** Checks common to both messages: keys, dust, reserve, HTLC limits, against BOLT 2 and our limits. */
function checkTheirSide(
  channelId: Uint8Array,
  s: SideParams,
  valueSat: bigint,
  ours: SideParams | undefined,
  config: UserConfig,
  crypto: CryptoBackend,
): ChannelError | undefined {
  const l = config.channelHandshakeLimits;
  const k = s.pubkeys;
  for (const [name, p] of Object.entries(k)) {
    if (!validPoint(p, crypto)) return new ChannelError(channelId, `${name} is not a valid secp256k1 point`);
  }
  if (s.dustLimitSat < MIN_DUST_LIMIT_SAT) return new ChannelError(channelId, `dust_limit_satoshis ${s.dustLimitSat} is below 354`);
  if (s.dustLimitSat > valueSat) return new ChannelError(channelId, 'dust_limit_satoshis exceeds the channel value');
  if (s.maxAcceptedHtlcs > MAX_ACCEPTED_HTLCS_LIMIT) return new ChannelError(channelId, `max_accepted_htlcs ${s.maxAcceptedHtlcs} > 483`);
  if (s.maxAcceptedHtlcs < 1) return new ChannelError(channelId, 'max_accepted_htlcs of 0');
  if (s.maxAcceptedHtlcs < l.minMaxAcceptedHtlcs) return new ChannelError(channelId, `max_accepted_htlcs ${s.maxAcceptedHtlcs} below our minimum`);
  if (s.toSelfDelay > l.theirToSelfDelay) return new ChannelError(channelId, `to_self_delay ${s.toSelfDelay} is unreasonably large`);
  if (s.htlcMinimumMsat > l.maxHtlcMinimumMsat) return new ChannelError(channelId, 'htlc_minimum_msat too large');
  if (s.htlcMinimumMsat >= valueSat * 1000n) return new ChannelError(channelId, 'htlc_minimum_msat not below the channel value');
  if (s.maxHtlcValueInFlightMsat < l.minMaxHtlcValueInFlightMsat) return new ChannelError(channelId, 'max_htlc_value_in_flight_msat too small');
  if (s.channelReserveSat > l.maxChannelReserveSatoshis) return new ChannelError(channelId, 'channel_reserve_satoshis too large');
  if (s.channelReserveSat > valueSat) return new ChannelError(channelId, 'channel_reserve_satoshis exceeds the channel value');
  if (s.dustLimitSat > s.channelReserveSat && s.channelReserveSat !== 0n) {
    return new ChannelError(channelId, 'dust_limit_satoshis is greater than channel_reserve_satoshis');
  }
  if (ours) {
    // BOLT 2 accept_channel: each side's reserve must be at least the other side's dust limit.
    if (s.channelReserveSat < ours.dustLimitSat) return new ChannelError(channelId, 'channel_reserve_satoshis below our dust limit');
    if (ours.channelReserveSat < s.dustLimitSat) return new ChannelError(channelId, 'our channel_reserve_satoshis is below their dust limit');
  }
  const script = s.upfrontShutdownScript;
  if (script && script.length > 0 && !isAcceptableShutdownScript(script, true)) {
    return new ChannelError(channelId, 'upfront_shutdown_script is not a standard script');
  }
  return undefined;
}

/**
 * BOLT 2 §"Closing Initiation: shutdown": a shutdown script must be P2PKH, P2SH, P2WPKH, P2WSH,
 * or (with `option_shutdown_anysegwit`) any witness v1..v16 program of 2..40 bytes.
 */
export function isAcceptableShutdownScript(s: Uint8Array, anySegwit: boolean): boolean {
  const n = s.length;
  if (n === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return true;
  if (n === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return true;
  if (n === 22 && s[0] === 0x00 && s[1] === 0x14) return true;
  if (n === 34 && s[0] === 0x00 && s[1] === 0x20) return true;
  if (anySegwit && n >= 4 && n <= 42 && s[0]! >= 0x51 && s[0]! <= 0x60 && s[1] === n - 2) return true;
  // OP_RETURN scripts are allowed by option_simple_close; lnts does not send them.
  return false;
}

/** What a validated `open_channel` yields. */
export interface ValidatedOpen {
  readonly channelType: ChannelType;
  readonly theirs: SideParams;
  readonly announce: boolean;
}

/**
 * The fundee's checks of `open_channel` (BOLT 2 §"The open_channel Message", receiver
 * requirements), plus our `ChannelHandshakeLimits`.
 */
export function validateOpenChannel(
  m: OpenChannel,
  ctx: {
    readonly chainHash: Uint8Array;
    readonly config: UserConfig;
    readonly crypto: CryptoBackend;
    readonly theirFeatures: { supports(name: string): boolean };
    readonly ourFeatures: { supports(name: string): boolean };
    readonly minFeeratePerKw: number;
    readonly maxFeeratePerKw: number;
  },
): ValidatedOpen | ChannelError {
  const id = m.temporaryChannelId;
  const l = ctx.config.channelHandshakeLimits;
  if (!equalBytes(m.chainHash, ctx.chainHash)) return new ChannelError(id, 'open_channel for a chain we do not operate on');
  if (m.channelType === undefined) return new ChannelError(id, 'open_channel without channel_type');
  const channelType = channelTypeFromBytes(m.channelType);
  if (!channelType) return new ChannelError(id, 'channel_type is not a defined type');
  if (channelType.anchors && !ctx.ourFeatures.supports('option_anchors_zero_fee_htlc_tx')) {
    return new ChannelError(id, 'No channels with anchor outputs accepted');
  }
  if (channelType.zeroConf && !ctx.config.manuallyAcceptInboundChannels) {
    return new ChannelError(id, 'zero-conf channels need manual acceptance');
  }
  if (m.fundingSatoshis < l.minFundingSatoshis) return new ChannelError(id, `funding_satoshis ${m.fundingSatoshis} too small`);
  if (m.fundingSatoshis > l.maxFundingSatoshis) return new ChannelError(id, `funding_satoshis ${m.fundingSatoshis} above our maximum`);
  if (m.fundingSatoshis > MAX_FUNDING_SATOSHIS_NO_WUMBO) {
    if (!ctx.ourFeatures.supports('option_support_large_channel') || !ctx.theirFeatures.supports('option_support_large_channel')) {
      return new ChannelError(id, 'funding_satoshis >= 2^24 without option_support_large_channel');
    }
  }
  if (m.pushMsat > m.fundingSatoshis * 1000n) return new ChannelError(id, 'push_msat exceeds funding_satoshis * 1000');
  if (m.feeratePerKw < ctx.minFeeratePerKw) return new ChannelError(id, `feerate_per_kw ${m.feeratePerKw} too low`);
  if (m.feeratePerKw > ctx.maxFeeratePerKw) return new ChannelError(id, `feerate_per_kw ${m.feeratePerKw} unreasonably large`);
  const announce = (m.channelFlags & 1) === 1;
  if (announce && channelType.scidAlias) return new ChannelError(id, 'scid_alias channel type on an announced channel');
  if (l.forceAnnouncedChannelPreference && announce !== ctx.config.channelHandshakeConfig.announceForForwarding) {
    return new ChannelError(id, 'Peer tried to open channel but their announcement preference is different from ours');
  }
  const theirs = sideFromMsg(m);
  const bad = checkTheirSide(id, theirs, m.fundingSatoshis, undefined, ctx.config, ctx.crypto);
  if (bad) return bad;
  if (!validPoint(m.firstPerCommitmentPoint, ctx.crypto)) return new ChannelError(id, 'first_per_commitment_point invalid');
  // The funder must afford the first commitment's fee (and anchors) and leave someone above reserve.
  const fee = commitmentTxFeeSat(m.feeratePerKw, 0, channelType) + (channelType.anchors ? 660n : 0n);
  const funderSat = m.fundingSatoshis - m.pushMsat / 1000n;
  if (funderSat < fee) return new ChannelError(id, 'funder cannot pay the initial commitment fee');
  const toLocal = funderSat - fee;
  const toRemote = m.pushMsat / 1000n;
  const ourReserve = ourRequiredReserveSat(m.fundingSatoshis, ctx.config);
  if (toLocal <= ourReserve && toRemote <= theirs.channelReserveSat) {
    return new ChannelError(id, 'both initial balances are at or below the reserve');
  }
  return { channelType, theirs, announce };
}

/** The funder's checks of `accept_channel` (BOLT 2 §"The accept_channel Message"). */
export function validateAcceptChannel(
  m: AcceptChannel,
  ctx: {
    readonly proposedType: ChannelType;
    readonly valueSat: bigint;
    readonly ours: SideParams;
    readonly config: UserConfig;
    readonly crypto: CryptoBackend;
  },
): { theirs: SideParams; minimumDepth: number } | ChannelError {
  const id = m.temporaryChannelId;
  if (m.channelType !== undefined) {
    const t = channelTypeFromBytes(m.channelType);
    if (!t || t.anchors !== ctx.proposedType.anchors || t.scidAlias !== ctx.proposedType.scidAlias) {
      return new ChannelError(id, 'accept_channel channel_type differs from the one we proposed');
    }
  }
  const l = ctx.config.channelHandshakeLimits;
  if (m.minimumDepth > l.maxMinimumDepth) return new ChannelError(id, `minimum_depth ${m.minimumDepth} above our maximum`);
  const theirs = sideFromMsg(m);
  const bad = checkTheirSide(id, theirs, ctx.valueSat, ctx.ours, ctx.config, ctx.crypto);
  if (bad) return bad;
  if (!validPoint(m.firstPerCommitmentPoint, ctx.crypto)) return new ChannelError(id, 'first_per_commitment_point invalid');
  return { theirs, minimumDepth: m.minimumDepth };
}
