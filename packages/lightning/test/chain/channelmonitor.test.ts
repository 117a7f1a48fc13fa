import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeWitnessSignature } from '../../src/bitcoin/der.js';
import { ripemd160 } from '../../src/bitcoin/hashes.js';
import { serializeTx, txid } from '../../src/bitcoin/serialize.js';
import { sha256d } from '../../src/crypto/backend.js';
import { ChannelMonitor, MonitorUpdateError } from '../../src/chain/channelmonitor.js';
import type { CounterpartyCommitmentData } from '../../src/chain/channelmonitor_update.js';
import { MONITOR_FORMAT_VERSION } from '../../src/chain/monitor_codec.js';
import { fundingScript } from '../../src/ln/chan_utils/scripts.js';
import { verifyFundingSpend } from '../../src/ln/chan_utils/signing.js';
import { compareBytes, equalBytes } from '../../src/util/bytes.js';
import { APIMisuseError, DecodeError } from '../../src/util/errors.js';
import { decodeValue, encodeValue } from '../../src/util/ser/value.js';
import { crypto, fundedPair, header, spendOf, upd } from './support.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);

function readBack(m: ChannelMonitor): ChannelMonitor {
  const r = ChannelMonitor.read(m.write(), crypto);
  assert.ok(!(r instanceof DecodeError), r instanceof DecodeError ? r.message : '');
  return r;
}

/** Their commitment `n` as our signer would have recorded it (point from their signer). */
function theirCommitment(pair: ReturnType<typeof fundedPair>, n: bigint, withHtlc: boolean): CounterpartyCommitmentData {
  return {
    commitmentNumber: n,
    txid: crypto.sha256(Uint8Array.of(Number(n))),
    perCommitmentPoint: pair.bob.ctx.signer.getPerCommitmentPoint(n),
    feeratePerKw: 2500,
    toBroadcasterValueMsat: 10_000_000n,
    toCountersignatoryValueMsat: 980_000_000n,
    htlcs: withHtlc ? [{ offered: true, amountMsat: 5_000_000n, cltvExpiry: 500 + Number(n), paymentHash: crypto.sha256(Uint8Array.of(42)) }] : [],
  };
}

describe('ChannelMonitor', () => {
  for (const anchors of [false, true]) {
    test(`rebuilds both sides' holder commitments byte for byte from the monitor data (${anchors ? 'anchors' : 'static_remotekey'})`, () => {
      const p = fundedPair(1_000_000n, anchors);
      for (const init of [p.aliceInit, p.bobInit]) {
        const m = ChannelMonitor.create(init, crypto);
        const c = m.holderCommitmentTransaction();
        assert.deepEqual(serializeTx(c.tx), serializeTx(init.holderCommitment.tx));
        assert.deepEqual(c.txid, txid(init.holderCommitment.tx, crypto));
      }
    });

    test(`a force close yields our commitment with a funding witness both funding keys signed (${anchors ? 'anchors' : 'static_remotekey'})`, () => {
      const p = fundedPair(1_000_000n, anchors);
      for (const [init, side] of [[p.aliceInit, p.alice], [p.bobInit, p.bob]] as const) {
        const m = ChannelMonitor.create(init, crypto);
        const signed = m.getLatestHolderCommitmentTxn(side.ctx.signer);
        assert.deepEqual(txid(signed, crypto), txid(init.holderCommitment.tx, crypto), 'same transaction, now with a witness');
        const w = signed.inputs[0]!.witness;
        assert.equal(w.length, 4);
        assert.equal(w[0]!.length, 0, 'CHECKMULTISIG dummy');
        assert.deepEqual(w[3], init.fundingScript);
        const keys = [init.holderPubkeys.fundingPubkey, init.counterpartyPubkeys.fundingPubkey].sort(compareBytes);
        for (const [i, key] of keys.entries()) {
          const d = decodeWitnessSignature(w[1 + i]!);
          assert.ok(!(d instanceof DecodeError));
          assert.equal(d.sighashType, 1);
          assert.ok(verifyFundingSpend(signed, init.fundingScript, init.channelValueSatoshis, d.sig, key, crypto), `signature ${i} verifies`);
        }
        const other = side === p.alice ? p.bob : p.alice;
        assert.throws(() => m.getLatestHolderCommitmentTxn(other.ctx.signer), APIMisuseError);
      }
    });
  }

  test('write/read round-trips a fresh monitor and one carrying every kind of state', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.aliceInit, crypto);
    const fresh = readBack(m);
    assert.deepEqual(fresh.write(), m.write());
    assert.equal(fresh.latestUpdateId, 0n);
    assert.deepEqual(fresh.holderCommitment, m.holderCommitment);
    assert.deepEqual(fresh.counterpartyCommitment, m.counterpartyCommitment);

    const preimage = new Uint8Array(32).fill(5);
    const steps = [
      upd(p.aliceInit, 1n, { kind: 'LatestCounterpartyCommitment', commitment: theirCommitment(p, 1n, true) }),
      upd(p.aliceInit, 2n, { kind: 'CommitmentSecret', commitmentNumber: 0n, secret: p.bob.ctx.signer.releaseCommitmentSecret(0n) }),
      upd(p.aliceInit, 3n, { kind: 'LatestHolderCommitment', commitment: { ...p.aliceInit.holderCommitment, commitmentNumber: 1n, counterpartyHtlcSigs: [new Uint8Array(64).fill(3)] } }),
      upd(p.aliceInit, 4n, { kind: 'PaymentPreimage', preimage }, { kind: 'ShutdownScript', script: Uint8Array.of(0, 20, ...new Uint8Array(20)) }),
      upd(p.aliceInit, 5n, { kind: 'ChannelForceClosed', shouldBroadcast: true }),
    ];
    for (const u of steps) assert.equal(m.update(u), null);
    const spend = spendOf(p.outpoint);
    assert.equal(m.transactionsConfirmed(header(new Uint8Array(32), 1), [{ index: 1, tx: serializeTx(spend) }], 150), true);

    const back = readBack(m);
    assert.deepEqual(back.write(), m.write(), 'bytes are stable');
    assert.equal(back.latestUpdateId, 5n);
    assert.deepEqual(back.prevCounterpartyCommitment, undefined, 'revoked commitment 0 was dropped');
    assert.deepEqual(back.counterpartyCommitment, m.counterpartyCommitment);
    // Commitment 1's HTLC (offered by them, hash of 42, expiry 501) is kept for a penalty; 0 had none.
    assert.deepEqual(back.counterpartyHtlcsOn(1n), [{ offered: true, paymentHashRipemd: ripemd160(crypto.sha256(Uint8Array.of(42))), cltvExpiry: 501 }]);
    assert.deepEqual(back.counterpartyHtlcsOn(0n), []);
    assert.deepEqual(back.prevHolderCommitment, p.aliceInit.holderCommitment);
    assert.deepEqual(back.holderCommitment, m.holderCommitment);
    assert.deepEqual(back.counterpartySecret(0n), p.bob.ctx.signer.releaseCommitmentSecret(0n));
    assert.deepEqual(back.preimageFor(crypto.sha256(preimage)), preimage);
    assert.deepEqual(back.shutdownScript, m.shutdownScript);
    assert.equal(back.isClosed, true);
    assert.equal(back.shouldBroadcast, true);
    assert.deepEqual(back.fundingSpend, m.fundingSpend);
    // The unreleased event survives the restart.
    const evs = back.releasePendingMonitorEvents();
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.kind, 'FundingSpent');
  });

  test('update ids must rise; a refused update changes nothing', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.aliceInit, crypto);
    const shutdown = (b: number) => ({ kind: 'ShutdownScript' as const, script: Uint8Array.of(0, 20, ...new Uint8Array(20).fill(b)) });
    assert.equal(m.update(upd(p.aliceInit, 0n, shutdown(1)))?.kind, 'OutOfOrder', 'id 0 is the creation');
    assert.equal(m.update(upd(p.aliceInit, 1n, shutdown(1))), null);
    const before = m.write();
    const dup = m.update(upd(p.aliceInit, 1n, shutdown(2)));
    assert.ok(dup instanceof MonitorUpdateError);
    assert.equal(dup.kind, 'OutOfOrder');
    assert.equal(m.update(upd(p.aliceInit, 0n, shutdown(2)))?.kind, 'OutOfOrder');
    assert.equal(m.update({ ...upd(p.aliceInit, 2n, shutdown(2)), channelId: new Uint8Array(32) })?.kind, 'WrongChannel');
    assert.deepEqual(m.write(), before, 'nothing applied');
    assert.equal(m.latestUpdateId, 1n);
    assert.equal(m.update(upd(p.aliceInit, 3n, shutdown(3))), null, 'a later id is taken');
    assert.equal(m.update(upd(p.aliceInit, 2n, shutdown(2)))?.kind, 'OutOfOrder', 'an older one is not');
    assert.equal(m.shutdownScript![2], 3);
  });

  test('a CommitmentSecret that does not derive the earlier ones (or its point) is refused whole', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.aliceInit, crypto);
    const their = p.bob.ctx.signer;
    let id = 0n;
    for (let n = 0n; n < 4n; n++) {
      assert.equal(m.update(upd(p.aliceInit, ++id, { kind: 'LatestCounterpartyCommitment', commitment: theirCommitment(p, n + 1n, n % 2n === 0n) })), null);
      assert.equal(m.update(upd(p.aliceInit, ++id, { kind: 'CommitmentSecret', commitmentNumber: n, secret: their.releaseCommitmentSecret(n) })), null, `secret ${n}`);
    }
    for (let n = 0n; n < 4n; n++) assert.deepEqual(m.counterpartySecret(n), their.releaseCommitmentSecret(n));
    assert.equal(m.counterpartySecret(4n), null, 'commitment 4 is not revoked');
    const before = m.write();

    // Commitment 4 is their current one: a secret that is not its point's discrete log is refused.
    const foreign = crypto.sha256(Uint8Array.of(9, 9, 9));
    const preimage = new Uint8Array(32).fill(8);
    const r1 = m.update(upd(p.aliceInit, ++id, { kind: 'PaymentPreimage', preimage }, { kind: 'CommitmentSecret', commitmentNumber: 4n, secret: foreign }));
    assert.equal(r1?.kind, 'InvalidSecret');
    assert.deepEqual(m.write(), before, 'the preimage in the same update was not kept either');
    assert.equal(m.preimageFor(crypto.sha256(preimage)), undefined);

    // A secret from another seed for a commitment the monitor has no point for: only the shachain
    // check can catch it (index 2^48-2 sits in slot 1 and must derive slot 0's secret).
    const stranger = p.alice.ctx.signer.releaseCommitmentSecret(5n);
    const mm = ChannelMonitor.create(p.aliceInit, crypto);
    assert.equal(mm.update(upd(p.aliceInit, 1n, { kind: 'CommitmentSecret', commitmentNumber: 0n, secret: their.releaseCommitmentSecret(0n) })), null);
    assert.equal(mm.update(upd(p.aliceInit, 2n, { kind: 'CommitmentSecret', commitmentNumber: 1n, secret: stranger }))?.kind, 'InvalidSecret');
    assert.equal(mm.update(upd(p.aliceInit, 2n, { kind: 'CommitmentSecret', commitmentNumber: 1n, secret: their.releaseCommitmentSecret(1n) })), null);
    // Out of order (a gap) is refused as well.
    assert.equal(mm.update(upd(p.aliceInit, 3n, { kind: 'CommitmentSecret', commitmentNumber: 3n, secret: their.releaseCommitmentSecret(3n) }))?.kind, 'InvalidSecret');
  });

  test('after a force close only preimages, shutdown scripts and closes are applied', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.bobInit, crypto);
    assert.equal(m.update(upd(p.bobInit, 1n, { kind: 'ChannelForceClosed', shouldBroadcast: false })), null);
    assert.equal(m.isClosed, true);
    assert.equal(m.shouldBroadcast, false);
    assert.equal(m.update(upd(p.bobInit, 2n, { kind: 'LatestHolderCommitment', commitment: p.bobInit.holderCommitment }))?.kind, 'ChannelClosed');
    assert.equal(m.update(upd(p.bobInit, 2n, { kind: 'PaymentPreimage', preimage: new Uint8Array(32) })), null);
    assert.equal(m.update(upd(p.bobInit, 3n, { kind: 'ChannelForceClosed', shouldBroadcast: true })), null);
    assert.equal(m.shouldBroadcast, true);
  });

  test('a funding spend confirmed through Confirm is reported once, and forgotten when unconfirmed', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.aliceInit, crypto);
    const spend = spendOf(p.outpoint);
    const spendTxid = txid(spend, crypto);
    const h = header(new Uint8Array(32), 1);
    const unrelated = spendOf({ txid: new Uint8Array(32).fill(3), vout: 0 }, 2);
    assert.equal(m.transactionsConfirmed(h, [{ index: 1, tx: serializeTx(unrelated) }, { index: 2, tx: Uint8Array.of(1, 2, 3) }], 200), false);
    assert.deepEqual(m.getRelevantTxids(), []);
    assert.equal(m.transactionsConfirmed(h, [{ index: 3, tx: serializeTx(spend) }], 200), true);
    assert.equal(m.transactionsConfirmed(h, [{ index: 3, tx: serializeTx(spend) }], 200), false, 'a re-report changes nothing');
    assert.deepEqual(m.getRelevantTxids(), [{ txid: spendTxid, height: 200, blockHash: sha256d(crypto, h) }]);
    const evs = m.releasePendingMonitorEvents();
    assert.equal(evs.length, 1);
    const ev = evs[0]!;
    assert.ok(ev.kind === 'FundingSpent');
    assert.deepEqual(ev.txid, spendTxid);
    assert.deepEqual(ev.tx, spend);
    assert.equal(ev.height, 200);
    assert.deepEqual(ev.channelId, p.aliceInit.channelId);
    assert.deepEqual(m.releasePendingMonitorEvents(), []);

    assert.equal(m.transactionUnconfirmed(new Uint8Array(32)), false);
    assert.equal(m.transactionUnconfirmed(spendTxid), true);
    assert.equal(m.fundingSpend, undefined);
    assert.deepEqual(m.getRelevantTxids(), []);
    // It confirms again, elsewhere: a new event.
    assert.equal(m.transactionsConfirmed(header(sha256d(crypto, h), 2), [{ index: 1, tx: serializeTx(spend) }], 203), true);
    assert.equal(m.releasePendingMonitorEvents()[0]?.kind, 'FundingSpent');
  });

  test('a funding spend seen through Listen is undone by disconnecting its block', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.bobInit, crypto);
    const h1 = header(new Uint8Array(32).fill(1), 1);
    const h2 = header(sha256d(crypto, h1), 2);
    const closing = m.getLatestHolderCommitmentTxn(p.bob.ctx.signer);
    m.filteredBlockConnected(h1, [], 301);
    assert.equal(m.bestBlock.height, 301);
    assert.equal(m.filteredBlockConnected(h2, [{ index: 1, tx: serializeTx(closing) }], 302), true);
    assert.deepEqual(m.bestBlock, { blockHash: sha256d(crypto, h2), height: 302 });
    assert.equal(m.fundingSpend?.height, 302);

    // Reorged out before anyone took the event: the event goes too.
    assert.equal(m.blockDisconnected(h2, 302), true);
    assert.equal(m.fundingSpend, undefined);
    assert.deepEqual(m.bestBlock, { blockHash: sha256d(crypto, h1), height: 301 });
    assert.deepEqual(m.releasePendingMonitorEvents(), []);

    // Confirms again in the replacement block; this time the event is taken, then reorged, then back.
    const h2b = header(sha256d(crypto, h1), 22);
    m.filteredBlockConnected(h2b, [{ index: 4, tx: serializeTx(closing) }], 302);
    const first = m.releasePendingMonitorEvents();
    assert.equal(first.length, 1);
    assert.equal(m.blockDisconnected(header(new Uint8Array(32), 9), 303), false, 'a block above the spend does not undo it');
    assert.ok(m.fundingSpend);
    assert.equal(m.blockDisconnected(h2b, 302), true);
    m.filteredBlockConnected(h2, [{ index: 1, tx: serializeTx(closing) }], 302);
    const again = m.releasePendingMonitorEvents();
    assert.equal(again.length, 1);
    assert.ok(again[0]!.kind === 'FundingSpent' && equalBytes(again[0]!.txid, txid(closing, crypto)));
    // A best-block report below the spend means it was reorged out too.
    assert.equal(m.bestBlockUpdated(h1, 301), true);
    assert.equal(m.fundingSpend, undefined);
  });

  test('reads version 2 monitors (before the HTLC history store: every record in the monitor)', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.aliceInit, crypto);
    m.update(upd(p.aliceInit, 1n, { kind: 'PaymentPreimage', preimage: new Uint8Array(32).fill(1) }));
    const tree = decodeValue(m.write()) as Record<string, unknown>;
    assert.equal(tree.version, 3);
    assert.equal(tree.archivedHtlcs, 0);
    const v2: Record<string, unknown> = { ...tree, version: 2 };
    delete v2.archivedHtlcs;
    const back = ChannelMonitor.read(encodeValue(v2 as Parameters<typeof encodeValue>[0]), crypto);
    assert.ok(!(back instanceof DecodeError));
    assert.deepEqual(back.write(), m.write(), 'read as the same monitor, written as version 3');
    const both = ChannelMonitor.read(encodeValue({ ...v2, archivedHtlcs: 0 } as Parameters<typeof encodeValue>[0]), crypto);
    assert.ok(both instanceof DecodeError && both.kind === 'InvalidValue', 'version 2 had no archived count');
  });

  test('read refuses other versions, inconsistent data and truncations with a DecodeError', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.aliceInit, crypto);
    m.update(upd(p.aliceInit, 1n, { kind: 'PaymentPreimage', preimage: new Uint8Array(32).fill(1) }));
    const good = m.write();
    const tree = decodeValue(good) as Record<string, unknown>;
    const variants: Array<[string, Record<string, unknown>, string]> = [
      ['another version', { ...tree, version: MONITOR_FORMAT_VERSION + 1 }, 'UnknownVersion'],
      ['an extra field', { ...tree, extra: 1 }, 'InvalidValue'],
      ['a missing field', Object.fromEntries(Object.entries(tree).filter(([k]) => k !== 'closed')), 'InvalidValue'],
      ['a funding script of other keys', { ...tree, fundingScript: fundingScript(p.aliceInit.holderPubkeys.fundingPubkey, p.aliceInit.holderPubkeys.revocationBasepoint) }, 'InvalidValue'],
      ['a vout above u32', { ...tree, fundingOutpoint: { txid: p.outpoint.txid, vout: 2 ** 32 } }, 'InvalidValue'],
      ['a preimage of another hash', { ...tree, preimages: [{ paymentHash: new Uint8Array(32), preimage: new Uint8Array(32).fill(1) }] }, 'InvalidValue'],
      ['an invalid pubkey', { ...tree, counterpartyNodeId: Uint8Array.of(2, ...new Uint8Array(32)) }, 'InvalidValue'],
      ['a negative update id', { ...tree, latestUpdateId: -1n }, 'InvalidValue'],
      ['a fractional delay', { ...tree, holderToSelfDelay: 1.5 }, 'InvalidValue'],
      ['a string for bytes', { ...tree, keysId: 'abc' }, 'InvalidValue'],
    ];
    for (const [why, v, kind] of variants) {
      const r = ChannelMonitor.read(encodeValue(v), crypto);
      assert.ok(r instanceof DecodeError, why);
      assert.equal(r.kind, kind, why);
    }
    for (let cut = 0; cut < good.length; cut += 97) assert.ok(ChannelMonitor.read(good.subarray(0, cut), crypto) instanceof DecodeError, `truncated at ${cut}`);
  });

  test('read is total on random bytes and on corrupted encodings (fast-check)', () => {
    const p = fundedPair();
    const m = ChannelMonitor.create(p.bobInit, crypto);
    const good = m.write();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        assert.ok(ChannelMonitor.read(bytes, crypto) instanceof DecodeError);
      }),
      { seed: SEED, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = good.slice();
        for (const [at, x] of flips) bytes[at]! ^= x;
        const r = ChannelMonitor.read(bytes, crypto);
        if (r instanceof DecodeError) return;
        // A corruption that still decodes is a consistent monitor: it writes and reads back.
        const again = ChannelMonitor.read(r.write(), crypto);
        assert.ok(!(again instanceof DecodeError));
        assert.deepEqual(again.write(), r.write());
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
