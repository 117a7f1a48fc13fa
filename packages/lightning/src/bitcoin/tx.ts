/**
 * The Bitcoin transaction model Lightning needs: plain data, no behaviour, so the same objects
 * serve commitment building here and a script interpreter later.
 * BIP 141 (segregated witness) adds the per-input witness stack; everything else is the original
 * transaction format.
 * @module
 */

/**
 * A reference to a previous output. `txid` is in internal byte order (as serialized, the reverse
 * of the hex that explorers and the BOLTs print; see {@link txidFromHex}).
 */
export interface OutPoint {
  /** 32 bytes, internal (serialized) byte order. */
  readonly txid: Uint8Array;
  /** Output index (u32). */
  readonly vout: number;
}

/** A transaction input (BIP 141: with its witness stack). */
export interface TxIn {
  /** The output being spent. */
  readonly prevout: OutPoint;
  /** Legacy unlocking script; empty for every segwit spend Lightning makes. */
  scriptSig: Uint8Array;
  /** nSequence (u32); BOLT 3 encodes half the obscured commitment number here. */
  sequence: number;
  /** Witness stack items, bottom first; empty for a non-witness input. */
  witness: Uint8Array[];
}

/** A transaction output. */
export interface TxOut {
  /** Value in satoshis (u64). */
  readonly value: bigint;
  /** scriptPubKey. */
  readonly script: Uint8Array;
}

/** A Bitcoin transaction. */
export interface Transaction {
  /** nVersion (BOLT 3 uses 2 everywhere so OP_CHECKSEQUENCEVERIFY applies, BIP 68). */
  version: number;
  /** Inputs in order. */
  inputs: TxIn[];
  /** Outputs in order. */
  outputs: TxOut[];
  /** nLockTime (u32). */
  locktime: number;
}

/** nSequence that disables relative and absolute lock times. */
export const SEQUENCE_FINAL = 0xffffffff;

/** Reverses bytes (txid display order ↔ internal order). */
export function reverseBytes(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[b.length - 1 - i]!;
  return out;
}

/** Parses a txid as printed (big-endian display hex) into internal byte order. */
export function txidFromHex(hex: string): Uint8Array {
  if (hex.length !== 64) throw new TypeError('txid hex must be 64 characters');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    const v = Number.parseInt(hex.slice(62 - 2 * i, 64 - 2 * i), 16);
    if (Number.isNaN(v)) throw new TypeError('invalid txid hex');
    out[i] = v;
  }
  return out;
}

/** Formats an internal-order txid as display hex (what bitcoind and the BOLTs print). */
export function txidToHex(txid: Uint8Array): string {
  let s = '';
  for (let i = txid.length - 1; i >= 0; i--) s += txid[i]!.toString(16).padStart(2, '0');
  return s;
}
