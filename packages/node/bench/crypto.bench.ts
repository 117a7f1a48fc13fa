/**
 * Per-operation cost of each crypto backend (noble, wasm, native) on the primitives Lightning's hot
 * paths use: ECDSA sign/verify (gossip, commitment signatures), ECDH (BOLT 8 handshake, BOLT 4
 * onion), point tweaks (BOLT 3 key derivation, onion blinding), SHA-256 and ChaCha20-Poly1305
 * (BOLT 8 transport; 2 B is the length prefix, 100 B goes through the Node backends' hand-written
 * short-message AEAD, 64 KiB through OpenSSL), plus raw ChaCha20 on both sides of the
 * noble/OpenSSL crossover.
 * One JSON line per figure: `{"bench":"crypto.verify","unit":"ops/s","value":..,"backend":"native"}`.
 */
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { nobleBackend } from '@lnts/lightning/crypto';
import { EcdsaVerifyPool, loadNativeBackend, loadWasmBackend, requireNativeSecp256k1, verifyEcdsaInline } from '../src/crypto/index.js';
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
const pt2 = filled(2, 9);
const pt100 = filled(100, 7);
const pt64k = filled(65536, 8);

interface Spec {
  readonly bench: string;
  readonly extra?: Record<string, unknown>;
  /** Builds the timed body for one backend (set-up such as signing happens outside the timing). */
  readonly make: (b: CryptoBackend) => () => number;
}

const times = (n: number, f: () => unknown) => () => {
  for (let i = 0; i < n; i++) f();
  return n;
};
const specs: Spec[] = [
  { bench: 'crypto.sign', make: (b) => times(1, () => b.signEcdsa(msg32, secret)) },
  {
    bench: 'crypto.verify',
    make: (b) => {
      const pub = b.publicKey(secret);
      const sig = b.signEcdsa(msg32, secret);
      return () => (b.verifyEcdsa(sig, msg32, pub) ? 1 : 0);
    },
  },
  {
    bench: 'crypto.ecdh',
    make: (b) => {
      const pub = b.publicKey(secret);
      return times(1, () => b.ecdh(secret, pub));
    },
  },
  {
    bench: 'crypto.pointAddScalar',
    make: (b) => {
      const pub = b.publicKey(secret);
      return times(1, () => b.pointAddScalar(pub, tweak));
    },
  },
  {
    bench: 'crypto.pointMultiply',
    make: (b) => {
      const pub = b.publicKey(secret);
      return times(1, () => b.pointMultiply(pub, tweak));
    },
  },
  { bench: 'crypto.sha256', extra: { bytes: 32 }, make: (b) => times(100, () => b.sha256(data32)) },
  { bench: 'crypto.sha256', extra: { bytes: 64 }, make: (b) => times(100, () => b.sha256(data64)) },
  // 2 bytes: the BOLT 8 length prefix, sealed once per message.
  { bench: 'crypto.aeadSeal', extra: { bytes: 2 }, make: (b) => times(20, () => b.aeadSeal(key, nonce, empty, pt2)) },
  { bench: 'crypto.aeadSeal', extra: { bytes: 100 }, make: (b) => times(20, () => b.aeadSeal(key, nonce, empty, pt100)) },
  { bench: 'crypto.aeadSeal', extra: { bytes: 65536 }, make: (b) => times(1, () => b.aeadSeal(key, nonce, empty, pt64k)) },
  ...[64, 256, 1300].map((n) => ({
    bench: 'crypto.chacha20',
    extra: { bytes: n },
    make: (b: CryptoBackend) => times(20, () => b.chacha20(key, nonce, pt64k.subarray(0, n))),
  })),
];

const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const all = backends();
for (const spec of specs) {
  if (!wanted(spec.bench)) continue;
  // Backends take turns in short slices and report medians, so load changes on the shared
  // machine hit all of them alike.
  const runs = all.map((b) => ({ b, fn: spec.make(b), values: [] as number[] }));
  for (let r = 0; r < ROUNDS; r++) for (const x of runs) x.values.push(opsPerSec(x.fn, MIN_MS / ROUNDS));
  for (const x of runs) emit({ bench: spec.bench, unit: 'ops/s', value: median(x.values), backend: x.b.name, rounds: ROUNDS, ...spec.extra });
}

// verifyEcdsaBatch of the native backend — a worker pool beside the calling thread — against
// one-by-one verification, by batch size: where the pool starts to pay (its inline threshold,
// VERIFY_BATCH_INLINE_BELOW) and what it gains on large batches.
if (wanted('crypto.verify_batch')) {
  const lib = requireNativeSecp256k1();
  const native = loadNativeBackend();
  const pool = new EcdsaVerifyPool(lib, { inlineBelow: 1 });
  const items = Array.from({ length: 1000 }, (_, i) => {
    const sk = native.sha256(Uint8Array.of(i & 255, i >> 8));
    const m = native.sha256(Uint8Array.of(i & 255, i >> 8, 1));
    return { sig: native.signEcdsa(m, sk), msg32: m, pubkey: native.publicKey(sk) };
  });
  // Start the workers and wait until they take part.
  for (let i = 0; i < 200 && pool.stats.workerItems === 0; i++) {
    pool.verify(items);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  for (const n of [4, 8, 12, 16, 24, 32, 64, 256, 1000]) {
    const batch = items.slice(0, n);
    const inline: number[] = [];
    const pooled: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      inline.push(opsPerSec(() => verifyEcdsaInline(lib, batch).length, MIN_MS / ROUNDS));
      pooled.push(opsPerSec(() => pool.verify(batch).length, MIN_MS / ROUNDS));
    }
    const value = median(pooled);
    emit({ bench: 'crypto.verify_batch', unit: 'sigs/s', value, items: n, inline: Math.round(median(inline)), speedup: Number((value / median(inline)).toFixed(2)), workers: pool.readyWorkers, backend: 'native' });
  }
  await pool.close();
}
