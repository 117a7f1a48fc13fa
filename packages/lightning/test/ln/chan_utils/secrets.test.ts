import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import { buildCommitmentSecret, CommitmentSecretChain, CounterpartyCommitmentSecrets, INITIAL_COMMITMENT_NUMBER } from '../../../src/ln/chan_utils/secrets.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { V } from './fixture.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);

describe('BOLT 3 Appendix D: per-commitment secret generation', () => {
  for (const v of V.secret_gen) {
    test(v.name, () => {
      assert.equal(toHex(buildCommitmentSecret(fromHex(v.seed), BigInt(v.index), crypto)), v.secret);
    });
  }
});

describe('CommitmentSecretChain: generate_from_seed with the last hash chain kept', () => {
  test('the Appendix D vectors, in order and again in reverse', () => {
    for (const v of [...V.secret_gen, ...[...V.secret_gen].reverse()]) {
      const chain = new CommitmentSecretChain(fromHex(v.seed), crypto);
      assert.equal(toHex(chain.secret(BigInt(v.index))), v.secret, v.name);
    }
  });

  test('property: any sequence of indices (runs counting down, jumps, repeats) gives generate_from_seed exactly', () => {
    const index = fc.oneof(fc.bigInt({ min: 0n, max: INITIAL_COMMITMENT_NUMBER }), fc.bigInt({ min: INITIAL_COMMITMENT_NUMBER - 70n, max: INITIAL_COMMITMENT_NUMBER }));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.tuple(index, fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 12 }), (seed, runs) => {
        const chain = new CommitmentSecretChain(seed, crypto);
        for (const [start, len] of runs) {
          for (let k = 0n; k < BigInt(len) && start - k >= 0n; k++) {
            const got = chain.secret(start - k);
            assert.equal(toHex(got), toHex(buildCommitmentSecret(seed, start - k, crypto)));
            got.fill(0); // the caller's copy: scribbling on it must not change later answers
          }
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
    assert.throws(() => new CommitmentSecretChain(new Uint8Array(32), crypto).secret(INITIAL_COMMITMENT_NUMBER + 1n), RangeError);
  });
});

describe('BOLT 3 Appendix D: storage', () => {
  for (const v of V.secret_store) {
    test(v.name, () => {
      const store = new CounterpartyCommitmentSecrets();
      for (const [k, step] of v.steps.entries()) {
        const ok = store.provideSecret(BigInt(step.index), fromHex(step.secret), crypto);
        assert.equal(ok, step.ok, `step ${k} (index ${step.index})`);
        if (!ok) break;
        // Every secret accepted so far is still retrievable.
        for (const prev of v.steps.slice(0, k + 1)) {
          assert.equal(toHex(store.getSecret(BigInt(prev.index), crypto)!), prev.secret);
        }
      }
    });
  }

  test('a rejected secret leaves the store unchanged', () => {
    const bad = V.secret_store.find((v) => v.steps.some((s) => !s.ok))!;
    const store = new CounterpartyCommitmentSecrets();
    const before: string[] = [];
    for (const step of bad.steps) {
      if (!step.ok) {
        const enc = toHex(store.encode());
        assert.equal(store.provideSecret(BigInt(step.index), fromHex(step.secret), crypto), false);
        assert.equal(toHex(store.encode()), enc);
        assert.equal(store.getSecret(BigInt(step.index), crypto), null);
        break;
      }
      store.provideSecret(BigInt(step.index), fromHex(step.secret), crypto);
      before.push(step.secret);
    }
    assert.ok(before.length > 0);
  });

  test('secrets must arrive in order; unknown indices are null', () => {
    const seed = new Uint8Array(32).fill(7);
    const store = new CounterpartyCommitmentSecrets();
    const s = (i: bigint) => buildCommitmentSecret(seed, i, crypto);
    assert.equal(store.provideSecret(INITIAL_COMMITMENT_NUMBER - 1n, s(INITIAL_COMMITMENT_NUMBER - 1n), crypto), false);
    assert.equal(store.provideSecret(INITIAL_COMMITMENT_NUMBER, s(INITIAL_COMMITMENT_NUMBER), crypto), true);
    assert.equal(store.provideSecret(INITIAL_COMMITMENT_NUMBER, s(INITIAL_COMMITMENT_NUMBER), crypto), true, 'idempotent');
    assert.equal(store.provideSecret(INITIAL_COMMITMENT_NUMBER, s(5n), crypto), false, 'conflicting value');
    assert.equal(store.provideSecret(INITIAL_COMMITMENT_NUMBER - 2n, s(INITIAL_COMMITMENT_NUMBER - 2n), crypto), false, 'gap');
    assert.equal(store.getSecret(INITIAL_COMMITMENT_NUMBER - 1n, crypto), null);
  });

  test('property: any run of secrets from one seed is accepted, stored in 49 slots, and survives encode/decode', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 300 }), (seed, n) => {
        const store = new CounterpartyCommitmentSecrets();
        for (let k = 0n; k < BigInt(n); k++) {
          const idx = INITIAL_COMMITMENT_NUMBER - k;
          assert.equal(store.provideSecret(idx, buildCommitmentSecret(seed, idx, crypto), crypto), true);
        }
        const back = CounterpartyCommitmentSecrets.decode(store.encode());
        assert.ok(!(back instanceof DecodeError));
        assert.equal(toHex(back.encode()), toHex(store.encode()));
        for (let k = 0n; k < BigInt(n); k += 7n) {
          const idx = INITIAL_COMMITMENT_NUMBER - k;
          assert.equal(toHex(back.getSecret(idx, crypto)!), toHex(buildCommitmentSecret(seed, idx, crypto)));
        }
        // A secret from another seed is refused once there is anything to check it against.
        const next = INITIAL_COMMITMENT_NUMBER - BigInt(n);
        const other = seed.slice();
        other[0]! ^= 1;
        const wrongAccepted = store.provideSecret(next, buildCommitmentSecret(other, next, crypto), crypto);
        // BOLT 3 checks a new secret only against slots below its own: an odd index (slot 0) has
        // nothing to be checked against, an even one always has the odd index before it in slot 0.
        assert.equal(wrongAccepted, next % 2n === 1n);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  test('decode rejects a wrong length and a slot holding an index that does not belong there', () => {
    assert.ok(CounterpartyCommitmentSecrets.decode(new Uint8Array(10)) instanceof DecodeError);
    const store = new CounterpartyCommitmentSecrets();
    store.provideSecret(INITIAL_COMMITMENT_NUMBER, new Uint8Array(32).fill(1), crypto);
    const enc = store.encode();
    // Slot 0 holds index 2^48-1 (no trailing zeros); move it to slot 1.
    const moved = enc.slice();
    moved.set(enc.subarray(0, 40), 40);
    moved.set(new Uint8Array(32), 0);
    moved.set(fromHex('0001000000000000'), 32);
    assert.ok(CounterpartyCommitmentSecrets.decode(moved) instanceof DecodeError);
  });
});
