/**
 * What a script may ask of the transaction spending it: ECDSA signature checks over the
 * signature hash (original algorithm for legacy scripts, BIP 143 for segwit v0) and the lock-time
 * checks of OP_CHECKLOCKTIMEVERIFY (BIP 65) and OP_CHECKSEQUENCEVERIFY (BIP 112). Mirrors Bitcoin
 * Core's `GenericTransactionSignatureChecker` and the encoding rules of `interpreter.cpp`.
 * @module
 */
import type { Bip143Cache, Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { bip143Cache, legacySighash, segwitV0Sighash } from '@lnts/lightning/bitcoin';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { VERIFY } from './flags.js';
import { ScriptFailure } from './errors.js';

/** Which signature-hash algorithm and rules apply (Core's `SigVersion`; tapscript is not supported). */
export type SigVersion = 'base' | 'witness_v0';

/** The transaction-dependent checks a script can perform. */
export interface SignatureChecker {
  /** ECDSA check of `sigWithHashtype` (DER ‖ sighash byte) by `pubkey` over `scriptCode`. */
  checkEcdsa(sigWithHashtype: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array, sigversion: SigVersion): boolean;
  /** BIP 65: the transaction's nLockTime satisfies `lockTime`. */
  checkLockTime(lockTime: number): boolean;
  /** BIP 112: the input's nSequence satisfies the relative lock `sequence`. */
  checkSequence(sequence: number): boolean;
  /** The spending transaction, input index and every input's spent output, for taproot (BIP 341); absent where unknown. */
  readonly taprootContext?: { readonly tx: Transaction; readonly index: number; readonly spent: readonly TxOut[] | undefined };
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const LOCKTIME_THRESHOLD = 500_000_000;
const SEQUENCE_FINAL = 0xffffffff;
/** BIP 68: nSequence bit 31 disables the relative lock. */
export const SEQUENCE_LOCKTIME_DISABLE_FLAG = 0x80000000;
/** BIP 68: nSequence bit 22 selects 512-second units instead of blocks. */
export const SEQUENCE_LOCKTIME_TYPE_FLAG = 0x00400000;
/** BIP 68: the low 16 bits carry the lock value. */
export const SEQUENCE_LOCKTIME_MASK = 0x0000ffff;

function bytesToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
function bigTo32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * BIP 66 strict DER with the trailing sighash byte (Core's `IsValidSignatureEncoding`); lengths
 * are checked exactly as Core does so the same byte strings are accepted.
 */
export function isValidSignatureEncoding(sig: Uint8Array): boolean {
  if (sig.length < 9 || sig.length > 73) return false;
  if (sig[0] !== 0x30 || sig[1] !== sig.length - 3) return false;
  const lenR = sig[3]!;
  if (5 + lenR >= sig.length) return false;
  const lenS = sig[5 + lenR]!;
  if (lenR + lenS + 7 !== sig.length) return false;
  if (sig[2] !== 0x02 || lenR === 0 || sig[4]! & 0x80) return false;
  if (lenR > 1 && sig[4] === 0 && !(sig[5]! & 0x80)) return false;
  if (sig[lenR + 4] !== 0x02 || lenS === 0 || sig[lenR + 6]! & 0x80) return false;
  if (lenS > 1 && sig[lenR + 6] === 0 && !(sig[lenR + 7]! & 0x80)) return false;
  return true;
}

/** R and S of a strictly encoded signature (sighash byte excluded from `der`). */
function derScalars(der: Uint8Array): { r: bigint; s: bigint } {
  const lenR = der[3]!;
  const lenS = der[5 + lenR]!;
  return { r: bytesToBig(der.subarray(4, 4 + lenR)), s: bytesToBig(der.subarray(6 + lenR, 6 + lenR + lenS)) };
}

/** BIP 62 rule 5 / BIP 146 LOW_S: S at most n/2. */
export function isLowS(sigWithHashtype: Uint8Array): boolean {
  if (!isValidSignatureEncoding(sigWithHashtype)) return false;
  return derScalars(sigWithHashtype.subarray(0, sigWithHashtype.length - 1)).s <= HALF_N;
}

/** Core's `CheckSignatureEncoding`: empty is allowed (a deliberate failing check), else DER / low-S / defined hashtype per flags. */
export function checkSignatureEncoding(sig: Uint8Array, flags: number): void {
  if (sig.length === 0) return;
  if (flags & (VERIFY.DERSIG | VERIFY.LOW_S | VERIFY.STRICTENC) && !isValidSignatureEncoding(sig)) throw new ScriptFailure('SIG_DER');
  if (flags & VERIFY.LOW_S && !isLowS(sig)) throw new ScriptFailure('SIG_HIGH_S');
  if (flags & VERIFY.STRICTENC) {
    const t = sig[sig.length - 1]! & ~0x80;
    if (t < 1 || t > 3) throw new ScriptFailure('SIG_HASHTYPE');
  }
}

/** Core's `CheckPubKeyEncoding`: STRICTENC wants 33/65-byte SEC encodings; segwit v0 policy wants compressed. */
export function checkPubKeyEncoding(pub: Uint8Array, flags: number, sigversion: SigVersion): void {
  const compressed = pub.length === 33 && (pub[0] === 2 || pub[0] === 3);
  const uncompressed = pub.length === 65 && pub[0] === 4;
  if (flags & VERIFY.STRICTENC && !compressed && !uncompressed) throw new ScriptFailure('PUBKEYTYPE');
  if (flags & VERIFY.WITNESS_PUBKEYTYPE && sigversion === 'witness_v0' && !compressed) throw new ScriptFailure('WITNESS_PUBKEYTYPE');
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

/**
 * A public key as the 33-byte compressed form the crypto seam verifies with: uncompressed (0x04)
 * and hybrid (0x06/0x07) keys, which libsecp256k1 parses, are checked on the curve and compressed.
 */
export function normalizePubkey(pub: Uint8Array): Uint8Array | null {
  if (pub.length === 33 && (pub[0] === 2 || pub[0] === 3)) return pub;
  if (pub.length !== 65 || (pub[0] !== 4 && pub[0] !== 6 && pub[0] !== 7)) return null;
  const x = bytesToBig(pub.subarray(1, 33));
  const y = bytesToBig(pub.subarray(33));
  if (x >= P || y >= P) return null;
  if ((y * y) % P !== (modPow(x, 3n, P) + 7n) % P) return null;
  const odd = (y & 1n) === 1n;
  if (pub[0] !== 4 && odd !== (pub[0] === 7)) return null;
  const out = new Uint8Array(33);
  out[0] = odd ? 3 : 2;
  out.set(pub.subarray(1, 33), 1);
  return out;
}

/**
 * Verifies a DER signature (no sighash byte) the way Core's `CPubKey::Verify` does: S is
 * normalized to low-S first (high S is a policy matter, LOW_S, not consensus), out-of-range
 * scalars simply fail.
 */
export function verifyDerSignature(der: Uint8Array, msg32: Uint8Array, pub: Uint8Array, crypto: CryptoBackend): boolean {
  const key = normalizePubkey(pub);
  if (!key) return false;
  // Core parses leniently here (DER strictness is enforced earlier by flags); strict shapes are all we produce.
  const withType = new Uint8Array(der.length + 1);
  withType.set(der);
  if (!isValidSignatureEncoding(withType)) return false;
  let { r, s } = derScalars(der);
  if (r === 0n || s === 0n || r >= N || s >= N) return false;
  if (s > HALF_N) s = N - s;
  const compact = new Uint8Array(64);
  compact.set(bigTo32(r));
  compact.set(bigTo32(s), 32);
  try {
    return crypto.verifyEcdsa(compact, msg32, key);
  } catch {
    return false;
  }
}

/**
 * The checker for input `index` of `tx`, spending an output of `amount` sat (Core's
 * `TransactionSignatureChecker`); `spent` (every input's spent output) enables taproot.
 */
export class TransactionSignatureChecker implements SignatureChecker {
  private cache: Bip143Cache | undefined;
  readonly taprootContext: { readonly tx: Transaction; readonly index: number; readonly spent: readonly TxOut[] | undefined };
  constructor(
    readonly tx: Transaction,
    readonly index: number,
    readonly amount: bigint,
    readonly crypto: CryptoBackend,
    spent?: readonly TxOut[],
  ) {
    this.taprootContext = { tx, index, spent };
  }

  checkEcdsa(sigWithHashtype: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array, sigversion: SigVersion): boolean {
    if (sigWithHashtype.length === 0) return false;
    const hashType = sigWithHashtype[sigWithHashtype.length - 1]!;
    const der = sigWithHashtype.subarray(0, sigWithHashtype.length - 1);
    let msg: Uint8Array;
    if (sigversion === 'witness_v0') {
      // The transaction-wide hashes are shared by every signature check on this input.
      this.cache ??= bip143Cache(this.tx, this.crypto);
      msg = segwitV0Sighash(this.tx, this.index, scriptCode, this.amount, hashType, this.crypto, this.cache);
    } else {
      msg = legacySighash(this.tx, this.index, scriptCode, hashType, this.crypto);
    }
    return verifyDerSignature(der, msg, pubkey, this.crypto);
  }

  checkLockTime(lockTime: number): boolean {
    const txLock = this.tx.locktime;
    // Height-based and time-based locks are not comparable (BIP 65).
    if (!((txLock < LOCKTIME_THRESHOLD && lockTime < LOCKTIME_THRESHOLD) || (txLock >= LOCKTIME_THRESHOLD && lockTime >= LOCKTIME_THRESHOLD))) return false;
    if (lockTime > txLock) return false;
    // A final input would let the transaction bypass nLockTime altogether.
    return this.tx.inputs[this.index]!.sequence !== SEQUENCE_FINAL;
  }

  checkSequence(sequence: number): boolean {
    const txSeq = this.tx.inputs[this.index]!.sequence >>> 0;
    if ((this.tx.version | 0) < 2) return false;
    if (txSeq & SEQUENCE_LOCKTIME_DISABLE_FLAG) return false;
    const mask = SEQUENCE_LOCKTIME_TYPE_FLAG | SEQUENCE_LOCKTIME_MASK;
    const txMasked = txSeq & mask;
    const masked = sequence & mask;
    const bothBlocks = txMasked < SEQUENCE_LOCKTIME_TYPE_FLAG && masked < SEQUENCE_LOCKTIME_TYPE_FLAG;
    const bothTime = txMasked >= SEQUENCE_LOCKTIME_TYPE_FLAG && masked >= SEQUENCE_LOCKTIME_TYPE_FLAG;
    if (!bothBlocks && !bothTime) return false;
    return masked <= txMasked;
  }
}
