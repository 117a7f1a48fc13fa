/**
 * Taproot key-path spends (BIP 341): the signature message over every spent output, and BIP 340
 * Schnorr verification of the 64- or 65-byte witness signature against the output key.
 * Script-path spends (BIP 342 tapscript) are not implemented and report `UNSUPPORTED`.
 * @module
 */
import type { Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { LeWriter, compactSizeLen, writeOutput } from '@lnts/lightning/bitcoin';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { concat } from '@lnts/lightning/util';
import { verifySchnorr } from 'tiny-secp256k1';
import { ScriptFailure } from './errors.js';

/** BIP 341's `SIGHASH_DEFAULT`: a 64-byte signature, committing like SIGHASH_ALL. */
export const SIGHASH_DEFAULT = 0x00;
/** The first byte marking a witness annex (BIP 341). */
export const ANNEX_TAG = 0x50;

/** BIP 340 tagged hash: SHA256(SHA256(tag) ‖ SHA256(tag) ‖ msg). */
export function taggedHash(tag: string, msg: Uint8Array, crypto: CryptoBackend): Uint8Array {
  const t = crypto.sha256(new TextEncoder().encode(tag));
  return crypto.sha256(concat(t, t, msg));
}

function isDefinedHashType(t: number): boolean {
  return t === 0x00 || t === 0x01 || t === 0x02 || t === 0x03 || t === 0x81 || t === 0x82 || t === 0x83;
}

/**
 * The BIP 341 key-path signature hash of input `index` (`ext_flag` 0): `TapSighash` over epoch 0
 * and SigMsg, which commits to every spent amount and scriptPubKey (`spent`, in input order).
 */
export function taprootKeySighash(
  tx: Transaction,
  index: number,
  spent: readonly TxOut[],
  hashType: number,
  annex: Uint8Array | undefined,
  crypto: CryptoBackend,
): Uint8Array {
  const outputType = hashType === SIGHASH_DEFAULT ? 1 : hashType & 3;
  const acp = (hashType & 0x80) !== 0;
  const parts: Uint8Array[] = [Uint8Array.of(0x00, hashType)];
  const u32 = (v: number) => {
    const w = new LeWriter(new Uint8Array(4));
    w.u32(v);
    return w.buf;
  };
  const u64 = (v: bigint) => {
    const w = new LeWriter(new Uint8Array(8));
    w.u64(v);
    return w.buf;
  };
  const script = (s: Uint8Array) => {
    const w = new LeWriter(new Uint8Array(compactSizeLen(s.length) + s.length));
    w.varBytes(s);
    return w.buf;
  };
  const outputBytes = (o: TxOut) => {
    const w = new LeWriter(new Uint8Array(8 + compactSizeLen(o.script.length) + o.script.length));
    writeOutput(w, o);
    return w.buf;
  };
  parts.push(u32(tx.version), u32(tx.locktime));
  if (!acp) {
    parts.push(crypto.sha256(concat(...tx.inputs.map((i) => concat(i.prevout.txid, u32(i.prevout.vout))))));
    parts.push(crypto.sha256(concat(...spent.map((o) => u64(o.value)))));
    parts.push(crypto.sha256(concat(...spent.map((o) => script(o.script)))));
    parts.push(crypto.sha256(concat(...tx.inputs.map((i) => u32(i.sequence)))));
  }
  if (outputType !== 2 && outputType !== 3) parts.push(crypto.sha256(concat(...tx.outputs.map(outputBytes))));
  parts.push(Uint8Array.of(annex ? 1 : 0));
  const input = tx.inputs[index]!;
  if (acp) parts.push(input.prevout.txid, u32(input.prevout.vout), u64(spent[index]!.value), script(spent[index]!.script), u32(input.sequence));
  else parts.push(u32(index));
  if (annex) parts.push(crypto.sha256(script(annex)));
  if (outputType === 3) parts.push(crypto.sha256(outputBytes(tx.outputs[index]!)));
  return taggedHash('TapSighash', concat(...parts), crypto);
}

/**
 * Verifies a witness v1 spend of the 32-byte output key `program`: a key-path signature (with an
 * optional annex), as Core's `VerifyWitnessProgram` / `CheckSchnorrSignature` do.
 * @throws {ScriptFailure} with Core's error on failure; `UNSUPPORTED` for script-path spends.
 */
export function verifyTaprootSpend(
  witness: readonly Uint8Array[],
  program: Uint8Array,
  tx: Transaction,
  index: number,
  spent: readonly TxOut[] | undefined,
  crypto: CryptoBackend,
): void {
  let stack = witness.slice();
  if (stack.length === 0) throw new ScriptFailure('WITNESS_PROGRAM_WITNESS_EMPTY');
  let annex: Uint8Array | undefined;
  if (stack.length >= 2 && stack[stack.length - 1]!.length > 0 && stack[stack.length - 1]![0] === ANNEX_TAG) {
    annex = stack[stack.length - 1]!;
    stack = stack.slice(0, -1);
  }
  // Deviation: tapscript (BIP 342) is not implemented.
  if (stack.length !== 1) throw new ScriptFailure('UNSUPPORTED');
  if (!spent) throw new ScriptFailure('UNSUPPORTED');
  const sig = stack[0]!;
  let hashType = SIGHASH_DEFAULT;
  if (sig.length === 65) {
    hashType = sig[64]!;
    // An explicit 0x00 byte would make two encodings of one signature.
    if (hashType === SIGHASH_DEFAULT) throw new ScriptFailure('SCHNORR_SIG_HASHTYPE');
  } else if (sig.length !== 64) throw new ScriptFailure('SCHNORR_SIG_SIZE');
  if (!isDefinedHashType(hashType)) throw new ScriptFailure('SCHNORR_SIG_HASHTYPE');
  if ((hashType & 3) === 3 && index >= tx.outputs.length) throw new ScriptFailure('SCHNORR_SIG_HASHTYPE');
  const msg = taprootKeySighash(tx, index, spent, hashType, annex, crypto);
  let ok = false;
  try {
    ok = verifySchnorr(msg, program, sig.subarray(0, 64));
  } catch {
    ok = false;
  }
  if (!ok) throw new ScriptFailure('SCHNORR_SIG');
}
