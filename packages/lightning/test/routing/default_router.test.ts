// DefaultRouter: routes over the graph with the scorer, and payment failures (BOLT 4 codes →
// NetworkUpdate) change the graph and the scorer so the next route avoids what failed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import { ChannelUpdate } from '../../src/ln/msgs/bolt07.js';
import { NODE, PERM, UPDATE } from '../../src/ln/onion/failure_codes.js';
import { analyseFailure, DefaultRouter, NetGraphMsgHandler, NetworkGraph, type Path, paymentParametersFromNodeId, RouteNotFound, type Score } from '../../src/routing/index.js';
import { compareBytes } from '../../src/util/bytes.js';
import { announcement, chain, peer, pub, update } from './gossip_helpers.js';
import { MemLogger } from './helpers.js';

const US = 0;
const PAYEE = 3;
const dir = (from: number, to: number): 0 | 1 => (compareBytes(pub(from), pub(to)) < 0 ? 0 : 1);

/** us–1–payee (cheap) and us–2–payee (dear), fully gossiped through the handler. */
function network() {
  const graph = new NetworkGraph(chain);
  const gossip = new NetGraphMsgHandler(graph, null, new MemLogger(), crypto);
  const links: Array<[number, number, bigint, number]> = [
    [US, 1, 1n, 0],
    [US, 2, 2n, 0],
    [1, PAYEE, 3n, 100],
    [2, PAYEE, 4n, 500],
  ];
  const anns = new Map<bigint, ReturnType<typeof announcement>>();
  for (const [a, b, scid, fee] of links) {
    const ann = announcement(a, b, scid);
    anns.set(scid, ann);
    assert.equal(gossip.handleGossipMessage(peer, { name: 'channel_announcement', msg: ann }), true);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      assert.equal(gossip.handleGossipMessage(peer, { name: 'channel_update', msg: update(ann, dir(from, to), 1000, fee) }), true);
    }
  }
  return { graph, gossip, anns };
}

class RecordingScorer implements Score {
  readonly failed: Array<[bigint, number]> = [];
  readonly succeeded: Path[] = [];
  channelPenaltyMsat(): number {
    return 0;
  }
  paymentPathFailed(_p: Path, scid: bigint, now: number): void {
    this.failed.push([scid, now]);
  }
  paymentPathSuccessful(p: Path): void {
    this.succeeded.push(p);
  }
  probeFailed(): void {}
  probeSuccessful(): void {}
  timePassed(): void {}
  write(): Uint8Array {
    return new Uint8Array(0);
  }
}

/** No first hops: the graph's channels out of us (the test network has no ChannelManager). */
function firstRoute(r: DefaultRouter) {
  return r.findRoute(pub(US), { paymentParams: paymentParametersFromNodeId(pub(PAYEE), 18), finalValueMsat: 50_000n }, null);
}

describe('analyseFailure (BOLT 4 failure codes → network updates)', () => {
  const path = [
    { pubkey: pub(1), shortChannelId: 1n },
    { pubkey: pub(2), shortChannelId: 5n },
    { pubkey: pub(PAYEE), shortChannelId: 6n },
  ];
  test('NODE blames the erring node, permanently with PERM', () => {
    assert.deepEqual(analyseFailure(path, 0, NODE | 2, undefined), { shortChannelId: 5n, update: { kind: 'node-failure', nodeId: pub(1), isPermanent: false } });
    assert.equal(analyseFailure(path, 1, PERM | NODE | 2, undefined).update?.kind, 'node-failure');
    assert.equal((analyseFailure(path, 1, PERM | NODE | 2, undefined).update as { isPermanent: boolean }).isPermanent, true);
  });
  test('PERM without NODE removes the outgoing channel; UPDATE carries the channel_update; others are temporary', () => {
    assert.deepEqual(analyseFailure(path, 0, PERM | 10, undefined), { shortChannelId: 5n, update: { kind: 'channel-failure', shortChannelId: 5n, isPermanent: true } });
    const u = new Uint8Array([1, 2, 3]);
    assert.deepEqual(analyseFailure(path, 1, UPDATE | 7, u), { shortChannelId: 6n, update: { kind: 'channel-update', shortChannelId: 6n, message: u } });
    assert.deepEqual(analyseFailure(path, 1, UPDATE | 7, new Uint8Array(0)), { shortChannelId: 6n, update: { kind: 'channel-failure', shortChannelId: 6n, isPermanent: false } });
  });
  test('an error from the recipient says nothing about the network; an unreadable one blames our first channel for now', () => {
    assert.deepEqual(analyseFailure(path, 2, PERM | 15, undefined), { shortChannelId: undefined, update: undefined });
    assert.deepEqual(analyseFailure(path, undefined, undefined, undefined), { shortChannelId: 1n, update: { kind: 'channel-failure', shortChannelId: 1n, isPermanent: false } });
  });
});

describe('DefaultRouter', () => {
  test('routes over the graph; a permanent channel failure removes the channel, so the next route avoids it', () => {
    const { graph } = network();
    const router = new DefaultRouter(graph, new MemLogger());
    const r1 = firstRoute(router);
    assert.ok(!(r1 instanceof RouteNotFound));
    assert.deepEqual(
      r1.paths[0]!.hops.map((h) => h.shortChannelId),
      [1n, 3n],
    );
    router.paymentPathFailed(r1.paths[0]!, analyseFailure(r1.paths[0]!.hops, 0, PERM | 8, undefined), 5000);
    assert.equal(graph.channel(3n), undefined);
    const r2 = firstRoute(router);
    assert.ok(!(r2 instanceof RouteNotFound));
    assert.deepEqual(
      r2.paths[0]!.hops.map((h) => h.shortChannelId),
      [2n, 4n],
    );
  });

  test('the scorer hears every failure with the blamed channel and the caller’s time, and every success', () => {
    const { graph } = network();
    const scorer = new RecordingScorer();
    const router = new DefaultRouter(graph, new MemLogger(), scorer);
    const r = firstRoute(router);
    assert.ok(!(r instanceof RouteNotFound));
    router.paymentPathFailed(r.paths[0]!, analyseFailure(r.paths[0]!.hops, 0, UPDATE | 7, undefined), 1234);
    assert.deepEqual(scorer.failed, [[3n, 1234]]);
    assert.ok(graph.channel(3n), 'a temporary failure leaves the channel in the graph');
    router.paymentPathSuccessful(r.paths[0]!, 1300);
    assert.equal(scorer.succeeded.length, 1);
  });

  test('a failure’s channel_update (with or without its type) is applied after the handler checks its signature', () => {
    const { graph, gossip, anns } = network();
    const router = new DefaultRouter(graph, new MemLogger(), undefined, { gossip });
    const r = firstRoute(router);
    assert.ok(!(r instanceof RouteNotFound));
    // Node 1 raises its fee on channel 3 and says so in the failure.
    const dearer = update(anns.get(3n)!, dir(1, PAYEE), 2000, 9000);
    const withType = new Uint8Array([0x01, 0x02, ...ChannelUpdate.encodePayload(dearer)]);
    assert.equal(router.paymentPathFailed(r.paths[0]!, analyseFailure(r.paths[0]!.hops, 0, UPDATE | 12, withType), 2000), true, 'applied: worth a retry');
    const pol = dir(1, PAYEE) === 0 ? graph.channel(3n)!.oneToTwo : graph.channel(3n)!.twoToOne;
    assert.equal(pol!.feeBaseMsat, 9000);
    const again = firstRoute(router);
    assert.ok(!(again instanceof RouteNotFound));
    assert.deepEqual(
      again.paths[0]!.hops.map((h) => h.shortChannelId),
      [2n, 4n],
    );
    // A forged update (signed by the wrong node) changes nothing, and neither does the bare payload form of it.
    const forged = update(anns.get(4n)!, dir(2, PAYEE), 3000, 1, 1);
    assert.equal(router.paymentPathFailed(again.paths[0]!, analyseFailure(again.paths[0]!.hops, 0, UPDATE | 12, ChannelUpdate.encodePayload(forged)), 3000), false);
    // An update for another channel than the one blamed is not taken either.
    const other = update(anns.get(3n)!, dir(1, PAYEE), 4000, 7);
    assert.equal(router.paymentPathFailed(again.paths[0]!, analyseFailure(again.paths[0]!.hops, 0, UPDATE | 12, ChannelUpdate.encodePayload(other)), 4000), false);
    assert.equal((dir(1, PAYEE) === 0 ? graph.channel(3n)!.oneToTwo : graph.channel(3n)!.twoToOne)!.feeBaseMsat, 9000);
    const pol4 = dir(2, PAYEE) === 0 ? graph.channel(4n)!.oneToTwo : graph.channel(4n)!.twoToOne;
    assert.equal(pol4!.feeBaseMsat, 500);
  });
});
