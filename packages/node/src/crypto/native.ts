/**
 * `native`: libsecp256k1 as a Node addon (npm `secp256k1`, prebuilt for linux-x64, darwin-arm64,
 * win32-x64) for the curve, `node:crypto` (OpenSSL) for hashes and ChaCha20-Poly1305.
 *
 * The addon is loaded through `secp256k1/bindings` rather than the package's main entry: the main
 * entry silently falls back to the pure-JS `elliptic` when the addon fails to load, which would
 * make "native" a slower, different library without anyone noticing. Loading is explicit
 * ({@link loadNativeBackend}), never at import time.
 * @module
 */
import { createRequire } from 'node:module';
import { type CryptoBackend, nobleBackend } from '@lnts/lightning/crypto';
import { CryptoError } from '@lnts/lightning/util';
import { nodeSymmetric } from './node_primitives.js';
import { compressPoint, PointForms } from './point_forms.js';
import { BackendUnavailable, selfTest } from './unavailable.js';
import { verifyEcdsaBatchNative } from './verify_pool.js';

/** The part of `secp256k1` v5's API (its `lib/index.js` over the addon) this backend uses. */
export interface NativeSecp256k1 {
  privateKeyVerify(seckey: Uint8Array): boolean;
  /** Mutates `seckey` in place and returns it. */
  privateKeyTweakAdd(seckey: Uint8Array, tweak: Uint8Array): Uint8Array;
  /** Mutates `seckey` in place and returns it. */
  privateKeyTweakMul(seckey: Uint8Array, tweak: Uint8Array): Uint8Array;
  publicKeyVerify(pubkey: Uint8Array): boolean;
  publicKeyCreate(seckey: Uint8Array, compressed?: boolean): Uint8Array;
  /** Re-encodes a valid key (33 or 65 bytes); throws for an invalid one. */
  publicKeyConvert(pubkey: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyCombine(pubkeys: Uint8Array[], compressed?: boolean): Uint8Array;
  publicKeyTweakAdd(pubkey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(pubkey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array;
  /** libsecp256k1's default ECDH hash: SHA256(compressed shared point), exactly BOLT 8's `ECDH`. */
  ecdh(pubkey: Uint8Array, seckey: Uint8Array): Uint8Array;
}

/** Requires the addon itself (throws when no prebuild fits this platform/ABI). */
export function requireNativeSecp256k1(): NativeSecp256k1 {
  const require = createRequire(import.meta.url);
  return require('secp256k1/bindings') as NativeSecp256k1;
}

function secret(lib: NativeSecp256k1, s: Uint8Array, what: string): void {
  if (s.length !== 32 || !lib.privateKeyVerify(s)) throw new CryptoError(`${what}: not a valid secret key`);
}
function point(p: Uint8Array, what: string): void {
  // The addon also parses 65-byte keys; the seam speaks only 33-byte compressed points.
  if (p.length !== 33) throw new CryptoError(`${what}: expected a 33-byte compressed point`);
}
function digest(m: Uint8Array): void {
  if (m.length !== 32) throw new CryptoError('message digest must be 32 bytes');
}
function tweak(t: Uint8Array): void {
  if (t.length !== 32) throw new CryptoError('tweak: expected 32 bytes');
}
/** The addon throws plain `Error`s; the seam promises `CryptoError`. */
function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Builds the backend over an already loaded addon (exported so tests can hand in a fake). */
export function createNativeBackend(lib: NativeSecp256k1, fallback: CryptoBackend = nobleBackend): CryptoBackend {
  // Points this backend made or tweaked, uncompressed (point_forms.ts): the addon then skips the
  // square root of parsing them again. Derived keys are produced uncompressed and compressed here.
  const forms = new PointForms();
  const known = (p: Uint8Array): Uint8Array => forms.known(p) ?? p;
  const base = (p: Uint8Array): Uint8Array => {
    const k = forms.known(p);
    if (k) return k;
    const u = lib.publicKeyConvert(p, false);
    forms.remember(p, u);
    return u;
  };
  const derived = (u: Uint8Array): Uint8Array => {
    const c = compressPoint(u);
    forms.remember(c, u);
    return c;
  };
  return {
    name: 'native',
    ...nodeSymmetric(fallback),
    isValidSecretKey: (s) => s.length === 32 && lib.privateKeyVerify(s),
    // Parsing a point costs the same square root whether it is only checked or converted, and a
    // point worth checking (a peer's next per-commitment point, an onion's ephemeral key) is
    // tweaked next: convert it, and the tweak finds the uncompressed form already known.
    isValidPublicKey(p) {
      if (p.length !== 33) return false;
      if (forms.known(p) !== undefined) return true;
      let u: Uint8Array;
      try {
        u = lib.publicKeyConvert(p, false);
      } catch {
        return false;
      }
      forms.remember(p, u);
      return true;
    },
    publicKey(s) {
      secret(lib, s, 'secret');
      return derived(lib.publicKeyCreate(s, false));
    },
    signEcdsa(m, s) {
      digest(m);
      secret(lib, s, 'secret');
      // No nonce function given: libsecp256k1 uses RFC 6979 and always returns low-S.
      return wrap('sign', () => lib.ecdsaSign(m, s).signature);
    },
    signEcdsaRecoverable(m, s) {
      digest(m);
      secret(lib, s, 'secret');
      const r = wrap('sign', () => lib.ecdsaSign(m, s));
      return { sig: r.signature, recid: r.recid };
    },
    verifyEcdsa(sig, m, p) {
      if (sig.length !== 64 || m.length !== 32 || p.length !== 33) return false;
      try {
        // libsecp256k1 rejects high-S signatures itself; r or s ≥ n and bad keys throw. A key is
        // not converted to be remembered here: gossip checks thousands of keys seen once each, and
        // converting them would only churn the forms the channel keys live in.
        return lib.ecdsaVerify(sig, m, known(p));
      } catch {
        return false;
      }
    },
    // Large batches are shared with worker threads running the same addon (verify_pool.ts).
    verifyEcdsaBatch: (items) => verifyEcdsaBatchNative(lib, items),
    recoverEcdsa(sig, recid, m) {
      if (sig.length !== 64 || m.length !== 32 || !Number.isInteger(recid) || recid < 0 || recid > 3) return null;
      try {
        return lib.ecdsaRecover(sig, recid, m, true);
      } catch {
        return null;
      }
    },
    ecdh(s, p) {
      point(p, 'ecdh point');
      secret(lib, s, 'ecdh secret');
      // A payee's or peer's node key recurs from payment to payment: keep its uncompressed form.
      return wrap('ecdh', () => lib.ecdh(base(p), s));
    },
    pointAdd(a, b) {
      point(a, 'a');
      point(b, 'b');
      return wrap('pointAdd', () => lib.publicKeyCombine([known(a), known(b)], true));
    },
    pointAddScalar(p, t) {
      point(p, 'point');
      tweak(t);
      return wrap('pointAddScalar', () => derived(lib.publicKeyTweakAdd(base(p), t, false)));
    },
    pointMultiply(p, t) {
      point(p, 'point');
      tweak(t);
      return wrap('pointMultiply', () => derived(lib.publicKeyTweakMul(base(p), t, false)));
    },
    secretAdd(a, b) {
      secret(lib, a, 'a');
      tweak(b);
      // The addon tweaks in place: work on a copy so the caller's key is never changed.
      return wrap('secretAdd', () => lib.privateKeyTweakAdd(Uint8Array.from(a), b));
    },
    secretMultiply(a, b) {
      secret(lib, a, 'a');
      secret(lib, b, 'b');
      return wrap('secretMultiply', () => lib.privateKeyTweakMul(Uint8Array.from(a), b));
    },
  };
}

let cached: CryptoBackend | BackendUnavailable | undefined;

/**
 * Loads the native backend (once; later calls return the same object) and self-tests it.
 * @param load - how to obtain the addon; tests pass a failing loader to exercise the fallback.
 * @throws {BackendUnavailable} when the addon cannot be loaded here or fails its self-test.
 */
export function loadNativeBackend(load: () => NativeSecp256k1 = requireNativeSecp256k1): CryptoBackend {
  // The default loader's outcome, success or failure, is remembered: retrying a failed addon
  // load costs milliseconds and cannot succeed later in the same process.
  const useCache = load === requireNativeSecp256k1;
  if (useCache && cached) {
    if (cached instanceof BackendUnavailable) throw cached;
    return cached;
  }
  try {
    let lib: NativeSecp256k1;
    try {
      lib = load();
    } catch (e) {
      throw new BackendUnavailable('native', e);
    }
    const b = createNativeBackend(lib);
    selfTest(b);
    if (useCache) cached = b;
    return b;
  } catch (e) {
    const err = e instanceof BackendUnavailable ? e : new BackendUnavailable('native', e);
    if (useCache) cached = err;
    throw err;
  }
}
