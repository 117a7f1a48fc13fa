// Seeded random P2WSH scripts and witness stacks over the opcodes the interpreter implements, for
// differential testing against Bitcoin Core: small numbers and pushes (some deliberately
// non-minimal), stack and arithmetic operations, conditionals (sometimes unbalanced), hashes and
// lock-time checks, so that valid scripts, policy-only failures and consensus failures all occur.
import fc from 'fast-check';
import type { Transaction } from '@lnts/lightning/bitcoin';
import { derEncodeSignature, SIGHASH_ALL, SIGHASH_ANYONECANPAY, SIGHASH_NONE, SIGHASH_SINGLE } from '@lnts/lightning/bitcoin';
import { concat, equalBytes } from '@lnts/lightning/util';
import type { SignatureChecker } from '../../src/regtest/index.js';
import { corrupt, crypto, highS, key, witnessSig } from './helpers.js';

/** Keys the random scripts may name: three compressed, plus key 0 uncompressed (non-standard in segwit). */
export const RANDOM_KEYS = [key('rnd-0'), key('rnd-1'), key('rnd-2')];
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
function uncompressed(pub: Uint8Array): Uint8Array {
  let x = 0n;
  for (const b of pub.subarray(1)) x = (x << 8n) | BigInt(b);
  let y = modPow((modPow(x, 3n, P) + 7n) % P, (P + 1n) / 4n, P);
  if ((y & 1n) !== BigInt(pub[0]! & 1)) y = P - y;
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(pub.subarray(1), 1);
  for (let i = 64; i >= 33; i--) {
    out[i] = Number(y & 0xffn);
    y >>= 8n;
  }
  return out;
}
const PUBKEYS = [...RANDOM_KEYS.map((k) => k.pubkey), uncompressed(RANDOM_KEYS[0]!.pubkey)];
const keyIndexOf = (pub: Uint8Array): number => {
  const i = PUBKEYS.findIndex((p) => equalBytes(p, pub));
  return i === 3 ? 0 : i;
};

/** A witness item: bytes, or a signature to make once the spending transaction is known. */
export type StackItem = Uint8Array | { readonly key: number; readonly variant: 'good' | 'high' | 'bad'; readonly hashType: number };

const HASH_TYPES = [SIGHASH_ALL, SIGHASH_NONE, SIGHASH_SINGLE, SIGHASH_ALL | SIGHASH_ANYONECANPAY, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY, 0x04];
const DUMMY_MSG = new Uint8Array(32).fill(7);

function variantOf(sig: Uint8Array, variant: 'good' | 'high' | 'bad', hashType: number): Uint8Array {
  return variant === 'good' ? sig : variant === 'high' ? highS(sig, hashType) : corrupt(sig);
}

/** A stand-in signature (a real one over a fixed message) so scripts can be pre-run before the transaction exists. */
export function placeholder(item: StackItem): Uint8Array {
  if (item instanceof Uint8Array) return item;
  const sig = concat(derEncodeSignature(crypto.signEcdsa(DUMMY_MSG, RANDOM_KEYS[item.key]!.secret)), Uint8Array.of(item.hashType));
  return variantOf(sig, item.variant, item.hashType);
}

/** The real witness item for input 0 of `tx` spending `script` worth `value`. */
export function resolve(item: StackItem, tx: Transaction, script: Uint8Array, value: bigint): Uint8Array {
  if (item instanceof Uint8Array) return item;
  const sig = witnessSig(tx, 0, script, value, RANDOM_KEYS[item.key]!, item.hashType);
  return variantOf(sig, item.variant, item.hashType);
}

/** A checker for pre-runs: exactly the 'good' placeholders verify, against their key (either encoding of key 0). */
export const placeholderChecker = (base: SignatureChecker): SignatureChecker => ({
  checkEcdsa: (sig, pub) => {
    const k = keyIndexOf(pub);
    if (k < 0) return false;
    const hashType = sig[sig.length - 1]!;
    return equalBytes(sig, placeholder({ key: k, variant: 'good', hashType }));
  },
  checkLockTime: (n) => base.checkLockTime(n),
  checkSequence: (n) => base.checkSequence(n),
});

const NUMS = [0x00, 0x4f, 0x51, 0x52, 0x53, 0x55, 0x60];
const OPS_POOL = [
  0x61, // NOP
  0x69, // VERIFY
  0x6d, // 2DROP
  0x6e, // 2DUP
  0x73, // IFDUP
  0x74, // DEPTH
  0x75, // DROP
  0x76, // DUP
  0x77, // NIP
  0x78, // OVER
  0x79, // PICK
  0x7a, // ROLL
  0x7b, // ROT
  0x7c, // SWAP
  0x7d, // TUCK
  0x82, // SIZE
  0x87, // EQUAL
  0x88, // EQUALVERIFY
  0x8b, // 1ADD
  0x8c, // 1SUB
  0x8f, // NEGATE
  0x90, // ABS
  0x91, // NOT
  0x92, // 0NOTEQUAL
  0x93, // ADD
  0x94, // SUB
  0x9a, // BOOLAND
  0x9b, // BOOLOR
  0x9c, // NUMEQUAL
  0x9d, // NUMEQUALVERIFY
  0x9e, // NUMNOTEQUAL
  0x9f, // LESSTHAN
  0xa0, // GREATERTHAN
  0xa3, // MIN
  0xa4, // MAX
  0xa5, // WITHIN
  0xa6, // RIPEMD160
  0xa8, // SHA256
  0xa9, // HASH160
  0xaa, // HASH256
  0xb1, // CHECKLOCKTIMEVERIFY
  0xb2, // CHECKSEQUENCEVERIFY
  0xb3, // NOP4 (upgradable: discouraged by policy)
];
const ITEMS = [
  [],
  [0x01],
  [0x02],
  [0x81],
  [0x80],
  [0x00],
  [0x01, 0x00],
  [0x05],
  [0xff],
  [0x00, 0x80],
  [0x7f, 0xff, 0xff, 0xff, 0x00],
];

const push = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...NUMS).map((op) => [op]) },
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 3 }).map((d) => [d.length, ...d]) },
  // Non-minimal: a one-byte push of a small number, or PUSHDATA1 of a short item.
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 16 }).map((n) => [0x01, n]) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((n) => [0x4c, n, ...new Array<number>(n).fill(1)]) },
);
const sigOps = fc.oneof(
  fc.integer({ min: 0, max: 3 }).map((k) => [PUBKEYS[k]!.length, ...PUBKEYS[k]!]),
  fc.constantFrom([0xac], [0xad], [0xae], [0xaf]),
  // A well-formed m-of-n CHECKMULTISIG(VERIFY).
  fc
    .tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
    .map(([keys, m, verify]) => {
      const required = Math.min(m, keys.length);
      return [required === 0 ? 0x00 : 0x50 + required, ...keys.flatMap((k) => [PUBKEYS[k]!.length, ...PUBKEYS[k]!]), 0x50 + keys.length, verify ? 0xaf : 0xae];
    }),
);
const op = fc.oneof(
  { weight: 6, arbitrary: push },
  { weight: 3, arbitrary: sigOps },
  { weight: 8, arbitrary: fc.constantFrom(...OPS_POOL).map((o) => [o]) },
  { weight: 1, arbitrary: fc.constantFrom([0x63], [0x64], [0x67], [0x68]) }, // IF NOTIF ELSE ENDIF
);
const balancedIf = fc
  .tuple(fc.constantFrom(0x63, 0x64), fc.array(op, { maxLength: 3 }), fc.array(op, { maxLength: 3 }))
  .map(([o, a, b]) => [o, ...a.flat(), 0x67, ...b.flat(), 0x68]);

/** A random script (2..40 bytes of instructions). */
export const randomScript = fc
  .array(fc.oneof({ weight: 4, arbitrary: op }, { weight: 1, arbitrary: balancedIf }), { minLength: 1, maxLength: 10 })
  .map((parts) => Uint8Array.from(parts.flat()));

/** A random witness stack (excluding the script). */
const sigItem: fc.Arbitrary<StackItem> = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  variant: fc.constantFrom('good' as const, 'good' as const, 'high' as const, 'bad' as const),
  hashType: fc.constantFrom(...HASH_TYPES),
});
export const randomStack: fc.Arbitrary<StackItem[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ITEMS).map((b): StackItem => Uint8Array.from(b)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b): StackItem => b) },
    { weight: 2, arbitrary: sigItem },
  ),
  { minLength: 1, maxLength: 5 },
);

/** nSequence values: final, disabled-type, small relative locks. */
export const randomSequence = fc.constantFrom(0xffffffff, 0xfffffffe, 0, 1, 2, 0x80000001, 0x00400000);
