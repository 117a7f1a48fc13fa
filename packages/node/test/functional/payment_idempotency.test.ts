/**
 * A paid payment's record lives IDEMPOTENCY_TIMEOUT_TICKS timer ticks (LDK's
 * `remove_stale_payments`): long enough that a duplicate `sendPayment` is still refused, then
 * forgotten, so a node's memory does not grow with every payment it ever sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDEMPOTENCY_TIMEOUT_TICKS } from '@lnts/lightning/ln';
import { APIMisuseError, equalBytes } from '@lnts/lightning/util';
import { type Network, withNetwork } from './harness.js';

function pay(net: Network, id: Uint8Array, amount: bigint): void {
  const [A, B] = net.nodes as [Network['nodes'][0], Network['nodes'][0]];
  const scid = A.cm.listChannels().find((c) => equalBytes(c.counterpartyNodeId, B.keys.getNodeId()))!.shortChannelId!;
  const inv = B.cm.createInboundPayment(amount);
  A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, id, {
    paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: amount, cltvExpiryDelta: 40 }] }],
  });
  for (let i = 0; i < 10; i++) {
    net.pump();
    for (const e of B.cm.getAndClearPendingEvents()) {
      if (e.kind === 'PendingHTLCsForwardable') B.cm.processPendingHtlcForwards();
      if (e.kind === 'PaymentClaimable') B.cm.claimFunds(inv.paymentPreimage);
    }
  }
  assert.deepEqual(A.cm.getAndClearPendingEvents().map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful']);
}

test('a paid payment id is refused again for IDEMPOTENCY_TIMEOUT_TICKS ticks, then forgotten', () =>
  withNetwork(2, (net) => {
    net.connect(0, 1);
    net.openChannel(0, 1, 1_000_000n);
    const A = net.nodes[0]!;
    const id = new Uint8Array(32).fill(7);
    pay(net, id, 1_000_000n);
    const again = () => pay(net, id, 2_000_000n);
    for (let t = 0; t < IDEMPOTENCY_TIMEOUT_TICKS; t++) {
      assert.throws(again, APIMisuseError, `refused after ${t} ticks`);
      A.cm.timerTickOccurred();
    }
    assert.throws(again, APIMisuseError, `still refused after ${IDEMPOTENCY_TIMEOUT_TICKS} ticks`);
    A.cm.timerTickOccurred();
    again();
    // A payment still in flight is never forgotten, whatever the ticks.
    const pending = new Uint8Array(32).fill(8);
    const B = net.nodes[1]!;
    const inv = B.cm.createInboundPayment(3_000_000n);
    const scid = A.cm.listChannels()[0]!.shortChannelId!;
    const route = { paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: 3_000_000n, cltvExpiryDelta: 40 }] }] };
    A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, pending, route);
    for (let t = 0; t <= IDEMPOTENCY_TIMEOUT_TICKS + 1; t++) A.cm.timerTickOccurred();
    assert.throws(() => A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, pending, route), APIMisuseError);
    // Let the last one finish, as the harness expects every node quiet at the end.
    for (let i = 0; i < 10; i++) {
      net.pump();
      for (const e of B.cm.getAndClearPendingEvents()) {
        if (e.kind === 'PendingHTLCsForwardable') B.cm.processPendingHtlcForwards();
        if (e.kind === 'PaymentClaimable') B.cm.claimFunds(inv.paymentPreimage);
      }
    }
    A.cm.getAndClearPendingEvents();
    for (const n of net.nodes) n.addedMonitors = 0;
  }));

test('a failed payment id is refused for IDEMPOTENCY_TIMEOUT_TICKS ticks too, then forgotten', () =>
  withNetwork(2, (net) => {
    net.connect(0, 1);
    net.openChannel(0, 1, 1_000_000n);
    const [A, B] = net.nodes as [Network['nodes'][0], Network['nodes'][0]];
    const id = new Uint8Array(32).fill(9);
    const scid = A.cm.listChannels()[0]!.shortChannelId!;
    const inv = B.cm.createInboundPayment(1_000_000n);
    const route = { paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: 1_000_000n, cltvExpiryDelta: 40 }] }] };
    // A wrong payment secret: B fails it back (incorrect_or_unknown_payment_details), for good.
    const fail = () => {
      A.cm.sendPayment(inv.paymentHash, { paymentSecret: new Uint8Array(32).fill(1) }, id, route);
      for (let i = 0; i < 10; i++) {
        net.pump();
        for (const e of B.cm.getAndClearPendingEvents()) if (e.kind === 'PendingHTLCsForwardable') B.cm.processPendingHtlcForwards();
      }
      assert.deepEqual(A.cm.getAndClearPendingEvents().map((e) => e.kind), ['PaymentPathFailed', 'PaymentFailed']);
    };
    fail();
    for (let t = 0; t <= IDEMPOTENCY_TIMEOUT_TICKS; t++) {
      assert.throws(() => A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, id, route), APIMisuseError, `refused after ${t} ticks`);
      A.cm.timerTickOccurred();
    }
    // Forgotten: the id may be used again (and fails again the same way).
    fail();
    for (const n of net.nodes) n.addedMonitors = 0;
  }));
