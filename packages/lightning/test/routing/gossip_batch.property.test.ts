import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { p2wshForScript } from '../../src/bitcoin/outputs.js';
import type { Access } from '../../src/chain/interfaces.js';
import type { CryptoBackend, EcdsaVerifyItem } from '../../src/crypto/backend.js';
import { nobleBackend } from '../../src/crypto/noble.js';
import { fundingScript } from '../../src/ln/chan_utils/scripts.js';
import type { ChannelAnnouncement } from '../../src/ln/msgs/bolt07.js';
import type { WireMessage } from '../../src/ln/msgs/index.js';
import { NetGraphMsgHandler, type NetGraphMsgHandlerConfig } from '../../src/routing/gossip.js';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import { toHex } from '../../src/util/hex.js';
import { LightningError } from '../../src/util/errors.js';
import { nullLogger } from '../../src/util/logger.js';
import { announcement, chain, nodeAnn, peer, pub, update } from './gossip_helpers.js';

// Real verdicts, computed once per (sig, digest, key): both paths ask the same oracle, and the
// property runs fast enough to try many sequences with the pure-TS backend.
const memo = new Map<string, boolean>();
function memoVerify(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean {
  const k = toHex(sig) + toHex(msg) + toHex(key);
  let v = memo.get(k);
  if (v === undefined) {
    v = nobleBackend.verifyEcdsa(sig, msg, key);
    memo.set(k, v);
  }
  return v;
}

/** The pure-TS backend with memoised verification and counters; `batch` adds `verifyEcdsaBatch`. */
function countingBackend(batch: boolean) {
  const counts = { single: 0, batchCalls: 0, batchItems: 0 };
  const b: CryptoBackend = {
    ...nobleBackend,
    name: batch ? 'test-batch' : 'test-single',
    verifyEcdsa(sig, msg, key) {
      counts.single++;
      return memoVerify(sig, msg, key);
    },
  };
  if (batch) {
    b.verifyEcdsaBatch = (items: readonly EcdsaVerifyItem[]) => {
      counts.batchCalls++;
      counts.batchItems += items.length;
      return items.map((it) => memoVerify(it.sig, it.msg32, it.pubkey));
    };
  }
  return { backend: b, counts };
}

const scid = (n: number) => (BigInt(700_000 + n) << 40n) | 1n;
// Channels among the six nodes gossip_helpers can sign for. Each scid is announced by two
// different pairs (conflicting announcements: which one gets in depends on order and on
// signatures), and every announcement also comes with a bad bitcoin signature.
const PAIRS: Array<[number, number, number]> = [
  [0, 1, 1],
  [2, 5, 1],
  [1, 2, 2],
  [3, 4, 2],
  [2, 3, 3],
  [0, 5, 3],
  [0, 3, 4],
  [1, 4, 4],
];
const anns: ChannelAnnouncement[] = PAIRS.map(([a, b, s]) => announcement(a, b, scid(s)));
const badAnns: ChannelAnnouncement[] = PAIRS.map(([a, b, s]) => announcement(a, b, scid(s), { badSig: true }));

function wrongSigner(a: ChannelAnnouncement, direction: 0 | 1): number {
  const right = toHex(direction === 0 ? a.nodeId1 : a.nodeId2);
  return [0, 1, 2, 3, 4, 5].find((i) => toHex(pub(i)) !== right)!;
}

const universe: WireMessage[] = [];
for (const a of anns) universe.push({ name: 'channel_announcement', msg: a });
for (const a of badAnns) universe.push({ name: 'channel_announcement', msg: a });
for (const a of anns) {
  for (const d of [0, 1] as const) {
    for (const ts of [1000, 2000]) universe.push({ name: 'channel_update', msg: update(a, d, ts, ts / 10) });
    universe.push({ name: 'channel_update', msg: update(a, d, 1500, 7, wrongSigner(a, d)) });
  }
}
universe.push({ name: 'channel_update', msg: update(announcement(0, 5, scid(99)), 0, 1000) }); // unknown channel
for (let i = 0; i < 6; i++) {
  for (const ts of [1000, 2000]) universe.push({ name: 'node_announcement', msg: nodeAnn(i, ts) });
  const n = nodeAnn(i, 1500);
  const sig = n.signature.slice();
  sig[40]! ^= 1;
  universe.push({ name: 'node_announcement', msg: { ...n, signature: sig } });
}
universe.push({ name: 'gossip_timestamp_filter', msg: { chainHash: chain, firstTimestamp: 0, timestampRange: 0xffffffff } });

type Chain = 'none' | 'sync' | 'async';
function access(kind: Chain): Access | null {
  if (kind === 'none') return null;
  const funding = new Map(anns.filter((_, i) => i % 2 === 0).map((a) => [a.shortChannelId, p2wshForScript(fundingScript(a.bitcoinKey1, a.bitcoinKey2), nobleBackend)]));
  return {
    getUtxo(_chain, s) {
      // Channel 3 is not on chain; for the others the output pays the first pair's keys.
      const script = funding.get(s);
      const r = !script || s === scid(3) ? 'UnknownTx' : { script, value: 1_000_000n };
      return kind === 'async' ? Promise.resolve(r) : r;
    },
  };
}

function describeResult(r: boolean | LightningError): unknown {
  return r instanceof LightningError ? { err: r.message, action: r.action } : r;
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('NetGraphMsgHandler.handleGossipMessages', () => {
  test('property: in batches it gives the same per-message results and the same graph as one by one', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Gossip about one or two scids at a time, so conflicting announcements and their updates meet often.
        fc.subarray([1, 2, 3, 4], { minLength: 1, maxLength: 2 }).chain((focus) => {
          const pool = universe.filter((m) => !('shortChannelId' in m.msg) || focus.some((f) => scid(f) === (m.msg as { shortChannelId: bigint }).shortChannelId));
          return fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 100, size: 'max' });
        }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom<Chain>('none', 'sync', 'async'),
        fc.option(fc.constantFrom(3000, 3000 + 14 * 86400), { nil: undefined }),
        fc.boolean(),
        async (msgs, cuts, withBatch, chainKind, nowSecs, ours) => {
          const config: NetGraphMsgHandlerConfig = { nowSecs, ourNodeId: ours ? pub(1) : undefined, limits: { updateBurst: 2 } };
          const one = new NetGraphMsgHandler(new NetworkGraph(chain), access(chainKind), nullLogger, countingBackend(false).backend, config);
          const { backend, counts } = countingBackend(withBatch);
          const many = new NetGraphMsgHandler(new NetworkGraph(chain), access(chainKind), nullLogger, backend, config);
          let at = 0;
          for (let c = 0; at < msgs.length; c++) {
            const batch = msgs.slice(at, at + cuts[c % cuts.length]!);
            at += batch.length;
            const expected = batch.map((m) => describeResult(one.handleGossipMessage(peer, m)));
            const got = many.handleGossipMessages(peer, batch).map(describeResult);
            assert.deepEqual(got, expected);
            await settle();
            assert.deepEqual(many.graph.write(), one.graph.write());
            assert.deepEqual(many.pendingLookupTotals, one.pendingLookupTotals);
          }
          if (!withBatch) assert.equal(counts.batchCalls, 0);
        },
      ),
      { numRuns: 300, seed: 0x60551b },
    );
  });

  test('a fresh batch is verified in one verifyEcdsaBatch call, with nothing left to verify one by one', () => {
    const { backend, counts } = countingBackend(true);
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, backend);
    const a = anns[0]!;
    const b = anns[2]!;
    const msgs: WireMessage[] = [
      { name: 'channel_announcement', msg: a },
      { name: 'channel_update', msg: update(a, 0, 1000) },
      { name: 'channel_update', msg: update(a, 1, 1000) },
      { name: 'channel_announcement', msg: b },
      { name: 'channel_update', msg: update(b, 1, 1000) },
      { name: 'node_announcement', msg: nodeAnn(1, 1000) },
      { name: 'node_announcement', msg: nodeAnn(2, 1000) },
    ];
    assert.deepEqual(h.handleGossipMessages(peer, msgs), [true, true, true, true, true, true, true]);
    assert.deepEqual(counts, { single: 0, batchCalls: 1, batchItems: 4 + 2 + 4 + 1 + 2 });
  });

  test('a check whose inputs changed after gathering is verified when applied (fallback)', () => {
    const { backend, counts } = countingBackend(true);
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, backend);
    // Both announce scid 1: the gathering takes the first (nodes 0, 1) as the channel, but its
    // signature is bad, so the second (nodes 2, 5) gets in, and the update is by node 2 or 5.
    const bad = badAnns[0]!;
    const other = anns[1]!;
    assert.equal(bad.shortChannelId, other.shortChannelId);
    const upd = update(other, 0, 1000);
    const msgs: WireMessage[] = [
      { name: 'channel_announcement', msg: bad },
      { name: 'channel_announcement', msg: other },
      { name: 'channel_update', msg: upd },
    ];
    const got = h.handleGossipMessages(peer, msgs);
    assert.ok(got[0] instanceof LightningError && got[0].action.kind === 'disconnect-with-warning');
    assert.deepEqual(got.slice(1), [true, true]);
    // Gathered: the first announcement's four and the update against the wrong node. Applied:
    // the second announcement's four and the update's real key, verified one by one.
    assert.deepEqual(counts, { single: 5, batchCalls: 1, batchItems: 5 });
    assert.equal(h.graph.channel(other.shortChannelId)?.oneToTwo?.lastUpdate, 1000);
  });

  test('without verifyEcdsaBatch it is handleGossipMessage in a loop', () => {
    const { backend, counts } = countingBackend(false);
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, backend);
    const a = anns[0]!;
    const got = h.handleGossipMessages(peer, [
      { name: 'channel_announcement', msg: a },
      { name: 'channel_update', msg: update(a, 0, 1000) },
      { name: 'channel_update', msg: update(a, 0, 1000) },
    ]);
    assert.deepEqual(got.slice(0, 2), [true, true]);
    assert.ok(got[2] instanceof LightningError && got[2].action.kind === 'ignore-duplicate-gossip');
    assert.equal(counts.single, 5);
    assert.equal(counts.batchCalls, 0);
  });

  test('`after` sees each result in order and can stop the batch', () => {
    const h = new NetGraphMsgHandler(new NetworkGraph(chain), null, nullLogger, countingBackend(true).backend);
    const a = anns[0]!;
    const seen: number[] = [];
    const got = h.handleGossipMessages(
      peer,
      [
        { name: 'channel_announcement', msg: a },
        { name: 'channel_announcement', msg: badAnns[2]! },
        { name: 'channel_update', msg: update(a, 0, 1000) },
      ],
      (i, r) => {
        seen.push(i);
        return r instanceof LightningError;
      },
    );
    assert.deepEqual(seen, [0, 1]);
    assert.equal(got.length, 2);
    assert.equal(h.graph.channel(a.shortChannelId)?.oneToTwo, undefined, 'the update after the stop was not applied');
  });
});
