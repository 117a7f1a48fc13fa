import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { parseTx, serializeTx, txid } from '@lnts/lightning/bitcoin';
import { nobleBackend } from '@lnts/lightning/crypto';
import type { Event } from '@lnts/lightning/util';
import { equalBytes } from '@lnts/lightning/util';
import type * as LDK from 'lightningdevkit';
import { decodeInvoice, InvoiceError } from '@lnts/lightning/invoice';
import { connectOutbound, setupInbound } from '../../src/net/tcp.js';
import { blockTxdata, RegtestWallet } from '../../src/regtest/index.js';
import { Network } from '../functional/harness.js';
import { type Ldk, type LdkNode, ldkBlockConnected, ldkConnect, ldkEvents, ldkListen, ldkSuiteHooks, makeLdkNode, waitFor } from '../support/ldk.js';

// Issue 7 with LDK: channels between our node and an LDK node over real loopback TCP through both
// PeerManagers, on the embedded chain: we open to LDK and LDK opens to us, for each channel type
// LDK accepts; both reach ChannelReady; reconnect with channel_reestablish; cooperative close
// initiated from each side; the closing transaction spends the funding output on the chain.

interface Rig {
  net: Network;
  ldkNode: LdkNode;
  ldkEventsSeen: LDK.Event[];
  server: Server;
  ldkServer: Server;
  ldkPort: number;
  ourPort: number;
  ldkWallet: RegtestWallet;
  /** LDK broadcasts the chain refused (checked empty at the end). */
  rejected: string[];
}

async function rig(ldk: Ldk, anchors: boolean, seed: number): Promise<Rig> {
  const net = new Network(1, { configs: [{ channelHandshakeConfig: { negotiateAnchorsZeroFeeHtlcTx: anchors } }] });
  const ldkWallet = new RegtestWallet(net.chain, nobleBackend.sha256(Uint8Array.of(seed, 1)));
  const rejected: string[] = [];
  net.chain.mine(1, ldkWallet.script);
  net.chain.mine(100);
  const ldkNode = makeLdkNode(ldk, seed, {
    bestBlock: { hash: net.chain.tip.hash, height: net.chain.height },
    onBroadcast: (tx) => {
      const r = net.chain.submit(tx);
      if (!r.ok && r.reason !== 'txn-already-in-mempool' && r.reason !== 'txn-already-known') rejected.push(`${r.reason} ${r.detail ?? ''}`);
    },
    configure: (c, l) => {
      const h = c.get_channel_handshake_config();
      h.set_negotiate_anchors_zero_fee_htlc_tx(anchors);
      c.set_channel_handshake_config(h);
      // LDK accepts inbound anchor channels only with manual acceptance.
      c.set_manually_accept_inbound_channels(true);
      void l;
    },
  });
  // Our blocks reach LDK as they are mined.
  net.chain.subscribe({
    blockConnected: (b) => ldkBlockConnected(ldkNode, b.header, blockTxdata(b), b.height),
    blockDisconnected: () => {},
  });
  const ours = net.nodes[0]!;
  const server = createServer((s) => setupInbound(ours.pm, s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const { server: ldkServer, port: ldkPort } = await ldkListen(ldkNode);
  return { net, ldkNode, ldkEventsSeen: [], server, ldkServer, ldkPort, ourPort: typeof addr === 'object' && addr ? addr.port : 0, ldkWallet, rejected };
}

/** Turns the event loop while both sides process their queues. */
async function pumpUntil(r: Rig, what: string, cond: () => boolean): Promise<void> {
  await waitFor(what, () => {
    r.net.nodes[0]!.pm.processEvents();
    r.ldkNode.pm.process_events();
    r.ldkEventsSeen.push(...ldkEvents(r.ldkNode).filter((e) => handleLdkEvent(r, e)));
    return cond();
  });
}

/** LDK's events that need an answer (manual acceptance, funding); returns true to keep it for the test. */
function handleLdkEvent(r: Rig, e: LDK.Event): boolean {
  const ldk = r.ldkNode.ldk;
  if (e instanceof ldk.Event_OpenChannelRequest) {
    const res = r.ldkNode.cm.accept_inbound_channel(e.temporary_channel_id, e.counterparty_node_id, 77n);
    assert.ok(res.is_ok(), 'LDK accepts our channel');
    return false;
  }
  if (e instanceof ldk.Event_PendingHTLCsForwardable) {
    r.ldkNode.cm.process_pending_htlc_forwards();
    return true;
  }
  if (e instanceof ldk.Event_PaymentClaimable) {
    const purpose = e.purpose as unknown as { payment_preimage?: unknown };
    if (purpose.payment_preimage instanceof ldk.Option_ThirtyTwoBytesZ_Some) r.ldkNode.cm.claim_funds(purpose.payment_preimage.some);
    return true;
  }
  if (e instanceof ldk.Event_FundingGenerationReady) {
    const tx = r.ldkWallet.fund([{ value: e.channel_value_satoshis, script: e.output_script }], 253);
    const res = r.ldkNode.cm.funding_transaction_generated(e.temporary_channel_id, e.counterparty_node_id, serializeTx(tx));
    assert.ok(res.is_ok(), 'LDK takes the funding transaction');
    return false;
  }
  return true;
}

function ourEvents(r: Rig): Event[] {
  return r.net.nodes[0]!.cm.getAndClearPendingEvents();
}

function ldkHas(r: Rig, cls: unknown): boolean {
  return r.ldkEventsSeen.some((e) => e instanceof (cls as new () => LDK.Event));
}

describe('channels with LDK over loopback TCP', { timeout: 120_000 }, () => {
  let ldk: Ldk;
  const cleanup = ldkSuiteHooks((l) => {
    ldk = l;
  });

  for (const anchors of [false, true]) {
    for (const opener of ['lnts', 'ldk'] as const) {
      test(`${opener} opens (${anchors ? 'anchors' : 'static_remotekey'}), ready, reestablish, close from the ${opener === 'lnts' ? 'LDK' : 'lnts'} side`, async () => {
        const r = await rig(ldk, anchors, opener === 'lnts' ? 21 + (anchors ? 1 : 0) : 31 + (anchors ? 1 : 0));
        cleanup.push(() => r.server.close(), () => r.ldkServer.close());
        const ours = r.net.nodes[0]!;
        const ourId = ours.keys.getNodeId();
        const ldkId = r.ldkNode.nodeId;
        await connectOutbound(ours.pm, ldkId, '127.0.0.1', r.ldkPort);
        await pumpUntil(r, 'connected', () => ours.pm.getPeerNodeIds().length === 1 && r.ldkNode.pm.list_peers().length === 1);

        const seen: Event[] = [];
        if (opener === 'lnts') {
          const tmp = ours.cm.createChannel(ldkId, 1_000_000n, 50_000_000n, 5n);
          await pumpUntil(r, 'FundingGenerationReady', () => {
            seen.push(...ourEvents(r));
            return seen.some((e) => e.kind === 'FundingGenerationReady');
          });
          const f = seen.find((e) => e.kind === 'FundingGenerationReady') as Extract<Event, { kind: 'FundingGenerationReady' }>;
          const tx = ours.wallet.fund([{ value: f.channelValueSatoshis, script: f.outputScript }], 253);
          ours.cm.fundingTransactionGenerated(tmp, ldkId, serializeTx(tx));
        } else {
          const res = r.ldkNode.cm.create_channel(ourId, 1_000_000n, 50_000_000n, 6n, null, null);
          assert.ok(res.is_ok(), 'LDK create_channel');
        }
        await pumpUntil(r, 'ChannelPending on both sides', () => {
          seen.push(...ourEvents(r));
          return seen.some((e) => e.kind === 'ChannelPending') && ldkHas(r, ldk.Event_ChannelPending);
        });
        ours.addedMonitors = 0;
        assert.equal(r.net.chain.mempoolTxids().length, 1, 'the funding transaction is in the mempool');
        r.net.chain.mine(6);
        await pumpUntil(r, 'ChannelReady on both sides', () => {
          seen.push(...ourEvents(r));
          return seen.some((e) => e.kind === 'ChannelReady') && ldkHas(r, ldk.Event_ChannelReady);
        });
        const [ch] = ours.cm.listUsableChannels();
        assert.ok(ch, 'our channel is usable');
        assert.equal(ch.channelType, anchors ? 'anchors_zero_fee_htlc_tx' : 'static_remotekey');
        assert.equal(r.ldkNode.cm.list_usable_channels().length, 1);
        assert.ok(equalBytes(r.ldkNode.cm.list_channels()[0]!.get_channel_id().get_a(), ch.channelId), 'same channel id on both sides');

        // Reconnect: channel_reestablish both ways, the channel is usable again.
        ours.pm.disconnectByNodeId(ldkId);
        await pumpUntil(r, 'both see the disconnect', () => r.ldkNode.pm.list_peers().length === 0);
        assert.equal(ours.cm.listUsableChannels().length, 0);
        await ldkConnect(r.ldkNode, ourId, '127.0.0.1', r.ourPort);
        await pumpUntil(r, 'usable again after reestablish', () => ours.cm.listUsableChannels().length === 1 && r.ldkNode.cm.list_usable_channels().length === 1);

        // Cooperative close from the side that did not open.
        if (opener === 'lnts') {
          const res = r.ldkNode.cm.close_channel(r.ldkNode.cm.list_channels()[0]!.get_channel_id(), ourId);
          assert.ok(res.is_ok(), 'LDK close_channel');
        } else {
          ours.cm.closeChannel(ch.channelId, ldkId);
        }
        // Both sides sign and broadcast the same closing transaction (BOLT 2: the last closing_signed has the agreed fee).
        const sameAsMempool = (b: Uint8Array) => {
          const t = parseTx(b);
          const m = r.net.chain.mempoolTxids();
          return !(t instanceof Error) && m.length === 1 && equalBytes(txid(t, nobleBackend), m[0]!);
        };
        await pumpUntil(r, 'both broadcast the closing transaction', () => ours.broadcasts.some((b) => sameAsMempool(b.tx)) && r.ldkNode.broadcasts.some(sameAsMempool));
        const closingId = r.net.chain.mempoolTxids()[0]!;
        const closing = r.net.chain.getTx(closingId) ?? parseTx(ours.broadcasts.at(-1)!.tx);
        assert.ok(!(closing instanceof Error));
        assert.ok(equalBytes(closing.inputs[0]!.prevout.txid, ch.fundingTxo!.txid), 'it spends the funding output');
        r.net.chain.mine(1);
        await pumpUntil(r, 'ChannelClosed on both sides', () => {
          seen.push(...ourEvents(r));
          return seen.some((e) => e.kind === 'ChannelClosed') && ldkHas(r, ldk.Event_ChannelClosed);
        });
        assert.equal(r.net.chain.getConfirmations(txid(closing, nobleBackend)), 1);
        assert.equal(ours.cm.listChannels().length, 0);
        ours.addedMonitors = 0;
        assert.deepEqual(r.rejected, [], 'the chain accepted every LDK broadcast');
        ours.pm.disconnectAllPeers();
      });
    }
  }

  for (const anchors of [false, true]) {
    test(`payments both ways with LDK over one channel (${anchors ? 'anchors' : 'static_remotekey'}): each pays the other's BOLT 11 invoice`, async () => {
      const r = await rig(ldk, anchors, 41 + (anchors ? 1 : 0));
      cleanup.push(() => r.server.close(), () => r.ldkServer.close());
      const ours = r.net.nodes[0]!;
      const ldkId = r.ldkNode.nodeId;
      await connectOutbound(ours.pm, ldkId, '127.0.0.1', r.ldkPort);
      await pumpUntil(r, 'connected', () => ours.pm.getPeerNodeIds().length === 1 && r.ldkNode.pm.list_peers().length === 1);
      const seen: Event[] = [];
      const drain = () => {
        for (const e of ourEvents(r)) {
          if (e.kind === 'PendingHTLCsForwardable') ours.cm.processPendingHtlcForwards();
          else if (e.kind === 'PaymentClaimable' && e.purpose.preimage) {
            ours.cm.claimFunds(e.purpose.preimage);
            seen.push(e);
          } else seen.push(e);
        }
      };
      const tmp = ours.cm.createChannel(ldkId, 1_000_000n, 300_000_000n, 5n);
      await pumpUntil(r, 'FundingGenerationReady', () => {
        drain();
        return seen.some((e) => e.kind === 'FundingGenerationReady');
      });
      const f = seen.find((e) => e.kind === 'FundingGenerationReady') as Extract<Event, { kind: 'FundingGenerationReady' }>;
      ours.cm.fundingTransactionGenerated(tmp, ldkId, serializeTx(ours.wallet.fund([{ value: f.channelValueSatoshis, script: f.outputScript }], 253)));
      await pumpUntil(r, 'pending', () => r.net.chain.mempoolTxids().length === 1);
      r.net.chain.mine(6);
      await pumpUntil(r, 'usable', () => ours.cm.listUsableChannels().length === 1 && r.ldkNode.cm.list_usable_channels().length === 1);
      ours.addedMonitors = 0;
      const before = ours.cm.listChannels()[0]!.outboundCapacityMsat;

      // We pay LDK's invoice.
      const res = ldk.UtilMethods.constructor_create_invoice_from_channelmanager(
        r.ldkNode.cm,
        ldk.Option_u64Z.constructor_some(7_000_000n),
        'from lnts to LDK',
        3600,
        ldk.Option_u16Z.constructor_none(),
      );
      assert.ok(res.is_ok(), 'LDK makes an invoice');
      const ldkInvoice = decodeInvoice((res as LDK.Result_Bolt11InvoiceSignOrCreationErrorZ_OK).res.to_str());
      assert.ok(!(ldkInvoice instanceof InvoiceError), String(ldkInvoice));
      ours.cm.payInvoice(ldkInvoice);
      await pumpUntil(r, 'our PaymentSent and LDK PaymentClaimed', () => {
        drain();
        return seen.some((e) => e.kind === 'PaymentSent') && ldkHas(r, ldk.Event_PaymentClaimed);
      });
      await pumpUntil(r, 'quiet', () => ours.cm.listChannels().every((c) => !c.commitmentDanceInProgress));
      assert.equal(before - ours.cm.listChannels()[0]!.outboundCapacityMsat, 7_000_000n, 'we paid exactly the invoice amount');

      // LDK pays our invoice.
      const inv = ours.cm.createInvoice({ amountMsat: 11_000_000n, description: 'from LDK to lnts' });
      const parsed = ldk.Bolt11Invoice.constructor_from_str(inv.toString());
      assert.ok(parsed.is_ok(), 'LDK parses our invoice');
      const params = ldk.UtilMethods.constructor_payment_parameters_from_invoice((parsed as LDK.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK).res);
      assert.ok(params.is_ok());
      const t = (params as LDK.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK).res;
      const sent = r.ldkNode.cm.send_payment(t.get_a(), t.get_b(), new Uint8Array(32).fill(0x77), t.get_c(), ldk.Retry.constructor_attempts(0));
      assert.ok(sent.is_ok(), 'LDK sends');
      await pumpUntil(r, 'LDK PaymentSent and our PaymentClaimed', () => {
        drain();
        return seen.some((e) => e.kind === 'PaymentClaimed') && ldkHas(r, ldk.Event_PaymentSent);
      });
      await pumpUntil(r, 'quiet again', () => ours.cm.listChannels().every((c) => !c.commitmentDanceInProgress));
      assert.equal(ours.cm.listChannels()[0]!.outboundCapacityMsat - before, 11_000_000n - 7_000_000n, 'balances reconcile to the msat');
      ours.addedMonitors = 0;
      ours.pm.disconnectAllPeers();
    });
  }
});
