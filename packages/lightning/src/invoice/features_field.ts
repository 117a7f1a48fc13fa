/**
 * The `9` field of BOLT 11 §"Feature Bits": a big-endian bit field in 5-bit words, least
 * significant bit numbered 0, converted to and from a BOLT 9 {@link Features} set in context
 * `invoice`.
 * @module
 */
import { Features } from '../ln/features.js';

/** Reads the data words of a `9` field (bit 5·k + j is bit j of the k-th word from the end). */
export function featuresFromWords(words: ArrayLike<number>): Features {
  const bits: number[] = [];
  for (let k = 0; k < words.length; k++) {
    const w = words[words.length - 1 - k]!;
    for (let j = 0; j < 5; j++) if (w & (1 << j)) bits.push(k * 5 + j);
  }
  return new Features('invoice', bits);
}

/**
 * The minimal data words of a `9` field: "MUST use the minimum data_length possible … with no 0
 * field-elements at the start". An empty set gives no words (the writer then omits the field).
 */
export function featuresToWords(f: Features): number[] {
  const bits = f.setBits();
  if (bits.length === 0) return [];
  const n = Math.floor(bits[bits.length - 1]! / 5) + 1;
  const words = new Array<number>(n).fill(0);
  for (const b of bits) words[n - 1 - Math.floor(b / 5)]! |= 1 << (b % 5);
  return words;
}
