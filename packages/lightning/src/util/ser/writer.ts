/**
 * A growable big-endian writer for BOLT 1 fundamental types; the counterpart of `ByteReader`.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  /** Set when {@link finish} returned `buf` itself: it is the caller's from then on. */
  private handedOut = false;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = Math.max(16, this.buf.length * 2);
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.handedOut = false;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }
  u64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }
  s64(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** BOLT 1 `bigsize`, minimally encoded. */
  bigSize(v: bigint | number): this {
    const x = typeof v === 'number' ? BigInt(v) : v;
    if (x < 0xfdn) return this.u8(Number(x));
    if (x < 0x10000n) return this.u8(0xfd).u16(Number(x));
    if (x < 0x100000000n) return this.u8(0xfe).u32(Number(x));
    return this.u8(0xff).u64(x);
  }
  /** BOLT 1 truncated integer: big-endian with leading zero bytes dropped (0 → no bytes). */
  truncated(v: bigint | number): this {
    let x = typeof v === 'number' ? BigInt(v) : v;
    const tmp: number[] = [];
    while (x > 0n) {
      tmp.push(Number(x & 0xffn));
      x >>= 8n;
    }
    this.ensure(tmp.length);
    for (let i = tmp.length - 1; i >= 0; i--) this.buf[this.pos++] = tmp[i]!;
    return this;
  }

  /**
   * The bytes written, in an array the writer will not touch again: the buffer itself the first
   * time the writes filled it exactly (any later write moves to a new buffer), else a copy.
   */
  finish(): Uint8Array {
    if (this.pos === this.buf.length && !this.handedOut) {
      this.handedOut = true;
      return this.buf;
    }
    return this.buf.slice(0, this.pos);
  }
}
