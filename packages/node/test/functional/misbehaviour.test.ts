import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serializeTx } from '@lnts/lightning/bitcoin';
import type { Event, MessageSendEvent } from '@lnts/lightning/util';
import { APIMisuseError } from '@lnts/lightning/util';
import { withNetwork } from './harness.js';

function errorsTo(evs: MessageSendEvent[]): Array<{ kind: string; data: string }> {
  return evs
    .filter((e): e is Extract<MessageSendEvent, { kind: 'handle-error' }> => e.kind === 'handle-error')
    .map((e) => ({ kind: e.action.kind, data: 'send' in e.action && e.action.send ? e.action.send.data : '' }));
}

describe('a misbehaving peer gets the BOLT response, never a crash', () => {
  test('messages for unknown channels and in the wrong state get a warning', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      const A = net.nodes[0]!;
      const bobId = net.nodes[1]!.keys.getNodeId();
      A.cm.handleChannelMessage(bobId, { name: 'funding_signed', msg: { channelId: new Uint8Array(32).fill(5), signature: new Uint8Array(64) } });
      assert.deepEqual(errorsTo(A.cm.getAndClearPendingMsgEvents()).map((e) => e.kind), ['send-warning']);
      // channel_ready while we wait for accept_channel.
      const tmp = A.cm.createChannel(bobId, 200_000n, 0n, 1n);
      const open = A.cm.getAndClearPendingMsgEvents();
      assert.equal(open.length, 1);
      A.cm.handleChannelMessage(bobId, { name: 'channel_ready', msg: { channelId: tmp, secondPerCommitmentPoint: bobId } });
      const w = errorsTo(A.cm.getAndClearPendingMsgEvents());
      assert.equal(w[0]?.kind, 'send-warning');
      assert.match(w[0]!.data, /channel_ready in state WaitForAcceptChannel/);
      assert.equal(A.cm.listChannels().length, 1, 'the channel is still there');
    }));

  test('an open_channel outside our limits is refused with an error', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      A.cm.createChannel(B.keys.getNodeId(), 200_000n, 0n, 1n);
      const [ev] = A.cm.getAndClearPendingMsgEvents();
      assert.ok(ev?.kind === 'send-message' && ev.msg.name === 'open_channel');
      const bad = { ...ev.msg.msg, toSelfDelay: 5000 };
      B.cm.handleChannelMessage(A.keys.getNodeId(), { name: 'open_channel', msg: bad });
      const errs = errorsTo(B.cm.getAndClearPendingMsgEvents());
      assert.equal(errs[0]?.kind, 'send-error');
      assert.match(errs[0]!.data, /to_self_delay/);
      assert.equal(B.cm.listChannels().length, 0);
      A.cm.timerTickOccurred();
      for (let i = 0; i < 60; i++) A.cm.timerTickOccurred();
      assert.equal(A.cm.listChannels().length, 0, 'the unanswered channel times out');
      A.cm.getAndClearPendingMsgEvents();
    }));

  test('a bad funding_signed signature fails the channel: error, DiscardFunding, nothing broadcast', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      const tmp = A.cm.createChannel(B.keys.getNodeId(), 300_000n, 0n, 2n);
      net.pump();
      const [f] = net.expectEvents(0, ['FundingGenerationReady']);
      const fgr = f as Extract<Event, { kind: 'FundingGenerationReady' }>;
      const tx = A.wallet.fund([{ value: fgr.channelValueSatoshis, script: fgr.outputScript }], 253);
      // Corrupt Bob's funding_signed on its way out.
      const orig = B.cm.getAndClearPendingMsgEvents.bind(B.cm);
      B.cm.getAndClearPendingMsgEvents = () =>
        orig().map((e) =>
          e.kind === 'send-message' && e.msg.name === 'funding_signed'
            ? { ...e, msg: { name: 'funding_signed' as const, msg: { ...e.msg.msg, signature: new Uint8Array(64).fill(3) } } }
            : e,
        );
      A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(tx));
      net.pump();
      assert.equal(A.broadcasts.length, 0, 'the funding transaction is never broadcast');
      net.expectEvents(0, ['DiscardFunding']);
      net.expectEvents(1, ['ChannelPending', 'ChannelClosed']);
      assert.equal(A.cm.listChannels().length, 0);
      net.checkAddedMonitors(1, 2);
      for (const n of net.nodes) n.addedMonitors = 0;
    }));

  test('API misuse is a typed APIError', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      assert.throws(() => A.cm.createChannel(new Uint8Array(33).fill(2), 100_000n, 0n, 1n), APIMisuseError);
      assert.throws(() => A.cm.createChannel(B.keys.getNodeId(), 100_000n, 200_000_000n, 1n), APIMisuseError);
      const tmp = A.cm.createChannel(B.keys.getNodeId(), 300_000n, 0n, 2n);
      net.pump();
      net.expectEvents(0, ['FundingGenerationReady']);
      const wrong = A.wallet.fund([{ value: 300_000n, script: A.wallet.script }], 253);
      assert.throws(() => A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(wrong)), /No output matched/);
      A.wallet.release(wrong);
      A.cm.forceCloseBroadcastingLatestTxn(tmp, B.keys.getNodeId());
      net.pump();
      B.cm.getAndClearPendingEvents();
      A.cm.getAndClearPendingEvents();
    }));
});
