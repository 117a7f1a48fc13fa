import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainHash } from '../../src/chain/network.js';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import type { ReplyChannelRange } from '../../src/ln/msgs/bolt07.js';
import type { WireMessage } from '../../src/ln/msgs/index.js';
import { NetGraphMsgHandler } from '../../src/routing/gossip.js';
import { decodeShortIds, encodeShortIds, replyChannelRange, replyShortChannelIds } from '../../src/routing/gossip_queries.js';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import { DecodeError, LightningError } from '../../src/util/errors.js';
import { nullLogger } from '../../src/util/logger.js';
import { announcement, chain, nodeAnn, peer, update } from './gossip_helpers.js';

const scid = (block: number, tx: number) => (BigInt(block) << 40n) | (BigInt(tx) << 16n);

/** Channels at blocks 100, 100, 150, 200 between nodes 0-1, 1-2, 2-3, 3-4, all updated, node 1 announced. */
function handler(): NetGraphMsgHandler {
  const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
  const chans = [announcement(0, 1, scid(100, 1)), announcement(1, 2, scid(100, 2)), announcement(2, 3, scid(150, 1)), announcement(3, 4, scid(200, 1))];
  for (const a of chans) {
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_announcement', msg: a }), true);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 0, 1000) }), true);
    assert.equal(h.handleGossipMessage(peer, { name: 'channel_update', msg: update(a, 1, 2000) }), true);
  }
  assert.equal(h.handleGossipMessage(peer, { name: 'node_announcement', msg: nodeAnn(1, 5) }), true);
  return h;
}

const ids = (r: ReplyChannelRange) => decodeShortIds(r.encodedShortIds) as bigint[];

describe('query_channel_range (BOLT 7)', () => {
  test('one reply covering the query, ids in the range only, sync_complete set', () => {
    const h = handler();
    const [r, ...more] = replyChannelRange(h.graph, { chainHash: chain, firstBlocknum: 100, numberOfBlocks: 51 });
    assert.equal(more.length, 0);
    assert.deepEqual(ids(r!), [scid(100, 1), scid(100, 2), scid(150, 1)]);
    assert.equal(r!.firstBlocknum, 100);
    assert.equal(r!.firstBlocknum + r!.numberOfBlocks, 151);
    assert.equal(r!.syncComplete, 1);
    assert.equal(r!.timestamps, undefined, 'not asked for');
  });

  test('split replies: first starts at the query, each starts no earlier than the last, the final covers the end', () => {
    const h = handler();
    const q = { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 1000, queryOption: 1n };
    const rs = replyChannelRange(h.graph, q, 1);
    assert.equal(rs.length, 4);
    assert.ok(rs[0]!.firstBlocknum <= q.firstBlocknum && rs[0]!.firstBlocknum + rs[0]!.numberOfBlocks > q.firstBlocknum);
    for (let i = 1; i < rs.length; i++) assert.ok(rs[i]!.firstBlocknum >= rs[i - 1]!.firstBlocknum);
    const last = rs.at(-1)!;
    assert.ok(last.firstBlocknum + last.numberOfBlocks >= q.firstBlocknum + q.numberOfBlocks);
    assert.deepEqual(rs.map((r) => r.syncComplete), [0, 0, 0, 1]);
    assert.deepEqual(rs.flatMap(ids), [scid(100, 1), scid(100, 2), scid(150, 1), scid(200, 1)]);
    // Every id lies inside its own reply's block range.
    for (const r of rs) for (const s of ids(r)) assert.ok(Number(s >> 40n) >= r.firstBlocknum && Number(s >> 40n) < r.firstBlocknum + r.numberOfBlocks);
    const ts = rs[0]!.timestamps!;
    assert.equal(ts.encodingType, 0);
    const dv = new DataView(ts.encodedTimestamps.buffer, ts.encodedTimestamps.byteOffset);
    assert.deepEqual([dv.getUint32(0), dv.getUint32(4)], [1000, 2000]);
  });

  test('an empty range or another chain still gets one complete reply with no ids', () => {
    const h = handler();
    for (const q of [
      { chainHash: chain, firstBlocknum: 300, numberOfBlocks: 10 },
      { chainHash: chainHash('bitcoin'), firstBlocknum: 0, numberOfBlocks: 1000 },
    ]) {
      const rs = replyChannelRange(h.graph, q);
      assert.equal(rs.length, 1);
      assert.deepEqual(ids(rs[0]!), []);
      assert.equal(rs[0]!.syncComplete, 1);
    }
  });

  test('the handler sends the replies to the asking peer', () => {
    const h = handler();
    h.getAndClearPendingMsgEvents();
    assert.equal(h.handleGossipMessage(peer, { name: 'query_channel_range', msg: { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 0xffffffff } }), false);
    // Replies are pulled as the peer's connection drains (PeerManager asks when its queue is low).
    const out = h.nextGossipForPeer(peer, 10);
    assert.equal(out.length, 1);
    assert.ok(out[0]!.name === 'reply_channel_range' && out[0]!.msg.syncComplete === 1);
    assert.deepEqual(h.nextGossipForPeer(peer, 10), []);
  });
});

describe('query_short_channel_ids (BOLT 7)', () => {
  const names = (ms: WireMessage[]) => ms.map((m) => m.name);

  test('announcement, both updates, each node announcement once, then reply_short_channel_ids_end', () => {
    const h = handler();
    const out = replyShortChannelIds(h.graph, { chainHash: chain, encodedShortIds: encodeShortIds([scid(100, 1), scid(100, 2), scid(999, 9)]) });
    assert.ok(!(out instanceof DecodeError));
    assert.deepEqual(names(out), [
      'channel_announcement', 'channel_update', 'channel_update', 'node_announcement',
      'channel_announcement', 'channel_update', 'channel_update',
      'reply_short_channel_ids_end',
    ]);
    const end = out.at(-1)!;
    assert.ok(end.name === 'reply_short_channel_ids_end' && end.msg.fullInformation === 1);
    // The replayed messages are the signed originals: a fresh graph accepts them.
    const fresh = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto);
    for (const m of out.slice(0, -1)) assert.equal(fresh.handleGossipMessage(peer, m), true, m.name);
  });

  test('query flags select what is sent', () => {
    const h = handler();
    const flags = Uint8Array.of(0b00100, 0b00001);
    const out = replyShortChannelIds(h.graph, {
      chainHash: chain,
      encodedShortIds: encodeShortIds([scid(100, 1), scid(150, 1)]),
      queryFlags: { encodingType: 0, encodedQueryFlags: flags },
    });
    assert.ok(!(out instanceof DecodeError));
    assert.deepEqual(names(out), ['channel_update', 'channel_announcement', 'reply_short_channel_ids_end']);
    assert.ok(out[0]!.name === 'channel_update' && (out[0]!.msg.channelFlags & 1) === 1, 'bit 2 = node_id_2’s update');
  });

  test('another chain: only reply_short_channel_ids_end with full_information = 0', () => {
    const out = replyShortChannelIds(handler().graph, { chainHash: chainHash('bitcoin'), encodedShortIds: encodeShortIds([scid(100, 1)]) });
    assert.ok(!(out instanceof DecodeError));
    assert.deepEqual(out, [{ name: 'reply_short_channel_ids_end', msg: { chainHash: chainHash('bitcoin'), fullInformation: 0 } }]);
  });

  test('zlib, partial ids and mismatched flags are refused; the handler warns the peer', () => {
    const h = handler();
    const good = encodeShortIds([scid(100, 1), scid(100, 2)]);
    const zlib = good.slice();
    zlib[0] = 1;
    const bad = [
      { chainHash: chain, encodedShortIds: zlib },
      { chainHash: chain, encodedShortIds: good.subarray(0, 12) },
      { chainHash: chain, encodedShortIds: good, queryFlags: { encodingType: 0, encodedQueryFlags: Uint8Array.of(1) } },
      { chainHash: chain, encodedShortIds: good, queryFlags: { encodingType: 1, encodedQueryFlags: Uint8Array.of(1, 1) } },
      { chainHash: chain, encodedShortIds: good, queryFlags: { encodingType: 0, encodedQueryFlags: Uint8Array.of(1, 0xfd) } },
    ];
    for (const q of bad) {
      assert.ok(replyShortChannelIds(h.graph, q) instanceof DecodeError);
      const r = h.handleGossipMessage(peer, { name: 'query_short_channel_ids', msg: q });
      assert.ok(r instanceof LightningError && r.action.kind === 'send-warning');
    }
    h.getAndClearPendingMsgEvents();
  });
});
