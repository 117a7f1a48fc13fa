/**
 * BOLT 4 §"Packet Structure": the `onion_packet` (`version`, `public_key`, `hop_payloads`,
 * `hmac`). Payment onions carry 1300 bytes of `hop_payloads`; onion messages (§"Onion
 * Messages") may carry any size, 1300 or 32768 recommended.
 * @module
 */
import { DecodeError } from '../../util/errors.js';
import type { Coder } from '../../util/ser/codec.js';
import type { ByteReader } from '../../util/ser/reader.js';
import type { ByteWriter } from '../../util/ser/writer.js';

/** The only version BOLT 4 defines. */
export const ONION_VERSION = 0;
/** `hop_payloads` length of a payment onion (BOLT 4 §"Packet Structure"). */
export const PAYMENT_HOP_PAYLOADS_LEN = 1300;
/** The larger `onionmsg_payloads` length BOLT 4 §"The onion_message Message" suggests (32834-byte packet). */
export const LARGE_ONION_MESSAGE_HOP_PAYLOADS_LEN = 32768;
/** Bytes of a packet besides its hop payloads: version (1) + public key (33) + hmac (32). */
export const ONION_OVERHEAD = 66;
/** Size of a payment onion on the wire, as `update_add_htlc` carries it (1366). */
export const PAYMENT_ONION_LEN = PAYMENT_HOP_PAYLOADS_LEN + ONION_OVERHEAD;
/** HMAC length (SHA-256). */
export const HMAC_LEN = 32;

/** A parsed `onion_packet`. The public key is not checked against the curve here (peeling does that). */
export interface OnionPacket {
  /** `version`: 0 for this specification. */
  readonly version: number;
  /** `public_key`: the 33-byte ephemeral key of this hop. */
  readonly publicKey: Uint8Array;
  /** `hop_payloads`: the obfuscated payloads and filler. */
  readonly hopPayloads: Uint8Array;
  /** `hmac` over `hop_payloads || associated_data`. */
  readonly hmac: Uint8Array;
}

/** Serializes a packet: `version || public_key || hop_payloads || hmac`. */
export function encodeOnionPacket(p: OnionPacket): Uint8Array {
  if (p.publicKey.length !== 33) throw new TypeError('onion public key must be 33 bytes');
  if (p.hmac.length !== HMAC_LEN) throw new TypeError('onion hmac must be 32 bytes');
  const out = new Uint8Array(ONION_OVERHEAD + p.hopPayloads.length);
  out[0] = p.version;
  out.set(p.publicKey, 1);
  out.set(p.hopPayloads, 34);
  out.set(p.hmac, 34 + p.hopPayloads.length);
  return out;
}

/**
 * Splits a serialized packet into its fields (views into `b`). The hop payloads are whatever lies
 * between the key and the trailing HMAC, so one parser serves payment onions and onion messages.
 */
export function decodeOnionPacket(b: Uint8Array): OnionPacket | DecodeError {
  if (b.length < ONION_OVERHEAD) return new DecodeError('ShortRead', `onion packet of ${b.length} bytes`);
  return {
    version: b[0]!,
    publicKey: b.subarray(1, 34),
    hopPayloads: b.subarray(34, b.length - HMAC_LEN),
    hmac: b.subarray(b.length - HMAC_LEN),
  };
}

/**
 * A fixed-size onion as a field of a wire message (e.g. `update_add_htlc`'s 1366-byte
 * `onion_routing_packet`, BOLT 2), kept as raw bytes so the packet can be hashed and peeled as received.
 */
export function onionPacketBytes(hopPayloadsLen = PAYMENT_HOP_PAYLOADS_LEN): Coder<Uint8Array> {
  const n = hopPayloadsLen + ONION_OVERHEAD;
  return {
    read: (r: ByteReader) => r.bytes(n).slice(),
    write: (w: ByteWriter, v: Uint8Array) => {
      if (v.length !== n) throw new TypeError(`onion packet must be ${n} bytes, got ${v.length}`);
      w.bytes(v);
    },
  };
}
