/**
 * The router's view of a {@link NetworkGraph}: every channel direction as a slot in typed arrays,
 * grouped by the node the direction leads *to* (compressed sparse rows), because the search walks
 * backwards from the payee (LDK's `ReadOnlyNetworkGraph` plays this part). Reading a policy is a
 * few array loads instead of object and map lookups, and the whole index for 50,000 channels is
 * about 6 MB.
 *
 * The graph builds it lazily; a `channel_update` is written into its slot in place, while adding
 * or removing a channel or node only marks the index stale (it is rebuilt on the next route).
 * @module
 */
import type { ChannelInfo, StoredChannelPolicy } from './network_graph.js';

/** Flag bits of a slot. */
export const SLOT_USABLE = 1;
export const SLOT_ONE_TO_TWO = 2;
export const SLOT_CAPACITY_KNOWN = 4;

/** Inbound channel directions of every node, in typed arrays indexed by slot. */
export class GraphIndex {
  /** Slots of the directions into node `n` are `start[n]` … `start[n + 1] - 1`. */
  readonly start: Int32Array;
  /** The node each direction leaves (its counter). */
  readonly source: Int32Array;
  readonly flags: Uint8Array;
  readonly feeBase: Uint32Array;
  readonly feeProp: Uint32Array;
  readonly cltv: Uint16Array;
  readonly htlcMin: Float64Array;
  readonly htlcMax: Float64Array;
  /** Capacity (msat) over all parts: the funding amount when known, else `htlc_maximum_msat`. */
  readonly capacity: Float64Array;
  readonly channel: ChannelInfo[];
  /** Slot of each channel's node1 → node2 direction; node2 → node1 is `slotTwoToOne`. */
  private readonly slotOneToTwo = new Map<bigint, number>();
  private readonly slotTwoToOne = new Map<bigint, number>();

  constructor(
    /** Node counters in the index are below this. */
    readonly nodeBound: number,
    channels: Iterable<ChannelInfo>,
    channelCount: number,
  ) {
    const m = channelCount * 2;
    this.start = new Int32Array(nodeBound + 1);
    this.source = new Int32Array(m);
    this.flags = new Uint8Array(m);
    this.feeBase = new Uint32Array(m);
    this.feeProp = new Uint32Array(m);
    this.cltv = new Uint16Array(m);
    this.htlcMin = new Float64Array(m);
    this.htlcMax = new Float64Array(m);
    this.capacity = new Float64Array(m);
    this.channel = new Array<ChannelInfo>(m);
    const list: ChannelInfo[] = [];
    for (const c of channels) {
      list.push(c);
      this.start[c.counter2 + 1]!++;
      this.start[c.counter1 + 1]!++;
    }
    for (let n = 0; n < nodeBound; n++) this.start[n + 1]! += this.start[n]!;
    const fill = this.start.slice(0, nodeBound);
    for (const c of list) {
      const a = fill[c.counter2]!++;
      this.slotOneToTwo.set(c.shortChannelId, a);
      this.init(a, c, true);
      const b = fill[c.counter1]!++;
      this.slotTwoToOne.set(c.shortChannelId, b);
      this.init(b, c, false);
    }
  }

  private init(slot: number, c: ChannelInfo, oneToTwo: boolean): void {
    this.channel[slot] = c;
    this.source[slot] = oneToTwo ? c.counter1 : c.counter2;
    this.setPolicy(slot, c, oneToTwo, oneToTwo ? c.oneToTwo : c.twoToOne);
  }

  private setPolicy(slot: number, c: ChannelInfo, oneToTwo: boolean, p: StoredChannelPolicy | undefined): void {
    let f = oneToTwo ? SLOT_ONE_TO_TWO : 0;
    if (c.capacityMsat !== undefined) f |= SLOT_CAPACITY_KNOWN;
    if (p?.enabled) f |= SLOT_USABLE;
    this.flags[slot] = f;
    if (!p) return;
    this.feeBase[slot] = p.feeBaseMsat;
    this.feeProp[slot] = p.feeProportionalMillionths;
    this.cltv[slot] = p.cltvExpiryDelta;
    this.htlcMin[slot] = p.htlcMinimum;
    this.htlcMax[slot] = p.htlcMaximum;
    this.capacity[slot] = c.capacityMsat ?? p.htlcMaximum;
  }

  /** Writes a new `channel_update` of a channel already in the index into its slot. */
  updatePolicy(c: ChannelInfo, oneToTwo: boolean): void {
    const slot = (oneToTwo ? this.slotOneToTwo : this.slotTwoToOne).get(c.shortChannelId);
    if (slot !== undefined) this.setPolicy(slot, c, oneToTwo, oneToTwo ? c.oneToTwo : c.twoToOne);
  }

  /** The policy behind a slot (for the route's hops). */
  policy(slot: number): StoredChannelPolicy {
    const c = this.channel[slot]!;
    return ((this.flags[slot]! & SLOT_ONE_TO_TWO) !== 0 ? c.oneToTwo : c.twoToOne)!;
  }
}
