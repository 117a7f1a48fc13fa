/**
 * Tagged fields of BOLT 11 §"Tagged Fields": `type` (5 bits), `data_length` (10 bits), `data`
 * (`data_length` words), and the data part they sit in (35-bit timestamp, fields, signature).
 * @module
 */
import { InvoiceError } from './errors.js';
import { uintToWords } from './words.js';

/** Tag numbers (the bech32 character's value) of the fields BOLT 11 defines. */
export const TAG = {
  /** `p`: payment_hash, 52 words. */
  paymentHash: 1,
  /** `r`: a private route. */
  routeHint: 3,
  /** `9`: features. */
  features: 5,
  /** `x`: expiry in seconds. */
  expiry: 6,
  /** `f`: fallback address. */
  fallback: 9,
  /** `d`: UTF-8 description. */
  description: 13,
  /** `s`: payment_secret, 52 words. */
  paymentSecret: 16,
  /** `n`: payee node id, 53 words. */
  payeePubkey: 19,
  /** `h`: SHA256 of the description, 52 words. */
  descriptionHash: 23,
  /** `c`: min_final_cltv_expiry_delta. */
  minFinalCltvExpiryDelta: 24,
  /** `m`: payment_metadata. */
  paymentMetadata: 27,
} as const;

/** The bech32 alphabet: a tag's letter is `CHARSET[tag]`. */
export const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Largest `data_length` (10 bits): 1023 words, 639 bytes. */
export const MAX_FIELD_WORDS = 1023;
/** Words in the timestamp (35 bits). */
export const TIMESTAMP_WORDS = 7;
/** Words in the signature (64-byte r‖s and the recovery id: 520 bits). */
export const SIGNATURE_WORDS = 104;

/**
 * One tagged field exactly as it appeared (or will appear) in the invoice, including fields a
 * reader skips; re-encoding these reproduces the invoice byte for byte.
 */
export interface RawTaggedField {
  /** The 5-bit type. */
  readonly tag: number;
  /** The data words (each 0..31). */
  readonly data: Uint8Array;
}

/** The letter of a tag, e.g. `p` for 1. */
export function tagLetter(tag: number): string {
  return CHARSET[tag] ?? '?';
}

/**
 * Splits the words after the timestamp (and before the signature) into tagged fields.
 * @returns the fields in order, or `truncated_field` when a length runs past the end.
 */
export function splitTaggedFields(words: Uint8Array): RawTaggedField[] | InvoiceError {
  const out: RawTaggedField[] = [];
  let o = 0;
  while (o < words.length) {
    if (words.length - o < 3) return new InvoiceError('truncated_field', 'tagged field header cut short');
    const tag = words[o]!;
    const len = words[o + 1]! * 32 + words[o + 2]!;
    if (o + 3 + len > words.length) {
      return new InvoiceError('truncated_field', `field ${tagLetter(tag)} of ${len} words runs past the end`);
    }
    out.push({ tag, data: words.slice(o + 3, o + 3 + len) });
    o += 3 + len;
  }
  return out;
}

/** The data part without the signature: timestamp words, then each field's tag, length and data. */
export function encodeDataWords(timestamp: number, fields: readonly RawTaggedField[]): number[] {
  const out = uintToWords(timestamp, TIMESTAMP_WORDS);
  for (const f of fields) {
    if (f.data.length > MAX_FIELD_WORDS) throw new RangeError(`field ${tagLetter(f.tag)} exceeds 1023 words`);
    out.push(f.tag, f.data.length >> 5, f.data.length & 31);
    for (const w of f.data) out.push(w);
  }
  return out;
}
