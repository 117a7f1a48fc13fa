/**
 * Our `channel_update`s, BOLT 7 §"The channel_update Message": one builder for every use — sent
 * directly to the peer (private channels, and public ones before the announcement), broadcast
 * with and after the `channel_announcement`, and after a `ChannelConfig` change or an
 * enable/disable. Also the peer's `channel_update` for our shared channel (its forwarding policy
 * towards us, for route hints), and LDK's tick-driven enable/disable staging.
 *
 * Timestamps: the core has no clock, so each channel keeps its own counter (LDK's
 * `update_time_counter`): a new policy gets `max(last + 1, newest block time)`, which is strictly
 * increasing per `short_channel_id` as BOLT 7 requires and stays near UNIX time as it SHOULD.
 * Resending an unchanged policy reuses its timestamp (BOLT 7: SHOULD NOT create redundant updates).
 * @module
 */
import { type CryptoBackend, sha256d } from '../../crypto/backend.js';
import type { KeysInterface } from '../../sign/interfaces.js';
import { compareBytes } from '../../util/bytes.js';
import type { ChannelConfig } from '../../util/config.js';
import type { FundedState } from '../channel/state.js';
import { shortChannelIdOf } from '../channel/states/ready.js';
import { ChannelUpdate } from '../msgs/bolt07.js';

/** The smallest `cltv_expiry_delta` we let a channel forward with (LDK's `MIN_CLTV_EXPIRY_DELTA`, 6 blocks × 8). */
export const MIN_CLTV_EXPIRY_DELTA = 48;

/** Ticks of `timerTickOccurred` with the peer gone before we broadcast the channel disabled (LDK's `DISABLE_GOSSIP_TICKS`). */
export const DISABLE_GOSSIP_TICKS = 10;
/** Ticks with the peer back before we broadcast the channel enabled again (LDK's `ENABLE_GOSSIP_TICKS`). */
export const ENABLE_GOSSIP_TICKS = 5;

/**
 * What our last broadcast said about the channel being usable (LDK's `ChannelUpdateStatus`):
 * a change is only gossiped after it lasted some ticks, so short disconnections cost no gossip.
 */
export type ChannelUpdateStatus =
  | { readonly kind: 'Enabled' }
  /** Not live for `ticks` ticks; still announced enabled. */
  | { readonly kind: 'DisabledStaged'; readonly ticks: number }
  /** Live again for `ticks` ticks; still announced disabled. */
  | { readonly kind: 'EnabledStaged'; readonly ticks: number }
  | { readonly kind: 'Disabled' };

/** The peer's forwarding policy towards us over the channel, from its `channel_update` (LDK's `CounterpartyForwardingInfo`). */
export interface CounterpartyForwardingInfo {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  /** The update's `timestamp`: only newer updates replace it. */
  readonly timestamp: number;
}

/** The gossip facts the manager keeps per channel (persisted with the channel). */
export interface ChannelGossip {
  /** The `timestamp` of our newest `channel_update` (0 before the first). */
  updateTimestamp: number;
  /** The policy that timestamp was given to, to tell a new policy from a resend. */
  lastPolicy: string | undefined;
  status: ChannelUpdateStatus;
  /** Our `channel_announcement` went out (BOLT 7): updates are broadcast from now on. */
  announced: boolean;
  counterpartyForwarding: CounterpartyForwardingInfo | undefined;
}

/** A channel that has not gossiped anything yet. */
export function newChannelGossip(): ChannelGossip {
  return { updateTimestamp: 0, lastPolicy: undefined, status: { kind: 'Enabled' }, announced: false, counterpartyForwarding: undefined };
}

/** The node-level inputs of the builder. */
export interface UpdateSigner {
  readonly crypto: CryptoBackend;
  readonly chainHash: Uint8Array;
  readonly keys: Pick<KeysInterface, 'getNodeId' | 'signWithNodeKey'>;
  /** The newest block timestamp seen (UNIX seconds): the core's only clock. */
  readonly highestSeenTimestamp: number;
}

/** The `short_channel_id` our update names: the real one once confirmed, else the alias the peer gave us (BOLT 7). */
export function updateScid(f: FundedState): bigint | undefined {
  if (f.confirmation) return shortChannelIdOf(f.confirmation, f.funding.outpoint.vout);
  return f.kind === 'Normal' ? f.theirScidAlias : undefined;
}

/**
 * BOLT 7 `htlc_maximum_msat`: at most the capacity and the peer's `max_htlc_value_in_flight_msat`.
 * Like LDK, 90% of the capacity, so payers do not try to push the whole channel through at once.
 */
export function announcedHtlcMaxMsat(f: FundedState): bigint {
  const cap = (f.params.valueSat * 1000n * 9n) / 10n;
  const inFlight = f.params.counterparty.maxHtlcValueInFlightMsat;
  const max = inFlight < cap ? inFlight : cap;
  const min = f.params.counterparty.htlcMinimumMsat;
  return max < min ? min : max;
}

/** True when our last word on the channel is "enabled" (LDK's `is_enabled`). */
export function announcedEnabled(f: FundedState, status: ChannelUpdateStatus): boolean {
  return f.kind === 'Normal' && (status.kind === 'Enabled' || status.kind === 'DisabledStaged');
}

/**
 * Builds and signs our `channel_update` for the channel. `scid` overrides the named channel
 * (a forwarding failure answers with the id the onion used, BOLT 4); `forceDisabled` sets the
 * disable bit (a closing channel). Returns undefined when the channel has no id to name yet.
 * Updates `g`'s timestamp when the policy changed.
 */
export function buildChannelUpdate(
  f: FundedState,
  g: ChannelGossip,
  cfg: ChannelConfig,
  s: UpdateSigner,
  opts: { readonly scid?: bigint; readonly forceDisabled?: boolean } = {},
): ChannelUpdate | undefined {
  const scid = opts.scid ?? updateScid(f);
  if (scid === undefined) return undefined;
  const weAreOne = compareBytes(s.keys.getNodeId(), f.params.counterpartyNodeId) < 0;
  const disabled = opts.forceDisabled === true || !announcedEnabled(f, g.status);
  // BOLT 7: an update not preceded by a channel_announcement MUST set dont_forward.
  const messageFlags = 1 | (g.announced ? 0 : 2);
  const channelFlags = (weAreOne ? 0 : 1) | (disabled ? 2 : 0);
  const policy = {
    messageFlags,
    channelFlags,
    cltvExpiryDelta: cfg.cltvExpiryDelta,
    htlcMinimumMsat: f.params.counterparty.htlcMinimumMsat,
    feeBaseMsat: cfg.forwardingFeeBaseMsat,
    feeProportionalMillionths: cfg.forwardingFeeProportionalMillionths,
    htlcMaximumMsat: announcedHtlcMaxMsat(f),
  };
  const key = `${policy.messageFlags}/${policy.channelFlags}/${policy.cltvExpiryDelta}/${policy.htlcMinimumMsat}/${policy.feeBaseMsat}/${policy.feeProportionalMillionths}/${policy.htlcMaximumMsat}`;
  if (key !== g.lastPolicy || g.updateTimestamp === 0) {
    g.updateTimestamp = Math.max(g.updateTimestamp + 1, s.highestSeenTimestamp);
    g.lastPolicy = key;
  }
  const unsigned: ChannelUpdate = { signature: new Uint8Array(64), chainHash: s.chainHash, shortChannelId: scid, timestamp: g.updateTimestamp, ...policy };
  // The signature covers everything after the signature field (BOLT 7).
  const digest = sha256d(s.crypto, ChannelUpdate.encodePayload(unsigned).subarray(64));
  return { ...unsigned, signature: s.keys.signWithNodeKey(digest) };
}

/**
 * One `timerTickOccurred` of LDK's enable/disable staging: `live` = usable with the peer
 * connected. `changed` = the announced state flipped and a fresh update should go out.
 */
export function tickUpdateStatus(status: ChannelUpdateStatus, live: boolean): { status: ChannelUpdateStatus; changed: boolean } {
  switch (status.kind) {
    case 'Enabled':
      return { status: live ? status : { kind: 'DisabledStaged', ticks: 0 }, changed: false };
    case 'Disabled':
      return { status: live ? { kind: 'EnabledStaged', ticks: 0 } : status, changed: false };
    case 'DisabledStaged': {
      if (live) return { status: { kind: 'Enabled' }, changed: false };
      const ticks = status.ticks + 1;
      return ticks >= DISABLE_GOSSIP_TICKS ? { status: { kind: 'Disabled' }, changed: true } : { status: { kind: 'DisabledStaged', ticks }, changed: false };
    }
    case 'EnabledStaged': {
      if (!live) return { status: { kind: 'Disabled' }, changed: false };
      const ticks = status.ticks + 1;
      return ticks >= ENABLE_GOSSIP_TICKS ? { status: { kind: 'Enabled' }, changed: true } : { status: { kind: 'EnabledStaged', ticks }, changed: false };
    }
  }
}

/** Checks persisted {@link ChannelGossip} read back from bytes (`ChannelManager.read` is total). */
export function isChannelGossip(v: unknown): v is ChannelGossip {
  if (typeof v !== 'object' || v === null) return false;
  const g = v as Partial<Record<keyof ChannelGossip, unknown>>;
  const st = g.status as { kind?: unknown; ticks?: unknown } | undefined;
  const statusOk =
    typeof st === 'object' &&
    st !== null &&
    (st.kind === 'Enabled' || st.kind === 'Disabled' || ((st.kind === 'DisabledStaged' || st.kind === 'EnabledStaged') && typeof st.ticks === 'number'));
  const f = g.counterpartyForwarding as Partial<Record<keyof CounterpartyForwardingInfo, unknown>> | undefined;
  const fwdOk =
    f === undefined ||
    (typeof f === 'object' &&
      f !== null &&
      typeof f.feeBaseMsat === 'number' &&
      typeof f.feeProportionalMillionths === 'number' &&
      typeof f.cltvExpiryDelta === 'number' &&
      typeof f.htlcMinimumMsat === 'bigint' &&
      typeof f.htlcMaximumMsat === 'bigint' &&
      typeof f.timestamp === 'number');
  return (
    typeof g.updateTimestamp === 'number' && (g.lastPolicy === undefined || typeof g.lastPolicy === 'string') && typeof g.announced === 'boolean' && statusOk && fwdOk
  );
}

/** What survives a restart: the announced state only, as LDK writes it (staging restarts). */
export function persistedUpdateStatus(status: ChannelUpdateStatus): ChannelUpdateStatus {
  return status.kind === 'Enabled' || status.kind === 'DisabledStaged' ? { kind: 'Enabled' } : { kind: 'Disabled' };
}

/**
 * Checks the peer's `channel_update` for our channel with it (BOLT 7 receiving node: "SHOULD
 * accept channel_updates for its own channels (even if non-public)"): its direction, its
 * signature by the peer's node key, and that it is newer than what we have. Returns the policy
 * to keep, or why not.
 */
export function counterpartyForwardingFrom(
  u: ChannelUpdate,
  f: FundedState,
  ourNodeId: Uint8Array,
  known: CounterpartyForwardingInfo | undefined,
  crypto: CryptoBackend,
): CounterpartyForwardingInfo | string {
  const theirDirection = compareBytes(f.params.counterpartyNodeId, ourNodeId) < 0 ? 0 : 1;
  if ((u.channelFlags & 1) !== theirDirection) return 'channel_update for our direction of the channel';
  if (known && known.timestamp >= u.timestamp) return 'channel_update not newer';
  const digest = sha256d(crypto, ChannelUpdate.encodePayload(u).subarray(64));
  if (!crypto.verifyEcdsa(u.signature, digest, f.params.counterpartyNodeId)) return 'channel_update not signed by the peer';
  return {
    feeBaseMsat: u.feeBaseMsat,
    feeProportionalMillionths: u.feeProportionalMillionths,
    cltvExpiryDelta: u.cltvExpiryDelta,
    htlcMinimumMsat: u.htlcMinimumMsat,
    htlcMaximumMsat: u.htlcMaximumMsat,
    timestamp: u.timestamp,
  };
}
