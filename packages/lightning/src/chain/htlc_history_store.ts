/**
 * Durable storage for the part of a channel's HTLC history that only a penalty could ever need
 * (BOLT 5 §"Revoked Transaction Close Handling"): the HTLCs of counterparty commitments that no
 * later commitment carries. A `ChannelMonitor` given a store moves those records out of memory
 * and out of its own serialization into it, so what the monitor holds stays bounded however long
 * the channel lives; it reads them back only when a revoked commitment appears on chain. Eclair
 * keeps the same data in its database (`htlc_infos`); LDK keeps it inside the monitor, which is
 * why its monitors grow with every payment.
 *
 * The store is a per-channel byte log the user implements (a file, a database row set, a key
 * per chunk). Its contents are opaque fixed-size records; the monitor decides offsets, so the
 * store needs no understanding of them.
 * @module
 */
import type { OutPoint } from '../bitcoin/tx.js';
import { toHex } from '../util/hex.js';

/**
 * A channel's append-only archive of revoked-commitment HTLC records, implemented by the user.
 *
 * Durability is the contract: {@link write} returns `true` only once the bytes would survive a
 * crash. The monitor writes before it drops the records from memory, and that happens inside
 * `ChannelMonitor.update`, so before the update reaches `Persist`: the persisted monitor never
 * counts on a record the store does not hold. Writes are idempotent by offset — replaying an
 * update after a crash writes the same bytes at the same place — and the monitor never reads past
 * the records it counts, so a write it never came to count is harmless.
 */
export interface HtlcHistoryStore {
  /**
   * Writes `data` at byte `offset` of the channel's log (replacing what is there), durably.
   * @returns `false` (or throws) when it could not: the monitor keeps the records in memory and
   *   tries again at its next flush, so a failing store costs memory, never a penalty.
   */
  write(channel: OutPoint, offset: number, data: Uint8Array): boolean;
  /**
   * `length` bytes of the channel's log from byte `offset` (the monitor scans a long log in
   * chunks, so a read never needs the whole log in memory). Fewer (or `undefined`) means records
   * were lost: the monitor then reports its penalty data as incomplete.
   */
  read(channel: OutPoint, offset: number, length: number): Uint8Array | undefined;
}

/** The key {@link MemoryHtlcHistoryStore} and file stores name a channel's log by: `txid:vout` (txid in internal order, hex). */
export function htlcHistoryKey(channel: OutPoint): string {
  return `${toHex(channel.txid)}_${channel.vout}`;
}

/**
 * An {@link HtlcHistoryStore} in memory: for tests, benchmarks and users whose monitors are
 * persisted in memory too. It moves the records out of the monitors (which then stay small and
 * fast to serialize), not out of the process.
 */
export class MemoryHtlcHistoryStore implements HtlcHistoryStore {
  private readonly logs = new Map<string, Uint8Array>();
  private readonly lengths = new Map<string, number>();

  write(channel: OutPoint, offset: number, data: Uint8Array): boolean {
    const k = htlcHistoryKey(channel);
    let log = this.logs.get(k) ?? new Uint8Array(0);
    const end = offset + data.length;
    if (end > log.length) {
      const grown = new Uint8Array(Math.max(end, log.length * 2, 1024));
      grown.set(log.subarray(0, this.lengths.get(k) ?? 0));
      log = grown;
      this.logs.set(k, log);
    }
    log.set(data, offset);
    this.lengths.set(k, Math.max(this.lengths.get(k) ?? 0, end));
    return true;
  }

  read(channel: OutPoint, offset: number, length: number): Uint8Array | undefined {
    const k = htlcHistoryKey(channel);
    const log = this.logs.get(k);
    if (!log) return undefined;
    const end = Math.min(offset + length, this.lengths.get(k) ?? 0);
    return log.slice(Math.min(offset, end), end);
  }

  /** Bytes held for `channel` (the archive's size on "disk"). */
  byteLength(channel: OutPoint): number {
    return this.lengths.get(htlcHistoryKey(channel)) ?? 0;
  }
}
