import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeWitnessSignature } from '../../src/bitcoin/der.js';
import { p2wshForScript } from '../../src/bitcoin/outputs.js';
import { parseTx, serializeTx, txid } from '../../src/bitcoin/serialize.js';
import type { OutPoint } from '../../src/bitcoin/tx.js';
import { ChainMonitor } from '../../src/chain/chainmonitor.js';
import { ChannelMonitor } from '../../src/chain/channelmonitor.js';
import type { Filter, WatchedOutput } from '../../src/chain/filter.js';
import type { MonitorEvent } from '../../src/chain/watch.js';
import { sha256d } from '../../src/crypto/backend.js';
import { verifyFundingSpend } from '../../src/ln/chan_utils/signing.js';
import type { KeysManager } from '../../src/sign/keys_manager.js';
import { compareBytes } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import type { LogRecord } from '../../src/util/logger.js';
import { crypto, type FundedPair, fundedPair, header, spendOf, TestPersister, upd } from './support.js';

interface Rig {
  cm: ChainMonitor;
  persister: TestPersister;
  broadcasts: Uint8Array[][];
  logs: LogRecord[];
  filter: { txs: Uint8Array[]; outputs: WatchedOutput[] };
}

function rig(keys: KeysManager, withFilter = true): Rig {
  const persister = new TestPersister();
  const broadcasts: Uint8Array[][] = [];
  const logs: LogRecord[] = [];
  const filter = { txs: [] as Uint8Array[], outputs: [] as WatchedOutput[] };
  const source: Filter = { registerTx: (t) => filter.txs.push(t), registerOutput: (o) => filter.outputs.push(o) };
  const cm = new ChainMonitor(
    withFilter ? source : undefined,
    { broadcastTransactions: (txs) => broadcasts.push([...txs]) },
    { log: (r) => logs.push(r) },
    { getEstSatPer1000Weight: () => 253 },
    persister,
    keys,
    crypto,
  );
  return { cm, persister, broadcasts, logs, filter };
}

/** Bob's side: his node keys and his monitor (he holds a commitment Alice signed). */
function bobRig(p: FundedPair, withFilter = true): Rig & { monitor: ChannelMonitor } {
  const r = rig(p.bob.keys, withFilter);
  return { ...r, monitor: ChannelMonitor.create(p.bobInit, crypto) };
}

function kinds(evs: MonitorEvent[]): string[] {
  return evs.map((e) => (e.kind === 'Completed' ? `Completed:${e.monitorUpdateId}` : e.kind));
}

const shutdown = (b: number) => ({ kind: 'ShutdownScript' as const, script: Uint8Array.of(0, 20, ...new Uint8Array(20).fill(b)) });

describe('ChainMonitor', () => {
  test('watches a channel once, persisting it and registering its funding output with the filter', () => {
    const p = fundedPair();
    const r = bobRig(p);
    assert.equal(r.cm.watchChannel(p.outpoint, r.monitor), 'completed');
    assert.deepEqual(r.persister.calls.map((c) => c.kind), ['new']);
    assert.deepEqual(r.filter.txs, [p.outpoint.txid]);
    assert.deepEqual(r.filter.outputs, [{ blockHash: undefined, outpoint: p.outpoint, scriptPubkey: p.funding.outputs[0]!.script }]);
    assert.equal(p2wshForScript(r.monitor.fundingScript, crypto).join(), p.funding.outputs[0]!.script.join());

    const again = ChannelMonitor.create(p.bobInit, crypto);
    assert.equal(r.cm.watchChannel(p.outpoint, again), 'unrecoverable', 'a duplicate funding outpoint is refused');
    assert.equal(r.persister.calls.length, 1, 'and not persisted');
    assert.equal(r.cm.getMonitor(p.outpoint), r.monitor, 'the first monitor stays');
    const wrong: OutPoint = { txid: p.outpoint.txid, vout: 1 };
    assert.equal(r.cm.watchChannel(wrong, again), 'unrecoverable', 'a monitor handed over under another outpoint is refused');
    assert.deepEqual(r.cm.watchedOutputs(), [p.outpoint]);
    assert.deepEqual(r.cm.listMonitors(), [{ fundingOutpoint: p.outpoint, channelId: p.bobInit.channelId }]);
    assert.deepEqual(r.cm.releasePendingMonitorEvents(), [], 'synchronous persistence needs no Completed event');
  });

  test('updates are applied then persisted; refused or unknown ones are unrecoverable and not persisted', () => {
    const p = fundedPair();
    const r = bobRig(p);
    r.cm.watchChannel(p.outpoint, r.monitor);
    assert.equal(r.cm.updateChannel(p.outpoint, upd(p.bobInit, 1n, shutdown(1))), 'completed');
    assert.deepEqual(r.persister.calls.at(-1)?.updateId, 1n);
    assert.equal(r.monitor.latestUpdateId, 1n);
    const persisted = ChannelMonitor.read(r.persister.calls.at(-1)!.bytes, crypto);
    assert.ok(!(persisted instanceof DecodeError));
    assert.equal(persisted.latestUpdateId, 1n, 'the persister saw the monitor with the update applied');

    const n = r.persister.calls.length;
    assert.equal(r.cm.updateChannel(p.outpoint, upd(p.bobInit, 1n, shutdown(2))), 'unrecoverable', 'duplicate id');
    assert.equal(r.cm.updateChannel({ txid: new Uint8Array(32), vout: 0 }, upd(p.bobInit, 2n, shutdown(2))), 'unrecoverable', 'unknown outpoint');
    assert.equal(r.persister.calls.length, n);
    assert.ok(r.logs.some((l) => l.level === 'error' && /refused update 1/.test(l.message)));

    r.persister.next('unrecoverable');
    assert.equal(r.cm.updateChannel(p.outpoint, upd(p.bobInit, 2n, shutdown(2))), 'unrecoverable', 'the persister’s verdict passes through');
    r.persister.next('unrecoverable');
    assert.equal(r.cm.watchChannel(fundedPair(900_000n).outpoint, ChannelMonitor.create(fundedPair(900_000n).bobInit, crypto)), 'unrecoverable');
    assert.deepEqual(r.cm.releasePendingMonitorEvents(), []);
  });

  test('asynchronous persistence: no Completed event until every update up to an id is stored, then that id', () => {
    const p = fundedPair();
    const r = bobRig(p);
    r.persister.next('in-progress');
    assert.equal(r.cm.watchChannel(p.outpoint, r.monitor), 'in-progress');
    r.persister.next('in-progress', 'in-progress', 'completed', 'in-progress');
    assert.equal(r.cm.updateChannel(p.outpoint, upd(p.bobInit, 1n, shutdown(1))), 'in-progress');
    assert.equal(r.cm.updateChannel(p.outpoint, upd(p.bobInit, 2n, shutdown(2))), 'in-progress');
    assert.equal(r.cm.updateChannel(p.outpoint, upd(p.bobInit, 3n, shutdown(3))), 'completed');
    assert.equal(r.cm.updateChannel(p.outpoint, upd(p.bobInit, 4n, shutdown(4))), 'in-progress');
    assert.deepEqual(r.cm.pendingUpdates(p.outpoint), [0n, 1n, 2n, 4n]);
    assert.deepEqual(r.cm.releasePendingMonitorEvents(), []);

    r.cm.channelMonitorUpdated(p.outpoint, 2n);
    assert.deepEqual(r.cm.releasePendingMonitorEvents(), [], 'update 2 stored, but the monitor itself (0) and 1 are not');
    r.cm.channelMonitorUpdated(p.outpoint, 0n);
    const first = r.cm.releasePendingMonitorEvents();
    assert.deepEqual(kinds(first), ['Completed:0']);
    assert.deepEqual(first[0], { kind: 'Completed', channelId: p.bobInit.channelId, fundingOutpoint: p.outpoint, monitorUpdateId: 0n });
    r.cm.channelMonitorUpdated(p.outpoint, 1n);
    assert.deepEqual(kinds(r.cm.releasePendingMonitorEvents()), ['Completed:3'], '1 and 2 stored, 3 was synchronous; 4 still pending');
    r.cm.channelMonitorUpdated(p.outpoint, 1n);
    r.cm.channelMonitorUpdated(p.outpoint, 7n);
    assert.deepEqual(r.cm.releasePendingMonitorEvents(), [], 'ids not in progress are ignored');
    assert.ok(r.logs.some((l) => l.level === 'warn' && /not in progress/.test(l.message)));
    r.cm.channelMonitorUpdated(p.outpoint, 4n);
    assert.deepEqual(kinds(r.cm.releasePendingMonitorEvents()), ['Completed:4']);
    assert.deepEqual(r.cm.pendingUpdates(p.outpoint), []);
  });

  for (const anchors of [false, true]) {
    test(`a force close with shouldBroadcast broadcasts our commitment, signed by both funding keys (${anchors ? 'anchors' : 'static_remotekey'})`, () => {
      const p = fundedPair(1_000_000n, anchors);
      for (const [init, keys] of [[p.bobInit, p.bob.keys], [p.aliceInit, p.alice.keys]] as const) {
        const r = rig(keys);
        r.cm.watchChannel(init.fundingOutpoint, ChannelMonitor.create(init, crypto));
        assert.equal(r.cm.updateChannel(init.fundingOutpoint, upd(init, 1n, { kind: 'ChannelForceClosed', shouldBroadcast: false })), 'completed');
        assert.equal(r.broadcasts.length, 0, 'no broadcast when the channel says not to');
        assert.equal(r.cm.updateChannel(init.fundingOutpoint, upd(init, 2n, { kind: 'ChannelForceClosed', shouldBroadcast: true })), 'completed');
        assert.equal(r.broadcasts.length, 1);
        assert.equal(r.broadcasts[0]!.length, 1);
        const tx = parseTx(r.broadcasts[0]![0]!);
        assert.ok(!(tx instanceof DecodeError));
        assert.deepEqual(txid(tx, crypto), txid(init.holderCommitment.tx, crypto), 'our latest commitment');
        assert.deepEqual(tx.inputs[0]!.prevout, init.fundingOutpoint);
        const w = tx.inputs[0]!.witness;
        assert.equal(w.length, 4);
        assert.deepEqual(w[3], init.fundingScript);
        const keysSorted = [init.holderPubkeys.fundingPubkey, init.counterpartyPubkeys.fundingPubkey].sort(compareBytes);
        for (const [i, key] of keysSorted.entries()) {
          const d = decodeWitnessSignature(w[1 + i]!);
          assert.ok(!(d instanceof DecodeError));
          assert.ok(verifyFundingSpend(tx, init.fundingScript, init.channelValueSatoshis, d.sig, key, crypto));
        }
      }
    });
  }

  test('blocks and transactions reach every monitor; only the spent channel reports, and a reorg undoes it', () => {
    const a = fundedPair(1_000_000n);
    const b = fundedPair(700_000n);
    assert.notDeepEqual(a.outpoint, b.outpoint);
    const r = rig(a.bob.keys, false);
    r.cm.watchChannel(a.outpoint, ChannelMonitor.create(a.bobInit, crypto));
    r.cm.watchChannel(b.outpoint, ChannelMonitor.create(b.bobInit, crypto));
    const h1 = header(new Uint8Array(32), 1);
    const spend = spendOf(b.outpoint);
    const spendTxid = txid(spend, crypto);
    r.persister.calls.length = 0;

    // Listen: the block with b's spend (and a garbage transaction, skipped).
    r.cm.filteredBlockConnected(h1, [{ index: 1, tx: Uint8Array.of(0xff) }, { index: 2, tx: serializeTx(spend) }], 500);
    assert.ok(r.logs.some((l) => /unparseable/.test(l.message)));
    assert.deepEqual(r.persister.calls.map((c) => [c.kind, c.updateId]), [['update', null]], 'the changed monitor is persisted whole');
    assert.deepEqual(r.cm.getMonitor(a.outpoint)!.bestBlock, { blockHash: sha256d(crypto, h1), height: 500 }, 'every monitor follows the tip');
    assert.deepEqual(r.cm.getRelevantTxids(), [{ txid: spendTxid, height: 500, blockHash: sha256d(crypto, h1) }]);
    const evs = r.cm.releasePendingMonitorEvents();
    assert.deepEqual(kinds(evs), ['FundingSpent']);
    const ev = evs[0]!;
    assert.ok(ev.kind === 'FundingSpent');
    assert.deepEqual(ev.fundingOutpoint, b.outpoint);
    assert.deepEqual(ev.txid, spendTxid);
    assert.equal(ev.height, 500);

    r.cm.blockDisconnected(h1, 500);
    assert.equal(r.cm.getMonitor(b.outpoint)!.fundingSpend, undefined);
    assert.deepEqual(r.cm.getRelevantTxids(), []);

    // Confirm: the same spend, then unconfirmed, then confirmed again.
    r.cm.transactionsConfirmed(h1, [{ index: 2, tx: serializeTx(spend) }], 501);
    r.cm.bestBlockUpdated(h1, 501);
    assert.deepEqual(kinds(r.cm.releasePendingMonitorEvents()), ['FundingSpent']);
    r.cm.transactionUnconfirmed(spendTxid);
    assert.deepEqual(r.cm.getRelevantTxids(), []);
    r.cm.transactionsConfirmed(h1, [{ index: 2, tx: serializeTx(spend) }], 502);
    const back = r.cm.releasePendingMonitorEvents();
    assert.deepEqual(kinds(back), ['FundingSpent'], 'the consumer sees the spend again');
    assert.equal((back[0] as { height: number }).height, 502);
    assert.equal(r.cm.getMonitor(a.outpoint)!.fundingSpend, undefined, 'the other channel saw nothing');
  });

  test('monitors restored from persisted bytes watch the same outputs', () => {
    const a = fundedPair(1_000_000n);
    const b = fundedPair(800_000n);
    const r = rig(a.bob.keys);
    r.cm.watchChannel(a.outpoint, ChannelMonitor.create(a.bobInit, crypto));
    r.cm.watchChannel(b.outpoint, ChannelMonitor.create(b.bobInit, crypto));
    r.cm.updateChannel(b.outpoint, upd(b.bobInit, 1n, shutdown(9)));
    const stored = new Map<string, Uint8Array>();
    for (const m of r.cm.listMonitors()) stored.set(m.channelId.join(), r.cm.getMonitor(m.fundingOutpoint)!.write());

    const again = rig(a.bob.keys);
    for (const bytes of [...stored.values()].reverse()) {
      const m = ChannelMonitor.read(bytes, crypto);
      assert.ok(!(m instanceof DecodeError));
      assert.equal(again.cm.watchChannel(m.fundingOutpoint, m), 'completed');
    }
    assert.deepEqual(again.cm.watchedOutputs(), r.cm.watchedOutputs());
    assert.equal(again.cm.getMonitor(b.outpoint)!.latestUpdateId, 1n);
    assert.equal(again.cm.updateChannel(b.outpoint, upd(b.bobInit, 2n, shutdown(8))), 'completed', 'updates continue after the restart');
  });
});
