// Seeded random P2WSH scripts and witness stacks over the opcodes the interpreter implements, for
// differential testing against Bitcoin Core: small numbers and pushes (some deliberately
// non-minimal), stack and arithmetic operations, conditionals (sometimes unbalanced), hashes and
// lock-time checks, so that valid scripts, policy-only failures and consensus failures all occur.
import fc from 'fast-check';

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
const op = fc.oneof(
  { weight: 6, arbitrary: push },
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
export const randomStack = fc.array(
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ITEMS).map((b) => Uint8Array.from(b)) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  { minLength: 1, maxLength: 5 },
);

/** nSequence values: final, disabled-type, small relative locks. */
export const randomSequence = fc.constantFrom(0xffffffff, 0xfffffffe, 0, 1, 2, 0x80000001, 0x00400000);
