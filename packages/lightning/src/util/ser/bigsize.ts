import { DecodeError } from '../errors.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';

/** Encodes a BOLT 1 `bigsize`. */
export function encodeBigSize(v: bigint): Uint8Array {
  return new ByteWriter(9).bigSize(v).finish();
}

/**
 * Decodes a BOLT 1 `bigsize` that must use every byte given.
 * @returns the value, or a {@link DecodeError} (`ShortRead` on EOF, `InvalidValue` when not minimal).
 */
export function decodeBigSize(b: Uint8Array): bigint | DecodeError {
  try {
    const r = new ByteReader(b);
    const v = r.bigSize();
    if (!r.isEnd()) return new DecodeError('InvalidValue', 'trailing bytes after bigsize');
    return v;
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}
