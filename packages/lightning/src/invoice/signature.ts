/**
 * The invoice signature of BOLT 11 §"Data Part": compact ECDSA/secp256k1 over SHA-256 of the
 * human-readable part (UTF-8) followed by the data part without the signature, zero-padded to a
 * byte boundary; 64 bytes r‖s and a recovery id in {0,1,2,3}.
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { concat, utf8 } from '../util/bytes.js';
import { bytesToWords, wordsToBytesPadded } from './words.js';

/** n/2 of secp256k1: a signature with s above it is high-S (BIP 62 / Bitcoin Core #6769). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * A signature producer for {@link InvoiceBuilder}: signs the 32-byte invoice hash and returns the
 * compact signature with its recovery id (a hardware signer, a remote `NodeSigner`...).
 */
export type InvoiceSigner = (hash32: Uint8Array) => { sig: Uint8Array; recid: number };

/** The bytes the signature covers: `hrp` as UTF-8 ‖ data words packed and zero-padded. */
export function signingData(hrp: string, dataWords: ArrayLike<number>): Uint8Array {
  return concat(utf8(hrp), wordsToBytesPadded(dataWords));
}

/** The 32-byte hash that is signed. */
export function signingHash(hrp: string, dataWords: ArrayLike<number>, crypto: CryptoBackend): Uint8Array {
  return crypto.sha256(signingData(hrp, dataWords));
}

/** True when `s` of a 64-byte compact signature is above n/2. */
export function isHighS(sig64: Uint8Array): boolean {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(sig64[i]!);
  return s > HALF_ORDER;
}

/** The 104 signature words: r‖s‖recid as 65 bytes. */
export function signatureWords(sig64: Uint8Array, recid: number): number[] {
  const b = new Uint8Array(65);
  b.set(sig64);
  b[64] = recid;
  return bytesToWords(b);
}
