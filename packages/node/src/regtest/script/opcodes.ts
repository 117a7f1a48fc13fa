/**
 * The full opcode table the interpreter dispatches on (Bitcoin Core's `opcodetype`); the core's
 * `OP` holds only the opcodes Lightning's scripts are built from.
 * @module
 */
/** Opcode values by name. */
export const OPS = {
  OP_0: 0x00,
  OP_PUSHDATA1: 0x4c,
  OP_PUSHDATA2: 0x4d,
  OP_PUSHDATA4: 0x4e,
  OP_1NEGATE: 0x4f,
  OP_RESERVED: 0x50,
  OP_1: 0x51,
  OP_16: 0x60,
  OP_NOP: 0x61,
  OP_VER: 0x62,
  OP_IF: 0x63,
  OP_NOTIF: 0x64,
  OP_VERIF: 0x65,
  OP_VERNOTIF: 0x66,
  OP_ELSE: 0x67,
  OP_ENDIF: 0x68,
  OP_VERIFY: 0x69,
  OP_RETURN: 0x6a,
  OP_TOALTSTACK: 0x6b,
  OP_FROMALTSTACK: 0x6c,
  OP_2DROP: 0x6d,
  OP_2DUP: 0x6e,
  OP_3DUP: 0x6f,
  OP_2OVER: 0x70,
  OP_2ROT: 0x71,
  OP_2SWAP: 0x72,
  OP_IFDUP: 0x73,
  OP_DEPTH: 0x74,
  OP_DROP: 0x75,
  OP_DUP: 0x76,
  OP_NIP: 0x77,
  OP_OVER: 0x78,
  OP_PICK: 0x79,
  OP_ROLL: 0x7a,
  OP_ROT: 0x7b,
  OP_SWAP: 0x7c,
  OP_TUCK: 0x7d,
  OP_CAT: 0x7e,
  OP_SUBSTR: 0x7f,
  OP_LEFT: 0x80,
  OP_RIGHT: 0x81,
  OP_SIZE: 0x82,
  OP_INVERT: 0x83,
  OP_AND: 0x84,
  OP_OR: 0x85,
  OP_XOR: 0x86,
  OP_EQUAL: 0x87,
  OP_EQUALVERIFY: 0x88,
  OP_1ADD: 0x8b,
  OP_1SUB: 0x8c,
  OP_2MUL: 0x8d,
  OP_2DIV: 0x8e,
  OP_NEGATE: 0x8f,
  OP_ABS: 0x90,
  OP_NOT: 0x91,
  OP_0NOTEQUAL: 0x92,
  OP_ADD: 0x93,
  OP_SUB: 0x94,
  OP_MUL: 0x95,
  OP_DIV: 0x96,
  OP_MOD: 0x97,
  OP_LSHIFT: 0x98,
  OP_RSHIFT: 0x99,
  OP_BOOLAND: 0x9a,
  OP_BOOLOR: 0x9b,
  OP_NUMEQUAL: 0x9c,
  OP_NUMEQUALVERIFY: 0x9d,
  OP_NUMNOTEQUAL: 0x9e,
  OP_LESSTHAN: 0x9f,
  OP_GREATERTHAN: 0xa0,
  OP_LESSTHANOREQUAL: 0xa1,
  OP_GREATERTHANOREQUAL: 0xa2,
  OP_MIN: 0xa3,
  OP_MAX: 0xa4,
  OP_WITHIN: 0xa5,
  OP_RIPEMD160: 0xa6,
  OP_SHA1: 0xa7,
  OP_SHA256: 0xa8,
  OP_HASH160: 0xa9,
  OP_HASH256: 0xaa,
  OP_CODESEPARATOR: 0xab,
  OP_CHECKSIG: 0xac,
  OP_CHECKSIGVERIFY: 0xad,
  OP_CHECKMULTISIG: 0xae,
  OP_CHECKMULTISIGVERIFY: 0xaf,
  OP_NOP1: 0xb0,
  OP_CHECKLOCKTIMEVERIFY: 0xb1,
  OP_CHECKSEQUENCEVERIFY: 0xb2,
  OP_NOP4: 0xb3,
  OP_NOP10: 0xb9,
} as const;

/** Opcodes disabled since 2010 (CVE-2010-5137 and friends): they fail even in an unexecuted branch. */
export const DISABLED_OPCODES: ReadonlySet<number> = new Set([
  OPS.OP_CAT,
  OPS.OP_SUBSTR,
  OPS.OP_LEFT,
  OPS.OP_RIGHT,
  OPS.OP_INVERT,
  OPS.OP_AND,
  OPS.OP_OR,
  OPS.OP_XOR,
  OPS.OP_2MUL,
  OPS.OP_2DIV,
  OPS.OP_MUL,
  OPS.OP_DIV,
  OPS.OP_MOD,
  OPS.OP_LSHIFT,
  OPS.OP_RSHIFT,
]);

/** One parsed instruction: an opcode, its push data if any, and where it ends. */
export interface Instruction {
  readonly opcode: number;
  readonly data: Uint8Array | undefined;
  /** Offset of the byte after this instruction. */
  readonly end: number;
}

/** Reads the instruction at `pc` (Core's `GetScriptOp`); `null` when a push runs past the end. */
export function readInstruction(script: Uint8Array, pc: number): Instruction | null {
  if (pc >= script.length) return null;
  const opcode = script[pc]!;
  let p = pc + 1;
  if (opcode > OPS.OP_PUSHDATA4) return { opcode, data: undefined, end: p };
  let len: number;
  if (opcode < OPS.OP_PUSHDATA1) len = opcode;
  else if (opcode === OPS.OP_PUSHDATA1) {
    if (p + 1 > script.length) return null;
    len = script[p]!;
    p += 1;
  } else if (opcode === OPS.OP_PUSHDATA2) {
    if (p + 2 > script.length) return null;
    len = script[p]! | (script[p + 1]! << 8);
    p += 2;
  } else {
    if (p + 4 > script.length) return null;
    len = (script[p]! | (script[p + 1]! << 8) | (script[p + 2]! << 16) | (script[p + 3]! << 24)) >>> 0;
    p += 4;
  }
  if (p + len > script.length) return null;
  return { opcode, data: script.subarray(p, p + len), end: p + len };
}

/** BIP 62 rule 3: the push uses the shortest opcode for its data (Core's `CheckMinimalPush`). */
export function isMinimalPush(data: Uint8Array, opcode: number): boolean {
  if (data.length === 0) return opcode === OPS.OP_0;
  if (data.length === 1 && data[0]! >= 1 && data[0]! <= 16) return false;
  if (data.length === 1 && data[0] === 0x81) return false;
  if (data.length <= 75) return opcode === data.length;
  if (data.length <= 255) return opcode === OPS.OP_PUSHDATA1;
  if (data.length <= 65535) return opcode === OPS.OP_PUSHDATA2;
  return true;
}

/** True when every instruction is a push (OP_0..OP_16, OP_1NEGATE, data; Core's `IsPushOnly`). */
export function isPushOnly(script: Uint8Array): boolean {
  let pc = 0;
  while (pc < script.length) {
    const ins = readInstruction(script, pc);
    if (!ins || ins.opcode > OPS.OP_16) return false;
    pc = ins.end;
  }
  return true;
}
