import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import type { ChannelAction } from '../../../src/ln/channel/state.js';
import { apply, deliverAll, fundingTx, openPair, type Side, take } from './harness.js';

function toNormal(valueSat: bigint, anchors = false) {
  const { alice, bob } = openPair(valueSat, { anchors, push: 100_000_000n });
  deliverAll(alice, bob);
  const [ev] = take(alice, 'event');
  const e = ev!.event as { channelValueSatoshis: bigint; outputScript: Uint8Array };
  apply(alice, { kind: 'funding-generated', tx: fundingTx(e.channelValueSatoshis, e.outputScript), outputIndex: 0 });
  deliverAll(alice, bob);
  for (const s of [alice, bob]) {
    apply(s, { kind: 'funding-confirmed', confirmation: { height: 100, txIndex: 1, blockHash: new Uint8Array(32) } });
    s.ctx = { ...s.ctx, bestHeight: 105 };
    apply(s, { kind: 'best-block', height: 105 });
  }
  deliverAll(alice, bob);
  assert.equal(alice.state.kind as string, 'Normal');
  assert.equal(bob.state.kind as string, 'Normal');
  for (const s of [alice, bob]) s.actions = [];
  return { alice, bob };
}

/** Each side signs whenever it has something to sign, until both are quiet (LDK's commitment dance). */
function dance(a: Side, b: Side): void {
  for (let i = 0; i < 20; i++) {
    deliverAll(a, b);
    let signed = false;
    for (const s of [a, b]) {
      try {
        apply(s, { kind: 'sign' });
        signed = true;
      } catch {
        /* nothing to sign */
      }
    }
    if (!signed && a.outbox.length === 0 && b.outbox.length === 0) return;
  }
  throw new Error('dance never settled');
}

function normalBalances(s: Side): { local: bigint; remote: bigint; htlcs: number } {
  const st = s.state as Extract<typeof s.state, { kind: 'Normal' }>;
  return { local: st.commitments.holderBalanceMsat, remote: st.commitments.counterpartyBalanceMsat, htlcs: st.commitments.htlc.localSpec.htlcs.length };
}

describe('HTLCs through the channel state machine', () => {
  for (const anchors of [false, true]) {
    test(`add, sign both ways, fulfill: balances move, monitors see every state first (${anchors ? 'anchors' : 'static_remotekey'})`, () => {
      const { alice, bob } = toNormal(1_000_000n, anchors);
      const preimage = new Uint8Array(32).fill(0x42);
      apply(alice, { kind: 'add-htlc', add: { amountMsat: 50_000_000n, paymentHash: crypto.sha256(preimage), cltvExpiry: 200, onionRoutingPacket: new Uint8Array(1366) } });
      dance(alice, bob);
      assert.deepEqual(normalBalances(alice), { local: 1_000_000_000n - 100_000_000n - 50_000_000n, remote: 100_000_000n, htlcs: 1 });
      assert.equal(normalBalances(bob).htlcs, 1);
      // Bob learns the HTLC is irrevocably committed once Alice's revoke_and_ack arrives.
      const committed = take(bob, 'htlcs-committed');
      assert.equal(committed.length, 1);
      assert.equal(committed[0]!.adds[0]!.amountMsat, 50_000_000n);
      // Every signature and revocation left after its monitor update.
      for (const s of [alice, bob]) assertMonitorFirst(s.actions);
      // The holder commitments the monitors got carry the HTLC output.
      const steps = take(bob, 'update-monitor').map((u) => u.update.steps[0]!);
      const lastHolder = steps.filter((x) => x.kind === 'LatestHolderCommitment').at(-1);
      assert.ok(lastHolder?.kind === 'LatestHolderCommitment');
      assert.equal(lastHolder.commitment.htlcs.length, 1);
      assert.equal(lastHolder.commitment.tx.outputs.length, anchors ? 5 : 3);
      alice.actions = [];
      bob.actions = [];
      apply(bob, { kind: 'fulfill-htlc', id: 0n, preimage });
      assert.equal(take(bob, 'update-monitor')[0]!.update.steps[0]!.kind, 'PaymentPreimage', 'the monitor learns the preimage before it leaves');
      dance(alice, bob);
      const [ful] = take(alice, 'htlc-fulfilled');
      assert.ok(ful?.preimage.every((b, i) => b === preimage[i]));
      assert.deepEqual(normalBalances(alice), { local: 850_000_000n, remote: 150_000_000n, htlcs: 0 });
      assert.deepEqual(normalBalances(bob), { local: 150_000_000n, remote: 850_000_000n, htlcs: 0 });
    });
  }

  test('a bad commitment signature or a wrong revocation secret fails the channel', () => {
    const { alice, bob } = toNormal(1_000_000n);
    apply(alice, { kind: 'add-htlc', add: { amountMsat: 5_000_000n, paymentHash: new Uint8Array(32), cltvExpiry: 200, onionRoutingPacket: new Uint8Array(1366) } });
    apply(alice, { kind: 'sign' });
    const [add, cs] = alice.outbox.splice(0);
    apply(bob, { kind: 'message', msg: add! });
    const bad = { ...(cs!.msg as object), signature: new Uint8Array(64).fill(1) };
    apply(bob, { kind: 'message', msg: { name: 'commitment_signed', msg: bad } as never });
    assert.equal(bob.state.kind as string, 'Closed');
    assert.match(take(bob, 'peer-error')[0]!.error.message, /Invalid commitment tx signature/);

    const p2 = toNormal(1_000_000n);
    apply(p2.alice, { kind: 'add-htlc', add: { amountMsat: 5_000_000n, paymentHash: new Uint8Array(32), cltvExpiry: 200, onionRoutingPacket: new Uint8Array(1366) } });
    apply(p2.alice, { kind: 'sign' });
    deliverAll(p2.alice, p2.bob, (_from, m) => m.name === 'revoke_and_ack');
    const raa = { channelId: (p2.alice.state as { funding: { channelId: Uint8Array } }).funding.channelId, perCommitmentSecret: new Uint8Array(32).fill(5), nextPerCommitmentPoint: p2.bob.ctx.signer.getPerCommitmentPoint(2n) };
    apply(p2.alice, { kind: 'message', msg: { name: 'revoke_and_ack', msg: raa } });
    assert.equal(p2.alice.state.kind as string, 'Closed');
    assert.match(take(p2.alice, 'peer-error')[0]!.error.message, /revoke commitment secret/);
  });

  test('an HTLC above what the peer allows is refused before it is sent', () => {
    const { alice } = toNormal(1_000_000n);
    assert.throws(() => apply(alice, { kind: 'add-htlc', add: { amountMsat: 1_000_000_000n, paymentHash: new Uint8Array(32), cltvExpiry: 200, onionRoutingPacket: new Uint8Array(1366) } }));
    assert.equal(alice.outbox.length, 0);
  });
});

function assertMonitorFirst(actions: readonly ChannelAction[]): void {
  // Each commitment_signed / revoke_and_ack / fulfill is preceded by its monitor update.
  let lastMonitor = -1;
  actions.forEach((a, i) => {
    if (a.kind === 'update-monitor') lastMonitor = i;
    if (a.kind === 'send' && (a.msg.name === 'commitment_signed' || a.msg.name === 'revoke_and_ack' || a.msg.name === 'update_fulfill_htlc')) {
      assert.equal(lastMonitor, i - 1, `${a.msg.name} right after its monitor update`);
    }
  });
}
