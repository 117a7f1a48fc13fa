import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { p2wpkhForPubkey } from '../../../src/bitcoin/outputs.js';
import { parseTx, serializeTx } from '../../../src/bitcoin/serialize.js';
import { SIGHASH_ALL, segwitV0Sighash } from '../../../src/bitcoin/sighash.js';
import { txidFromHex } from '../../../src/bitcoin/tx.js';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import { buildClosingTx, type ClosingTxParams } from '../../../src/ln/chan_utils/closing.js';
import { fundingScript } from '../../../src/ln/chan_utils/scripts.js';
import { finalizeFundingSpend, signFundingSpend, verifyFundingSpend } from '../../../src/ln/chan_utils/signing.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { hex, P, str } from './fixture.js';

const localScript = p2wpkhForPubkey(hex('local_funding_pubkey'), crypto);
const remoteScript = p2wpkhForPubkey(hex('remote_funding_pubkey'), crypto);
const base: ClosingTxParams = {
  fundingOutpoint: { txid: txidFromHex(P.funding_txid), vout: 0 },
  toHolderValueMsat: 6_999_999_999n,
  toCounterpartyValueMsat: 3_000_000_001n,
  holderScript: localScript,
  counterpartyScript: remoteScript,
  feeSat: 1_000n,
  holderPaysFee: true,
  dustLimitSat: 546n,
  variant: 'legacy',
};

describe('BOLT 3 §"Legacy Closing Transaction" and §"Closing Transaction"', () => {
  test('legacy: whole satoshis, fee from the funder, BIP 69 order, locktime 0, final sequence', () => {
    const tx = buildClosingTx(base);
    assert.equal(tx.version, 2);
    assert.equal(tx.locktime, 0);
    assert.equal(tx.inputs[0]!.sequence, 0xffffffff);
    assert.deepEqual(
      tx.outputs.map((o) => [o.value, toHex(o.script)]),
      [
        [3_000_000n, toHex(remoteScript)],
        [6_998_999n, toHex(localScript)],
      ],
    );
    const other = buildClosingTx({ ...base, holderPaysFee: false });
    assert.deepEqual(other.outputs.map((o) => o.value), [2_999_000n, 6_999_999n]);
  });
  test('outputs below the dust limit are removed; the holder may omit its own', () => {
    const tx = buildClosingTx({ ...base, toHolderValueMsat: 9_999_455_000n, toCounterpartyValueMsat: 545_000n, feeSat: 0n });
    assert.equal(tx.outputs.length, 1);
    assert.equal(toHex(tx.outputs[0]!.script), toHex(localScript));
    const atLimit = buildClosingTx({ ...base, toCounterpartyValueMsat: 546_000n });
    assert.equal(atLimit.outputs.length, 2, 'exactly the dust limit stays');
    assert.equal(buildClosingTx({ ...base, omitHolderOutput: true }).outputs.length, 1);
  });
  test('simple close: locktime from closing_complete, sequence 0xFFFFFFFD, OP_RETURN output of 0 sat', () => {
    const opReturn = fromHex('6a0401020304');
    const tx = buildClosingTx({ ...base, variant: 'simple', locktime: 800_000, counterpartyScript: opReturn });
    assert.equal(tx.locktime, 800_000);
    assert.equal(tx.inputs[0]!.sequence, 0xfffffffd);
    assert.deepEqual(tx.outputs.map((o) => [o.value, toHex(o.script)]), [
      [0n, toHex(opReturn)],
      [6_998_999n, toHex(localScript)],
    ]);
  });
  test('both funding signatures verify against BIP 143; the signed tx round-trips', () => {
    const tx = buildClosingTx(base);
    const ws = fundingScript(hex('local_funding_pubkey'), hex('remote_funding_pubkey'));
    assert.equal(toHex(ws), str('funding_wscript'));
    const value = BigInt(P.funding_sat);
    const sl = signFundingSpend(tx, ws, value, hex('local_funding_privkey'), crypto);
    const sr = signFundingSpend(tx, ws, value, fromHex(P.internal.remote_funding_privkey!), crypto);
    const h = segwitV0Sighash(tx, 0, ws, value, SIGHASH_ALL, crypto);
    assert.ok(crypto.verifyEcdsa(sl, h, hex('local_funding_pubkey')));
    assert.ok(verifyFundingSpend(tx, ws, value, sr, hex('remote_funding_pubkey'), crypto));
    assert.ok(!verifyFundingSpend(tx, ws, value + 1n, sr, hex('remote_funding_pubkey'), crypto), 'value is committed');
    const signed = finalizeFundingSpend(tx, ws, hex('remote_funding_pubkey'), sr, hex('local_funding_pubkey'), sl);
    // Signature order follows the sorted keys, whatever order they were passed in.
    const again = finalizeFundingSpend(tx, ws, hex('local_funding_pubkey'), sl, hex('remote_funding_pubkey'), sr);
    assert.equal(toHex(serializeTx(signed)), toHex(serializeTx(again)));
    const back = parseTx(serializeTx(signed));
    assert.ok(!(back instanceof DecodeError));
    assert.deepEqual(back, signed);
  });
});
