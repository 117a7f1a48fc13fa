/**
 * BOLT 4 §"Failure Messages": every `failure_code` with its data, as a discriminated union,
 * with one table that yields both the encoder and the decoder. A `channel_update` is carried as
 * raw bytes (`u16 len` + the message including its 2-byte type 258), since decoding gossip is
 * BOLT 7's business; a `len` of 0 means none (no longer mandatory, §"Failure Messages" › Rationale).
 * @module
 */
import type { DecodeError } from '../../util/errors.js';
import {
  asDecodeError,
  bigSize,
  bytes32,
  type Coder,
  type Fields,
  type FieldsValue,
  struct,
  u16,
  u16Bytes,
  u32,
  u64,
} from '../../util/ser/codec.js';
import { ByteReader } from '../../util/ser/reader.js';
import { ByteWriter } from '../../util/ser/writer.js';
import { BADONION, NODE, PERM, UPDATE } from './failure_codes.js';

/** A `channel_update` as carried in a failure: the raw message bytes (type 258 first), or empty. */
const channelUpdate = u16Bytes;

/** Every failure BOLT 4 defines: code and data fields, in wire order. */
export const FAILURES = {
  temporary_node_failure: { code: NODE | 2, fields: {} },
  permanent_node_failure: { code: PERM | NODE | 2, fields: {} },
  required_node_feature_missing: { code: PERM | NODE | 3, fields: {} },
  invalid_onion_version: { code: BADONION | PERM | 4, fields: { sha256OfOnion: bytes32 } },
  invalid_onion_hmac: { code: BADONION | PERM | 5, fields: { sha256OfOnion: bytes32 } },
  invalid_onion_key: { code: BADONION | PERM | 6, fields: { sha256OfOnion: bytes32 } },
  temporary_channel_failure: { code: UPDATE | 7, fields: { channelUpdate } },
  permanent_channel_failure: { code: PERM | 8, fields: {} },
  required_channel_feature_missing: { code: PERM | 9, fields: {} },
  unknown_next_peer: { code: PERM | 10, fields: {} },
  amount_below_minimum: { code: UPDATE | 11, fields: { htlcMsat: u64, channelUpdate } },
  fee_insufficient: { code: UPDATE | 12, fields: { htlcMsat: u64, channelUpdate } },
  incorrect_cltv_expiry: { code: UPDATE | 13, fields: { cltvExpiry: u32, channelUpdate } },
  expiry_too_soon: { code: UPDATE | 14, fields: { channelUpdate } },
  incorrect_or_unknown_payment_details: { code: PERM | 15, fields: { htlcMsat: u64, height: u32 } },
  final_incorrect_cltv_expiry: { code: 18, fields: { cltvExpiry: u32 } },
  final_incorrect_htlc_amount: { code: 19, fields: { incomingHtlcAmt: u64 } },
  channel_disabled: { code: UPDATE | 20, fields: { disabledFlags: u16, channelUpdate } },
  expiry_too_far: { code: 21, fields: {} },
  invalid_onion_payload: { code: PERM | 22, fields: { type: bigSize, offset: u16 } },
  mpp_timeout: { code: 23, fields: {} },
  invalid_onion_blinding: { code: BADONION | PERM | 24, fields: { sha256OfOnion: bytes32 } },
} as const satisfies Record<string, { code: number; fields: Fields }>;

type Table = typeof FAILURES;
/** The spec name of a known failure. */
export type FailureName = keyof Table;

/**
 * What may follow a failure's data: BOLT 4 allows an optional TLV stream, and the origin "MUST
 * ignore any extra bytes", so they are kept raw.
 */
interface Extra {
  readonly extraData?: Uint8Array;
}
/** A known failure message, discriminated by `kind` (the spec name). */
export type KnownFailure = {
  [K in FailureName]: { readonly kind: K } & FieldsValue<Table[K]['fields']> & Extra;
}[FailureName];
/** A code this implementation does not know: kept with its data so the flags can still be read. */
export interface UnknownFailure {
  readonly kind: 'unknown';
  readonly code: number;
  readonly data: Uint8Array;
}
/** A decoded `failuremsg`. */
export type FailureMessage = KnownFailure | UnknownFailure;

const BY_CODE = new Map<number, { name: FailureName; coder: Coder<Record<string, unknown>> }>();
const CODERS = new Map<FailureName, Coder<Record<string, unknown>>>();
for (const [name, def] of Object.entries(FAILURES) as [FailureName, { code: number; fields: Fields }][]) {
  const coder = struct(def.fields) as Coder<Record<string, unknown>>;
  BY_CODE.set(def.code, { name, coder });
  CODERS.set(name, coder);
}

/** The `failure_code` of a message. */
export function failureCode(f: FailureMessage): number {
  return f.kind === 'unknown' ? f.code : FAILURES[f.kind].code;
}

/** Serializes a `failuremsg`: `u16 failure_code`, its data, then any extra bytes. */
export function encodeFailureMessage(f: FailureMessage): Uint8Array {
  const w = new ByteWriter(64);
  if (f.kind === 'unknown') {
    w.u16(f.code).bytes(f.data);
    return w.finish();
  }
  w.u16(FAILURES[f.kind].code);
  CODERS.get(f.kind)!.write(w, f as unknown as Record<string, unknown>);
  if (f.extraData) w.bytes(f.extraData);
  return w.finish();
}

/**
 * Parses a `failuremsg`. A known code whose data is short is a {@link DecodeError}; bytes after
 * the data are kept in `extraData`; an unknown code yields `kind: 'unknown'`.
 */
export function decodeFailureMessage(b: Uint8Array): FailureMessage | DecodeError {
  try {
    const r = new ByteReader(b);
    const code = r.u16();
    const def = BY_CODE.get(code);
    if (!def) return { kind: 'unknown', code, data: r.rest().slice() };
    const fields = def.coder.read(r);
    const out: Record<string, unknown> = { kind: def.name, ...fields };
    if (!r.isEnd()) out.extraData = r.rest().slice();
    return out as unknown as KnownFailure;
  } catch (e) {
    return asDecodeError(e);
  }
}

/** True when the failure code says the whole node failed (NODE bit). */
export function isNodeFailure(code: number): boolean {
  return (code & NODE) !== 0;
}
/** True when the failure is permanent (PERM bit). */
export function isPermanentFailure(code: number): boolean {
  return (code & PERM) !== 0;
}
/** True when the code may appear in `update_fail_malformed_htlc` (BADONION bit, BOLT 2). */
export function isBadOnionFailure(code: number): boolean {
  return (code & BADONION) !== 0;
}
