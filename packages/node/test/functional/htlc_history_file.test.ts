/**
 * The HTLC history store end to end, on disk: a node's monitors move finished HTLCs' records to
 * a `FileHtlcHistoryStore` while it pays, the node restarts as a new process would (monitors read
 * from bytes, the store opened again from its directory), and the restarted monitor still names
 * every output of a revoked commitment its peer could broadcast — the HTLC output included, whose
 * record only the file holds (BOLT 5 §"Revoked Transaction Close Handling").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { p2wshForScript } from '@lnts/lightning/bitcoin';
import type { Transaction } from '@lnts/lightning/bitcoin';
import type { ChannelMonitor } from '@lnts/lightning/chain';
import { bestBackend } from '../../src/crypto/index.js';
import { FileHtlcHistoryStore } from '../../src/persist/htlc_history_file.js';
import { HTLC_HISTORY_FLUSH, type Network, type TestNode, withNetwork } from './harness.js';

const crypto = bestBackend();
const dir = mkdtempSync(join(tmpdir(), 'lnts-htlc-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function monitorOf(n: TestNode): ChannelMonitor {
  const [m] = n.chainMonitor.listMonitors();
  assert.ok(m);
  return n.chainMonitor.getMonitor(m.fundingOutpoint)!;
}

/** A pays B `amountMsat`; returns B's commitment while it carried the HTLC (revoked once the payment settles). */
function pay(net: Network, amountMsat: bigint, id: number): Transaction {
  const [A, B] = net.nodes as [TestNode, TestNode];
  const inv = B.cm.createInboundPayment(amountMsat);
  const scid = A.cm.listChannels()[0]!.shortChannelId!;
  A.cm.sendPayment(inv.paymentHash, { paymentSecret: inv.paymentSecret }, new Uint8Array(32).fill(id), {
    paths: [{ hops: [{ pubkey: B.keys.getNodeId(), shortChannelId: scid, feeMsat: amountMsat, cltvExpiryDelta: 40 }] }],
  });
  net.pump();
  assert.deepEqual(B.cm.getAndClearPendingEvents().map((e) => e.kind), ['PendingHTLCsForwardable']);
  B.cm.processPendingHtlcForwards();
  assert.deepEqual(B.cm.getAndClearPendingEvents().map((e) => e.kind), ['PaymentClaimable']);
  const held = monitorOf(B).holderCommitment.tx;
  B.cm.claimFunds(inv.paymentPreimage);
  net.pump();
  assert.deepEqual(B.cm.getAndClearPendingEvents().map((e) => e.kind), ['PaymentClaimed']);
  assert.deepEqual(A.cm.getAndClearPendingEvents().map((e) => e.kind), ['PaymentSent', 'PaymentPathSuccessful']);
  return held;
}

test('finished HTLCs leave the monitor for a file, and a restarted node punishes with what the file holds', () =>
  withNetwork(
    2,
    (net) => {
      net.connect(0, 1);
      // Pushed funds give Bob a to_local output on every commitment, which the penalty takes too.
      net.openChannel(0, 1, 1_000_000n, 200_000_000n);
      const A = net.nodes[0]!;
      const revoked: Transaction[] = [];
      for (let i = 0; i < 3 * HTLC_HISTORY_FLUSH; i++) revoked.push(pay(net, 5_000_000n + BigInt(i) * 1000n, i + 1));
      const before = monitorOf(A);
      assert.ok(before.archivedHtlcCount >= 2 * HTLC_HISTORY_FLUSH, `archived ${before.archivedHtlcCount}`);
      assert.ok(before.counterpartyHtlcHistoryBytes < (HTLC_HISTORY_FLUSH + 1) * 37, 'the rest stays in the monitor');
      assert.equal(readdirSync(join(dir, 'alice')).length, 1, 'one file for the one channel');

      net.restart(0);
      const after = monitorOf(net.nodes[0]!);
      assert.notEqual(after, before);
      assert.equal(after.archivedHtlcCount, before.archivedHtlcCount);
      for (const tx of [revoked[0]!, revoked[HTLC_HISTORY_FLUSH]!, revoked.at(-1)!]) {
        const r = after.revokedCommitment(tx);
        assert.ok(r, 'recognised as revoked');
        assert.equal(r.htlcHistoryComplete, true);
        assert.deepEqual(r.outputs.map((o) => o.kind).sort(), ['received_htlc', 'to_local']);
        for (const o of r.outputs) assert.deepEqual(p2wshForScript(o.witnessScript, crypto), tx.outputs[o.vout]!.script);
      }
      net.connect(0, 1);
      // And it goes on paying after the restart, its history still flushing to the file.
      for (let i = 0; i < HTLC_HISTORY_FLUSH; i++) pay(net, 3_000_000n, 100 + i);
      assert.ok(monitorOf(net.nodes[0]!).archivedHtlcCount > before.archivedHtlcCount);
      for (const n of net.nodes) n.addedMonitors = 0;
    },
    { htlcHistory: (name) => new FileHtlcHistoryStore(join(dir, name)) },
  ));
