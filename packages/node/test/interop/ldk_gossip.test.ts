import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainHash } from '@lnts/lightning/chain';
import { nobleBackend as crypto, sha256d } from '@lnts/lightning/crypto';
import { ChannelAnnouncement, ChannelUpdate, ErroringMessageHandler, NodeAnnouncement, PeerManager, type WireMessage } from '@lnts/lightning/ln';
import { NetGraphMsgHandler, NetworkGraph } from '@lnts/lightning/routing';
import { compareBytes, equalBytes, type LightningError } from '@lnts/lightning/util';
import { connectOutbound } from '../../src/net/tcp.js';
import { type Ldk, ldkListen, ldkSuiteHooks, makeLdkNode, waitFor } from '../support/ldk.js';

// Gossip interop with LDK's P2PGossipSync over loopback TCP (BOLT 7): each side advertises
// gossip_queries, sends its gossip_timestamp_filter, and backfills the other; our
// query_channel_range is answered; signed gossip each side holds ends up in the other's graph.

const regtest = chainHash('regtest');
const key = (i: number) => crypto.sha256(Uint8Array.of(i, 9));
const pub = (i: number) => crypto.publicKey(key(i));

function signedChannel(a: number, b: number, scid: bigint, ts: number): WireMessage[] {
  const [n1, n2] = compareBytes(pub(a), pub(b)) < 0 ? [a, b] : [b, a];
  const zero = new Uint8Array(64);
  const unsigned: ChannelAnnouncement = {
    nodeSignature1: zero, nodeSignature2: zero, bitcoinSignature1: zero, bitcoinSignature2: zero,
    features: new Uint8Array(0), chainHash: regtest, shortChannelId: scid,
    nodeId1: pub(n1), nodeId2: pub(n2), bitcoinKey1: pub(n1 + 50), bitcoinKey2: pub(n2 + 50),
  };
  const d = sha256d(crypto, ChannelAnnouncement.encodePayload(unsigned).subarray(256));
  const ann: ChannelAnnouncement = {
    ...unsigned,
    nodeSignature1: crypto.signEcdsa(d, key(n1)), nodeSignature2: crypto.signEcdsa(d, key(n2)),
    bitcoinSignature1: crypto.signEcdsa(d, key(n1 + 50)), bitcoinSignature2: crypto.signEcdsa(d, key(n2 + 50)),
  };
  const upd = (direction: 0 | 1): ChannelUpdate => {
    const u: ChannelUpdate = {
      signature: zero, chainHash: regtest, shortChannelId: scid, timestamp: ts, messageFlags: 1, channelFlags: direction,
      cltvExpiryDelta: 40, htlcMinimumMsat: 1000n, feeBaseMsat: 1000, feeProportionalMillionths: 100, htlcMaximumMsat: 100_000_000n,
    };
    return { ...u, signature: crypto.signEcdsa(sha256d(crypto, ChannelUpdate.encodePayload(u).subarray(64)), key(direction === 0 ? n1 : n2)) };
  };
  const n: NodeAnnouncement = {
    signature: zero, features: new Uint8Array(0), timestamp: ts, nodeId: pub(a), rgbColor: Uint8Array.of(1, 2, 3), alias: new Uint8Array(32).fill(76), addresses: new Uint8Array(0),
  };
  const node: NodeAnnouncement = { ...n, signature: crypto.signEcdsa(sha256d(crypto, NodeAnnouncement.encodePayload(n).subarray(64)), key(a)) };
  return [
    { name: 'channel_announcement', msg: ann },
    { name: 'channel_update', msg: upd(0) },
    { name: 'channel_update', msg: upd(1) },
    { name: 'node_announcement', msg: node },
  ];
}

describe('gossip interop with LDK (BOLT 7)', { timeout: 60_000 }, () => {
  let ldk: Ldk;
  const cleanup = ldkSuiteHooks((l) => {
    ldk = l;
  });

  test('filters, range query and backfill both ways: each graph ends up with the other’s channels', async () => {
    const now = Math.floor(Date.now() / 1000);
    const node = makeLdkNode(ldk, 21, { gossip: true });
    // LDK's graph: three channels, fed to its P2PGossipSync as if a peer had sent them.
    const rmh = node.gossipSync!.as_RoutingMessageHandler();
    const theirs = [signedChannel(0, 1, 101n << 40n, now - 60), signedChannel(1, 2, 102n << 40n, now - 60), signedChannel(2, 3, 103n << 40n, now - 60)];
    const read = <T>(r: { is_ok(): boolean }): T => {
      assert.ok(r.is_ok(), 'LDK reads our encoding');
      return (r as unknown as { res: T }).res;
    };
    for (const ms of theirs) {
      for (const m of ms) {
        const r =
          m.name === 'channel_announcement'
            ? rmh.handle_channel_announcement(null, read(ldk.ChannelAnnouncement.constructor_read(ChannelAnnouncement.encodePayload(m.msg))))
            : m.name === 'channel_update'
              ? rmh.handle_channel_update(null, read(ldk.ChannelUpdate.constructor_read(ChannelUpdate.encodePayload(m.msg))))
              : m.name === 'node_announcement'
                ? rmh.handle_node_announcement(null, read(ldk.NodeAnnouncement.constructor_read(NodeAnnouncement.encodePayload(m.msg))))
                : undefined;
        assert.ok(r?.is_ok(), `LDK took our ${m.name}`);
      }
    }
    // A read-only view holds LDK's graph lock until freed.
    const ldkView = <T>(f: (g: ReturnType<typeof node.graph.read_only>) => T): T => {
      const g = node.graph.read_only();
      try {
        return f(g);
      } finally {
        g.free();
      }
    };
    assert.equal(ldkView((g) => g.list_channels().length), 3);

    // Ours: a NetGraphMsgHandler with one channel of its own, recording what LDK sends.
    const seed = 31;
    const nodeSecret = new Uint8Array(32).fill(seed);
    const h = new NetGraphMsgHandler(new NetworkGraph(regtest), null, { log() {} }, crypto, { ourNodeId: crypto.publicKey(nodeSecret), nowSecs: now });
    for (const m of signedChannel(10, 11, 201n << 40n, now - 30)) assert.equal(h.handleGossipMessage(pub(99), m), true);
    const got: string[] = [];
    const handleGossipMessage = h.handleGossipMessage.bind(h);
    h.handleGossipMessage = (from: Uint8Array, m: WireMessage): boolean | LightningError => {
      const r = handleGossipMessage(from, m);
      if (equalBytes(from, node.nodeId)) got.push(m.name);
      return r;
    };
    const pm = new PeerManager(
      { chanHandler: new ErroringMessageHandler([regtest]), routeHandler: h },
      { nodeSecret, ephemeralRandomData: new Uint8Array(32).fill(seed + 1), crypto, logger: { log() {} } },
    );
    const { server, port } = await ldkListen(node);
    cleanup.push(() => server.close());
    const conn = await connectOutbound(pm, node.nodeId, '127.0.0.1', port);
    cleanup.push(() => conn.socket.destroy());

    await waitFor('LDK’s channels in our graph', () => theirs.every((ms) => {
      const a = ms[0]!.msg as ChannelAnnouncement;
      const c = h.graph.channel(a.shortChannelId);
      return c?.oneToTwo !== undefined && c.twoToOne !== undefined;
    }));
    // LDK moves its backfill on a step per write attempt; its net driver calls process_events often.
    await waitFor('LDK’s node announcements in our graph', () => {
      node.pm.process_events();
      return [0, 1, 2].every((i) => h.graph.node(pub(i))?.announcement !== undefined);
    });
    await waitFor('our channel in LDK’s graph', () => ldkView((g) => g.list_channels().includes(201n << 40n)));
    // LDK saw our gossip_queries: it sent its filter, and answered our range query.
    assert.ok(got.includes('gossip_timestamp_filter'), got.join());
    assert.ok(got.includes('reply_channel_range'), got.join());
    assert.ok(
      ldkView((g) => {
        const info = g.channel(201n << 40n);
        return Boolean(info.get_one_to_two() && info.get_two_to_one());
      }),
      'LDK has both our updates',
    );
    assert.deepEqual(pm.getPeerNodeIds().map((p) => p.features.supports('gossip_queries')), [true]);
  });
});
