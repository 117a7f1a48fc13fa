/**
 * BOLT 7 gossip messages (§"The announcement_signatures Message" ... §"Query Messages").
 * Announcements and updates keep any bytes after the fields they know in `excessData`: their
 * signatures cover those bytes and relays must pass them on unchanged.
 * @module
 */
import { bigSize, bytes, bytes32, point, restBytes, shortChannelId, signature, struct, u16Bytes, u32, u64, u8, u16 } from '../../util/ser/codec.js';
import { message, type MessageOf } from '../../util/ser/message.js';
import { tlv } from '../../util/ser/tlv.js';

/** `announcement_signatures` (259): our node and bitcoin signatures for a public channel's announcement. */
export const AnnouncementSignatures = message(259, 'announcement_signatures', {
  channelId: bytes32,
  shortChannelId,
  nodeSignature: signature,
  bitcoinSignature: signature,
});
export type AnnouncementSignatures = MessageOf<typeof AnnouncementSignatures>;

/** `channel_announcement` (256): proves a channel exists between two nodes (signatures over the rest). */
export const ChannelAnnouncement = message(
  256,
  'channel_announcement',
  {
    nodeSignature1: signature,
    nodeSignature2: signature,
    bitcoinSignature1: signature,
    bitcoinSignature2: signature,
    features: u16Bytes,
    chainHash: bytes32,
    shortChannelId,
    nodeId1: point,
    nodeId2: point,
    bitcoinKey1: point,
    bitcoinKey2: point,
  },
  { tail: 'keep' },
);
export type ChannelAnnouncement = MessageOf<typeof ChannelAnnouncement>;

/** `node_announcement` (257): a node's features, alias, colour and addresses (raw; see `parseAddresses`). */
export const NodeAnnouncement = message(
  257,
  'node_announcement',
  {
    signature,
    features: u16Bytes,
    timestamp: u32,
    nodeId: point,
    rgbColor: bytes(3),
    alias: bytes32,
    addresses: u16Bytes,
  },
  { tail: 'keep' },
);
export type NodeAnnouncement = MessageOf<typeof NodeAnnouncement>;

/**
 * `channel_update` (258): one direction's forwarding policy. `channelFlags` bit 0 = direction,
 * bit 1 = disabled; `messageFlags` bit 0 must be set (`htlc_maximum_msat` is mandatory).
 */
export const ChannelUpdate = message(
  258,
  'channel_update',
  {
    signature,
    chainHash: bytes32,
    shortChannelId,
    timestamp: u32,
    messageFlags: u8,
    channelFlags: u8,
    cltvExpiryDelta: u16,
    htlcMinimumMsat: u64,
    feeBaseMsat: u32,
    feeProportionalMillionths: u32,
    htlcMaximumMsat: u64,
  },
  { tail: 'keep' },
);
export type ChannelUpdate = MessageOf<typeof ChannelUpdate>;

/** `query_short_channel_ids` (261); `encodedShortIds` starts with its encoding type byte. */
export const QueryShortChannelIds = message(
  261,
  'query_short_channel_ids',
  { chainHash: bytes32, encodedShortIds: u16Bytes },
  { tlvs: { queryFlags: tlv(1, struct({ encodingType: u8, encodedQueryFlags: restBytes })) } },
);
export type QueryShortChannelIds = MessageOf<typeof QueryShortChannelIds>;

/** `reply_short_channel_ids_end` (262). */
export const ReplyShortChannelIdsEnd = message(262, 'reply_short_channel_ids_end', {
  chainHash: bytes32,
  fullInformation: u8,
});
export type ReplyShortChannelIdsEnd = MessageOf<typeof ReplyShortChannelIdsEnd>;

/** `query_channel_range` (263); TLV 1 `query_option` asks for timestamps (bit 0) and checksums (bit 1). */
export const QueryChannelRange = message(
  263,
  'query_channel_range',
  { chainHash: bytes32, firstBlocknum: u32, numberOfBlocks: u32 },
  { tlvs: { queryOption: tlv(1, bigSize) } },
);
export type QueryChannelRange = MessageOf<typeof QueryChannelRange>;

/** `reply_channel_range` (264). */
export const ReplyChannelRange = message(
  264,
  'reply_channel_range',
  { chainHash: bytes32, firstBlocknum: u32, numberOfBlocks: u32, syncComplete: u8, encodedShortIds: u16Bytes },
  {
    tlvs: {
      timestamps: tlv(1, struct({ encodingType: u8, encodedTimestamps: restBytes })),
      checksums: tlv(3, restBytes),
    },
  },
);
export type ReplyChannelRange = MessageOf<typeof ReplyChannelRange>;

/** `gossip_timestamp_filter` (265): which gossip the peer wants relayed to it. */
export const GossipTimestampFilter = message(265, 'gossip_timestamp_filter', {
  chainHash: bytes32,
  firstTimestamp: u32,
  timestampRange: u32,
});
export type GossipTimestampFilter = MessageOf<typeof GossipTimestampFilter>;
