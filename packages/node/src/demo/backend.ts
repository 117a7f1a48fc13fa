import type { CryptoBackend } from '@lnts/lightning/crypto';
import { bestBackend } from '../crypto/index.js';

/** The fastest crypto backend available here (native libsecp256k1, else WASM, else noble). */
export async function loadCryptoBackend(): Promise<CryptoBackend> {
  return bestBackend();
}
