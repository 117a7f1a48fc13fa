/**
 * Answers to BOLT 7 §"Query Messages" from a {@link NetworkGraph}: `query_channel_range` gets
 * `reply_channel_range`s listing the channels we know in the block range (with the update
 * timestamps when asked), and `query_short_channel_ids` gets the announcements and latest updates
 * of the channels asked for, then `reply_short_channel_ids_end`. Only the uncompressed encoding
 * (type 0) exists: type 1 (zlib) MUST NOT be used, so it is refused like any unknown encoding.
 * @module
 */
import {
  ChannelAnnouncement,
  ChannelUpdate,
  NodeAnnouncement,
  type QueryChannelRange,
  type QueryShortChannelIds,
  type ReplyChannelRange,
} from '../ln/msgs/bolt07.js';
import type { WireMessage } from '../ln/msgs/index.js';
import { equalBytes } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { toHex } from '../util/hex.js';
import { asDecodeError } from '../util/ser/codec.js';
import { ByteReader } from '../util/ser/reader.js';
import { ByteWriter } from '../util/ser/writer.js';
import type { NetworkGraph } from './network_graph.js';

/** Short channel ids per `reply_channel_range`: 3,000 × (8 bytes + 8 of timestamps) stays well inside a 65,535-byte message. */
export const MAX_SCIDS_PER_REPLY = 3000;

const blockOf = (scid: bigint): number => Number(scid >> 40n);

/** Encodes `short_channel_id`s with encoding type 0. */
export function encodeShortIds(scids: readonly bigint[]): Uint8Array {
  const w = new ByteWriter(1 + scids.length * 8);
  w.u8(0);
  for (const s of scids) w.u64(s);
  return w.finish();
}

/** Decodes an `encoded_short_ids` field; only type 0 (uncompressed) is allowed (BOLT 7). */
export function decodeShortIds(b: Uint8Array): bigint[] | DecodeError {
  if (b.length === 0) return [];
  if (b[0] !== 0) return new DecodeError('InvalidValue', `encoded_short_ids encoding type ${b[0]} is not allowed`);
  if ((b.length - 1) % 8 !== 0) return new DecodeError('InvalidValue', 'encoded_short_ids is not a whole number of short_channel_ids');
  const r = new ByteReader(b.subarray(1));
  const out: bigint[] = [];
  while (!r.isEnd()) out.push(r.u64());
  return out;
}

/** The `reply_channel_range`s answering `q` (BOLT 7 requirements on their ranges and `sync_complete`). */
export function replyChannelRange(graph: NetworkGraph, q: QueryChannelRange, maxPerReply = MAX_SCIDS_PER_REPLY): ReplyChannelRange[] {
  const first = q.firstBlocknum;
  const end = Math.min(first + q.numberOfBlocks, 0xffffffff);
  const scids: bigint[] = [];
  if (equalBytes(q.chainHash, graph.chainHash)) {
    for (const c of graph.allChannels()) {
      const b = blockOf(c.shortChannelId);
      if (b >= first && b < end) scids.push(c.shortChannelId);
    }
  }
  scids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const wantTimestamps = ((q.queryOption ?? 0n) & 1n) === 1n;
  const replies: ReplyChannelRange[] = [];
  for (let i = 0; i === 0 || i < scids.length; i += maxPerReply) {
    const chunk = scids.slice(i, i + maxPerReply);
    const last = i + maxPerReply >= scids.length;
    // The first reply starts at the query's first block; later ones at their first channel's block
    // (never before the previous reply's, as the ids are sorted).
    const from = i === 0 ? first : blockOf(chunk[0]!);
    const to = last ? end : blockOf(chunk[chunk.length - 1]!) + 1;
    const reply: ReplyChannelRange = {
      chainHash: q.chainHash,
      firstBlocknum: from,
      numberOfBlocks: Math.max(to - from, 1),
      syncComplete: last ? 1 : 0,
      encodedShortIds: encodeShortIds(chunk),
    };
    if (wantTimestamps) {
      const w = new ByteWriter(chunk.length * 8);
      for (const s of chunk) {
        const c = graph.channel(s)!;
        w.u32(c.oneToTwo?.lastUpdate ?? 0).u32(c.twoToOne?.lastUpdate ?? 0);
      }
      replies.push({ ...reply, timestamps: { encodingType: 0, encodedTimestamps: w.finish() } });
    } else replies.push(reply);
  }
  return replies;
}

function decoded<T>(def: { decodePayload(p: Uint8Array): T | DecodeError }, payload: Uint8Array): T | undefined {
  const v = def.decodePayload(payload);
  return v instanceof DecodeError ? undefined : v;
}

/**
 * The messages answering `q`: for each known channel, its `channel_announcement`, the latest
 * `channel_update` of each direction and (once per reply) the `node_announcement` of each end, as
 * the query flags select, then `reply_short_channel_ids_end`.
 * @returns a {@link DecodeError} for a malformed query (unknown encoding, partial ids, flags that
 *   do not match the ids), which the caller answers with a warning.
 */
export function replyShortChannelIds(graph: NetworkGraph, q: QueryShortChannelIds): WireMessage[] | DecodeError {
  const end = (full: number): WireMessage => ({ name: 'reply_short_channel_ids_end', msg: { chainHash: q.chainHash, fullInformation: full } });
  if (!equalBytes(q.chainHash, graph.chainHash)) return [end(0)];
  const scids = decodeShortIds(q.encodedShortIds);
  if (scids instanceof DecodeError) return scids;
  let flags: bigint[] | undefined;
  if (q.queryFlags) {
    if (q.queryFlags.encodingType !== 0) return new DecodeError('InvalidValue', `encoded_query_flags encoding type ${q.queryFlags.encodingType} is not allowed`);
    const r = new ByteReader(q.queryFlags.encodedQueryFlags);
    flags = [];
    try {
      while (!r.isEnd()) flags.push(r.bigSize());
    } catch (e) {
      return asDecodeError(e);
    }
    if (flags.length !== scids.length) return new DecodeError('InvalidValue', 'encoded_query_flags does not hold one flag per short_channel_id');
  }
  const out: WireMessage[] = [];
  const nodesSent = new Set<string>();
  const sendNode = (id: Uint8Array) => {
    const k = toHex(id);
    if (nodesSent.has(k)) return;
    nodesSent.add(k);
    const p = graph.node(id)?.announcement?.message;
    const msg = p && decoded(NodeAnnouncement, p);
    if (msg) out.push({ name: 'node_announcement', msg });
  };
  scids.forEach((scid, i) => {
    const c = graph.channel(scid);
    if (!c) return;
    const f = flags?.[i] ?? 0b11111n;
    if (f & 1n && c.announcement) {
      const msg = decoded(ChannelAnnouncement, c.announcement);
      if (msg) out.push({ name: 'channel_announcement', msg });
    }
    for (const [bit, d] of [[2n, c.oneToTwo], [4n, c.twoToOne]] as const) {
      const msg = f & bit && d?.message ? decoded(ChannelUpdate, d.message) : undefined;
      if (msg) out.push({ name: 'channel_update', msg });
    }
    if (f & 8n) sendNode(c.node1);
    if (f & 16n) sendNode(c.node2);
  });
  out.push(end(1));
  return out;
}


