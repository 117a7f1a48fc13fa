import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../src/util/errors.js';
import { decodeValue, encodeValue } from '../../src/util/ser/value.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);

const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

test('plain values round-trip exactly', () => {
  fc.assert(
    fc.property(plain, (v) => {
      const back = decodeValue(encodeValue(v));
      assert.ok(!(back instanceof DecodeError));
      assert.deepEqual(back, v);
      assert.deepEqual(encodeValue(back), encodeValue(v));
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('decoding random bytes never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const r = decodeValue(b);
      if (r instanceof DecodeError) return;
      // Whatever decodes re-encodes to something that decodes to the same value.
      assert.deepEqual(decodeValue(encodeValue(r)), r);
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('non-minimal bigints and prototype keys are rejected', () => {
  assert.ok(decodeValue(Uint8Array.of(5, 0, 2, 0, 1)) instanceof DecodeError);
  const bytes = Uint8Array.from([9, 1, 9, ...new TextEncoder().encode('__proto__'), 1]);
  assert.ok(decodeValue(bytes) instanceof DecodeError);
});
