/**
 * The Node crypto backends against the core's noble backend: for random (and edge-case) keys,
 * points, signatures and messages, every `CryptoBackend` method gives the same output in every
 * backend, fails the same way (CryptoError / false / null) on invalid input and never mutates its
 * inputs; plus the load-failure fallback of `bestBackend()`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { nobleBackend } from '@lnts/lightning/crypto';
import { CryptoError, fromHex, toHex } from '@lnts/lightning/util';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import fc from 'fast-check';
import {
  BackendUnavailable,
  bestBackend,
  CHACHA_NODE_MIN,
  SMALL_AEAD_MAX,
  createNativeBackend,
  loadNativeBackend,
  loadWasmBackend,
  type NativeSecp256k1,
  nativeBackend,
  requireNativeSecp256k1,
  requireTinySecp256k1,
  wasmBackend,
} from '../../src/crypto/index.js';
import { poly1305FullBlocks } from '../../src/crypto/small_aead.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const native = loadNativeBackend();
const wasm = loadWasmBackend();
const ALL: readonly CryptoBackend[] = [nobleBackend, native, wasm];

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const big32 = (v: bigint) => fromHex(v.toString(16).padStart(64, '0'));
/** Scalars at and around the edges of [1, n-1], plus wrong lengths. */
const EDGE_SCALARS = [0n, 1n, 2n, N - 1n, N, N + 1n, (1n << 256n) - 1n].map(big32).concat([new Uint8Array(31).fill(1), new Uint8Array(33).fill(1)]);

type Outcome = { v: string } | { throws: string };
function show(r: unknown): string {
  if (r instanceof Uint8Array) return toHex(r);
  if (r !== null && typeof r === 'object' && 'sig' in r && 'recid' in r) {
    const s = r as { sig: Uint8Array; recid: number };
    return `${toHex(s.sig)}/${s.recid}`;
  }
  return String(r);
}
function outcome(f: () => unknown): Outcome {
  try {
    return { v: show(f()) };
  } catch (e) {
    return { throws: e instanceof CryptoError ? 'CryptoError' : `other ${e instanceof Error ? e.name : typeof e}` };
  }
}

/**
 * Runs `call` on every backend and asserts identical outcomes, and that no input was mutated.
 * `looseErrors`: noble's ChaCha20 reports bad lengths with its own RangeError; there only "throws"
 * must agree, and the Node backends must still throw CryptoError.
 */
function agree(what: string, inputs: readonly Uint8Array[], call: (b: CryptoBackend) => unknown, looseErrors = false): Outcome {
  const before = inputs.map((x) => toHex(x));
  const results = ALL.map((b) => outcome(() => call(b)));
  for (let i = 0; i < inputs.length; i++) assert.equal(toHex(inputs[i]!), before[i], `${what}: input ${i} mutated`);
  const norm = (o: Outcome, b: CryptoBackend): Outcome => (looseErrors && 'throws' in o && b === nobleBackend ? { throws: 'CryptoError' } : o);
  const ref = norm(results[0]!, nobleBackend);
  for (let i = 1; i < ALL.length; i++) assert.deepEqual(norm(results[i]!, ALL[i]!), ref, `${what}: ${ALL[i]!.name} differs from noble`);
  return ref;
}

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const scalarArb = fc.oneof({ weight: 6, arbitrary: bytes32 }, { weight: 2, arbitrary: fc.constantFrom(...EDGE_SCALARS) });
const validScalar = bytes32.filter((b) => nobleBackend.isValidSecretKey(b));
/** Points: valid ones, their negations, garbage, wrong encodings. */
const pointArb = fc.oneof(
  { weight: 6, arbitrary: validScalar.map((s) => nobleBackend.publicKey(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 33, maxLength: 33 }) },
  { weight: 1, arbitrary: bytes32.map((x) => Uint8Array.of(2 + (x[0]! & 1), ...x)) },
  { weight: 1, arbitrary: bytes32.map((x) => Uint8Array.of(4, ...x)) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(33), new Uint8Array(65).fill(4), fromHex(`02${'ff'.repeat(32)}`)) },
);
const negate = (p: Uint8Array) => Uint8Array.of(p[0]! ^ 1, ...p.subarray(1));

test('every backend self-reports its name and loads here', () => {
  assert.deepEqual(
    ALL.map((b) => b.name),
    ['noble', 'native', 'wasm'],
  );
  assert.equal(bestBackend().name, 'native');
});

test('hashes, HMAC and HASH160 agree on random data', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 100 }), (d, k) => {
      agree('sha256', [d], (b) => b.sha256(d));
      agree('hmacSha256', [k, d], (b) => b.hmacSha256(k, d));
      agree('hash160', [d], (b) => b.hash160(d));
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test('key validation, public keys, ECDH and tweaks agree, including edge scalars and bad points', () => {
  fc.assert(
    fc.property(scalarArb, scalarArb, pointArb, pointArb, (s, t, p, q) => {
      agree('isValidSecretKey', [s], (b) => b.isValidSecretKey(s));
      agree('isValidPublicKey', [p], (b) => b.isValidPublicKey(p));
      agree('publicKey', [s], (b) => b.publicKey(s));
      agree('ecdh', [s, p], (b) => b.ecdh(s, p));
      agree('pointAdd', [p, q], (b) => b.pointAdd(p, q));
      agree('pointAddScalar', [p, t], (b) => b.pointAddScalar(p, t));
      agree('pointMultiply', [p, t], (b) => b.pointMultiply(p, t));
      agree('secretAdd', [s, t], (b) => b.secretAdd(s, t));
      agree('secretMultiply', [s, t], (b) => b.secretMultiply(s, t));
    }),
    { seed: SEED, numRuns: 120 },
  );
});

test('results at infinity or zero are CryptoErrors in every backend', () => {
  fc.assert(
    fc.property(validScalar, (s) => {
      const p = nobleBackend.publicKey(s);
      const minusS = big32(N - BigInt(`0x${toHex(s)}`));
      assert.deepEqual(agree('P + (-P)', [p], (b) => b.pointAdd(p, negate(p))), { throws: 'CryptoError' });
      assert.deepEqual(agree('sG + (n-s)G', [p, minusS], (b) => b.pointAddScalar(p, minusS)), { throws: 'CryptoError' });
      assert.deepEqual(agree('s + (n-s)', [s, minusS], (b) => b.secretAdd(s, minusS)), { throws: 'CryptoError' });
      assert.deepEqual(agree('0·P', [p], (b) => b.pointMultiply(p, new Uint8Array(32))), { throws: 'CryptoError' });
      // A zero tweak is allowed for addition and leaves the point / secret unchanged.
      assert.deepEqual(agree('P + 0G', [p], (b) => b.pointAddScalar(p, new Uint8Array(32))), { v: toHex(p) });
      assert.deepEqual(agree('s + 0', [s], (b) => b.secretAdd(s, new Uint8Array(32))), { v: toHex(s) });
    }),
    { seed: SEED, numRuns: 40 },
  );
});

test('ECDSA: deterministic RFC 6979 signatures, verify and recover agree, high-S and malformed signatures rejected', () => {
  fc.assert(
    fc.property(scalarArb, bytes32, fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: -1, max: 4 }), (s, m, junk, recid) => {
      const sig = agree('signEcdsa', [m, s], (b) => b.signEcdsa(m, s));
      agree('signEcdsaRecoverable', [m, s], (b) => b.signEcdsaRecoverable(m, s));
      if (!('v' in sig)) return;
      const sigBytes = fromHex(sig.v);
      const pub = nobleBackend.publicKey(s);
      assert.deepEqual(agree('verify own', [sigBytes, m, pub], (b) => b.verifyEcdsa(sigBytes, m, pub)), { v: 'true' });
      const other = Uint8Array.from(m);
      other[0]! ^= 1;
      assert.deepEqual(agree('verify other msg', [sigBytes, other, pub], (b) => b.verifyEcdsa(sigBytes, other, pub)), { v: 'false' });
      // The same signature with s replaced by n - s is valid ECDSA but not low-S: rejected everywhere.
      const high = Uint8Array.from(sigBytes);
      high.set(big32(N - BigInt(`0x${toHex(sigBytes.subarray(32))}`)), 32);
      assert.deepEqual(agree('verify high-S', [high, m, pub], (b) => b.verifyEcdsa(high, m, pub)), { v: 'false' });
      agree('verify junk', [junk, m, pub], (b) => b.verifyEcdsa(junk, m, pub));
      agree('verify r=0', [m, pub], (b) => b.verifyEcdsa(new Uint8Array(64), m, pub));
      const bigR = Uint8Array.from(sigBytes);
      bigR.set(big32(N), 0);
      assert.deepEqual(agree('verify r=n', [bigR, m, pub], (b) => b.verifyEcdsa(bigR, m, pub)), { v: 'false' });
      agree('verify short sig', [m, pub], (b) => b.verifyEcdsa(sigBytes.subarray(1), m, pub));
      for (let id = 0; id < 4; id++) agree(`recover ${id}`, [sigBytes, m], (b) => b.recoverEcdsa(sigBytes, id, m));
      agree('recover high-S', [high, m], (b) => b.recoverEcdsa(high, 0, m));
      agree('recover junk', [junk, m], (b) => b.recoverEcdsa(junk, recid, m));
    }),
    { seed: SEED, numRuns: 60 },
  );
});

test('the recoverable signature recovers the signer in every backend', () => {
  fc.assert(
    fc.property(validScalar, bytes32, (s, m) => {
      const pub = toHex(nobleBackend.publicKey(s));
      for (const b of ALL) {
        const { sig, recid } = b.signEcdsaRecoverable(m, s);
        assert.equal(toHex(b.signEcdsa(m, s)), toHex(sig), b.name);
        assert.equal(show(b.recoverEcdsa(sig, recid, m)), pub, b.name);
      }
    }),
    { seed: SEED, numRuns: 30 },
  );
});

test('node backends refuse digests that are not 32 bytes (CryptoError / null)', () => {
  for (const b of [native, wasm]) {
    for (const m of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      const s = new Uint8Array(32).fill(3);
      assert.throws(() => b.signEcdsa(m, s), CryptoError, b.name);
      assert.throws(() => b.signEcdsaRecoverable(m, s), CryptoError, b.name);
      assert.equal(b.recoverEcdsa(new Uint8Array(64).fill(1), 0, m), null, b.name);
      assert.equal(b.verifyEcdsa(new Uint8Array(64).fill(1), m, b.publicKey(s)), false, b.name);
    }
  }
});

test('noble refuses digests that are not 32 bytes too', () => {
  for (const n of [0, 31, 33]) {
    assert.throws(() => nobleBackend.signEcdsa(new Uint8Array(n), new Uint8Array(32).fill(3)), CryptoError);
    assert.throws(() => nobleBackend.signEcdsaRecoverable(new Uint8Array(n), new Uint8Array(32).fill(3)), CryptoError);
  }
});

test('ChaCha20 (both sides of the noble/OpenSSL crossover) and ChaCha20-Poly1305 agree; tampering is null everywhere', () => {
  const len = fc.oneof(
    fc.integer({ min: 0, max: 80 }),
    fc.integer({ min: SMALL_AEAD_MAX - 40, max: SMALL_AEAD_MAX + 40 }),
    fc.integer({ min: CHACHA_NODE_MIN - 70, max: CHACHA_NODE_MIN + 70 }),
    fc.integer({ min: 0, max: 3000 }),
  );
  fc.assert(
    fc.property(bytes32, fc.uint8Array({ minLength: 12, maxLength: 12 }), len.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), fc.uint8Array({ maxLength: 70 }), fc.nat({ max: 1_000_000 }), fc.nat(), (k, n, d, ad, counter, flipAt) => {
      agree('chacha20', [k, n, d], (b) => b.chacha20(k, n, d, counter));
      agree('chacha20 counter 0', [k, n, d], (b) => b.chacha20(k, n, d));
      const sealed = agree('aeadSeal', [k, n, ad, d], (b) => b.aeadSeal(k, n, ad, d));
      assert.ok('v' in sealed);
      const ct = fromHex(sealed.v);
      assert.equal(ct.length, d.length + 16);
      assert.deepEqual(agree('aeadOpen', [k, n, ad, ct], (b) => b.aeadOpen(k, n, ad, ct)), { v: toHex(d) });
      const bad = Uint8Array.from(ct);
      bad[flipAt % bad.length]! ^= 1;
      assert.deepEqual(agree('aeadOpen tampered', [k, n, ad, bad], (b) => b.aeadOpen(k, n, ad, bad)), { v: 'null' });
      const otherAd = Uint8Array.of(...ad, 0);
      assert.deepEqual(agree('aeadOpen other AD', [k, n, otherAd, ct], (b) => b.aeadOpen(k, n, otherAd, ct)), { v: 'null' });
    }),
    { seed: SEED, numRuns: 150 },
  );
});

test('the hand-written short-message AEAD: RFC 8439 §2.8.2 and Poly1305 carry edge cases agree with OpenSSL and noble', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const nonce = fromHex('070000004041424344454647');
  const ad = fromHex('50515253c0c1c2c3c4c5c6c7');
  const pt = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  assert.ok(pt.length <= SMALL_AEAD_MAX); // so the native backend takes the hand-written path
  const sealed = native.aeadSeal(key, nonce, ad, pt);
  assert.equal(toHex(sealed.subarray(0, 16)), 'd31a8d34648e60db7b86afbc53ef7ec2'); // RFC 8439 §2.8.2 ciphertext start
  assert.equal(toHex(sealed.subarray(pt.length)), '1ae10b594f09e26a7e902ecbd0600691'); // and its tag
  assert.deepEqual(agree('rfc8439', [key, nonce, ad, pt], (b) => b.aeadSeal(key, nonce, ad, pt)), { v: toHex(sealed) });
  // All-ones text and AD push the Poly1305 accumulator towards 2^130 - 5, where the final
  // reduction matters; every length up to the OpenSSL hand-over is covered.
  for (let n = 0; n <= SMALL_AEAD_MAX + 1; n++) {
    for (const fill of [0x00, 0xff]) {
      const k = new Uint8Array(32).fill(n);
      const m = new Uint8Array(n).fill(fill);
      const a = new Uint8Array(n % 33).fill(fill);
      const out = agree(`seal ${n} x ${fill}`, [k, nonce, a, m], (b) => b.aeadSeal(k, nonce, a, m));
      assert.ok('v' in out);
      assert.deepEqual(agree(`open ${n}`, [], (b) => b.aeadOpen(k, nonce, a, fromHex(out.v))), { v: toHex(m) });
    }
  }
});

test('Poly1305 final reduction: RFC 8439 Appendix A.3 edge cases and random full blocks agree with noble', () => {
  const ff = 'ff'.repeat(16);
  const zero = '00'.repeat(16);
  const r = (b: string) => b.padEnd(32, '0');
  // [r ‖ s, message]: accumulators that land on or just above 2^130 - 5 (RFC 8439 A.3 #5-#9).
  const cases: [string, string][] = [
    [r('02') + zero, ff],
    [r('02') + ff, r('02')],
    [r('01') + zero, `${ff}f0${'ff'.repeat(15)}${r('11')}`],
    [r('01') + zero, `${ff}fb${'fe'.repeat(15)}${'01'.repeat(16)}`],
    [r('02') + zero, `fd${'ff'.repeat(15)}`],
    [r('01') + zero, ff + ff],
    [ff + ff, ff + ff + ff],
  ];
  for (const [k, m] of cases) {
    assert.equal(toHex(poly1305FullBlocks(fromHex(k), fromHex(m))), toHex(noblePoly1305(fromHex(m), fromHex(k))), `key ${k} msg ${m}`);
  }
  fc.assert(
    fc.property(bytes32, fc.integer({ min: 0, max: 12 }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n })), (k, m) => {
      assert.equal(toHex(poly1305FullBlocks(k, m)), toHex(noblePoly1305(m, k)));
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test('ChaCha20 / AEAD with bad key, nonce or counter: every backend throws (the node ones CryptoError), open gives null', () => {
  const k = new Uint8Array(32).fill(9);
  const n = new Uint8Array(12);
  const d = new Uint8Array(CHACHA_NODE_MIN * 2);
  const cases: [string, Uint8Array, Uint8Array][] = [
    ['short key', new Uint8Array(31), n],
    ['long key', new Uint8Array(33), n],
    ['short nonce', k, new Uint8Array(11)],
    ['long nonce', k, new Uint8Array(16)],
  ];
  for (const [what, kk, nn] of cases) {
    for (const data of [d, d.subarray(0, 5)]) {
      assert.deepEqual(agree(`chacha20 ${what}`, [kk, nn], (b) => b.chacha20(kk, nn, data), true), { throws: 'CryptoError' });
      assert.deepEqual(agree(`aeadSeal ${what}`, [kk, nn], (b) => b.aeadSeal(kk, nn, new Uint8Array(0), data), true), { throws: 'CryptoError' });
    }
    assert.deepEqual(agree(`aeadOpen ${what}`, [kk, nn], (b) => b.aeadOpen(kk, nn, new Uint8Array(0), d)), { v: 'null' });
  }
  assert.deepEqual(agree('aeadOpen shorter than a tag', [], (b) => b.aeadOpen(k, n, new Uint8Array(0), new Uint8Array(15))), { v: 'null' });
  assert.deepEqual(agree('chacha20 counter overflow', [], (b) => b.chacha20(k, n, d, 0xffffffff), true), { throws: 'CryptoError' });
});

test('outputs are plain Uint8Arrays that own their bytes (no Buffer semantics leak)', () => {
  const k = new Uint8Array(32).fill(1);
  const n = new Uint8Array(12);
  for (const b of [native, wasm]) {
    const outs = [
      b.sha256(k),
      b.hmacSha256(k, k),
      b.hash160(k),
      b.chacha20(k, n, new Uint8Array(1000)),
      b.aeadSeal(k, n, k, new Uint8Array(100)),
      b.aeadOpen(k, n, k, b.aeadSeal(k, n, k, new Uint8Array(100)))!,
      b.aeadSeal(k, n, k, new Uint8Array(5000)),
      b.aeadOpen(k, n, k, b.aeadSeal(k, n, k, new Uint8Array(5000)))!,
      b.publicKey(k),
      b.signEcdsa(k, k),
    ];
    for (const o of outs) {
      assert.equal(Object.getPrototypeOf(o), Uint8Array.prototype, b.name);
      // Not a window into a shared pool: `.buffer` holds exactly these bytes.
      assert.equal(o.byteOffset, 0, b.name);
      assert.equal(o.buffer.byteLength, o.length, b.name);
    }
  }
});

// --- loading and fallback ----------------------------------------------------------------------

const failing = (): never => {
  throw new Error('simulated: no prebuild for this platform');
};

test('loadNativeBackend reports a failing addon load as BackendUnavailable', () => {
  assert.throws(
    () => loadNativeBackend(failing),
    (e) => e instanceof BackendUnavailable && e.backend === 'native' && /simulated/.test(e.message),
  );
  assert.throws(() => loadWasmBackend(failing), (e) => e instanceof BackendUnavailable && e.backend === 'wasm');
});

test('bestBackend falls back to wasm when the native addon fails to load, then to noble', () => {
  const skipped: BackendUnavailable[] = [];
  const a = bestBackend({ requireNative: failing, onFallback: (e) => skipped.push(e) });
  assert.equal(a.name, 'wasm');
  assert.deepEqual(
    skipped.map((e) => e.backend),
    ['native'],
  );
  // The fallback works: it completes a BOLT 8 ECDH like the native one.
  const s = new Uint8Array(32).fill(5);
  assert.equal(toHex(a.ecdh(s, native.publicKey(s))), toHex(native.ecdh(s, native.publicKey(s))));
  const b = bestBackend({ requireNative: failing, requireWasm: failing, onFallback: (e) => skipped.push(e) });
  assert.equal(b, nobleBackend);
  assert.deepEqual(
    skipped.map((e) => e.backend),
    ['native', 'native', 'wasm'],
  );
  assert.equal(bestBackend({ requireNative: requireNativeSecp256k1, requireWasm: requireTinySecp256k1 }).name, 'native');
});

test('a binding that loads but computes wrong answers fails its self-test and is skipped', () => {
  const real = requireNativeSecp256k1();
  const broken: NativeSecp256k1 = { ...real, publicKeyCreate: (sk: Uint8Array) => real.publicKeyCreate(Uint8Array.from(sk).fill(7)) };
  assert.throws(() => loadNativeBackend(() => broken), BackendUnavailable);
  const lying: NativeSecp256k1 = { ...real, ecdsaVerify: () => true };
  assert.throws(() => loadNativeBackend(() => lying), BackendUnavailable);
  const skipped: string[] = [];
  assert.equal(bestBackend({ requireNative: () => broken, onFallback: (e) => skipped.push(e.message) }).name, 'wasm');
  assert.equal(skipped.length, 1);
  // createNativeBackend itself does no self-test: it trusts what it is given.
  assert.equal(createNativeBackend(broken).name, 'native');
});

test('nativeBackend / wasmBackend values load on first use and forward every method', () => {
  const s = new Uint8Array(32).fill(4);
  const m = new Uint8Array(32).fill(5);
  for (const [lazy, loaded] of [
    [nativeBackend, native],
    [wasmBackend, wasm],
  ] as const) {
    assert.equal(lazy.name, loaded.name);
    const pub = lazy.publicKey(s);
    assert.equal(toHex(pub), toHex(loaded.publicKey(s)));
    assert.equal(toHex(lazy.signEcdsa(m, s)), toHex(loaded.signEcdsa(m, s)));
    assert.equal(lazy.verifyEcdsa(lazy.signEcdsa(m, s), m, pub), true);
    assert.equal(toHex(lazy.ecdh(s, pub)), toHex(loaded.ecdh(s, pub)));
    assert.equal(toHex(lazy.aeadSeal(s, m.subarray(0, 12), m, m)), toHex(loaded.aeadSeal(s, m.subarray(0, 12), m, m)));
    assert.throws(() => lazy.publicKey(new Uint8Array(32)), CryptoError);
  }
});
