/**
 * Script building: opcodes, minimal data pushes and minimal number pushes (BIP 62 rules 3 and 4,
 * which MINIMALDATA enforces for standardness), as BOLT 3's scripts are written.
 * @module
 */
import { OP } from './opcodes.js';

/**
 * CScriptNum encoding (little-endian, sign bit in the top byte, minimal): what `OP_CSV`/`OP_CLTV`
 * arguments and small integers like BOLT 3's `32` look like when pushed. Script numbers are at
 * most 5 bytes where consensus reads them, so any safe integer suffices; larger values are refused.
 */
export function encodeScriptNum(n: number | bigint): Uint8Array {
  const x = Number(n);
  if (!Number.isSafeInteger(x)) throw new RangeError(`script number out of range: ${n}`);
  if (x === 0) return new Uint8Array(0);
  const neg = x < 0;
  let v = neg ? -x : x;
  const out: number[] = [];
  while (v > 0) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  // The top bit is the sign, so a magnitude that uses it needs one more byte.
  if (out[out.length - 1]! & 0x80) out.push(neg ? 0x80 : 0);
  else if (neg) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/**
 * Builds a script by appending opcodes and pushes; `push` always uses the smallest encoding so
 * the result matches other implementations byte for byte.
 */
export class ScriptBuilder {
  private buf: Uint8Array;
  private len = 0;

  /** @param capacity - initial buffer size (grows as needed). */
  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends opcodes. */
  op(...ops: number[]): this {
    this.ensure(ops.length);
    for (const o of ops) this.buf[this.len++] = o;
    return this;
  }

  /** Pushes data with the minimal push opcode (a direct length byte up to 75 bytes, then PUSHDATA1/2/4). */
  push(data: Uint8Array): this {
    const n = data.length;
    if (n === 0) return this.op(OP.OP_0);
    if (n === 1 && data[0]! >= 1 && data[0]! <= 16) return this.op(OP.OP_1 + data[0]! - 1);
    if (n === 1 && data[0] === 0x81) return this.op(OP.OP_1NEGATE);
    this.ensure(n + 5);
    if (n < OP.OP_PUSHDATA1) this.buf[this.len++] = n;
    else if (n <= 0xff) {
      this.buf[this.len++] = OP.OP_PUSHDATA1;
      this.buf[this.len++] = n;
    } else if (n <= 0xffff) {
      this.buf[this.len++] = OP.OP_PUSHDATA2;
      this.buf[this.len++] = n & 0xff;
      this.buf[this.len++] = n >>> 8;
    } else {
      this.buf[this.len++] = OP.OP_PUSHDATA4;
      for (let i = 0; i < 4; i++) this.buf[this.len++] = (n >>> (8 * i)) & 0xff;
    }
    this.buf.set(data, this.len);
    this.len += n;
    return this;
  }

  /** Pushes an integer: OP_0, OP_1NEGATE, OP_1..OP_16, or its minimal CScriptNum bytes. */
  num(n: number | bigint): this {
    if (n === 0 || n === 0n) return this.op(OP.OP_0);
    if (n === -1 || n === -1n) return this.op(OP.OP_1NEGATE);
    if (n >= 1 && n <= 16) return this.op(OP.OP_1 + Number(n) - 1);
    return this.push(encodeScriptNum(n));
  }

  /** The script bytes built so far (a copy-free view trimmed to length). */
  build(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
