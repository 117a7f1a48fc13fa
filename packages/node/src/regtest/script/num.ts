/**
 * Script numbers (Bitcoin Core's `CScriptNum`): little-endian sign-magnitude, at most 4 bytes as
 * arithmetic input (5 for OP_CHECKLOCKTIMEVERIFY / OP_CHECKSEQUENCEVERIFY, BIP 65 / BIP 112),
 * minimally encoded when MINIMALDATA applies (BIP 62 rule 4).
 * @module
 */
import { ScriptFailure } from './errors.js';

/** Decodes a stack element as a number; throws `ScriptFailure('SCRIPTNUM')` when too long or non-minimal. */
export function decodeScriptNum(b: Uint8Array, requireMinimal: boolean, maxSize = 4): number {
  if (b.length > maxSize) throw new ScriptFailure('SCRIPTNUM');
  if (b.length === 0) return 0;
  if (requireMinimal && (b[b.length - 1]! & 0x7f) === 0) {
    // The top byte may only be 0x00/0x80 when the byte below needs its high bit for magnitude.
    if (b.length <= 1 || (b[b.length - 2]! & 0x80) === 0) throw new ScriptFailure('SCRIPTNUM');
  }
  let v = 0;
  for (let i = 0; i < b.length; i++) v += b[i]! * 2 ** (8 * i);
  const top = b[b.length - 1]!;
  if (top & 0x80) return -(v - 0x80 * 2 ** (8 * (b.length - 1)));
  return v;
}

/** Encodes a number minimally (the inverse of {@link decodeScriptNum}). */
export function encodeScriptNumber(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const neg = n < 0;
  let v = Math.abs(n);
  const out: number[] = [];
  while (v > 0) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(neg ? 0x80 : 0);
  else if (neg) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** Bitcoin's truthiness: any non-zero byte, except a lone sign bit in the last byte ("negative zero"). */
export function castToBool(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0) return !(i === b.length - 1 && b[i] === 0x80);
  }
  return false;
}
