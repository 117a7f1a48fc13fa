import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serializeTx } from '@lnts/lightning/bitcoin';
import type { Event } from '@lnts/lightning/util';
import { withNetwork } from './harness.js';

describe('reorgs of the funding transaction', () => {
  test('a reorg before channel_ready just delays it; after ready it fails the channel', () =>
    withNetwork(2, (net) => {
      net.connect(0, 1);
      const A = net.nodes[0]!;
      const B = net.nodes[1]!;
      const tmp = A.cm.createChannel(B.keys.getNodeId(), 500_000n, 0n, 1n);
      net.pump();
      const [f] = net.expectEvents(0, ['FundingGenerationReady']);
      const fgr = f as Extract<Event, { kind: 'FundingGenerationReady' }>;
      A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(A.wallet.fund([{ value: fgr.channelValueSatoshis, script: fgr.outputScript }], 253)));
      net.pump();
      net.expectEvents(0, ['ChannelPending']);
      net.expectEvents(1, ['ChannelPending']);
      net.checkAddedMonitors(0, 1);
      net.checkAddedMonitors(1, 1);
      const fundedAt = net.chain.height + 1;
      net.mine(3);
      assert.equal(A.cm.listChannels()[0]!.confirmations, 3);
      // The three blocks go away; the funding transaction returns to the mempool.
      net.chain.invalidate(fundedAt);
      net.pump();
      assert.equal(A.cm.listChannels()[0]!.confirmations, 0);
      assert.equal(net.chain.mempoolTxids().length, 1);
      net.mine(5);
      assert.equal(A.cm.listUsableChannels().length, 0, 'not deep enough yet');
      net.mine(1);
      net.expectEvents(0, ['ChannelReady']);
      net.expectEvents(1, ['ChannelReady']);
      assert.equal(A.cm.listUsableChannels().length, 1);
      // Now a reorg removes it from a channel in use: both sides fail the channel.
      const at = net.chain.height - 5;
      net.chain.invalidate(at);
      net.pump();
      const [ca] = net.expectEvents(0, ['ChannelClosed']);
      assert.equal((ca as Extract<Event, { kind: 'ChannelClosed' }>).reason.kind, 'ProcessingError');
      net.expectEvents(1, ['ChannelClosed']);
      for (const n of net.nodes) n.addedMonitors = 0;
      assert.equal(A.cm.listChannels().length, 0);
    }));
});
