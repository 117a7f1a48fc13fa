// Shared helpers for the regtest tests: deterministic keys, spends of one output, signatures in
// witness form (including deliberately broken ones) and single-input script verification.
import type { OutPoint, Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { derEncodeSignature, encodeWitnessSignature, p2pkhScript, SIGHASH_ALL, segwitV0Sighash } from '@lnts/lightning/bitcoin';
import { nobleBackend } from '@lnts/lightning/crypto';
import { concat } from '@lnts/lightning/util';
import type { ScriptErrorCode } from '../../src/regtest/index.js';
import { STANDARD_FLAGS, TransactionSignatureChecker, verifyScript } from '../../src/regtest/index.js';

export const crypto = nobleBackend;

export interface Key {
  readonly secret: Uint8Array;
  readonly pubkey: Uint8Array;
}

/** A deterministic key from a label. */
export function key(label: string): Key {
  const secret = crypto.sha256(new TextEncoder().encode(`lnts-regtest-test-key/${label}`));
  return { secret, pubkey: crypto.publicKey(secret) };
}

/** A one-input transaction spending `prevout` to `outputs`. */
export function spend(prevout: OutPoint, outputs: TxOut[], opts: { sequence?: number; locktime?: number; version?: number } = {}): Transaction {
  return {
    version: opts.version ?? 2,
    inputs: [{ prevout, scriptSig: new Uint8Array(0), sequence: opts.sequence ?? 0xffffffff, witness: [] }],
    outputs,
    locktime: opts.locktime ?? 0,
  };
}

/** A BIP 143 signature of input `index` as a witness item (DER ‖ sighash byte). */
export function witnessSig(tx: Transaction, index: number, scriptCode: Uint8Array, value: bigint, k: Key, hashType = SIGHASH_ALL): Uint8Array {
  const h = segwitV0Sighash(tx, index, scriptCode, value, hashType, crypto);
  return encodeWitnessSignature(crypto.signEcdsa(h, k.secret), hashType);
}

/** The P2WPKH scriptCode for a key (BIP 143). */
export function p2wpkhCode(pub: Uint8Array): Uint8Array {
  return p2pkhScript(crypto.hash160(pub));
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The same signature with S replaced by n − S: valid under consensus, non-standard (LOW_S). */
export function highS(item: Uint8Array, hashType = SIGHASH_ALL): Uint8Array {
  const der = item.subarray(0, item.length - 1);
  const lenR = der[3]!;
  const r = der.subarray(4, 4 + lenR);
  const s = der.subarray(6 + lenR);
  let sv = 0n;
  for (const b of s) sv = (sv << 8n) | BigInt(b);
  let hs = N - sv;
  const compact = new Uint8Array(64);
  const rr = r[0] === 0 ? r.subarray(1) : r;
  compact.set(rr, 32 - rr.length);
  for (let i = 63; i >= 32; i--) {
    compact[i] = Number(hs & 0xffn);
    hs >>= 8n;
  }
  return concat(derEncodeSignature(compact), Uint8Array.of(hashType));
}

/** Flips one bit of the signature's R so it no longer verifies (still strict DER). */
export function corrupt(item: Uint8Array): Uint8Array {
  const out = item.slice();
  out[out.length - 3] = out[out.length - 3]! ^ 1;
  return out;
}

/** Verifies input `index` of `tx` spending `prev` under `flags` (standard by default). */
export function verifyInput(tx: Transaction, index: number, prev: TxOut, flags = STANDARD_FLAGS): ScriptErrorCode | null {
  const input = tx.inputs[index]!;
  const checker = new TransactionSignatureChecker(tx, index, prev.value, crypto);
  return verifyScript(input.scriptSig, prev.script, input.witness, flags, checker, crypto);
}

/** Returns `tx` with input `index`'s witness set. */
export function withWitness(tx: Transaction, index: number, witness: Uint8Array[]): Transaction {
  return { ...tx, inputs: tx.inputs.map((i, k) => (k === index ? { ...i, witness } : i)) };
}

/** A deterministic fake prevout. */
export function fakeOutpoint(label: string, vout = 0): OutPoint {
  return { txid: crypto.sha256(new TextEncoder().encode(label)), vout };
}
