/**
 * Signature hashes: BIP 143 for segwit v0 inputs (every Lightning spend) and the original
 * algorithm for legacy inputs (BOLT 3 Appendix B's funding transaction spends a P2PKH coinbase).
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { sha256d } from '../crypto/backend.js';
import { compactSizeLen, LeWriter, serializeTx, writeOutput } from './serialize.js';
import { equalBytes } from '../util/bytes.js';
import { entryOf } from '../util/memo.js';
import type { OutPoint, Transaction } from './tx.js';

/** Sign every input and output (BOLT 3's default). */
export const SIGHASH_ALL = 0x01;
/** Sign no outputs. */
export const SIGHASH_NONE = 0x02;
/** Sign only the output at the input's index. */
export const SIGHASH_SINGLE = 0x03;
/** Modifier: sign only this input. */
export const SIGHASH_ANYONECANPAY = 0x80;
/** BOLT 3 / BOLT 5 anchors: the counterparty's HTLC-transaction signatures, so fees can be added. */
export const SIGHASH_SINGLE_ANYONECANPAY = SIGHASH_SINGLE | SIGHASH_ANYONECANPAY;

const ZERO32 = new Uint8Array(32);

/**
 * Precomputed BIP 143 hashes of a transaction (`hashPrevouts`, `hashSequence`, `hashOutputs`
 * for SIGHASH_ALL); reuse them when signing several inputs of one transaction.
 */
export interface Bip143Cache {
  readonly hashPrevouts: Uint8Array;
  readonly hashSequence: Uint8Array;
  readonly hashOutputs: Uint8Array;
}

// `hashPrevouts` of a one-input transaction is a function of that outpoint alone, and a channel
// signs and checks every commitment over the same funding outpoint object (two sighashes per
// update, each side): keep it per outpoint object (and backend), used only while the outpoint
// still names the same output.
type PrevoutHash = { readonly txid: Uint8Array; readonly vout: number; readonly hash: Uint8Array };
const singlePrevoutHashes = new WeakMap<CryptoBackend, WeakMap<OutPoint, PrevoutHash>>();

function singlePrevoutHash(o: OutPoint, crypto: CryptoBackend): Uint8Array {
  const m = entryOf(singlePrevoutHashes, crypto, () => new WeakMap<OutPoint, PrevoutHash>());
  const known = m.get(o);
  if (known && known.vout === o.vout && equalBytes(known.txid, o.txid)) return known.hash;
  const hash = hashPrevoutsOf([o], crypto);
  m.set(o, { txid: o.txid.slice(), vout: o.vout, hash });
  return hash;
}

/** Computes the {@link Bip143Cache} of a transaction. */
export function bip143Cache(tx: Transaction, crypto: CryptoBackend): Bip143Cache {
  const seq = new LeWriter(new Uint8Array(4 * tx.inputs.length));
  for (const i of tx.inputs) seq.u32(i.sequence);
  let outLen = 0;
  for (const o of tx.outputs) outLen += 8 + compactSizeLen(o.script.length) + o.script.length;
  const outs = new LeWriter(new Uint8Array(outLen));
  for (const o of tx.outputs) writeOutput(outs, o);
  return {
    hashPrevouts: tx.inputs.length === 1 ? singlePrevoutHash(tx.inputs[0]!.prevout, crypto) : hashPrevoutsOf(tx.inputs.map((i) => i.prevout), crypto),
    hashSequence: sha256d(crypto, seq.buf),
    hashOutputs: sha256d(crypto, outs.buf),
  };
}

function hashPrevoutsOf(prevouts: readonly OutPoint[], crypto: CryptoBackend): Uint8Array {
  const prev = new LeWriter(new Uint8Array(36 * prevouts.length));
  for (const o of prevouts) {
    prev.bytes(o.txid);
    prev.u32(o.vout);
  }
  return sha256d(crypto, prev.buf);
}

/**
 * The BIP 143 signature hash of input `index` spending a segwit v0 output of `value` sat.
 * `scriptCode` is the witness script for P2WSH (BOLT 3's scripts contain no OP_CODESEPARATOR)
 * or the P2PKH template for P2WPKH.
 */
export function segwitV0Sighash(
  tx: Transaction,
  index: number,
  scriptCode: Uint8Array,
  value: bigint,
  sighashType: number,
  crypto: CryptoBackend,
  cache?: Bip143Cache,
): Uint8Array {
  const input = tx.inputs[index];
  if (!input) throw new RangeError(`no input ${index}`);
  const base = sighashType & 0x1f;
  const acp = (sighashType & SIGHASH_ANYONECANPAY) !== 0;
  let c = cache;
  const all = (): Bip143Cache => {
    c ??= bip143Cache(tx, crypto);
    return c;
  };
  const hashPrevouts: Uint8Array = acp ? ZERO32 : all().hashPrevouts;
  const hashSequence: Uint8Array = acp || base === SIGHASH_SINGLE || base === SIGHASH_NONE ? ZERO32 : all().hashSequence;
  let hashOutputs: Uint8Array = ZERO32;
  if (base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) {
    hashOutputs = all().hashOutputs;
  } else if (base === SIGHASH_SINGLE && index === 0 && tx.outputs.length === 1 && c) {
    // With one output, the output at the input's index is all of them.
    hashOutputs = c.hashOutputs;
  } else if (base === SIGHASH_SINGLE && index < tx.outputs.length) {
    const o = tx.outputs[index]!;
    const ow = new LeWriter(new Uint8Array(8 + compactSizeLen(o.script.length) + o.script.length));
    writeOutput(ow, o);
    hashOutputs = sha256d(crypto, ow.buf);
  }
  const w = new LeWriter(new Uint8Array(4 + 32 + 32 + 36 + compactSizeLen(scriptCode.length) + scriptCode.length + 8 + 4 + 32 + 4 + 4));
  w.u32(tx.version);
  w.bytes(hashPrevouts);
  w.bytes(hashSequence);
  w.bytes(input.prevout.txid);
  w.u32(input.prevout.vout);
  w.varBytes(scriptCode);
  w.u64(value);
  w.u32(input.sequence);
  w.bytes(hashOutputs);
  w.u32(tx.locktime);
  w.u32(sighashType >>> 0);
  return sha256d(crypto, w.buf);
}

/**
 * The original (pre-segwit) signature hash of input `index` with `scriptCode` (the spent
 * output's scriptPubKey). Deviation: OP_CODESEPARATOR and FindAndDelete are not applied — no
 * script Lightning signs uses them.
 */
export function legacySighash(
  tx: Transaction,
  index: number,
  scriptCode: Uint8Array,
  sighashType: number,
  crypto: CryptoBackend,
): Uint8Array {
  const base = sighashType & 0x1f;
  const acp = (sighashType & SIGHASH_ANYONECANPAY) !== 0;
  if (base === SIGHASH_SINGLE && index >= tx.outputs.length) {
    // Bitcoin Core's historical quirk: the "hash" is 1.
    const one = new Uint8Array(32);
    one[0] = 1;
    return one;
  }
  const inputs = tx.inputs
    .map((inp, k) => ({
      prevout: inp.prevout,
      scriptSig: k === index ? scriptCode : new Uint8Array(0),
      sequence: k !== index && (base === SIGHASH_NONE || base === SIGHASH_SINGLE) ? 0 : inp.sequence,
      witness: [],
    }))
    .filter((_, k) => !acp || k === index);
  let outputs = tx.outputs;
  if (base === SIGHASH_NONE) outputs = [];
  else if (base === SIGHASH_SINGLE)
    outputs = tx.outputs.slice(0, index + 1).map((o, k) => (k === index ? o : { value: 0xffffffffffffffffn, script: new Uint8Array(0) }));
  const body = serializeTx({ version: tx.version, inputs, outputs, locktime: tx.locktime }, { witness: false });
  const pre = new Uint8Array(body.length + 4);
  pre.set(body);
  new LeWriter(pre.subarray(body.length)).u32(sighashType >>> 0);
  return sha256d(crypto, pre);
}
