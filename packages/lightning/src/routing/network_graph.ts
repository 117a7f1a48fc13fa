/**
 * The public network as gossip describes it (BOLT 7; LDK's `NetworkGraph`): channels with both
 * directions' forwarding policies, and the nodes at their ends. Filled by `NetGraphMsgHandler`,
 * read by the router. Time comes from the caller (`removeStaleChannels(nowSecs)`).
 * @module
 */
import { type NetAddress, parseAddresses } from '../ln/msgs/address.js';
import type { OutPoint } from '../bitcoin/tx.js';
import { DecodeError } from '../util/errors.js';
import { toHex } from '../util/hex.js';
import { asDecodeError } from '../util/ser/codec.js';
import { ByteArena } from '../util/byte_arena.js';
import { GraphIndex } from './graph_index.js';
import { ByteReader } from '../util/ser/reader.js';
import { ByteWriter } from '../util/ser/writer.js';

/** One direction's forwarding policy, from its latest `channel_update` (BOLT 7). */
export interface DirectionalChannelInfo {
  readonly enabled: boolean;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  /** `timestamp` of the update (seconds). */
  readonly lastUpdate: number;
  /** The signed `channel_update` payload, kept to answer gossip queries and relay. */
  readonly message?: Uint8Array;
}

/**
 * A policy as the graph keeps it: the update's fields plus its HTLC limits as numbers (msat,
 * clamped to `Number.MAX_SAFE_INTEGER`), so the router's inner loop does no bigint arithmetic.
 */
export interface StoredChannelPolicy extends DirectionalChannelInfo {
  readonly htlcMinimum: number;
  readonly htlcMaximum: number;
}

/** A channel from its `channel_announcement`. `node1` < `node2` (BOLT 7 ordering). */
export interface ChannelInfo {
  readonly shortChannelId: bigint;
  readonly node1: Uint8Array;
  readonly node2: Uint8Array;
  readonly features: Uint8Array;
  /** From the funding output when a `chain.Access` checked it; unknown otherwise. */
  readonly capacitySat: bigint | undefined;
  /** `capacitySat` in msat as a number, for the router (`undefined` when unknown). */
  readonly capacityMsat: number | undefined;
  /** The signed `channel_announcement` payload, kept to answer gossip queries and relay. */
  readonly announcement?: Uint8Array;
  /** The funding output, when the `chain.Access` said where it is: spending it removes the channel. */
  readonly fundingOutpoint?: OutPoint;
  /** {@link NodeInfo.counter} of node1 and node2: the router indexes its arrays by them. */
  readonly counter1: number;
  readonly counter2: number;
  /** Policy of node1 → node2 (`channel_flags` direction bit 0). */
  oneToTwo: StoredChannelPolicy | undefined;
  /** Policy of node2 → node1. */
  twoToOne: StoredChannelPolicy | undefined;
  /**
   * The `nowSecs` of the first {@link NetworkGraph.removeStaleChannels} that found this channel
   * with no update at all: the core has no clock, so this is how an announced-but-never-updated
   * channel ages out (two weeks later) instead of staying forever.
   */
  unupdatedSinceSecs: number | undefined;
}

/** A node from its `node_announcement`, if any. */
export interface NodeAnnouncementInfo {
  readonly timestamp: number;
  readonly features: Uint8Array;
  readonly rgbColor: Uint8Array;
  readonly alias: Uint8Array;
  /** Raw BOLT 7 address descriptors, as signed (kept for relay). */
  readonly addresses: Uint8Array;
  /** The usable addresses among them ({@link parseAddresses}: port 0, Tor v2, extra hostnames dropped). */
  readonly netAddresses: readonly NetAddress[];
  /** The signed `node_announcement` payload, kept to answer gossip queries and relay. */
  readonly message?: Uint8Array;
}

/** A node: its channels and its latest announcement. */
export interface NodeInfo {
  readonly nodeId: Uint8Array;
  readonly channels: bigint[];
  /**
   * A small integer naming this node while it is in the graph (LDK's `node_counter`), below the
   * router index's `nodeBound`; reused after the node leaves, so arrays indexed by it stay dense.
   */
  readonly counter: number;
  announcement: NodeAnnouncementInfo | undefined;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
function clampedNumber(v: bigint): number {
  return v > BigInt(MAX_SAFE) ? MAX_SAFE : Number(v);
}

function storedPolicy(d: DirectionalChannelInfo): StoredChannelPolicy {
  return { ...d, htlcMinimum: clampedNumber(d.htlcMinimumMsat), htlcMaximum: clampedNumber(d.htlcMaximumMsat) };
}

/** BOLT 7 §"Recommendations for Routing": a channel with no update for two weeks is stale. */
export const STALE_CHANNEL_SECS = 14 * 24 * 3600;

/** Format version of {@link NetworkGraph.write}; 2 added funding outpoints (version 1 still reads). */
const GRAPH_VERSION = 2;

function outpointKey(o: OutPoint): string {
  return `${toHex(o.txid)}:${o.vout}`;
}

// Optional kept message bytes: a presence byte, then BigSize length and the bytes.
function writeOptBytes(w: ByteWriter, b: Uint8Array | undefined): void {
  w.u8(b ? 1 : 0);
  if (b) w.bigSize(b.length).bytes(b);
}

// A view of the input: the graph copies what it keeps into its arena, so the input is not kept alive.
function readOptBytes(r: ByteReader): Uint8Array | undefined {
  return r.u8() === 1 ? r.bytes(r.bigSizeNumber()) : undefined;
}

/** The network graph. */
export class NetworkGraph {
  private readonly channels = new Map<bigint, ChannelInfo>();
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly freeCounters: number[] = [];
  private nextCounter = 0;
  private index: GraphIndex | undefined;
  private readonly byFunding = new Map<string, bigint>();
  /** Every kept byte string (messages, features, node fields) lives here, not in its own buffer. */
  private arena = new ByteArena();

  constructor(readonly chainHash: Uint8Array) {}

  /** Number of channels and nodes known. */
  get size(): { channels: number; nodes: number } {
    return { channels: this.channels.size, nodes: this.nodes.size };
  }

  channel(scid: bigint): ChannelInfo | undefined {
    return this.channels.get(scid);
  }

  node(nodeId: Uint8Array): NodeInfo | undefined {
    return this.nodes.get(toHex(nodeId));
  }

  /**
   * The router's typed-array view of the channels ({@link GraphIndex}), built on first use and
   * after channels were added or removed; policy updates are written into it in place.
   */
  routingIndex(): GraphIndex {
    this.index ??= new GraphIndex(this.nextCounter, this.channels.values(), this.channels.size);
    return this.index;
  }

  /** The node with hex id `hex` (the router names nodes by hex). */
  nodeByHex(hex: string): NodeInfo | undefined {
    return this.nodes.get(hex);
  }


  /** Every channel (for the router). */
  allChannels(): IterableIterator<ChannelInfo> {
    return this.channels.values();
  }

  /** Every node. */
  allNodes(): IterableIterator<NodeInfo> {
    return this.nodes.values();
  }

  /** Adds a channel from a verified `channel_announcement`; false when it was already known. */
  addChannel(c: Pick<ChannelInfo, 'shortChannelId' | 'node1' | 'node2' | 'features' | 'capacitySat' | 'announcement' | 'fundingOutpoint'>): boolean {
    if (this.channels.has(c.shortChannelId)) return false;
    // Node ids are stored once per node (the channel points at the node's copy), and copied out
    // of the message so a kept view does not pin the whole received buffer.
    const n1 = this.nodeFor(c.node1);
    const n2 = this.nodeFor(c.node2);
    const info: ChannelInfo = {
      shortChannelId: c.shortChannelId,
      node1: n1.nodeId,
      node2: n2.nodeId,
      features: this.arena.copy(c.features),
      capacitySat: c.capacitySat,
      capacityMsat: c.capacitySat === undefined ? undefined : clampedNumber(c.capacitySat * 1000n),
      announcement: c.announcement && this.arena.copy(c.announcement),
      ...(c.fundingOutpoint ? { fundingOutpoint: { txid: c.fundingOutpoint.txid.slice(), vout: c.fundingOutpoint.vout } } : {}),
      counter1: n1.counter,
      counter2: n2.counter,
      oneToTwo: undefined,
      twoToOne: undefined,
      unupdatedSinceSecs: undefined,
    };
    n1.channels.push(c.shortChannelId);
    n2.channels.push(c.shortChannelId);
    this.channels.set(c.shortChannelId, info);
    if (info.fundingOutpoint) this.byFunding.set(outpointKey(info.fundingOutpoint), info.shortChannelId);
    this.index = undefined;
    return true;
  }

  private nodeFor(id: Uint8Array): NodeInfo {
    const k = toHex(id);
    let n = this.nodes.get(k);
    if (!n) {
      const counter = this.freeCounters.pop() ?? this.nextCounter++;
      n = { nodeId: id.slice(), channels: [], counter, announcement: undefined };
      this.nodes.set(k, n);
    }
    return n;
  }

  /** Sets one direction's policy from a verified `channel_update`; false when not newer. */
  updateChannel(scid: bigint, direction: 0 | 1, info: DirectionalChannelInfo): boolean {
    const c = this.channels.get(scid);
    if (!c) return false;
    const cur = direction === 0 ? c.oneToTwo : c.twoToOne;
    if (cur && cur.lastUpdate >= info.lastUpdate) return false;
    const kept = storedPolicy({ ...info, message: info.message && this.arena.copy(info.message) });
    this.arena.release(cur?.message);
    if (direction === 0) c.oneToTwo = kept;
    else c.twoToOne = kept;
    this.index?.updatePolicy(c, direction === 0);
    this.compactIfWasteful();
    return true;
  }

  /** Records a verified `node_announcement`; false when the node has no channel or it is not newer. */
  updateNode(nodeId: Uint8Array, a: NodeAnnouncementInfo): boolean {
    const n = this.nodes.get(toHex(nodeId));
    if (!n) return false;
    if (n.announcement && n.announcement.timestamp >= a.timestamp) return false;
    this.releaseNode(n.announcement);
    n.announcement = this.keptNode(a);
    this.compactIfWasteful();
    return true;
  }

  private keptNode(a: NodeAnnouncementInfo): NodeAnnouncementInfo {
    const k = (b: Uint8Array) => this.arena.copy(b);
    return {
      timestamp: a.timestamp,
      features: k(a.features),
      rgbColor: k(a.rgbColor),
      alias: k(a.alias),
      addresses: k(a.addresses),
      netAddresses: a.netAddresses,
      message: a.message && k(a.message),
    };
  }

  private releaseNode(a: NodeAnnouncementInfo | undefined): void {
    if (!a) return;
    for (const b of [a.features, a.rgbColor, a.alias, a.addresses, a.message]) this.arena.release(b);
  }

  /**
   * Replaced and removed gossip leaves dead bytes in the arena; once they outweigh the live ones,
   * everything kept is copied into a fresh arena and the old chunks are left to the collector.
   */
  private compactIfWasteful(): void {
    if (!this.arena.wasteful()) return;
    const fresh = new ByteArena();
    const k = (b: Uint8Array) => fresh.copy(b);
    for (const c of this.channels.values()) {
      // Channel objects stay (the index and node lists point at them); their fields move.
      const m = c as { features: Uint8Array; announcement?: Uint8Array };
      m.features = k(c.features);
      if (c.announcement) m.announcement = k(c.announcement);
      if (c.oneToTwo?.message) c.oneToTwo = { ...c.oneToTwo, message: k(c.oneToTwo.message) };
      if (c.twoToOne?.message) c.twoToOne = { ...c.twoToOne, message: k(c.twoToOne.message) };
    }
    this.arena = fresh;
    for (const n of this.nodes.values()) if (n.announcement) n.announcement = this.keptNode(n.announcement);
  }

  /** Removes a channel (its funding output was spent, or it failed permanently). */
  removeChannel(scid: bigint): void {
    const c = this.channels.get(scid);
    if (!c) return;
    this.channels.delete(scid);
    for (const b of [c.features, c.announcement, c.oneToTwo?.message, c.twoToOne?.message]) this.arena.release(b);
    if (c.fundingOutpoint) this.byFunding.delete(outpointKey(c.fundingOutpoint));
    this.index = undefined;
    for (const id of [c.node1, c.node2]) {
      const k = toHex(id);
      const n = this.nodes.get(k);
      if (!n) continue;
      const i = n.channels.indexOf(scid);
      if (i >= 0) n.channels.splice(i, 1);
      if (n.channels.length === 0) {
        this.releaseNode(n.announcement);
        this.nodes.delete(k);
        this.freeCounters.push(n.counter);
      }
    }
  }

  /**
   * A transaction spent `outpoint`: if it is a channel's funding output the channel is closed and
   * leaves the graph (BOLT 7 §"Requirements": a node SHOULD forget a channel once its funding
   * output is spent). Returns the removed channel's id.
   */
  fundingSpent(outpoint: OutPoint): bigint | undefined {
    const scid = this.byFunding.get(outpointKey(outpoint));
    if (scid !== undefined) this.removeChannel(scid);
    return scid;
  }

  /**
   * A payment failure reported a channel as failed (BOLT 4 failure codes with the PERM bit, or a
   * closed channel): a permanent failure removes it; a temporary one is left to the scorer, as the
   * channel may work again.
   */
  channelFailed(scid: bigint, isPermanent: boolean): void {
    if (isPermanent) this.removeChannel(scid);
  }

  /** A payment failure reported a node as failed permanently: its channels go with it. */
  nodeFailed(nodeId: Uint8Array, isPermanent: boolean): void {
    if (!isPermanent) return;
    const n = this.nodes.get(toHex(nodeId));
    if (n) for (const scid of [...n.channels]) this.removeChannel(scid);
  }

  /**
   * Prunes channels whose newest update is older than two weeks before `nowSecs` (the caller's
   * clock; the core reads none). A channel with no update at all is removed two weeks after the
   * first call that saw it so, since its announcement time is not a timestamp anyone signed.
   */
  removeStaleChannels(nowSecs: number): number {
    let removed = 0;
    for (const c of [...this.channels.values()]) {
      let newest = Math.max(c.oneToTwo?.lastUpdate ?? 0, c.twoToOne?.lastUpdate ?? 0);
      if (newest === 0) {
        c.unupdatedSinceSecs ??= nowSecs;
        newest = c.unupdatedSinceSecs;
      }
      if (newest + STALE_CHANNEL_SECS < nowSecs) {
        this.removeChannel(c.shortChannelId);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Serializes the graph (chain, channels with both policies, node announcements) so a restart
   * does not need a full gossip resync. Read back with {@link NetworkGraph.read}.
   */
  write(): Uint8Array {
    const w = new ByteWriter(64 + this.channels.size * 160);
    w.u8(GRAPH_VERSION).bytes(this.chainHash).bigSize(this.channels.size);
    for (const c of this.channels.values()) {
      w.u64(c.shortChannelId).bytes(c.node1).bytes(c.node2);
      w.bigSize(c.features.length).bytes(c.features);
      w.u8(c.capacitySat === undefined ? 0 : 1);
      if (c.capacitySat !== undefined) w.u64(c.capacitySat);
      w.u32(c.unupdatedSinceSecs ?? 0);
      writeOptBytes(w, c.announcement);
      w.u8(c.fundingOutpoint ? 1 : 0);
      if (c.fundingOutpoint) w.bytes(c.fundingOutpoint.txid).u32(c.fundingOutpoint.vout);
      for (const d of [c.oneToTwo, c.twoToOne]) {
        w.u8(d ? 1 : 0);
        if (!d) continue;
        w.u8(d.enabled ? 1 : 0).u16(d.cltvExpiryDelta).u64(d.htlcMinimumMsat).u64(d.htlcMaximumMsat);
        w.u32(d.feeBaseMsat).u32(d.feeProportionalMillionths).u32(d.lastUpdate);
        writeOptBytes(w, d.message);
      }
    }
    const announced = [...this.nodes.values()].filter((n) => n.announcement);
    w.bigSize(announced.length);
    for (const n of announced) {
      const a = n.announcement!;
      w.bytes(n.nodeId).u32(a.timestamp);
      w.bigSize(a.features.length).bytes(a.features).bytes(a.rgbColor).bytes(a.alias);
      w.bigSize(a.addresses.length).bytes(a.addresses);
      writeOptBytes(w, a.message);
    }
    return w.finish();
  }

  /**
   * Reads a graph written by {@link NetworkGraph.write}.
   * @returns the graph, or a {@link DecodeError} for malformed or other-version bytes (never throws).
   */
  static read(bytes: Uint8Array): NetworkGraph | DecodeError {
    try {
      const r = new ByteReader(bytes);
      const version = r.u8();
      if (version !== GRAPH_VERSION && version !== 1) return new DecodeError('UnknownVersion', `network graph version ${version}`);
      const g = new NetworkGraph(r.bytes(32));
      const channels = r.bigSizeNumber();
      for (let i = 0; i < channels; i++) {
        const shortChannelId = r.u64();
        const node1 = r.bytes(33);
        const node2 = r.bytes(33);
        const features = r.bytes(r.bigSizeNumber());
        const capacitySat = r.u8() === 1 ? r.u64() : undefined;
        const since = r.u32();
        const announcement = readOptBytes(r);
        const fundingOutpoint = version >= 2 && r.u8() === 1 ? { txid: r.bytes(32), vout: r.u32() } : undefined;
        if (!g.addChannel({ shortChannelId, node1, node2, features, capacitySat, announcement, ...(fundingOutpoint ? { fundingOutpoint } : {}) })) {
          return new DecodeError('InvalidValue', `channel ${shortChannelId} appears twice`);
        }
        const c = g.channels.get(shortChannelId)!;
        c.unupdatedSinceSecs = since === 0 ? undefined : since;
        for (const direction of [0, 1] as const) {
          if (r.u8() === 0) continue;
          const d: DirectionalChannelInfo = {
            enabled: r.u8() === 1,
            cltvExpiryDelta: r.u16(),
            htlcMinimumMsat: r.u64(),
            htlcMaximumMsat: r.u64(),
            feeBaseMsat: r.u32(),
            feeProportionalMillionths: r.u32(),
            lastUpdate: r.u32(),
            message: readOptBytes(r),
          };
          if (!g.updateChannel(shortChannelId, direction, d)) return new DecodeError('InvalidValue', `channel ${shortChannelId} direction ${direction} twice`);
        }
      }
      const nodes = r.bigSizeNumber();
      for (let i = 0; i < nodes; i++) {
        const nodeId = r.bytes(33);
        const timestamp = r.u32();
        const features = r.bytes(r.bigSizeNumber());
        const rgbColor = r.bytes(3);
        const alias = r.bytes(32);
        const addresses = r.bytes(r.bigSizeNumber());
        const message = readOptBytes(r);
        const parsed = parseAddresses(addresses);
        if (parsed instanceof DecodeError) return parsed;
        if (!g.updateNode(nodeId, { timestamp, features, rgbColor, alias, addresses, netAddresses: parsed.addresses, message })) {
          return new DecodeError('InvalidValue', 'node announcement for a node without channels, or twice');
        }
      }
      if (!r.isEnd()) return new DecodeError('InvalidValue', 'trailing bytes after the network graph');
      return g;
    } catch (e) {
      return asDecodeError(e);
    }
  }
}
