/**
 * Transaction serialization: the original format and BIP 144's segwit format (marker 0x00,
 * flag 0x01, witnesses after the outputs), txid/wtxid (BIP 141), weight and virtual size.
 * Hand-written because this is on the commitment hot path: one exact-size allocation per
 * transaction (see the report in `packages/node/bench/commitment.bench.ts` for the comparison
 * against @scure/btc-signer).
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { sha256d } from '../crypto/backend.js';
import { DecodeError } from '../util/errors.js';
import type { Transaction, TxIn, TxOut } from './tx.js';

/** Size of a Bitcoin CompactSize ("varint") prefix. */
export function compactSizeLen(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** A little-endian writer over an exactly-sized buffer. */
export class LeWriter {
  /** Offset of the next byte. */
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  /** byte */
  u8(v: number): void {
    this.buf[this.pos++] = v;
  }
  /** u32 little-endian */
  u32(v: number): void {
    const b = this.buf;
    let p = this.pos;
    b[p++] = v & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 24) & 0xff;
    this.pos = p;
  }
  /** u64 little-endian */
  u64(v: bigint): void {
    const lo = Number(v & 0xffffffffn);
    const hi = Number((v >> 32n) & 0xffffffffn);
    this.u32(lo);
    this.u32(hi);
  }
  /** CompactSize */
  compactSize(n: number): void {
    if (n < 0xfd) this.u8(n);
    else if (n <= 0xffff) {
      this.u8(0xfd);
      this.u8(n & 0xff);
      this.u8(n >>> 8);
    } else if (n <= 0xffffffff) {
      this.u8(0xfe);
      this.u32(n);
    } else {
      this.u8(0xff);
      this.u64(BigInt(n));
    }
  }
  /** raw bytes */
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** CompactSize length then bytes */
  varBytes(b: Uint8Array): void {
    this.compactSize(b.length);
    this.bytes(b);
  }
}

/** True when any input carries a witness, so BIP 144 serialization applies. */
export function hasWitness(tx: Transaction): boolean {
  for (const i of tx.inputs) if (i.witness.length > 0) return true;
  return false;
}

function inputsSize(ins: readonly TxIn[]): number {
  let n = compactSizeLen(ins.length);
  for (const i of ins) n += 36 + compactSizeLen(i.scriptSig.length) + i.scriptSig.length + 4;
  return n;
}
function outputsSize(outs: readonly TxOut[]): number {
  let n = compactSizeLen(outs.length);
  for (const o of outs) n += 8 + compactSizeLen(o.script.length) + o.script.length;
  return n;
}
function witnessSize(ins: readonly TxIn[]): number {
  let n = 0;
  for (const i of ins) {
    n += compactSizeLen(i.witness.length);
    for (const w of i.witness) n += compactSizeLen(w.length) + w.length;
  }
  return n;
}

/** Serialized size without witness data (BIP 141 "base size"). */
export function baseSize(tx: Transaction): number {
  return 8 + inputsSize(tx.inputs) + outputsSize(tx.outputs);
}
/** Serialized size with witness data when present (BIP 141 "total size"). */
export function totalSize(tx: Transaction): number {
  const b = baseSize(tx);
  return hasWitness(tx) ? b + 2 + witnessSize(tx.inputs) : b;
}
/** BIP 141 weight: base size × 3 + total size. */
export function weight(tx: Transaction): number {
  return baseSize(tx) * 3 + totalSize(tx);
}
/** BIP 141 virtual size: weight / 4, rounded up. */
export function vsize(tx: Transaction): number {
  return Math.ceil(weight(tx) / 4);
}

/** Writes the outputs (count and each), as both serialization and BIP 143 `hashOutputs` need. */
export function writeOutput(w: LeWriter, o: TxOut): void {
  w.u64(o.value);
  w.varBytes(o.script);
}

/**
 * Serializes a transaction. With `witness` (the default) a transaction with any witness uses
 * BIP 144's format; otherwise, and always for txid, the original format.
 */
export function serializeTx(tx: Transaction, opts: { witness?: boolean } = {}): Uint8Array {
  const withWitness = (opts.witness ?? true) && hasWitness(tx);
  const size = withWitness ? totalSize(tx) : baseSize(tx);
  const w = new LeWriter(new Uint8Array(size));
  w.u32(tx.version);
  if (withWitness) {
    w.u8(0);
    w.u8(1);
  }
  w.compactSize(tx.inputs.length);
  for (const i of tx.inputs) {
    w.bytes(i.prevout.txid);
    w.u32(i.prevout.vout);
    w.varBytes(i.scriptSig);
    w.u32(i.sequence);
  }
  w.compactSize(tx.outputs.length);
  for (const o of tx.outputs) writeOutput(w, o);
  if (withWitness) {
    for (const i of tx.inputs) {
      w.compactSize(i.witness.length);
      for (const item of i.witness) w.varBytes(item);
    }
  }
  w.u32(tx.locktime);
  return w.buf;
}

/** txid in internal byte order: double SHA-256 of the non-witness serialization (BIP 141). */
export function txid(tx: Transaction, crypto: CryptoBackend): Uint8Array {
  return sha256d(crypto, serializeTx(tx, { witness: false }));
}
/** wtxid in internal byte order: double SHA-256 of the full serialization (BIP 141). */
export function wtxid(tx: Transaction, crypto: CryptoBackend): Uint8Array {
  return sha256d(crypto, serializeTx(tx));
}

/** A little-endian reader that throws {@link DecodeError} on short reads. */
class LeReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) throw new DecodeError('ShortRead', `${what}: need ${n} bytes`);
  }
  u8(): number {
    this.need(1, 'byte');
    return this.buf[this.pos++]!;
  }
  u32(): number {
    this.need(4, 'u32');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }
  u64(): bigint {
    const lo = this.u32();
    const hi = this.u32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  compactSize(): number {
    const first = this.u8();
    let v: number;
    let min: number;
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2, 'compactsize');
      v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8);
      this.pos += 2;
      min = 0xfd;
    } else if (first === 0xfe) {
      v = this.u32();
      min = 0x10000;
    } else {
      const big = this.u64();
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('InvalidValue', 'compactsize too large');
      v = Number(big);
      min = 0x100000000;
    }
    // Bitcoin Core rejects non-canonical sizes; accepting them would break txid round trips.
    if (v < min) throw new DecodeError('InvalidValue', 'non-canonical compactsize');
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n, 'bytes');
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  count(minItemSize: number, what: string): number {
    const n = this.compactSize();
    // Reject counts the remaining bytes cannot hold before allocating anything for them.
    if (n * minItemSize > this.buf.length - this.pos) throw new DecodeError('ShortRead', `${what} count ${n} exceeds input`);
    return n;
  }
}

/**
 * Parses a transaction in either format (BIP 144 when the marker/flag is present).
 * Total: malformed bytes return a {@link DecodeError} — short reads, non-canonical sizes, an
 * unknown flag, a witness section whose stacks are all empty (not canonical) or trailing bytes.
 */
export function parseTx(bytes: Uint8Array): Transaction | DecodeError {
  try {
    const r = new LeReader(bytes);
    const version = r.u32();
    let segwit = false;
    r.need(1, 'input count');
    if (bytes[r.pos] === 0) {
      r.need(2, 'segwit flag');
      if (bytes[r.pos + 1] !== 1) return new DecodeError('InvalidValue', 'unknown segwit flag');
      segwit = true;
      r.pos += 2;
    }
    const nIn = r.count(41, 'input');
    const inputs: TxIn[] = [];
    for (let i = 0; i < nIn; i++) {
      const txidBytes = r.bytes(32);
      const vout = r.u32();
      const scriptSig = r.bytes(r.compactSize());
      const sequence = r.u32();
      inputs.push({ prevout: { txid: txidBytes, vout }, scriptSig, sequence, witness: [] });
    }
    const nOut = r.count(9, 'output');
    const outputs: TxOut[] = [];
    for (let i = 0; i < nOut; i++) {
      const value = r.u64();
      outputs.push({ value, script: r.bytes(r.compactSize()) });
    }
    if (segwit) {
      if (nIn === 0) return new DecodeError('InvalidValue', 'segwit transaction without inputs');
      let any = false;
      for (const inp of inputs) {
        const n = r.count(1, 'witness item');
        for (let k = 0; k < n; k++) inp.witness.push(r.bytes(r.compactSize()));
        if (n > 0) any = true;
      }
      if (!any) return new DecodeError('InvalidValue', 'superfluous witness record');
    }
    const locktime = r.u32();
    if (r.pos !== bytes.length) return new DecodeError('InvalidValue', `${bytes.length - r.pos} trailing bytes`);
    return { version, inputs, outputs, locktime };
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}
