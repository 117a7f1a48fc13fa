/**
 * Per-operation cost of each crypto backend (noble, wasm, native) on the primitives Lightning's hot
 * paths use: ECDSA sign/verify (gossip, commitment signatures), ECDH (BOLT 8 handshake, BOLT 4
 * onion), point tweaks (BOLT 3 key derivation, onion blinding), SHA-256 and ChaCha20-Poly1305
 * (BOLT 8 transport), plus raw ChaCha20 on both sides of the noble/OpenSSL crossover.
 * One JSON line per figure: `{"bench":"crypto.verify","unit":"ops/s","value":..,"backend":"native"}`.
 */
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { nobleBackend } from '@lnts/lightning/crypto';
import { loadNativeBackend, loadWasmBackend } from '../src/crypto/index.js';
import { emit, opsPerSec, wanted } from './util.js';

const MIN_MS = Number(process.env.BENCH_MS ?? 600);

function backends(): CryptoBackend[] {
  const out: CryptoBackend[] = [nobleBackend];
  for (const load of [loadWasmBackend, loadNativeBackend]) {
    try {
      out.push(load());
    } catch (e) {
      console.error(`skipping backend: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

/** Deterministic filler bytes (no randomness needed for timing). */
function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const secret = filled(32, 1);
const tweak = filled(32, 2);
const msg32 = filled(32, 3);
const data32 = filled(32, 4);
const data64 = filled(64, 5);
const key = filled(32, 6);
const nonce = new Uint8Array(12);
const empty = new Uint8Array(0);
const pt100 = filled(100, 7);
const pt64k = filled(65536, 8);

function figure(bench: string, unit: string, b: CryptoBackend, fn: () => number | undefined, extra: Record<string, unknown> = {}): void {
  if (!wanted(bench)) return;
  emit({ bench, unit, value: opsPerSec(fn, MIN_MS), backend: b.name, ...extra });
}

for (const b of backends()) {
  const pub = b.publicKey(secret);
  const sig = b.signEcdsa(msg32, secret);
  figure('crypto.sign', 'ops/s', b, () => {
    b.signEcdsa(msg32, secret);
    return 1;
  });
  figure('crypto.verify', 'ops/s', b, () => (b.verifyEcdsa(sig, msg32, pub) ? 1 : 0));
  figure('crypto.ecdh', 'ops/s', b, () => {
    b.ecdh(secret, pub);
    return 1;
  });
  figure('crypto.pointAddScalar', 'ops/s', b, () => {
    b.pointAddScalar(pub, tweak);
    return 1;
  });
  figure('crypto.pointMultiply', 'ops/s', b, () => {
    b.pointMultiply(pub, tweak);
    return 1;
  });
  figure('crypto.sha256', 'ops/s', b, () => {
    for (let i = 0; i < 100; i++) b.sha256(data32);
    return 100;
  }, { bytes: 32 });
  figure('crypto.sha256', 'ops/s', b, () => {
    for (let i = 0; i < 100; i++) b.sha256(data64);
    return 100;
  }, { bytes: 64 });
  figure('crypto.aeadSeal', 'ops/s', b, () => {
    for (let i = 0; i < 20; i++) b.aeadSeal(key, nonce, empty, pt100);
    return 20;
  }, { bytes: 100 });
  figure('crypto.aeadSeal', 'ops/s', b, () => {
    b.aeadSeal(key, nonce, empty, pt64k);
    return 1;
  }, { bytes: 65536 });
  for (const n of [64, 256, 1300]) {
    const d = pt64k.subarray(0, n);
    figure('crypto.chacha20', 'ops/s', b, () => {
      for (let i = 0; i < 20; i++) b.chacha20(key, nonce, d);
      return 20;
    }, { bytes: n });
  }
}
