import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTx, serializeTx, txid } from '@lnts/lightning/bitcoin';
import { nobleBackend } from '@lnts/lightning/crypto';
import type { Event } from '@lnts/lightning/util';
import { equalBytes } from '@lnts/lightning/util';
import { type Network, withNetwork } from './harness.js';

function closeCoop(net: Network, a: number, b: number, channelId: Uint8Array): Uint8Array {
  const A = net.nodes[a]!;
  const B = net.nodes[b]!;
  A.cm.closeChannel(channelId, B.keys.getNodeId());
  net.pump();
  net.checkAddedMonitors(a, 1); // ShutdownScript
  net.checkAddedMonitors(b, 1);
  const closing = A.broadcasts.at(-1)!;
  assert.ok(closing.ok, `closing tx accepted by the chain: ${closing.reason}`);
  assert.ok(B.broadcasts.at(-1), 'both sides broadcast the closing transaction');
  net.mine(1);
  const tx = parseTx(closing.tx);
  assert.ok(!(tx instanceof Error));
  const id = txid(tx, nobleBackend);
  assert.equal(net.chain.getConfirmations(id), 1);
  const [ca] = net.expectEvents(a, ['ChannelClosed']);
  const [cb] = net.expectEvents(b, ['ChannelClosed']);
  assert.equal((ca as Extract<Event, { kind: 'ChannelClosed' }>).reason.kind, 'LocallyInitiatedCooperativeClosure');
  assert.equal((cb as Extract<Event, { kind: 'ChannelClosed' }>).reason.kind, 'CounterpartyInitiatedCooperativeClosure');
  net.checkAddedMonitors(a, 1); // ChannelForceClosed{shouldBroadcast:false} marks the monitor closed
  net.checkAddedMonitors(b, 1);
  return closing.tx;
}

describe('channels between lnts nodes on the embedded chain', () => {
  for (const anchors of [false, true]) {
    test(`open, confirm, ready, cooperative close — ${anchors ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey'}`, () =>
      withNetwork(
        2,
        (net) => {
          net.connect(0, 1);
          const A = net.nodes[0]!;
          const B = net.nodes[1]!;
          const before = A.wallet.balance() + B.wallet.balance();
          const id = net.openChannel(0, 1, 1_000_000n, 100_000_000n);
          const [ca] = A.cm.listChannels();
          const [cb] = B.cm.listChannels();
          assert.ok(ca && cb && equalBytes(ca.channelId, id) && equalBytes(cb.channelId, id));
          assert.equal(ca.channelType, anchors ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey');
          assert.ok(ca.isUsable && cb.isUsable);
          assert.equal(A.cm.listUsableChannels().length, 1);
          assert.equal(ca.channelValueSatoshis, 1_000_000n);
          assert.ok(ca.shortChannelId !== undefined && ca.confirmations === 6);
          assert.ok(ca.isOutbound && !cb.isOutbound);
          assert.ok(cb.outboundCapacityMsat > 0n && cb.outboundCapacityMsat < 100_000_000n, 'the push is Bob’s, less his reserve');
          const closingBytes = closeCoop(net, 0, 1, id);
          const closing = parseTx(closingBytes);
          assert.ok(!(closing instanceof Error));
          // Balances reconcile to the satoshi: Bob got the push, Alice the rest less the closing fee.
          const toB = closing.outputs.find((o) => equalBytes(o.script, B.keys.getShutdownScriptpubkey()))!;
          const toA = closing.outputs.find((o) => equalBytes(o.script, A.keys.getShutdownScriptpubkey()))!;
          assert.equal(toB.value, 100_000n);
          const fee = 1_000_000n - toA.value - toB.value;
          assert.ok(fee > 0n && fee < 2_000n, `closing fee ${fee}`);
          assert.equal(A.cm.listChannels().length, 0);
          // Every satoshi is accounted for: wallets lost the funding tx fee and the channel value, the shutdown scripts hold the rest.
          const after = A.wallet.balance() + B.wallet.balance();
          assert.ok(before - after > 1_000_000n - 1n);
        },
        { configs: [{ channelHandshakeConfig: { negotiateAnchorsZeroFeeHtlcTx: anchors } }, { channelHandshakeConfig: { negotiateAnchorsZeroFeeHtlcTx: anchors } }] },
      ));
  }

  test('disconnect and reconnect after the channel is ready: channel_reestablish restores it', () =>
    withNetwork(2, (net) => {
      const l = net.connect(0, 1);
      const id = net.openChannel(0, 1, 500_000n);
      net.disconnect(l);
      assert.equal(net.nodes[0]!.cm.listUsableChannels().length, 0);
      net.connect(0, 1);
      assert.equal(net.nodes[0]!.cm.listUsableChannels().length, 1);
      assert.equal(net.nodes[1]!.cm.listUsableChannels().length, 1);
      closeCoop(net, 1, 0, id);
    }));

  test('disconnect at every message boundary of the open flow', () => {
    // open_channel, accept_channel, funding_created, funding_signed, channel_ready ×2: the
    // connection drops after `cut` of them; then the peers reconnect.
    for (let cut = 0; cut <= 6; cut++) {
      withNetwork(2, (net) => {
        const l = net.connect(0, 1);
        const A = net.nodes[0]!;
        const B = net.nodes[1]!;
        let budget = cut;
        for (const n of [A, B]) {
          const orig = n.cm.getAndClearPendingMsgEvents.bind(n.cm);
          n.cm.getAndClearPendingMsgEvents = () => orig().filter((e) => e.kind !== 'send-message' || budget-- > 0);
        }
        const tmp = A.cm.createChannel(B.keys.getNodeId(), 400_000n, 0n, 1n);
        net.pump();
        const f = A.cm.getAndClearPendingEvents().find((e) => e.kind === 'FundingGenerationReady') as Extract<Event, { kind: 'FundingGenerationReady' }> | undefined;
        if (f) {
          const tx = A.wallet.fund([{ value: f.channelValueSatoshis, script: f.outputScript }], 253);
          A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(tx));
          net.pump();
        }
        net.mine(6);
        net.disconnect(l);
        budget = Number.POSITIVE_INFINITY;
        net.connect(0, 1);
        net.mine(1);
        const evA = A.cm.getAndClearPendingEvents().map((e) => e.kind);
        const evB = B.cm.getAndClearPendingEvents().map((e) => e.kind);
        A.addedMonitors = 0;
        B.addedMonitors = 0;
        if (cut < 4) {
          // funding_signed never reached Alice: she forgot the channel and never broadcast.
          assert.equal(A.cm.listChannels().length, 0, `cut ${cut}: Alice forgot the channel`);
          assert.equal(A.broadcasts.length, 0, `cut ${cut}: no funding broadcast`);
          assert.equal(B.cm.listChannels().length, cut === 3 ? 1 : 0, `cut ${cut}: Bob keeps it only after funding_signed`);
          if (cut === 3) {
            assert.ok(evA.includes('DiscardFunding'));
            // Bob waits for a funding transaction that never comes (BOLT 2: 2016 blocks), then forgets it.
            net.mine(2016);
            net.expectEvents(1, ['ChannelClosed']);
            B.addedMonitors = 0;
            assert.equal(B.cm.listChannels().length, 0);
          }
          return;
        }
        assert.ok(evA.includes('ChannelReady') && evB.includes('ChannelReady'), `cut ${cut}: both ready after reestablish (${evA}, ${evB})`);
        assert.equal(A.cm.listUsableChannels().length, 1);
        assert.equal(B.cm.listUsableChannels().length, 1);
        closeCoop(net, 0, 1, A.cm.listChannels()[0]!.channelId);
      });
    }
  });

  test('disconnect at every message boundary of the close flow', () => {
    // shutdown ×2, closing_signed ×2 (funder proposes, fundee agrees): cut after `cut` of them.
    for (let cut = 0; cut <= 4; cut++) {
      withNetwork(2, (net) => {
        const l = net.connect(0, 1);
        const A = net.nodes[0]!;
        const B = net.nodes[1]!;
        const id = net.openChannel(0, 1, 600_000n, 1_000_000n);
        let budget = cut;
        for (const n of [A, B]) {
          const orig = n.cm.getAndClearPendingMsgEvents.bind(n.cm);
          n.cm.getAndClearPendingMsgEvents = () => orig().filter((e) => e.kind !== 'send-message' || budget-- > 0);
        }
        A.cm.closeChannel(id, B.keys.getNodeId());
        net.pump();
        net.disconnect(l);
        budget = Number.POSITIVE_INFINITY;
        net.connect(0, 1);
        // Negotiation restarts after reestablish; it ends with the closing transaction in the mempool.
        assert.equal(net.chain.mempoolTxids().length, 1, `cut ${cut}: a closing transaction was broadcast`);
        net.mine(1);
        net.expectEvents(0, ['ChannelClosed']);
        net.expectEvents(1, ['ChannelClosed']);
        assert.equal(A.cm.listChannels().length, 0);
        assert.equal(B.cm.listChannels().length, 0);
        for (const n of net.nodes) n.addedMonitors = 0;
        for (const b of [...A.broadcasts, ...B.broadcasts]) assert.ok(b.ok, `cut ${cut}: broadcast refused: ${b.reason}`);
      });
    }
  });

  test('async persistence: funding_signed waits until the fundee’s monitor is persisted', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      B.persister.next.push('in-progress');
      const tmp = A.cm.createChannel(B.keys.getNodeId(), 300_000n, 0n, 3n);
      net.pump();
      const [f] = net.expectEvents(0, ['FundingGenerationReady']);
      const fgr = f as Extract<Event, { kind: 'FundingGenerationReady' }>;
      const tx = A.wallet.fund([{ value: fgr.channelValueSatoshis, script: fgr.outputScript }], 253);
      A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(tx));
      net.pump();
      net.checkAddedMonitors(1, 1);
      net.checkAddedMonitors(0, 0);
      assert.equal(A.broadcasts.length, 0, 'the funding transaction waits for funding_signed');
      // Bob's funding_signed and ChannelPending are held.
      assert.deepEqual(B.cm.getAndClearPendingEvents(), []);
      const held = B.persister.inProgress.splice(0);
      assert.equal(held.length, 1);
      B.chainMonitor.channelMonitorUpdated(held[0]!.outpoint, held[0]!.updateId);
      net.pump();
      net.expectEvents(1, ['ChannelPending']);
      net.expectEvents(0, ['ChannelPending']);
      net.checkAddedMonitors(0, 1);
      net.mine(6);
      net.expectEvents(0, ['ChannelReady']);
      net.expectEvents(1, ['ChannelReady']);
    }));
});
