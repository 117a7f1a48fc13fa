/**
 * `ManyChannelMonitor` (the seed design's name; modern LDK: `chain::Watch`): where a
 * `ChannelManager` hands each channel's `ChannelMonitor` and every `ChannelMonitorUpdate`, and
 * from which it learns what the monitors saw (persistence completed, funding spent).
 * @module
 */
import type { OutPoint, Transaction } from '../bitcoin/tx.js';
import type { ChannelMonitorUpdate } from './channelmonitor_update.js';

/**
 * What happened to a `watchChannel`/`updateChannel` (LDK's `ChannelMonitorUpdateStatus`):
 * - `completed`: durably persisted; the channel may send what depends on it.
 * - `in-progress`: being persisted; the channel holds dependent messages until a `Completed`
 *   `MonitorEvent` for this update id (or a later one) arrives.
 * - `unrecoverable`: persistence failed for good; the channel freezes (it never force-closes for
 *   this: a storage failure is not the peer's fault and closing could lose funds).
 */
export type ChannelMonitorUpdateStatus = 'completed' | 'in-progress' | 'unrecoverable';

/** What monitors report to the `ChannelManager` (LDK's `MonitorEvent`). */
export type MonitorEvent =
  /** Every update up to `monitorUpdateId` of this channel is now persisted. */
  | { readonly kind: 'Completed'; readonly channelId: Uint8Array; readonly fundingOutpoint: OutPoint; readonly monitorUpdateId: bigint }
  /** A transaction spending the funding output confirmed (`height`). */
  | {
      readonly kind: 'FundingSpent';
      readonly channelId: Uint8Array;
      readonly fundingOutpoint: OutPoint;
      readonly tx: Transaction;
      readonly txid: Uint8Array;
      readonly height: number;
    }
  /** The monitor broadcast our latest commitment on its own (an HTLC neared expiry, BOLT 5). */
  | { readonly kind: 'HolderForceClosed'; readonly channelId: Uint8Array; readonly fundingOutpoint: OutPoint };

/** The monitor object a `ManyChannelMonitor` watches (implemented by `chain/channelmonitor.ts`). */
export interface WatchedMonitor {
  readonly channelId: Uint8Array;
  readonly fundingOutpoint: OutPoint;
  /** The latest update id applied. */
  readonly latestUpdateId: bigint;
  /** Serialized state, for persistence. */
  write(): Uint8Array;
}

/** Receives monitors and their updates, persists them, watches the chain for them. */
export interface ManyChannelMonitor<M extends WatchedMonitor = WatchedMonitor> {
  /** A new channel's monitor (update id 0). */
  watchChannel(fundingOutpoint: OutPoint, monitor: M): ChannelMonitorUpdateStatus;
  /** Applies and persists an update (ids strictly increasing per channel). */
  updateChannel(fundingOutpoint: OutPoint, update: ChannelMonitorUpdate): ChannelMonitorUpdateStatus;
  /** Events since the last call, in order. */
  releasePendingMonitorEvents(): MonitorEvent[];
}

/**
 * Durable storage of monitors, implemented by the user (LDK's `Persist`). Synchronous stores
 * return `completed`; asynchronous ones return `in-progress` and later call
 * `ChainMonitor.channelMonitorUpdated(fundingOutpoint, updateId)`.
 */
export interface Persist<M extends WatchedMonitor = WatchedMonitor> {
  /** Store a new monitor. */
  persistNewChannel(fundingOutpoint: OutPoint, monitor: M): ChannelMonitorUpdateStatus;
  /** Store an update (or, when `update` is null, the whole monitor after a chain-driven change). */
  updatePersistedChannel(fundingOutpoint: OutPoint, update: ChannelMonitorUpdate | null, monitor: M): ChannelMonitorUpdateStatus;
}
