/**
 * BOLT 7 announcement_signatures through the pure channel step: when each side sends, what it
 * accepts, what it rebuilds, and what it retransmits after a reconnection.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nobleBackend } from '../../../src/crypto/noble.js';
import { channelAnnouncementDigest, persistedAnnouncementSigs, type AnnouncementSigsState } from '../../../src/ln/channel/announcement.js';
import type { ChannelState } from '../../../src/ln/channel/state.js';
import type { AnnouncementSignatures, ChannelAnnouncement } from '../../../src/ln/msgs/bolt07.js';
import type { WireMessage } from '../../../src/ln/msgs/index.js';
import { NetGraphMsgHandler } from '../../../src/routing/gossip.js';
import { NetworkGraph } from '../../../src/routing/network_graph.js';
import { compareBytes } from '../../../src/util/bytes.js';
import { apply, deliverAll, fund, openPair, take, type Side } from './harness.js';

const FUNDING_HEIGHT = 300;
const TX_INDEX = 1;

function sigsOf(s: Side): AnnouncementSigsState['kind'] | undefined {
  const st: ChannelState = s.state.kind === 'Offline' || s.state.kind === 'Syncing' ? s.state.inner : s.state;
  return st.kind === 'Normal' ? st.announcementSigs.kind : undefined;
}

/** Tells one side the chain tip is at depth `depth` of the funding transaction (its first block is depth 1). */
function atDepth(s: Side, depth: number): void {
  const height = FUNDING_HEIGHT + depth - 1;
  s.ctx = { ...s.ctx, bestHeight: height };
  apply(s, { kind: 'best-block', height });
}

/** A funded pair with the funding transaction confirmed at FUNDING_HEIGHT in both views. */
function fundedPair(opts: { announce: boolean; minimumDepth: number }) {
  const cfg = { channelHandshakeConfig: { announceForForwarding: opts.announce, minimumDepth: opts.minimumDepth } };
  const { alice, bob } = openPair(1_000_000n, { cfg });
  fund(alice, bob);
  for (const s of [alice, bob]) {
    apply(s, { kind: 'funding-confirmed', confirmation: { height: FUNDING_HEIGHT, txIndex: TX_INDEX, blockHash: new Uint8Array(32) } });
    s.actions.length = 0;
  }
  return { alice, bob };
}

function sent(s: Side, name: WireMessage['name']): WireMessage[] {
  return s.outbox.filter((m) => m.name === name);
}

function announcements(s: Side): ChannelAnnouncement[] {
  return take(s, 'announce').map((a) => a.announcement);
}

function reconnect(alice: Side, bob: Side, drop?: (from: Side, m: WireMessage) => boolean): void {
  for (const s of [alice, bob]) apply(s, { kind: 'disconnected' });
  for (const s of [alice, bob]) apply(s, { kind: 'connected', theirFeatures: s.ctx.theirFeatures });
  deliverAll(alice, bob, drop);
}

describe('announcement_signatures (BOLT 7) in the channel state machine', () => {
  test('a public channel is announced at exactly 6 confirmations, not before; both sides build the same valid announcement', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 3 });
    for (const s of [alice, bob]) atDepth(s, 3);
    deliverAll(alice, bob);
    assert.equal(alice.state.kind, 'Normal', 'usable at minimum_depth 3');
    for (const depth of [4, 5]) {
      for (const s of [alice, bob]) atDepth(s, depth);
      assert.deepEqual([...sent(alice, 'announcement_signatures'), ...sent(bob, 'announcement_signatures')], [], `nothing at depth ${depth}`);
    }
    for (const s of [alice, bob]) atDepth(s, 6);
    assert.equal(sent(alice, 'announcement_signatures').length, 1);
    assert.equal(sent(bob, 'announcement_signatures').length, 1);
    assert.equal(sigsOf(alice), 'OursSent');
    const fromAlice = sent(alice, 'announcement_signatures')[0]!.msg as AnnouncementSignatures;
    assert.equal(fromAlice.shortChannelId, (BigInt(FUNDING_HEIGHT) << 40n) | (BigInt(TX_INDEX) << 16n));
    deliverAll(alice, bob);
    assert.equal(sigsOf(alice), 'Announced');
    assert.equal(sigsOf(bob), 'Announced');
    const [a] = announcements(alice);
    const [b] = announcements(bob);
    assert.ok(a && b);
    assert.deepEqual(a, b, 'both sides build the identical announcement');
    // Node ids ordered, bitcoin keys in the same order (BOLT 7), all four signatures over the same digest.
    assert.ok(compareBytes(a.nodeId1, a.nodeId2) < 0);
    const aliceIsOne = compareBytes(alice.keys.getNodeId(), bob.keys.getNodeId()) < 0;
    const aliceKey = alice.ctx.signer.pubkeys().fundingPubkey;
    assert.deepEqual(aliceIsOne ? a.bitcoinKey1 : a.bitcoinKey2, aliceKey);
    const digest = channelAnnouncementDigest(a, { crypto: nobleBackend });
    assert.ok(nobleBackend.verifyEcdsa(a.nodeSignature1, digest, a.nodeId1));
    assert.ok(nobleBackend.verifyEcdsa(a.nodeSignature2, digest, a.nodeId2));
    assert.ok(nobleBackend.verifyEcdsa(a.bitcoinSignature1, digest, a.bitcoinKey1));
    assert.ok(nobleBackend.verifyEcdsa(a.bitcoinSignature2, digest, a.bitcoinKey2));
    // Our own gossip validator accepts it.
    const graph = new NetworkGraph(alice.ctx.chainHash);
    const h = new NetGraphMsgHandler(graph, null, { log() {} }, nobleBackend);
    assert.equal(h.handleGossipMessage(new Uint8Array(33), { name: 'channel_announcement', msg: a }), true);
    assert.ok(graph.channel(a.shortChannelId));
    // Nothing more goes back and forth: each side sent once.
    assert.deepEqual([...alice.outbox, ...bob.outbox], []);
  });

  test('minimum_depth 6: announcement_signatures follow channel_ready in the same step', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 6 });
    for (const s of [alice, bob]) atDepth(s, 6);
    assert.deepEqual(alice.outbox.map((m) => m.name), ['channel_ready']);
    deliverAll(alice, bob);
    assert.equal(announcements(alice).length, 1);
    assert.equal(announcements(bob).length, 1);
  });

  test('a private channel never sends announcement_signatures, and warns about the peer’s', () => {
    const { alice, bob } = fundedPair({ announce: false, minimumDepth: 1 });
    for (const s of [alice, bob]) atDepth(s, 1);
    deliverAll(alice, bob);
    for (const s of [alice, bob]) atDepth(s, 10);
    assert.deepEqual([...alice.outbox, ...bob.outbox], []);
    const forged: AnnouncementSignatures = {
      channelId: (alice.state as { funding: { channelId: Uint8Array } }).funding.channelId,
      shortChannelId: 1n,
      nodeSignature: new Uint8Array(64),
      bitcoinSignature: new Uint8Array(64),
    };
    apply(bob, { kind: 'message', msg: { name: 'announcement_signatures', msg: forged } });
    assert.deepEqual(take(bob, 'peer-error').map((e) => e.error.severity), ['warn']);
    assert.deepEqual(take(bob, 'announce'), []);
  });

  test('a corrupted signature is refused with a warning and a disconnect; the valid one is then accepted', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 1 });
    for (const s of [alice, bob]) atDepth(s, 1);
    deliverAll(alice, bob);
    for (const s of [alice, bob]) atDepth(s, 6);
    const good = alice.outbox.splice(0)[0]!.msg as AnnouncementSignatures;
    for (const field of ['nodeSignature', 'bitcoinSignature'] as const) {
      const bad = { ...good, [field]: good[field].map((b, i) => (i === 10 ? b ^ 1 : b)) };
      apply(bob, { kind: 'message', msg: { name: 'announcement_signatures', msg: bad } });
      const [err] = take(bob, 'peer-error');
      assert.equal(err?.error.severity, 'warn-disconnect', field);
      assert.match(err!.error.message, field === 'nodeSignature' ? /node_signature/ : /bitcoin_signature/);
      assert.equal(sigsOf(bob), 'OursSent', 'the bad signatures are not kept');
    }
    const wrongScid = { ...good, shortChannelId: good.shortChannelId + 1n };
    apply(bob, { kind: 'message', msg: { name: 'announcement_signatures', msg: wrongScid } });
    assert.equal(take(bob, 'peer-error')[0]?.error.severity, 'warn', 'BOLT 7: a short_channel_id that is not ours is worth a warning');
    apply(bob, { kind: 'message', msg: { name: 'announcement_signatures', msg: good } });
    assert.equal(announcements(bob).length, 1);
    assert.equal(sigsOf(bob), 'Announced');
  });

  test('the peer’s signatures before our 6th block are kept and complete the announcement when we get there', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 1 });
    for (const s of [alice, bob]) atDepth(s, 1);
    deliverAll(alice, bob);
    atDepth(alice, 6);
    atDepth(bob, 5);
    deliverAll(alice, bob);
    assert.equal(sigsOf(bob), 'TheirsReceived');
    assert.deepEqual(take(bob, 'announce'), []);
    atDepth(bob, 6);
    assert.equal(announcements(bob).length, 1, 'Bob has both signatures as soon as he sends his');
    deliverAll(alice, bob);
    assert.equal(announcements(alice).length, 1);
    assert.deepEqual([...alice.outbox, ...bob.outbox], []);
  });

  test('signatures that arrive before the channel is usable are deferred, then handled (BOLT 7 "SHOULD defer")', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 6 });
    atDepth(alice, 6);
    atDepth(bob, 5);
    deliverAll(alice, bob);
    // Bob reaches the depth: his channel_ready and, being usable at 6 confirmations, his signatures.
    atDepth(bob, 6);
    const fromBob = bob.outbox.splice(0);
    assert.deepEqual(fromBob.map((m) => m.name), ['channel_ready', 'announcement_signatures']);
    // Alice gets the signatures first (as if reordered): not refused, kept.
    apply(alice, { kind: 'message', msg: fromBob[1]! });
    assert.equal(alice.state.kind, 'WaitForChannelReady');
    assert.deepEqual(take(alice, 'peer-error'), []);
    assert.equal(alice.outbox.length, 0);
    apply(alice, { kind: 'message', msg: fromBob[0]! });
    assert.equal(alice.state.kind, 'Normal');
    assert.equal(announcements(alice).length, 1, 'the deferred signatures complete the announcement');
    assert.deepEqual(alice.outbox.map((m) => m.name), ['announcement_signatures']);
    deliverAll(alice, bob);
    assert.equal(announcements(bob).length, 1);
  });

  test('reconnection before the announcement retransmits ours; once announced, nothing is resent', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 1 });
    for (const s of [alice, bob]) atDepth(s, 1);
    deliverAll(alice, bob);
    for (const s of [alice, bob]) atDepth(s, 6);
    // Both signatures are lost with the connection.
    alice.outbox.length = 0;
    bob.outbox.length = 0;
    const seen: string[] = [];
    reconnect(alice, bob, (from, m) => {
      seen.push(`${from.name}:${m.name}`);
      return false;
    });
    assert.deepEqual(seen.filter((x) => x.endsWith('announcement_signatures')).sort(), ['alice:announcement_signatures', 'bob:announcement_signatures']);
    assert.equal(announcements(alice).length, 1);
    assert.equal(announcements(bob).length, 1);
    // Announced on both sides: a new connection carries no announcement_signatures (BOLT 7: we have theirs).
    const again: string[] = [];
    reconnect(alice, bob, (from, m) => {
      again.push(`${from.name}:${m.name}`);
      return false;
    });
    assert.deepEqual(again.filter((x) => x.endsWith('announcement_signatures')), []);
  });

  test('a side that has both answers the other’s retransmission once, and the exchange stops', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 1 });
    for (const s of [alice, bob]) atDepth(s, 1);
    deliverAll(alice, bob);
    for (const s of [alice, bob]) atDepth(s, 6);
    // Bob gets Alice's signatures; Bob's never reach Alice.
    deliverAll(alice, bob, (from) => from === bob);
    assert.equal(sigsOf(bob), 'Announced');
    assert.equal(sigsOf(alice), 'OursSent');
    const seen: string[] = [];
    reconnect(alice, bob, (from, m) => {
      seen.push(`${from.name}:${m.name}`);
      return false;
    });
    assert.deepEqual(seen.filter((x) => x.endsWith('announcement_signatures')), ['alice:announcement_signatures', 'bob:announcement_signatures']);
    assert.equal(sigsOf(alice), 'Announced');
    assert.equal(announcements(alice).length, 1);
  });

  test('blocks while offline do not count as sent: the signatures go out after channel_reestablish', () => {
    const { alice, bob } = fundedPair({ announce: true, minimumDepth: 1 });
    for (const s of [alice, bob]) atDepth(s, 1);
    deliverAll(alice, bob);
    for (const s of [alice, bob]) apply(s, { kind: 'disconnected' });
    for (const s of [alice, bob]) atDepth(s, 6);
    assert.deepEqual([...alice.outbox, ...bob.outbox], [], 'nothing to an absent peer');
    for (const s of [alice, bob]) apply(s, { kind: 'connected', theirFeatures: s.ctx.theirFeatures });
    deliverAll(alice, bob);
    assert.equal(announcements(alice).length, 1);
    assert.equal(announcements(bob).length, 1);

    // Bob becomes usable while offline (he had Alice's channel_ready; his 6th block comes offline):
    // what he "sent" then never left, so channel_reestablish brings his signatures too.
    const p = fundedPair({ announce: true, minimumDepth: 6 });
    atDepth(p.alice, 6);
    atDepth(p.bob, 5);
    deliverAll(p.alice, p.bob);
    for (const s of [p.alice, p.bob]) apply(s, { kind: 'disconnected' });
    atDepth(p.bob, 6);
    p.bob.outbox.length = 0;
    assert.equal(sigsOf(p.bob), 'OursSent');
    for (const s of [p.alice, p.bob]) apply(s, { kind: 'connected', theirFeatures: s.ctx.theirFeatures });
    deliverAll(p.alice, p.bob);
    assert.equal(announcements(p.alice).length, 1, 'Alice got Bob’s signatures after the reconnection');
    assert.equal(announcements(p.bob).length, 1);
  });

  test('only what survives a restart is persisted: "sent on this connection" is dropped', () => {
    const ann = { nodeSignature1: new Uint8Array(64) } as unknown as ChannelAnnouncement;
    assert.deepEqual(persistedAnnouncementSigs({ kind: 'OursSent' }), { kind: 'NotExchanged' });
    assert.deepEqual(persistedAnnouncementSigs({ kind: 'Announced', announcement: ann, oursSentOnThisConnection: true }), {
      kind: 'Announced',
      announcement: ann,
      oursSentOnThisConnection: false,
    });
    const theirs = { nodeSignature: new Uint8Array(64), bitcoinSignature: new Uint8Array(64) };
    assert.deepEqual(persistedAnnouncementSigs({ kind: 'TheirsReceived', theirs }), { kind: 'TheirsReceived', theirs });
  });
});
