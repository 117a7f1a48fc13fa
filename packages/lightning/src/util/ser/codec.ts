import { DecodeError } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';

/**
 * A value's wire form, declared once and used both ways. Wire messages, TLV records and
 * persisted structures are all built from these (BOLT 1 §"Fundamental Types").
 * `read` throws {@link DecodeError}; the top-level `decode*` functions turn that into a returned value.
 */
export interface Coder<T> {
  read(r: ByteReader): T;
  write(w: ByteWriter, v: T): void;
}

/** The TypeScript type a coder yields. */
export type CoderValue<C> = C extends Coder<infer T> ? T : never;

/** `byte` */
export const u8: Coder<number> = { read: (r) => r.u8(), write: (w, v) => void w.u8(v) };
/** `u16` */
export const u16: Coder<number> = { read: (r) => r.u16(), write: (w, v) => void w.u16(v) };
/** `u32` */
export const u32: Coder<number> = { read: (r) => r.u32(), write: (w, v) => void w.u32(v) };
/** `u64` (bigint) */
export const u64: Coder<bigint> = { read: (r) => r.u64(), write: (w, v) => void w.u64(v) };
/** `s64` (bigint) */
export const s64: Coder<bigint> = { read: (r) => r.s64(), write: (w, v) => void w.s64(v) };
/** `bigsize` (bigint) */
export const bigSize: Coder<bigint> = { read: (r) => r.bigSize(), write: (w, v) => void w.bigSize(v) };

/** Truncated unsigned integers; only valid as the whole value of a TLV record (BOLT 1). */
export const tu16: Coder<number> = { read: (r) => Number(r.truncated(2)), write: (w, v) => void w.truncated(v) };
/** `tu32` */
export const tu32: Coder<number> = { read: (r) => Number(r.truncated(4)), write: (w, v) => void w.truncated(v) };
/** `tu64` (bigint) */
export const tu64: Coder<bigint> = { read: (r) => r.truncated(8), write: (w, v) => void w.truncated(v) };

/** Exactly `n` bytes (copied out of the input). */
export function bytes(n: number): Coder<Uint8Array> {
  return {
    read: (r) => r.bytes(n).slice(),
    write: (w, v) => {
      if (v.length !== n) throw new TypeError(`expected ${n} bytes, got ${v.length}`);
      w.bytes(v);
    },
  };
}

/** `chain_hash`, `channel_id`, `sha256`: 32 bytes. */
export const bytes32 = bytes(32);
/** `signature`: 64-byte compact ECDSA signature. */
export const signature = bytes(64);
/** `point`: 33-byte compressed secp256k1 point. Only the prefix is checked here; the curve check is the crypto layer's. */
export const point: Coder<Uint8Array> = {
  read: (r) => {
    const b = r.bytes(33);
    if (b[0] !== 2 && b[0] !== 3) throw new DecodeError('InvalidValue', 'point prefix not 02/03');
    return b.slice();
  },
  write: (w, v) => {
    if (v.length !== 33) throw new TypeError('point must be 33 bytes');
    w.bytes(v);
  },
};
/** `short_channel_id`: 8 bytes as a bigint (block height << 40 | tx index << 16 | output index). */
export const shortChannelId: Coder<bigint> = u64;

/** Bytes prefixed by a u16 length (`u16 len, byte[len] data`). */
export const u16Bytes: Coder<Uint8Array> = {
  read: (r) => r.bytes(r.u16()).slice(),
  write: (w, v) => {
    if (v.length > 0xffff) throw new TypeError('u16-prefixed bytes too long');
    w.u16(v.length).bytes(v);
  },
};
/** Bytes prefixed by a bigsize length. */
export const bigSizeBytes: Coder<Uint8Array> = {
  read: (r) => r.bytes(r.bigSizeNumber()).slice(),
  write: (w, v) => void w.bigSize(v.length).bytes(v),
};
/** All remaining bytes. */
export const restBytes: Coder<Uint8Array> = {
  read: (r) => r.rest().slice(),
  write: (w, v) => void w.bytes(v),
};
/** UTF-8 text prefixed by a u16 length; invalid UTF-8 is replaced, not rejected (peer text is only shown). */
export const u16Utf8: Coder<string> = {
  read: (r) => fromUtf8(r.bytes(r.u16())),
  write: (w, v) => u16Bytes.write(w, utf8(v)),
};

/** A u16 count followed by that many elements. */
export function u16Array<T>(inner: Coder<T>): Coder<T[]> {
  return {
    read: (r) => {
      const n = r.u16();
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(inner.read(r));
      return out;
    },
    write: (w, v) => {
      w.u16(v.length);
      for (const x of v) inner.write(w, x);
    },
  };
}
/** Elements repeated until the input ends (e.g. `chain_hash` lists in TLVs). */
export function restArray<T>(inner: Coder<T>): Coder<T[]> {
  return {
    read: (r) => {
      const out: T[] = [];
      while (!r.isEnd()) out.push(inner.read(r));
      return out;
    },
    write: (w, v) => {
      for (const x of v) inner.write(w, x);
    },
  };
}

/** Fields in order; the declaration is the wire layout. */
export type Fields = Record<string, Coder<unknown>>;
/** The object type a field list yields. */
export type FieldsValue<F extends Fields> = { [K in keyof F]: CoderValue<F[K]> };

/** A structure of named fields written one after another. */
export function struct<F extends Fields>(fields: F): Coder<FieldsValue<F>> {
  const entries = Object.entries(fields);
  return {
    read: (r) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.read(r);
      return out as FieldsValue<F>;
    },
    write: (w, v) => {
      for (const [k, c] of entries) c.write(w, (v as Record<string, unknown>)[k]);
    },
  };
}

/** Maps a coder's value (e.g. bytes to a parsed type) both ways. */
export function mapped<A, B>(inner: Coder<A>, to: (a: A) => B, from: (b: B) => A): Coder<B> {
  return { read: (r) => to(inner.read(r)), write: (w, v) => inner.write(w, from(v)) };
}

/** Encodes a value with a coder. */
export function encode<T>(c: Coder<T>, v: T): Uint8Array {
  const w = new ByteWriter();
  c.write(w, v);
  return w.finish();
}

/**
 * Decodes bytes with a coder, requiring every byte to be used.
 * @returns the value or a {@link DecodeError}; never throws on bad bytes.
 */
export function decode<T>(c: Coder<T>, b: Uint8Array): T | DecodeError {
  try {
    const r = new ByteReader(b);
    const v = c.read(r);
    if (!r.isEnd()) return new DecodeError('InvalidValue', `${r.remaining} trailing bytes`);
    return v;
  } catch (e) {
    return asDecodeError(e);
  }
}

/** Turns anything thrown while decoding into a {@link DecodeError}. */
export function asDecodeError(e: unknown): DecodeError {
  if (e instanceof DecodeError) return e;
  if (e instanceof RangeError || e instanceof TypeError) return new DecodeError('InvalidValue', e.message);
  throw e;
}

/**
 * A signed integer in the fewest of 1, 2, 4 or 8 bytes (two's complement, big-endian), filling
 * the rest of the reader: BOLT 1 §"Appendix D: Signed Integers Test Vectors".
 */
export const sInt: Coder<bigint> = {
  read: (r) => {
    const n = r.remaining;
    if (n !== 1 && n !== 2 && n !== 4 && n !== 8) throw new DecodeError('InvalidValue', `signed int of ${n} bytes`);
    const b = r.bytes(n);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    const bits = BigInt(n * 8);
    if (b[0]! & 0x80) v -= 1n << bits;
    return v;
  },
  write: (w, v) => {
    let n = 8;
    for (const k of [1, 2, 4]) {
      const lim = 1n << BigInt(k * 8 - 1);
      if (v >= -lim && v < lim) {
        n = k;
        break;
      }
    }
    let x = BigInt.asUintN(n * 8, v);
    const out = new Uint8Array(n);
    for (let i = n - 1; i >= 0; i--) {
      out[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    w.bytes(out);
  },
};
