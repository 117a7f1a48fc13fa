import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { p2wshForScript } from '../../../src/bitcoin/outputs.js';
import { parseTx, serializeTx } from '../../../src/bitcoin/serialize.js';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, segwitV0Sighash } from '../../../src/bitcoin/sighash.js';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import {
  buildCommitmentTx,
  type CommitmentHtlc,
  type CommitmentTxParams,
  commitmentNumberFromTx,
} from '../../../src/ln/chan_utils/commitment.js';
import { buildHtlcTx, finalizeHtlcTx, signHtlcTxs } from '../../../src/ln/chan_utils/htlc_tx.js';
import { offeredHtlcScript, receivedHtlcScript } from '../../../src/ln/chan_utils/scripts.js';
import { finalizeFundingSpend, signFundingSpend } from '../../../src/ln/chan_utils/signing.js';
import { compareBytes } from '../../../src/util/bytes.js';
import { DecodeError } from '../../../src/util/errors.js';
import { toHex } from '../../../src/util/hex.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);

/** Seven secrets from one integer, so each run has its own valid keys. */
function secretsFrom(seed: number): Uint8Array[] {
  return Array.from({ length: 7 }, (_, k) => crypto.sha256(Uint8Array.of(seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff, k)));
}

const htlcArb = fc.record({
  offered: fc.boolean(),
  // Mostly around the dust thresholds, sometimes large; sub-satoshi parts included.
  amountMsat: fc.oneof(fc.bigInt({ min: 0n, max: 30_000_000n }), fc.bigInt({ min: 0n, max: 2_000_000_000n }), fc.constant(5_000_000n)),
  // 'edge': amount set to the trimming threshold ± a few satoshis (exact equality must keep the output).
  edge: fc.option(fc.tuple(fc.integer({ min: -2, max: 2 }), fc.constantFrom(0n, 999n)), { nil: null }),
  // Few distinct values so equal outputs (same amount and hash) with different CLTVs occur.
  cltvExpiry: fc.integer({ min: 500, max: 505 }),
  hashId: fc.integer({ min: 0, max: 2 }),
});

const paramsArb = fc.record({
  keySeed: fc.integer({ min: 0, max: 0xffffff }),
  anchors: fc.boolean(),
  feeratePerKw: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 200_000 })),
  dustLimitSat: fc.bigInt({ min: 354n, max: 5_000n }),
  toSelfDelay: fc.integer({ min: 1, max: 2016 }),
  commitmentNumber: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
  obscureFactor: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
  htlcs: fc.array(htlcArb, { maxLength: 12 }),
  localMsat: fc.bigInt({ min: 0n, max: 5_000_000_000n }),
  remoteMsat: fc.bigInt({ min: 0n, max: 5_000_000_000n }),
  isOutbound: fc.boolean(),
});

type Arb = typeof paramsArb extends fc.Arbitrary<infer T> ? T : never;

function buildParams(a: Arb): { params: CommitmentTxParams; secrets: Uint8Array[] } {
  const s = secretsFrom(a.keySeed);
  const pub = s.map((x) => crypto.publicKey(x));
  const hashes = [0, 1, 2].map((i) => crypto.sha256(Uint8Array.of(i)));
  const htlcs: CommitmentHtlc[] = a.htlcs.map((h) => {
    let amountMsat = h.amountMsat;
    if (h.edge) {
      const fee = a.anchors ? 0n : (BigInt(a.feeratePerKw) * (h.offered ? 663n : 703n)) / 1000n;
      const sat = a.dustLimitSat + fee + BigInt(h.edge[0]);
      amountMsat = sat * 1000n + h.edge[1];
    }
    return { offered: h.offered, amountMsat, cltvExpiry: h.cltvExpiry, paymentHash: hashes[h.hashId]! };
  });
  // BOLT 2 only lets a funder commit to what it can pay: give it the worst-case fee and anchors on top.
  const maxCost = ((BigInt(a.feeratePerKw) * BigInt(1124 + 172 * htlcs.length)) / 1000n + 660n) * 1000n;
  let local = a.localMsat + (a.isOutbound ? maxCost : 0n);
  let remote = a.remoteMsat + (a.isOutbound ? 0n : maxCost);
  const total = local + remote + htlcs.reduce((x, h) => x + h.amountMsat, 0n);
  const pad = (1000n - (total % 1000n)) % 1000n; // the channel value is whole satoshis
  if (a.isOutbound) remote += pad;
  else local += pad;
  const fundingSatoshis = (total + pad) / 1000n;
  return {
    secrets: s,
    params: {
      fundingOutpoint: { txid: crypto.sha256(Uint8Array.of(9)), vout: a.keySeed % 3 },
      fundingSatoshis,
      channelType: { anchors: a.anchors },
      commitmentNumber: a.commitmentNumber,
      obscureFactor: a.obscureFactor,
      toBroadcasterValueMsat: local,
      toCountersignatoryValueMsat: remote,
      feeratePerKw: a.feeratePerKw,
      dustLimitSat: a.dustLimitSat,
      toSelfDelay: a.toSelfDelay,
      keys: {
        revocationPubkey: pub[0]!,
        broadcasterDelayedPubkey: pub[1]!,
        countersignatoryPaymentPubkey: pub[2]!,
        broadcasterHtlcPubkey: pub[3]!,
        countersignatoryHtlcPubkey: pub[4]!,
        broadcasterFundingPubkey: pub[5]!,
        countersignatoryFundingPubkey: pub[6]!,
      },
      htlcs,
      isOutboundFromBroadcaster: a.isOutbound,
    },
  };
}

describe('commitment transaction properties (BOLT 3 §"Commitment Transaction Construction")', () => {
  test('value is conserved, trimming follows the dust threshold, order is BIP 69+CLTV, every signature verifies, txs round-trip', () => {
    fc.assert(
      fc.property(paramsArb, (a) => {
        const { params: p, secrets } = buildParams(a);
        const c = buildCommitmentTx(p, crypto);
        const anchors = p.channelType.anchors;

        // The model, written from the spec's text independently of the builder.
        const timeoutFee = anchors ? 0n : (BigInt(p.feeratePerKw) * 663n) / 1000n;
        const successFee = anchors ? 0n : (BigInt(p.feeratePerKw) * 703n) / 1000n;
        const trimmed = p.htlcs.map((h) => h.amountMsat / 1000n < p.dustLimitSat + (h.offered ? timeoutFee : successFee));
        const untrimmed = trimmed.filter((t) => !t).length;
        const baseFee = (BigInt(p.feeratePerKw) * BigInt((anchors ? 1124 : 724) + 172 * untrimmed)) / 1000n;
        const funderPays = baseFee + (anchors ? 660n : 0n);
        const localSat = p.toBroadcasterValueMsat / 1000n - (p.isOutboundFromBroadcaster ? funderPays : 0n);
        const remoteSat = p.toCountersignatoryValueMsat / 1000n - (p.isOutboundFromBroadcaster ? 0n : funderPays);
        const hasLocal = localSat >= p.dustLimitSat;
        const hasRemote = remoteSat >= p.dustLimitSat;

        assert.equal(c.baseFeeSat, baseFee);
        for (let i = 0; i < p.htlcs.length; i++) assert.equal(c.htlcOutputIndices[i] === null, trimmed[i], `htlc ${i} trimmed?`);
        assert.equal(c.outputs.some((o) => o.kind === 'to_local'), hasLocal);
        assert.equal(c.outputs.some((o) => o.kind === 'to_remote'), hasRemote);
        const anchorsMade = c.outputs.filter((o) => o.kind.endsWith('anchor')).length;
        const expectAnchors = anchors ? Number(hasLocal || untrimmed > 0) + Number(hasRemote || untrimmed > 0) : 0;
        assert.equal(anchorsMade, expectAnchors);

        // Outputs + base fee + unused anchor allowance + trimmed HTLCs + dust balances + sub-satoshi parts = channel value.
        const outSum = c.tx.outputs.reduce((x, o) => x + o.value, 0n);
        const trimmedSat = p.htlcs.reduce((x, h, i) => x + (trimmed[i] ? h.amountMsat / 1000n : 0n), 0n);
        const dust = (hasLocal ? 0n : localSat) + (hasRemote ? 0n : remoteSat);
        const unusedAnchors = anchors ? 660n - 330n * BigInt(anchorsMade) : 0n;
        const subSat = p.toBroadcasterValueMsat % 1000n + (p.toCountersignatoryValueMsat % 1000n) + p.htlcs.reduce((x, h) => x + (h.amountMsat % 1000n), 0n);
        assert.equal(1000n * (outSum + baseFee + unusedAnchors + trimmedSat + dust) + subSat, p.fundingSatoshis * 1000n);
        assert.equal(c.totalFeeSat, p.fundingSatoshis - outSum);

        // Each untrimmed HTLC's output carries its whole satoshis to P2WSH of its script.
        const keys = { revocationPubkeyHash: crypto.hash160(p.keys.revocationPubkey), broadcasterHtlcPubkey: p.keys.broadcasterHtlcPubkey, countersignatoryHtlcPubkey: p.keys.countersignatoryHtlcPubkey };
        for (let i = 0; i < p.htlcs.length; i++) {
          const k = c.htlcOutputIndices[i];
          if (k === null || k === undefined) continue;
          const h = p.htlcs[i]!;
          const ws = h.offered ? offeredHtlcScript(keys, h.paymentHash, anchors) : receivedHtlcScript(keys, h.paymentHash, h.cltvExpiry, anchors);
          assert.equal(c.tx.outputs[k]!.value, h.amountMsat / 1000n);
          assert.equal(toHex(c.tx.outputs[k]!.script), toHex(p2wshForScript(ws, crypto)));
        }
        // BIP 69 with the CLTV tie-break.
        for (let k = 1; k < c.tx.outputs.length; k++) {
          const x = c.tx.outputs[k - 1]!;
          const y = c.tx.outputs[k]!;
          assert.ok(x.value <= y.value);
          if (x.value === y.value) {
            const cmp = compareBytes(x.script, y.script);
            assert.ok(cmp <= 0);
            const hx = c.outputs[k - 1]!.htlcIndex;
            const hy = c.outputs[k]!.htlcIndex;
            if (cmp === 0 && hx !== null && hy !== null) assert.ok(p.htlcs[hx]!.cltvExpiry <= p.htlcs[hy]!.cltvExpiry);
          }
        }
        assert.equal(commitmentNumberFromTx(c.tx.locktime, c.tx.inputs[0]!.sequence, p.obscureFactor), p.commitmentNumber);

        // Signatures against independently computed BIP 143 hashes.
        const fundingHash = segwitV0Sighash(c.tx, 0, c.fundingScript, p.fundingSatoshis, SIGHASH_ALL, crypto);
        const sigB = signFundingSpend(c.tx, c.fundingScript, p.fundingSatoshis, secrets[5]!, crypto);
        const sigC = signFundingSpend(c.tx, c.fundingScript, p.fundingSatoshis, secrets[6]!, crypto);
        assert.ok(crypto.verifyEcdsa(sigB, fundingHash, p.keys.broadcasterFundingPubkey));
        assert.ok(crypto.verifyEcdsa(sigC, fundingHash, p.keys.countersignatoryFundingPubkey));
        const signed = finalizeFundingSpend(c.tx, c.fundingScript, p.keys.broadcasterFundingPubkey, sigB, p.keys.countersignatoryFundingPubkey, sigC);
        const txs = [signed];
        const remoteSigs = signHtlcTxs(c, secrets[4]!, 'countersignatory', crypto);
        const localSigs = signHtlcTxs(c, secrets[3]!, 'broadcaster', crypto);
        for (const [k, h] of c.htlcOutputs.entries()) {
          const htx = buildHtlcTx(c, h);
          const fee = h.htlc.offered ? timeoutFee : successFee;
          assert.equal(htx.outputs[0]!.value, h.amountSat - fee);
          assert.equal(htx.locktime, h.htlc.offered ? h.htlc.cltvExpiry : 0);
          assert.equal(htx.inputs[0]!.sequence, anchors ? 1 : 0);
          const remoteType = anchors ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
          assert.ok(crypto.verifyEcdsa(remoteSigs[k]!, segwitV0Sighash(htx, 0, h.witnessScript, h.amountSat, remoteType, crypto), p.keys.countersignatoryHtlcPubkey));
          assert.ok(crypto.verifyEcdsa(localSigs[k]!, segwitV0Sighash(htx, 0, h.witnessScript, h.amountSat, SIGHASH_ALL, crypto), p.keys.broadcasterHtlcPubkey));
          txs.push(finalizeHtlcTx(c, h, htx, remoteSigs[k]!, localSigs[k]!, h.htlc.offered ? null : new Uint8Array(32)));
        }
        for (const t of txs) {
          const bytes = serializeTx(t);
          const back = parseTx(bytes);
          assert.ok(!(back instanceof DecodeError));
          assert.deepEqual(back, t);
          assert.equal(toHex(serializeTx(back)), toHex(bytes));
        }
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  test('483 HTLCs: every one untrimmed gets an output and the 3-byte output count round-trips', () => {
    const { params } = buildParams({
      keySeed: 7,
      anchors: true,
      feeratePerKw: 253,
      dustLimitSat: 354n,
      toSelfDelay: 144,
      commitmentNumber: 1n,
      obscureFactor: 0x2bb038521914n,
      htlcs: Array.from({ length: 483 }, (_, i) => ({ offered: i % 2 === 0, amountMsat: 1_000_000n + BigInt(i) * 1000n, edge: null, cltvExpiry: 500 + (i % 6), hashId: i % 3 })),
      localMsat: 1_000_000_000n,
      remoteMsat: 1_000_000_000n,
      isOutbound: true,
    });
    const c = buildCommitmentTx(params, crypto);
    assert.equal(c.htlcOutputs.length, 483);
    assert.equal(c.tx.outputs.length, 483 + 4);
    const back = parseTx(serializeTx(c.tx));
    assert.ok(!(back instanceof DecodeError));
    assert.equal(back.outputs.length, 487);
  });
});
