/**
 * Strict UTF-8 decoding for the `d` field (BOLT 11 §"Tagged Fields": "MUST set d to a valid
 * UTF-8 string"); `util/bytes`' `fromUtf8` replaces bad sequences instead.
 * @module
 */

/** Decodes UTF-8, or `undefined` when the bytes are not valid UTF-8. */
export function fromUtf8Strict(b: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(b);
    // TextDecoder drops a leading byte-order mark; the description keeps every character.
    return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? `\ufeff${text}` : text;
  } catch {
    return undefined;
  }
}
