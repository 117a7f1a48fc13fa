/**
 * ECDSA signature encodings: the 64-byte compact `r‖s` the BOLTs put on the wire and the strict
 * DER (BIP 66) plus sighash byte that witnesses carry.
 * @module
 */
import { DecodeError } from '../util/errors.js';

function derInt(b: Uint8Array): Uint8Array {
  let start = 0;
  while (start < b.length - 1 && b[start] === 0) start++;
  const pad = b[start]! & 0x80 ? 1 : 0;
  const out = new Uint8Array(b.length - start + pad);
  out.set(b.subarray(start), pad);
  return out;
}

/** Compact 64-byte signature → strict DER. */
export function derEncodeSignature(compact64: Uint8Array): Uint8Array {
  if (compact64.length !== 64) throw new TypeError('compact signature must be 64 bytes');
  const r = derInt(compact64.subarray(0, 32));
  const s = derInt(compact64.subarray(32));
  const out = new Uint8Array(6 + r.length + s.length);
  out[0] = 0x30;
  out[1] = 4 + r.length + s.length;
  out[2] = 0x02;
  out[3] = r.length;
  out.set(r, 4);
  out[4 + r.length] = 0x02;
  out[5 + r.length] = s.length;
  out.set(s, 6 + r.length);
  return out;
}

/**
 * Strict DER (BIP 66) → compact 64 bytes.
 * @returns the signature, or a {@link DecodeError} for any non-canonical encoding.
 */
export function derDecodeSignature(der: Uint8Array): Uint8Array | DecodeError {
  const bad = (m: string) => new DecodeError('InvalidValue', `DER signature: ${m}`);
  if (der.length < 8 || der.length > 72) return bad('length');
  if (der[0] !== 0x30 || der[1] !== der.length - 2) return bad('sequence header');
  const out = new Uint8Array(64);
  let p = 2;
  for (let k = 0; k < 2; k++) {
    if (der[p] !== 0x02) return bad('integer tag');
    const len = der[p + 1]!;
    p += 2;
    if (len === 0 || p + len > der.length) return bad('integer length');
    const v = der.subarray(p, p + len);
    if (v[0]! & 0x80) return bad('negative integer');
    if (len > 1 && v[0] === 0 && !(v[1]! & 0x80)) return bad('non-minimal integer');
    const trimmed = v[0] === 0 ? v.subarray(1) : v;
    if (trimmed.length > 32) return bad('integer too large');
    out.set(trimmed, 32 * k + 32 - trimmed.length);
    p += len;
  }
  if (p !== der.length) return bad('trailing bytes');
  return out;
}

/** DER signature followed by the sighash type byte, as a witness stack item. */
export function encodeWitnessSignature(compact64: Uint8Array, sighashType: number): Uint8Array {
  const der = derEncodeSignature(compact64);
  const out = new Uint8Array(der.length + 1);
  out.set(der);
  out[der.length] = sighashType;
  return out;
}

/** Splits a witness signature into the compact signature and its sighash type. */
export function decodeWitnessSignature(item: Uint8Array): { sig: Uint8Array; sighashType: number } | DecodeError {
  if (item.length < 2) return new DecodeError('ShortRead', 'witness signature too short');
  const sig = derDecodeSignature(item.subarray(0, item.length - 1));
  if (sig instanceof DecodeError) return sig;
  return { sig, sighashType: item[item.length - 1]! };
}
