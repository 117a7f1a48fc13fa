/**
 * HTLC-timeout and HTLC-success transactions, BOLT 3 §"HTLC-Timeout and HTLC-Success
 * Transactions": second-stage spends of the broadcaster's HTLC outputs that move the funds into
 * a `to_local`-style output, so they are delayed by `to_self_delay` and revocable.
 * Vectors: BOLT 3 Appendix C and F, in `test/ln/chan_utils/commitment.test.ts`. Deviations: none.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { encodeWitnessSignature } from '../../bitcoin/der.js';
import { type Bip143Cache, SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, segwitV0Sighash } from '../../bitcoin/sighash.js';
import { compactSizeLen, LeWriter, writeOutput } from '../../bitcoin/serialize.js';
import { sha256d } from '../../crypto/backend.js';
import type { Transaction } from '../../bitcoin/tx.js';
import type { CommitmentHtlcOutput, CommitmentTransaction } from './commitment.js';
import { htlcSuccessFeeSat, htlcTimeoutFeeSat } from './fees.js';
import { entryOf } from '../../util/memo.js';

/**
 * Builds the unsigned second-stage transaction for an untrimmed HTLC of a commitment:
 * version 2; locktime `cltv_expiry` (timeout, for offered HTLCs) or 0 (success, for received);
 * sequence 0, or 1 with anchors; one output of the HTLC's satoshis less the HTLC-tx fee (zero
 * with anchors) to P2WSH(`to_local` script).
 */
export function buildHtlcTx(commitment: CommitmentTransaction, htlc: CommitmentHtlcOutput): Transaction {
  const { channelType, feeratePerKw } = commitment.params;
  const offered = htlc.htlc.offered;
  const fee = offered ? htlcTimeoutFeeSat(feeratePerKw, channelType) : htlcSuccessFeeSat(feeratePerKw, channelType);
  return {
    version: 2,
    inputs: [
      {
        prevout: { txid: commitment.txid, vout: htlc.outputIndex },
        scriptSig: new Uint8Array(0),
        sequence: channelType.anchors ? 1 : 0,
        witness: [],
      },
    ],
    outputs: [{ value: htlc.amountSat - fee, script: commitment.toLocalScriptPubkey }],
    locktime: offered ? htlc.htlc.cltvExpiry : 0,
  };
}

/** Who produces an HTLC-transaction signature: the commitment's broadcaster or its countersignatory. */
export type HtlcSigner = 'broadcaster' | 'countersignatory';

/**
 * The sighash type of an HTLC-transaction signature: with anchors the countersignatory signs
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY so the broadcaster can attach fee inputs and outputs
 * (BOLT 3 §"HTLC-Timeout and HTLC-Success Transactions", BOLT 5); otherwise SIGHASH_ALL.
 */
export function htlcSighashType(anchors: boolean, signer: HtlcSigner): number {
  return anchors && signer === 'countersignatory' ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
}

/** `hashSequence` of a one-input transaction, per sequence value (HTLC txs use only 0 and 1). */
const hashSequenceMemo = new WeakMap<CryptoBackend, Map<number, Uint8Array>>();
function hashSequenceOf(sequence: number, crypto: CryptoBackend): Uint8Array {
  const m = entryOf(hashSequenceMemo, crypto, () => new Map<number, Uint8Array>());
  let h = m.get(sequence);
  if (!h) {
    const w = new LeWriter(new Uint8Array(4));
    w.u32(sequence);
    h = sha256d(crypto, w.buf);
    m.set(sequence, h);
  }
  return h;
}

/**
 * The BIP 143 hash an HTLC-transaction signature commits to. HTLC transactions have one input
 * and one output, so SIGHASH_SINGLE's `hashOutputs` equals SIGHASH_ALL's and `hashSequence`
 * takes one of two values: both are computed once rather than per signature (this runs 483 times
 * per `commitment_signed`).
 */
export function htlcTxSighash(
  commitment: CommitmentTransaction,
  htlc: CommitmentHtlcOutput,
  htlcTx: Transaction,
  signer: HtlcSigner,
  crypto: CryptoBackend,
): Uint8Array {
  const type = htlcSighashType(commitment.params.channelType.anchors, signer);
  const input = htlcTx.inputs[0]!;
  const out = htlcTx.outputs[0]!;
  let cache: Bip143Cache | undefined;
  if (htlcTx.inputs.length === 1 && htlcTx.outputs.length === 1) {
    const prev = new LeWriter(new Uint8Array(36));
    prev.bytes(input.prevout.txid);
    prev.u32(input.prevout.vout);
    const ow = new LeWriter(new Uint8Array(8 + compactSizeLen(out.script.length) + out.script.length));
    writeOutput(ow, out);
    cache = { hashPrevouts: sha256d(crypto, prev.buf), hashSequence: hashSequenceOf(input.sequence, crypto), hashOutputs: sha256d(crypto, ow.buf) };
  }
  return segwitV0Sighash(htlcTx, 0, htlc.witnessScript, htlc.amountSat, type, crypto, cache);
}

/**
 * Signs every untrimmed HTLC's second-stage transaction with `htlcSecret` (the signer's
 * per-commitment HTLC private key), in output order: as the countersignatory this is
 * `commitment_signed.htlc_signatures` (BOLT 2).
 * @returns 64-byte compact signatures.
 */
export function signHtlcTxs(commitment: CommitmentTransaction, htlcSecret: Uint8Array, signer: HtlcSigner, crypto: CryptoBackend): Uint8Array[] {
  const out: Uint8Array[] = new Array(commitment.htlcOutputs.length);
  for (let i = 0; i < commitment.htlcOutputs.length; i++) {
    const h = commitment.htlcOutputs[i]!;
    out[i] = crypto.signEcdsa(htlcTxSighash(commitment, h, buildHtlcTx(commitment, h), signer, crypto), htlcSecret);
  }
  return out;
}

/**
 * Verifies HTLC-transaction signatures (output order, as `htlc_signatures` arrive) against the
 * signer's HTLC pubkey.
 * @param htlcPubkey - the key, or a function giving it: read only when there is a signature to
 *   check, as a commitment's HTLC keys cost an elliptic-curve tweak to derive.
 * @returns the index of the first bad signature, or -1 when all verify (and the count matches).
 */
export function verifyHtlcTxSignatures(
  commitment: CommitmentTransaction,
  sigs: readonly Uint8Array[],
  htlcPubkey: Uint8Array | (() => Uint8Array),
  signer: HtlcSigner,
  crypto: CryptoBackend,
): number {
  const n = commitment.htlcOutputs.length;
  if (sigs.length !== n) return Math.min(sigs.length, n);
  if (n === 0) return -1;
  const key = typeof htlcPubkey === 'function' ? htlcPubkey() : htlcPubkey;
  for (let i = 0; i < n; i++) {
    const h = commitment.htlcOutputs[i]!;
    const hash = htlcTxSighash(commitment, h, buildHtlcTx(commitment, h), signer, crypto);
    if (!crypto.verifyEcdsa(sigs[i]!, hash, key)) return i;
  }
  return -1;
}

/**
 * Fills in an HTLC transaction's witness: `0 <remotehtlcsig> <localhtlcsig> <payment_preimage>`
 * for HTLC-success, `0 <remotehtlcsig> <localhtlcsig> <>` for HTLC-timeout, then the witness
 * script. "remote" is the countersignatory (its sighash byte per {@link htlcSighashType}).
 * @param preimage - the 32-byte preimage for an HTLC-success transaction; `null` for HTLC-timeout.
 */
export function finalizeHtlcTx(
  commitment: CommitmentTransaction,
  htlc: CommitmentHtlcOutput,
  htlcTx: Transaction,
  countersignatorySig: Uint8Array,
  broadcasterSig: Uint8Array,
  preimage: Uint8Array | null,
): Transaction {
  const anchors = commitment.params.channelType.anchors;
  const witness = [
    new Uint8Array(0),
    encodeWitnessSignature(countersignatorySig, htlcSighashType(anchors, 'countersignatory')),
    encodeWitnessSignature(broadcasterSig, htlcSighashType(anchors, 'broadcaster')),
    preimage ?? new Uint8Array(0),
    htlc.witnessScript,
  ];
  const [input] = htlcTx.inputs;
  return { ...htlcTx, inputs: [{ ...input!, witness }] };
}
