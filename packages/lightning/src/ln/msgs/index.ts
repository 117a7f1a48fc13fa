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
import {
  AcceptChannel,
  ChannelReady,
  ChannelReestablish,
  ClosingSigned,
  CommitmentSigned,
  FundingCreated,
  FundingSigned,
  OpenChannel,
  RevokeAndAck,
  Shutdown,
  UpdateAddHtlc,
  UpdateFailHtlc,
  UpdateFailMalformedHtlc,
  UpdateFee,
  UpdateFulfillHtlc,
} from './bolt02.js';
import {
  AnnouncementSignatures,
  ChannelAnnouncement,
  ChannelUpdate,
  GossipTimestampFilter,
  NodeAnnouncement,
  QueryChannelRange,
  QueryShortChannelIds,
  ReplyChannelRange,
  ReplyShortChannelIdsEnd,
} from './bolt07.js';
import { OnionMessage } from './onion_message.js';

export * from './bolt01.js';
export * from './bolt02.js';
export * from './bolt07.js';
export * from './onion_message.js';
export * from './address.js';

/** Every declared message, by spec name. */
export const MESSAGES = {
  init: Init,
  error: ErrorMsg,
  warning: Warning,
  ping: Ping,
  pong: Pong,
  open_channel: OpenChannel,
  accept_channel: AcceptChannel,
  funding_created: FundingCreated,
  funding_signed: FundingSigned,
  channel_ready: ChannelReady,
  shutdown: Shutdown,
  closing_signed: ClosingSigned,
  update_add_htlc: UpdateAddHtlc,
  update_fulfill_htlc: UpdateFulfillHtlc,
  update_fail_htlc: UpdateFailHtlc,
  update_fail_malformed_htlc: UpdateFailMalformedHtlc,
  commitment_signed: CommitmentSigned,
  revoke_and_ack: RevokeAndAck,
  update_fee: UpdateFee,
  channel_reestablish: ChannelReestablish,
  announcement_signatures: AnnouncementSignatures,
  channel_announcement: ChannelAnnouncement,
  node_announcement: NodeAnnouncement,
  channel_update: ChannelUpdate,
  query_short_channel_ids: QueryShortChannelIds,
  reply_short_channel_ids_end: ReplyShortChannelIdsEnd,
  query_channel_range: QueryChannelRange,
  reply_channel_range: ReplyChannelRange,
  gossip_timestamp_filter: GossipTimestampFilter,
  onion_message: OnionMessage,
} as const;

type Table = typeof MESSAGES;

/**
 * Which handler a message goes to: `setup`/`control` are PeerManager's own (BOLT 1), `channel`
 * goes to the `ChannelMessageHandler` (BOLT 2), `gossip` to the `RoutingMessageHandler` (BOLT 7),
 * `onion` to the onion-message handler (BOLT 4).
 */
export type MessageCategory = 'setup' | 'control' | 'channel' | 'gossip' | 'onion';

/** The category of every declared message. */
export const CATEGORY: { readonly [K in keyof Table]: MessageCategory } = {
  init: 'setup',
  error: 'control',
  warning: 'control',
  ping: 'control',
  pong: 'control',
  open_channel: 'channel',
  accept_channel: 'channel',
  funding_created: 'channel',
  funding_signed: 'channel',
  channel_ready: 'channel',
  shutdown: 'channel',
  closing_signed: 'channel',
  update_add_htlc: 'channel',
  update_fulfill_htlc: 'channel',
  update_fail_htlc: 'channel',
  update_fail_malformed_htlc: 'channel',
  commitment_signed: 'channel',
  revoke_and_ack: 'channel',
  update_fee: 'channel',
  channel_reestablish: 'channel',
  // announcement_signatures is exchanged between channel peers, handled by the ChannelManager.
  announcement_signatures: 'channel',
  channel_announcement: 'gossip',
  node_announcement: 'gossip',
  channel_update: 'gossip',
  query_short_channel_ids: 'gossip',
  reply_short_channel_ids_end: 'gossip',
  query_channel_range: 'gossip',
  reply_channel_range: 'gossip',
  gossip_timestamp_filter: 'gossip',
  onion_message: 'onion',
};
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
