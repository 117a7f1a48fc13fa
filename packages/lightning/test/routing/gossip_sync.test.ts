import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { chainHash } from '../../src/chain/network.js';
import { sha256d } from '../../src/crypto/backend.js';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import { ChannelAnnouncement, ChannelUpdate, type QueryShortChannelIds } from '../../src/ln/msgs/bolt07.js';
import type { WireMessage } from '../../src/ln/msgs/index.js';
import { NetGraphMsgHandler, type NetGraphMsgHandlerConfig } from '../../src/routing/gossip.js';
import { DEFAULT_GOSSIP_LIMITS } from '../../src/routing/gossip_limits.js';
import { decodeShortIds, encodeShortIds } from '../../src/routing/gossip_queries.js';
import { SYNC_FILTER_BACK_SECS, RELAY_FILTER_BACK_SECS } from '../../src/routing/gossip_sync.js';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import { LightningError } from '../../src/util/errors.js';
import type { MessageSendEvent } from '../../src/util/events.js';
import { nullLogger } from '../../src/util/logger.js';
import { announcement, chain, initFrom, key, nodeAnn, pub, update } from './gossip_helpers.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const [A, B, C, D] = [pub(20), pub(21), pub(22), pub(23)];
const scid = (block: number, tx: number) => (BigInt(block) << 40n) | (BigInt(tx) << 16n);
const names = (ms: readonly WireMessage[]) => ms.map((m) => m.name);
const mk = (config: NetGraphMsgHandlerConfig = {}, graph = new NetworkGraph(chain)) => new NetGraphMsgHandler(graph, null, nullLogger, crypto, config);
const filter = (firstTimestamp: number, timestampRange: number, chainHash_ = chain): WireMessage => ({
  name: 'gossip_timestamp_filter',
  msg: { chainHash: chainHash_, firstTimestamp, timestampRange },
});
/** Everything the peer would be sent, pulled the way PeerManager does. */
function drainAll(h: NetGraphMsgHandler, id: Uint8Array, batch = 32): WireMessage[] {
  const out: WireMessage[] = [];
  for (;;) {
    const b = h.nextGossipForPeer(id, batch);
    if (b.length === 0) return out;
    out.push(...b);
  }
}
const sent = (evs: MessageSendEvent[]) => evs.map((e) => (e.kind === 'send-message' ? e.msg : undefined)).filter((m): m is WireMessage => !!m);
const gossip = (h: NetGraphMsgHandler, from: Uint8Array, m: WireMessage) => h.handleGossipMessage(from, m);

describe('gossip_timestamp_filter and relay (BOLT 7)', () => {
  test('gossip_queries peers get nothing before their filter, then only their range; others get all; never back to the sender', () => {
    const h = mk();
    h.peerConnected(A, initFrom(), true);
    h.peerConnected(B, initFrom(), true);
    h.peerConnected(C, initFrom(), true);
    h.peerConnected(D, initFrom({ gossipQueries: false }), true);
    h.getAndClearPendingMsgEvents();
    assert.equal(gossip(h, C, filter(1000, 1000)), false);
    const a = announcement(0, 1, scid(10, 1));
    assert.equal(gossip(h, A, { name: 'channel_announcement', msg: a }), true);
    // BOLT 7: a channel_announcement with no channel_update is not sent.
    for (const id of [B, C, D]) assert.deepEqual(h.nextGossipForPeer(id, 10), []);
    assert.equal(gossip(h, A, { name: 'channel_update', msg: update(a, 0, 1500) }), true);
    assert.equal(gossip(h, A, { name: 'channel_update', msg: update(a, 1, 2500) }), true);
    assert.equal(gossip(h, A, { name: 'node_announcement', msg: nodeAnn(0, 1200) }), true);
    assert.deepEqual(names(h.nextGossipForPeer(A, 10)), [], 'not back to the sender');
    assert.deepEqual(names(h.nextGossipForPeer(B, 10)), [], 'no filter yet');
    // C's range is [1000, 2000): the announcement goes with the first update (timestamp 1500).
    const toC = h.nextGossipForPeer(C, 10);
    assert.deepEqual(names(toC), ['channel_announcement', 'channel_update', 'node_announcement']);
    assert.ok(toC[1]!.name === 'channel_update' && toC[1]!.msg.timestamp === 1500);
    assert.deepEqual(names(h.nextGossipForPeer(D, 10)), ['channel_announcement', 'channel_update', 'channel_update', 'node_announcement']);
    // B's filter arrives: the stored gossip in its range is backfilled, announcement first.
    gossip(h, B, filter(0, 0xffffffff));
    const toB = drainAll(h, B);
    assert.deepEqual(names(toB), ['channel_announcement', 'channel_update', 'channel_update', 'node_announcement']);
    assert.equal(h.peerGossipStatus(B)?.backfilling, false);
  });

  test('what is refused is not relayed: updates for unknown channels, announcements of unknown nodes, bad or stale messages', () => {
    const h = mk();
    h.peerConnected(B, initFrom({ gossipQueries: false }), true);
    const a = announcement(0, 1, scid(11, 1));
    const u = gossip(h, A, { name: 'channel_update', msg: update(a, 0, 10) });
    assert.ok(u instanceof LightningError && u.action.kind === 'ignore', 'unknown channel');
    const n = gossip(h, A, { name: 'node_announcement', msg: nodeAnn(0, 10) });
    assert.ok(n instanceof LightningError && n.action.kind === 'ignore', 'node without channels');
    gossip(h, A, { name: 'channel_announcement', msg: a });
    gossip(h, A, { name: 'channel_update', msg: update(a, 0, 10) });
    drainAll(h, B);
    assert.ok(gossip(h, A, { name: 'channel_update', msg: update(a, 0, 10) }) instanceof LightningError, 'duplicate');
    assert.ok(gossip(h, A, { name: 'channel_update', msg: update(a, 0, 9) }) instanceof LightningError, 'older');
    const forged = gossip(h, A, { name: 'channel_update', msg: update(a, 1, 20, 1000, 3) });
    assert.ok(forged instanceof LightningError && forged.action.kind === 'disconnect-with-warning');
    assert.deepEqual(drainAll(h, B), []);
  });

  test('backfill: only channels with an update in range (announcement first), then nodes with such a channel', () => {
    const h = mk();
    const c1 = announcement(0, 1, scid(1, 1));
    const c2 = announcement(2, 3, scid(1, 2));
    const c3 = announcement(4, 5, scid(1, 3)); // never updated: never sent
    for (const c of [c1, c2, c3]) gossip(h, A, { name: 'channel_announcement', msg: c });
    gossip(h, A, { name: 'channel_update', msg: update(c1, 0, 100) });
    gossip(h, A, { name: 'channel_update', msg: update(c1, 1, 300) });
    gossip(h, A, { name: 'channel_update', msg: update(c2, 0, 50) });
    for (const [n, t] of [[0, 100], [2, 100], [4, 100]] as const) gossip(h, A, { name: 'node_announcement', msg: nodeAnn(n, t) });
    h.peerConnected(B, initFrom(), true);
    gossip(h, B, filter(100, 100));
    const out = drainAll(h, B, 1);
    assert.deepEqual(names(out), ['channel_announcement', 'channel_update', 'node_announcement']);
    assert.ok(out[0]!.name === 'channel_announcement' && out[0]!.msg.shortChannelId === scid(1, 1));
    assert.ok(out[2]!.name === 'node_announcement' && out[2]!.msg.nodeId.every((b, i) => b === pub(0)[i]));
    // A new filter replaces the old one and starts over; one for another chain asks for nothing.
    gossip(h, B, filter(0, 1000));
    assert.equal(drainAll(h, B).filter((m) => m.name === 'channel_update').length, 3);
    gossip(h, B, filter(0, 1000, chainHash('bitcoin')));
    assert.deepEqual(drainAll(h, B), []);
    gossip(h, A, { name: 'channel_update', msg: update(c1, 0, 500) });
    assert.deepEqual(drainAll(h, B), [], 'no relay either');
  });

  test('a peer without gossip_queries that set initial_routing_sync gets the whole graph; peers off our chain get nothing', () => {
    const h = mk();
    const a = announcement(0, 1, scid(2, 1));
    gossip(h, A, { name: 'channel_announcement', msg: a });
    gossip(h, A, { name: 'channel_update', msg: update(a, 0, 10) });
    h.peerConnected(B, initFrom({ gossipQueries: false, initialRoutingSync: true }), true);
    h.peerConnected(C, initFrom({ gossipQueries: false }), true);
    h.peerConnected(D, initFrom({ gossipQueries: false, networks: [chainHash('bitcoin')] }), true);
    assert.deepEqual(names(drainAll(h, B)), ['channel_announcement', 'channel_update']);
    assert.deepEqual(drainAll(h, C), [], 'no dump asked for');
    gossip(h, A, { name: 'channel_update', msg: update(a, 0, 11) });
    assert.deepEqual(names(drainAll(h, C)), ['channel_update']);
    assert.deepEqual(drainAll(h, D), [], 'its init networks do not include our chain');
  });

  test('a 50,000-channel backfill is handed out in bounded batches from a cursor, in BOLT 7 order', () => {
    const graph = new NetworkGraph(chain);
    const a = announcement(0, 1, 1n);
    const u = update(a, 0, 1000);
    const annTpl = ChannelAnnouncement.encodePayload(a);
    const updTpl = ChannelUpdate.encodePayload(u);
    const withScid = (tpl: Uint8Array, at: number, s: bigint) => {
      const b = tpl.slice();
      new DataView(b.buffer).setBigUint64(at, s);
      return b;
    };
    const N = 50_000;
    for (let i = 0; i < N; i++) {
      const s = scid(100 + (i >> 10), i & 1023);
      graph.addChannel({ shortChannelId: s, node1: a.nodeId1, node2: a.nodeId2, features: a.features, capacitySat: undefined, announcement: withScid(annTpl, 256 + 2 + 32, s) });
      graph.updateChannel(s, 0, { enabled: true, cltvExpiryDelta: 40, htlcMinimumMsat: 1000n, htlcMaximumMsat: 1n << 30n, feeBaseMsat: 1, feeProportionalMillionths: 1, lastUpdate: 1000, message: withScid(updTpl, 64 + 32, s) });
    }
    const h = mk({}, graph);
    h.peerConnected(B, initFrom(), true);
    gossip(h, B, filter(0, 0xffffffff));
    let total = 0;
    let batches = 0;
    let lastAnn: bigint | undefined;
    for (;;) {
      const b = h.nextGossipForPeer(B, 32);
      if (b.length === 0) break;
      batches++;
      assert.ok(b.length <= 34, `a batch holds at most the ask plus one channel's updates (${b.length})`);
      for (const m of b) {
        if (m.name === 'channel_announcement') lastAnn = m.msg.shortChannelId;
        else if (m.name === 'channel_update') assert.equal(m.msg.shortChannelId, lastAnn, 'each update right after its announcement');
      }
      total += b.length;
      // Nothing is queued behind the cursor while the backfill runs.
      const st = h.peerGossipStatus(B)!;
      assert.equal(st.relayQueued, 0);
    }
    assert.equal(total, 2 * N);
    assert.ok(batches >= (2 * N) / 34);
    assert.equal(h.peerGossipStatus(B)?.backfilling, false);
  });

  test('a full relay queue drops relayed gossip for that peer, never the peer, never our own', () => {
    const h = mk({ ourNodeId: pub(0), limits: { relayQueueBytesPerPeer: 1000 } });
    h.peerConnected(B, initFrom({ gossipQueries: false }), true);
    const theirs = announcement(2, 3, scid(3, 1));
    const ours = announcement(0, 1, scid(3, 2));
    gossip(h, A, { name: 'channel_announcement', msg: theirs });
    gossip(h, A, { name: 'channel_announcement', msg: ours });
    // The announcement (430 + 2 bytes) with the first update (136 + 2), then three more updates fit in 1,000 bytes.
    for (let t = 1; t <= 8; t++) assert.equal(gossip(h, A, { name: 'channel_update', msg: update(theirs, 0, t) }), true, 'accepted, whatever the queue');
    const st = h.peerGossipStatus(B)!;
    assert.equal(st.relayBytes, 432 + 4 * 138);
    assert.equal(st.dropped, 4);
    assert.equal(h.graph.channel(scid(3, 1))?.oneToTwo?.lastUpdate, 8);
    // Our own channel's gossip is queued past the limit.
    for (let t = 1; t <= 5; t++) gossip(h, A, { name: 'channel_update', msg: update(ours, 0, t) });
    const out = drainAll(h, B);
    assert.equal(out.filter((m) => m.name === 'channel_update' && m.msg.shortChannelId === scid(3, 2)).length, 5);
    assert.equal(out.filter((m) => m.name === 'channel_announcement' && m.msg.shortChannelId === scid(3, 2)).length, 1);
    // Gossip handed in with our id as the sender (PeerManager's broadcast-gossip) is ours too:
    // relayed to a peer whose filter excludes it and whose queue is full.
    h.peerConnected(C, initFrom(), true);
    gossip(h, C, filter(0, 1));
    const other = announcement(4, 5, scid(3, 3));
    gossip(h, A, { name: 'channel_announcement', msg: other });
    for (let t = 2; t <= 9; t++) gossip(h, A, { name: 'channel_update', msg: update(other, 0, t) });
    assert.equal(h.peerGossipStatus(B)!.dropped > 4, true, 'B’s queue is full again');
    assert.equal(gossip(h, pub(0), { name: 'channel_update', msg: update(theirs, 1, 9) }), true);
    assert.equal(h.graph.channel(scid(3, 1))?.twoToOne?.lastUpdate, 9);
    assert.deepEqual(names(drainAll(h, C)), ['channel_update'], 'ours ignores C’s filter');
    const toB = drainAll(h, B);
    assert.ok(toB.some((m) => m.name === 'channel_update' && m.msg.shortChannelId === scid(3, 1) && (m.msg.channelFlags & 1) === 1), 'and B’s full queue');
  });
});

describe('answering queries as the peer drains', () => {
  function graphWith(n: number): NetGraphMsgHandler {
    const h = mk();
    for (let i = 0; i < n; i++) {
      const a = announcement(i % 6, (i + 1) % 6, scid(50, i + 1));
      gossip(h, A, { name: 'channel_announcement', msg: a });
      gossip(h, A, { name: 'channel_update', msg: update(a, 0, 10) });
    }
    return h;
  }

  test('query_short_channel_ids: replies come in batches; a second query before the end gets a warning and is not taken', () => {
    const h = graphWith(6);
    h.peerConnected(B, initFrom(), true);
    const q: QueryShortChannelIds = { chainHash: chain, encodedShortIds: encodeShortIds([1, 2, 3, 4, 5, 6].map((i) => scid(50, i))) };
    assert.equal(gossip(h, B, { name: 'query_short_channel_ids', msg: q }), false);
    const first = h.nextGossipForPeer(B, 4);
    assert.equal(first.length, 4);
    const again = gossip(h, B, { name: 'query_short_channel_ids', msg: q });
    assert.ok(again instanceof LightningError && again.action.kind === 'send-warning', 'warned, not disconnected');
    const rest = drainAll(h, B, 4);
    const all = [...first, ...rest];
    assert.equal(all.filter((m) => m.name === 'channel_announcement').length, 6);
    assert.deepEqual(names(all.slice(-1)), ['reply_short_channel_ids_end']);
    assert.equal(all.filter((m) => m.name === 'reply_short_channel_ids_end').length, 1, 'the second query was not answered');
    // Once answered, the next query is taken.
    assert.equal(gossip(h, B, { name: 'query_short_channel_ids', msg: q }), false);
  });

  test('query_channel_range: one at a time per peer, and only maxConcurrentRangeReplies peers answered at once', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, crypto, { limits: { maxConcurrentRangeReplies: 1 } });
    for (const id of [B, C]) h.peerConnected(id, initFrom(), true);
    const q: WireMessage = { name: 'query_channel_range', msg: { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 1000 } };
    assert.equal(gossip(h, B, q), false);
    assert.equal(gossip(h, C, q), false);
    const second = gossip(h, B, q);
    assert.ok(second instanceof LightningError && second.action.kind === 'send-warning');
    // B holds the only reply slot until its replies are all taken.
    assert.deepEqual(names(h.nextGossipForPeer(B, 1)), ['reply_channel_range']);
    assert.deepEqual(h.nextGossipForPeer(C, 1), [], 'C waits for the slot');
    assert.deepEqual(h.nextGossipForPeer(B, 1), []);
    assert.deepEqual(names(h.nextGossipForPeer(C, 1)), ['reply_channel_range']);
    // A disconnect frees the slot too.
    gossip(h, B, q);
    h.nextGossipForPeer(B, 0);
    h.peerDisconnected(B);
    assert.equal(h.peerGossipStatus(B), undefined);
  });
});

describe('initial sync from our side', () => {
  const NOW = 1_800_000_000;

  test('on connect: our filter to every gossip_queries peer, a whole-chain query_channel_range to the first few', () => {
    const h = mk({ limits: { maxSyncPeers: 2 } });
    const peers = [A, B, C];
    for (const id of peers) h.peerConnected(id, initFrom(), false);
    h.peerConnected(D, initFrom({ gossipQueries: false }), false);
    const ev = h.getAndClearPendingMsgEvents();
    const to = (id: Uint8Array) => sent(ev.filter((e) => e.kind === 'send-message' && e.nodeId.every((b, i) => b === id[i])));
    for (const id of [A, B]) {
      assert.deepEqual(names(to(id)), ['gossip_timestamp_filter', 'query_channel_range']);
      const q = to(id)[1]!;
      assert.ok(q.name === 'query_channel_range' && q.msg.firstBlocknum === 0 && q.msg.numberOfBlocks === 0xffffffff);
    }
    assert.deepEqual(names(to(C)), ['gossip_timestamp_filter'], 'sync slots are full');
    assert.deepEqual(to(D), [], 'no queries to a peer without gossip_queries');
    // Without a clock the filter asks for everything.
    const f = to(A)[0]!;
    assert.ok(f.name === 'gossip_timestamp_filter' && f.msg.firstTimestamp === 0 && f.msg.timestampRange === 0xffffffff);
    assert.equal(h.peerGossipStatus(A)?.syncing, true);
    assert.equal(h.peerGossipStatus(C)?.syncing, false);
  });

  test('with the caller’s clock: two weeks back for a peer we sync from, an hour back for the rest', () => {
    const h = mk({ limits: { maxSyncPeers: 1 } });
    h.setCurrentTime(NOW);
    h.peerConnected(A, initFrom(), false);
    h.peerConnected(B, initFrom(), false);
    const fs = sent(h.getAndClearPendingMsgEvents()).filter((m) => m.name === 'gossip_timestamp_filter');
    assert.deepEqual(fs.map((m) => (m.name === 'gossip_timestamp_filter' ? m.msg.firstTimestamp : -1)), [NOW - SYNC_FILTER_BACK_SECS, NOW - RELAY_FILTER_BACK_SECS]);
  });

  test('reply_channel_range → query_short_channel_ids for unknown ids only, batched, one in flight; the end lets the next go', () => {
    const h = mk({ limits: { scidsPerQuery: 2 } });
    const known = announcement(0, 1, scid(7, 1));
    gossip(h, B, { name: 'channel_announcement', msg: known });
    h.peerConnected(A, initFrom(), false);
    h.getAndClearPendingMsgEvents();
    const ids = [scid(7, 1), scid(7, 2), scid(7, 3), scid(8, 1), scid(9, 1)];
    const r1 = gossip(h, A, { name: 'reply_channel_range', msg: { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 8, syncComplete: 0, encodedShortIds: encodeShortIds(ids.slice(0, 3)) } });
    assert.equal(r1, false);
    const q1 = sent(h.getAndClearPendingMsgEvents());
    assert.deepEqual(names(q1), ['query_short_channel_ids']);
    assert.ok(q1[0]!.name === 'query_short_channel_ids');
    assert.deepEqual(decodeShortIds(q1[0]!.msg.encodedShortIds), [scid(7, 2), scid(7, 3)], 'the known channel is not asked for');
    gossip(h, A, { name: 'reply_channel_range', msg: { chainHash: chain, firstBlocknum: 8, numberOfBlocks: 0xffffffff - 8, syncComplete: 1, encodedShortIds: encodeShortIds(ids.slice(3)) } });
    assert.deepEqual(h.getAndClearPendingMsgEvents(), [], 'one query in flight');
    assert.equal(h.peerGossipStatus(A)?.wantedScids, 2);
    gossip(h, A, { name: 'reply_short_channel_ids_end', msg: { chainHash: chain, fullInformation: 1 } });
    const q2 = sent(h.getAndClearPendingMsgEvents());
    assert.ok(q2[0]?.name === 'query_short_channel_ids');
    assert.deepEqual(decodeShortIds(q2[0].msg.encodedShortIds), [scid(8, 1), scid(9, 1)]);
    assert.equal(h.peerGossipStatus(A)?.syncing, true);
    gossip(h, A, { name: 'reply_short_channel_ids_end', msg: { chainHash: chain, fullInformation: 1 } });
    assert.deepEqual(h.getAndClearPendingMsgEvents(), []);
    assert.equal(h.peerGossipStatus(A)?.syncing, false, 'sync complete');
  });

  test('a peer that leaves our query unanswered for syncStallSecs is given up, freeing its sync slot', () => {
    const h = mk({ limits: { maxSyncPeers: 1, syncStallSecs: 300 } });
    h.peerConnected(A, initFrom(), false);
    gossip(h, A, { name: 'reply_channel_range', msg: { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 0xffffffff, syncComplete: 1, encodedShortIds: encodeShortIds([scid(3, 3)]) } });
    assert.deepEqual(names(sent(h.getAndClearPendingMsgEvents())), ['gossip_timestamp_filter', 'query_channel_range', 'query_short_channel_ids']);
    // The query went out before the handler knew the time: the wait counts from the first clock.
    h.setCurrentTime(NOW);
    h.setCurrentTime(NOW + 299);
    assert.equal(h.peerGossipStatus(A)?.syncing, true);
    h.setCurrentTime(NOW + 300);
    assert.equal(h.peerGossipStatus(A)?.syncing, false);
    h.peerConnected(B, initFrom(), false);
    assert.deepEqual(names(sent(h.getAndClearPendingMsgEvents())), ['gossip_timestamp_filter', 'query_channel_range'], 'the slot is free again');
    assert.ok(gossip(h, A, { name: 'reply_short_channel_ids_end', msg: { chainHash: chain, fullInformation: 1 } }) instanceof LightningError, 'a late answer is ignored');
  });

  test('unsolicited or malformed replies are ignored or warned about; remembered ids are capped per peer', () => {
    const h = mk({ limits: { maxWantedScidsPerPeer: 3, scidsPerQuery: 10 } });
    const end: WireMessage = { name: 'reply_short_channel_ids_end', msg: { chainHash: chain, fullInformation: 1 } };
    const range = (ids: bigint[], complete = 1): WireMessage => ({
      name: 'reply_channel_range',
      msg: { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 0xffffffff, syncComplete: complete, encodedShortIds: encodeShortIds(ids) },
    });
    // Not connected / no query of ours.
    for (const m of [end, range([1n])]) {
      const r = gossip(h, B, m);
      assert.ok(r instanceof LightningError && r.action.kind === 'ignore');
    }
    h.peerConnected(A, initFrom(), false);
    h.getAndClearPendingMsgEvents();
    const bad = encodeShortIds([1n]).slice(0, 5);
    const r = gossip(h, A, { name: 'reply_channel_range', msg: { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 10, syncComplete: 0, encodedShortIds: bad } });
    assert.ok(r instanceof LightningError && r.action.kind === 'send-warning');
    h.peerConnected(C, initFrom(), false);
    h.getAndClearPendingMsgEvents();
    assert.equal(gossip(h, C, range([1n, 2n, 3n, 4n, 5n].map((i) => i << 40n))), false);
    const q = sent(h.getAndClearPendingMsgEvents());
    assert.ok(q[0]?.name === 'query_short_channel_ids');
    assert.equal((decodeShortIds(q[0].msg.encodedShortIds) as bigint[]).length, 3, 'only maxWantedScidsPerPeer kept');
    const late = gossip(h, C, range([9n << 40n]));
    assert.ok(late instanceof LightningError && late.action.kind === 'ignore', 'a reply after the range was covered');
  });

  test('with an asynchronous chain.Access the next query waits while its announcements are still being checked', async () => {
    const resolvers: Array<() => void> = [];
    const access = { getUtxo: () => new Promise<'UnknownTx'>((r) => resolvers.push(() => r('UnknownTx'))) };
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), access, nullLogger, crypto, { limits: { scidsPerQuery: 2, maxPendingLookupsPerPeer: 3 } });
    h.peerConnected(A, initFrom(), false);
    h.getAndClearPendingMsgEvents();
    const ids = [1, 2, 3].map((i) => scid(5, i));
    gossip(h, A, { name: 'reply_channel_range', msg: { chainHash: chain, firstBlocknum: 0, numberOfBlocks: 0xffffffff, syncComplete: 1, encodedShortIds: encodeShortIds(ids) } });
    assert.equal(sent(h.getAndClearPendingMsgEvents()).length, 1);
    // The answer: two announcements whose lookups stay pending.
    for (const [a, b, s] of [[0, 1, ids[0]!], [2, 3, ids[1]!]] as const) gossip(h, A, { name: 'channel_announcement', msg: announcement(a, b, s) });
    gossip(h, A, { name: 'reply_short_channel_ids_end', msg: { chainHash: chain, fullInformation: 1 } });
    assert.equal(h.peerGossipStatus(A)?.pendingLookups, 2);
    assert.deepEqual(h.getAndClearPendingMsgEvents(), [], '2 pending + 2 more would pass the per-peer cap of 3');
    for (const r of resolvers.splice(0)) r();
    await new Promise((r) => setImmediate(r));
    assert.equal(h.peerGossipStatus(A)?.pendingLookups, 0);
    assert.deepEqual(names(sent(h.getAndClearPendingMsgEvents())), ['query_short_channel_ids']);
  });
});

describe('spam bounds', () => {
  test('chain lookups are capped per peer and in total; updates behind them too; the newest per direction is kept', () => {
    const never = { getUtxo: () => new Promise<'UnknownTx'>(() => {}) };
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), never, nullLogger, crypto, {
      limits: { maxPendingLookupsPerPeer: 2, maxPendingLookups: 3, maxQueuedBehindLookupsPerPeer: 2, maxQueuedBehindLookups: 3 },
    });
    const anns = [0, 1, 2, 3, 4].map((i) => announcement(i, i + 1, scid(30, i + 1)));
    const ann = (from: Uint8Array, i: number) => gossip(h, from, { name: 'channel_announcement', msg: anns[i]! });
    assert.equal(ann(A, 0), false);
    assert.equal(ann(A, 1), false);
    const r = ann(A, 2);
    assert.ok(r instanceof LightningError && r.action.kind === 'ignore', 'per-peer cap');
    assert.equal(ann(B, 2), false);
    const t = ann(B, 3);
    assert.ok(t instanceof LightningError && t.action.kind === 'ignore', 'total cap');
    assert.deepEqual(h.pendingLookupTotals, { lookups: 3, queued: 0 });
    const upd = (from: Uint8Array, i: number, d: 0 | 1, ts: number) => gossip(h, from, { name: 'channel_update', msg: update(anns[i]!, d, ts) });
    assert.equal(upd(A, 0, 0, 10), false);
    assert.equal(upd(A, 0, 0, 11), false, 'replaces the waiting one');
    assert.ok(upd(A, 0, 0, 5) instanceof LightningError, 'older than the waiting one');
    assert.equal(upd(A, 0, 1, 10), false);
    assert.ok(upd(A, 1, 0, 10) instanceof LightningError, 'per-peer queue cap');
    assert.equal(upd(B, 1, 0, 10), false);
    assert.ok(upd(C, 2, 0, 10) instanceof LightningError, 'total queue cap');
    assert.deepEqual(h.pendingLookupTotals, { lookups: 3, queued: 3 });
  });

  test('channel_update timestamps far ahead or stale are discarded, and each direction is rate limited by the caller’s clock', () => {
    const NOW = 1_800_000_000;
    const h = mk({ nowSecs: NOW, limits: { updateBurst: 3, updateIntervalSecs: 60 } });
    h.peerConnected(B, initFrom({ gossipQueries: false }), true);
    const a = announcement(0, 1, scid(40, 1));
    gossip(h, A, { name: 'channel_announcement', msg: a });
    const up = (d: 0 | 1, ts: number) => gossip(h, A, { name: 'channel_update', msg: update(a, d, ts) });
    assert.ok(up(0, NOW + 2 * 86400) instanceof LightningError, 'two days in the future');
    assert.ok(up(0, NOW - 15 * 86400) instanceof LightningError, 'older than two weeks');
    for (let i = 0; i < 3; i++) assert.equal(up(0, NOW - 100 + i), true);
    const limited = up(0, NOW - 50);
    assert.ok(limited instanceof LightningError && limited.action.kind === 'ignore' && /rate limit/.test(limited.message));
    assert.equal(h.graph.channel(scid(40, 1))?.oneToTwo?.lastUpdate, NOW - 98);
    assert.equal(up(1, NOW - 50), true, 'the other direction has its own allowance');
    h.setCurrentTime(NOW + 60);
    assert.equal(up(0, NOW - 40), true, 'one more a minute later');
    assert.ok(up(0, NOW - 30) instanceof LightningError);
    // What was refused was not relayed either.
    const relayed = drainAll(h, B).filter((m) => m.name === 'channel_update').map((m) => (m.name === 'channel_update' ? m.msg.timestamp : 0));
    assert.deepEqual(relayed, [NOW - 100, NOW - 99, NOW - 98, NOW - 50, NOW - 40]);
  });

  test('gossip with more than 1 KiB of unknown trailing data is kept but not relayed', () => {
    const h = mk();
    h.peerConnected(B, initFrom({ gossipQueries: false }), true);
    const a = announcement(0, 1, scid(41, 1));
    gossip(h, A, { name: 'channel_announcement', msg: a });
    const signed = (ts: number, excess: number): ChannelUpdate => {
      const u = { ...update(a, 0, ts), excessData: new Uint8Array(excess) };
      const d = sha256d(crypto, ChannelUpdate.encodePayload(u).subarray(64));
      const k = [0, 1].map(key).find((x) => crypto.publicKey(x).every((b, i) => b === a.nodeId1[i]))!;
      return { ...u, signature: crypto.signEcdsa(d, k) };
    };
    assert.equal(gossip(h, A, { name: 'channel_update', msg: signed(1, DEFAULT_GOSSIP_LIMITS.maxExcessBytesForRelay + 1) }), false);
    assert.equal(h.graph.channel(scid(41, 1))?.oneToTwo?.lastUpdate, 1, 'kept');
    assert.deepEqual(drainAll(h, B), []);
    assert.equal(gossip(h, A, { name: 'channel_update', msg: signed(2, 10) }), true);
    assert.deepEqual(names(drainAll(h, B)), ['channel_update']);
  });

  test('no sequence of query, reply and filter messages throws; every answer is a boolean or a LightningError', () => {
    const h = mk({ limits: { scidsPerQuery: 3, maxWantedScidsPerPeer: 50 } });
    for (const id of [A, B]) h.peerConnected(id, initFrom(), false);
    const bytes = fc.uint8Array({ maxLength: 40 });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const ids = fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 8 }).map((xs) => encodeShortIds(xs));
    const msg: fc.Arbitrary<WireMessage> = fc.oneof(
      fc.record({ chainHash: fc.constant(chain), firstBlocknum: u32, numberOfBlocks: u32, syncComplete: fc.integer({ min: 0, max: 255 }), encodedShortIds: fc.oneof(ids, bytes) }).map((msg) => ({ name: 'reply_channel_range' as const, msg })),
      fc.record({ chainHash: fc.constant(chain), fullInformation: fc.integer({ min: 0, max: 255 }) }).map((msg) => ({ name: 'reply_short_channel_ids_end' as const, msg })),
      fc.record({ chainHash: fc.constant(chain), firstBlocknum: u32, numberOfBlocks: u32 }).map((msg) => ({ name: 'query_channel_range' as const, msg })),
      fc.record({ chainHash: fc.constant(chain), encodedShortIds: fc.oneof(ids, bytes) }).map((msg) => ({ name: 'query_short_channel_ids' as const, msg })),
      fc.record({ chainHash: fc.constant(chain), firstTimestamp: u32, timestampRange: u32 }).map((msg) => ({ name: 'gossip_timestamp_filter' as const, msg })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), msg), { maxLength: 30 }), (seq) => {
        for (const [fromA, m] of seq) {
          const r = h.handleGossipMessage(fromA ? A : B, m);
          assert.ok(typeof r === 'boolean' || r instanceof LightningError);
          h.getAndClearPendingMsgEvents();
          h.nextGossipForPeer(fromA ? A : B, 5);
        }
        assert.ok((h.peerGossipStatus(A)?.wantedScids ?? 0) <= 50);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('features', () => {
  test('gossip_queries (optional) in init and node features', () => {
    const h = mk();
    assert.ok(h.providedInitFeatures().isSet(7) && !h.providedInitFeatures().isSet(6));
    assert.ok(h.providedNodeFeatures().isSet(7));
  });
});

