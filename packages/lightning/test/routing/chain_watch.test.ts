// A gossip channel leaves the graph when a block spends its funding output (BOLT 7): the graph
// learns the outpoint from chain.Access, GraphChainWatcher (a Listen) sees the spend.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { p2wshForScript } from '../../src/bitcoin/outputs.js';
import { serializeTx } from '../../src/bitcoin/serialize.js';
import type { OutPoint, Transaction } from '../../src/bitcoin/tx.js';
import type { Filter, WatchedOutput } from '../../src/chain/filter.js';
import type { Access } from '../../src/chain/interfaces.js';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import { fundingScript } from '../../src/ln/chan_utils/scripts.js';
import { GraphChainWatcher, NetGraphMsgHandler, NetworkGraph } from '../../src/routing/index.js';
import { DecodeError } from '../../src/util/errors.js';
import { nullLogger } from '../../src/util/logger.js';
import { announcement, chain, peer, update } from './gossip_helpers.js';

const FUNDING: OutPoint = { txid: new Uint8Array(32).fill(0xab), vout: 1 };

function spending(...prevouts: OutPoint[]): Uint8Array {
  const tx: Transaction = {
    version: 2,
    inputs: prevouts.map((prevout) => ({ prevout, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] })),
    outputs: [{ value: 1000n, script: new Uint8Array(22) }],
    locktime: 0,
  };
  return serializeTx(tx);
}

function setup(withOutpoint: boolean, filter?: Filter) {
  const a = announcement(1, 2, 700n << 40n);
  const script = p2wshForScript(fundingScript(a.bitcoinKey1, a.bitcoinKey2), crypto);
  const access: Access = { getUtxo: () => ({ value: 500_000n, script, ...(withOutpoint ? { outpoint: FUNDING } : {}) }) };
  const graph = new NetworkGraph(chain);
  const h = new NetGraphMsgHandler(graph, access, nullLogger, crypto, filter ? { filter } : {});
  assert.equal(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a }), true);
  assert.equal(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 100) }), true);
  return { graph, scid: a.shortChannelId };
}

describe('GraphChainWatcher', () => {
  test('a block spending the funding output removes the channel; other spends do not', () => {
    const { graph, scid } = setup(true);
    assert.deepEqual(graph.channel(scid)?.fundingOutpoint, FUNDING);
    const w = new GraphChainWatcher(graph, nullLogger);
    w.filteredBlockConnected(new Uint8Array(80), [{ index: 1, tx: spending({ txid: FUNDING.txid, vout: 0 }) }, { index: 2, tx: Uint8Array.of(1, 2, 3) }], 800);
    assert.ok(graph.channel(scid), 'another output of the funding transaction is not the channel');
    w.filteredBlockConnected(new Uint8Array(80), [{ index: 3, tx: spending({ txid: new Uint8Array(32), vout: 7 }, FUNDING) }], 801);
    assert.equal(graph.channel(scid), undefined);
    assert.equal(graph.size.nodes, 0, 'its nodes had no other channel');
    w.blockDisconnected(new Uint8Array(80), 801);
    assert.equal(graph.channel(scid), undefined, 'a reorg does not bring it back (gossip does)');
  });

  test('with a filtering chain source, each located funding output is registered for its spend', () => {
    const seen: WatchedOutput[] = [];
    const filter: Filter = { registerTx: () => assert.fail('no txids'), registerOutput: (o) => seen.push(o) };
    const { graph } = setup(true, filter);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]!.outpoint, FUNDING);
    const c = [...graph.allChannels()][0]!;
    assert.equal(seen[0]!.scriptPubkey.length, 34, 'the P2WSH 2-of-2');
    assert.ok(c.fundingOutpoint);
    const none: WatchedOutput[] = [];
    setup(false, { registerTx: () => {}, registerOutput: (o) => none.push(o) });
    assert.equal(none.length, 0, 'nothing to register without an outpoint');
  });

  test('without an outpoint from chain.Access nothing is watched', () => {
    const { graph, scid } = setup(false);
    new GraphChainWatcher(graph, nullLogger).filteredBlockConnected(new Uint8Array(80), [{ index: 1, tx: spending(FUNDING) }], 800);
    assert.ok(graph.channel(scid));
  });

  test('the outpoint survives write/read, and a version 1 graph (no outpoints) still reads', () => {
    const { graph, scid } = setup(true);
    const back = NetworkGraph.read(graph.write());
    assert.ok(!(back instanceof DecodeError));
    assert.deepEqual(back.channel(scid)?.fundingOutpoint, FUNDING);
    assert.equal(back.fundingSpent(FUNDING), scid);
    assert.equal(back.channel(scid), undefined);
    // Version 1 = version 2 without the outpoint byte(s) after each announcement.
    const { graph: plain } = setup(false);
    const v2 = plain.write();
    const v1 = NetworkGraph.read(v1Of(v2));
    assert.ok(!(v1 instanceof DecodeError), String(v1));
    assert.deepEqual(v1.write(), v2);
  });
});

/** The version 1 encoding of a one-channel graph without an outpoint: drop the presence byte. */
function v1Of(v2: Uint8Array): Uint8Array {
  // version(1) chain(32) count(1) scid(8) node1(33) node2(33) features(len 1 + 0) capacity flag(1)
  // [capacity 8] since(4) announcement(flag 1, bigsize len, bytes) outpoint flag(1) ...
  let off = 1 + 32 + 1 + 8 + 33 + 33;
  off += 1 + v2[off]!; // features
  off += v2[off] === 1 ? 9 : 1; // capacity
  off += 4; // unupdated since
  assert.equal(v2[off], 1, 'announcement kept');
  off += 1;
  const len = v2[off]! < 0xfd ? v2[off]! : (v2[off + 1]! << 8) | v2[off + 2]!;
  off += (v2[off]! < 0xfd ? 1 : 3) + len;
  assert.equal(v2[off], 0, 'no outpoint');
  const v1 = new Uint8Array(v2.length - 1);
  v1.set(v2.subarray(0, off));
  v1.set(v2.subarray(off + 1), off);
  v1[0] = 1;
  return v1;
}
