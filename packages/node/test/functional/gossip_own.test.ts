/**
 * Our own channels in gossip (BOLT 7): announcement_signatures at 6 confirmations, our
 * channel_announcement, channel_updates and node_announcement, between lnts nodes on the embedded
 * chain. Every node has a NetworkGraph behind a NetGraphMsgHandler that checks funding outputs on
 * the chain, so what we emit must pass our own validator to show up anywhere.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ipv4, type NetAddress, parseAddresses, type WireMessage } from '@lnts/lightning/ln';
import { DISABLE_GOSSIP_TICKS, ENABLE_GOSSIP_TICKS } from '@lnts/lightning/ln/channelmanager';
import { chainHash } from '@lnts/lightning/chain';
import { type DirectionalChannelInfo, NetGraphMsgHandler, NetworkGraph } from '@lnts/lightning/routing';
import { compareBytes, LightningError, type MessageSendEvent, type UserConfigOverrides } from '@lnts/lightning/util';
import { bestBackend } from '../../src/crypto/index.js';
import { RegtestAccess } from '../../src/regtest/index.js';
import { type Network, type TestNode, withNetwork } from './harness.js';

const PUBLIC: UserConfigOverrides = { channelHandshakeConfig: { announceForForwarding: true, minimumDepth: 3 } };

function feeConfig(base: number, ppm: number, cltv: number): UserConfigOverrides {
  return { ...PUBLIC, channelConfig: { forwardingFeeBaseMsat: base, forwardingFeeProportionalMillionths: ppm, cltvExpiryDelta: cltv } };
}

/** What a node's ChannelManager handed its PeerManager, kept for the test (re-armed after a restart). */
function record(node: TestNode): MessageSendEvent[] {
  const seen: MessageSendEvent[] = [];
  const cm = node.cm;
  const take = cm.getAndClearPendingMsgEvents.bind(cm);
  cm.getAndClearPendingMsgEvents = () => {
    const evs = take();
    seen.push(...evs);
    return evs;
  };
  return seen;
}

function names(evs: readonly MessageSendEvent[], kind: MessageSendEvent['kind']): string[] {
  return evs.filter((e) => e.kind === kind).map((e) => (e.kind === 'handle-error' ? e.action.kind : e.msg.name));
}

function msgsNamed(evs: readonly MessageSendEvent[], name: WireMessage['name']): WireMessage[] {
  return evs.flatMap((e) => (e.kind !== 'handle-error' && e.msg.name === name ? [e.msg] : []));
}

function scidOf(net: Network, i: number): bigint {
  const c = net.nodes[i]!.cm.listChannels()[0];
  assert.ok(c?.shortChannelId !== undefined, 'confirmed');
  return c.shortChannelId;
}

/** The graph's policy for `from`'s direction of the channel. */
function policy(node: TestNode, scid: bigint, from: TestNode): DirectionalChannelInfo | undefined {
  const c = node.graph!.channel(scid);
  if (!c) return undefined;
  return compareBytes(from.keys.getNodeId(), c.node1) === 0 ? c.oneToTwo : c.twoToOne;
}

function nodeIdOf(n: TestNode): Uint8Array {
  return n.keys.getNodeId();
}

describe('our own channels in gossip (BOLT 7)', () => {
  test('a public channel is announced at exactly 6 confirmations; every graph accepts the announcement and both updates', () =>
    withNetwork(
      3,
      (net) => {
        const [alice, bob, carol] = net.nodes as [TestNode, TestNode, TestNode];
        const seenA = record(alice);
        const seenB = record(bob);
        net.connect(0, 1);
        net.connect(1, 2); // Carol has no channel: she learns everything from Bob's relay
        net.openChannel(0, 1, 1_000_000n, 0n, { confirmations: 3 });
        const scid = scidOf(net, 0);
        net.mine(2);
        assert.deepEqual([...msgsNamed(seenA, 'announcement_signatures'), ...msgsNamed(seenB, 'announcement_signatures')], [], 'not at 5 confirmations');
        for (const n of net.nodes) assert.equal(n.graph!.channel(scid), undefined, `${n.name}: nothing announced yet`);
        net.mine(1);
        assert.equal(msgsNamed(seenA, 'announcement_signatures').length, 1, 'Alice sends hers once at 6');
        assert.equal(msgsNamed(seenB, 'announcement_signatures').length, 1, 'Bob sends his once at 6');
        for (const n of net.nodes) {
          const c = n.graph!.channel(scid);
          assert.ok(c, `${n.name}'s graph has the channel`);
          assert.equal(c.capacitySat, 1_000_000n, 'funding output found on chain');
          assert.ok(policy(n, scid, alice)?.enabled && policy(n, scid, bob)?.enabled, `${n.name} has both directions`);
        }
        const a = policy(carol, scid, alice)!;
        assert.equal(a.feeBaseMsat, 1111);
        assert.equal(a.feeProportionalMillionths, 11);
        assert.equal(a.cltvExpiryDelta, 80);
        assert.equal(a.htlcMinimumMsat, bob.cm.listChannels()[0]!.inboundHtlcMinimumMsat, 'the minimum Bob accepts');
        assert.ok(a.htlcMaximumMsat <= 1_000_000_000n && a.htlcMaximumMsat > 0n, 'bounded by the capacity');
        const b = policy(carol, scid, bob)!;
        assert.deepEqual([b.feeBaseMsat, b.feeProportionalMillionths, b.cltvExpiryDelta], [2222, 22, 90]);
        assert.ok(alice.cm.listChannels()[0]!.announcementBroadcast);
        assert.ok(bob.cm.listChannels()[0]!.announcementBroadcast);
        // Each side broadcast the announcement and its own update through its routing handler,
        // then the peer's first update after announcing (own_gossip.ts: a peer that does not send
        // us the announcement, as LDK, may send its update before our graph has the channel).
        assert.deepEqual(names(seenA, 'broadcast-gossip'), ['channel_announcement', 'channel_update', 'channel_update']);
        const broadcastUpdates = seenA.flatMap((e) => (e.kind === 'broadcast-gossip' && e.msg.name === 'channel_update' ? [e.msg.msg.feeBaseMsat] : []));
        assert.deepEqual(broadcastUpdates, [1111, 2222], 'Alice’s own, then Bob’s');
        const [ann] = msgsNamed(seenA, 'channel_announcement');
        assert.deepEqual(ann, msgsNamed(seenB, 'channel_announcement')[0], 'both built the same announcement');
        // Everything both sides gossiped, fed to a fresh graph through the handler: all accepted.
        const graph = new NetworkGraph(chainHash('regtest'));
        const h = new NetGraphMsgHandler(graph, new RegtestAccess(net.chain), { log() {} }, bestBackend());
        for (const ev of [...seenA, ...seenB]) {
          if (ev.kind !== 'broadcast-gossip') continue;
          const r = h.handleGossipMessage(nodeIdOf(carol), ev.msg);
          const duplicate = r instanceof LightningError && r.action.kind === 'ignore-duplicate-gossip';
          assert.ok(r === true || duplicate, `${ev.msg.name} accepted: ${r instanceof LightningError ? r.message : r}`);
        }
        assert.deepEqual(graph.size, { channels: 1, nodes: 2 });
        assert.deepEqual(policy({ graph } as TestNode, scid, alice), a);
      },
      { gossip: true, configs: [feeConfig(1111, 11, 80), feeConfig(2222, 22, 90), PUBLIC] },
    ));

  test('a corrupted announcement_signatures is refused with a warning and a disconnect; after reconnecting the channel is announced', () =>
    withNetwork(
      2,
      (net) => {
        const [alice, bob] = net.nodes as [TestNode, TestNode];
        const seenB = record(bob);
        net.connect(0, 1);
        net.openChannel(0, 1, 500_000n, 0n, { confirmations: 3 });
        const scid = scidOf(net, 0);
        net.mine(2);
        // Alice's next announcement_signatures leaves with one bit of its bitcoin signature flipped.
        let corrupt = true;
        const take = alice.cm.getAndClearPendingMsgEvents.bind(alice.cm);
        alice.cm.getAndClearPendingMsgEvents = () =>
          take().map((ev) => {
            if (!corrupt || ev.kind !== 'send-message' || ev.msg.name !== 'announcement_signatures') return ev;
            corrupt = false;
            const sig = ev.msg.msg.bitcoinSignature.slice();
            sig[20]! ^= 1;
            return { ...ev, msg: { name: 'announcement_signatures', msg: { ...ev.msg.msg, bitcoinSignature: sig } } };
          });
        net.mine(1);
        assert.deepEqual(names(seenB, 'handle-error'), ['disconnect-with-warning']);
        assert.equal(bob.pm.getPeerNodeIds().length, 0, 'Bob closed the connection');
        assert.equal(bob.graph!.channel(scid), undefined, 'Bob did not announce on bad signatures');
        assert.equal(bob.cm.listChannels()[0]?.state, 'Offline', 'the channel itself is kept');
        assert.ok(bob.logs.some((l) => /bitcoin_signature does not verify/.test(l.message)));
        net.links.length = 0;
        net.connect(0, 1);
        assert.ok(bob.graph!.channel(scid), 'announced once Alice resent good signatures');
        assert.ok(bob.cm.listChannels()[0]!.announcementBroadcast);
      },
      { gossip: true, configs: [PUBLIC, PUBLIC] },
    ));

  test('signatures lost with the connection are retransmitted after channel_reestablish', () =>
    withNetwork(
      2,
      (net) => {
        const [alice, bob] = net.nodes as [TestNode, TestNode];
        const seenA = record(alice);
        const l = net.connect(0, 1);
        net.openChannel(0, 1, 500_000n, 0n, { confirmations: 3 });
        const scid = scidOf(net, 0);
        net.chain.mine(3); // the 6th block reaches both nodes, the signatures never leave
        assert.equal(msgsNamed(alice.cm.getAndClearPendingMsgEvents(), 'announcement_signatures').length, 1, 'queued');
        net.disconnect(l);
        for (const n of net.nodes) assert.equal(n.graph!.channel(scid), undefined);
        net.connect(0, 1);
        assert.ok(alice.graph!.channel(scid) && bob.graph!.channel(scid), 'announced after the reconnection');
        assert.equal(msgsNamed(seenA, 'announcement_signatures').length, 2, 'sent again on the new connection');
        // Announced: a further reconnection carries none (BOLT 7: we have the peer's).
        const before = msgsNamed(seenA, 'announcement_signatures').length;
        net.disconnect(net.links[0]!);
        net.connect(0, 1);
        assert.equal(msgsNamed(seenA, 'announcement_signatures').length, before);
      },
      { gossip: true, configs: [PUBLIC, PUBLIC] },
    ));

  test('6 confirmations while disconnected: the exchange happens on reconnection', () =>
    withNetwork(
      2,
      (net) => {
        const [alice, bob] = net.nodes as [TestNode, TestNode];
        const l = net.connect(0, 1);
        net.openChannel(0, 1, 500_000n, 0n, { confirmations: 3 });
        const scid = scidOf(net, 0);
        net.disconnect(l);
        net.mine(3);
        assert.equal(alice.graph!.channel(scid), undefined);
        net.connect(0, 1);
        assert.ok(alice.graph!.channel(scid) && bob.graph!.channel(scid));
      },
      { gossip: true, configs: [PUBLIC, PUBLIC] },
    ));

  test('a private channel: no announcement, only a direct channel_update to the peer (dont_forward), kept for route hints', () =>
    withNetwork(
      3,
      (net) => {
        const [alice, bob, carol] = net.nodes as [TestNode, TestNode, TestNode];
        const seenA = record(alice);
        const seenB = record(bob);
        net.connect(0, 1);
        net.connect(1, 2);
        net.openChannel(0, 1, 500_000n);
        net.mine(10);
        for (const s of [seenA, seenB]) {
          assert.deepEqual(names(s, 'broadcast-gossip'), [], 'nothing gossiped');
          assert.deepEqual(msgsNamed(s, 'announcement_signatures'), []);
        }
        const [u] = msgsNamed(seenA, 'channel_update') as Array<Extract<WireMessage, { name: 'channel_update' }>>;
        assert.ok(u, 'Alice sent Bob her channel_update');
        assert.equal(u.msg.messageFlags, 3, 'must_be_one + dont_forward');
        assert.equal(u.msg.channelFlags & 1, compareBytes(nodeIdOf(alice), nodeIdOf(bob)) < 0 ? 0 : 1, 'direction from the node id order');
        assert.equal(u.msg.channelFlags & 2, 0, 'enabled');
        assert.equal(names(seenA, 'send-message').filter((n) => n === 'channel_update').length, 1);
        for (const n of net.nodes) assert.equal(n.graph!.size.channels, 0, `${n.name}: no public channel`);
        assert.equal(carol.graph!.size.nodes, 0);
        // Bob keeps Alice's policy towards him, and Alice Bob's.
        const atBob = bob.cm.listChannels()[0]!.counterpartyForwardingInfo;
        assert.deepEqual(atBob && [atBob.feeBaseMsat, atBob.feeProportionalMillionths, atBob.cltvExpiryDelta], [3333, 33, 100]);
        const atAlice = alice.cm.listChannels()[0]!.counterpartyForwardingInfo;
        assert.deepEqual(atAlice && [atAlice.feeBaseMsat, atAlice.feeProportionalMillionths, atAlice.cltvExpiryDelta], [4444, 44, 110]);
        // Bob's invoices carry Alice's real policy in their route hint.
        const inv = bob.cm.createInvoice({ amountMsat: 10_000n, description: 'hint' });
        const hop = inv.routeHints[0]?.[0];
        assert.deepEqual(hop && [hop.feeBaseMsat, hop.feeProportionalMillionths, hop.cltvExpiryDelta], [3333, 33, 100]);
        // A config change reaches the peer directly, with a newer timestamp.
        const chan = alice.cm.listChannels()[0]!;
        alice.cm.updateChannelConfig(nodeIdOf(bob), [chan.channelId], { forwardingFeeBaseMsat: 5000 });
        net.pump();
        const now = bob.cm.listChannels()[0]!.counterpartyForwardingInfo!;
        assert.equal(now.feeBaseMsat, 5000);
        assert.ok(now.timestamp > atBob!.timestamp, 'newer timestamp');
        assert.deepEqual(names(seenA, 'broadcast-gossip'), []);
      },
      {
        gossip: true,
        configs: [
          { channelConfig: { forwardingFeeBaseMsat: 3333, forwardingFeeProportionalMillionths: 33, cltvExpiryDelta: 100 } },
          { channelConfig: { forwardingFeeBaseMsat: 4444, forwardingFeeProportionalMillionths: 44, cltvExpiryDelta: 110 } },
          {},
        ],
      },
    ));

  test('updateChannelConfig on a public channel broadcasts a newer channel_update that every graph takes', () =>
    withNetwork(
      3,
      (net) => {
        const [alice, bob, carol] = net.nodes as [TestNode, TestNode, TestNode];
        net.connect(0, 1);
        net.connect(1, 2);
        net.openChannel(0, 1, 1_000_000n, 0n, { confirmations: 6 });
        const scid = scidOf(net, 0);
        const before = policy(carol, scid, alice)!;
        const chan = alice.cm.listChannels()[0]!;
        assert.throws(() => alice.cm.updateChannelConfig(nodeIdOf(bob), [chan.channelId], { cltvExpiryDelta: 10 }), /below the minimum/);
        assert.throws(() => alice.cm.updateChannelConfig(nodeIdOf(bob), [new Uint8Array(32)], { forwardingFeeBaseMsat: 1 }), /No such channel/);
        alice.cm.updateChannelConfig(nodeIdOf(bob), [chan.channelId], { forwardingFeeBaseMsat: 7000, forwardingFeeProportionalMillionths: 250, cltvExpiryDelta: 144 });
        net.pump();
        for (const n of net.nodes) {
          const p = policy(n, scid, alice)!;
          assert.deepEqual([p.feeBaseMsat, p.feeProportionalMillionths, p.cltvExpiryDelta], [7000, 250, 144], `${n.name} has the new policy`);
          assert.ok(p.lastUpdate > before.lastUpdate, 'strictly newer timestamp');
        }
        assert.deepEqual(alice.cm.listChannels()[0]!.config?.forwardingFeeBaseMsat, 7000);
        // The change survives a restart, and the next update is newer still.
        net.restart(0);
        net.connect(0, 1);
        assert.equal(net.nodes[0]!.cm.listChannels()[0]!.config?.forwardingFeeBaseMsat, 7000);
        const after = policy(carol, scid, alice)!.lastUpdate;
        net.nodes[0]!.cm.updateChannelConfig(nodeIdOf(bob), [chan.channelId], { forwardingFeeBaseMsat: 7001 });
        net.pump();
        assert.equal(policy(carol, scid, alice)!.feeBaseMsat, 7001);
        assert.ok(policy(carol, scid, alice)!.lastUpdate > after);
      },
      { gossip: true, configs: [PUBLIC, PUBLIC, PUBLIC] },
    ));

  test('node_announcement: deferred until a channel is announced, then accepted with its fields; later ones are newer', () =>
    withNetwork(
      3,
      (net) => {
        const [alice, , carol] = net.nodes as [TestNode, TestNode, TestNode];
        net.connect(0, 1);
        net.connect(1, 2);
        const dns: NetAddress = { type: 'dns', hostname: 'alice.example', port: 9735 };
        const addresses = [dns, ipv4('127.0.0.1', 9735)];
        const rgb = Uint8Array.of(0xf7, 0x93, 0x1a);
        assert.equal(alice.cm.broadcastNodeAnnouncement(rgb, 'alice', addresses), 'deferred', 'no announced channel yet');
        assert.throws(() => alice.cm.broadcastNodeAnnouncement(rgb, 'x'.repeat(33), []), /longer than 32/);
        assert.throws(() => alice.cm.broadcastNodeAnnouncement(rgb, 'a', [ipv4('127.0.0.1', 0)]), /port 0/);
        assert.throws(() => alice.cm.broadcastNodeAnnouncement(rgb, 'a', [dns, dns]), /one DNS hostname/);
        net.openChannel(0, 1, 1_000_000n, 0n, { confirmations: 6 });
        const info = carol.graph!.node(nodeIdOf(alice))?.announcement;
        assert.ok(info, 'the deferred node_announcement went out with the channel');
        assert.deepEqual(info.rgbColor, rgb);
        const alias = new Uint8Array(32);
        alias.set(new TextEncoder().encode('alice'));
        assert.deepEqual(info.alias, alias);
        assert.deepEqual(info.features, alice.cm.providedNodeFeatures().toBytes());
        const parsed = parseAddresses(info.addresses);
        assert.ok(!(parsed instanceof Error));
        assert.deepEqual(parsed.addresses, [ipv4('127.0.0.1', 9735), dns], 'ascending type order (BOLT 7)');
        assert.equal(alice.cm.broadcastNodeAnnouncement(Uint8Array.of(1, 2, 3), 'alice2', []), 'broadcast');
        net.pump();
        const again = carol.graph!.node(nodeIdOf(alice))!.announcement!;
        assert.ok(again.timestamp > info.timestamp, 'strictly newer');
        assert.deepEqual(again.rgbColor, Uint8Array.of(1, 2, 3));
        assert.deepEqual(again.netAddresses, []);
      },
      { gossip: true, configs: [PUBLIC, PUBLIC, PUBLIC] },
    ));

  test('an announced channel whose peer stays away is broadcast disabled after the ticks, and enabled again', () =>
    withNetwork(
      3,
      (net) => {
        const [alice, bob, carol] = net.nodes as [TestNode, TestNode, TestNode];
        const l = net.connect(0, 1);
        net.connect(0, 2);
        net.openChannel(0, 1, 1_000_000n, 0n, { confirmations: 6 });
        const scid = scidOf(net, 0);
        assert.ok(policy(carol, scid, alice)?.enabled);
        net.disconnect(l);
        // As in LDK: the first tick without the peer stages the change, DISABLE_GOSSIP_TICKS more gossip it.
        for (let i = 0; i < DISABLE_GOSSIP_TICKS; i++) alice.cm.timerTickOccurred();
        net.pump();
        assert.ok(policy(carol, scid, alice)?.enabled, 'a short absence is not gossiped');
        alice.cm.timerTickOccurred();
        net.pump();
        assert.equal(policy(carol, scid, alice)?.enabled, false, 'disabled after DISABLE_GOSSIP_TICKS');
        const disabledAt = policy(carol, scid, alice)!.lastUpdate;
        net.connect(0, 1);
        for (let i = 0; i < ENABLE_GOSSIP_TICKS; i++) alice.cm.timerTickOccurred();
        net.pump();
        assert.equal(policy(carol, scid, alice)?.enabled, false, 'still disabled until the peer stayed ENABLE_GOSSIP_TICKS');
        alice.cm.timerTickOccurred();
        net.pump();
        assert.equal(policy(carol, scid, alice)?.enabled, true, 'enabled again');
        assert.ok(policy(carol, scid, alice)!.lastUpdate > disabledAt);
        // Bob's side was never gossiped disabled: the reconnection came first.
        for (let i = 0; i <= DISABLE_GOSSIP_TICKS; i++) bob.cm.timerTickOccurred();
        net.pump();
        assert.equal(policy(carol, scid, bob)?.enabled, true);
      },
      { gossip: true, configs: [PUBLIC, PUBLIC, PUBLIC] },
    ));

  test('a forward refused for our new fee carries our channel_update, which the payer’s graph accepts; the retry pays the new fee', () =>
    withNetwork(
      3,
      (net) => {
        const [alice, bob, carol] = net.nodes as [TestNode, TestNode, TestNode];
        net.connect(0, 1);
        net.connect(1, 2);
        net.openChannel(0, 1, 2_000_000n, 0n, { confirmations: 6 });
        net.openChannel(1, 2, 2_000_000n, 0n, { confirmations: 6 });
        const bc = bob.cm.listChannels().find((c) => compareBytes(c.counterpartyNodeId, nodeIdOf(carol)) === 0)!;
        assert.equal(alice.graph!.size.channels, 2, 'Alice routes over the gossip graph');
        // Bob raises his fee towards Carol; the broadcast is lost, so Alice still has the old one.
        bob.cm.updateChannelConfig(nodeIdOf(carol), [bc.channelId], { forwardingFeeBaseMsat: 50_000 });
        assert.deepEqual(names(bob.cm.getAndClearPendingMsgEvents(), 'broadcast-gossip'), ['channel_update']);
        assert.equal(policy(alice, bc.shortChannelId!, bob)!.feeBaseMsat, 1000);
        const inv = carol.cm.createInvoice({ amountMsat: 1_000_000n, description: 'fee' });
        alice.cm.payInvoice(inv);
        const evs = net.settlePayments()[0]!.map((e) => e.kind);
        // The first attempt paid the old fee and failed at Bob; the retry pays Bob's new fee over the
        // same channel, because the failure's update was applied (BOLT 4: the origin MAY retry).
        assert.deepEqual(evs, ['PaymentPathFailed', 'PaymentSent', 'PaymentPathSuccessful']);
        // The update from the failure passed Alice's own gossip checks (Bob's signature, newer timestamp).
        assert.equal(policy(alice, bc.shortChannelId!, bob)!.feeBaseMsat, 50_000);
        for (const n of net.nodes) n.addedMonitors = 0;
      },
      { gossip: true, configs: [PUBLIC, PUBLIC, PUBLIC] },
    ));

  test('restarts keep the announcement state: before it the exchange completes, after it nothing is resent', () =>
    withNetwork(
      2,
      (net) => {
        net.connect(0, 1);
        net.openChannel(0, 1, 500_000n, 0n, { confirmations: 3 });
        const scid = scidOf(net, 0);
        net.mine(2);
        net.restart(0);
        net.restart(1);
        net.connect(0, 1);
        net.mine(1);
        assert.ok(net.nodes[0]!.graph!.channel(scid) && net.nodes[1]!.graph!.channel(scid), 'announced after restarting before the 6th block');
        net.restart(0);
        const seen = record(net.nodes[0]!);
        const seenB = record(net.nodes[1]!);
        net.connect(0, 1);
        assert.deepEqual([...msgsNamed(seen, 'announcement_signatures'), ...msgsNamed(seenB, 'announcement_signatures')], [], 'announced before the restart: nothing to resend');
        assert.ok(net.nodes[0]!.cm.listChannels()[0]!.announcementBroadcast);
      },
      { gossip: true, configs: [PUBLIC, PUBLIC] },
    ));
});

describe('closed channels leave the graph', () => {
  test('a cooperative close confirms: every graph forgets the channel when the block spends its funding output', () =>
    withNetwork(
      3,
      (net) => {
        const [alice, bob, carol] = net.nodes as [TestNode, TestNode, TestNode];
        net.connect(0, 1);
        net.connect(1, 2);
        net.openChannel(0, 1, 1_000_000n, 0n, { confirmations: 6 });
        const bc = net.openChannel(1, 2, 1_000_000n, 0n, { confirmations: 6 });
        net.pump();
        const scid = bob.cm.listChannels().find((c) => compareBytes(c.counterpartyNodeId, nodeIdOf(carol)) === 0)!.shortChannelId!;
        assert.ok(alice.graph!.channel(scid)?.fundingOutpoint, 'Alice learned the channel and where its funding output is');
        bob.cm.closeChannel(bc, nodeIdOf(carol));
        net.pump();
        assert.ok(alice.graph!.channel(scid), 'still there while the closing transaction is unconfirmed');
        net.mine(1);
        net.expectEvents(1, ['ChannelClosed']);
        net.expectEvents(2, ['ChannelClosed']);
        for (const n of [alice, bob, carol]) assert.equal(n.graph!.channel(scid), undefined, `${n.name} forgot the closed channel`);
        assert.equal(alice.graph!.size.channels, 1, 'the open channel stays');
        for (const n of net.nodes) n.addedMonitors = 0;
      },
      { gossip: true, configs: [PUBLIC, PUBLIC, PUBLIC] },
    ));
});
