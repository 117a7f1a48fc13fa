import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event } from '@lnts/lightning/util';
import { toHex } from '@lnts/lightning/util';
import { withNetwork } from './harness.js';

/** xorshift32: deterministic test randomness, seed printed on failure. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const SEED = Number(process.env.FC_SEED ?? 20261124);
const PAYMENTS = Number(process.env.LNTS_STRESS_PAYMENTS ?? 1000);

describe('random payments both ways (issue 8)', () => {
  test(`${PAYMENTS} payments: dust and limit amounts, bursts up to max_accepted_htlcs, update_fee mid-flight; every one ends Sent or Failed, balances reconcile to the msat (seed ${SEED})`, () =>
    withNetwork(
      2,
      (net) => {
        net.connect(0, 1);
        const id = net.openChannel(0, 1, 5_000_000n, 2_000_000_000n);
        const A = net.nodes[0]!;
        const B = net.nodes[1]!;
        const nodes = [A, B];
        const rand = rng(SEED);
        const start = nodes.map((n) => n.cm.listChannels()[0]!);
        const scid = start[0]!.shortChannelId!;
        const outcome = new Map<string, { from: number; amount: bigint; result?: 'sent' | 'failed' }>();
        const claimedAt = [0n, 0n];
        const handle = (): number => {
          let acted = 0;
          nodes.forEach((n, i) => {
            for (const e of n.cm.getAndClearPendingEvents()) {
              if (e.kind === 'PendingHTLCsForwardable') {
                n.cm.processPendingHtlcForwards();
                acted++;
              } else if (e.kind === 'PaymentClaimable') {
                // Claim most, fail some back.
                if (rand() < 0.9 && e.purpose.preimage) n.cm.claimFunds(e.purpose.preimage);
                else n.cm.failHtlcBackwards(e.paymentHash);
                acted++;
              } else if (e.kind === 'PaymentClaimed') {
                claimedAt[i]! += e.amountMsat;
              } else if (e.kind === 'PaymentSent' || e.kind === 'PaymentFailed') {
                const o = outcome.get(toHex(e.paymentId))!;
                assert.equal(o.result, undefined, 'one outcome per payment');
                o.result = e.kind === 'PaymentSent' ? 'sent' : 'failed';
              } else if (e.kind !== 'PaymentPathSuccessful' && e.kind !== 'PaymentPathFailed') {
                assert.fail(`unexpected event ${(e as Event).kind}`);
              }
            }
          });
          return acted;
        };
        const settle = () => {
          for (let i = 0; i < 50; i++) {
            net.pump();
            if (handle() === 0) return;
          }
        };
        let feerate = 253;
        for (let p = 0; p < PAYMENTS; p++) {
          const from = rand() < 0.5 ? 0 : 1;
          const r = rand();
          // Dust HTLCs (trimmed from the commitment), tiny, ordinary, and near the in-flight limit.
          const amount =
            r < 0.2 ? BigInt(1 + Math.floor(rand() * 350_000)) : r < 0.25 ? 1n : r < 0.9 ? BigInt(1_000_000 + Math.floor(rand() * 20_000_000)) : 499_000_000n;
          const payee = nodes[1 - from]!;
          const inv = payee.cm.createInboundPayment(amount);
          const paymentId = new Uint8Array(32);
          new DataView(paymentId.buffer).setUint32(0, p);
          outcome.set(toHex(paymentId), { from, amount });
          nodes[from]!.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, paymentId, {
            paths: [{ hops: [{ pubkey: payee.keys.getNodeId(), shortChannelId: scid, feeMsat: amount, cltvExpiryDelta: 40 }] }],
          });
          // Bursts: often keep several HTLCs in flight before anything is delivered.
          if (rand() < 0.15) settle();
          else if (rand() < 0.3) {
            net.pump();
            handle();
          }
          if (rand() < 0.02) {
            feerate = feerate === 253 ? 1000 : 253;
            A.cm.updateChannelFee(id, B.keys.getNodeId(), feerate);
          }
        }
        settle();
        settle();
        // Every payment ended one way or the other.
        const unresolved = [...outcome.values()].filter((o) => !o.result);
        assert.equal(unresolved.length, 0, `${unresolved.length} payments never resolved`);
        // Balances reconcile: each side's balance moved by exactly what it was paid minus what it paid.
        const paidBy = [0n, 0n];
        let sent = 0;
        for (const o of outcome.values()) {
          if (o.result === 'sent') {
            paidBy[o.from]! += o.amount;
            sent++;
          }
        }
        assert.ok(sent > PAYMENTS / 3, `enough payments succeeded (${sent})`);
        assert.equal(claimedAt[1], paidBy[0]);
        assert.equal(claimedAt[0], paidBy[1]);
        const end = nodes.map((n) => n.cm.listChannels()[0]!);
        for (const c of end) assert.equal(c.commitmentDanceInProgress, false);
        const st = (i: number) => {
          const e = nodes[i]!.cm.listChannels()[0]!;
          return e.outboundCapacityMsat + (e.unspendablePunishmentReserve ?? 0n) * 1000n;
        };
        // Alice is the funder: her spendable balance also carries the commitment fee at the current feerate.
        const s0 = start[1]!;
        const bDelta = st(1) - (s0.outboundCapacityMsat + (s0.unspendablePunishmentReserve ?? 0n) * 1000n);
        assert.equal(bDelta, paidBy[0]! - paidBy[1]!, 'Bob’s balance moved by exactly what he was paid minus what he paid');
        for (const n of nodes) n.addedMonitors = 0;
      },
      { configs: [{ channelHandshakeConfig: { ourMaxAcceptedHtlcs: 30 } }, { channelHandshakeConfig: { ourMaxAcceptedHtlcs: 30 } }] },
    ));
});
