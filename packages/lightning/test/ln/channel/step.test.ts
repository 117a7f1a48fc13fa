import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { txid } from '../../../src/bitcoin/serialize.js';
import { nobleBackend } from '../../../src/crypto/noble.js';
import { verifyFundingSpend } from '../../../src/ln/chan_utils/signing.js';
import { onOpenChannel } from '../../../src/ln/channel/states/opening.js';
import { apply, deliverAll, fund, fundingTx, openPair, take, type Side } from './harness.js';

/** The state's kind, unnarrowed (assert.equal narrows its argument). */
function kindOf(s: Side): string {
  return s.state.kind;
}

function confirm(alice: Side, bob: Side, height: number, depth: number) {
  for (const s of [alice, bob]) {
    apply(s, { kind: 'funding-confirmed', confirmation: { height, txIndex: 1, blockHash: new Uint8Array(32) } });
    apply(s, { kind: 'best-block', height: height + depth - 1 });
    s.ctx = { ...s.ctx, bestHeight: height + depth - 1 };
  }
  deliverAll(alice, bob);
}

describe('channel state machine, driven through the pure step', () => {
  for (const anchors of [false, true]) {
    test(`open, confirm, ready, cooperative close (${anchors ? 'anchors' : 'static_remotekey'})`, () => {
      const { alice, bob } = openPair(1_000_000n, { anchors, push: 10_000_000n });
      assert.equal(kindOf(alice), 'WaitForAcceptChannel');
      assert.equal(kindOf(bob), 'WaitForFundingCreated');
      const tx = fund(alice, bob);
      assert.equal(kindOf(alice), 'WaitForChannelReady');
      assert.equal(kindOf(bob), 'WaitForChannelReady');
      // Each side created its monitor before its signature left (watch precedes funding_signed).
      const bobWatch = take(bob, 'watch');
      assert.equal(bobWatch.length, 1);
      assert.equal(take(alice, 'watch').length, 1);
      assert.deepEqual(take(alice, 'broadcast').map((b) => txid(b.tx, nobleBackend)), [txid(tx, nobleBackend)]);
      assert.deepEqual(take(alice, 'event').map((e) => e.event.kind), ['ChannelPending']);
      assert.deepEqual(take(bob, 'event').map((e) => e.event.kind), ['ChannelPending']);
      // Bob's monitor holds a commitment Alice signed, and Alice's signature verifies.
      const hc = bobWatch[0]!.init.holderCommitment;
      assert.ok(verifyFundingSpend(hc.tx, bobWatch[0]!.init.fundingScript, 1_000_000n, hc.counterpartySig, alice.ctx.signer.pubkeys().fundingPubkey, nobleBackend));
      confirm(alice, bob, 200, 5);
      assert.equal(kindOf(alice), 'WaitForChannelReady', 'not deep enough yet (6 needed)');
      confirm(alice, bob, 200, 6);
      assert.equal(kindOf(alice), 'Normal');
      assert.equal(kindOf(bob), 'Normal');
      assert.deepEqual(take(alice, 'event').map((e) => e.event.kind), ['ChannelReady']);
      assert.deepEqual(take(bob, 'event').map((e) => e.event.kind), ['ChannelReady']);

      apply(alice, { kind: 'close', targetFeeratePerKw: undefined, shutdownScript: undefined });
      deliverAll(alice, bob);
      assert.equal(kindOf(alice), 'Closing');
      assert.equal(kindOf(bob), 'Closing');
      const [ca] = take(alice, 'broadcast');
      const [cb] = take(bob, 'broadcast');
      assert.ok(ca && cb);
      assert.equal(txid(ca.tx, nobleBackend).join(), txid(cb.tx, nobleBackend).join(), 'both broadcast the same closing tx');
      // Balances: Alice gets value - push - fee, Bob gets the push.
      const outs = ca.tx.outputs.map((o) => o.value).sort((a, b) => (a < b ? -1 : 1));
      const total = outs.reduce((a, b) => a + b, 0n);
      assert.ok(total < 1_000_000n && total > 990_000n);
      assert.ok(outs.includes(10_000n), 'the push arrives at Bob');
      for (const s of [alice, bob]) apply(s, { kind: 'funding-spent', tx: ca.tx, txid: txid(ca.tx, nobleBackend) });
      assert.equal(kindOf(alice), 'Closed');
      const closedA = take(alice, 'event').map((e) => e.event);
      assert.equal(closedA[0]?.kind, 'ChannelClosed');
      assert.equal((closedA[0] as { reason: { kind: string } }).reason.kind, 'LocallyInitiatedCooperativeClosure');
      assert.equal((take(bob, 'event')[0]!.event as { reason: { kind: string } }).reason.kind, 'CounterpartyInitiatedCooperativeClosure');
    });
  }

  test('disconnect before funding forgets the channel; after funding it reestablishes and retransmits channel_ready', () => {
    const a = openPair(500_000n);
    apply(a.alice, { kind: 'disconnected' });
    apply(a.bob, { kind: 'disconnected' });
    assert.equal(a.alice.state.kind, 'Closed');
    assert.equal(a.bob.state.kind, 'Closed');

    const { alice: a2, bob: b2 } = openPair(500_000n);
    fund(a2, b2);
    for (const s of [a2, b2]) {
      apply(s, { kind: 'funding-confirmed', confirmation: { height: 300, txIndex: 1, blockHash: new Uint8Array(32) } });
      s.ctx = { ...s.ctx, bestHeight: 305 };
      apply(s, { kind: 'best-block', height: 305 });
    }
    a2.outbox.length = 0; // lost in flight
    b2.outbox.length = 0;
    apply(a2, { kind: 'disconnected' });
    apply(b2, { kind: 'disconnected' });
    assert.equal(kindOf(a2), 'Offline');
    apply(a2, { kind: 'connected', theirFeatures: a2.ctx.theirFeatures });
    apply(b2, { kind: 'connected', theirFeatures: b2.ctx.theirFeatures });
    deliverAll(a2, b2);
    assert.equal(kindOf(a2), 'Normal');
    assert.equal(kindOf(b2), 'Normal');
  });

  test('a bad funding_created signature fails the channel with an error to the peer', () => {
    const { alice, bob } = openPair(500_000n);
    deliverAll(alice, bob);
    const [ev] = take(alice, 'event');
    const e = ev!.event as { channelValueSatoshis: bigint; outputScript: Uint8Array };
    apply(alice, { kind: 'funding-generated', tx: fundingTx(e.channelValueSatoshis, e.outputScript), outputIndex: 0 });
    const fc = alice.outbox.shift()!;
    const bad = { ...(fc.msg as { signature: Uint8Array }), signature: new Uint8Array(64).fill(1) };
    apply(bob, { kind: 'message', msg: { name: 'funding_created', msg: bad } as never });
    assert.equal(kindOf(bob), 'Closed');
    const errs = take(bob, 'peer-error');
    assert.match(errs[0]!.error.message, /Invalid funding_created signature/);
    assert.equal(take(bob, 'watch').length, 0, 'no monitor for a channel that failed');
  });

  test('open_channel outside our limits is refused with an error', () => {
    const tweaks: Array<[string, object]> = [
      ['dust limit below 354', { dustLimitSatoshis: 353n }],
      ['to_self_delay too large', { toSelfDelay: 5000 }],
      ['more than 483 HTLCs', { maxAcceptedHtlcs: 484 }],
      ['push above the funding', { pushMsat: 600_000_001n }],
      ['unknown chain', { chainHash: new Uint8Array(32).fill(3) }],
      ['no channel_type', { channelType: undefined }],
      ['invalid funding key', { fundingPubkey: Uint8Array.of(2, ...new Uint8Array(32)) }],
      ['feerate too low', { feeratePerKw: 100 }],
    ];
    for (const [why, tweak] of tweaks) {
      const { alice, bob } = openPair(600_000n);
      const open = alice.actions.find((x) => x.kind === 'send') as { msg: { msg: object } };
      const m = { ...open.msg.msg, ...tweak };
      const r = onOpenChannel(m as never, { counterpartyNodeId: alice.keys.getNodeId(), keysId: new Uint8Array(32), userChannelId: 1n, scidAlias: 1n }, bob.ctx);
      assert.equal(r.state.kind as string, 'Closed', why);
      assert.ok(r.actions.some((x) => x.kind === 'peer-error'), why);
    }
  });

  test('channel_reestablish with option_data_loss_protect: a proven newer state stops us broadcasting; an unproven one is refused', () => {
    for (const proven of [true, false]) {
      const { alice, bob } = openPair(500_000n);
      fund(alice, bob);
      take(alice, 'event');
      take(bob, 'event');
      confirm(alice, bob, 300, 6);
      take(alice, 'event');
      take(bob, 'event');
      apply(alice, { kind: 'disconnected' });
      apply(alice, { kind: 'connected', theirFeatures: alice.ctx.theirFeatures });
      alice.outbox.length = 0;
      // Bob claims Alice already revoked commitment 0 (she never did): next_revocation_number 1.
      const id = (alice.state as { inner: { funding: { channelId: Uint8Array } } }).inner.funding.channelId;
      const proof = proven ? alice.ctx.signer.releaseCommitmentSecret(0n) : new Uint8Array(32).fill(9);
      apply(alice, {
        kind: 'message',
        msg: {
          name: 'channel_reestablish',
          msg: {
            channelId: id,
            nextCommitmentNumber: 1n,
            nextRevocationNumber: 1n,
            yourLastPerCommitmentSecret: proof,
            myCurrentPerCommitmentPoint: bob.ctx.signer.getPerCommitmentPoint(0n),
          },
        },
      });
      assert.equal(kindOf(alice), 'Closed');
      const [mu] = take(alice, 'update-monitor');
      const step0 = mu!.update.steps[0] as { kind: string; shouldBroadcast: boolean };
      assert.equal(step0.kind, 'ChannelForceClosed');
      assert.equal(step0.shouldBroadcast, !proven, proven ? 'we fell behind: never broadcast a stale commitment' : 'a lying peer gets our commitment broadcast');
      const [err] = take(alice, 'peer-error');
      assert.match(err!.error.message, proven ? /fallen behind/ : /cannot prove/);
    }
  });

  test('a wrong your_last_per_commitment_secret or an impossible next_commitment_number fails the channel', () => {
    const { alice, bob } = openPair(500_000n);
    fund(alice, bob);
    take(alice, 'event');
    confirm(alice, bob, 300, 6);
    take(alice, 'event');
    apply(alice, { kind: 'disconnected' });
    apply(alice, { kind: 'connected', theirFeatures: alice.ctx.theirFeatures });
    alice.outbox.length = 0;
    const id = (alice.state as { inner: { funding: { channelId: Uint8Array } } }).inner.funding.channelId;
    apply(alice, {
      kind: 'message',
      msg: {
        name: 'channel_reestablish',
        msg: { channelId: id, nextCommitmentNumber: 5n, nextRevocationNumber: 0n, yourLastPerCommitmentSecret: new Uint8Array(32), myCurrentPerCommitmentPoint: bob.ctx.signer.getPerCommitmentPoint(0n) },
      },
    });
    assert.equal(kindOf(alice), 'Closed');
    assert.match(take(alice, 'peer-error')[0]!.error.message, /next_commitment_number/);
  });
});
