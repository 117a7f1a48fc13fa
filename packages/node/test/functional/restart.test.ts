import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serializeTx } from '@lnts/lightning/bitcoin';
import type { Event } from '@lnts/lightning/util';
import { equalBytes } from '@lnts/lightning/util';
import { withNetwork } from './harness.js';

describe('restarts, manual acceptance and zero-conf', () => {
  for (const who of [0, 1]) {
    test(`${who === 0 ? 'the funder' : 'the fundee'} restarts from its serialized ChannelManager and monitors mid-open, then the channel opens and closes`, () =>
      withNetwork(2, (net) => {
        net.connect(0, 1);
        const A = net.nodes[0]!;
        const B = net.nodes[1]!;
        const tmp = A.cm.createChannel(B.keys.getNodeId(), 700_000n, 20_000_000n, 9n);
        net.pump();
        const [f] = net.expectEvents(0, ['FundingGenerationReady']);
        const fgr = f as Extract<Event, { kind: 'FundingGenerationReady' }>;
        const tx = A.wallet.fund([{ value: fgr.channelValueSatoshis, script: fgr.outputScript }], 253);
        A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(tx));
        net.pump();
        net.expectEvents(0, ['ChannelPending']);
        net.expectEvents(1, ['ChannelPending']);
        net.checkAddedMonitors(0, 1);
        net.checkAddedMonitors(1, 1);
        // Funded, not yet confirmed: restart one side from bytes, mine while it is away.
        net.restart(who);
        net.chain.mine(3);
        net.connect(0, 1);
        net.mine(3);
        net.expectEvents(0, ['ChannelReady']);
        net.expectEvents(1, ['ChannelReady']);
        const id = A.cm.listChannels()[0]!.channelId;
        assert.ok(net.nodes[who]!.cm.listUsableChannels().length === 1, 'the restarted node uses the channel again');
        // Restart again once ready, then close cooperatively.
        net.restart(who);
        net.connect(0, 1);
        assert.equal(net.nodes[0]!.cm.listUsableChannels().length, 1);
        net.nodes[0]!.cm.closeChannel(id, B.keys.getNodeId());
        net.pump();
        net.checkAddedMonitors(0, 1);
        net.checkAddedMonitors(1, 1);
        net.mine(1);
        net.expectEvents(0, ['ChannelClosed']);
        net.expectEvents(1, ['ChannelClosed']);
        net.checkAddedMonitors(0, 1);
        net.checkAddedMonitors(1, 1);
        const closing = net.nodes[0]!.broadcasts.at(-1)!;
        assert.ok(closing.ok);
      }));
  }

  test('manual acceptance: OpenChannelRequest, then acceptInboundChannel', () =>
    withNetwork(
      2,
      (net) => {
        net.connect(0, 1);
        const A = net.nodes[0]!;
        const B = net.nodes[1]!;
        A.cm.createChannel(B.keys.getNodeId(), 300_000n, 0n, 1n);
        net.pump();
        const [req] = net.expectEvents(1, ['OpenChannelRequest']);
        const r = req as Extract<Event, { kind: 'OpenChannelRequest' }>;
        assert.ok(equalBytes(r.counterpartyNodeId, A.keys.getNodeId()));
        assert.equal(r.fundingSatoshis, 300_000n);
        B.cm.acceptInboundChannel(r.temporaryChannelId, r.counterpartyNodeId, 55n);
        net.pump();
        net.expectEvents(0, ['FundingGenerationReady']);
        // And a refused one: the opener hears an error and forgets the channel.
        A.cm.createChannel(B.keys.getNodeId(), 300_000n, 0n, 2n);
        net.pump();
        const [req2] = net.expectEvents(1, ['OpenChannelRequest']);
        const r2 = req2 as Extract<Event, { kind: 'OpenChannelRequest' }>;
        B.cm.rejectInboundChannel(r2.temporaryChannelId, r2.counterpartyNodeId);
        net.pump();
        assert.equal(A.cm.listChannels().filter((c) => c.state === 'WaitForAcceptChannel').length, 0);
        for (const n of net.nodes) n.cm.getAndClearPendingEvents();
        for (const n of net.nodes) n.skipEndChecks = 'the accepted channel is left unfunded on purpose';
      },
      { configs: [{}, { manuallyAcceptInboundChannels: true }] },
    ));

  test('zero-conf: a channel accepted as zero-conf is usable before its funding confirms', () =>
    withNetwork(
      2,
      (net) => {
        net.connect(0, 1);
        const A = net.nodes[0]!;
        const B = net.nodes[1]!;
        const tmp = A.cm.createChannel(B.keys.getNodeId(), 400_000n, 0n, 1n);
        net.pump();
        const [req] = net.expectEvents(1, ['OpenChannelRequest']);
        const r = req as Extract<Event, { kind: 'OpenChannelRequest' }>;
        B.cm.acceptInboundChannel(r.temporaryChannelId, r.counterpartyNodeId, 56n, { zeroConf: true });
        net.pump();
        const [f] = net.expectEvents(0, ['FundingGenerationReady']);
        const fgr = f as Extract<Event, { kind: 'FundingGenerationReady' }>;
        const tx = A.wallet.fund([{ value: fgr.channelValueSatoshis, script: fgr.outputScript }], 253);
        A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(tx));
        net.pump();
        net.checkAddedMonitors(0, 1);
        net.checkAddedMonitors(1, 1);
        net.expectEvents(0, ['ChannelPending', 'ChannelReady']);
        net.expectEvents(1, ['ChannelPending', 'ChannelReady']);
        assert.equal(net.chain.getConfirmations(A.cm.listChannels()[0]!.fundingTxo!.txid), 0, 'still unconfirmed');
        assert.equal(A.cm.listUsableChannels().length, 1);
        assert.equal(B.cm.listUsableChannels().length, 1);
        assert.ok(A.cm.listChannels()[0]!.outboundScidAlias !== undefined, 'the peer gave us an alias to route by');
        net.mine(1);
      },
      { configs: [{}, { manuallyAcceptInboundChannels: true }] },
    ));
});
