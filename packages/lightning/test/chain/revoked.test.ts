/**
 * A monitor keeps only a compact record of the counterparty's HTLCs (37 bytes per HTLC, not a copy
 * per commitment) and prunes preimages nothing needs any more. These tests show that what it keeps
 * still punishes a revoked commitment whole (BOLT 5 §"Revoked Transaction Close Handling"):
 * `to_local` and every HTLC output, after a write/read round trip, in both channel types.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { p2wshForScript } from '../../src/bitcoin/outputs.js';
import type { Transaction } from '../../src/bitcoin/tx.js';
import { ChannelMonitor } from '../../src/chain/channelmonitor.js';
import { CounterpartyHtlcHistory } from '../../src/chain/htlc_history.js';
import { equalBytes } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import { apply, take } from '../ln/channel/harness.js';
import { add, channelIdOf, commitBoth, feed, usable } from './monitored_pair.js';
import { crypto } from './support.js';

describe('a revoked commitment stays fully punishable from the compact monitor state', () => {
  for (const anchors of [false, true]) {
    test(`to_local and every HTLC output (both directions, one trimmed) are claimable after a restart (${anchors ? 'anchors' : 'static_remotekey'})`, () => {
      const { alice, bob } = usable(anchors);
      const pre = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
      add(alice, 20_000_000n, pre[0]!, 300);
      add(alice, 7_000_000n, pre[1]!, 310);
      add(bob, 9_000_000n, pre[2]!, 320);
      // Below any dust limit (BOLT 2: at least 354 sat): no output anywhere, nothing to claim.
      add(bob, 300_000n, pre[3]!, 330);
      commitBoth(alice, bob);
      // Bob's commitment as he holds it now: the one he could broadcast after revoking it.
      const revoked: Transaction = bob.monitor.holderCommitment.tx;
      const revokedNumber = bob.monitor.holderCommitment.commitmentNumber;
      assert.equal(bob.monitor.holderCommitment.htlcs.length, 4);
      assert.equal(alice.monitor.revokedCommitment(revoked), null, 'not revoked yet: nothing to punish');

      // Settle everything: Bob's commitment above is revoked along the way.
      apply(bob.side, { kind: 'fulfill-htlc', id: 0n, preimage: pre[0]! });
      apply(bob.side, { kind: 'fulfill-htlc', id: 1n, preimage: pre[1]! });
      apply(alice.side, { kind: 'fulfill-htlc', id: 0n, preimage: pre[2]! });
      apply(alice.side, { kind: 'fulfill-htlc', id: 1n, preimage: pre[3]! });
      feed(alice);
      feed(bob);
      commitBoth(alice, bob);
      assert.ok(alice.monitor.counterpartySecret(revokedNumber), 'Bob revealed its secret');

      const restarted = ChannelMonitor.read(alice.monitor.write(), crypto);
      assert.ok(!(restarted instanceof DecodeError));
      const r = restarted.revokedCommitment(revoked);
      assert.ok(r, 'recognised as revoked');
      assert.equal(r.commitmentNumber, revokedNumber);
      const kinds = r.outputs.map((o) => o.kind).sort();
      assert.deepEqual(kinds, ['offered_htlc', 'received_htlc', 'received_htlc', 'to_local'], 'to_local, Bob’s offered HTLC and both HTLCs Alice offered');
      // Every output but Bob's payment to Alice (to_remote) and the anchors is taken.
      assert.equal(r.outputs.length, revoked.outputs.length - (anchors ? 3 : 1));
      for (const o of r.outputs) {
        assert.deepEqual(p2wshForScript(o.witnessScript, crypto), revoked.outputs[o.vout]!.script, `output ${o.vout} script`);
        assert.equal(o.valueSat, revoked.outputs[o.vout]!.value);
      }
      const htlcValues = r.outputs.filter((o) => o.kind !== 'to_local').map((o) => o.valueSat).sort((x, y) => (x < y ? -1 : 1));
      assert.deepEqual(htlcValues, [7000n, 9000n, 20000n]);
      // The revocation key Alice's signer derives from the revealed secret is the one in the scripts.
      const key = alice.side.ctx.signer.revocationSecretFor(r.perCommitmentSecret);
      assert.deepEqual(crypto.publicKey(key), r.revocationPubkey);
      for (const o of r.outputs) {
        // to_local: OP_IF <revocationpubkey> …; an HTLC: OP_DUP OP_HASH160 <RIPEMD160(SHA256(revocationpubkey))> …
        if (o.kind === 'to_local') assert.deepEqual(o.witnessScript.subarray(2, 35), r.revocationPubkey);
        else assert.deepEqual(o.witnessScript.subarray(3, 23), crypto.hash160(r.revocationPubkey));
      }
      // Bob's current commitment, and Alice's own, are not revoked.
      assert.equal(restarted.revokedCommitment(bob.monitor.holderCommitment.tx), null);
      assert.equal(restarted.revokedCommitment(alice.monitor.holderCommitment.tx), null);
    });
  }

  test('history grows 37 bytes per HTLC, not per commitment, and preimages are pruned once resolved', () => {
    const { alice, bob } = usable(false);
    const kept: Transaction[] = [];
    for (let i = 0; i < 6; i++) {
      const preimage = new Uint8Array(32).fill(0x40 + i);
      add(alice, 5_000_000n, preimage, 400 + i);
      commitBoth(alice, bob);
      kept.push(bob.monitor.holderCommitment.tx);
      apply(bob.side, { kind: 'fulfill-htlc', id: BigInt(i), preimage });
      feed(bob);
      commitBoth(alice, bob);
      assert.equal(alice.monitor.counterpartyHtlcHistoryBytes, 37 * (i + 1), `after payment ${i}`);
      assert.equal(bob.monitor.counterpartyHtlcHistoryBytes, 37 * (i + 1));
      // Each side keeps at most the preimage of the payment just settled (its previous commitment
      // may still carry the HTLC); older ones are gone.
      for (const p of [alice, bob]) assert.ok(p.monitor.preimages.length <= 1, `${p.side.name} keeps ${p.monitor.preimages.length}`);
    }
    // Every one of Bob's commitments with an HTLC is still punishable, HTLC output included.
    const restarted = ChannelMonitor.read(alice.monitor.write(), crypto);
    assert.ok(!(restarted instanceof DecodeError));
    for (const tx of kept) {
      const r = restarted.revokedCommitment(tx);
      assert.ok(r);
      assert.deepEqual(r.outputs.map((o) => o.kind).sort(), ['received_htlc', 'to_local']);
    }
  });

  test('a refused update rolls the history back whole', () => {
    const { alice } = usable(false);
    add(alice, 5_000_000n, new Uint8Array(32).fill(9), 400);
    apply(alice.side, { kind: 'sign' });
    const [u] = take(alice.side, 'update-monitor');
    assert.ok(u);
    const before = alice.monitor.write();
    const bad = {
      updateId: u.update.updateId,
      channelId: channelIdOf(alice),
      steps: [...u.update.steps, { kind: 'CommitmentSecret' as const, commitmentNumber: 5n, secret: new Uint8Array(32).fill(1) }],
    };
    assert.ok(u.update.steps.some((st) => st.kind === 'LatestCounterpartyCommitment' && st.commitment.htlcs.length === 1));
    assert.equal(alice.monitor.update(bad)?.kind, 'InvalidSecret');
    assert.deepEqual(alice.monitor.write(), before, 'the commitment and its HTLC were not recorded');
    assert.equal(alice.monitor.update(u.update), null);
    assert.equal(alice.monitor.counterpartyHtlcHistoryBytes, 37);
  });
});

describe('CounterpartyHtlcHistory', () => {
  const h = (n: number, offered = true, cltv = 500) => ({ offered, amountMsat: 1_000_000n, cltvExpiry: cltv, paymentHash: crypto.sha256(Uint8Array.of(n)) });

  test('one entry per HTLC over the run of commitments it sat on; a superset, never missing one', () => {
    const hist = new CounterpartyHtlcHistory();
    hist.record(1n, [h(1)]);
    hist.record(2n, [h(1), h(2, false)]);
    hist.record(3n, [h(2, false), h(2, false, 600)]);
    hist.record(4n, []);
    hist.record(5n, [h(1)]); // the same HTLC again after a gap (a new entry)
    assert.equal(hist.size, 4);
    const on = (n: bigint) => hist.htlcsOn(n).htlcs.map((x) => `${x.offered ? 'o' : 'r'}${x.cltvExpiry}`).sort();
    assert.deepEqual(on(1n), ['o500']);
    assert.deepEqual(on(2n), ['o500', 'r500']);
    assert.deepEqual(on(3n), ['r500', 'r600']);
    assert.deepEqual(on(4n), []);
    assert.deepEqual(on(5n), ['o500']);
    const back = CounterpartyHtlcHistory.decode(hist.encode());
    assert.ok(!(back instanceof DecodeError));
    assert.deepEqual(back.encode(), hist.encode());
    // The decoded history still extends the open entry rather than starting another.
    back.record(6n, [h(1)]);
    assert.equal(back.size, 4);
    assert.deepEqual(back.htlcsOn(6n).htlcs.length, 1);
  });

  test('mark and rollback undo appends and extended ranges', () => {
    const hist = new CounterpartyHtlcHistory();
    hist.record(1n, [h(1)]);
    const before = hist.encode();
    const m = hist.mark();
    hist.record(2n, [h(1), h(3)]);
    hist.record(3n, [h(3)]);
    hist.rollback(m);
    assert.deepEqual(hist.encode(), before);
    assert.deepEqual(hist.htlcsOn(2n).htlcs, []);
    hist.record(2n, [h(1)]);
    assert.equal(hist.size, 1);
  });

  test('decode rejects truncations, bad flags, inverted ranges and stray open entries', () => {
    const hist = new CounterpartyHtlcHistory();
    hist.record(1n, [h(1)]);
    hist.record(2n, [h(1)]);
    const good = hist.encode();
    for (let cut = 0; cut < good.length; cut++) assert.ok(CounterpartyHtlcHistory.decode(good.subarray(0, cut)) instanceof DecodeError, `cut ${cut}`);
    const flags = good.slice();
    flags[4 + 24] = 2;
    assert.ok(CounterpartyHtlcHistory.decode(flags) instanceof DecodeError);
    const inverted = good.slice();
    inverted[4 + 30] = 9; // first = 9 > last = 2
    assert.ok(CounterpartyHtlcHistory.decode(inverted) instanceof DecodeError);
    const stray = good.slice();
    stray[good.length - 1] = 7; // open entry 7 of 1
    assert.ok(CounterpartyHtlcHistory.decode(stray) instanceof DecodeError);
    assert.ok(equalBytes(good, hist.encode()));
  });
});
