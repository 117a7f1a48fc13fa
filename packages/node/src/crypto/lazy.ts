/**
 * `nativeBackend` and `wasmBackend` as plain values: each method loads (once) and forwards to the
 * backend its loader returns. Importing them loads nothing (STYLE B11: no environment sniffing at
 * import time); the first call does, and throws {@link BackendUnavailable} if the binding does not
 * load here. Code that must choose up front calls `loadNativeBackend()` / `bestBackend()` instead,
 * and code on a hot path should hold the loaded backend itself (one indirection less).
 * @module
 */
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { loadNativeBackend } from './native.js';
import { loadWasmBackend } from './wasm.js';

function lazyBackend(name: string, load: () => CryptoBackend): CryptoBackend {
  let b: CryptoBackend | undefined;
  const get = (): CryptoBackend => {
    b ??= load();
    return b;
  };
  return {
    name,
    sha256: (d) => get().sha256(d),
    hmacSha256: (k, d) => get().hmacSha256(k, d),
    hash160: (d) => get().hash160(d),
    isValidSecretKey: (s) => get().isValidSecretKey(s),
    isValidPublicKey: (p) => get().isValidPublicKey(p),
    publicKey: (s) => get().publicKey(s),
    signEcdsa: (m, s) => get().signEcdsa(m, s),
    signEcdsaRecoverable: (m, s) => get().signEcdsaRecoverable(m, s),
    verifyEcdsa: (sig, m, p) => get().verifyEcdsa(sig, m, p),
    verifyEcdsaBatch(items) {
      const loaded = get();
      return loaded.verifyEcdsaBatch ? loaded.verifyEcdsaBatch(items) : items.map((it) => loaded.verifyEcdsa(it.sig, it.msg32, it.pubkey));
    },
    recoverEcdsa: (sig, recid, m) => get().recoverEcdsa(sig, recid, m),
    ecdh: (s, p) => get().ecdh(s, p),
    pointAdd: (a, b2) => get().pointAdd(a, b2),
    pointAddScalar: (p, t) => get().pointAddScalar(p, t),
    pointMultiply: (p, t) => get().pointMultiply(p, t),
    secretAdd: (a, b2) => get().secretAdd(a, b2),
    secretMultiply: (a, b2) => get().secretMultiply(a, b2),
    chacha20: (k, n, d, counter) => get().chacha20(k, n, d, counter),
    aeadSeal: (k, n, ad, pt) => get().aeadSeal(k, n, ad, pt),
    aeadOpen: (k, n, ad, sealed) => get().aeadOpen(k, n, ad, sealed),
  };
}

/** libsecp256k1 (native addon) + OpenSSL, loaded on first use; see {@link loadNativeBackend}. */
export const nativeBackend: CryptoBackend = lazyBackend('native', () => loadNativeBackend());
/** libsecp256k1 (WASM, tiny-secp256k1) + OpenSSL, loaded on first use; see {@link loadWasmBackend}. */
export const wasmBackend: CryptoBackend = lazyBackend('wasm', () => loadWasmBackend());
