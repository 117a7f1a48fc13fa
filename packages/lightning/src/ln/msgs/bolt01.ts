/**
 * BOLT 1 §"Setup Messages" and §"Control Messages": `init`, `error`, `warning`, `ping`, `pong`.
 * @module
 */
import { bytes32, restArray, u16, u16Bytes } from '../../util/ser/codec.js';
import { message, type MessageOf } from '../../util/ser/message.js';
import { tlv } from '../../util/ser/tlv.js';
import { netAddress } from './address.js';

/**
 * `init` (16), BOLT 1 §"The init Message": the first message each side sends after the BOLT 8
 * handshake. `globalFeatures` is legacy (readers OR it into `features`). TLVs: `networks` (1),
 * the chains the sender is interested in; `remoteAddr` (3), the address the sender sees us at.
 */
export const Init = message(
  16,
  'init',
  { globalFeatures: u16Bytes, features: u16Bytes },
  { tlvs: { networks: tlv(1, restArray(bytes32)), remoteAddr: tlv(3, netAddress) } },
);
export type Init = MessageOf<typeof Init>;

/**
 * `error` (17), BOLT 1 §"The error and warning messages": the channel (or, with an all-zero
 * `channelId`, every channel) has failed and must be closed.
 */
export const ErrorMsg = message(17, 'error', { channelId: bytes32, data: u16Bytes });
export type ErrorMsg = MessageOf<typeof ErrorMsg>;

/** `warning` (1): something is wrong but nothing is to be closed; the receiver may disconnect. */
export const Warning = message(1, 'warning', { channelId: bytes32, data: u16Bytes });
export type Warning = MessageOf<typeof Warning>;

/**
 * `ping` (18), BOLT 1 §"The ping and pong Messages": liveness; asks for a `pong` carrying
 * `numPongBytes` bytes, unless that is >= 65532, which means no reply.
 */
export const Ping = message(18, 'ping', { numPongBytes: u16, ignored: u16Bytes });
export type Ping = MessageOf<typeof Ping>;

/** `pong` (19): the answer to a `ping`, its `ignored` of the length the ping asked for. */
export const Pong = message(19, 'pong', { ignored: u16Bytes });
export type Pong = MessageOf<typeof Pong>;
