import type { CryptoBackend } from '@lnts/lightning/crypto';
import { nobleBackend } from '@lnts/lightning/crypto';

/**
 * The fastest crypto backend available here: the node backends (native libsecp256k1, else WASM)
 * when `@lnts/node`'s crypto module loads, else the pure-TS noble backend.
 */
export async function loadCryptoBackend(): Promise<CryptoBackend> {
  try {
    const spec = '../crypto/index.js';
    const m = (await import(spec)) as { bestBackend?: () => CryptoBackend };
    if (m.bestBackend) return m.bestBackend();
  } catch {
    /* node backends not available: fall back to the pure-TS one */
  }
  return nobleBackend;
}
