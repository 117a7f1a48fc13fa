/**
 * The wire-message table: the one place that maps BOLT type numbers to declarations.
 * `PeerManager` looks codecs up here and nowhere else.
 * @module
 */
import { DecodeError } from '../../util/errors.js';
import { ByteReader } from '../../util/ser/reader.js';
import { asDecodeError } from '../../util/ser/codec.js';
import type { MessageDef, MessageOf } from '../../util/ser/message.js';
import { ErrorMsg, Init, Ping, Pong, Warning } from './bolt01.js';

export * from './bolt01.js';
export * from './address.js';

/** Every declared message, by spec name. */
export const MESSAGES = {
  init: Init,
  error: ErrorMsg,
  warning: Warning,
  ping: Ping,
  pong: Pong,
} as const;

type Table = typeof MESSAGES;
/** A spec message name lnts decodes. */
export type MessageName = keyof Table;
/** A decoded message, discriminated by `name`. */
export type WireMessage = { [K in MessageName]: { readonly name: K; readonly msg: MessageOf<Table[K]> } }[MessageName];

const BY_TYPE = new Map<number, MessageDef<string, unknown>>();
for (const d of Object.values(MESSAGES) as MessageDef<string, unknown>[]) {
  if (BY_TYPE.has(d.type)) throw new Error(`duplicate message type ${d.type}`);
  BY_TYPE.set(d.type, d);
}

/** The declaration for a type number, if known. */
export function messageDef(type: number): MessageDef<string, unknown> | undefined {
  return BY_TYPE.get(type);
}

/** What reading a message yields. */
export type ReadResult =
  | WireMessage
  | { readonly name: 'unknown'; readonly type: number; readonly payload: Uint8Array };

/**
 * Decodes a BOLT 8 plaintext (2-byte type + payload), BOLT 1 §"Lightning Message Format".
 * An unknown type is returned as `unknown` with its payload (so custom-message handlers can
 * claim it); the caller ignores it when odd and fails the connection when even.
 */
export function readMessage(bytes: Uint8Array): ReadResult | DecodeError {
  if (bytes.length < 2) return new DecodeError('ShortRead', 'message shorter than its type');
  const type = (bytes[0]! << 8) | bytes[1]!;
  const def = BY_TYPE.get(type);
  if (!def) return { name: 'unknown', type, payload: bytes.subarray(2) };
  try {
    const msg = def.read(new ByteReader(bytes.subarray(2)));
    return { name: def.name, msg } as WireMessage;
  } catch (e) {
    return asDecodeError(e);
  }
}

/** Encodes a message with its type prefix. */
export function writeMessage(m: WireMessage): Uint8Array {
  const def = MESSAGES[m.name] as unknown as MessageDef<string, unknown>;
  return def.encode(m.msg);
}
