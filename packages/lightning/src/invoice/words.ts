/**
 * 5-bit words, the unit of BOLT 11's data part (BOLT 11 §"Data Part": every field is a whole
 * number of 5-bit values, big-endian, padded with 0 bits to a byte boundary when read as bytes).
 * @module
 */

/**
 * Packs words into bytes, most significant bit first. The trailing partial byte is dropped and
 * its padding bits are not checked: BOLT 11 only requires a writer to pad with zeros.
 */
export function wordsToBytes(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.floor((words.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < words.length; i++) {
    acc = ((acc << 5) | words[i]!) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (o < out.length) out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * Packs words into bytes, zero-padding the last byte (how BOLT 11 §"Data Part" builds the
 * signed data: "with 0 bits appended to pad to a byte boundary").
 */
export function wordsToBytesPadded(words: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil((words.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < words.length; i++) {
    acc = ((acc << 5) | words[i]!) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0) out[o] = (acc << (8 - bits)) & 0xff;
  return out;
}

/** Unpacks bytes into words, zero-padding the last word ("MUST pad field data … using 0s"). */
export function bytesToWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]!) & 0x1fff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

/** Big-endian integer of any number of words (timestamps, `x`, `c`). */
export function wordsToBigint(words: ArrayLike<number>): bigint {
  let v = 0n;
  for (let i = 0; i < words.length; i++) v = (v << 5n) | BigInt(words[i]!);
  return v;
}

/** The minimal big-endian words of a non-negative integer (BOLT 11: no leading 0 words); 0 is no words. */
export function bigintToWords(v: bigint): number[] {
  if (v < 0n) throw new RangeError('negative integer');
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 31n));
    v >>= 5n;
  }
  return out;
}

/** Exactly `n` big-endian words of `v` (the 7-word timestamp, the 10-bit data_length). */
export function uintToWords(v: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = v % 32;
    v = Math.floor(v / 32);
  }
  return out;
}
