/**
 * Signing and verifying the funding-input spend (commitment and closing transactions):
 * BIP 143 SIGHASH_ALL over the 2-of-2 funding script (BOLT 3 §"Funding Transaction Output").
 * Wire signatures are 64-byte compact (BOLT 2 `commitment_signed.signature`); witnesses carry
 * DER plus the sighash byte.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { encodeWitnessSignature } from '../../bitcoin/der.js';
import { SIGHASH_ALL, segwitV0Sighash } from '../../bitcoin/sighash.js';
import type { Transaction } from '../../bitcoin/tx.js';
import { compareBytes } from '../../util/bytes.js';
import type { CommitmentTransaction } from './commitment.js';

/** BIP 143 SIGHASH_ALL hash of input 0 spending the funding output. */
export function fundingSpendSighash(tx: Transaction, fundingScript: Uint8Array, fundingSatoshis: bigint, crypto: CryptoBackend): Uint8Array {
  return segwitV0Sighash(tx, 0, fundingScript, fundingSatoshis, SIGHASH_ALL, crypto);
}

/** Signs the funding-input spend with a funding private key; returns a 64-byte compact signature. */
export function signFundingSpend(
  tx: Transaction,
  fundingScript: Uint8Array,
  fundingSatoshis: bigint,
  fundingSecret: Uint8Array,
  crypto: CryptoBackend,
): Uint8Array {
  return crypto.signEcdsa(fundingSpendSighash(tx, fundingScript, fundingSatoshis, crypto), fundingSecret);
}

/** Verifies a compact signature on the funding-input spend against a funding pubkey. */
export function verifyFundingSpend(
  tx: Transaction,
  fundingScript: Uint8Array,
  fundingSatoshis: bigint,
  sig: Uint8Array,
  fundingPubkey: Uint8Array,
  crypto: CryptoBackend,
): boolean {
  return crypto.verifyEcdsa(sig, fundingSpendSighash(tx, fundingScript, fundingSatoshis, crypto), fundingPubkey);
}

/**
 * Returns `tx` with the funding input's witness `0 <signature_for_pubkey1> <signature_for_pubkey2>
 * <funding script>`, signatures ordered like the sorted keys in the script.
 */
export function finalizeFundingSpend(
  tx: Transaction,
  fundingScript: Uint8Array,
  pubkeyA: Uint8Array,
  sigA: Uint8Array,
  pubkeyB: Uint8Array,
  sigB: Uint8Array,
): Transaction {
  const a = encodeWitnessSignature(sigA, SIGHASH_ALL);
  const b = encodeWitnessSignature(sigB, SIGHASH_ALL);
  const [first, second] = compareBytes(pubkeyA, pubkeyB) <= 0 ? [a, b] : [b, a];
  const [input, ...rest] = tx.inputs;
  return { ...tx, inputs: [{ ...input!, witness: [new Uint8Array(0), first, second, fundingScript] }, ...rest] };
}

/** Signs a commitment transaction with a funding private key (`commitment_signed.signature`, BOLT 2); 64-byte compact. */
export function signCommitmentTx(commitment: CommitmentTransaction, fundingSecret: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return signFundingSpend(commitment.tx, commitment.fundingScript, commitment.params.fundingSatoshis, fundingSecret, crypto);
}

/** Verifies a peer's `commitment_signed.signature` on our commitment transaction. */
export function verifyCommitmentSignature(commitment: CommitmentTransaction, sig: Uint8Array, fundingPubkey: Uint8Array, crypto: CryptoBackend): boolean {
  return verifyFundingSpend(commitment.tx, commitment.fundingScript, commitment.params.fundingSatoshis, sig, fundingPubkey, crypto);
}

/** The broadcastable commitment transaction: both parties' signatures in the funding witness (BOLT 3 §"Commitment Transaction"). */
export function finalizeCommitmentTx(commitment: CommitmentTransaction, broadcasterSig: Uint8Array, countersignatorySig: Uint8Array): Transaction {
  const k = commitment.params.keys;
  return finalizeFundingSpend(commitment.tx, commitment.fundingScript, k.broadcasterFundingPubkey, broadcasterSig, k.countersignatoryFundingPubkey, countersignatorySig);
}
