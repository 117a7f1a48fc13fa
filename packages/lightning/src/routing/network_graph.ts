/**
 * The public network as gossip describes it (BOLT 7; LDK's `NetworkGraph`): channels with both
 * directions' forwarding policies, and the nodes at their ends. Filled by `NetGraphMsgHandler`,
 * read by the router. Time comes from the caller (`removeStaleChannels(nowSecs)`).
 * @module
 */
import { toHex } from '../util/hex.js';

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
}

/** A channel from its `channel_announcement`. `node1` < `node2` (BOLT 7 ordering). */
export interface ChannelInfo {
  readonly shortChannelId: bigint;
  readonly node1: Uint8Array;
  readonly node2: Uint8Array;
  readonly features: Uint8Array;
  /** From the funding output when a `chain.Access` checked it; unknown otherwise. */
  readonly capacitySat: bigint | undefined;
  /** Policy of node1 → node2 (`channel_flags` direction bit 0). */
  oneToTwo: DirectionalChannelInfo | undefined;
  /** Policy of node2 → node1. */
  twoToOne: DirectionalChannelInfo | undefined;
}

/** A node from its `node_announcement`, if any. */
export interface NodeAnnouncementInfo {
  readonly timestamp: number;
  readonly features: Uint8Array;
  readonly rgbColor: Uint8Array;
  readonly alias: Uint8Array;
  /** Raw BOLT 7 address descriptors. */
  readonly addresses: Uint8Array;
}

/** A node: its channels and its latest announcement. */
export interface NodeInfo {
  readonly nodeId: Uint8Array;
  readonly channels: bigint[];
  announcement: NodeAnnouncementInfo | undefined;
}

/** BOLT 7 §"Recommendations for Routing": a channel with no update for two weeks is stale. */
export const STALE_CHANNEL_SECS = 14 * 24 * 3600;

/** The network graph. */
export class NetworkGraph {
  private readonly channels = new Map<bigint, ChannelInfo>();
  private readonly nodes = new Map<string, NodeInfo>();

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

  /** Every channel (for the router). */
  allChannels(): IterableIterator<ChannelInfo> {
    return this.channels.values();
  }

  /** Every node. */
  allNodes(): IterableIterator<NodeInfo> {
    return this.nodes.values();
  }

  /** Adds a channel from a verified `channel_announcement`; false when it was already known. */
  addChannel(c: Omit<ChannelInfo, 'oneToTwo' | 'twoToOne'>): boolean {
    if (this.channels.has(c.shortChannelId)) return false;
    this.channels.set(c.shortChannelId, { ...c, oneToTwo: undefined, twoToOne: undefined });
    for (const id of [c.node1, c.node2]) {
      const k = toHex(id);
      let n = this.nodes.get(k);
      if (!n) {
        n = { nodeId: id, channels: [], announcement: undefined };
        this.nodes.set(k, n);
      }
      n.channels.push(c.shortChannelId);
    }
    return true;
  }

  /** Sets one direction's policy from a verified `channel_update`; false when not newer. */
  updateChannel(scid: bigint, direction: 0 | 1, info: DirectionalChannelInfo): boolean {
    const c = this.channels.get(scid);
    if (!c) return false;
    const cur = direction === 0 ? c.oneToTwo : c.twoToOne;
    if (cur && cur.lastUpdate >= info.lastUpdate) return false;
    if (direction === 0) c.oneToTwo = info;
    else c.twoToOne = info;
    return true;
  }

  /** Records a verified `node_announcement`; false when the node has no channel or it is not newer. */
  updateNode(nodeId: Uint8Array, a: NodeAnnouncementInfo): boolean {
    const n = this.nodes.get(toHex(nodeId));
    if (!n) return false;
    if (n.announcement && n.announcement.timestamp >= a.timestamp) return false;
    n.announcement = a;
    return true;
  }

  /** Removes a channel (its funding output was spent, or it failed permanently). */
  removeChannel(scid: bigint): void {
    const c = this.channels.get(scid);
    if (!c) return;
    this.channels.delete(scid);
    for (const id of [c.node1, c.node2]) {
      const k = toHex(id);
      const n = this.nodes.get(k);
      if (!n) continue;
      const i = n.channels.indexOf(scid);
      if (i >= 0) n.channels.splice(i, 1);
      if (n.channels.length === 0) this.nodes.delete(k);
    }
  }

  /**
   * Prunes channels whose newest update is older than two weeks before `nowSecs` (the caller's
   * clock; the core reads none). Channels never updated are kept until they are.
   */
  removeStaleChannels(nowSecs: number): number {
    let removed = 0;
    for (const c of [...this.channels.values()]) {
      const newest = Math.max(c.oneToTwo?.lastUpdate ?? 0, c.twoToOne?.lastUpdate ?? 0);
      if (newest > 0 && newest + STALE_CHANNEL_SECS < nowSecs) {
        this.removeChannel(c.shortChannelId);
        removed++;
      }
    }
    return removed;
  }
}
