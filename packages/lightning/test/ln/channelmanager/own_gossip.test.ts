/**
 * The pieces of our own gossip (BOLT 7) on their own: the channel_update builder and its
 * timestamps, the enable/disable staging, the peer's update for our channel, and the
 * node_announcement origin rules.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256d } from '../../../src/crypto/backend.js';
import { nobleBackend } from '../../../src/crypto/noble.js';
import type { FundedState } from '../../../src/ln/channel/state.js';
import {
  buildChannelUpdate,
  counterpartyForwardingFrom,
  DISABLE_GOSSIP_TICKS,
  ENABLE_GOSSIP_TICKS,
  isChannelGossip,
  newChannelGossip,
  persistedUpdateStatus,
  tickUpdateStatus,
  type ChannelUpdateStatus,
} from '../../../src/ln/channelmanager/channel_update.js';
import { buildNodeAnnouncement, nodeAnnouncementRequest } from '../../../src/ln/channelmanager/node_announcement.js';
import { type GossipChannel, OwnGossip } from '../../../src/ln/channelmanager/own_gossip.js';
import { unsignedChannelAnnouncement } from '../../../src/ln/channel/announcement.js';
import { Features } from '../../../src/ln/features.js';
import { ipv4, parseAddresses } from '../../../src/ln/msgs/address.js';
import { ChannelUpdate, NodeAnnouncement } from '../../../src/ln/msgs/bolt07.js';
import { DEFAULT_CHANNEL_CONFIG, userConfig } from '../../../src/util/config.js';
import type { MessageSendEvent } from '../../../src/util/events.js';
import { compareBytes } from '../../../src/util/bytes.js';
import { DecodeError } from '../../../src/util/errors.js';
import { apply, deliverAll, fund, openPair, type Side } from '../channel/harness.js';

/** A `Normal` channel between Alice and Bob, confirmed at height 300. */
function normalPair(announce = false): { alice: Side; bob: Side; state: FundedState } {
  const { alice, bob } = openPair(1_000_000n, { cfg: { channelHandshakeConfig: { minimumDepth: 1, announceForForwarding: announce } } });
  fund(alice, bob);
  for (const s of [alice, bob]) {
    apply(s, { kind: 'funding-confirmed', confirmation: { height: 300, txIndex: 2, blockHash: new Uint8Array(32) } });
    s.ctx = { ...s.ctx, bestHeight: 300 };
    apply(s, { kind: 'best-block', height: 300 });
  }
  deliverAll(alice, bob);
  assert.equal(alice.state.kind, 'Normal');
  return { alice, bob, state: alice.state as FundedState };
}

function signer(side: Side, highestSeenTimestamp: number) {
  return { crypto: nobleBackend, chainHash: side.ctx.chainHash, keys: side.keys, highestSeenTimestamp };
}

function verifies(u: ChannelUpdate, key: Uint8Array): boolean {
  return nobleBackend.verifyEcdsa(u.signature, sha256d(nobleBackend, ChannelUpdate.encodePayload(u).subarray(64)), key);
}

describe('our channel_update (BOLT 7)', () => {
  test('fields: real scid, direction from the node ids, dont_forward until announced, htlc_maximum within capacity and in-flight limit, signed', () => {
    const { alice, bob, state } = normalPair();
    const g = newChannelGossip();
    const u = buildChannelUpdate(state, g, DEFAULT_CHANNEL_CONFIG, signer(alice, 1_700_000_000))!;
    assert.equal(u.shortChannelId, (300n << 40n) | (2n << 16n));
    assert.equal(u.channelFlags & 1, compareBytes(alice.keys.getNodeId(), bob.keys.getNodeId()) < 0 ? 0 : 1);
    assert.equal(u.channelFlags & 2, 0, 'enabled');
    assert.equal(u.messageFlags, 3, 'must_be_one + dont_forward before the announcement');
    assert.equal(u.htlcMinimumMsat, state.params.counterparty.htlcMinimumMsat);
    const inFlight = state.params.counterparty.maxHtlcValueInFlightMsat;
    assert.equal(u.htlcMaximumMsat, inFlight < 900_000_000n ? inFlight : 900_000_000n);
    assert.ok(u.htlcMaximumMsat >= u.htlcMinimumMsat);
    assert.deepEqual([u.feeBaseMsat, u.feeProportionalMillionths, u.cltvExpiryDelta], [1000, 0, 72]);
    assert.ok(verifies(u, alice.keys.getNodeId()));
    g.announced = true;
    assert.equal(buildChannelUpdate(state, g, DEFAULT_CHANNEL_CONFIG, signer(alice, 0))!.messageFlags, 1, 'forwardable once announced');
    const closing = buildChannelUpdate(state, g, DEFAULT_CHANNEL_CONFIG, signer(alice, 0), { forceDisabled: true })!;
    assert.equal(closing.channelFlags & 2, 2);
    const named = buildChannelUpdate(state, g, DEFAULT_CHANNEL_CONFIG, signer(alice, 0), { scid: 42n })!;
    assert.equal(named.shortChannelId, 42n, 'a failure names the id the onion used');
  });

  test('timestamps: a resend keeps its timestamp, a new policy gets a strictly greater one, never below the newest block time', () => {
    const { alice, state } = normalPair();
    const g = newChannelGossip();
    const t1 = buildChannelUpdate(state, g, DEFAULT_CHANNEL_CONFIG, signer(alice, 1000))!.timestamp;
    assert.equal(t1, 1000);
    assert.equal(buildChannelUpdate(state, g, DEFAULT_CHANNEL_CONFIG, signer(alice, 1000))!.timestamp, t1, 'same policy, same timestamp');
    const cheaper = { ...DEFAULT_CHANNEL_CONFIG, forwardingFeeBaseMsat: 1 };
    const t2 = buildChannelUpdate(state, g, cheaper, signer(alice, 1000))!.timestamp;
    assert.equal(t2, 1001, 'two changes in one block still increase');
    const t3 = buildChannelUpdate(state, g, DEFAULT_CHANNEL_CONFIG, signer(alice, 5000))!.timestamp;
    assert.equal(t3, 5000, 'follows the chain clock');
    const t4 = buildChannelUpdate(state, g, cheaper, signer(alice, 10))!.timestamp;
    assert.equal(t4, 5001, 'an older block time never makes it go back');
  });

  test('the peer’s update for our channel: kept when signed by the peer, for its direction, and newer', () => {
    const { alice, bob } = normalPair();
    const bobState = bob.state as FundedState;
    const aliceState = alice.state as FundedState;
    const fromBob = buildChannelUpdate(bobState, newChannelGossip(), { ...DEFAULT_CHANNEL_CONFIG, forwardingFeeBaseMsat: 77 }, signer(bob, 2000))!;
    const kept = counterpartyForwardingFrom(fromBob, aliceState, alice.keys.getNodeId(), undefined, nobleBackend);
    assert.ok(typeof kept !== 'string');
    assert.equal(kept.feeBaseMsat, 77);
    assert.equal(counterpartyForwardingFrom(fromBob, aliceState, alice.keys.getNodeId(), kept, nobleBackend), 'channel_update not newer');
    const ownDirection = buildChannelUpdate(aliceState, newChannelGossip(), DEFAULT_CHANNEL_CONFIG, signer(alice, 3000))!;
    assert.match(String(counterpartyForwardingFrom(ownDirection, aliceState, alice.keys.getNodeId(), undefined, nobleBackend)), /our direction/);
    const forged = { ...fromBob, feeBaseMsat: 1 };
    assert.match(String(counterpartyForwardingFrom(forged, aliceState, alice.keys.getNodeId(), undefined, nobleBackend)), /not signed by the peer/);
  });

  test('enable/disable staging follows LDK: one tick stages, DISABLE_GOSSIP_TICKS / ENABLE_GOSSIP_TICKS more announce', () => {
    let s: ChannelUpdateStatus = { kind: 'Enabled' };
    const changes: number[] = [];
    for (let i = 1; i <= 1 + DISABLE_GOSSIP_TICKS; i++) {
      const t = tickUpdateStatus(s, false);
      s = t.status;
      if (t.changed) changes.push(i);
    }
    assert.deepEqual(changes, [1 + DISABLE_GOSSIP_TICKS]);
    assert.equal(s.kind, 'Disabled');
    // Back for a few ticks, then gone again before ENABLE_GOSSIP_TICKS: nothing is gossiped.
    s = tickUpdateStatus(s, true).status;
    s = tickUpdateStatus(s, true).status;
    assert.equal(s.kind, 'EnabledStaged');
    const gone = tickUpdateStatus(s, false);
    assert.deepEqual(gone, { status: { kind: 'Disabled' }, changed: false });
    s = tickUpdateStatus(gone.status, true).status;
    for (let i = 1; i < ENABLE_GOSSIP_TICKS; i++) {
      const t = tickUpdateStatus(s, true);
      assert.equal(t.changed, false);
      s = t.status;
    }
    const last = tickUpdateStatus(s, true);
    assert.deepEqual(last, { status: { kind: 'Enabled' }, changed: true });
    assert.deepEqual(persistedUpdateStatus({ kind: 'DisabledStaged', ticks: 3 }), { kind: 'Enabled' }, 'what was last announced');
    assert.deepEqual(persistedUpdateStatus({ kind: 'EnabledStaged', ticks: 3 }), { kind: 'Disabled' });
  });

  test('persisted gossip state read back is checked', () => {
    assert.ok(isChannelGossip(newChannelGossip()));
    assert.ok(!isChannelGossip({ ...newChannelGossip(), status: { kind: 'Sideways' } }));
    assert.ok(!isChannelGossip({ ...newChannelGossip(), counterpartyForwarding: { feeBaseMsat: 'x' } }));
    assert.ok(!isChannelGossip(null));
  });
});

describe('the peer’s update around announcing our public channel (BOLT 7)', () => {
  /** Alice's OwnGossip over one public Normal channel with Bob, recording what it emits. */
  function rig() {
    const { alice, bob, state } = normalPair(true);
    assert.equal(state.params.announce, true);
    const out: MessageSendEvent[] = [];
    const entry: GossipChannel = { state, counterpartyNodeId: bob.keys.getNodeId(), config: userConfig({}), gossip: newChannelGossip() };
    const og = new OwnGossip({
      crypto: nobleBackend,
      chainHash: alice.ctx.chainHash,
      keys: alice.keys,
      highestSeenTimestamp: () => 1000,
      isConnected: () => true,
      push: (ev) => out.push(ev),
      log() {},
      channels: () => [entry],
    });
    const announcement = unsignedChannelAnnouncement(state, alice.ctx)!;
    // Bob's update as he broadcasts it once announced (no dont_forward), or before (dont_forward).
    const bobUpdate = (ts: number, announced = true) => {
      const g = { ...newChannelGossip(), announced };
      return buildChannelUpdate(bob.state as FundedState, g, { ...DEFAULT_CHANNEL_CONFIG, forwardingFeeBaseMsat: 77 }, signer(bob, ts))!;
    };
    const broadcasts = () => out.flatMap((e) => (e.kind === 'broadcast-gossip' ? [e.msg] : []));
    return { og, entry, bob, announcement, bobUpdate, broadcasts };
  }

  test('an update that came before our announcement is broadcast right behind it (the graph would have dropped it as unknown)', () => {
    const r = rig();
    const u = r.bobUpdate(2000);
    assert.equal(u.messageFlags & 2, 0);
    r.og.onPeerUpdate(r.bob.keys.getNodeId(), u);
    assert.deepEqual(r.broadcasts(), [], 'nothing to broadcast before the announcement');
    assert.equal(r.entry.gossip.counterpartyForwarding?.feeBaseMsat, 77);
    r.og.onAnnounced(r.entry, r.announcement);
    const b = r.broadcasts();
    assert.deepEqual(b.map((m) => m.name), ['channel_announcement', 'channel_update', 'channel_update']);
    assert.deepEqual(b[2]!.msg, u, 'Bob’s update, as he signed it');
  });

  test('announced first: the peer’s first update after it is broadcast too, once; later ones are the graph’s business', () => {
    const r = rig();
    r.og.onAnnounced(r.entry, r.announcement);
    assert.deepEqual(r.broadcasts().map((m) => m.name), ['channel_announcement', 'channel_update']);
    const u = r.bobUpdate(2000);
    r.og.onPeerUpdate(r.bob.keys.getNodeId(), u);
    assert.deepEqual(r.broadcasts().at(-1)?.msg, u);
    r.og.onPeerUpdate(r.bob.keys.getNodeId(), r.bobUpdate(3000));
    assert.equal(r.broadcasts().length, 3, 'not again');
    assert.equal(r.entry.gossip.counterpartyForwarding?.timestamp, 3000, 'though the policy is kept');
  });

  test('a dont_forward update is never broadcast by us', () => {
    const r = rig();
    const u = r.bobUpdate(2000, false);
    assert.equal(u.messageFlags & 2, 2);
    r.og.onPeerUpdate(r.bob.keys.getNodeId(), u);
    r.og.onAnnounced(r.entry, r.announcement);
    assert.deepEqual(r.broadcasts().map((m) => m.name), ['channel_announcement', 'channel_update']);
  });
});

describe('our node_announcement (BOLT 7 origin rules)', () => {
  const keys = openPair(1000n).alice.keys;
  const features = Features.of('node', { var_onion_optin: 'required' });

  test('signed over everything after the signature; alias zero-padded; addresses in ascending type order', () => {
    const dns = { type: 'dns' as const, hostname: 'node.example', port: 9735 };
    const v6 = { type: 'ipv6' as const, addr: new Uint8Array(16).fill(1), port: 9736 };
    const req = nodeAnnouncementRequest(Uint8Array.of(1, 2, 3), 'lnts', [dns, v6, ipv4('10.0.0.1', 9735)], features);
    const n = buildNodeAnnouncement(req, 1234, keys, nobleBackend);
    const wire = NodeAnnouncement.encodePayload(n);
    assert.ok(nobleBackend.verifyEcdsa(n.signature, sha256d(nobleBackend, wire.subarray(64)), keys.getNodeId()));
    const back = NodeAnnouncement.decodePayload(wire);
    assert.ok(!(back instanceof DecodeError));
    assert.deepEqual(back, n, 'round-trips');
    assert.equal(n.alias.length, 32);
    assert.deepEqual(n.alias.subarray(0, 4), new TextEncoder().encode('lnts'));
    assert.ok(n.alias.subarray(4).every((b) => b === 0));
    const parsed = parseAddresses(n.addresses);
    assert.ok(!(parsed instanceof DecodeError));
    assert.deepEqual(parsed.addresses.map((a) => a.type), ['ipv4', 'ipv6', 'dns']);
    assert.deepEqual(Features.fromBytes('node', n.features).toBytes(), features.toBytes());
  });

  test('what BOLT 7 forbids the origin node is refused', () => {
    const bad: Array<[string, () => unknown, RegExp]> = [
      ['rgb size', () => nodeAnnouncementRequest(Uint8Array.of(1, 2), 'a', [], features), /rgb/],
      ['alias too long', () => nodeAnnouncementRequest(Uint8Array.of(1, 2, 3), new Uint8Array(33).fill(0x61), [], features), /longer than 32/],
      ['zero inside the alias', () => nodeAnnouncementRequest(Uint8Array.of(1, 2, 3), Uint8Array.of(0x61, 0, 0x62), [], features), /zero byte/],
      ['alias not UTF-8', () => nodeAnnouncementRequest(Uint8Array.of(1, 2, 3), Uint8Array.of(0xff, 0xfe), [], features), /UTF-8/],
      ['port 0', () => nodeAnnouncementRequest(Uint8Array.of(1, 2, 3), 'a', [ipv4('10.0.0.1', 0)], features), /port 0/],
      [
        'two hostnames',
        () =>
          nodeAnnouncementRequest(
            Uint8Array.of(1, 2, 3),
            'a',
            [
              { type: 'dns', hostname: 'a.example', port: 1 },
              { type: 'dns', hostname: 'b.example', port: 1 },
            ],
            features,
          ),
        /one DNS hostname/,
      ],
      ['non-ASCII hostname', () => nodeAnnouncementRequest(Uint8Array.of(1, 2, 3), 'a', [{ type: 'dns', hostname: 'bücher.example', port: 1 }], features), /ASCII/],
    ];
    for (const [what, f, re] of bad) assert.throws(f, re, what);
  });
});
