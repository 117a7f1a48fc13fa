/**
 * Fast crypto backends for Node, behind the core's `CryptoBackend` seam: `native` (libsecp256k1
 * addon + OpenSSL), `wasm` (libsecp256k1 in WebAssembly + OpenSSL) and {@link bestBackend}, which
 * picks the fastest one that loads and falls back to the core's noble backend. `nativeBackend` /
 * `wasmBackend` are the same backends as values that load on first use.
 * @module
 */
export { type BestBackendOptions, bestBackend } from './best.js';
export { createNativeBackend, loadNativeBackend, type NativeSecp256k1, requireNativeSecp256k1 } from './native.js';
export { nativeBackend, wasmBackend } from './lazy.js';
export { CHACHA_NODE_MIN, HAS_NODE_AEAD } from './node_primitives.js';
export { SMALL_AEAD_MAX } from './small_aead.js';
export { BackendUnavailable, selfTest } from './unavailable.js';
export { closeNativeVerifyPool, EcdsaVerifyPool, type EcdsaVerifyPoolOptions, VERIFY_BATCH_INLINE_BELOW, type VerifyPoolState, verifyEcdsaInline } from './verify_pool.js';
export { createWasmBackend, loadWasmBackend, requireTinySecp256k1, type TinySecp256k1 } from './wasm.js';
