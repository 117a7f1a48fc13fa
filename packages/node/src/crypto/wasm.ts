/**
 * `wasm`: libsecp256k1 compiled to WebAssembly (npm `tiny-secp256k1`) for the curve,
 * `node:crypto` (OpenSSL) for hashes and ChaCha20-Poly1305. It needs no native addon, so it is the
 * fallback when the `native` backend's prebuild does not fit the machine; on the curve it is about
 * 2.5-5x slower than native and 5-10x faster than noble (see `bench/crypto.bench.ts`).
 *
 * tiny-secp256k1 has no ECDH and no scalar multiplication: ECDH is `SHA256(compress(s·P))`
 * (BOLT 8 §"Handshake State", the same hash libsecp256k1's default ECDH applies) and `secretMultiply`
 * is a bigint product mod n, which costs ~1 µs and is only used to derive keys.
 * @module
 */
import { createRequire } from 'node:module';
import { type CryptoBackend, nobleBackend } from '@lnts/lightning/crypto';
import { CryptoError } from '@lnts/lightning/util';
import { nodeSymmetric, sha256 } from './node_primitives.js';
import { BackendUnavailable, selfTest } from './unavailable.js';

/** The part of tiny-secp256k1 v2's API this backend uses (`null` = the result is the point at infinity or zero). */
export interface TinySecp256k1 {
  isPrivate(d: Uint8Array): boolean;
  isPointCompressed(p: Uint8Array): boolean;
  pointFromScalar(d: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointAdd(a: Uint8Array, b: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointAddScalar(p: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointMultiply(p: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array | null;
  privateAdd(d: Uint8Array, tweak: Uint8Array): Uint8Array | null;
  sign(h: Uint8Array, d: Uint8Array): Uint8Array;
  signRecoverable(h: Uint8Array, d: Uint8Array): { signature: Uint8Array; recoveryId: number };
  verify(h: Uint8Array, q: Uint8Array, signature: Uint8Array, strict?: boolean): boolean;
  recover(h: Uint8Array, signature: Uint8Array, recoveryId: 0 | 1 | 2 | 3, compressed?: boolean): Uint8Array | null;
}

/** Requires tiny-secp256k1's CommonJS build, which compiles its WASM module synchronously. */
export function requireTinySecp256k1(): TinySecp256k1 {
  const require = createRequire(import.meta.url);
  return require('tiny-secp256k1') as TinySecp256k1;
}

/** The order n of secp256k1's group (SEC 2 §2.4.1). */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function toBig(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}
function fromBig(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function point(p: Uint8Array, what: string): void {
  // tiny-secp256k1 also accepts 65-byte keys; the seam speaks only 33-byte compressed points.
  if (p.length !== 33) throw new CryptoError(`${what}: expected a 33-byte compressed point`);
}
function tweak(t: Uint8Array): void {
  if (t.length !== 32) throw new CryptoError('tweak: expected 32 bytes');
}
/** tiny-secp256k1 throws plain `Error`s for invalid input and returns `null` at infinity; the seam promises `CryptoError`. */
function must(what: string, f: () => Uint8Array | null): Uint8Array {
  let r: Uint8Array | null;
  try {
    r = f();
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (r === null) throw new CryptoError(`${what}: result is the point at infinity or zero`);
  return r;
}

/** Builds the backend over an already loaded tiny-secp256k1 (exported so tests can hand in a fake). */
export function createWasmBackend(lib: TinySecp256k1, fallback: CryptoBackend = nobleBackend): CryptoBackend {
  const secret = (s: Uint8Array, what: string): void => {
    if (s.length !== 32 || !lib.isPrivate(s)) throw new CryptoError(`${what}: not a valid secret key`);
  };
  const digest = (m: Uint8Array): void => {
    if (m.length !== 32) throw new CryptoError('message digest must be 32 bytes');
  };
  return {
    name: 'wasm',
    ...nodeSymmetric(fallback),
    isValidSecretKey: (s) => s.length === 32 && lib.isPrivate(s),
    isValidPublicKey: (p) => p.length === 33 && lib.isPointCompressed(p),
    publicKey(s) {
      secret(s, 'secret');
      return must('publicKey', () => lib.pointFromScalar(s, true));
    },
    signEcdsa(m, s) {
      digest(m);
      secret(s, 'secret');
      return must('sign', () => lib.sign(m, s)); // RFC 6979, low-S
    },
    signEcdsaRecoverable(m, s) {
      digest(m);
      secret(s, 'secret');
      const r = lib.signRecoverable(m, s);
      return { sig: r.signature, recid: r.recoveryId };
    },
    verifyEcdsa(sig, m, p) {
      if (sig.length !== 64 || m.length !== 32 || p.length !== 33) return false;
      try {
        // strict: reject high-S, as libsecp256k1's verify and the seam require.
        return lib.verify(m, p, sig, true);
      } catch {
        return false;
      }
    },
    recoverEcdsa(sig, recid, m) {
      if (sig.length !== 64 || m.length !== 32 || (recid !== 0 && recid !== 1 && recid !== 2 && recid !== 3)) return null;
      try {
        return lib.recover(m, sig, recid, true);
      } catch {
        return null;
      }
    },
    ecdh(s, p) {
      point(p, 'ecdh point');
      secret(s, 'ecdh secret');
      return sha256(must('ecdh', () => lib.pointMultiply(p, s, true)));
    },
    pointAdd(a, b) {
      point(a, 'a');
      point(b, 'b');
      return must('pointAdd', () => lib.pointAdd(a, b, true));
    },
    pointAddScalar(p, t) {
      point(p, 'point');
      tweak(t);
      return must('pointAddScalar', () => lib.pointAddScalar(p, t, true));
    },
    pointMultiply(p, t) {
      point(p, 'point');
      secret(t, 'tweak');
      return must('pointMultiply', () => lib.pointMultiply(p, t, true));
    },
    secretAdd(a, b) {
      secret(a, 'a');
      tweak(b);
      return must('secretAdd', () => lib.privateAdd(a, b));
    },
    secretMultiply(a, b) {
      secret(a, 'a');
      secret(b, 'b');
      return fromBig((toBig(a) * toBig(b)) % N); // both in [1, n-1] and n prime: never zero
    },
  };
}

let cached: CryptoBackend | BackendUnavailable | undefined;

/**
 * Loads the WASM backend (once; later calls return the same object) and self-tests it.
 * @param load - how to obtain tiny-secp256k1; tests pass a failing loader to exercise the fallback.
 * @throws {BackendUnavailable} when the module cannot be loaded or fails its self-test.
 */
export function loadWasmBackend(load: () => TinySecp256k1 = requireTinySecp256k1): CryptoBackend {
  const useCache = load === requireTinySecp256k1;
  if (useCache && cached) {
    if (cached instanceof BackendUnavailable) throw cached;
    return cached;
  }
  try {
    let lib: TinySecp256k1;
    try {
      lib = load();
    } catch (e) {
      throw new BackendUnavailable('wasm', e);
    }
    const b = createWasmBackend(lib);
    selfTest(b);
    if (useCache) cached = b;
    return b;
  } catch (e) {
    const err = e instanceof BackendUnavailable ? e : new BackendUnavailable('wasm', e);
    if (useCache) cached = err;
    throw err;
  }
}
