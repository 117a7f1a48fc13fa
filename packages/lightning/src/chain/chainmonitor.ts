/**
 * `ChainMonitor`: lnts's `ManyChannelMonitor` (LDK's `ChainMonitor` implementing `chain::Watch`).
 * It owns every channel's `ChannelMonitor`, applies the `ChannelMonitorUpdate`s the `ChannelManager`
 * hands over and persists them through the user's `Persist` before reporting them done
 * (ARCHITECTURE.md principle 2), feeds the monitors the chain (`Listen`, `Confirm`), broadcasts our
 * commitment when a channel is force-closed (BOLT 5 §"Failing a Channel"), and collects the monitors'
 * events for the manager.
 * @module
 */
import { parseTx, serializeTx, txid as computeTxid } from '../bitcoin/serialize.js';
import type { OutPoint } from '../bitcoin/tx.js';
import { type CryptoBackend, sha256d } from '../crypto/backend.js';
import type { KeysInterface } from '../sign/interfaces.js';
import { equalBytes } from '../util/bytes.js';
import { DecodeError, type LogLevel } from '../util/errors.js';
import { toHex } from '../util/hex.js';
import type { Logger } from '../util/logger.js';
import type { ChannelMonitor, ParsedTx } from './channelmonitor.js';
import type { ChannelMonitorUpdate } from './channelmonitor_update.js';
import type { Filter } from './filter.js';
import type { BroadcasterInterface, Confirm, FeeEstimator, IndexedTx, Listen } from './interfaces.js';
import type { ChannelMonitorUpdateStatus, ManyChannelMonitor, MonitorEvent, Persist } from './watch.js';

interface Entry {
  readonly monitor: ChannelMonitor;
  /** Update ids whose persistence returned `in-progress` and was not yet reported complete, ascending. */
  readonly pending: bigint[];
}

function keyOf(o: OutPoint): string {
  return `${toHex(o.txid)}:${o.vout}`;
}

function compareOutpoints(a: OutPoint, b: OutPoint): number {
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Watches many channels (see the module doc). Synchronous persisters make every call complete
 * at once; asynchronous ones return `in-progress` and later call
 * {@link ChainMonitor.channelMonitorUpdated}, after which a `Completed` event tells the manager it
 * may send what depended on those updates.
 */
export class ChainMonitor implements ManyChannelMonitor<ChannelMonitor>, Listen, Confirm {
  private readonly monitors = new Map<string, Entry>();
  private readonly events: MonitorEvent[] = [];

  /**
   * @param chainSource - a filtering chain source to register funding outputs with (`undefined` when
   *   blocks arrive whole).
   * @param broadcaster - where force-close commitments go.
   * @param logger - the user's logger.
   * @param feeEstimator - for on-chain claims (used by later BOLT 5 work; kept so the signature is stable).
   * @param persister - durable storage of monitors.
   * @param keys - recreates each channel's signer from its keys id.
   * @param crypto - the crypto backend.
   */
  constructor(
    private readonly chainSource: Filter | undefined,
    private readonly broadcaster: BroadcasterInterface,
    private readonly logger: Logger,
    readonly feeEstimator: FeeEstimator,
    private readonly persister: Persist<ChannelMonitor>,
    private readonly keys: KeysInterface,
    private readonly crypto: CryptoBackend,
  ) {}

  private log(level: LogLevel, message: string, channelId?: Uint8Array): void {
    this.logger.log(channelId ? { level, module: 'chain::chainmonitor', message, channelId } : { level, module: 'chain::chainmonitor', message });
  }

  // ---------------------------------------------------------------- ManyChannelMonitor

  /**
   * Starts watching a new channel's monitor (also how monitors read back after a restart are
   * handed over) and persists it. A second monitor for the same funding outpoint is refused with
   * `unrecoverable` (LDK: `watch_channel` returns `Err(())`) and the first is kept.
   * Status passes through from `Persist.persistNewChannel`; the monitor is watched whatever it is,
   * since watching can only protect funds.
   */
  watchChannel(fundingOutpoint: OutPoint, monitor: ChannelMonitor): ChannelMonitorUpdateStatus {
    const key = keyOf(fundingOutpoint);
    if (this.monitors.has(key)) {
      this.log('error', `a monitor for funding outpoint ${key} is already watched`, monitor.channelId);
      return 'unrecoverable';
    }
    const own = monitor.fundingOutpoint;
    if (own.vout !== fundingOutpoint.vout || !equalBytes(own.txid, fundingOutpoint.txid)) {
      this.log('error', `monitor watches ${keyOf(own)}, not ${key}`, monitor.channelId);
      return 'unrecoverable';
    }
    const entry: Entry = { monitor, pending: [] };
    this.monitors.set(key, entry);
    const status = this.persister.persistNewChannel(fundingOutpoint, monitor);
    if (status === 'in-progress') entry.pending.push(monitor.latestUpdateId);
    else if (status === 'unrecoverable') this.log('error', `persisting the new monitor for ${key} failed for good`, monitor.channelId);
    const w = monitor.watchItems();
    this.chainSource?.registerTx(w.fundingTxid, w.fundingScriptPubkey);
    this.chainSource?.registerOutput({ blockHash: undefined, outpoint: w.fundingOutpoint, scriptPubkey: w.fundingScriptPubkey });
    this.log('debug', `watching channel funded by ${key}`, monitor.channelId);
    return status;
  }

  /**
   * Applies an update to its monitor, then persists it (`Persist.updatePersistedChannel`), and when
   * it force-closes with `shouldBroadcast`, broadcasts our latest commitment (BOLT 5 §"Failing a
   * Channel"). Status passes through from the persister. An unknown outpoint or an update the
   * monitor refuses (out of order, bad secret; nothing applied, nothing persisted) is `unrecoverable`:
   * the channel freezes rather than run ahead of what its monitor knows.
   */
  updateChannel(fundingOutpoint: OutPoint, update: ChannelMonitorUpdate): ChannelMonitorUpdateStatus {
    const key = keyOf(fundingOutpoint);
    const entry = this.monitors.get(key);
    if (!entry) {
      this.log('error', `update ${update.updateId} for unwatched funding outpoint ${key}`, update.channelId);
      return 'unrecoverable';
    }
    const { monitor } = entry;
    const err = monitor.update(update);
    if (err) {
      this.log('error', `monitor refused update ${update.updateId}: ${err.message}`, monitor.channelId);
      return 'unrecoverable';
    }
    const status = this.persister.updatePersistedChannel(fundingOutpoint, update, monitor);
    if (status === 'in-progress') entry.pending.push(update.updateId);
    else if (status === 'unrecoverable') this.log('error', `persisting update ${update.updateId} failed for good`, monitor.channelId);
    if (update.steps.some((s) => s.kind === 'ChannelForceClosed' && s.shouldBroadcast)) this.broadcastHolderCommitment(monitor);
    return status;
  }

  private broadcastHolderCommitment(monitor: ChannelMonitor): void {
    const signer = this.keys.deriveChannelSigner(monitor.channelValueSatoshis, monitor.keysId);
    const tx = monitor.getLatestHolderCommitmentTxn(signer);
    this.log('info', `broadcasting our latest commitment ${toHex(computeTxid(tx, this.crypto))}`, monitor.channelId);
    this.broadcaster.broadcastTransactions([serializeTx(tx)]);
  }

  /**
   * An asynchronous persister finished storing update `updateId` (or, for id equal to the
   * monitor's creation id 0, the new monitor) of the channel funded by `fundingOutpoint` (LDK's
   * `channel_monitor_updated`). Once every in-progress update up to some id is stored, a
   * `Completed` event with that id follows (the latest update id when none is left in progress).
   * An id that was not in progress is logged and ignored.
   */
  channelMonitorUpdated(fundingOutpoint: OutPoint, updateId: bigint): void {
    const key = keyOf(fundingOutpoint);
    const entry = this.monitors.get(key);
    if (!entry) {
      this.log('warn', `persistence completed for unwatched funding outpoint ${key}`);
      return;
    }
    const at = entry.pending.indexOf(updateId);
    if (at < 0) {
      this.log('warn', `persistence completed for update ${updateId}, which was not in progress`, entry.monitor.channelId);
      return;
    }
    const before = this.persistedUpTo(entry);
    entry.pending.splice(at, 1);
    const after = this.persistedUpTo(entry);
    if (after > before) {
      this.events.push({ kind: 'Completed', channelId: entry.monitor.channelId, fundingOutpoint: entry.monitor.fundingOutpoint, monitorUpdateId: after });
    }
  }

  /** The highest id such that it and every update before it are durably stored. */
  private persistedUpTo(e: Entry): bigint {
    let min: bigint | undefined;
    for (const id of e.pending) if (min === undefined || id < min) min = id;
    return min === undefined ? e.monitor.latestUpdateId : min - 1n;
  }

  /**
   * Events since the last call (LDK's `release_pending_monitor_events`): `Completed` events first,
   * in the order persistence completed, then each monitor's chain events, monitors in the order
   * they were watched and each monitor's events oldest first.
   */
  releasePendingMonitorEvents(): MonitorEvent[] {
    const out = this.events.splice(0);
    // Not persisted here: a restart from the last stored copy replays the events, which the
    // manager handles idempotently, whereas losing one (a crash before it is acted on) could
    // leave a closed channel open.
    for (const { monitor } of this.monitors.values()) out.push(...monitor.releasePendingMonitorEvents());
    return out;
  }

  // ---------------------------------------------------------------- queries

  /** The watched channels, ordered by funding outpoint (LDK's `list_monitors`). */
  listMonitors(): Array<{ fundingOutpoint: OutPoint; channelId: Uint8Array }> {
    return [...this.monitors.values()]
      .map((e) => ({ fundingOutpoint: e.monitor.fundingOutpoint, channelId: e.monitor.channelId }))
      .sort((a, b) => compareOutpoints(a.fundingOutpoint, b.fundingOutpoint));
  }

  /** The monitor watching `fundingOutpoint`, if any (LDK's `get_monitor`). */
  getMonitor(fundingOutpoint: OutPoint): ChannelMonitor | undefined {
    return this.monitors.get(keyOf(fundingOutpoint))?.monitor;
  }

  /** The funding outpoints watched, ordered (so a node restarted from bytes can be compared with the original). */
  watchedOutputs(): OutPoint[] {
    return this.listMonitors().map((m) => m.fundingOutpoint);
  }

  /** Update ids of `fundingOutpoint`'s channel whose persistence is still in progress, ascending. */
  pendingUpdates(fundingOutpoint: OutPoint): bigint[] {
    const e = this.monitors.get(keyOf(fundingOutpoint));
    return e ? [...e.pending].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  }

  // ---------------------------------------------------------------- chain

  private parse(txdata: readonly IndexedTx[]): ParsedTx[] {
    const out: ParsedTx[] = [];
    for (const t of txdata) {
      const tx = parseTx(t.tx);
      if (tx instanceof DecodeError) {
        this.log('warn', `skipping an unparseable transaction at index ${t.index}: ${tx.message}`);
        continue;
      }
      out.push({ tx, txid: computeTxid(tx, this.crypto) });
    }
    return out;
  }

  /**
   * A monitor changed on its own (chain data): store it whole (`update` null, as LDK does). The
   * status is only logged: such a write carries no update id to complete, and the change it
   * records is re-derived from the chain if it is lost.
   */
  private persistChainChange(monitor: ChannelMonitor): void {
    const status = this.persister.updatePersistedChannel(monitor.fundingOutpoint, null, monitor);
    if (status === 'unrecoverable') this.log('error', 'persisting a chain-driven monitor change failed', monitor.channelId);
  }

  private eachMonitor(f: (m: ChannelMonitor) => boolean): void {
    for (const { monitor } of this.monitors.values()) if (f(monitor)) this.persistChainChange(monitor);
  }

  /** A block connected (`Listen`): every monitor sees its transactions and the new tip. */
  filteredBlockConnected(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void {
    const txs = this.parse(txdata);
    this.eachMonitor((m) => m.blockConnectedParsed(header, txs, height));
  }

  /** The tip block was disconnected (`Listen`): every monitor forgets what confirmed in it. */
  blockDisconnected(header: Uint8Array, height: number): void {
    this.eachMonitor((m) => m.blockDisconnected(header, height));
  }

  /** Transactions confirmed at `height` (`Confirm`), fanned out to every monitor. */
  transactionsConfirmed(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void {
    const txs = this.parse(txdata);
    const blockHash = sha256d(this.crypto, header);
    this.eachMonitor((m) => m.transactionsConfirmedParsed(blockHash, txs, height));
  }

  /** A transaction is no longer confirmed (`Confirm`), fanned out to every monitor. */
  transactionUnconfirmed(txid: Uint8Array): void {
    this.eachMonitor((m) => m.transactionUnconfirmed(txid));
  }

  /** The best chain's tip (`Confirm`), fanned out to every monitor. */
  bestBlockUpdated(header: Uint8Array, height: number): void {
    this.eachMonitor((m) => m.bestBlockUpdated(header, height));
  }

  /** Every monitor's relevant transactions (`Confirm`), each txid once. */
  getRelevantTxids(): Array<{ txid: Uint8Array; height: number; blockHash: Uint8Array | undefined }> {
    const seen = new Set<string>();
    const out: Array<{ txid: Uint8Array; height: number; blockHash: Uint8Array | undefined }> = [];
    for (const { monitor } of this.monitors.values()) {
      for (const r of monitor.getRelevantTxids()) {
        const k = toHex(r.txid);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(r);
      }
    }
    return out;
  }
}
