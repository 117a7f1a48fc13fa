import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { nobleBackend } from '../../src/crypto/noble.js';
import { Features } from '../../src/ln/features.js';
import { ErroringMessageHandler, type RoutingMessageHandler } from '../../src/ln/msg_handlers.js';
import type { Init } from '../../src/ln/msgs/bolt01.js';
import type { ChannelUpdate } from '../../src/ln/msgs/bolt07.js';
import type { WireMessage } from '../../src/ln/msgs/index.js';
import { NetGraphMsgHandler } from '../../src/routing/gossip.js';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import type { LightningError } from '../../src/util/errors.js';
import type { MessageSendEvent } from '../../src/util/events.js';
import { nullLogger } from '../../src/util/logger.js';
import { announcement, chain, nodeAnn, update } from '../routing/gossip_helpers.js';
import { type Link, link, makePeer, type TestPeer } from '../support/mem_socket.js';

const batchCrypto: CryptoBackend = {
  ...nobleBackend,
  verifyEcdsaBatch: (items) => items.map((it) => nobleBackend.verifyEcdsa(it.sig, it.msg32, it.pubkey)),
};
const scid = (block: number) => BigInt(block) << 40n;

/** A NetGraphMsgHandler that logs how gossip reaches it: `one:<name>` or `batch:<name>,<name>...`. */
class Logging implements RoutingMessageHandler {
  readonly calls: string[] = [];
  readonly h: NetGraphMsgHandler;
  readonly handleGossipMessages?: RoutingMessageHandler['handleGossipMessages'];
  constructor(batched: boolean) {
    this.h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, batchCrypto);
    if (batched) {
      this.handleGossipMessages = (id, msgs, after) => {
        this.calls.push(`batch:${msgs.map((m) => m.name).join(',')}`);
        return this.h.handleGossipMessages(id, msgs, after);
      };
    }
  }
  peerConnected(id: Uint8Array, init: Init, inbound: boolean): undefined {
    return this.h.peerConnected(id, init, inbound);
  }
  peerDisconnected(id: Uint8Array): void {
    this.h.peerDisconnected(id);
  }
  handleGossipMessage(id: Uint8Array, m: WireMessage): boolean | LightningError {
    this.calls.push(`one:${m.name}`);
    return this.h.handleGossipMessage(id, m);
  }
  nextGossipForPeer(id: Uint8Array, n: number): WireMessage[] {
    return this.h.nextGossipForPeer(id, n);
  }
  providedInitFeatures(): Features {
    return this.h.providedInitFeatures();
  }
  providedNodeFeatures(): Features {
    return this.h.providedNodeFeatures();
  }
  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    return this.h.getAndClearPendingMsgEvents();
  }
  /** Calls made after connecting (the filter and range query exchange is left out). */
  gossipCalls(): string[] {
    return this.calls.filter((c) => c.includes('channel_') || c.includes('node_'));
  }
}

/** Records the `channel_update`s handed to the channel handler. */
class UpdateWatcher extends ErroringMessageHandler {
  readonly seen: number[] = [];
  handleChannelUpdate(_id: Uint8Array, msg: ChannelUpdate): void {
    this.seen.push(msg.timestamp);
  }
}

function pumpAll(links: Link[]): void {
  for (let i = 0; i < 100; i++) if (links.reduce((n, l) => n + l.pump(), 0) === 0) return;
}

/** Queues `msgs` from `from` to its peer on `l` so that they arrive in one `readEvent`. */
function sendInOneRead(from: TestPeer, l: Link, msgs: WireMessage[]): void {
  const pm = from.pm as unknown as { peers: Map<unknown, unknown>; sendMessage(p: unknown, m: WireMessage): void; flush(p: unknown): void };
  const p = pm.peers.get(l.sa);
  for (const m of msgs) pm.sendMessage(p, m);
  pm.flush(p);
  l.pump();
}

function hubWith(batched: boolean, chanHandler = new ErroringMessageHandler()) {
  const route = new Logging(batched);
  const hub = makePeer(1, { routeHandler: route, chanHandler });
  const sender = makePeer(2);
  const l = link(sender, hub);
  pumpAll([l]);
  assert.deepEqual(l.errors, { a: [], b: [] });
  return { route, hub, sender, l };
}

describe('PeerManager hands consecutive gossip to handleGossipMessages', () => {
  const a = announcement(0, 1, scid(10));
  const b = announcement(1, 2, scid(11));
  const filter: WireMessage = { name: 'gossip_timestamp_filter', msg: { chainHash: chain, firstTimestamp: 0, timestampRange: 0xffffffff } };

  test('one read: announcements and updates in a row go in one call; any other message ends the run; a lone one goes alone', () => {
    const { route, sender, l } = hubWith(true);
    sendInOneRead(sender, l, [
      { name: 'channel_announcement', msg: a },
      { name: 'channel_update', msg: update(a, 0, 1000) },
      { name: 'channel_update', msg: update(a, 1, 1000) },
      filter,
      { name: 'channel_announcement', msg: b },
      { name: 'node_announcement', msg: nodeAnn(1, 1000) },
      { name: 'ping', msg: { numPongBytes: 4, ignored: new Uint8Array(0) } },
      { name: 'channel_update', msg: update(b, 0, 1000) },
    ]);
    assert.deepEqual(route.gossipCalls(), [
      'batch:channel_announcement,channel_update,channel_update',
      'batch:channel_announcement,node_announcement',
      'one:channel_update',
    ]);
    assert.ok(route.calls.indexOf('one:gossip_timestamp_filter') > route.calls.indexOf('batch:channel_announcement,channel_update,channel_update'));
    assert.deepEqual(l.errors, { a: [], b: [] });
    assert.equal(route.h.graph.channel(a.shortChannelId)?.twoToOne?.lastUpdate, 1000);
    assert.equal(route.h.graph.node(nodeAnn(1, 1000).nodeId)?.announcement?.timestamp, 1000);
    assert.equal(route.h.graph.channel(b.shortChannelId)?.oneToTwo?.lastUpdate, 1000);
  });

  test('a bad signature in a run disconnects the peer with a warning and nothing after it is applied, exactly as one by one', () => {
    const run: WireMessage[] = [
      { name: 'channel_announcement', msg: a },
      { name: 'channel_update', msg: update(a, 0, 1000) },
      { name: 'channel_update', msg: update(a, 0, 1000) }, // duplicate: ignored, the run goes on
      { name: 'channel_announcement', msg: announcement(2, 3, scid(12), { badSig: true }) },
      { name: 'channel_update', msg: update(a, 1, 1000) },
      { name: 'channel_announcement', msg: b },
    ];
    const graphs: Uint8Array[] = [];
    for (const batched of [true, false]) {
      const { route, sender, l } = hubWith(batched);
      sendInOneRead(sender, l, run);
      assert.deepEqual(route.gossipCalls(), batched ? [`batch:${run.map((m) => m.name).join(',')}`] : run.slice(0, 4).map((m) => `one:${m.name}`));
      assert.equal(l.errors.b.length, 1, 'the hub dropped the sender');
      assert.match(l.errors.b[0]!.message, /Invalid signature on channel_announcement/);
      assert.ok(sender.logs.some((r) => /peer sent warning: Invalid signature/.test(r.message)), 'the sender was warned');
      assert.equal(route.h.graph.channel(a.shortChannelId)?.twoToOne, undefined, 'the update after the bad message was not applied');
      assert.equal(route.h.graph.channel(b.shortChannelId), undefined);
      graphs.push(route.h.graph.write());
    }
    assert.deepEqual(graphs[0], graphs[1]);
  });

  test("each channel_update of a run also reaches the channel handler, in order, up to the one that disconnects", () => {
    const watcher = new UpdateWatcher();
    const { sender, l } = hubWith(true, watcher);
    sendInOneRead(sender, l, [
      { name: 'channel_announcement', msg: a },
      { name: 'channel_update', msg: update(a, 0, 1000) },
      { name: 'channel_update', msg: update(a, 1, 2000) },
      { name: 'channel_update', msg: update(a, 1, 2500, 1000, 3) }, // signed by the wrong node
      { name: 'channel_update', msg: update(a, 0, 3000) },
    ]);
    assert.deepEqual(watcher.seen, [1000, 2000, 2500]);
    assert.equal(l.errors.b.length, 1);
  });

  test('a routing handler without the pull side has each accepted message of a run broadcast, in order', () => {
    const got: string[] = [];
    const accepting: RoutingMessageHandler = {
      peerConnected: () => undefined,
      handleGossipMessage: () => true,
      handleGossipMessages: (_id, msgs, after) => {
        const out: boolean[] = [];
        for (let i = 0; i < msgs.length; i++) {
          out.push(true);
          if (after?.(i, true)) break;
        }
        return out;
      },
      providedInitFeatures: () => new Features('init'),
      providedNodeFeatures: () => new Features('node'),
      getAndClearPendingMsgEvents: () => [],
    };
    const recording: RoutingMessageHandler = {
      ...accepting,
      handleGossipMessage: (_id, m) => {
        got.push(m.name);
        return false;
      },
      handleGossipMessages: undefined,
    };
    const hub = makePeer(1, { routeHandler: accepting });
    const sender = makePeer(2);
    const c = makePeer(3, { routeHandler: recording });
    const ls = link(sender, hub);
    const lc = link(c, hub);
    pumpAll([ls, lc]);
    sendInOneRead(sender, ls, [
      { name: 'channel_announcement', msg: a },
      { name: 'channel_update', msg: update(a, 0, 1000) },
      { name: 'node_announcement', msg: nodeAnn(1, 1000) },
    ]);
    pumpAll([ls, lc]);
    assert.deepEqual(got, ['channel_announcement', 'channel_update', 'node_announcement']);
  });
});
