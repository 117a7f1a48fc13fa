/**
 * A compact, exact binary encoding of plain data (objects, arrays, strings, numbers, bigints,
 * bytes, booleans, null/undefined), used to persist lnts's own state (`ChannelManager.write`,
 * `ChannelMonitor.write`). Wire messages use their declared codecs instead; this is for state
 * whose shape is a TypeScript type, so every field survives a round trip without a hand-written
 * codec per state. Decoding is total: malformed bytes give a `DecodeError`.
 *
 * Layout: one tag byte, then
 * `0` undefined · `1` null · `2` false · `3` true · `4` f64 · `5` bigint (sign byte + bigsize
 * length + big-endian magnitude) · `6` string (bigsize length + UTF-8) · `7` bytes (bigsize length)
 * · `8` array (bigsize count + items) · `9` object (bigsize count + (string key, value) pairs).
 * @module
 */
import { utf8 } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { asDecodeError } from './codec.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';

/** What {@link encodeValue} accepts. */
export type PlainValue =
  | undefined
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly PlainValue[]
  | { readonly [k: string]: PlainValue };

const MAX_DEPTH = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function text(b: Uint8Array): string {
  try {
    return strictUtf8.decode(b);
  } catch {
    throw new DecodeError('InvalidValue', 'invalid UTF-8');
  }
}

function write(w: ByteWriter, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError('value nested too deeply');
  if (v === undefined) w.u8(0);
  else if (v === null) w.u8(1);
  else if (v === false) w.u8(2);
  else if (v === true) w.u8(3);
  else if (typeof v === 'number') {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v);
    w.u8(4).bytes(b);
  } else if (typeof v === 'bigint') {
    let m = v < 0n ? -v : v;
    const digits: number[] = [];
    while (m > 0n) {
      digits.push(Number(m & 0xffn));
      m >>= 8n;
    }
    digits.reverse();
    w.u8(5).u8(v < 0n ? 1 : 0).bigSize(digits.length).bytes(Uint8Array.from(digits));
  } else if (typeof v === 'string') {
    const b = utf8(v);
    w.u8(6).bigSize(b.length).bytes(b);
  } else if (v instanceof Uint8Array) {
    w.u8(7).bigSize(v.length).bytes(v);
  } else if (Array.isArray(v)) {
    w.u8(8).bigSize(v.length);
    for (const x of v) write(w, x, depth + 1);
  } else if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    w.u8(9).bigSize(entries.length);
    for (const [k, x] of entries) {
      const kb = utf8(k);
      w.bigSize(kb.length).bytes(kb);
      write(w, x, depth + 1);
    }
  } else {
    throw new TypeError(`cannot encode a ${typeof v}`);
  }
}

function read(r: ByteReader, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new DecodeError('InvalidValue', 'value nested too deeply');
  const tag = r.u8();
  switch (tag) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return false;
    case 3:
      return true;
    case 4:
      return new DataView(r.bytes(8).slice().buffer).getFloat64(0);
    case 5: {
      const neg = r.u8();
      if (neg > 1) throw new DecodeError('InvalidValue', 'bigint sign byte');
      const mag = r.bytes(r.bigSizeNumber());
      if (mag.length > 0 && mag[0] === 0) throw new DecodeError('InvalidValue', 'bigint not minimal');
      let v = 0n;
      for (const b of mag) v = (v << 8n) | BigInt(b);
      if (neg && v === 0n) throw new DecodeError('InvalidValue', 'negative zero');
      return neg ? -v : v;
    }
    case 6:
      return text(r.bytes(r.bigSizeNumber()));
    case 7:
      return r.bytes(r.bigSizeNumber()).slice();
    case 8: {
      const n = r.bigSizeNumber();
      if (n > r.remaining) throw new DecodeError('ShortRead', 'array longer than the input');
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(read(r, depth + 1));
      return out;
    }
    case 9: {
      const n = r.bigSizeNumber();
      if (n > r.remaining) throw new DecodeError('ShortRead', 'object longer than the input');
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = text(r.bytes(r.bigSizeNumber()));
        if (k === '__proto__') throw new DecodeError('InvalidValue', 'forbidden key');
        out[k] = read(r, depth + 1);
      }
      return out;
    }
    default:
      throw new DecodeError('InvalidValue', `unknown value tag ${tag}`);
  }
}

/** Encodes plain data (see the module doc for the layout). */
export function encodeValue(v: unknown): Uint8Array {
  const w = new ByteWriter(1024);
  write(w, v, 0);
  return w.finish();
}

/** Decodes what {@link encodeValue} wrote; every byte must be used. */
export function decodeValue(b: Uint8Array): unknown | DecodeError {
  try {
    const r = new ByteReader(b);
    const v = read(r, 0);
    if (!r.isEnd()) return new DecodeError('InvalidValue', 'trailing bytes after value');
    return v;
  } catch (e) {
    return asDecodeError(e);
  }
}
