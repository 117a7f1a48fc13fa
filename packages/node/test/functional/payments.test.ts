import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event } from '@lnts/lightning/util';
import { equalBytes } from '@lnts/lightning/util';
import { type Network, withNetwork } from './harness.js';

type Ev<K extends Event['kind']> = Extract<Event, { kind: K }>;

function scidBetween(net: Network, a: number, b: number): bigint {
  const c = net.nodes[a]!.cm.listChannels().find((x) => equalBytes(x.counterpartyNodeId, net.nodes[b]!.keys.getNodeId()))!;
  return c.shortChannelId!;
}

function outbound(net: Network, a: number, b: number): bigint {
  return net.nodes[a]!.cm.listChannels().find((x) => equalBytes(x.counterpartyNodeId, net.nodes[b]!.keys.getNodeId()))!.outboundCapacityMsat;
}

/** Delivers everything; each node handles PendingHTLCsForwardable by processing its forwards, as a user would. */
function settle(net: Network, forwarders: number[]): void {
  for (let i = 0; i < 10; i++) {
    net.pump();
    let again = false;
    for (const n of forwarders) {
      const node = net.nodes[n]!;
      const evs = node.cm.getAndClearPendingEvents();
      const rest = evs.filter((e) => e.kind !== 'PendingHTLCsForwardable');
      if (rest.length !== evs.length) {
        node.cm.processPendingHtlcForwards();
        again = true;
      }
      node.pendingEvents.push(...rest);
    }
    if (!again) return;
  }
}

function take(net: Network, n: number): Event[] {
  const node = net.nodes[n]!;
  const out = [...node.pendingEvents, ...node.cm.getAndClearPendingEvents()];
  node.pendingEvents.length = 0;
  return out;
}

function resetMonitors(net: Network): void {
  for (const n of net.nodes) n.addedMonitors = 0;
}

describe('payments between lnts nodes', () => {
  test('single hop: invoice-style payment, claim, PaymentSent; balances move to the msat', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      net.openChannel(0, 1, 1_000_000n);
      resetMonitors(net);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      const before = outbound(net, 0, 1);
      const amount = 42_000_123n;
      const inv = B.cm.createInboundPayment(amount);
      const id = new Uint8Array(32).fill(1);
      A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, id, {
        paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scidBetween(net, 0, 1), feeMsat: amount, cltvExpiryDelta: 40 }] }],
      });
      settle(net, [0, 1]);
      const [claimable] = take(net, 1);
      assert.equal(claimable?.kind, 'PaymentClaimable');
      const c = claimable as Ev<'PaymentClaimable'>;
      assert.equal(c.amountMsat, amount);
      assert.ok(equalBytes(c.paymentHash, inv.paymentHash));
      B.cm.claimFunds(inv.paymentPreimage);
      settle(net, [0, 1]);
      assert.deepEqual(take(net, 1).map((e) => e.kind), ['PaymentClaimed']);
      const evA = take(net, 0);
      assert.deepEqual(evA.map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful']);
      assert.ok(equalBytes((evA[0] as Ev<'PaymentSent'>).paymentPreimage, inv.paymentPreimage));
      assert.equal(before - outbound(net, 0, 1), amount, 'Alice paid exactly the amount');
      resetMonitors(net);
    }));

  test('A→B→C: forwarding with fees, keysend, and a failure at C attributed to C', () =>
    withNetwork(3, (net) => {
      net.connect(0, 1);
      net.connect(1, 2);
      net.openChannel(0, 1, 2_000_000n);
      net.openChannel(1, 2, 1_000_000n);
      resetMonitors(net);
      const [A, B, C] = net.nodes as [Network['nodes'][0], Network['nodes'][0], Network['nodes'][0]];
      const amount = 100_000_000n;
      const fee = 1000n; // B's default policy: 1000 msat base, 0 ppm, 72 blocks
      const route = () => ({
        paths: [
          {
            hops: [
              { pubkey: B.keys.getNodeId(), shortChannelId: scidBetween(net, 0, 1), feeMsat: fee, cltvExpiryDelta: 72 },
              { pubkey: C.keys.getNodeId(), shortChannelId: scidBetween(net, 1, 2), feeMsat: amount, cltvExpiryDelta: 40 },
            ],
          },
        ],
      });
      const aBefore = outbound(net, 0, 1);
      const inv = C.cm.createInboundPayment(amount);
      A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, new Uint8Array(32).fill(2), route());
      settle(net, [0, 1, 2]);
      assert.deepEqual(take(net, 2).map((e) => e.kind), ['PaymentClaimable']);
      C.cm.claimFunds(inv.paymentPreimage);
      settle(net, [0, 1, 2]);
      assert.deepEqual(take(net, 2).map((e) => e.kind), ['PaymentClaimed']);
      const fwd = take(net, 1);
      assert.deepEqual(fwd.map((e) => e.kind), ['PaymentForwarded']);
      assert.equal((fwd[0] as Ev<'PaymentForwarded'>).feeEarnedMsat, fee);
      const sent = take(net, 0);
      assert.deepEqual(sent.map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful']);
      assert.equal((sent[0] as Ev<'PaymentSent'>).feePaidMsat, fee);
      assert.equal(aBefore - outbound(net, 0, 1), amount + fee);

      // Keysend along the same route.
      const preimage = new Uint8Array(32).fill(9);
      A.cm.sendSpontaneousPayment(preimage, new Uint8Array(32).fill(3), route());
      settle(net, [0, 1, 2]);
      const [ks] = take(net, 2);
      assert.equal((ks as Ev<'PaymentClaimable'>).purpose.kind, 'spontaneous');
      C.cm.claimFunds(preimage);
      settle(net, [0, 1, 2]);
      take(net, 2);
      take(net, 1);
      assert.deepEqual(take(net, 0).map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful']);

      // C refuses the next one: the failure travels back and is attributed to C (hop 1).
      const inv2 = C.cm.createInboundPayment(amount);
      A.cm.sendPayment(inv2.paymentHash, { paymentSecret: inv2.paymentSecret }, new Uint8Array(32).fill(4), route());
      settle(net, [0, 1, 2]);
      take(net, 2);
      C.cm.failHtlcBackwards(inv2.paymentHash);
      settle(net, [0, 1, 2]);
      const failed = take(net, 0);
      assert.deepEqual(failed.map((e) => e.kind), ['PaymentPathFailed', 'PaymentFailed']);
      const pf = failed[0] as Ev<'PaymentPathFailed'>;
      assert.equal(pf.failingHopIndex, 1, 'attributed to C');
      assert.equal(pf.failureCode, 0x4000 | 15, 'incorrect_or_unknown_payment_details');
      assert.equal(pf.paymentFailedPermanently, true);
      // A wrong payment secret is refused by C the same way.
      const inv3 = C.cm.createInboundPayment(amount);
      A.cm.sendPayment(inv3.paymentHash, { paymentSecret: new Uint8Array(32).fill(7) }, new Uint8Array(32).fill(5), route());
      settle(net, [0, 1, 2]);
      assert.deepEqual(take(net, 0).map((e) => e.kind), ['PaymentPathFailed', 'PaymentFailed']);
      resetMonitors(net);
    }));

  test('multi-part: two paths over two channels, one PaymentClaimable for the total', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      net.openChannel(0, 1, 600_000n);
      net.openChannel(0, 1, 600_000n);
      resetMonitors(net);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      const scids = A.cm.listChannels().map((c) => c.shortChannelId!);
      assert.equal(scids.length, 2);
      const inv = B.cm.createInboundPayment(80_000_000n);
      A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 80_000_000n }, new Uint8Array(32).fill(6), {
        paths: scids.map((s) => ({ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: s, feeMsat: 40_000_000n, cltvExpiryDelta: 40 }] })),
      });
      settle(net, [0, 1]);
      const evs = take(net, 1);
      assert.deepEqual(evs.map((e) => e.kind), ['PaymentClaimable']);
      assert.equal((evs[0] as Ev<'PaymentClaimable'>).amountMsat, 80_000_000n);
      B.cm.claimFunds(inv.paymentPreimage);
      settle(net, [0, 1]);
      assert.deepEqual(take(net, 1).map((e) => e.kind), ['PaymentClaimed']);
      assert.deepEqual(take(net, 0).map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful', 'PaymentPathSuccessful']);
      resetMonitors(net);
    }));

  test('multi-part through a forwarder: PaymentSent reports the fees of every part together', () =>
    withNetwork(3, (net) => {
      net.connect(0, 1);
      net.connect(1, 2);
      net.openChannel(0, 1, 600_000n);
      net.openChannel(0, 1, 600_000n);
      net.openChannel(1, 2, 2_000_000n);
      resetMonitors(net);
      const [A, B, C] = net.nodes as [Network['nodes'][0], Network['nodes'][0], Network['nodes'][0]];
      const ab = A.cm.listChannels().map((c) => c.shortChannelId!);
      assert.equal(ab.length, 2);
      const bc = scidBetween(net, 1, 2);
      const inv = C.cm.createInboundPayment(80_000_000n);
      // B charges its default 1000 msat base fee on each part.
      A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 80_000_000n }, new Uint8Array(32).fill(7), {
        paths: ab.map((s) => ({
          hops: [
            { pubkey: B.keys.getNodeId(), shortChannelId: s, feeMsat: 1000n, cltvExpiryDelta: 72 },
            { pubkey: C.keys.getNodeId(), shortChannelId: bc, feeMsat: 40_000_000n, cltvExpiryDelta: 40 },
          ],
        })),
      });
      settle(net, [0, 1, 2]);
      assert.deepEqual(take(net, 2).map((e) => e.kind), ['PaymentClaimable']);
      C.cm.claimFunds(inv.paymentPreimage);
      settle(net, [0, 1, 2]);
      assert.deepEqual(take(net, 2).map((e) => e.kind), ['PaymentClaimed']);
      assert.deepEqual(take(net, 1).map((e) => e.kind), ['PaymentForwarded', 'PaymentForwarded']);
      const sent = take(net, 0);
      assert.deepEqual(sent.map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful', 'PaymentPathSuccessful']);
      assert.equal((sent[0] as Ev<'PaymentSent'>).feePaidMsat, 2000n, 'both parts’ fees, not only the first to settle');
      resetMonitors(net);
    }));

  test('a forward paying less than our fee or too little CLTV delta fails at B, attributed to B', () =>
    withNetwork(3, (net) => {
      net.connect(0, 1);
      net.connect(1, 2);
      net.openChannel(0, 1, 2_000_000n);
      net.openChannel(1, 2, 1_000_000n);
      resetMonitors(net);
      const [A, B, C] = net.nodes as [Network['nodes'][0], Network['nodes'][0], Network['nodes'][0]];
      for (const [fee, delta, code] of [
        [999n, 72, 0x1000 | 12],
        [1000n, 71, 0x1000 | 13],
      ] as const) {
        const inv = C.cm.createInboundPayment(10_000_000n);
        A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, C.keys.getSecureRandomBytes(), {
          paths: [
            {
              hops: [
                { pubkey: B.keys.getNodeId(), shortChannelId: scidBetween(net, 0, 1), feeMsat: fee, cltvExpiryDelta: delta },
                { pubkey: C.keys.getNodeId(), shortChannelId: scidBetween(net, 1, 2), feeMsat: 10_000_000n, cltvExpiryDelta: 40 },
              ],
            },
          ],
        });
        settle(net, [0, 1, 2]);
        assert.deepEqual(take(net, 2), [], 'nothing reaches C');
        const evs = take(net, 0);
        assert.deepEqual(evs.map((e) => e.kind), ['PaymentPathFailed', 'PaymentFailed']);
        const pf = evs[0] as Ev<'PaymentPathFailed'>;
        assert.equal(pf.failingHopIndex, 0, 'attributed to B');
        assert.equal(pf.failureCode, code);
        take(net, 1);
      }
      resetMonitors(net);
    }));

  test('BOLT 11: Carol makes an invoice with a route hint, Alice pays it through Bob with the router', () =>
    withNetwork(3, (net) => {
      net.connect(0, 1);
      net.connect(1, 2);
      net.openChannel(0, 1, 2_000_000n);
      net.openChannel(1, 2, 1_000_000n);
      resetMonitors(net);
      const [A, , C] = net.nodes as [Network['nodes'][0], Network['nodes'][0], Network['nodes'][0]];
      const inv = C.cm.createInvoice({ amountMsat: 25_000_000n, description: 'coffee' });
      assert.equal(inv.routeHints.length, 1, 'a hint through Bob, by the alias Bob gave Carol');
      const text = inv.toString();
      assert.match(text, /^lnbcrt/);
      const before = outbound(net, 0, 1);
      A.cm.payInvoice(inv);
      settle(net, [0, 1, 2]);
      const [claimable] = take(net, 2);
      const c = claimable as Ev<'PaymentClaimable'>;
      assert.equal(c.kind, 'PaymentClaimable');
      assert.ok(c.purpose.kind === 'invoice' && c.purpose.preimage, 'the stateless payment derives its preimage');
      C.cm.claimFunds(c.purpose.preimage!);
      settle(net, [0, 1, 2]);
      assert.deepEqual(take(net, 2).map((e) => e.kind), ['PaymentClaimed']);
      assert.deepEqual(take(net, 1).map((e) => e.kind), ['PaymentForwarded']);
      const sent = take(net, 0);
      assert.deepEqual(sent.map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful']);
      assert.equal(before - outbound(net, 0, 1), 25_000_000n + 1000n, 'amount plus Bob’s fee');
      resetMonitors(net);
    }));

  test('shutdown with an HTLC in flight: closing_signed waits until it is settled (BOLT 2)', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      const id = net.openChannel(0, 1, 1_000_000n);
      resetMonitors(net);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      const inv = B.cm.createInboundPayment(30_000_000n);
      A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, new Uint8Array(32).fill(8), {
        paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scidBetween(net, 0, 1), feeMsat: 30_000_000n, cltvExpiryDelta: 40 }] }],
      });
      settle(net, [0, 1]);
      const [claimable] = take(net, 1);
      assert.equal(claimable?.kind, 'PaymentClaimable');
      A.cm.closeChannel(id, B.keys.getNodeId());
      net.pump();
      assert.equal(net.chain.mempoolTxids().length, 0, 'no closing transaction while the HTLC is pending');
      assert.equal(A.cm.listChannels()[0]!.state, 'ShutdownPending');
      B.cm.claimFunds(inv.paymentPreimage);
      settle(net, [0, 1]);
      assert.deepEqual(take(net, 1).map((e) => e.kind), ['PaymentClaimed']);
      assert.deepEqual(take(net, 0).map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful']);
      assert.equal(net.chain.mempoolTxids().length, 1, 'the close completes once the HTLC is gone');
      const tx = net.chain.getTx(net.chain.mempoolTxids()[0]!)!;
      assert.ok(tx.outputs.some((o) => o.value === 30_000n), 'Bob is paid the HTLC amount on close');
      net.mine(1);
      net.expectEvents(0, ['ChannelClosed']);
      net.expectEvents(1, ['ChannelClosed']);
      resetMonitors(net);
    }));

  test('an incomplete multi-part payment times out (mpp_timeout); an unclaimed one is failed back before it expires', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      net.openChannel(0, 1, 1_000_000n);
      resetMonitors(net);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      const scid = scidBetween(net, 0, 1);
      // Only one of two parts is ever sent.
      const inv = B.cm.createInboundPayment(20_000_000n);
      A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 20_000_000n }, new Uint8Array(32).fill(11), {
        paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: 10_000_000n, cltvExpiryDelta: 40 }] }],
      });
      settle(net, [0, 1]);
      assert.deepEqual(take(net, 1), [], 'half a payment is not claimable');
      for (let i = 0; i < 3; i++) B.cm.timerTickOccurred();
      settle(net, [0, 1]);
      const failed = take(net, 0);
      assert.deepEqual(failed.map((e) => e.kind), ['PaymentPathFailed', 'PaymentFailed']);
      assert.equal((failed[0] as Ev<'PaymentPathFailed'>).failureCode, 23, 'mpp_timeout');

      // A complete payment the user never claims is failed back 9 blocks before its expiry.
      const inv2 = B.cm.createInboundPayment(5_000_000n);
      A.cm.sendPayment(inv2.paymentHash, { paymentSecret: inv2.paymentSecret }, new Uint8Array(32).fill(12), {
        paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: 5_000_000n, cltvExpiryDelta: 40 }] }],
      });
      settle(net, [0, 1]);
      assert.deepEqual(take(net, 1).map((e) => e.kind), ['PaymentClaimable']);
      net.mine(30);
      assert.deepEqual(take(net, 0), [], 'not yet');
      net.mine(2);
      settle(net, [0, 1]);
      assert.deepEqual(take(net, 0).map((e) => e.kind), ['PaymentPathFailed', 'PaymentFailed']);
      resetMonitors(net);
    }));

  test('retries on a new route: the first path has no liquidity at Bob, the retry takes the other channel to Carol', () =>
    withNetwork(3, (net) => {
      net.connect(0, 1);
      net.connect(1, 2);
      net.openChannel(0, 1, 2_000_000n);
      // Two channels between Bob and Carol: one Carol funded (Bob cannot send over it), one Bob funded.
      net.openChannel(1, 2, 1_000_000n);
      net.openChannel(2, 1, 1_000_000n);
      resetMonitors(net);
      const [A, , C] = net.nodes as [Network['nodes'][0], Network['nodes'][0], Network['nodes'][0]];
      const inv = C.cm.createInvoice({ amountMsat: 50_000_000n, description: 'retry' });
      assert.equal(inv.routeHints.length, 2);
      A.cm.payInvoice(inv);
      settle(net, [0, 1, 2]);
      const evC = take(net, 2);
      assert.deepEqual(evC.map((e) => e.kind), ['PaymentClaimable']);
      C.cm.claimFunds((evC[0] as Ev<'PaymentClaimable'>).purpose.preimage!);
      settle(net, [0, 1, 2]);
      take(net, 2);
      take(net, 1);
      const evA = take(net, 0).map((e) => e.kind);
      // The router tries the Carol-funded channel first (Bob has nothing to send there): that path
      // fails at Bob with temporary_channel_failure, and the retry avoids it.
      assert.deepEqual(evA, ['PaymentPathFailed', 'PaymentSent', 'PaymentPathSuccessful']);
      net.nodes.forEach((n) => {
        n.addedMonitors = 0;
      });
    }));

  test('max_accepted_htlcs HTLCs in flight at once; one more is refused before it is sent', () =>
    withNetwork(
      2,
      (net) => {
        net.connect(0, 1);
        net.openChannel(0, 1, 5_000_000n);
        resetMonitors(net);
        const A = net.nodes[0]!;
        const B = net.nodes[1]!;
        const scid = scidBetween(net, 0, 1);
        const invs = Array.from({ length: 13 }, () => B.cm.createInboundPayment(1_000_000n));
        // Nothing is delivered while the payments go out: all wait in flight together.
        invs.forEach((inv, i) => {
          A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, Uint8Array.of(i, ...new Uint8Array(31)), {
            paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: 1_000_000n, cltvExpiryDelta: 40 }] }],
          });
        });
        const early = take(net, 0);
        assert.deepEqual(early.map((e) => e.kind), ['PaymentFailed'], 'the 13th exceeds Bob’s max_accepted_htlcs (12)');
        settle(net, [0, 1]);
        const claimable = take(net, 1);
        assert.equal(claimable.length, 12);
        assert.equal(B.cm.listChannels()[0]!.pendingHtlcs, 12, 'twelve HTLCs in Bob’s commitment at once');
        for (const e of claimable) B.cm.claimFunds((e as Ev<'PaymentClaimable'>).purpose.preimage!);
        settle(net, [0, 1]);
        assert.equal(take(net, 1).length, 12);
        assert.equal(take(net, 0).filter((e) => e.kind === 'PaymentSent').length, 12);
        resetMonitors(net);
      },
      { configs: [{}, { channelHandshakeConfig: { ourMaxAcceptedHtlcs: 12 } }] },
    ));
});
