/**
 * The HTLCs of every commitment the counterparty could still broadcast after revoking it, kept in
 * the least a penalty needs (BOLT 5 §"Revoked Transaction Close Handling"). A revoked commitment's
 * HTLC output is spent with the revocation key through its witness script, and that script names
 * only the commitment's keys (all derived from the per-commitment secret they revealed), the HTLC's
 * direction, `RIPEMD160(payment_hash)` and, for a received HTLC, `cltv_expiry` (BOLT 3 §"Offered
 * HTLC Outputs", §"Received HTLC Outputs"). Amounts and txids are not needed: the transaction on
 * chain has the values, and its commitment number is read from its locktime and sequence.
 *
 * So one 37-byte entry per HTLC — not per commitment, as an HTLC sits on a run of consecutive
 * commitments — records those three facts and the range of commitment numbers it appeared on. A
 * channel's history then costs 37 bytes per HTLC it ever carried, in one flat buffer, instead of
 * a copy of every HTLC on every commitment (LDK keeps the latter, `counterparty_claimable_outpoints`).
 *
 * With an {@link HtlcHistoryStore}, even that leaves memory: an entry no longer on their latest
 * commitment is final (no later commitment can extend its range), so {@link CounterpartyHtlcHistory.flushTo}
 * appends such entries to the store and keeps only the open ones (and at most a flush's worth of
 * closed ones). The history in memory — and in the monitor's serialization — is then bounded by
 * the HTLCs in flight, however many the channel ever carried.
 * @module
 */
import { ripemd160 } from '../bitcoin/hashes.js';
import type { CommitmentHtlc } from '../ln/chan_utils/commitment.js';
import type { OutPoint } from '../bitcoin/tx.js';
import { DecodeError } from '../util/errors.js';
import { toHex } from '../util/hex.js';
import type { HtlcHistoryStore } from './htlc_history_store.js';

/** What rebuilds one HTLC output's script on a revoked commitment. */
export interface RevokedHtlcInfo {
  /** Offered by the commitment's broadcaster (the counterparty). */
  readonly offered: boolean;
  /** `RIPEMD160(payment_hash)`, 20 bytes. */
  readonly paymentHashRipemd: Uint8Array;
  readonly cltvExpiry: number;
}

/** ripemd(20) ‖ cltv u32 ‖ flags u8 ‖ first u48 ‖ last u48, big-endian. */
export const HTLC_HISTORY_ENTRY_BYTES = 37;
const ENTRY = HTLC_HISTORY_ENTRY_BYTES;

/**
 * Closed entries a monitor with a store keeps in memory before it writes them out together: one
 * store write per this many finished HTLCs rather than one per commitment, for 2.4 KB of memory.
 */
export const HTLC_HISTORY_FLUSH_ENTRIES = 64;

/** Archived entries read from the store at a time (about 1 MiB). */
export const SCAN_CHUNK_ENTRIES = 28_000;

/** What {@link CounterpartyHtlcHistory.htlcsOn} found. */
export interface HtlcsOnCommitment {
  readonly htlcs: RevokedHtlcInfo[];
  /** False when the store returned fewer archived records than the history counts (it lost some). */
  readonly complete: boolean;
}

/** Appends to `out` the entries of `buf[0, count)` whose range holds commitment `n`. */
function scan(buf: Uint8Array, count: number, n: number, out: RevokedHtlcInfo[]): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let i = 0; i < count; i++) {
    const o = i * ENTRY;
    if (readU48(buf, o + 25) > n || readU48(buf, o + 31) < n) continue;
    out.push({ offered: buf[o + 24] === 1, paymentHashRipemd: buf.slice(o, o + 20), cltvExpiry: dv.getUint32(o + 20) });
  }
}

function readU48(b: Uint8Array, at: number): number {
  return ((b[at]! << 8) | b[at + 1]!) * 2 ** 32 + (((b[at + 2]! << 24) | (b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!) >>> 0);
}

function writeU48(b: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32);
  const lo = v >>> 0;
  b[at] = hi >>> 8;
  b[at + 1] = hi & 0xff;
  b[at + 2] = lo >>> 24;
  b[at + 3] = (lo >>> 16) & 0xff;
  b[at + 4] = (lo >>> 8) & 0xff;
  b[at + 5] = lo & 0xff;
}

/** Where {@link CounterpartyHtlcHistory.mark} left the history, for {@link CounterpartyHtlcHistory.rollback}. */
export interface HtlcHistoryMark {
  readonly count: number;
  /** The ranges of the entries a later commitment may extend (the open ones). */
  readonly ranges: ReadonlyArray<readonly [entry: number, first: number, last: number]>;
  readonly open: ReadonlyMap<string, number>;
}

/** The compact HTLC history of the counterparty's commitments (see the module doc). */
export class CounterpartyHtlcHistory {
  private buf = new Uint8Array(0);
  private count = 0;
  /** Entries already written to the store: they come before `buf`'s, at store offset 0. */
  private archived = 0;
  /** The entries on the last recorded commitment, by HTLC identity (a later commitment extends them). */
  private open: ReadonlyMap<string, number> = new Map();

  /** How many entries (distinct HTLCs) are kept in memory. */
  get size(): number {
    return this.count;
  }

  /** Bytes the entries in memory take. */
  get byteLength(): number {
    return this.count * ENTRY;
  }

  /** How many entries live in the store (written by {@link flushTo}). */
  get archivedCount(): number {
    return this.archived;
  }

  /** Entries in memory that no later commitment can extend: what {@link flushTo} would write. */
  get closedCount(): number {
    return this.count - this.open.size;
  }

  /**
   * Writes the closed entries to the store, after the archived ones, and keeps only the open ones
   * in memory. Deterministic (the entries keep their order), so an update replayed after a crash
   * writes the same bytes at the same offset. Nothing changes when the store refuses.
   * @returns whether the entries moved.
   */
  flushTo(store: HtlcHistoryStore, channel: OutPoint): boolean {
    const closed = this.closedCount;
    if (closed === 0) return true;
    const out = new Uint8Array(closed * ENTRY);
    const kept = new Uint8Array(Math.max(16, this.open.size) * ENTRY);
    const openAt = new Set(this.open.values());
    const moved = new Map<number, number>();
    let c = 0;
    let k = 0;
    for (let i = 0; i < this.count; i++) {
      const e = this.buf.subarray(i * ENTRY, (i + 1) * ENTRY);
      if (openAt.has(i)) {
        kept.set(e, k * ENTRY);
        moved.set(i, k++);
      } else out.set(e, c++ * ENTRY);
    }
    let ok: boolean;
    try {
      ok = store.write(channel, this.archived * ENTRY, out);
    } catch {
      ok = false;
    }
    if (!ok) return false;
    const open = new Map<string, number>();
    for (const [key, at] of this.open) open.set(key, moved.get(at)!);
    this.archived += closed;
    this.buf = kept;
    this.count = k;
    this.open = open;
    return true;
  }

  /** Records the HTLCs of their commitment `commitmentNumber` (every one, trimmed or not). */
  record(commitmentNumber: bigint, htlcs: readonly CommitmentHtlc[]): void {
    const n = Number(commitmentNumber);
    const open = new Map<string, number>();
    for (const h of htlcs) {
      const rip = ripemd160(h.paymentHash);
      const key = `${toHex(rip)}${h.cltvExpiry}${h.offered ? 'o' : 'r'}`;
      if (open.has(key)) continue; // same script as one already recorded (e.g. two parts of one payment)
      const at = this.open.get(key);
      if (at !== undefined) {
        // Ranges only grow, so every commitment an entry was seen on stays inside its range; a
        // commitment inside the range without the HTLC costs a script that matches no output.
        const o = at * ENTRY;
        if (n < readU48(this.buf, o + 25)) writeU48(this.buf, o + 25, n);
        if (n > readU48(this.buf, o + 31)) writeU48(this.buf, o + 31, n);
        open.set(key, at);
        continue;
      }
      open.set(key, this.append(rip, h.cltvExpiry, h.offered, n));
    }
    this.open = open;
  }

  private append(rip: Uint8Array, cltv: number, offered: boolean, n: number): number {
    if ((this.count + 1) * ENTRY > this.buf.length) {
      const grown = new Uint8Array(Math.max(16 * ENTRY, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.count * ENTRY));
      this.buf = grown;
    }
    const o = this.count * ENTRY;
    this.buf.set(rip, o);
    new DataView(this.buf.buffer, this.buf.byteOffset).setUint32(o + 20, cltv >>> 0);
    this.buf[o + 24] = offered ? 1 : 0;
    writeU48(this.buf, o + 25, n);
    writeU48(this.buf, o + 31, n);
    return this.count++;
  }

  /**
   * The HTLCs that were on their commitment `commitmentNumber` (a superset, never missing one
   * while `complete`). Archived entries are read from `store`, the only time the store is read.
   */
  htlcsOn(commitmentNumber: bigint, store?: HtlcHistoryStore, channel?: OutPoint): HtlcsOnCommitment {
    const n = Number(commitmentNumber);
    const htlcs: RevokedHtlcInfo[] = [];
    let complete = true;
    // In chunks, so a channel with millions of finished HTLCs is scanned in bounded memory.
    for (let at = 0; at < this.archived; at += SCAN_CHUNK_ENTRIES) {
      const want = Math.min(SCAN_CHUNK_ENTRIES, this.archived - at) * ENTRY;
      const got = store && channel ? store.read(channel, at * ENTRY, want) : undefined;
      if (!got || got.length < want) complete = false;
      if (got) scan(got, Math.floor(Math.min(got.length, want) / ENTRY), n, htlcs);
    }
    scan(this.buf, this.count, n, htlcs);
    return { htlcs, complete };
  }

  /** A point to {@link rollback} to: a monitor stages an update and undoes it whole if a later step fails. */
  mark(): HtlcHistoryMark {
    const ranges: Array<readonly [number, number, number]> = [];
    for (const at of this.open.values()) ranges.push([at, readU48(this.buf, at * ENTRY + 25), readU48(this.buf, at * ENTRY + 31)]);
    // `record` replaces the open map instead of changing it, so the mark may keep this one.
    return { count: this.count, ranges, open: this.open };
  }

  /**
   * Undoes every {@link record} since `m` was taken: only entries open at the mark are ever
   * extended, and entries appended after it are dropped.
   */
  rollback(m: HtlcHistoryMark): void {
    this.count = m.count;
    for (const [at, first, last] of m.ranges) {
      writeU48(this.buf, at * ENTRY + 25, first);
      writeU48(this.buf, at * ENTRY + 31, last);
    }
    this.open = m.open;
  }

  /**
   * The entries in memory: u32 count, the entries, then the open entries' indices (u32 count,
   * u32 each). {@link archivedCount} is the monitor's to persist beside it.
   */
  encode(): Uint8Array {
    const out = new Uint8Array(4 + this.count * ENTRY + 4 + this.open.size * 4);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, this.count);
    out.set(this.buf.subarray(0, this.count * ENTRY), 4);
    let o = 4 + this.count * ENTRY;
    dv.setUint32(o, this.open.size);
    o += 4;
    for (const at of this.open.values()) {
      dv.setUint32(o, at);
      o += 4;
    }
    return out;
  }

  /**
   * Reads what {@link encode} wrote, with `archived` entries in the store before them; a
   * {@link DecodeError} for a wrong length or an inconsistent entry.
   */
  static decode(b: Uint8Array, archived = 0): CounterpartyHtlcHistory | DecodeError {
    if (b.length < 8) return new DecodeError('ShortRead', 'htlc history too short');
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    const count = dv.getUint32(0);
    if (b.length < 4 + count * ENTRY + 4) return new DecodeError('ShortRead', 'htlc history entries');
    const h = new CounterpartyHtlcHistory();
    h.buf = b.slice(4, 4 + count * ENTRY);
    h.count = count;
    for (let i = 0; i < count; i++) {
      const o = i * ENTRY;
      if (h.buf[o + 24]! > 1) return new DecodeError('InvalidValue', `htlc history entry ${i}: flags`);
      if (readU48(h.buf, o + 25) > readU48(h.buf, o + 31)) return new DecodeError('InvalidValue', `htlc history entry ${i}: range`);
    }
    let o = 4 + count * ENTRY;
    const openCount = dv.getUint32(o);
    o += 4;
    if (b.length !== o + openCount * 4) return new DecodeError('InvalidValue', 'htlc history length');
    const open = new Map<string, number>();
    for (let i = 0; i < openCount; i++) {
      const at = dv.getUint32(o);
      o += 4;
      if (at >= count) return new DecodeError('InvalidValue', `htlc history open entry ${at}`);
      const e = at * ENTRY;
      const key = `${toHex(h.buf.subarray(e, e + 20))}${dv.getUint32(4 + e + 20)}${h.buf[e + 24] === 1 ? 'o' : 'r'}`;
      if (open.has(key)) return new DecodeError('InvalidValue', `htlc history open entry ${at} twice`);
      open.set(key, at);
    }
    h.open = open;
    if (!Number.isSafeInteger(archived) || archived < 0 || archived > Number.MAX_SAFE_INTEGER / ENTRY) {
      return new DecodeError('InvalidValue', 'htlc history archived count');
    }
    h.archived = archived;
    return h;
  }
}
