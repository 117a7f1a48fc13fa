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
  return [...channelRangeReplies(graph, q, maxPerReply)];
}

/**
 * {@link replyChannelRange} one reply at a time, so a peer being answered is sent replies as its
 * connection drains instead of all at once. The channel list is taken (and sorted: type 0 ids are
 * ascending) when the first reply is asked for.
 */
export function* channelRangeReplies(graph: NetworkGraph, q: QueryChannelRange, maxPerReply = MAX_SCIDS_PER_REPLY): Generator<ReplyChannelRange, void, undefined> {
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
        // A channel removed since the list was taken reports no updates.
        const c = graph.channel(s);
        w.u32(c?.oneToTwo?.lastUpdate ?? 0).u32(c?.twoToOne?.lastUpdate ?? 0);
      }
      yield { ...reply, timestamps: { encodingType: 0, encodedTimestamps: w.finish() } };
    } else yield reply;
  }
}

/** A kept signed payload decoded again (the graph stores bytes); `undefined` if it no longer parses. */
export function decodeStored<T>(def: { decodePayload(p: Uint8Array): T | DecodeError }, payload: Uint8Array): T | undefined {
  const v = def.decodePayload(payload);
  return v instanceof DecodeError ? undefined : v;
}

/** A `query_short_channel_ids` whose encodings were checked: the ids and, when sent, one query flag per id. */
export interface ShortChannelIdsQuery {
  readonly chainHash: Uint8Array;
  /** False for another chain: the answer is only `reply_short_channel_ids_end` with `full_information` = 0. */
  readonly ourChain: boolean;
  readonly scids: readonly bigint[];
  readonly flags: readonly bigint[] | undefined;
}

/**
 * Checks a `query_short_channel_ids` against BOLT 7's receiver rules before anything is answered.
 * @returns a {@link DecodeError} for a malformed query (unknown encoding, partial ids, flags that
 *   do not match the ids), which the caller answers with a warning.
 */
export function parseShortChannelIdsQuery(q: QueryShortChannelIds, ourChainHash: Uint8Array): ShortChannelIdsQuery | DecodeError {
  if (!equalBytes(q.chainHash, ourChainHash)) return { chainHash: q.chainHash, ourChain: false, scids: [], flags: undefined };
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
  return { chainHash: q.chainHash, ourChain: true, scids, flags };
}

/**
 * The messages answering `q`: for each known channel, its `channel_announcement`, the latest
 * `channel_update` of each direction and (once per reply) the `node_announcement` of each end, as
 * the query flags select, then `reply_short_channel_ids_end`.
 * @returns a {@link DecodeError} for a malformed query (see {@link parseShortChannelIdsQuery}).
 */
export function replyShortChannelIds(graph: NetworkGraph, q: QueryShortChannelIds): WireMessage[] | DecodeError {
  const parsed = parseShortChannelIdsQuery(q, graph.chainHash);
  return parsed instanceof DecodeError ? parsed : [...shortChannelIdsReplies(graph, parsed)];
}

/**
 * {@link replyShortChannelIds} one message at a time, read from the graph as it is asked for, so
 * an 8,000-id query is answered as the peer's connection drains rather than queued whole.
 */
export function* shortChannelIdsReplies(graph: NetworkGraph, q: ShortChannelIdsQuery): Generator<WireMessage, void, undefined> {
  const nodesSent = new Set<string>();
  function* node(id: Uint8Array): Generator<WireMessage, void, undefined> {
    const k = toHex(id);
    if (nodesSent.has(k)) return;
    nodesSent.add(k);
    const p = graph.node(id)?.announcement?.message;
    const msg = p && decodeStored(NodeAnnouncement, p);
    if (msg) yield { name: 'node_announcement', msg };
  }
  for (let i = 0; i < q.scids.length; i++) {
    const c = graph.channel(q.scids[i]!);
    if (!c) continue;
    const f = q.flags?.[i] ?? 0b11111n;
    if (f & 1n && c.announcement) {
      const msg = decodeStored(ChannelAnnouncement, c.announcement);
      if (msg) yield { name: 'channel_announcement', msg };
    }
    for (const [bit, d] of [[2n, c.oneToTwo], [4n, c.twoToOne]] as const) {
      const msg = f & bit && d?.message ? decodeStored(ChannelUpdate, d.message) : undefined;
      if (msg) yield { name: 'channel_update', msg };
    }
    if (f & 8n) yield* node(c.node1);
    if (f & 16n) yield* node(c.node2);
  }
  yield { name: 'reply_short_channel_ids_end', msg: { chainHash: q.chainHash, fullInformation: q.ourChain ? 1 : 0 } };
}
