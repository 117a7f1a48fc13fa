/**
 * The persistence format of a `ChannelManager` (LDK's `ChannelManager::write` /
 * `ChannelManagerReadArgs`): the chain tip, the newest block time, every funded channel's state
 * with its peer, signer id, config and gossip bookkeeping, and the payment and own-gossip
 * snapshots, in the plain-value encoding of `util/ser/value.ts` under a version number. Unfunded
 * channels are not kept (as in LDK), and per-connection facts are dropped on the way out: a
 * restart is a new connection. The reader checks what it rebuilds from and refuses the rest.
 * @module
 */
import type { BestBlock } from '../../chain/interfaces.js';
import type { ChannelConfig } from '../../util/config.js';
import { DecodeError } from '../../util/errors.js';
import { decodeValue, encodeValue } from '../../util/ser/value.js';
import { isAnnouncementSigsState, NOT_EXCHANGED, persistedAnnouncementSigs } from '../channel/announcement.js';
import { type FundedState, isFunded } from '../channel/state.js';
import { type ChannelGossip, isChannelGossip, persistedUpdateStatus } from './channel_update.js';

/** The format version {@link encodeChannelManager} writes and {@link decodeChannelManager} reads. */
const VERSION = 1;

/** One funded channel as the manager keeps it across a restart. */
export interface PersistedChannel {
  readonly state: FundedState;
  readonly counterpartyNodeId: Uint8Array;
  /** With `valueSat`, what `KeysInterface.deriveChannelSigner` rebuilds the signer from. */
  readonly keysId: Uint8Array;
  readonly valueSat: bigint;
  /** Set by `updateChannelConfig`; absent means the manager's default. */
  readonly channelConfig: ChannelConfig | undefined;
  /** Absent in data written before lnts kept it. */
  readonly gossip: ChannelGossip | undefined;
}

/** Everything a manager is rebuilt from. */
export interface PersistedManager {
  readonly bestBlock: BestBlock;
  /** Absent in data written before lnts kept it. */
  readonly highestSeenTimestamp: number | undefined;
  /** `OwnGossip.snapshot()`, for `OwnGossip.restore` to check. */
  readonly ownGossip: unknown;
  /** `Payments.snapshot()`, for `Payments.restore` to check. */
  readonly payments: unknown;
  readonly channels: readonly PersistedChannel[];
}

/** Serializes a manager's state (see the module doc). */
export function encodeChannelManager(m: PersistedManager): Uint8Array {
  return encodeValue({
    version: VERSION,
    bestHash: m.bestBlock.blockHash,
    bestHeight: m.bestBlock.height,
    highestSeenTimestamp: m.highestSeenTimestamp,
    ownGossip: m.ownGossip,
    channels: m.channels.map((c) => {
      const f = c.state;
      const state = f.kind === 'Normal' ? { ...f, announcementSigs: persistedAnnouncementSigs(f.announcementSigs) } : f;
      const gossip = c.gossip ? { ...c.gossip, status: persistedUpdateStatus(c.gossip.status) } : undefined;
      return { state, counterpartyNodeId: c.counterpartyNodeId, keysId: c.keysId, valueSat: c.valueSat, channelConfig: c.channelConfig, gossip };
    }),
    payments: m.payments,
  });
}

/**
 * Reads what {@link encodeChannelManager} wrote: a {@link DecodeError} for another version, a
 * malformed channel entry, or a malformed announcement or gossip state (never throws).
 */
export function decodeChannelManager(bytes: Uint8Array): PersistedManager | DecodeError {
  const v = decodeValue(bytes);
  if (v instanceof DecodeError) return v;
  const o = v as {
    version?: unknown;
    bestHash?: unknown;
    bestHeight?: unknown;
    channels?: unknown;
    payments?: unknown;
    highestSeenTimestamp?: unknown;
    ownGossip?: unknown;
  };
  if (o.version !== VERSION || !(o.bestHash instanceof Uint8Array) || typeof o.bestHeight !== 'number' || !Array.isArray(o.channels)) {
    return new DecodeError('InvalidValue', `not a ChannelManager serialization (version ${VERSION})`);
  }
  const channels: PersistedChannel[] = [];
  for (const c of o.channels as Array<{
    state?: FundedState;
    counterpartyNodeId?: unknown;
    keysId?: unknown;
    valueSat?: unknown;
    channelConfig?: ChannelConfig;
    gossip?: ChannelGossip;
  }>) {
    if (!c.state || !isFunded(c.state) || !(c.counterpartyNodeId instanceof Uint8Array) || !(c.keysId instanceof Uint8Array) || typeof c.valueSat !== 'bigint') {
      return new DecodeError('InvalidValue', 'malformed channel entry');
    }
    if (c.gossip !== undefined && !isChannelGossip(c.gossip)) {
      return new DecodeError('InvalidValue', 'malformed channel gossip state');
    }
    const state = withAnnouncementSigs(c.state);
    if (!state) return new DecodeError('InvalidValue', 'malformed announcement_signatures state');
    channels.push({ state, counterpartyNodeId: c.counterpartyNodeId, keysId: c.keysId, valueSat: c.valueSat, channelConfig: c.channelConfig, gossip: c.gossip });
  }
  return {
    bestBlock: { blockHash: o.bestHash, height: o.bestHeight },
    highestSeenTimestamp: typeof o.highestSeenTimestamp === 'number' ? o.highestSeenTimestamp : undefined,
    ownGossip: o.ownGossip,
    payments: o.payments,
    channels,
  };
}

/**
 * A persisted `Normal` state's announcement exchange, checked; one written before lnts tracked
 * it has none and starts from `NotExchanged` (BOLT 7 retransmission then catches up).
 */
function withAnnouncementSigs(s: FundedState): FundedState | undefined {
  if (s.kind !== 'Normal') return s;
  const a = (s as { announcementSigs?: unknown }).announcementSigs;
  if (a === undefined) return { ...s, announcementSigs: NOT_EXCHANGED };
  return isAnnouncementSigsState(a) ? s : undefined;
}
