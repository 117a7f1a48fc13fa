import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serializeTx } from '@lnts/lightning/bitcoin';
import { chainHash } from '@lnts/lightning/chain';
import { nobleBackend } from '@lnts/lightning/crypto';
import { decodeInvoice, InvoiceError } from '@lnts/lightning/invoice';
import { ipv4, type WireMessage } from '@lnts/lightning/ln';
import {
  decodeShortIds,
  type DirectionalChannelInfo,
  encodeShortIds,
  type NetworkGraph,
  paymentParametersFromInvoice,
  ProbabilisticScorer,
  type Route,
  type RouteNotFound,
  routeParametersFromPaymentParamsAndValue,
} from '@lnts/lightning/routing';
import { compareBytes, DecodeError, type Event, equalBytes, type LightningError, type MessageSendEvent, toHex, type UserConfigOverrides } from '@lnts/lightning/util';
import type * as LDK from 'lightningdevkit';
import { connectOutbound, setupInbound } from '../../src/net/tcp.js';
import { blockTxdata, RegtestWallet } from '../../src/regtest/index.js';
import { Network, type TestNode } from '../functional/harness.js';
import { type Ldk, type LdkNode, ldkBlockConnected, ldkConnect, ldkEvents, ldkListen, loadLdk, makeLdkNode, waitFor } from '../support/ldk.js';

// Issue 9 with LDK over real loopback TCP through both PeerManagers, on the embedded regtest
// chain: four nodes A (ours) – L (LDK) – B (ours) – M (LDK) with public channels A–L, L–B, B–M,
// announced after 6 confirmations (announcement_signatures exchanged with LDK) plus each node's
// node_announcement; both implementations' graphs learn the whole network from gossip; gossip
// queries each way; A pays M over a route OUR getRoute found (DefaultRouter + ProbabilisticScorer)
// in the gossip-learned graph, and M pays A over a route LDK found in its graph.

const REGTEST = chainHash('regtest');
const L_FEES = { base: 1500, ppm: 250, cltv: 48 };
const B_FEES = { base: 1100, ppm: 300, cltv: 60 };

/** Our announced-channel config (BOLT 7 `announce_channel`), with optional forwarding fees. */
function ours(fees?: { base: number; ppm: number; cltv: number }): UserConfigOverrides {
  return {
    channelHandshakeConfig: { announceForForwarding: true },
    ...(fees ? { channelConfig: { forwardingFeeBaseMsat: fees.base, forwardingFeeProportionalMillionths: fees.ppm, cltvExpiryDelta: fees.cltv } } : {}),
  };
}

/** LDK's side of an announced channel: `announce_for_forwarding` (its `force_announced_channel_preference` stays on). */
function ldkConfig(fees?: { base: number; ppm: number; cltv: number }) {
  return (c: LDK.UserConfig): void => {
    c.set_manually_accept_inbound_channels(true);
    const h = c.get_channel_handshake_config();
    h.set_announce_for_forwarding(true);
    c.set_channel_handshake_config(h);
    if (fees) {
      const cc = c.get_channel_config();
      cc.set_forwarding_fee_base_msat(fees.base);
      cc.set_forwarding_fee_proportional_millionths(fees.ppm);
      cc.set_cltv_expiry_delta(fees.cltv);
      c.set_channel_config(cc);
    }
  };
}

/** Gossip a node of ours received, by sender, and what its routing handler sent. */
interface GossipLog {
  readonly received: Array<{ from: string; m: WireMessage }>;
  readonly sent: Array<{ to: string; name: string }>;
}

function recordGossip(node: TestNode): GossipLog {
  const log: GossipLog = { received: [], sent: [] };
  const h = node.gossip!;
  const handle = h.handleGossipMessage.bind(h);
  h.handleGossipMessage = (from: Uint8Array, m: WireMessage): boolean | LightningError => {
    log.received.push({ from: toHex(from), m });
    return handle(from, m);
  };
  const next = h.nextGossipForPeer.bind(h);
  h.nextGossipForPeer = (to: Uint8Array, max: number): WireMessage[] => {
    const out = next(to, max);
    for (const m of out) log.sent.push({ to: toHex(to), name: m.name });
    return out;
  };
  const events = h.getAndClearPendingMsgEvents.bind(h);
  h.getAndClearPendingMsgEvents = (): MessageSendEvent[] => {
    const out = events();
    for (const e of out) if (e.kind === 'send-message') log.sent.push({ to: toHex(e.nodeId), name: e.msg.name });
    return out;
  };
  return log;
}

/** LDK's read-only graph view holds its lock until freed. */
function ldkView<T>(n: LdkNode, f: (g: LDK.ReadOnlyNetworkGraph) => T): T {
  const g = n.graph.read_only();
  try {
    return f(g);
  } finally {
    g.free();
  }
}

/** Nullable struct getters of the bindings return a wrapper around NULL instead of `null`. */
function present(x: unknown): boolean {
  return x != null && (x as { ptr?: bigint }).ptr !== 0n;
}

/** LDK's graph knows the channel with both directions' updates. */
function ldkHasChannel(n: LdkNode, scid: bigint): boolean {
  return ldkView(n, (g) => {
    if (!g.list_channels().includes(scid)) return false;
    const c = g.channel(scid);
    return present(c) && present(c.get_one_to_two()) && present(c.get_two_to_one());
  });
}

/** LDK's graph has the node's node_announcement. */
function ldkHasNodeAnnouncement(n: LdkNode, nodeId: Uint8Array): boolean {
  return ldkView(n, (g) => {
    const info = g.node(n.ldk.NodeId.constructor_from_pubkey(nodeId));
    return present(info) && info.get_announcement_info() instanceof n.ldk.Option_NodeAnnouncementInfoZ_Some;
  });
}

/** LDK's policy of `from`'s direction of the channel: fee base, proportional, cltv delta. */
function ldkPolicy(n: LdkNode, scid: bigint, from: Uint8Array): [number, number, number] {
  return ldkView(n, (g) => {
    const c = g.channel(scid);
    const one = equalBytes(c.get_node_one().as_slice(), from);
    const u = one ? c.get_one_to_two() : c.get_two_to_one();
    const fees = u.get_fees();
    return [fees.get_base_msat(), fees.get_proportional_millionths(), u.get_cltv_expiry_delta()];
  });
}

/** Our graph's policy of `from`'s direction of the channel. */
function policy(graph: NetworkGraph, scid: bigint, from: Uint8Array): DirectionalChannelInfo | undefined {
  const c = graph.channel(scid);
  if (!c) return undefined;
  return compareBytes(from, c.node1) === 0 ? c.oneToTwo : c.twoToOne;
}

function bothPolicies(graph: NetworkGraph, scid: bigint): boolean {
  const c = graph.channel(scid);
  return c?.oneToTwo !== undefined && c.twoToOne !== undefined;
}

/** BOLT 7 fee for forwarding `amountMsat`: base + amount × proportional / 1,000,000 (rounded down). */
function fee(p: DirectionalChannelInfo, amountMsat: bigint): bigint {
  return BigInt(p.feeBaseMsat) + (amountMsat * BigInt(p.feeProportionalMillionths)) / 1_000_000n;
}

/** A RoutingMessageHandler around LDK's P2PGossipSync that also sends the queries we queue and records the replies. */
interface QueryHook {
  readonly queue: LDK.MessageSendEvent[];
  readonly replies: Array<{ from: string; scids: bigint[]; complete: boolean }>;
}

function withQueries(hook: QueryHook) {
  return (sync: LDK.P2PGossipSync, ldk: Ldk): LDK.RoutingMessageHandler => {
    const inner = sync.as_RoutingMessageHandler();
    const events = sync.as_MessageSendEventsProvider();
    return ldk.RoutingMessageHandler.new_impl(
      {
        handle_node_announcement: (id, m) => inner.handle_node_announcement(id, m),
        handle_channel_announcement: (id, m) => inner.handle_channel_announcement(id, m),
        handle_channel_update: (id, m) => inner.handle_channel_update(id, m),
        get_next_channel_announcement: (s) => inner.get_next_channel_announcement(s),
        get_next_node_announcement: (s) => inner.get_next_node_announcement(present(s) ? s : null),
        peer_connected: (id, init, inbound) => inner.peer_connected(id, init, inbound),
        handle_reply_channel_range: (id, m) => {
          hook.replies.push({ from: toHex(id), scids: m.get_short_channel_ids(), complete: Boolean(m.get_sync_complete()) });
          return inner.handle_reply_channel_range(id, m);
        },
        handle_reply_short_channel_ids_end: (id, m) => inner.handle_reply_short_channel_ids_end(id, m),
        handle_query_channel_range: (id, m) => inner.handle_query_channel_range(id, m),
        handle_query_short_channel_ids: (id, m) => inner.handle_query_short_channel_ids(id, m),
        processing_queue_high: () => Boolean(inner.processing_queue_high()),
        provided_node_features: () => inner.provided_node_features(),
        provided_init_features: (id) => inner.provided_init_features(id),
      },
      { get_and_clear_pending_msg_events: () => [...events.get_and_clear_pending_msg_events(), ...hook.queue.splice(0)] },
    );
  };
}

interface World {
  readonly ldk: Ldk;
  readonly net: Network;
  readonly A: TestNode;
  readonly B: TestNode;
  /** Ours, connected to nobody until the query test. */
  readonly C: TestNode;
  readonly L: LdkNode;
  readonly M: LdkNode;
  readonly ldks: LdkNode[];
  readonly ldkWallets: Map<LdkNode, RegtestWallet>;
  readonly ldkSeen: Map<LdkNode, LDK.Event[]>;
  readonly ourSeen: Map<TestNode, Event[]>;
  readonly ourPorts: Map<TestNode, number>;
  readonly servers: Server[];
  readonly rejected: string[];
  readonly gossipLog: Map<TestNode, GossipLog>;
  /** Routes our routers returned, by node. */
  readonly routes: Map<TestNode, Array<Route | RouteNotFound>>;
  scids: { al: bigint; lb: bigint; bm: bigint };
}

function addLdk(w: Pick<World, 'ldk' | 'net' | 'ldks' | 'ldkSeen' | 'servers' | 'rejected'>, seed: number, configure: (c: LDK.UserConfig) => void, wrapGossip?: ReturnType<typeof withQueries>): LdkNode {
  const n = makeLdkNode(w.ldk, seed, {
    gossip: true,
    bestBlock: { hash: w.net.chain.tip.hash, height: w.net.chain.height },
    onBroadcast: (tx) => {
      const r = w.net.chain.submit(tx);
      if (!r.ok && r.reason !== 'txn-already-in-mempool' && r.reason !== 'txn-already-known') w.rejected.push(`${r.reason} ${r.detail ?? ''}`);
    },
    configure,
    ...(wrapGossip ? { wrapGossip } : {}),
  });
  w.ldks.push(n);
  w.ldkSeen.set(n, []);
  return n;
}

/** One round of event handling on every node, as an application would do it. */
function handleAll(w: World): void {
  const { ldk } = w;
  for (const n of w.net.nodes) {
    n.pm.processEvents();
    for (const e of n.cm.getAndClearPendingEvents()) {
      if (e.kind === 'PendingHTLCsForwardable') n.cm.processPendingHtlcForwards();
      else if (e.kind === 'PaymentClaimable' && e.purpose.preimage) n.cm.claimFunds(e.purpose.preimage);
      w.ourSeen.get(n)!.push(e);
    }
    n.pm.processEvents();
  }
  for (const n of w.ldks) {
    n.pm.process_events();
    for (const e of ldkEvents(n)) {
      if (e instanceof ldk.Event_OpenChannelRequest) {
        assert.ok(n.cm.accept_inbound_channel(e.temporary_channel_id, e.counterparty_node_id, 1n).is_ok(), 'LDK accepts the channel');
      } else if (e instanceof ldk.Event_FundingGenerationReady) {
        const tx = w.ldkWallets.get(n)!.fund([{ value: e.channel_value_satoshis, script: e.output_script }], 253);
        assert.ok(n.cm.funding_transaction_generated(e.temporary_channel_id, e.counterparty_node_id, serializeTx(tx)).is_ok());
      } else if (e instanceof ldk.Event_PendingHTLCsForwardable) {
        n.cm.process_pending_htlc_forwards();
      } else if (e instanceof ldk.Event_PaymentClaimable) {
        const purpose = e.purpose as unknown as { payment_preimage?: unknown };
        if (purpose.payment_preimage instanceof ldk.Option_ThirtyTwoBytesZ_Some) n.cm.claim_funds(purpose.payment_preimage.some);
      }
      w.ldkSeen.get(n)!.push(e);
    }
  }
}

async function until(w: World, what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  await waitFor(
    what,
    () => {
      handleAll(w);
      return cond();
    },
    ms,
  );
}

type Peer = TestNode | LdkNode;
const isOurs = (p: Peer): p is TestNode => 'keys' in p;
const idOf = (p: Peer): Uint8Array => (isOurs(p) ? p.keys.getNodeId() : p.nodeId);

function peersOf(p: Peer): Uint8Array[] {
  return isOurs(p) ? p.pm.getPeerNodeIds().map((x) => x.nodeId) : p.pm.list_peers().map((x) => x.get_counterparty_node_id());
}

/** `from` opens a TCP connection to `to` (whose listener is ours or LDK's) and both finish init. */
async function connect(w: World, from: Peer, to: Peer, ldkPorts: Map<LdkNode, number>): Promise<void> {
  const port = isOurs(to) ? w.ourPorts.get(to)! : ldkPorts.get(to)!;
  if (isOurs(from)) await connectOutbound(from.pm, idOf(to), '127.0.0.1', port);
  else await ldkConnect(from, idOf(to), '127.0.0.1', port);
  await until(w, 'connected', () => peersOf(from).some((p) => equalBytes(p, idOf(to))) && peersOf(to).some((p) => equalBytes(p, idOf(from))));
}

async function openChannel(w: World, from: Peer, to: Peer, valueSat: bigint, pushMsat: bigint): Promise<void> {
  const inMempool = w.net.chain.mempoolTxids().length;
  if (isOurs(from)) {
    const tmp = from.cm.createChannel(idOf(to), valueSat, pushMsat, 1n);
    let f: Extract<Event, { kind: 'FundingGenerationReady' }> | undefined;
    await until(w, 'FundingGenerationReady', () => {
      f = w.ourSeen.get(from)!.find((e): e is Extract<Event, { kind: 'FundingGenerationReady' }> => e.kind === 'FundingGenerationReady' && equalBytes(e.temporaryChannelId, tmp));
      return f !== undefined;
    });
    from.cm.fundingTransactionGenerated(tmp, idOf(to), serializeTx(from.wallet.fund([{ value: f!.channelValueSatoshis, script: f!.outputScript }], 253)));
  } else {
    assert.ok(from.cm.create_channel(idOf(to), valueSat, pushMsat, 2n, null, null).is_ok(), 'LDK create_channel');
  }
  await until(w, 'funding broadcast', () => w.net.chain.mempoolTxids().length === inMempool + 1);
}

function scidBetween(n: TestNode, other: Peer): bigint {
  const c = n.cm.listChannels().find((ch) => equalBytes(ch.counterpartyNodeId, idOf(other)));
  assert.ok(c?.shortChannelId !== undefined, 'confirmed channel');
  return c.shortChannelId;
}

function shutdown(w: World): void {
  for (const n of w.net.nodes) {
    n.addedMonitors = 0;
    n.pm.disconnectAllPeers();
  }
  for (const n of w.ldks) n.pm.disconnect_all_peers();
  for (const s of w.servers) s.close();
}

describe('gossip and routing with LDK over loopback TCP (BOLT 7, BOLT 4)', { timeout: 120_000 }, () => {
  let w: World;
  const ldkPorts = new Map<LdkNode, number>();

  before(async () => {
    const ldk = await loadLdk();
    const net = new Network(3, {
      gossip: true,
      configs: [ours(), ours(B_FEES), ours()],
      scorer: (graph, logger) => new ProbabilisticScorer({}, graph, logger),
    });
    const [A, B, C] = net.nodes as [TestNode, TestNode, TestNode];
    const partial = { ldk, net, ldks: [] as LdkNode[], ldkSeen: new Map<LdkNode, LDK.Event[]>(), servers: [] as Server[], rejected: [] as string[] };
    const lWallet = new RegtestWallet(net.chain, nobleBackend.sha256(Uint8Array.of(91, 1)));
    net.chain.mine(1, lWallet.script);
    net.chain.mine(100);
    const L = addLdk(partial, 91, ldkConfig(L_FEES));
    const M = addLdk(partial, 92, ldkConfig());
    net.chain.subscribe({
      blockConnected: (b) => {
        for (const n of partial.ldks) ldkBlockConnected(n, b.header, blockTxdata(b), b.height);
      },
      blockDisconnected: () => {},
    });
    const ourPorts = new Map<TestNode, number>();
    for (const node of net.nodes) {
      const server = createServer((s) => setupInbound(node.pm, s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const a = server.address();
      ourPorts.set(node, typeof a === 'object' && a ? a.port : 0);
      partial.servers.push(server);
    }
    for (const n of [L, M]) {
      const { server, port } = await ldkListen(n);
      partial.servers.push(server);
      ldkPorts.set(n, port);
    }
    const routes = new Map<TestNode, Array<Route | RouteNotFound>>();
    for (const n of net.nodes) {
      const list: Array<Route | RouteNotFound> = [];
      routes.set(n, list);
      const router = n.router!;
      const find = router.findRoute.bind(router);
      router.findRoute = (payer, params, firstHops) => {
        const r = find(payer, params, firstHops);
        list.push(r);
        return r;
      };
    }
    w = {
      ...partial,
      A,
      B,
      C,
      L,
      M,
      ldkWallets: new Map([[L, lWallet]]),
      ourSeen: new Map(net.nodes.map((n) => [n, []])),
      ourPorts,
      gossipLog: new Map(net.nodes.map((n) => [n, recordGossip(n)])),
      routes,
      scids: { al: 0n, lb: 0n, bm: 0n },
    };
  });

  after(() => {
    if (w) shutdown(w);
  });

  test('announced channels and node announcements: both implementations’ graphs learn the whole network from gossip', async () => {
    const { A, B, L, M } = w;
    // Ours wait for their first announced channel; LDK's go out once its graph has its channel.
    assert.equal(A.cm.broadcastNodeAnnouncement(Uint8Array.of(0xa0, 0, 0), 'lnts A', [ipv4('127.0.0.1', w.ourPorts.get(A)!)]), 'deferred');
    assert.equal(B.cm.broadcastNodeAnnouncement(Uint8Array.of(0xb0, 0, 0), 'lnts B', [ipv4('127.0.0.1', w.ourPorts.get(B)!)]), 'deferred');
    await connect(w, A, L, ldkPorts);
    await connect(w, B, L, ldkPorts);
    await connect(w, M, B, ldkPorts);
    await openChannel(w, A, L, 1_000_000n, 300_000_000n); // we open to LDK
    await openChannel(w, L, B, 1_000_000n, 300_000_000n); // LDK opens to us
    await openChannel(w, B, M, 1_000_000n, 300_000_000n); // we open to LDK
    w.net.chain.mine(6);
    await until(w, 'every channel usable', () => A.cm.listUsableChannels().length === 1 && B.cm.listUsableChannels().length === 2 && L.cm.list_usable_channels().length === 2 && M.cm.list_usable_channels().length === 1);
    w.scids = { al: scidBetween(A, L), lb: scidBetween(B, L), bm: scidBetween(B, M) };
    const all = [w.scids.al, w.scids.lb, w.scids.bm];
    // announcement_signatures exchanged with LDK at 6 confirmations: each side announces.
    await until(w, 'our channels announced', () => A.cm.listChannels().every((c) => c.announcementBroadcast) && B.cm.listChannels().every((c) => c.announcementBroadcast));
    await until(w, 'all three channels, both directions, in every graph', () =>
      all.every((s) => bothPolicies(A.graph!, s) && bothPolicies(B.graph!, s) && ldkHasChannel(L, s) && ldkHasChannel(M, s)),
    );
    L.pm.broadcast_node_announcement(Uint8Array.of(0x1d, 0x0c, 0), new Uint8Array(32).fill(0x4c), [w.ldk.SocketAddress.constructor_tcp_ip_v4(Uint8Array.of(127, 0, 0, 1), ldkPorts.get(L)!)]);
    M.pm.broadcast_node_announcement(Uint8Array.of(0x1d, 0x0c, 1), new Uint8Array(32).fill(0x4d), []);
    const nodes = [A, B, L, M].map(idOf);
    await until(w, 'four node announcements in every graph', () =>
      nodes.every((id) => A.graph!.node(id)?.announcement !== undefined && B.graph!.node(id)?.announcement !== undefined && ldkHasNodeAnnouncement(L, id) && ldkHasNodeAnnouncement(M, id)),
    );

    for (const n of [A, B]) assert.deepEqual(n.graph!.size, { channels: 3, nodes: 4 }, `${n.name}'s graph`);
    // A holds only A–L: it knows L–B and B–M from what L sent it (its only peer), and never from its ChannelManager.
    assert.equal(A.cm.listChannels().length, 1);
    const logA = w.gossipLog.get(A)!;
    const fromL = logA.received.filter((r) => r.from === toHex(L.nodeId));
    for (const scid of [w.scids.lb, w.scids.bm]) {
      const about = fromL.filter((r) => (r.m.name === 'channel_announcement' || r.m.name === 'channel_update') && r.m.msg.shortChannelId === scid);
      assert.ok(about.some((r) => r.m.name === 'channel_announcement'), `A got ${scid}'s announcement from L`);
      assert.deepEqual(new Set(about.filter((r) => r.m.name === 'channel_update').map((r) => (r.m.msg as { channelFlags: number }).channelFlags & 1)), new Set([0, 1]), 'and both updates');
      assert.ok(logA.received.every((r) => r.from === toHex(L.nodeId) || r.from === toHex(A.keys.getNodeId())), 'from nobody else');
    }
    // LDK never relays a channel_announcement to the channel's own nodes, and sends its update
    // right behind its announcement_signatures: A has L's direction of A–L only because our
    // ChannelManager re-broadcasts the peer's first update behind our announcement (own_gossip.ts).
    assert.ok(!fromL.some((r) => r.m.name === 'channel_announcement' && r.m.msg.shortChannelId === w.scids.al), 'L never sent A the A–L announcement');
    assert.ok(policy(A.graph!, w.scids.al, L.nodeId), 'yet A has L’s direction of it');
    // The policies our graphs learnt are what each node configured.
    for (const g of [A.graph!, B.graph!]) {
      const l = policy(g, w.scids.lb, L.nodeId)!;
      assert.deepEqual([l.feeBaseMsat, l.feeProportionalMillionths, l.cltvExpiryDelta], [L_FEES.base, L_FEES.ppm, L_FEES.cltv], 'L’s channel_update');
      const b = policy(g, w.scids.bm, B.keys.getNodeId())!;
      assert.deepEqual([b.feeBaseMsat, b.feeProportionalMillionths, b.cltvExpiryDelta], [B_FEES.base, B_FEES.ppm, B_FEES.cltv], 'B’s channel_update');
      assert.equal(g.channel(w.scids.al)!.capacitySat, 1_000_000n, 'funding output of LDK’s announcement checked on chain');
    }
    // LDK's graphs hold our channel_updates as we made them, and our node announcements.
    for (const n of [L, M]) {
      assert.deepEqual(ldkPolicy(n, w.scids.bm, B.keys.getNodeId()), [B_FEES.base, B_FEES.ppm, B_FEES.cltv]);
      assert.deepEqual(ldkPolicy(n, w.scids.lb, B.keys.getNodeId()), [B_FEES.base, B_FEES.ppm, B_FEES.cltv]);
      assert.equal(ldkView(n, (g) => g.list_channels().length), 3);
      const rgb = ldkView(n, (g) => (g.node(w.ldk.NodeId.constructor_from_pubkey(A.keys.getNodeId())).get_announcement_info() as LDK.Option_NodeAnnouncementInfoZ_Some).some.rgb());
      assert.deepEqual([...rgb], [0xa0, 0, 0], 'our node_announcement as signed');
    }
    const lAnn = A.graph!.node(L.nodeId)!.announcement!;
    assert.deepEqual([...lAnn.rgbColor], [0x1d, 0x0c, 0]);
    assert.deepEqual(lAnn.netAddresses, [ipv4('127.0.0.1', ldkPorts.get(L)!)], 'LDK’s address as it announced it');
    assert.deepEqual(w.rejected, []);
  });

  test('gossip queries both ways: LDK answers our query_channel_range (not query_short_channel_ids); we answer LDK’s query and backfill a fresh LDK node', async () => {
    const { A, C, L } = w;
    const all = [w.scids.al, w.scids.lb, w.scids.bm].sort((a, b) => (a < b ? -1 : 1));
    // C (ours, fresh) connects to L only: it sends its filter and a query_channel_range for the whole chain.
    const logC = w.gossipLog.get(C)!;
    await connect(w, C, L, ldkPorts);
    await until(w, 'C’s graph filled', () => all.every((s) => bothPolicies(C.graph!, s)) && [A, w.B, L, w.M].every((n) => C.graph!.node(idOf(n))?.announcement !== undefined));
    const fromL = logC.received.filter((r) => r.from === toHex(L.nodeId)).map((r) => r.m);
    const replies = fromL.flatMap((m) => (m.name === 'reply_channel_range' ? [m.msg] : []));
    assert.ok(replies.length >= 1, 'LDK answered our query_channel_range');
    const listed = replies.flatMap((r) => {
      const ids = decodeShortIds(r.encodedShortIds);
      assert.ok(!(ids instanceof DecodeError));
      return ids;
    });
    assert.deepEqual(listed, all, 'listing the three announced channels');
    assert.equal(replies.at(-1)!.syncComplete, 1);
    assert.ok(fromL.some((m) => m.name === 'gossip_timestamp_filter'), 'and sent its own filter');
    // LDK's backfill (it starts one on our gossip_timestamp_filter) delivered every channel as
    // the reply came, so our sync had nothing left to ask. Asked anyway with
    // query_short_channel_ids, LDK 0.1 answers nothing ("Not implemented"): no gossip, no
    // reply_short_channel_ids_end. A query_channel_range right behind it is answered, and LDK
    // answers in order, so whatever it had to say to the first has arrived by then.
    const takeC = C.gossip!.getAndClearPendingMsgEvents.bind(C.gossip!);
    let asked = false;
    C.gossip!.getAndClearPendingMsgEvents = (): MessageSendEvent[] => {
      const out = takeC();
      if (!asked) {
        asked = true;
        out.push(
          { kind: 'send-message', nodeId: L.nodeId, msg: { name: 'query_short_channel_ids', msg: { chainHash: REGTEST, encodedShortIds: encodeShortIds(all) } } },
          { kind: 'send-message', nodeId: L.nodeId, msg: { name: 'query_channel_range', msg: { chainHash: REGTEST, firstBlocknum: 0, numberOfBlocks: 0xffffffff } } },
        );
      }
      return out;
    };
    const receivedBefore = logC.received.length;
    await until(w, 'the answer to the second query', () => logC.received.slice(receivedBefore).some((r) => r.m.name === 'reply_channel_range'));
    assert.deepEqual(logC.received.slice(receivedBefore).map((r) => r.m.name), ['reply_channel_range'], 'LDK left query_short_channel_ids unanswered');
    assert.ok(L.logs.some((l) => /Received message QueryShortChannelIds/.test(l.text)), 'though it got it');
    assert.ok(peersOf(C).some((p) => equalBytes(p, L.nodeId)), 'and stayed connected');

    // A fresh LDK node N connects only to A. LDK 0.1 sends gossip_timestamp_filter and never a
    // query of its own; its filter alone must get it the whole graph from our backfill. A hook
    // around its P2PGossipSync then sends a query_channel_range through LDK's PeerManager.
    const hook: QueryHook = { queue: [], replies: [] };
    const N = addLdk(w, 93, ldkConfig(), withQueries(hook));
    const logA = w.gossipLog.get(A)!;
    const sentBefore = logA.sent.length;
    const { server, port } = await ldkListen(N);
    w.servers.push(server);
    ldkPorts.set(N, port);
    await connect(w, N, A, ldkPorts);
    await until(w, 'N’s graph filled from our backfill', () => all.every((s) => ldkHasChannel(N, s)) && [A, w.B, L, w.M].every((n) => ldkHasNodeAnnouncement(N, idOf(n))));
    assert.ok(logA.received.some((r) => r.from === toHex(N.nodeId) && r.m.name === 'gossip_timestamp_filter'), 'LDK sent its filter');
    assert.ok(!logA.received.some((r) => r.from === toHex(N.nodeId) && r.m.name === 'query_channel_range'), 'and no query by itself');
    assert.deepEqual(ldkPolicy(N, w.scids.lb, L.nodeId), [L_FEES.base, L_FEES.ppm, L_FEES.cltv], 'L’s update relayed by us');
    hook.queue.push(w.ldk.MessageSendEvent.constructor_send_channel_range_query(A.keys.getNodeId(), w.ldk.QueryChannelRange.constructor_new(REGTEST, 0, 0xffffffff)));
    N.pm.process_events();
    await until(w, 'our reply_channel_range decoded by LDK', () => hook.replies.some((r) => r.complete));
    assert.ok(logA.received.some((r) => r.from === toHex(N.nodeId) && r.m.name === 'query_channel_range'), 'we got LDK’s query');
    const ours = logA.sent.slice(sentBefore).filter((s) => s.to === toHex(N.nodeId) && s.name === 'reply_channel_range');
    assert.equal(ours.length, hook.replies.length, 'every reply we sent reached LDK');
    assert.deepEqual(hook.replies.flatMap((r) => r.scids), all, 'listing the three channels');
    assert.deepEqual(w.rejected, []);
  });

  test('A pays M’s invoice over A→L→B→M, routed by our getRoute (ProbabilisticScorer) over the gossip graph', async () => {
    const { ldk, A, B, L, M } = w;
    const amount = 20_000_000n;
    const r = ldk.UtilMethods.constructor_create_invoice_from_channelmanager(M.cm, ldk.Option_u64Z.constructor_some(amount), 'ldk M', 3600, ldk.Option_u16Z.constructor_none());
    assert.ok(r.is_ok(), 'LDK makes an invoice');
    const inv = decodeInvoice((r as LDK.Result_Bolt11InvoiceSignOrCreationErrorZ_OK).res.to_str());
    assert.ok(!(inv instanceof InvoiceError), String(inv));
    // LDK 0.1 puts even its public channel in the invoice as a route hint, named by the alias B
    // gave it (option_scid_alias), with the policy of B's channel_update. We leave it out, so M is
    // reachable only through the gossip graph.
    assert.equal(inv.routeHints.length, 1);
    const [hint] = inv.routeHints[0]!;
    const toM = B.cm.listChannels().find((c) => equalBytes(c.counterpartyNodeId, M.nodeId))!;
    assert.deepEqual(
      [toHex(hint!.pubkey), hint!.shortChannelId, hint!.feeBaseMsat, hint!.feeProportionalMillionths, hint!.cltvExpiryDelta],
      [toHex(B.keys.getNodeId()), toM.inboundScidAlias, B_FEES.base, B_FEES.ppm, B_FEES.cltv],
    );
    const routesBefore = w.routes.get(A)!.length;
    const params = routeParametersFromPaymentParamsAndValue({ ...paymentParametersFromInvoice(inv), routeHints: [] }, amount);
    A.cm.sendPaymentWithRouteParams(inv.paymentHash, { paymentSecret: inv.paymentSecret }, inv.paymentHash, params, 0);
    const sent = () => w.ourSeen.get(A)!.find((e): e is Extract<Event, { kind: 'PaymentSent' }> => e.kind === 'PaymentSent' && equalBytes(e.paymentHash, inv.paymentHash));
    await until(w, 'PaymentSent at A, PaymentClaimed at M, PaymentForwarded at L and B', () => {
      if (w.ourSeen.get(A)!.some((e) => e.kind === 'PaymentFailed')) throw new Error('the payment failed');
      return (
        sent() !== undefined &&
        w.ldkSeen.get(M)!.some((e) => e instanceof ldk.Event_PaymentClaimed) &&
        w.ldkSeen.get(L)!.some((e) => e instanceof ldk.Event_PaymentForwarded) &&
        w.ourSeen.get(B)!.some((e) => e.kind === 'PaymentForwarded')
      );
    });
    const routes = w.routes.get(A)!.slice(routesBefore);
    assert.equal(routes.length, 1, 'one route, no retry');
    assert.ok(A.router!.scorer instanceof ProbabilisticScorer);
    const route = routes[0] as Route;
    assert.equal(route.paths.length, 1);
    const hops = route.paths[0]!.hops;
    assert.deepEqual(
      hops.map((h) => [toHex(h.pubkey), h.shortChannelId]),
      [
        [toHex(L.nodeId), w.scids.al],
        [toHex(B.keys.getNodeId()), w.scids.lb],
        [toHex(M.nodeId), w.scids.bm],
      ],
    );
    // The fee is what L's and B's channel_updates say (B's on the amount, L's on amount + B's fee).
    const feeB = fee(policy(A.graph!, w.scids.bm, B.keys.getNodeId())!, amount);
    const feeL = fee(policy(A.graph!, w.scids.lb, L.nodeId)!, amount + feeB);
    assert.equal(feeB, BigInt(B_FEES.base) + (amount * BigInt(B_FEES.ppm)) / 1_000_000n);
    assert.equal(sent()!.feePaidMsat, feeL + feeB, 'PaymentSent fee = L’s + B’s');
    const fwdB = w.ourSeen.get(B)!.find((e): e is Extract<Event, { kind: 'PaymentForwarded' }> => e.kind === 'PaymentForwarded')!;
    assert.equal(fwdB.feeEarnedMsat, feeB);
    assert.equal(fwdB.outboundAmountForwardedMsat, amount);
    const fwdL = w.ldkSeen.get(L)!.find((e): e is LDK.Event_PaymentForwarded => e instanceof ldk.Event_PaymentForwarded)!;
    assert.equal((fwdL.total_fee_earned_msat as LDK.Option_u64Z_Some).some, feeL);
    const claimed = w.ldkSeen.get(M)!.find((e): e is LDK.Event_PaymentClaimed => e instanceof ldk.Event_PaymentClaimed)!;
    assert.equal(claimed.amount_msat, amount);
    await until(w, 'quiet', () => w.net.nodes.every((n) => n.cm.listChannels().every((c) => !c.commitmentDanceInProgress)));
  });

  test('M pays A’s invoice over a route LDK found in its own graph (M→B→L→A)', async () => {
    const { ldk, A, B, L, M } = w;
    const amount = 15_000_000n;
    const inv = A.cm.createInvoice({ amountMsat: amount, description: 'lnts A' });
    assert.deepEqual(inv.routeHints, [], 'A has only announced channels: no hints');
    const parsed = ldk.Bolt11Invoice.constructor_from_str(inv.toString());
    assert.ok(parsed.is_ok(), 'LDK parses our invoice');
    const p = ldk.UtilMethods.constructor_payment_parameters_from_invoice((parsed as LDK.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK).res);
    assert.ok(p.is_ok());
    const t = (p as LDK.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK).res;
    const res = M.cm.send_payment(t.get_a(), t.get_b(), t.get_a(), t.get_c(), ldk.Retry.constructor_attempts(0));
    assert.ok(res.is_ok(), `LDK found a route: ${JSON.stringify(M.logs.slice(-5).map((l) => l.text))}`);
    await until(w, 'PaymentClaimed at A, PaymentSent at M', () => {
      if (w.ldkSeen.get(M)!.some((e) => e instanceof ldk.Event_PaymentFailed)) throw new Error('the payment failed');
      return w.ourSeen.get(A)!.some((e) => e.kind === 'PaymentClaimed' && equalBytes(e.paymentHash, inv.paymentHash)) && w.ldkSeen.get(M)!.some((e) => e instanceof ldk.Event_PaymentSent);
    });
    const claimed = w.ourSeen.get(A)!.find((e): e is Extract<Event, { kind: 'PaymentClaimed' }> => e.kind === 'PaymentClaimed')!;
    assert.equal(claimed.amountMsat, amount);
    await until(w, 'LDK’s PaymentPathSuccessful', () => w.ldkSeen.get(M)!.some((e) => e instanceof ldk.Event_PaymentPathSuccessful));
    const ok = w.ldkSeen.get(M)!.find((e): e is LDK.Event_PaymentPathSuccessful => e instanceof ldk.Event_PaymentPathSuccessful)!;
    const hops = ok.path.get_hops();
    assert.deepEqual(
      hops.map((h) => [toHex(h.get_pubkey()), h.get_short_channel_id()]),
      [
        [toHex(B.keys.getNodeId()), w.scids.bm],
        [toHex(L.nodeId), w.scids.lb],
        [toHex(A.keys.getNodeId()), w.scids.al],
      ],
      'M→B→L→A',
    );
    // LDK priced the route with our channel_update (B's) and L's, as our graph has them.
    const feeL = fee(policy(A.graph!, w.scids.al, L.nodeId)!, amount);
    const feeB = fee(policy(A.graph!, w.scids.lb, B.keys.getNodeId())!, amount + feeL);
    const sentM = w.ldkSeen.get(M)!.find((e): e is LDK.Event_PaymentSent => e instanceof ldk.Event_PaymentSent)!;
    assert.equal((sentM.fee_paid_msat as LDK.Option_u64Z_Some).some, feeL + feeB);
    await until(w, 'B forwarded it', () => w.ourSeen.get(B)!.filter((e) => e.kind === 'PaymentForwarded').length === 2);
    await until(w, 'quiet', () => w.net.nodes.every((n) => n.cm.listChannels().every((c) => !c.commitmentDanceInProgress)));
    assert.deepEqual(w.rejected, []);
  });
});
