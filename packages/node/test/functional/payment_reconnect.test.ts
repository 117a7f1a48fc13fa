import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event } from '@lnts/lightning/util';
import { withNetwork } from './harness.js';

describe('a payment survives a disconnection at every message boundary (BOLT 2 retransmission)', () => {
  for (const restart of [false, true])
  test(`cut after k messages of the add/sign/revoke/fulfill dance, ${restart ? 'restart a side from its serialized state' : 'reconnect'}, finish`, () => {
    // update_add, commitment_signed, revoke_and_ack, commitment_signed, revoke_and_ack,
    // update_fulfill, commitment_signed, revoke_and_ack, commitment_signed, revoke_and_ack.
    for (let cut = 0; cut <= 11; cut++) {
      withNetwork(2, (net) => {
        const l = net.connect(0, 1);
        net.openChannel(0, 1, 1_000_000n, 100_000_000n);
        let A = net.nodes[0]!;
        let B = net.nodes[1]!;
        const seen: Event[][] = [[], []];
        const aBefore = A.cm.listChannels()[0]!.outboundCapacityMsat;
        const bBefore = B.cm.listChannels()[0]!.outboundCapacityMsat;
        let budget = cut;
        for (const n of [A, B]) {
          const orig = n.cm.getAndClearPendingMsgEvents.bind(n.cm);
          n.cm.getAndClearPendingMsgEvents = () => orig().filter((e) => e.kind !== 'send-message' || budget-- > 0);
        }
        const amount = 20_000_000n;
        const inv = B.cm.createInboundPayment(amount);
        const scid = A.cm.listChannels()[0]!.shortChannelId!;
        A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, new Uint8Array(32).fill(cut + 1), {
          paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: amount, cltvExpiryDelta: 40 }] }],
        });
        net.settlePayments(seen);
        budget = Number.POSITIVE_INFINITY;
        if (restart) net.restart(cut % 2);
        else net.disconnect(l);
        net.connect(0, 1);
        net.settlePayments(seen);
        A = net.nodes[0]!;
        B = net.nodes[1]!;
        const kinds = seen[0]!.map((e) => e.kind);
        const sent = kinds.includes('PaymentSent');
        const failed = kinds.includes('PaymentFailed');
        assert.ok(sent !== failed, `cut ${cut}: exactly one outcome (${kinds.join(',')})`);
        for (const n of [A, B]) {
          const [c] = n.cm.listChannels();
          assert.ok(c?.isUsable, `cut ${cut}: ${n.name}'s channel usable`);
          assert.equal(c.commitmentDanceInProgress, false, `cut ${cut}: ${n.name} quiet`);
          assert.equal(c.pendingHtlcs, 0, `cut ${cut}: no HTLC left`);
        }
        const moved = aBefore - A.cm.listChannels()[0]!.outboundCapacityMsat;
        assert.equal(moved, sent ? amount : 0n, `cut ${cut}: Alice's balance`);
        assert.equal(B.cm.listChannels()[0]!.outboundCapacityMsat - bBefore, sent ? amount : 0n, `cut ${cut}: Bob's balance ${bBefore} → ${B.cm.listChannels()[0]!.outboundCapacityMsat}`);
        assert.equal(seen[1]!.some((e) => e.kind === 'PaymentClaimed'), sent, `cut ${cut}: Bob claimed iff Alice saw PaymentSent`);
        for (const n of net.nodes) n.addedMonitors = 0;
      });
    }
  });
});
