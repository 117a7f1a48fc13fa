/**
 * Picks the fastest crypto backend that works on this machine: `native` (libsecp256k1 addon),
 * else `wasm` (libsecp256k1 in WebAssembly), else the core's pure-TypeScript `noble`. The choice is
 * made when the caller asks, never at import time (STYLE B11), and each fallback is reported.
 * @module
 */
import { type CryptoBackend, nobleBackend } from '@lnts/lightning/crypto';
import { loadNativeBackend, type NativeSecp256k1, requireNativeSecp256k1 } from './native.js';
import { BackendUnavailable } from './unavailable.js';
import { loadWasmBackend, requireTinySecp256k1, type TinySecp256k1 } from './wasm.js';

/** How {@link bestBackend} obtains the bindings, and whom it tells about a fallback. */
export interface BestBackendOptions {
  /** Loads the native addon (default: `secp256k1/bindings`). */
  readonly requireNative?: () => NativeSecp256k1;
  /** Loads tiny-secp256k1 (default: its CommonJS build). */
  readonly requireWasm?: () => TinySecp256k1;
  /** Called for each backend skipped, with why (e.g. to log it). */
  readonly onFallback?: (error: BackendUnavailable) => void;
}

/**
 * The fastest available backend: native, else wasm, else noble. Never throws: noble needs nothing
 * but JavaScript.
 */
export function bestBackend(opts: BestBackendOptions = {}): CryptoBackend {
  const report = (e: unknown, name: string) => opts.onFallback?.(e instanceof BackendUnavailable ? e : new BackendUnavailable(name, e));
  try {
    return loadNativeBackend(opts.requireNative ?? requireNativeSecp256k1);
  } catch (e) {
    report(e, 'native');
  }
  try {
    return loadWasmBackend(opts.requireWasm ?? requireTinySecp256k1);
  } catch (e) {
    report(e, 'wasm');
  }
  return nobleBackend;
}
