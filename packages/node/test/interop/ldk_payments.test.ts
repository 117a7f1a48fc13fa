import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { serializeTx } from '@lnts/lightning/bitcoin';
import { nobleBackend } from '@lnts/lightning/crypto';
import { decodeInvoice, InvoiceError } from '@lnts/lightning/invoice';
import type { Event } from '@lnts/lightning/util';
import { equalBytes } from '@lnts/lightning/util';
import type * as LDK from 'lightningdevkit';
import { connectOutbound, setupInbound } from '../../src/net/tcp.js';
import { blockTxdata, RegtestWallet } from '../../src/regtest/index.js';
import { Network } from '../functional/harness.js';
import { type Ldk, type LdkNode, ldkBlockConnected, ldkEvents, ldkListen, ldkSuiteHooks, makeLdkNode, waitFor } from '../support/ldk.js';

// Issue 8 with LDK over real loopback TCP: payments each way with invoices made by each side,
// update_fee, a reconnection mid-dance, and three-node routes ours→LDK→ours and LDK→ours→LDK
// with forwarding by each.

type Who = { readonly lnts: number } | { readonly ldk: number };

interface Mesh {
  readonly ldk: Ldk;
  readonly net: Network;
  readonly ldks: LdkNode[];
  readonly ldkWallets: RegtestWallet[];
  readonly ldkSeen: LDK.Event[][];
  readonly ourSeen: Event[][];
  readonly ourPorts: number[];
  readonly ldkPorts: number[];
  readonly servers: Server[];
  readonly rejected: string[];
}

async function mesh(ldk: Ldk, nLnts: number, nLdk: number, seed: number): Promise<Mesh> {
  const net = new Network(nLnts);
  const rejected: string[] = [];
  const ldkWallets = Array.from({ length: nLdk }, (_, j) => new RegtestWallet(net.chain, nobleBackend.sha256(Uint8Array.of(seed, j, 1))));
  for (const w of ldkWallets) net.chain.mine(1, w.script);
  net.chain.mine(100);
  const ldks = ldkWallets.map((_, j) =>
    makeLdkNode(ldk, seed + j, {
      bestBlock: { hash: net.chain.tip.hash, height: net.chain.height },
      onBroadcast: (tx) => {
        const r = net.chain.submit(tx);
        if (!r.ok && r.reason !== 'txn-already-in-mempool' && r.reason !== 'txn-already-known') rejected.push(`${r.reason} ${r.detail ?? ''}`);
      },
      configure: (c) => {
        c.set_manually_accept_inbound_channels(true);
        // LDK only forwards into private channels when told to (its README's interop notes).
        c.set_accept_forwards_to_priv_channels(true);
      },
    }),
  );
  net.chain.subscribe({
    blockConnected: (b) => {
      for (const n of ldks) ldkBlockConnected(n, b.header, blockTxdata(b), b.height);
    },
    blockDisconnected: () => {},
  });
  const servers: Server[] = [];
  const ourPorts: number[] = [];
  for (const node of net.nodes) {
    const server = createServer((s) => setupInbound(node.pm, s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    ourPorts.push(typeof a === 'object' && a ? a.port : 0);
    servers.push(server);
  }
  const ldkPorts: number[] = [];
  for (const n of ldks) {
    const { server, port } = await ldkListen(n);
    servers.push(server);
    ldkPorts.push(port);
  }
  return { ldk, net, ldks, ldkWallets, ldkSeen: ldks.map(() => []), ourSeen: net.nodes.map(() => []), ourPorts, ldkPorts, servers, rejected };
}

function nodeId(m: Mesh, w: Who): Uint8Array {
  return 'lnts' in w ? m.net.nodes[w.lnts]!.keys.getNodeId() : m.ldks[w.ldk]!.nodeId;
}

/** One round of event handling on every node, as an application would do it. */
function handleAll(m: Mesh): void {
  const { ldk } = m;
  m.net.nodes.forEach((n, i) => {
    n.pm.processEvents();
    for (const e of n.cm.getAndClearPendingEvents()) {
      if (e.kind === 'PendingHTLCsForwardable') n.cm.processPendingHtlcForwards();
      else if (e.kind === 'PaymentClaimable' && e.purpose.preimage) n.cm.claimFunds(e.purpose.preimage);
      m.ourSeen[i]!.push(e);
    }
  });
  m.ldks.forEach((n, j) => {
    n.pm.process_events();
    for (const e of ldkEvents(n)) {
      if (e instanceof ldk.Event_OpenChannelRequest) {
        assert.ok(n.cm.accept_inbound_channel(e.temporary_channel_id, e.counterparty_node_id, 1n).is_ok());
      } else if (e instanceof ldk.Event_FundingGenerationReady) {
        const tx = m.ldkWallets[j]!.fund([{ value: e.channel_value_satoshis, script: e.output_script }], 253);
        assert.ok(n.cm.funding_transaction_generated(e.temporary_channel_id, e.counterparty_node_id, serializeTx(tx)).is_ok());
      } else if (e instanceof ldk.Event_PendingHTLCsForwardable) {
        n.cm.process_pending_htlc_forwards();
      } else if (e instanceof ldk.Event_PaymentClaimable) {
        const purpose = e.purpose as unknown as { payment_preimage?: unknown };
        if (purpose.payment_preimage instanceof ldk.Option_ThirtyTwoBytesZ_Some) n.cm.claim_funds(purpose.payment_preimage.some);
      }
      m.ldkSeen[j]!.push(e);
    }
  });
}

async function until(m: Mesh, what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  await waitFor(
    what,
    () => {
      handleAll(m);
      return cond();
    },
    ms,
  );
}

async function connect(m: Mesh, from: Who, to: Who): Promise<void> {
  const port = 'lnts' in to ? m.ourPorts[to.lnts]! : m.ldkPorts[to.ldk]!;
  if ('lnts' in from) await connectOutbound(m.net.nodes[from.lnts]!.pm, nodeId(m, to), '127.0.0.1', port);
  else {
    const { ldkConnect } = await import('../support/ldk.js');
    await ldkConnect(m.ldks[from.ldk]!, nodeId(m, to), '127.0.0.1', port);
  }
  const peers = (w: Who) => ('lnts' in w ? m.net.nodes[w.lnts]!.pm.getPeerNodeIds().map((p) => p.nodeId) : m.ldks[w.ldk]!.pm.list_peers().map((p) => p.get_counterparty_node_id()));
  await until(m, 'connected', () => peers(from).some((p) => equalBytes(p, nodeId(m, to))) && peers(to).some((p) => equalBytes(p, nodeId(m, from))));
}

function usable(m: Mesh, w: Who): number {
  return 'lnts' in w ? m.net.nodes[w.lnts]!.cm.listUsableChannels().length : m.ldks[w.ldk]!.cm.list_usable_channels().length;
}

async function openChannel(m: Mesh, from: Who, to: Who, valueSat: bigint, pushMsat: bigint): Promise<void> {
  const before = [usable(m, from), usable(m, to)];
  if ('lnts' in from) {
    const n = m.net.nodes[from.lnts]!;
    const tmp = n.cm.createChannel(nodeId(m, to), valueSat, pushMsat, 1n);
    let f: Extract<Event, { kind: 'FundingGenerationReady' }> | undefined;
    await until(m, 'FundingGenerationReady', () => {
      f = m.ourSeen[from.lnts]!.find((e): e is Extract<Event, { kind: 'FundingGenerationReady' }> => e.kind === 'FundingGenerationReady' && equalBytes(e.temporaryChannelId, tmp));
      return f !== undefined;
    });
    n.cm.fundingTransactionGenerated(tmp, nodeId(m, to), serializeTx(n.wallet.fund([{ value: f!.channelValueSatoshis, script: f!.outputScript }], 253)));
  } else {
    assert.ok(m.ldks[from.ldk]!.cm.create_channel(nodeId(m, to), valueSat, pushMsat, 2n, null, null).is_ok());
  }
  await until(m, 'funding broadcast', () => m.net.chain.mempoolTxids().length >= 1);
  m.net.chain.mine(6);
  await until(m, 'channel usable on both sides', () => usable(m, from) === before[0]! + 1 && usable(m, to) === before[1]! + 1);
  for (const n of m.net.nodes) n.addedMonitors = 0;
}

/** `to` makes an invoice for `amountMsat`; `from` pays it; resolves when both sides saw the end. */
async function pay(m: Mesh, from: Who, to: Who, amountMsat: bigint): Promise<void> {
  const { ldk } = m;
  let text: string;
  if ('lnts' in to) text = m.net.nodes[to.lnts]!.cm.createInvoice({ amountMsat, description: 'lnts interop' }).toString();
  else {
    const r = ldk.UtilMethods.constructor_create_invoice_from_channelmanager(m.ldks[to.ldk]!.cm, ldk.Option_u64Z.constructor_some(amountMsat), 'ldk interop', 3600, ldk.Option_u16Z.constructor_none());
    assert.ok(r.is_ok(), 'LDK makes an invoice');
    text = (r as LDK.Result_Bolt11InvoiceSignOrCreationErrorZ_OK).res.to_str();
  }
  const sentBefore = 'lnts' in from ? m.ourSeen[from.lnts]!.filter((e) => e.kind === 'PaymentSent').length : m.ldkSeen[from.ldk]!.filter((e) => e instanceof ldk.Event_PaymentSent).length;
  const claimedBefore = 'lnts' in to ? m.ourSeen[to.lnts]!.filter((e) => e.kind === 'PaymentClaimed').length : m.ldkSeen[to.ldk]!.filter((e) => e instanceof ldk.Event_PaymentClaimed).length;
  if ('lnts' in from) {
    const inv = decodeInvoice(text);
    assert.ok(!(inv instanceof InvoiceError), String(inv));
    m.net.nodes[from.lnts]!.cm.payInvoice(inv);
  } else {
    const parsed = ldk.Bolt11Invoice.constructor_from_str(text);
    assert.ok(parsed.is_ok(), 'LDK parses the invoice');
    const p = ldk.UtilMethods.constructor_payment_parameters_from_invoice((parsed as LDK.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK).res);
    assert.ok(p.is_ok());
    const t = (p as LDK.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK).res;
    const sent = m.ldks[from.ldk]!.cm.send_payment(t.get_a(), t.get_b(), t.get_a(), t.get_c(), ldk.Retry.constructor_attempts(0));
    if (!sent.is_ok()) {
      const err = (sent as unknown as { err?: unknown }).err;
      const logs = m.ldks[from.ldk]!.logs.slice(-8).map((l) => l.text);
      assert.fail(`LDK send_payment failed: ${String(err)} ${JSON.stringify(logs)}`);
    }
  }
  await until(m, 'payment sent and claimed', () => {
    const sent = 'lnts' in from ? m.ourSeen[from.lnts]!.filter((e) => e.kind === 'PaymentSent').length : m.ldkSeen[from.ldk]!.filter((e) => e instanceof ldk.Event_PaymentSent).length;
    const claimed = 'lnts' in to ? m.ourSeen[to.lnts]!.filter((e) => e.kind === 'PaymentClaimed').length : m.ldkSeen[to.ldk]!.filter((e) => e instanceof ldk.Event_PaymentClaimed).length;
    const failed = 'lnts' in from ? m.ourSeen[from.lnts]!.some((e) => e.kind === 'PaymentFailed') : m.ldkSeen[from.ldk]!.some((e) => e instanceof ldk.Event_PaymentFailed);
    if (failed) throw new Error('a payment failed');
    return sent > sentBefore && claimed > claimedBefore;
  });
}

describe('payments with LDK over loopback TCP', { timeout: 180_000 }, () => {
  let ldk: Ldk;
  const cleanup = ldkSuiteHooks((l) => {
    ldk = l;
  });

  test('100 payments each way, update_fee in between, a reconnection mid-dance', async () => {
    const m = await mesh(ldk, 1, 1, 51);
    cleanup.push(() => shutdown(m));
    const us = { lnts: 0 };
    const them = { ldk: 0 };
    await connect(m, us, them);
    await openChannel(m, us, them, 2_000_000n, 500_000_000n);
    const ours = m.net.nodes[0]!;
    const capBefore = ours.cm.listChannels()[0]!.outboundCapacityMsat;
    let paid = 0n;
    let received = 0n;
    for (let i = 0; i < 100; i++) {
      const a = BigInt(1_000_000 + i * 10_007);
      await pay(m, us, them, a);
      paid += a;
      // LDK will not send an HTLC below 2,310 sat on a non-anchor channel at 253 sat/kW: with its
      // fee-spike buffer a smaller one would count as dust exposure (its htlc_minimum logic).
      const b = BigInt(3_000_000 + i * 9_001);
      await pay(m, them, us, b);
      received += b;
      if (i === 50) {
        // update_fee from the funder (us), between payments.
        const ch = ours.cm.listChannels()[0]!;
        ours.cm.updateChannelFee(ch.channelId, m.ldks[0]!.nodeId, 500);
        await until(m, 'fee update settled', () => ours.cm.listChannels().every((c) => !c.commitmentDanceInProgress && c.feeratePerKw === 500));
      }
    }
    // A reconnection in the middle of a payment's dance: the payment still completes.
    const inv = ours.cm.createInvoice({ amountMsat: 3_000_000n, description: 'mid-dance' });
    const p = ldk.UtilMethods.constructor_payment_parameters_from_invoice((ldk.Bolt11Invoice.constructor_from_str(inv.toString()) as LDK.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK).res);
    const t = (p as LDK.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK).res;
    const claimedBefore = m.ourSeen[0]!.filter((e) => e.kind === 'PaymentClaimed').length;
    assert.ok(m.ldks[0]!.cm.send_payment(t.get_a(), t.get_b(), t.get_a(), t.get_c(), ldk.Retry.constructor_attempts(0)).is_ok());
    m.ldks[0]!.pm.process_events();
    ours.pm.disconnectByNodeId(m.ldks[0]!.nodeId);
    await until(m, 'disconnected', () => m.ldks[0]!.pm.list_peers().length === 0);
    await connect(m, us, them);
    await until(m, 'the interrupted payment completes', () => m.ourSeen[0]!.filter((e) => e.kind === 'PaymentClaimed').length > claimedBefore && m.ldkSeen[0]!.filter((e) => e instanceof ldk.Event_PaymentSent).length >= 101);
    await until(m, 'quiet', () => ours.cm.listChannels().every((c) => !c.commitmentDanceInProgress));
    received += 3_000_000n;
    const fees = m.ourSeen[0]!.filter((e) => e.kind === 'PaymentSent').reduce((s, e) => s + (e as Extract<Event, { kind: 'PaymentSent' }>).feePaidMsat, 0n);
    assert.equal(fees, 0n, 'direct payments pay no routing fee');
    // Our spendable balance moved by exactly what we received minus what we paid, less the
    // commitment fee change (we are the funder and raised the feerate from 253 to 500).
    const ch = ours.cm.listChannels()[0]!;
    const feeDelta = ch.feeratePerKw === 500 ? commitmentFeeMsat(500) - commitmentFeeMsat(253) : 0n;
    assert.equal(ch.outboundCapacityMsat - capBefore, received - paid - feeDelta);
    assert.deepEqual(m.rejected, []);
    ours.addedMonitors = 0;
    ours.pm.disconnectAllPeers();
  });

  test('three-node routes with forwarding by each: ours→LDK→ours and LDK→ours→LDK', async () => {
    const m = await mesh(ldk, 2, 2, 61);
    cleanup.push(() => shutdown(m));
    const [A, C] = [{ lnts: 0 }, { lnts: 1 }];
    const [L1, L2] = [{ ldk: 0 }, { ldk: 1 }];
    // ours(A) → LDK(L1) → ours(C)
    await connect(m, A, L1);
    await connect(m, C, L1);
    await openChannel(m, A, L1, 2_000_000n, 0n);
    await openChannel(m, L1, C, 1_000_000n, 0n);
    await pay(m, A, C, 40_000_000n);
    assert.ok(m.ldkSeen[0]!.some((e) => e instanceof ldk.Event_PaymentForwarded), 'LDK forwarded our payment');
    // LDK(L2) → ours(A) → LDK(L1)... use L2 → C → L1: C forwards between two LDK nodes.
    await connect(m, L2, C);
    await openChannel(m, L2, C, 2_000_000n, 0n);
    await pay(m, L2, L1, 25_000_000n);
    assert.ok(m.ourSeen[1]!.some((e) => e.kind === 'PaymentForwarded'), 'our node forwarded LDK’s payment');
    assert.deepEqual(m.rejected, []);
    for (const n of m.net.nodes) {
      n.addedMonitors = 0;
      n.pm.disconnectAllPeers();
    }
  });
});

/** Closes every connection and listener so the test process can end. */
function shutdown(m: Mesh): void {
  for (const n of m.net.nodes) n.pm.disconnectAllPeers();
  for (const n of m.ldks) n.pm.disconnect_all_peers();
  for (const s of m.servers) s.close();
}

/** The funder's commitment fee without HTLCs (BOLT 3: 724 weight), in msat. */
function commitmentFeeMsat(feerate: number): bigint {
  return BigInt(Math.floor((feerate * 724) / 1000)) * 1000n;
}
