import { DecodeError } from '../errors.js';

/**
 * A cursor over bytes that reads BOLT 1 fundamental types (big-endian). Every read checks the
 * bytes remaining first and throws {@link DecodeError} `ShortRead` otherwise; message-level
 * decoders catch that and return it, so no decoder is partial.
 */
export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  /** Offset of the next byte to read. */
  get offset(): number {
    return this.pos;
  }
  /** True when every byte has been read. */
  isEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) {
      throw new DecodeError('ShortRead', `${what}: need ${n} bytes, ${this.buf.length - this.pos} left`);
    }
  }

  /** `byte` */
  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }
  /** `u16` */
  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  /** `u32` */
  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  /** `u64` as a bigint. */
  u64(): bigint {
    this.need(8, 'u64');
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }
  /** `s64` (BOLT 1 signed integer) as a bigint. */
  s64(): bigint {
    this.need(8, 's64');
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  /** Exactly `n` bytes, as a view into the input (copy it if kept beyond the input's life). */
  bytes(n: number): Uint8Array {
    this.need(n, 'bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Everything left. */
  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return out;
  }

  /**
   * BOLT 1 `bigsize`: big-endian varint. Non-minimal encodings are `InvalidValue`
   * (BOLT 1 §"Appendix A: BigSize Test Vectors").
   */
  bigSize(): bigint {
    const first = this.u8();
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.u16();
      if (v < 0xfd) throw new DecodeError('InvalidValue', 'bigsize not minimally encoded');
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.u32();
      if (v < 0x10000) throw new DecodeError('InvalidValue', 'bigsize not minimally encoded');
      return BigInt(v);
    }
    const v = this.u64();
    if (v < 0x100000000n) throw new DecodeError('InvalidValue', 'bigsize not minimally encoded');
    return v;
  }

  /** A bigsize that must fit a JS number (lengths). */
  bigSizeNumber(): number {
    const v = this.bigSize();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('BadLengthDescriptor', 'length too large');
    return Number(v);
  }

  /**
   * BOLT 1 truncated integer (`tu16`/`tu32`/`tu64`) filling the rest of the reader: big-endian,
   * at most `maxBytes`, with no leading zero byte (minimal).
   */
  truncated(maxBytes: number): bigint {
    const n = this.remaining;
    if (n > maxBytes) throw new DecodeError('InvalidValue', `truncated int longer than ${maxBytes} bytes`);
    const b = this.bytes(n);
    if (n > 0 && b[0] === 0) throw new DecodeError('InvalidValue', 'truncated int not minimal');
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    return v;
  }
}
