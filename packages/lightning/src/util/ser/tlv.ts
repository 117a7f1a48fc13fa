import { DecodeError } from '../errors.js';
import type { Coder, CoderValue } from './codec.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';

/** A TLV record this code does not know: kept so it can be re-encoded unchanged. */
export interface TlvRecord {
  readonly type: bigint;
  readonly value: Uint8Array;
}

/** One known TLV record type and the coder of its value. */
export interface TlvField<T> {
  readonly type: bigint;
  readonly coder: Coder<T>;
}

/** Declares TLV record `type` with `coder` for its value. */
export function tlv<T>(type: number | bigint, coder: Coder<T>): TlvField<T> {
  return { type: BigInt(type), coder };
}

/** Named TLV records of a stream. */
export type TlvFields = Record<string, TlvField<unknown>>;
/** The optional fields a TLV declaration yields, plus the unknown odd records seen. */
export type TlvValues<T extends TlvFields> = {
  [K in keyof T]?: T[K] extends TlvField<infer V> ? V : never;
} & { unknownTlvs?: TlvRecord[] };

/** A compiled TLV stream declaration. */
export interface TlvStream<T extends TlvFields> extends Coder<TlvValues<T>> {
  readonly fields: T;
}

/**
 * A BOLT 1 TLV stream (§"Type-Length-Value Format"): types strictly increasing, lengths within
 * the stream, each known value using exactly its length, unknown even types rejected, unknown odd
 * types kept. Reads to the end of the reader. Writing sorts known and unknown records together.
 */
export function tlvStream<T extends TlvFields>(fields: T): TlvStream<T> {
  const byType = new Map<bigint, { name: string; coder: Coder<unknown> }>();
  for (const [name, f] of Object.entries(fields)) byType.set(f.type, { name, coder: f.coder });
  const sorted = [...byType.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    fields,
    read(r: ByteReader): TlvValues<T> {
      const out: Record<string, unknown> = {};
      let unknown: TlvRecord[] | undefined;
      let last = -1n;
      while (!r.isEnd()) {
        const type = r.bigSize();
        if (type <= last) throw new DecodeError('InvalidValue', `tlv type ${type} not after ${last}`);
        last = type;
        const len = r.bigSize();
        if (len > BigInt(r.remaining)) throw new DecodeError('ShortRead', `tlv ${type} length ${len} beyond stream`);
        const value = r.bytes(Number(len));
        const known = byType.get(type);
        if (known) {
          const sub = new ByteReader(value);
          out[known.name] = known.coder.read(sub);
          if (!sub.isEnd()) throw new DecodeError('InvalidValue', `tlv ${type}: ${sub.remaining} trailing bytes`);
        } else if (type % 2n === 0n) {
          throw new DecodeError('UnknownRequiredFeature', `unknown even tlv type ${type}`);
        } else {
          if (!unknown) unknown = [];
          unknown.push({ type, value: value.slice() });
        }
      }
      if (unknown) out.unknownTlvs = unknown;
      return out as TlvValues<T>;
    },
    write(w: ByteWriter, v: TlvValues<T>): void {
      const recs: Array<[bigint, Uint8Array]> = [];
      const vals = v as Record<string, unknown>;
      for (const [type, { name, coder }] of sorted) {
        const x = vals[name];
        if (x === undefined) continue;
        const sub = new ByteWriter(64);
        coder.write(sub, x);
        recs.push([type, sub.finish()]);
      }
      for (const u of v.unknownTlvs ?? []) recs.push([u.type, u.value]);
      recs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (let i = 1; i < recs.length; i++) {
        if (recs[i]![0] === recs[i - 1]![0]) throw new TypeError(`duplicate tlv type ${recs[i]![0]}`);
      }
      for (const [type, value] of recs) w.bigSize(type).bigSize(value.length).bytes(value);
    },
  };
}

/** The value type of a TLV stream declaration. */
export type TlvStreamValue<S> = S extends TlvStream<infer T> ? TlvValues<T> : never;
export type { CoderValue };
