import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend } from '@lnts/lightning/crypto';
import { toHex } from '@lnts/lightning/util';
import { loadNativeBackend, requireNativeSecp256k1 } from '../../src/crypto/index.js';
import { compressPoint } from '../../src/crypto/point_forms.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const native = loadNativeBackend();
const scalar = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((s) => nobleBackend.isValidSecretKey(s));

test('native point operations give noble’s answers when points are reused, chained and changed in place', () => {
  fc.assert(
    fc.property(scalar, scalar, scalar, (a, t1, t2) => {
      // A basepoint tweaked twice (the second call reads the remembered form), a derived key fed
      // to the next operation, then the caller's array overwritten with another point.
      const p = native.publicKey(a);
      assert.equal(toHex(p), toHex(nobleBackend.publicKey(a)));
      for (const t of [t1, t2, t1]) {
        assert.equal(toHex(native.pointAddScalar(p, t)), toHex(nobleBackend.pointAddScalar(p, t)));
        assert.equal(toHex(native.pointMultiply(p, t)), toHex(nobleBackend.pointMultiply(p, t)));
      }
      const m = native.pointMultiply(p, t1);
      const q = native.pointAddScalar(m, t2);
      assert.equal(toHex(native.pointAdd(m, q)), toHex(nobleBackend.pointAdd(m, q)));
      const sig = native.signEcdsa(t2, native.secretAdd(native.secretMultiply(a, t1), t2));
      assert.ok(native.verifyEcdsa(sig, t2, q), 'a key derived here verifies as itself');
      const other = nobleBackend.publicKey(t2);
      p.set(other);
      assert.equal(toHex(native.pointAddScalar(p, t1)), toHex(nobleBackend.pointAddScalar(other, t1)), 'the new bytes count, not the remembered point');
      assert.equal(native.verifyEcdsa(sig, t2, q.fill(2, 0, 1)), nobleBackend.verifyEcdsa(sig, t2, q));
      assert.equal(native.isValidPublicKey(m), true);
      m[5]! ^= 1;
      assert.equal(native.isValidPublicKey(m), nobleBackend.isValidPublicKey(m));
    }),
    { seed: SEED, numRuns: 50 },
  );
});

test('compressPoint is SEC 1 compression, for both parities of y', () => {
  const lib = requireNativeSecp256k1();
  const seen = new Set<number>();
  for (let i = 1; i <= 16; i++) {
    const c = nobleBackend.publicKey(new Uint8Array(32).fill(i));
    seen.add(c[0]!);
    assert.equal(toHex(compressPoint(lib.publicKeyConvert(c, false))), toHex(c));
  }
  assert.deepEqual([...seen].sort(), [2, 3]);
});
