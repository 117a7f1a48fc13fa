/**
 * Loading a backend that depends on a binary (a native addon, a WASM module) can fail on a given
 * machine; that is reported as {@link BackendUnavailable}, and every loaded backend must pass
 * {@link selfTest} before it is used, so a binding that loads but computes garbage is refused too.
 * @module
 */
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { equalBytes, fromHex } from '@lnts/lightning/util';

/** A crypto backend could not be loaded here (missing prebuild, wrong ABI, failed self-test). */
export class BackendUnavailable extends Error {
  override readonly name = 'BackendUnavailable';
  constructor(
    readonly backend: string,
    readonly reason: unknown,
  ) {
    super(`${backend} crypto backend unavailable: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

// The secp256k1 generator G, compressed (SEC 2 §2.4.1): publicKey(1) must give it.
const G = fromHex('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
const ONE = fromHex('0000000000000000000000000000000000000000000000000000000000000001');

/**
 * Checks a freshly loaded backend on a few known answers and round trips (~0.5 ms); throws
 * {@link BackendUnavailable} when it disagrees.
 */
export function selfTest(b: CryptoBackend): void {
  try {
    if (!equalBytes(b.publicKey(ONE), G)) throw new Error('publicKey(1) is not G');
    const msg = b.sha256(G);
    const sig = b.signEcdsa(msg, msg);
    const pub = b.publicKey(msg);
    if (!b.verifyEcdsa(sig, msg, pub)) throw new Error('own signature does not verify');
    msg[0]! ^= 1;
    if (b.verifyEcdsa(sig, msg, pub)) throw new Error('signature verifies over another message');
    if (!equalBytes(b.ecdh(ONE, pub), b.sha256(pub))) throw new Error('ecdh(1, P) is not sha256(P)');
  } catch (e) {
    throw e instanceof BackendUnavailable ? e : new BackendUnavailable(b.name, e);
  }
}
