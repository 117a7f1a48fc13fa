/**
 * A monitor with an `HtlcHistoryStore` keeps only the HTLCs still in flight (and fewer than a
 * flush's worth of finished ones), so its memory and its serialization stay bounded however many
 * payments the channel carries, while every revoked commitment stays punishable whole: the
 * records it moved out are read back when a revoked commitment appears (BOLT 5 §"Revoked
 * Transaction Close Handling"). Also: a store that fails costs memory, never a penalty; a store
 * that lost records is reported; a replay after a crash writes the same bytes at the same place.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { p2wshForScript } from '../../src/bitcoin/outputs.js';
import type { OutPoint, Transaction } from '../../src/bitcoin/tx.js';
import { ChannelMonitor } from '../../src/chain/channelmonitor.js';
import type { ChannelMonitorUpdate } from '../../src/chain/channelmonitor_update.js';
import { CounterpartyHtlcHistory, HTLC_HISTORY_ENTRY_BYTES, HTLC_HISTORY_FLUSH_ENTRIES, SCAN_CHUNK_ENTRIES } from '../../src/chain/htlc_history.js';
import { type HtlcHistoryStore, MemoryHtlcHistoryStore } from '../../src/chain/htlc_history_store.js';
import { DecodeError } from '../../src/util/errors.js';
import { apply } from '../ln/channel/harness.js';
import { add, commitBoth, feed, type Party, usable } from './monitored_pair.js';
import { crypto } from './support.js';

const ENTRY = HTLC_HISTORY_ENTRY_BYTES;
/** A small flush keeps the runs short (the pure-JS backend signs every commitment); the default is checked apart. */
const FLUSH = 8;

/** A memory store whose writes can be made to fail and whose reads can lose their tail. */
class TestStore implements HtlcHistoryStore {
  readonly inner = new MemoryHtlcHistoryStore();
  failWrites: 'no' | 'false' | 'throw' = 'no';
  writes = 0;
  /** Bytes cut from the end of what a read returns (records lost). */
  lose = 0;
  write(channel: OutPoint, offset: number, data: Uint8Array): boolean {
    if (this.failWrites === 'throw') throw new Error('disk full');
    if (this.failWrites === 'false') return false;
    this.writes++;
    return this.inner.write(channel, offset, data);
  }
  reads = 0;
  read(channel: OutPoint, offset: number, length: number): Uint8Array | undefined {
    this.reads++;
    const b = this.inner.read(channel, offset, length);
    const lost = this.inner.byteLength(channel) - this.lose;
    return b && this.lose > 0 ? b.subarray(0, Math.max(0, Math.min(b.length, lost - offset))) : b;
  }
}

interface Pair {
  alice: Party;
  bob: Party;
  /** The next HTLC id each side offers, so a payment's fulfill names its HTLC. */
  next: Map<Party, bigint>;
}

/** A usable channel whose monitors use `stores`, flushing every {@link FLUSH} finished HTLCs unless `flush` says otherwise (`{}`: the default). */
function pair(stores: { alice?: HtlcHistoryStore; bob?: HtlcHistoryStore }, flush: { htlcHistoryFlushEntries?: number } = { htlcHistoryFlushEntries: FLUSH }): Pair {
  const opts = (htlcHistory?: HtlcHistoryStore) => ({ htlcHistory, ...flush });
  const { alice, bob } = usable(false, { alice: opts(stores.alice), bob: opts(stores.bob) });
  return { alice, bob, next: new Map([[alice, 0n], [bob, 0n]]) };
}

/**
 * Payment `i` from `from`, settled: add, commit, fulfill, commit. Returns Bob's commitment while
 * it carried the HTLC, which the settlement revokes: a transaction Alice must be able to punish.
 */
function pay(p: Pair, from: Party, i: number): Transaction {
  const to = from === p.alice ? p.bob : p.alice;
  const preimage = crypto.sha256(Uint8Array.of(i >>> 8, i & 0xff, from === p.alice ? 1 : 2));
  const id = p.next.get(from)!;
  p.next.set(from, id + 1n);
  // Above the dust limit plus the HTLC transaction's fee at 2,500 sat/kW (2,111 sat), so every HTLC has an output.
  add(from, 3_000_000n + BigInt(i) * 1000n, preimage, 500 + (i % 50));
  commitBoth(p.alice, p.bob);
  const held = p.bob.monitor.holderCommitment.tx;
  apply(to.side, { kind: 'fulfill-htlc', id, preimage });
  feed(to);
  commitBoth(p.alice, p.bob);
  return held;
}

/** Every output of `tx` a penalty from `m` takes: checks the scripts against the outputs and returns the kinds. */
function punishable(m: ChannelMonitor, tx: Transaction): string[] {
  const r = m.revokedCommitment(tx);
  assert.ok(r, 'recognised as revoked');
  assert.equal(r.htlcHistoryComplete, true);
  for (const o of r.outputs) assert.deepEqual(p2wshForScript(o.witnessScript, crypto), tx.outputs[o.vout]!.script);
  return r.outputs.map((o) => o.kind).sort();
}

const h = (n: number, offered = true, cltv = 500) => ({ offered, amountMsat: 1_000_000n, cltvExpiry: cltv, paymentHash: crypto.sha256(Uint8Array.of(n)) });

describe('a monitor with an HTLC history store', () => {
  test('stays bounded over 120 payments both ways, and punishes every revoked commitment after a restart', () => {
    const stores = { alice: new MemoryHtlcHistoryStore(), bob: new MemoryHtlcHistoryStore() };
    const p = pair(stores);
    const revoked: Array<{ tx: Transaction; from: 'alice' | 'bob' }> = [];
    const sizes: number[] = [];
    for (let i = 0; i < 120; i++) {
      const from = i % 3 === 2 ? p.bob : p.alice;
      const tx = pay(p, from, i);
      if (i % 5 === 0) revoked.push({ tx, from: from === p.alice ? 'alice' : 'bob' });
      for (const m of [p.alice.monitor, p.bob.monitor]) {
        // In flight: nothing once settled. Finished: fewer than a flush's worth.
        assert.ok(m.counterpartyHtlcHistoryBytes < FLUSH * ENTRY, `payment ${i}: ${m.counterpartyHtlcHistoryBytes} bytes in memory`);
      }
      sizes.push(p.alice.monitor.write().length);
    }
    // Each payment is one HTLC on their commitments: all but the unflushed ones are in the store.
    assert.ok(p.alice.monitor.archivedHtlcCount > 120 - FLUSH, `archived ${p.alice.monitor.archivedHtlcCount}`);
    assert.equal(stores.alice.byteLength(p.alice.monitor.fundingOutpoint), p.alice.monitor.archivedHtlcCount * ENTRY);
    // Serialized, the monitor does not grow with the history: the last 40 payments' largest
    // monitor is no larger than the middle 40's, give or take the per-commitment secret store
    // filling a slot (BOLT 3 keeps log2(n) of them). Without a store it would grow 37 B per payment.
    const max = (a: number[]) => Math.max(...a);
    assert.ok(max(sizes.slice(80)) - max(sizes.slice(40, 80)) <= 2 * 40, `${max(sizes.slice(40, 80))} then ${max(sizes.slice(80))}`);

    // Restarted from its serialization, with the same store: every sampled revoked commitment of
    // Bob's is punished whole, the HTLC output included, whichever way the payment went.
    const restarted = ChannelMonitor.read(p.alice.monitor.write(), crypto, { htlcHistory: stores.alice });
    assert.ok(!(restarted instanceof DecodeError));
    for (const { tx, from } of revoked) {
      assert.deepEqual(punishable(restarted, tx), [from === 'alice' ? 'received_htlc' : 'offered_htlc', 'to_local'].sort());
    }
    // Read without its store, the monitor could not do that: refused.
    const blind = ChannelMonitor.read(p.alice.monitor.write(), crypto);
    assert.ok(blind instanceof DecodeError && /history store/.test(blind.message));
  });

  for (const how of ['false', 'throw'] as const) {
    test(`a store that fails (${how === 'false' ? 'returns false' : 'throws'}) costs memory, not a penalty, and is retried`, () => {
      const store = new TestStore();
      store.failWrites = how;
      const p = pair({ alice: store });
      const txs: Transaction[] = [];
      for (let i = 0; i < FLUSH + 6; i++) txs.push(pay(p, p.alice, i));
      assert.equal(p.alice.monitor.archivedHtlcCount, 0);
      assert.equal(p.alice.monitor.counterpartyHtlcHistoryBytes, (FLUSH + 6) * ENTRY, 'every record kept in memory');
      assert.deepEqual(punishable(p.alice.monitor, txs[0]!), ['received_htlc', 'to_local']);
      store.failWrites = 'no';
      txs.push(pay(p, p.alice, FLUSH + 6));
      // The first update after it recovers writes every finished record; the new payment's own
      // record finishes after that and waits for the next flush.
      assert.equal(p.alice.monitor.archivedHtlcCount, FLUSH + 6, 'all written once the store works');
      assert.equal(p.alice.monitor.counterpartyHtlcHistoryBytes, ENTRY);
      for (const tx of [txs[0]!, txs[FLUSH]!, txs.at(-1)!]) assert.deepEqual(punishable(p.alice.monitor, tx), ['received_htlc', 'to_local']);
    });
  }

  test('records the store lost are reported as incomplete, not passed over', () => {
    const store = new TestStore();
    const p = pair({ alice: store });
    const txs: Transaction[] = [];
    for (let i = 0; i < FLUSH; i++) txs.push(pay(p, p.alice, i));
    assert.equal(p.alice.monitor.archivedHtlcCount, FLUSH);
    store.lose = ENTRY; // the last record written is gone
    const r = p.alice.monitor.revokedCommitment(txs.at(-1)!);
    assert.ok(r);
    assert.equal(r.htlcHistoryComplete, false);
    assert.deepEqual(r.outputs.map((o) => o.kind), ['to_local'], 'its HTLC output cannot be named');
    const earlier = p.alice.monitor.revokedCommitment(txs[0]!);
    assert.ok(earlier && !earlier.htlcHistoryComplete, 'any read short of the count is reported');
    assert.deepEqual(earlier.outputs.map((o) => o.kind).sort(), ['received_htlc', 'to_local'], 'what the store still has is used');
  });

  test('an update replayed after a crash writes the same records at the same place', () => {
    const store = new TestStore();
    const p = pair({ alice: store });
    const first = pay(p, p.alice, 0);
    for (let i = 1; i < FLUSH - 1; i++) pay(p, p.alice, i);
    assert.equal(store.writes, 0);
    // The last monitor Alice persisted before the flush; the updates after it go to her log.
    const persisted = p.alice.monitor.write();
    p.alice.log = [];
    const tx = pay(p, p.alice, FLUSH - 1);
    assert.equal(store.writes, 1, 'the flush wrote once');
    const afterFlush = p.alice.monitor.write();
    const stored = store.inner.read(p.alice.monitor.fundingOutpoint, 0, 1 << 20)!;
    // Crash before the updates were persisted: the old monitor is read with a store that is ahead.
    const back = ChannelMonitor.read(persisted, crypto, { htlcHistory: store, htlcHistoryFlushEntries: FLUSH });
    assert.ok(!(back instanceof DecodeError));
    assert.equal(back.archivedHtlcCount, 0, 'the persisted monitor counts none of the records written after it');
    assert.deepEqual(punishable(back, first), ['received_htlc', 'to_local']);
    for (const u of p.alice.log) assert.equal(back.update(u), null);
    assert.deepEqual(punishable(back, tx), ['received_htlc', 'to_local']);
    assert.equal(store.writes, 2);
    assert.deepEqual(back.write(), afterFlush, 'the replayed monitor is the one that flushed');
    assert.deepEqual(store.inner.read(p.alice.monitor.fundingOutpoint, 0, 1 << 20), stored, 'the same bytes at the same offset');
  });

  test('a refused update writes nothing to the store', () => {
    const store = new TestStore();
    const p = pair({ alice: store });
    for (let i = 0; i < FLUSH; i++) pay(p, p.alice, i);
    const writes = store.writes;
    const before = p.alice.monitor.write();
    const bad: ChannelMonitorUpdate = {
      updateId: p.alice.monitor.latestUpdateId + 1n,
      channelId: p.alice.monitor.channelId,
      steps: [{ kind: 'CommitmentSecret', commitmentNumber: 5n, secret: new Uint8Array(32).fill(1) }],
    };
    assert.equal(p.alice.monitor.update(bad)?.kind, 'InvalidSecret');
    assert.equal(store.writes, writes);
    assert.deepEqual(p.alice.monitor.write(), before);
  });
});

describe('the default flush', () => {
  test(`writes ${HTLC_HISTORY_FLUSH_ENTRIES} finished records at a time; a flush size must be a positive integer`, () => {
    const store = new TestStore();
    const p = pair({ alice: store }, {});
    const alice = p.alice;
    for (let i = 0; i < HTLC_HISTORY_FLUSH_ENTRIES - 1; i++) pay(p, alice, i);
    assert.equal(store.writes, 0);
    assert.equal(alice.monitor.counterpartyHtlcHistoryBytes, (HTLC_HISTORY_FLUSH_ENTRIES - 1) * ENTRY);
    // The update that finishes the 64th record writes all of them.
    pay(p, alice, HTLC_HISTORY_FLUSH_ENTRIES - 1);
    assert.equal(store.writes, 1);
    assert.equal(alice.monitor.archivedHtlcCount, HTLC_HISTORY_FLUSH_ENTRIES);
    assert.equal(alice.monitor.counterpartyHtlcHistoryBytes, 0);
    for (const bad of [0, -1, 1.5]) assert.throws(() => ChannelMonitor.read(alice.monitor.write(), crypto, { htlcHistory: store, htlcHistoryFlushEntries: bad }));
  });
});

describe('CounterpartyHtlcHistory.flushTo', () => {
  const channel: OutPoint = { txid: new Uint8Array(32).fill(7), vout: 1 };
  const kinds = (r: { htlcs: Array<{ offered: boolean; cltvExpiry: number }> }) => r.htlcs.map((x) => `${x.offered ? 'o' : 'r'}${x.cltvExpiry}`).sort();

  test('moves closed entries out, keeps open ones extendable, and answers across both', () => {
    const store = new MemoryHtlcHistoryStore();
    const hist = new CounterpartyHtlcHistory();
    hist.record(1n, [h(1), h(2, false)]);
    hist.record(2n, [h(2, false), h(3)]);
    hist.record(3n, [h(3), h(4, true, 700)]);
    assert.equal(hist.closedCount, 2, 'h(1) and h(2) are on no later commitment');
    assert.ok(hist.flushTo(store, channel));
    assert.equal(hist.archivedCount, 2);
    assert.equal(hist.size, 2);
    assert.equal(store.byteLength(channel), 2 * ENTRY);
    // The open entries are still extended, not duplicated.
    hist.record(4n, [h(3)]);
    assert.equal(hist.size, 2);
    assert.deepEqual(kinds(hist.htlcsOn(1n, store, channel)), ['o500', 'r500']);
    assert.deepEqual(kinds(hist.htlcsOn(2n, store, channel)), ['o500', 'r500'], 'h(3) from memory, h(2) from the store');
    assert.deepEqual(kinds(hist.htlcsOn(4n, store, channel)), ['o500']);
    assert.equal(hist.htlcsOn(1n, store, channel).complete, true);
    assert.equal(hist.htlcsOn(1n).complete, false, 'archived entries without their store');
    // Round trip with the archived count the monitor persists beside it.
    const back = CounterpartyHtlcHistory.decode(hist.encode(), hist.archivedCount);
    assert.ok(!(back instanceof DecodeError));
    assert.equal(back.archivedCount, 2);
    assert.deepEqual(kinds(back.htlcsOn(2n, store, channel)), ['o500', 'r500']);
    back.record(5n, [h(3)]);
    assert.equal(back.size, 2);
    // A second flush appends after the first.
    back.record(6n, []);
    assert.ok(back.flushTo(store, channel));
    assert.equal(back.archivedCount, 4);
    assert.equal(back.size, 0);
    assert.deepEqual(kinds(back.htlcsOn(3n, store, channel)), ['o500', 'o700']);
    assert.ok(CounterpartyHtlcHistory.decode(hist.encode(), -1) instanceof DecodeError);
    assert.ok(CounterpartyHtlcHistory.decode(hist.encode(), 0.5) instanceof DecodeError);
  });

  test('scans a long archive in chunks, finding entries in every chunk', () => {
    const store = new TestStore();
    const hist = new CounterpartyHtlcHistory();
    // One HTLC per commitment, each on that commitment alone: SCAN_CHUNK_ENTRIES + 10 entries.
    const total = SCAN_CHUNK_ENTRIES + 10;
    for (let i = 0; i < total; i++) hist.record(BigInt(i), [{ ...h(0), cltvExpiry: i }]);
    hist.record(BigInt(total), []);
    assert.ok(hist.flushTo(store, channel));
    assert.equal(hist.archivedCount, total);
    for (const n of [0, SCAN_CHUNK_ENTRIES - 1, SCAN_CHUNK_ENTRIES, total - 1]) {
      store.reads = 0;
      const r = hist.htlcsOn(BigInt(n), store, channel);
      assert.equal(store.reads, 2, 'two chunks');
      assert.equal(r.complete, true);
      assert.deepEqual(r.htlcs.map((x) => x.cltvExpiry), [n]);
    }
    // Losing the tail of the second chunk is seen.
    store.lose = 5 * ENTRY;
    assert.equal(hist.htlcsOn(0n, store, channel).complete, false);
    assert.deepEqual(hist.htlcsOn(BigInt(total - 6), store, channel).htlcs.map((x) => x.cltvExpiry), [total - 6]);
    assert.deepEqual(hist.htlcsOn(BigInt(total - 1), store, channel).htlcs, []);
  });
});
