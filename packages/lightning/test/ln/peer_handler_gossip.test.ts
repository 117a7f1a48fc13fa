import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import { Features, providedInitFeatures } from '../../src/ln/features.js';
import { ErroringMessageHandler, type RoutingMessageHandler } from '../../src/ln/msg_handlers.js';
import type { Init } from '../../src/ln/msgs/bolt01.js';
import { ChannelAnnouncement, ChannelUpdate } from '../../src/ln/msgs/bolt07.js';
import type { WireMessage } from '../../src/ln/msgs/index.js';
import { PeerHandleError } from '../../src/ln/peer_handler.js';
import { NetGraphMsgHandler } from '../../src/routing/gossip.js';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import { equalBytes } from '../../src/util/bytes.js';
import type { MessageSendEvent } from '../../src/util/events.js';
import { nullLogger } from '../../src/util/logger.js';
import { announcement, chain, nodeAnn, update } from '../routing/gossip_helpers.js';
import { type Link, link, makePeer, type TestPeer } from '../support/mem_socket.js';

const nodeIdOf = (seed: number) => crypto.publicKey(new Uint8Array(32).fill(seed));
const scid = (block: number, tx: number) => (BigInt(block) << 40n) | (BigInt(tx) << 16n);

/** A channel handler whose init leaves gossip_queries out (so only the routing handler can set it). */
class NoGossipQueriesChannels extends ErroringMessageHandler {
  override providedInitFeatures(): Features {
    return providedInitFeatures({ gossipQueries: false });
  }
}

/** Records the gossip a node receives; with `inner`, hands everything on to it. */
class Recorder implements RoutingMessageHandler {
  readonly got: Array<{ from: Uint8Array; m: WireMessage }> = [];
  private pending: MessageSendEvent[] = [];
  constructor(
    readonly inner: NetGraphMsgHandler | undefined,
    private readonly opts: { gossipQueries?: boolean } = {},
  ) {}
  peerConnected(id: Uint8Array, init: Init, inbound: boolean): undefined {
    return this.inner?.peerConnected(id, init, inbound);
  }
  /** Queues a gossip_timestamp_filter asking `id` for everything. */
  askEverything(id: Uint8Array): void {
    this.pending.push({ kind: 'send-message', nodeId: id, msg: { name: 'gossip_timestamp_filter', msg: { chainHash: chain, firstTimestamp: 0, timestampRange: 0xffffffff } } });
  }
  peerDisconnected(id: Uint8Array): void {
    this.inner?.peerDisconnected(id);
  }
  handleGossipMessage(from: Uint8Array, m: WireMessage) {
    this.got.push({ from, m });
    return this.inner ? this.inner.handleGossipMessage(from, m) : false;
  }
  nextGossipForPeer(id: Uint8Array, n: number): WireMessage[] {
    return this.inner?.nextGossipForPeer(id, n) ?? [];
  }
  providedInitFeatures(): Features {
    return this.opts.gossipQueries === false ? new Features('init') : Features.of('init', { gossip_queries: 'optional' });
  }
  providedNodeFeatures(): Features {
    return new Features('node');
  }
  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    return [...this.pending.splice(0), ...(this.inner?.getAndClearPendingMsgEvents() ?? [])];
  }
  names(from?: Uint8Array): string[] {
    return this.got.filter((g) => !from || equalBytes(g.from, from)).map((g) => g.m.name);
  }
}

function gossipNode(seed: number, opts: { gossipQueries?: boolean; graph?: NetworkGraph } = {}): TestPeer & { rec: Recorder; h: NetGraphMsgHandler } {
  const h = new NetGraphMsgHandler(opts.graph ?? new NetworkGraph(chain), null, nullLogger, crypto, { ourNodeId: nodeIdOf(seed) });
  const rec = new Recorder(h);
  const chanHandler = opts.gossipQueries === false ? new NoGossipQueriesChannels() : new ErroringMessageHandler();
  return { ...makePeer(seed, { chanHandler, routeHandler: rec }), rec, h };
}

/** Pumps every link until all are quiet. */
function pumpAll(links: Link[]): void {
  for (let i = 0; i < 1000; i++) {
    let moved = 0;
    for (const l of links) moved += l.pump();
    if (moved === 0) return;
  }
  throw new Error('never quiet');
}

/** A signed channel between nodes `a` and `b`, both directions updated at `ts`, and node `a` announced. */
function channelGossip(a: number, b: number, s: bigint, ts: number): WireMessage[] {
  const ann = announcement(a, b, s);
  return [
    { name: 'channel_announcement', msg: ann },
    { name: 'channel_update', msg: update(ann, 0, ts) },
    { name: 'channel_update', msg: update(ann, 1, ts + 1) },
    { name: 'node_announcement', msg: nodeAnn(a, ts) },
  ];
}

describe('PeerManager gossip relay and sync (BOLT 7)', () => {
  test('gossip from one peer reaches the others through their filters, never the sender; a peer without gossip_queries gets it unasked', () => {
    const hub = gossipNode(1);
    const b = gossipNode(2);
    const c = gossipNode(3);
    const dRec = new Recorder(undefined, { gossipQueries: false });
    const d = makePeer(4, { chanHandler: new NoGossipQueriesChannels(), routeHandler: dRec });
    const links = [link(b, hub), link(c, hub), link(d, hub)];
    pumpAll(links);
    for (const l of links) assert.deepEqual(l.errors, { a: [], b: [] });
    // Each gossip_queries side sent the other its filter and a range query (empty graphs: nothing more).
    assert.deepEqual(hub.rec.names(c.nodeId), ['gossip_timestamp_filter', 'query_channel_range', 'reply_channel_range']);
    assert.deepEqual(dRec.names(), [], 'no queries or filters to a peer without gossip_queries');
    // B learns a channel (say, from a peer not shown) and relays it to the hub.
    for (const m of channelGossip(0, 5, scid(10, 1), 1000)) assert.equal(b.h.handleGossipMessage(nodeIdOf(99), m), true);
    b.pm.processEvents();
    pumpAll(links);
    const expected = ['channel_announcement', 'channel_update', 'channel_update', 'node_announcement'];
    assert.deepEqual(hub.rec.names(b.nodeId).slice(-4), expected);
    assert.deepEqual(c.rec.names(hub.nodeId).slice(-4), expected, 'relayed to C, which sent a filter');
    assert.equal(c.h.graph.channel(scid(10, 1))?.twoToOne?.lastUpdate, 1001);
    assert.deepEqual(dRec.names(hub.nodeId), expected, 'relayed to D unfiltered (no gossip_queries)');
    assert.ok(!b.rec.names(hub.nodeId).includes('channel_announcement'), 'nothing went back to B');
    for (const l of links) assert.deepEqual(l.errors, { a: [], b: [] });
  });

  test('initial sync: a new node fills its graph from a peer by filter backfill and queries', () => {
    const hub = gossipNode(1);
    // Every pair of nodes 0..5 (the signers gossip_helpers knows): 15 channels.
    let i = 0;
    for (let x = 0; x < 6; x++) {
      for (let y = x + 1; y < 6; y++, i++) for (const m of channelGossip(x, y, scid(20 + i, 1), 2000 + i)) hub.h.handleGossipMessage(nodeIdOf(99), m);
    }
    assert.deepEqual(hub.h.graph.size, { channels: 15, nodes: 6 });
    const n = gossipNode(7);
    const l = link(n, hub);
    pumpAll([l]);
    assert.deepEqual(l.errors, { a: [], b: [] });
    const asked = hub.rec.names(n.nodeId);
    assert.ok(asked.includes('gossip_timestamp_filter') && asked.includes('query_channel_range'), asked.join());
    assert.deepEqual(n.h.graph.size, hub.h.graph.size);
    for (const c of hub.h.graph.allChannels()) {
      const mine = n.h.graph.channel(c.shortChannelId);
      assert.equal(mine?.oneToTwo?.lastUpdate, c.oneToTwo?.lastUpdate);
      assert.equal(mine?.twoToOne?.lastUpdate, c.twoToOne?.lastUpdate);
    }
    for (const node of hub.h.graph.allNodes()) assert.equal(n.h.graph.node(node.nodeId)?.announcement?.timestamp, node.announcement?.timestamp);
    assert.equal(n.h.peerGossipStatus(hub.nodeId)?.syncing, false, 'our sync with the hub completed');
  });

  test('over the wire: what the filter leaves out comes by query_short_channel_ids, one batch in flight', () => {
    const NOW = 1_800_000_000;
    const hub = gossipNode(1);
    let i = 0;
    for (let x = 0; x < 6; x++) {
      for (let y = x + 1; y < 6; y++, i++) for (const m of channelGossip(x, y, scid(30 + i, 1), 1000 + i)) hub.h.handleGossipMessage(nodeIdOf(99), m);
    }
    // The new node knows the time: its filter starts two weeks back, so none of the hub's (old)
    // gossip is backfilled, but the range query still lists the channels.
    const n = gossipNode(7);
    n.h.setCurrentTime(NOW);
    const l = link(n, hub);
    pumpAll([l]);
    assert.deepEqual(l.errors, { a: [], b: [] });
    const asked = hub.rec.names(n.nodeId);
    // (The reply_channel_range answers the hub's own sync query to the new node.)
    assert.deepEqual(asked, ['gossip_timestamp_filter', 'query_channel_range', 'reply_channel_range', 'query_short_channel_ids']);
    const q = hub.rec.got.find((g) => g.m.name === 'query_short_channel_ids')!.m;
    assert.ok(q.name === 'query_short_channel_ids' && q.msg.encodedShortIds.length === 1 + 15 * 8);
    assert.deepEqual(n.rec.names(hub.nodeId).filter((x) => x.startsWith('reply')), ['reply_channel_range', 'reply_short_channel_ids_end']);
    assert.equal(n.h.graph.size.channels, 15, 'every channel announcement arrived by query');
    assert.equal(n.h.peerGossipStatus(hub.nodeId)?.syncing, false);
  });

  test('a 5,000-channel backfill is paced by the socket: the sender never queues more than a few batches', () => {
    const graph = new NetworkGraph(chain);
    const a = announcement(0, 1, 1n);
    const annTpl = ChannelAnnouncement.encodePayload(a);
    const updTpl = ChannelUpdate.encodePayload(update(a, 0, 1000));
    const N = 5000;
    for (let i = 0; i < N; i++) {
      const s = scid(100 + i, 1);
      const ann = annTpl.slice();
      new DataView(ann.buffer).setBigUint64(256 + 2 + 32, s);
      const upd = updTpl.slice();
      new DataView(upd.buffer).setBigUint64(64 + 32, s);
      graph.addChannel({ shortChannelId: s, node1: a.nodeId1, node2: a.nodeId2, features: a.features, capacitySat: undefined, announcement: ann });
      graph.updateChannel(s, 0, { enabled: true, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, htlcMaximumMsat: 1n << 30n, feeBaseMsat: 1, feeProportionalMillionths: 1, lastUpdate: 1000, message: upd });
    }
    const hub = gossipNode(1, { graph });
    // The receiver records what arrives without checking it (these copies carry the template's signatures).
    const rec = new Recorder(undefined);
    const r = makePeer(8, { routeHandler: rec });
    const l = link(hub, r);
    l.pump();
    const channelMsgs = () => rec.got.filter((g) => g.m.name === 'channel_announcement' || g.m.name === 'channel_update');
    assert.deepEqual(rec.names(), ['gossip_timestamp_filter', 'query_channel_range'], 'connected; no gossip asked for yet');
    // The filter reaches the hub; one processEvents with a socket that takes everything.
    rec.askEverything(hub.nodeId);
    r.pm.processEvents();
    hub.pm.readEvent(l.sa, l.sb.take());
    hub.pm.processEvents();
    r.pm.readEvent(l.sb, l.sa.take());
    const first = channelMsgs().length;
    assert.ok(first > 0 && first <= 4 * 34, `one processEvents hands out at most 4 batches (${first})`);
    const peers = (hub.pm as unknown as { peers: Map<unknown, { outboundBytes: number }> }).peers;
    const hubPeer = peers.get(l.sa)!;
    let maxQueued = 0;
    let steps = 0;
    while (channelMsgs().length < 2 * N && steps < 10_000) {
      steps++;
      l.sa.accept = 4096;
      assert.equal(hub.pm.writeBufferSpaceAvail(l.sa), undefined);
      hub.pm.processEvents();
      maxQueued = Math.max(maxQueued, hubPeer.outboundBytes);
      const res = r.pm.readEvent(l.sb, l.sa.take());
      assert.ok(!(res instanceof PeerHandleError));
      r.pm.processEvents();
      hub.pm.readEvent(l.sa, l.sb.take());
    }
    assert.equal(channelMsgs().length, 2 * N, `all delivered in ${steps} steps`);
    assert.ok(maxQueued < 48 * 1024, `at most ${maxQueued} bytes queued at the sender`);
    assert.ok(steps > (2 * N * 140) / 4096, 'it took many socket drains, not one burst');
    let lastAnn: bigint | undefined;
    for (const { m } of channelMsgs()) {
      if (m.name === 'channel_announcement') lastAnn = m.msg.shortChannelId;
      else if (m.name === 'channel_update') assert.equal(m.msg.shortChannelId, lastAnn);
    }
  });

  test('a routing handler without the pull side still has what it accepts broadcast by PeerManager', () => {
    const accepting: RoutingMessageHandler = {
      peerConnected: () => undefined,
      handleGossipMessage: () => true,
      providedInitFeatures: () => new Features('init'),
      providedNodeFeatures: () => new Features('node'),
      getAndClearPendingMsgEvents: () => [],
    };
    const hub = makePeer(1, { routeHandler: accepting });
    const b = makePeer(2);
    const cRec = new Recorder(undefined);
    const c = makePeer(3, { routeHandler: cRec });
    const lb = link(b, hub);
    const lc = link(c, hub);
    pumpAll([lb, lc]);
    const pmB = b.pm as unknown as { peers: Map<unknown, unknown>; sendMessage(p: unknown, m: WireMessage): void; flush(p: unknown): void };
    const toHub = pmB.peers.get(lb.sa);
    pmB.sendMessage(toHub, channelGossip(0, 1, scid(1, 1), 10)[0]!);
    pmB.flush(toHub);
    pumpAll([lb, lc]);
    assert.deepEqual(cRec.names(hub.nodeId), ['channel_announcement']);
  });

  test('with NetGraphMsgHandler, init advertises gossip_queries (optional) even when the channel handler does not', () => {
    const hub = gossipNode(1, { gossipQueries: false });
    const b = makePeer(2);
    const l = link(b, hub);
    l.pump();
    const seen = b.pm.getPeerNodeIds()[0]!.features;
    assert.ok(seen.isSet(7) && !seen.isSet(6));
  });
});
