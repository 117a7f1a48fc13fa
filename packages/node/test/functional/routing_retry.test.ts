/**
 * Paying across the gossip graph with `DefaultRouter` + `ProbabilisticScorer` (issue 9): the route
 * comes from the graph alone, a path that fails for liquidity teaches the scorer (the channel's
 * upper bound drops below the amount) and the retry takes another path, which then succeeds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProbabilisticScorer } from '@lnts/lightning/routing';
import { compareBytes, type UserConfigOverrides } from '@lnts/lightning/util';
import { type TestNode, withNetwork } from './harness.js';

const PUBLIC: UserConfigOverrides = { channelHandshakeConfig: { announceForForwarding: true, minimumDepth: 3 } };
const withFee = (base: number): UserConfigOverrides => ({ ...PUBLIC, channelConfig: { forwardingFeeBaseMsat: base } });

const id = (n: TestNode) => n.keys.getNodeId();

describe('routing over the gossip graph with a learning scorer', () => {
  test('a path without liquidity fails at Bob, the scorer learns it, and the retry goes through Carol', () =>
    withNetwork(
      4,
      (net) => {
        const [alice, bob, carol, dave] = net.nodes as [TestNode, TestNode, TestNode, TestNode];
        for (const [a, b] of [
          [0, 1],
          [0, 2],
          [1, 3],
          [2, 3],
        ] as const) {
          net.connect(a, b);
        }
        net.openChannel(0, 1, 2_000_000n, 0n, { confirmations: 6 });
        net.openChannel(0, 2, 2_000_000n, 0n, { confirmations: 6 });
        // Dave opens to Bob: everything is on Dave's side, so Bob cannot forward towards Dave —
        // which gossip does not say (an update carries limits, not balances).
        net.openChannel(3, 1, 2_000_000n, 0n, { confirmations: 6 });
        net.openChannel(2, 3, 2_000_000n, 0n, { confirmations: 6 });
        net.pump();
        assert.equal(alice.graph!.size.channels, 4, 'Alice knows every channel from gossip only');
        const bd = bob.cm.listChannels().find((c) => compareBytes(c.counterpartyNodeId, id(dave)) === 0)!.shortChannelId!;

        const inv = dave.cm.createInvoice({ amountMsat: 100_000_000n, description: 'retry' });
        alice.cm.payInvoice(inv);
        const evs = net.settlePayments()[0]!.map((e) => ({
          kind: e.kind,
          ...(e.kind === 'PaymentPathSuccessful' || e.kind === 'PaymentPathFailed' ? { via: e.path[0]!.pubkey } : {}),
        }));
        assert.deepEqual(
          evs.map((e) => e.kind),
          ['PaymentPathFailed', 'PaymentSent', 'PaymentPathSuccessful'],
        );
        assert.equal(compareBytes(evs[0]!.via!, id(bob)), 0, 'the first, cheaper path went through Bob');
        assert.equal(compareBytes(evs[2]!.via!, id(carol)), 0, 'the retry went through Carol');
        // The scorer now holds Bob → Dave's liquidity at most the amount that failed.
        const scorer = alice.router!.scorer as ProbabilisticScorer;
        const c = alice.graph!.channel(bd)!;
        const range = scorer.estimatedChannelLiquidityRange(bd, compareBytes(c.node1, id(bob)) === 0);
        // (it was the whole 2,000,000 sat capacity before; a failure caps it at the amount that failed)
        assert.ok(range !== undefined && range.maxMsat <= 100_000_000, `learned upper bound ${range?.maxMsat}`);
        for (const n of net.nodes) n.addedMonitors = 0;
      },
      { gossip: true, configs: [PUBLIC, withFee(0), withFee(5000), PUBLIC], scorer: (graph, logger) => new ProbabilisticScorer({}, graph, logger) },
    ));
});
