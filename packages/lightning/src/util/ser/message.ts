import type { DecodeError } from '../errors.js';
import { asDecodeError, type Fields, type FieldsValue } from './codec.js';
import { ByteReader } from './reader.js';
import { type TlvFields, type TlvValues, tlvStream } from './tlv.js';
import { ByteWriter } from './writer.js';

/**
 * What follows a message's fixed fields:
 * - `tlv`: the BOLT 1 `extension` TLV stream (the default);
 * - `keep`: opaque bytes kept verbatim in `excessData` (gossip, whose signatures cover them and
 *   which must be relayed unchanged, BOLT 7).
 */
export type Tail = 'tlv' | 'keep';

/** The largest writer a message type starts with (a BOLT 8 message is at most 65,535 bytes). */
const MAX_SIZE_HINT = 65_535;

/** A message value: its fixed fields, its TLV records (optional) and anything kept from the tail. */
export type MessageValue<F extends Fields, T extends TlvFields> = FieldsValue<F> & TlvValues<T> & {
  excessData?: Uint8Array;
};

/** One wire message type, declared once: `{ type, name, fields, tlvs }` yields both directions. */
export interface MessageDef<N extends string, V> {
  /** BOLT 1 message type number. */
  readonly type: number;
  /** The spec's name (`update_add_htlc`). */
  readonly name: N;
  /** Encodes the payload (without the 2-byte type). */
  encodePayload(v: V): Uint8Array;
  /** Encodes type + payload, as it goes inside a BOLT 8 frame. */
  encode(v: V): Uint8Array;
  /** Decodes a payload (without the type); never throws on bad bytes. */
  decodePayload(payload: Uint8Array): V | DecodeError;
  /** Low level: read the payload from a reader positioned after the type. */
  read(r: ByteReader): V;
  /** Low level: write the payload. */
  write(w: ByteWriter, v: V): void;
}

/** The value type of a message declaration. */
export type MessageOf<D> = D extends MessageDef<string, infer V> ? V : never;

/**
 * Declares a wire message (BOLT 1 §"Lightning Message Format"): `type`, then the fixed `fields`
 * in order, then the tail — by default the `extension` TLV stream with the given known records.
 */
export function message<N extends string, F extends Fields, T extends TlvFields = Record<never, never>>(
  type: number,
  name: N,
  fields: F,
  opts: { tlvs?: T; tail?: Tail } = {},
): MessageDef<N, MessageValue<F, T>> {
  const entries = Object.entries(fields);
  const tail = opts.tail ?? 'tlv';
  const tlvs = tlvStream((opts.tlvs ?? {}) as T);
  // The writer starts at the largest size this message type has encoded to (most types have one
  // size: an update_add_htlc's 1.4 kB onion would otherwise grow a 256-byte buffer three times).
  let sizeHint = 256;
  const def: MessageDef<N, MessageValue<F, T>> = {
    type,
    name,
    read(r) {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.read(r);
      if (tail === 'keep') {
        if (!r.isEnd()) out.excessData = r.rest().slice();
      } else {
        Object.assign(out, tlvs.read(r));
      }
      return out as MessageValue<F, T>;
    },
    write(w, v) {
      const vals = v as Record<string, unknown>;
      for (const [k, c] of entries) c.write(w, vals[k]);
      if (tail === 'keep') {
        if (v.excessData) w.bytes(v.excessData);
      } else {
        tlvs.write(w, v);
      }
    },
    encodePayload(v) {
      const w = new ByteWriter();
      def.write(w, v);
      return w.finish();
    },
    encode(v) {
      const w = new ByteWriter(sizeHint);
      w.u16(type);
      def.write(w, v);
      if (w.length > sizeHint) sizeHint = Math.min(w.length, MAX_SIZE_HINT);
      return w.finish();
    },
    decodePayload(payload) {
      try {
        return def.read(new ByteReader(payload));
      } catch (e) {
        return asDecodeError(e);
      }
    },
  };
  return def;
}
