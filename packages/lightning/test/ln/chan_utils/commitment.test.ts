import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { derEncodeSignature } from '../../../src/bitcoin/der.js';
import { parseTx, serializeTx, txid, weight } from '../../../src/bitcoin/serialize.js';
import { txidToHex } from '../../../src/bitcoin/tx.js';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import { buildCommitmentTx, commitmentNumberFromTx, type CommitmentTransaction } from '../../../src/ln/chan_utils/commitment.js';
import {
  commitmentTxFeeSat,
  commitmentTxWeight,
  COMMITMENT_TX_BASE_WEIGHT,
  COMMITMENT_TX_BASE_WEIGHT_ANCHORS,
  COMMITMENT_TX_WEIGHT_PER_HTLC,
  HTLC_SUCCESS_TX_WEIGHT,
  HTLC_SUCCESS_TX_WEIGHT_ANCHORS,
  HTLC_TIMEOUT_TX_WEIGHT,
  HTLC_TIMEOUT_TX_WEIGHT_ANCHORS,
  htlcSuccessFeeSat,
  htlcTimeoutFeeSat,
  isHtlcTrimmed,
} from '../../../src/ln/chan_utils/fees.js';
import { buildHtlcTx, finalizeHtlcTx, htlcTxSighash, signHtlcTxs, verifyHtlcTxSignatures } from '../../../src/ln/chan_utils/htlc_tx.js';
import { fundingScript } from '../../../src/ln/chan_utils/scripts.js';
import {
  finalizeCommitmentTx,
  finalizeFundingSpend,
  signCommitmentTx,
  signFundingSpend,
  verifyCommitmentSignature,
  verifyFundingSpend,
} from '../../../src/ln/chan_utils/signing.js';
import { APIMisuseError, DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { type CommitTxVector, hex, P, str, V, vectorParams } from './fixture.js';

const localFundingSecret = hex('local_funding_privkey');
const remoteFundingSecret = fromHex(P.internal.remote_funding_privkey!);
const localHtlcSecret = hex('local_privkey');
const remoteHtlcSecret = fromHex(P.internal.remote_privkey!);

function checkCommitment(v: CommitTxVector, anchors: boolean): CommitmentTransaction {
  const c = buildCommitmentTx(vectorParams(v, anchors, crypto), crypto);
  const remoteSig = signFundingSpend(c.tx, c.fundingScript, c.params.fundingSatoshis, remoteFundingSecret, crypto);
  const localSig = signFundingSpend(c.tx, c.fundingScript, c.params.fundingSatoshis, localFundingSecret, crypto);
  // RFC 6979 is deterministic: our signatures are the spec's bytes.
  assert.equal(toHex(derEncodeSignature(remoteSig)), v.remote_sig, 'remote commitment signature');
  if (v.local_sig) assert.equal(toHex(derEncodeSignature(localSig)), v.local_sig, 'local commitment signature');
  assert.ok(verifyFundingSpend(c.tx, c.fundingScript, c.params.fundingSatoshis, remoteSig, hex('remote_funding_pubkey'), crypto));
  assert.ok(verifyFundingSpend(c.tx, c.fundingScript, c.params.fundingSatoshis, localSig, hex('local_funding_pubkey'), crypto));
  assert.ok(!verifyFundingSpend(c.tx, c.fundingScript, c.params.fundingSatoshis, remoteSig, hex('local_funding_pubkey'), crypto));
  const signed = finalizeFundingSpend(c.tx, c.fundingScript, hex('local_funding_pubkey'), localSig, hex('remote_funding_pubkey'), remoteSig);
  // The whole transaction, byte for byte: also checks the local signature where the spec gives only the tx.
  assert.equal(toHex(serializeTx(signed)), v.tx);
  // The same through the CommitmentTransaction helpers the channel uses.
  assert.equal(toHex(signCommitmentTx(c, remoteFundingSecret, crypto)), toHex(remoteSig));
  assert.ok(verifyCommitmentSignature(c, localSig, hex('local_funding_pubkey'), crypto));
  assert.ok(!verifyCommitmentSignature(c, localSig, hex('remote_funding_pubkey'), crypto));
  assert.equal(toHex(serializeTx(finalizeCommitmentTx(c, localSig, remoteSig))), v.tx);
  assert.equal(toHex(txid(signed, crypto)), toHex(c.txid), 'txid ignores the witness');
  assert.equal(commitmentNumberFromTx(c.tx.locktime, c.tx.inputs[0]!.sequence, c.params.obscureFactor), 42n);
  const parsed = parseTx(fromHex(v.tx));
  assert.ok(!(parsed instanceof DecodeError));
  assert.deepEqual(parsed, signed);

  // Remote and local HTLC-transaction signatures, then the full HTLC transactions.
  assert.equal(c.htlcOutputs.length, v.htlc_txs.length, 'untrimmed HTLCs');
  if (v.num_htlcs !== undefined) assert.equal(c.htlcOutputs.length, v.num_htlcs);
  const remoteHtlcSigs = signHtlcTxs(c, remoteHtlcSecret, 'countersignatory', crypto);
  const localHtlcSigs = signHtlcTxs(c, localHtlcSecret, 'broadcaster', crypto);
  assert.equal(verifyHtlcTxSignatures(c, remoteHtlcSigs, hex('remote_htlcpubkey'), 'countersignatory', crypto), -1);
  assert.equal(verifyHtlcTxSignatures(c, localHtlcSigs, hex('local_htlcpubkey'), 'broadcaster', crypto), -1);
  if (remoteHtlcSigs.length > 0) {
    assert.equal(verifyHtlcTxSignatures(c, localHtlcSigs, hex('remote_htlcpubkey'), 'countersignatory', crypto), 0);
  }
  for (const [k, hv] of v.htlc_txs.entries()) {
    const h = c.htlcOutputs[k]!;
    assert.equal(h.outputIndex, hv.output, `htlc tx ${k} spends output ${hv.output}`);
    assert.equal(h.htlc.offered, hv.type === 'timeout');
    assert.equal(toHex(derEncodeSignature(remoteHtlcSigs[k]!)), hv.remote_sig, `remote htlc sig ${k}`);
    if (hv.local_sig) assert.equal(toHex(derEncodeSignature(localHtlcSigs[k]!)), hv.local_sig, `local htlc sig ${k}`);
    const htx = buildHtlcTx(c, h);
    assert.ok(crypto.verifyEcdsa(remoteHtlcSigs[k]!, htlcTxSighash(c, h, htx, 'countersignatory', crypto), hex('remote_htlcpubkey')));
    const preimage = hv.type === 'success' ? fromHex(P.htlcs[hv.htlc]!.preimage) : null;
    const full = finalizeHtlcTx(c, h, htx, remoteHtlcSigs[k]!, localHtlcSigs[k]!, preimage);
    assert.equal(toHex(serializeTx(full)), hv.tx, `htlc tx ${k}`);
  }
  return c;
}

describe('BOLT 3 Appendix C: commitment and HTLC transactions', () => {
  test('shared parameters: funding script, obscuring factor', () => {
    assert.equal(toHex(fundingScript(hex('remote_funding_pubkey'), hex('local_funding_pubkey'))), str('funding_wscript'));
    const c = buildCommitmentTx(vectorParams(V.commit_txs[0]!, false, crypto), crypto);
    assert.equal(c.params.obscureFactor, BigInt(`0x${str('obscuring_factor')}`));
  });
  for (const v of V.commit_txs) {
    test(v.name, () => {
      const c = checkCommitment(v, false);
      if (v.base_fee_sat !== undefined) assert.equal(c.baseFeeSat, BigInt(v.base_fee_sat));
      if (v.actual_fee_sat !== undefined) assert.equal(c.totalFeeSat, BigInt(v.actual_fee_sat));
      // Each output the spec's comments list, with its value and script.
      for (const o of v.outputs ?? []) {
        const k = c.outputs.findIndex((info, i) =>
          o.htlc !== undefined ? info.kind === 'htlc' && c.params.htlcs[info.htlcIndex!] && c.htlcOutputIndices[vectorIndex(v, o.htlc)] === i : info.kind === o.type,
        );
        assert.ok(k >= 0, `output ${o.type} ${o.htlc ?? ''}`);
        assert.equal(c.tx.outputs[k]!.value, BigInt(o.amount_sat));
        if (o.wscript) assert.equal(toHex(c.outputs[k]!.witnessScript!), o.wscript);
      }
    });
  }
});

function vectorIndex(v: CommitTxVector, htlcId: number): number {
  const ids = v.name.includes('2 offered having the same amount') ? [1, 5, 6] : [0, 1, 2, 3, 4];
  return ids.indexOf(htlcId);
}

describe('BOLT 3 Appendix F: commitment and HTLC transactions with option_anchors', () => {
  for (const v of V.anchor_commit_txs) {
    test(v.name, () => {
      const c = checkCommitment(v, true);
      const has = (k: string) => c.outputs.some((o) => o.kind === k);
      const anyHtlc = c.htlcOutputs.length > 0;
      // BOLT 3: an anchor for each side that has an output, both when any HTLC is untrimmed.
      assert.equal(has('to_local_anchor'), has('to_local') || anyHtlc);
      assert.equal(has('to_remote_anchor'), has('to_remote') || anyHtlc);
      if (v.name.includes('single anchor')) assert.equal(c.tx.outputs.length, 2);
    });
  }
});

describe('BOLT 3 Appendix A and §"Fees": weights and the fee example', () => {
  test('expected weights', () => {
    const w = V.weights[0]!;
    assert.equal(COMMITMENT_TX_BASE_WEIGHT, w.commit_base);
    assert.equal(COMMITMENT_TX_BASE_WEIGHT_ANCHORS, w.commit_base_anchors);
    assert.equal(COMMITMENT_TX_WEIGHT_PER_HTLC, w.per_htlc_output);
    assert.equal(HTLC_TIMEOUT_TX_WEIGHT, w.htlc_timeout);
    assert.equal(HTLC_TIMEOUT_TX_WEIGHT_ANCHORS, w.htlc_timeout_anchors);
    assert.equal(HTLC_SUCCESS_TX_WEIGHT, w.htlc_success);
    assert.equal(HTLC_SUCCESS_TX_WEIGHT_ANCHORS, w.htlc_success_anchors);
  });
  test('expected weight bounds the real weight of a signed vector commitment (73-byte signatures assumed)', () => {
    const v = V.commit_txs[1]!; // five HTLCs untrimmed
    const real = weight(parseTx(fromHex(v.tx)) as never);
    const expected = commitmentTxWeight(5, { anchors: false });
    assert.ok(real <= expected && real > expected - 10, `${real} vs ${expected}`);
  });
  test('fee calculation example', () => {
    const e = V.fee_example[0]!;
    const ct = { anchors: false };
    assert.equal(htlcTimeoutFeeSat(e.feerate_per_kw, ct), BigInt(e.htlc_timeout_fee_sat));
    assert.equal(htlcSuccessFeeSat(e.feerate_per_kw, ct), BigInt(e.htlc_success_fee_sat));
    const htlcs = [...e.offered_msat.map((m) => ({ offered: true, m })), ...e.received_msat.map((m) => ({ offered: false, m }))];
    const untrimmed = htlcs.filter((h) => !isHtlcTrimmed(h.offered, BigInt(h.m), e.feerate_per_kw, BigInt(e.dust_limit_sat), ct));
    const trimmed = htlcs.filter((h) => isHtlcTrimmed(h.offered, BigInt(h.m), e.feerate_per_kw, BigInt(e.dust_limit_sat), ct));
    assert.deepEqual(untrimmed.map((h) => h.m), e.untrimmed_msat);
    assert.deepEqual(trimmed.map((h) => h.m), e.trimmed_msat);
    assert.equal(commitmentTxWeight(untrimmed.length, ct), e.weight);
    assert.equal(commitmentTxFeeSat(e.feerate_per_kw, untrimmed.length, ct), BigInt(e.base_fee_sat));
    const actual = commitmentTxFeeSat(e.feerate_per_kw, untrimmed.length, ct) + trimmed.reduce((a, h) => a + BigInt(h.m) / 1000n, 0n);
    assert.equal(actual, BigInt(e.actual_fee_sat));
  });
});

describe('builder preconditions', () => {
  test('committing more than the channel value is an APIMisuseError', () => {
    const p = vectorParams(V.commit_txs[1]!, false, crypto);
    assert.throws(() => buildCommitmentTx({ ...p, toBroadcasterValueMsat: p.toBroadcasterValueMsat + 1n }, crypto), APIMisuseError);
    assert.doesNotThrow(() => buildCommitmentTx({ ...p, toBroadcasterValueMsat: p.toBroadcasterValueMsat - 1n }, crypto));
  });
});

describe('commitment txid', () => {
  test('HTLC transactions spend the commitment txid', () => {
    const v = V.commit_txs[1]!;
    const c = buildCommitmentTx(vectorParams(v, false, crypto), crypto);
    const htx = parseTx(fromHex(v.htlc_txs[0]!.tx));
    assert.ok(!(htx instanceof DecodeError));
    assert.equal(txidToHex(htx.inputs[0]!.prevout.txid), txidToHex(c.txid));
  });
});
