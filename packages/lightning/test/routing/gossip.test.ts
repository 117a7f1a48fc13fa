import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { p2wshForScript } from '../../src/bitcoin/outputs.js';
import type { Access } from '../../src/chain/interfaces.js';
import { chainHash } from '../../src/chain/network.js';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import { fundingScript } from '../../src/ln/chan_utils/scripts.js';
import { NetGraphMsgHandler } from '../../src/routing/gossip.js';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import { DecodeError, LightningError } from '../../src/util/errors.js';
import { nullLogger } from '../../src/util/logger.js';

import { announcement, chain, initFrom, nodeAnn, peer, pub, update } from './gossip_helpers.js';


describe('NetGraphMsgHandler (BOLT 7)', () => {
  test('announcements, updates and node announcements go into the graph; newer wins', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    const a = announcement(0, 1, 1n << 40n);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a }), true);
    assert.equal((h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a }) as LightningError).action.kind, 'ignore-duplicate-gossip');
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 100) }), true);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 1, 100, 5) }), true);
    assert.ok(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 99, 7) }) instanceof LightningError, 'older update refused');
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 101, 7) }), true);
    const c = h.graph.channel(1n << 40n)!;
    assert.equal(c.oneToTwo?.feeBaseMsat, 7);
    assert.equal(c.twoToOne?.feeBaseMsat, 5);
    assert.equal(c.capacitySat, undefined, 'no chain.Access: capacity unknown');
    assert.equal(h.handleGossipMessage(peer, { name: 'node_announcement', msg: nodeAnn(0, 50) }), true);
    assert.ok(h.handleGossipMessage(peer, { name: 'node_announcement', msg: nodeAnn(5, 50) }) instanceof LightningError, 'a node without channels is ignored');
    assert.equal(h.graph.node(pub(0))?.announcement?.timestamp, 50);
    assert.deepEqual(h.graph.size, { channels: 1, nodes: 2 });
  });

  test('bad signatures disconnect with a warning; wrong order or chain is ignored', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    const bad = h.handleGossipMessage(peer, { name: 'channel_announcement', msg: announcement(0, 1, 5n, { badSig: true }) });
    assert.ok(bad instanceof LightningError && bad.action.kind === 'disconnect-with-warning');
    const a = announcement(0, 1, 6n);
    const swapped = { ...a, nodeId1: a.nodeId2, nodeId2: a.nodeId1 };
    assert.ok(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: swapped }) instanceof LightningError);
    assert.ok(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: { ...a, chainHash: chainHash('bitcoin') } }) instanceof LightningError);
    h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a });
    const forged = update(a, 0, 10, 1000, 3); // signed by a node that is not node1
    const r = h.handleGossipMessage(peer, { name: 'channel_update', msg: forged });
    assert.ok(r instanceof LightningError && r.action.kind === 'disconnect-with-warning');
  });

  test('with chain.Access: the funding output must be the 2-of-2 P2WSH; its value is the capacity; unknown outputs are ignored', () => {
    const a = announcement(0, 1, 9n);
    const good = p2wshForScript(fundingScript(a.bitcoinKey1, a.bitcoinKey2), crypto);
    const access = (r: ReturnType<Access['getUtxo']>): Access => ({ getUtxo: () => r });
    let h = new NetGraphMsgHandler(new NetworkGraph(chain), access({ value: 500_000n, script: good }), nullLogger, crypto);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a }), true);
    assert.equal(h.graph.channel(9n)?.capacitySat, 500_000n);
    h = new NetGraphMsgHandler(new NetworkGraph(chain), access({ value: 500_000n, script: new Uint8Array(34) }), nullLogger, crypto);
    const wrong = h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a });
    assert.ok(wrong instanceof LightningError && wrong.action.kind === 'ignore', 'ignored, peer kept');
    // A funding output smaller than the channel's updates claim: the update is refused.
    h = new NetGraphMsgHandler(new NetworkGraph(chain), access({ value: 50_000n, script: good }), nullLogger, crypto);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a }), true);
    const tooBig = h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 10) }); // htlc_maximum 100,000 sat
    assert.ok(tooBig instanceof LightningError && tooBig.action.kind === 'ignore', 'htlc_maximum_msat above the output value');
    assert.equal(h.graph.channel(9n)?.oneToTwo, undefined);
    for (const e of ['UnknownTx', 'UnknownChain'] as const) {
      h = new NetGraphMsgHandler(new NetworkGraph(chain), access(e), nullLogger, crypto);
      const r = h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a });
      assert.ok(r instanceof LightningError && r.action.kind === 'ignore');
      assert.equal(h.graph.size.channels, 0);
    }
  });

  test('an asynchronous lookup: updates wait for it, then both are added and relayed', async () => {
    const a = announcement(0, 1, 11n);
    const good = p2wshForScript(fundingScript(a.bitcoinKey1, a.bitcoinKey2), crypto);
    let resolve!: (v: { value: bigint; script: Uint8Array }) => void;
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), { getUtxo: () => new Promise((r) => (resolve = r)) }, nullLogger, crypto);
    const other = pub(9);
    h.peerConnected(peer, initFrom({ gossipQueries: false }), true);
    h.peerConnected(other, initFrom({ gossipQueries: false }), true);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a }), false);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 10) }), false, 'waits for the lookup');
    assert.equal(h.graph.size.channels, 0);
    resolve({ value: 200_000n, script: good });
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(h.graph.channel(11n)?.oneToTwo?.lastUpdate, 10);
    // Relayed to the other peer, the announcement first; never back to the sender.
    assert.deepEqual(h.nextGossipForPeer(other, 10).map((m) => m.name), ['channel_announcement', 'channel_update']);
    assert.deepEqual(h.nextGossipForPeer(peer, 10), []);
  });

  test('stale channels are pruned against the caller’s clock', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    const a = announcement(0, 1, 21n);
    const b = announcement(1, 2, 22n);
    h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a });
    h.handleGossipMessage(peer, { name: 'channel_announcement', msg: b });
    h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 1_000_000) });
    h.handleGossipMessage(peer, { name: 'channel_update', msg: update(b, 0, 2_000_000) });
    assert.equal(h.graph.removeStaleChannels(1_000_000 + 14 * 86400 + 1), 1);
    assert.equal(h.graph.channel(21n), undefined);
    assert.ok(h.graph.channel(22n));
  });

  test('node_announcement addresses are parsed; a short addrlen warns; two hostnames are kept but not relayed', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    h.handleGossipMessage(peer, { name: 'channel_announcement', msg: announcement(0, 1, 51n) });
    const ip = [1, 10, 0, 0, 1, 0x26, 0x07];
    const host = (s: string) => [5, s.length, ...[...s].map((c) => c.charCodeAt(0)), 0x26, 0x07];
    assert.equal(h.handleGossipMessage(peer, { name: 'node_announcement', msg: nodeAnn(0, 10, Uint8Array.from(ip)) }), true);
    assert.deepEqual(h.graph.node(pub(0))?.announcement?.netAddresses, [{ type: 'ipv4', addr: Uint8Array.of(10, 0, 0, 1), port: 9735 }]);
    const short = h.handleGossipMessage(peer, { name: 'node_announcement', msg: nodeAnn(0, 11, Uint8Array.from(ip.slice(0, 5))) });
    assert.ok(short instanceof LightningError && short.action.kind === 'send-warning');
    assert.equal(h.graph.node(pub(0))?.announcement?.timestamp, 10, 'the malformed announcement is not used');
    const two = Uint8Array.from([...host('a.example'), ...host('b.example')]);
    assert.equal(h.handleGossipMessage(peer, { name: 'node_announcement', msg: nodeAnn(0, 12, two) }), false, 'not relayed');
    assert.deepEqual(h.graph.node(pub(0))?.announcement?.netAddresses, [{ type: 'dns', hostname: 'a.example', port: 9735 }]);
  });

  test('permanent channel and node failures remove them; temporary ones do not', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    for (const [a, b, s] of [[0, 1, 61n], [1, 2, 62n], [2, 3, 63n]] as const) {
      h.handleGossipMessage(peer, { name: 'channel_announcement', msg: announcement(a, b, s) });
    }
    h.graph.channelFailed(61n, false);
    assert.ok(h.graph.channel(61n), 'temporary failure keeps the channel');
    h.graph.channelFailed(61n, true);
    assert.equal(h.graph.channel(61n), undefined);
    assert.equal(h.graph.node(pub(0)), undefined, 'node 0 had no other channel');
    h.graph.nodeFailed(pub(2), false);
    assert.equal(h.graph.size.channels, 2);
    h.graph.nodeFailed(pub(2), true);
    assert.deepEqual(h.graph.size, { channels: 0, nodes: 0 });
  });

  test('a channel that is never updated ages out two weeks after the first prune that saw it', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    h.handleGossipMessage(peer, { name: 'channel_announcement', msg: announcement(0, 1, 31n) });
    assert.equal(h.graph.removeStaleChannels(5_000_000), 0, 'first sight starts its clock');
    assert.equal(h.graph.removeStaleChannels(5_000_000 + 14 * 86400), 0, 'exactly two weeks is not yet stale');
    assert.equal(h.graph.removeStaleChannels(5_000_000 + 14 * 86400 + 1), 1);
    assert.deepEqual(h.graph.size, { channels: 0, nodes: 0 }, 'nodes without channels go with it');
  });
});

describe('NetworkGraph write/read', () => {
  function filled(): NetworkGraph {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    const a = announcement(0, 1, 41n);
    const b = announcement(1, 2, 42n);
    for (const m of [a, b]) h.handleGossipMessage(peer, { name: 'channel_announcement', msg: m });
    h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 100, 3) });
    h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 1, 101, 4) });
    h.handleGossipMessage(peer, { name: 'channel_update', msg: update(b, 1, 102, 5) });
    h.handleGossipMessage(peer, { name: 'node_announcement', msg: nodeAnn(1, 77, Uint8Array.of(1, 127, 0, 0, 1, 0x26, 0x07)) });
    h.graph.removeStaleChannels(200); // sets nothing: every channel has an update
    return h.graph;
  }

  test('round trip keeps channels, both policies, capacities and node announcements', () => {
    const g = filled();
    const bytes = g.write();
    const back = NetworkGraph.read(bytes);
    assert.ok(back instanceof NetworkGraph);
    assert.deepEqual(back.size, g.size);
    for (const c of g.allChannels()) assert.deepEqual(back.channel(c.shortChannelId), c);
    for (const n of g.allNodes()) assert.deepEqual(back.node(n.nodeId), n);
    assert.deepEqual(back.write(), bytes, 'writing the read graph gives the same bytes');
  });

  test('every truncation and a wrong version give a DecodeError, never a throw', () => {
    const bytes = filled().write();
    for (let n = 0; n < bytes.length; n++) assert.ok(NetworkGraph.read(bytes.subarray(0, n)) instanceof DecodeError, `truncated to ${n}`);
    const v = bytes.slice();
    v[0] = 9;
    const e = NetworkGraph.read(v);
    assert.ok(e instanceof DecodeError && e.kind === 'UnknownVersion');
    assert.ok(NetworkGraph.read(new Uint8Array([...bytes, 0])) instanceof DecodeError, 'trailing bytes');
  });
});
