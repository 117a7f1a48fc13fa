import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CryptoError } from '../util/errors.js';
import type { CryptoBackend } from './backend.js';

const Point = secp256k1.Point;
const Fn = Point.Fn;
const N = Fn.ORDER;

function scalar(b: Uint8Array, what: string): bigint {
  if (b.length !== 32) throw new CryptoError(`${what}: expected 32 bytes`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
function scalarBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
function pointOf(b: Uint8Array, what: string) {
  if (b.length !== 33) throw new CryptoError(`${what}: expected a 33-byte compressed point`);
  try {
    return Point.fromBytes(b);
  } catch {
    throw new CryptoError(`${what}: not a point on secp256k1`);
  }
}
/** noble would truncate or pad a digest of another length; the seam refuses it, as libsecp256k1 does. */
function digest(m: Uint8Array): void {
  if (m.length !== 32) throw new CryptoError('message digest must be 32 bytes');
}
function secretOf(b: Uint8Array, what: string): bigint {
  const v = scalar(b, what);
  if (v === 0n || v >= N) throw new CryptoError(`${what}: not a valid secret key`);
  return v;
}

/**
 * The default backend: audited pure TypeScript (@noble/curves, @noble/hashes, @noble/ciphers).
 * Runs anywhere; `@lnts/node` offers faster ones (libsecp256k1 native or WASM, OpenSSL AEAD).
 */
export const nobleBackend: CryptoBackend = {
  name: 'noble',
  sha256: (d) => sha256(d),
  hmacSha256: (k, d) => hmac(sha256, k, d),
  hash160: (d) => ripemd160(sha256(d)),
  isValidSecretKey(s) {
    if (s.length !== 32) return false;
    const v = scalar(s, 'secret');
    return v > 0n && v < N;
  },
  isValidPublicKey(p) {
    if (p.length !== 33) return false;
    try {
      Point.fromBytes(p);
      return true;
    } catch {
      return false;
    }
  },
  publicKey: (s) => Point.BASE.multiply(secretOf(s, 'secret')).toBytes(true),
  signEcdsa(m, s) {
    digest(m);
    secretOf(s, 'secret');
    return secp256k1.sign(m, s, { prehash: false, lowS: true });
  },
  signEcdsaRecoverable(m, s) {
    digest(m);
    secretOf(s, 'secret');
    const r = secp256k1.sign(m, s, { prehash: false, lowS: true, format: 'recovered' });
    return { sig: r.slice(1), recid: r[0]! };
  },
  verifyEcdsa(sig, m, p) {
    if (sig.length !== 64 || m.length !== 32 || p.length !== 33) return false;
    try {
      return secp256k1.verify(sig, m, p, { prehash: false, lowS: true });
    } catch {
      return false;
    }
  },
  recoverEcdsa(sig, recid, m) {
    if (sig.length !== 64 || m.length !== 32 || recid < 0 || recid > 3) return null;
    try {
      const full = new Uint8Array(65);
      full[0] = recid;
      full.set(sig, 1);
      return secp256k1.recoverPublicKey(full, m, { prehash: false });
    } catch {
      return null;
    }
  },
  ecdh(s, p) {
    const shared = pointOf(p, 'ecdh point').multiply(secretOf(s, 'ecdh secret'));
    return sha256(shared.toBytes(true));
  },
  pointAdd(a, b) {
    const r = pointOf(a, 'a').add(pointOf(b, 'b'));
    if (r.equals(Point.ZERO)) throw new CryptoError('point sum is infinity');
    return r.toBytes(true);
  },
  pointAddScalar(p, t) {
    const tv = scalar(t, 'tweak');
    if (tv >= N) throw new CryptoError('tweak out of range');
    const r = tv === 0n ? pointOf(p, 'point') : pointOf(p, 'point').add(Point.BASE.multiply(tv));
    if (r.equals(Point.ZERO)) throw new CryptoError('tweak result is infinity');
    return r.toBytes(true);
  },
  pointMultiply(p, t) {
    return pointOf(p, 'point').multiply(secretOf(t, 'tweak')).toBytes(true);
  },
  secretAdd(a, b) {
    const bv = scalar(b, 'b');
    if (bv >= N) throw new CryptoError('tweak out of range');
    const r = Fn.add(secretOf(a, 'a'), bv);
    if (r === 0n) throw new CryptoError('secret sum is zero');
    return scalarBytes(r);
  },
  secretMultiply(a, b) {
    return scalarBytes(Fn.mul(secretOf(a, 'a'), secretOf(b, 'b')));
  },
  chacha20: (k, n, d, counter = 0) => chacha20(k, n, d, undefined, counter),
  aeadSeal: (k, n, ad, pt) => chacha20poly1305(k, n, ad).encrypt(pt),
  aeadOpen(k, n, ad, sealed) {
    if (sealed.length < 16) return null;
    try {
      return chacha20poly1305(k, n, ad).decrypt(sealed);
    } catch {
      return null;
    }
  },
};
