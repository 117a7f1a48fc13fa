/**
 * BOLT 2 peer-protocol messages for channel management: establishment v1 (§"Channel
 * Establishment v1"), close (§"Channel Close"), normal operation (§"Normal Operation") and
 * retransmission (§"Message Retransmission").
 * @module
 */
import {
  bytes,
  bytes32,
  point,
  restBytes,
  shortChannelId,
  signature,
  struct,
  u16,
  u16Array,
  u16Bytes,
  u32,
  u64,
  u8,
} from '../../util/ser/codec.js';
import { message, type MessageOf } from '../../util/ser/message.js';
import { tlv } from '../../util/ser/tlv.js';

/** `open_channel` (32): the funder proposes a channel and its parameters. `channelFlags` bit 0 = announce. */
export const OpenChannel = message(
  32,
  'open_channel',
  {
    chainHash: bytes32,
    temporaryChannelId: bytes32,
    fundingSatoshis: u64,
    pushMsat: u64,
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    channelReserveSatoshis: u64,
    htlcMinimumMsat: u64,
    feeratePerKw: u32,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    fundingPubkey: point,
    revocationBasepoint: point,
    paymentBasepoint: point,
    delayedPaymentBasepoint: point,
    htlcBasepoint: point,
    firstPerCommitmentPoint: point,
    channelFlags: u8,
  },
  { tlvs: { upfrontShutdownScript: tlv(0, restBytes), channelType: tlv(1, restBytes) } },
);
export type OpenChannel = MessageOf<typeof OpenChannel>;

/** `accept_channel` (33): the fundee accepts, with its own parameters. */
export const AcceptChannel = message(
  33,
  'accept_channel',
  {
    temporaryChannelId: bytes32,
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    channelReserveSatoshis: u64,
    htlcMinimumMsat: u64,
    minimumDepth: u32,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    fundingPubkey: point,
    revocationBasepoint: point,
    paymentBasepoint: point,
    delayedPaymentBasepoint: point,
    htlcBasepoint: point,
    firstPerCommitmentPoint: point,
  },
  { tlvs: { upfrontShutdownScript: tlv(0, restBytes), channelType: tlv(1, restBytes) } },
);
export type AcceptChannel = MessageOf<typeof AcceptChannel>;

/** `funding_created` (34): the funding outpoint and the funder's signature of the fundee's first commitment. */
export const FundingCreated = message(34, 'funding_created', {
  temporaryChannelId: bytes32,
  fundingTxid: bytes32,
  fundingOutputIndex: u16,
  signature,
});
export type FundingCreated = MessageOf<typeof FundingCreated>;

/** `funding_signed` (35): the fundee's signature of the funder's first commitment. */
export const FundingSigned = message(35, 'funding_signed', { channelId: bytes32, signature });
export type FundingSigned = MessageOf<typeof FundingSigned>;

/** `channel_ready` (36): the funding transaction is deep enough; TLV 1 carries an scid alias. */
export const ChannelReady = message(
  36,
  'channel_ready',
  { channelId: bytes32, secondPerCommitmentPoint: point },
  { tlvs: { shortChannelIdAlias: tlv(1, shortChannelId) } },
);
export type ChannelReady = MessageOf<typeof ChannelReady>;

/** `shutdown` (38): begin a cooperative close, paying our side to `scriptpubkey`. */
export const Shutdown = message(38, 'shutdown', { channelId: bytes32, scriptpubkey: u16Bytes });
export type Shutdown = MessageOf<typeof Shutdown>;

/** `closing_signed` (39): a fee proposal for the closing transaction and its signature; TLV 1 `fee_range`. */
export const ClosingSigned = message(
  39,
  'closing_signed',
  { channelId: bytes32, feeSatoshis: u64, signature },
  { tlvs: { feeRange: tlv(1, struct({ minFeeSatoshis: u64, maxFeeSatoshis: u64 })) } },
);
export type ClosingSigned = MessageOf<typeof ClosingSigned>;

/** `update_add_htlc` (128): offer an HTLC; TLV 0 is the blinded-path `path_key`. */
export const UpdateAddHtlc = message(
  128,
  'update_add_htlc',
  {
    channelId: bytes32,
    id: u64,
    amountMsat: u64,
    paymentHash: bytes32,
    cltvExpiry: u32,
    onionRoutingPacket: bytes(1366),
  },
  { tlvs: { pathKey: tlv(0, point) } },
);
export type UpdateAddHtlc = MessageOf<typeof UpdateAddHtlc>;

/** `update_fulfill_htlc` (130): settle an HTLC with its preimage. */
export const UpdateFulfillHtlc = message(
  130,
  'update_fulfill_htlc',
  { channelId: bytes32, id: u64, paymentPreimage: bytes32 },
  { tlvs: { attributionData: tlv(1, restBytes) } },
);
export type UpdateFulfillHtlc = MessageOf<typeof UpdateFulfillHtlc>;

/** `update_fail_htlc` (131): fail an HTLC with an onion-encrypted reason (BOLT 4). */
export const UpdateFailHtlc = message(
  131,
  'update_fail_htlc',
  { channelId: bytes32, id: u64, reason: u16Bytes },
  { tlvs: { attributionData: tlv(1, restBytes) } },
);
export type UpdateFailHtlc = MessageOf<typeof UpdateFailHtlc>;

/** `update_fail_malformed_htlc` (135): the onion could not be parsed; `failureCode` has BADONION set. */
export const UpdateFailMalformedHtlc = message(135, 'update_fail_malformed_htlc', {
  channelId: bytes32,
  id: u64,
  sha256OfOnion: bytes32,
  failureCode: u16,
});
export type UpdateFailMalformedHtlc = MessageOf<typeof UpdateFailMalformedHtlc>;

/** `commitment_signed` (132): a signature of the peer's next commitment and of each of its HTLC transactions. */
export const CommitmentSigned = message(
  132,
  'commitment_signed',
  { channelId: bytes32, signature, htlcSignatures: u16Array(signature) },
  { tlvs: { fundingTxid: tlv(1, bytes32) } },
);
export type CommitmentSigned = MessageOf<typeof CommitmentSigned>;

/** `revoke_and_ack` (133): revoke our previous commitment and give the next per-commitment point. */
export const RevokeAndAck = message(133, 'revoke_and_ack', {
  channelId: bytes32,
  perCommitmentSecret: bytes32,
  nextPerCommitmentPoint: point,
});
export type RevokeAndAck = MessageOf<typeof RevokeAndAck>;

/** `update_fee` (134): the funder changes the commitment feerate. */
export const UpdateFee = message(134, 'update_fee', { channelId: bytes32, feeratePerKw: u32 });
export type UpdateFee = MessageOf<typeof UpdateFee>;

/**
 * `channel_reestablish` (136), BOLT 2 §"Message Retransmission". TLV 0 is the earlier
 * dual-funding `next_funding_txid` some implementations still send; 1 and 5 are the current ones.
 */
export const ChannelReestablish = message(
  136,
  'channel_reestablish',
  {
    channelId: bytes32,
    nextCommitmentNumber: u64,
    nextRevocationNumber: u64,
    yourLastPerCommitmentSecret: bytes32,
    myCurrentPerCommitmentPoint: point,
  },
  {
    tlvs: {
      nextFundingTxid: tlv(0, bytes32),
      nextFunding: tlv(1, struct({ txid: bytes32, retransmitFlags: u8 })),
      myCurrentFundingLocked: tlv(5, struct({ txid: bytes32, retransmitFlags: u8 })),
    },
  },
);
export type ChannelReestablish = MessageOf<typeof ChannelReestablish>;
