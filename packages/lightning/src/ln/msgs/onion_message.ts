/**
 * BOLT 4 §"The onion_message Message": the `onion_message` wire message (513).
 * @module
 */
import { point, u16Bytes } from '../../util/ser/codec.js';
import { message, type MessageOf } from '../../util/ser/message.js';

/**
 * `onion_message` (513, `option_onion_messages`): a `path_key` for the receiving hop and a
 * u16-length-prefixed `onion_message_packet` (1366 or 32834 bytes recommended). Peel it with
 * `peelOnionMessage` (`ln/onion`). Unknown TLVs after the packet are kept, as BOLT 1 allows.
 */
export const OnionMessage = message(513, 'onion_message', { pathKey: point, onionMessagePacket: u16Bytes });
/** A decoded `onion_message`. */
export type OnionMessage = MessageOf<typeof OnionMessage>;
