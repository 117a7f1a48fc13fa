/**
 * What the {@link ProbabilisticScorer} has learned about one channel (LDK 0.1's `ChannelLiquidity`
 * and `DirectedChannelLiquidity` in `lightning/src/routing/scoring.rs`): bounds on the liquidity
 * available in each direction, as offsets, and their history.
 * @module
 */
import { BUCKETS, decayBuckets, hasDatapoints, trackBounds, validPointCount } from './historical.js';

/**
 * One channel's learned state, kept in the node1 → node2 direction (node1 the lesser node id):
 * the liquidity node1 can send lies in [`minOffsetMsat`, `capacity − maxOffsetMsat`]. Because
 * what one side can send is what the other cannot, the node2 → node1 direction reads the two
 * offsets swapped (its lower bound is `maxOffsetMsat`, its upper `capacity − minOffsetMsat`).
 * Offsets rather than absolute bounds, so the state stays meaningful when the capacity estimate
 * changes, and so that decay (halving the offsets) moves both bounds towards "knowing nothing".
 *
 * All fields are numbers (msat are whole numbers below 2^53; times are the caller's seconds).
 */
export class ChannelLiquidity {
  /** Lower bound of node1 → node2 liquidity, as an offset from zero (msat). */
  minOffsetMsat = 0;
  /** Upper bound of node1 → node2 liquidity, as an offset below the capacity (msat). */
  maxOffsetMsat = 0;
  /** Bound history; see `historical.ts` for the layout. */
  readonly buckets = new Uint16Array(2 * BUCKETS);
  /** {@link validPointCount} of {@link buckets}, kept so scoring can skip channels without enough history. */
  totalValidPoints = 0;

  constructor(
    /** When a bound last changed or was decayed (caller's seconds). */
    public lastUpdatedSecs: number,
    /** When the history last got a datapoint or was decayed (caller's seconds). */
    public offsetHistoryLastUpdatedSecs: number,
  ) {}

  /** This direction's lower bound (msat). */
  minLiquidityMsat(oneToTwo: boolean): number {
    return oneToTwo ? this.minOffsetMsat : this.maxOffsetMsat;
  }

  /** This direction's upper bound (msat) for a channel of `capacityMsat`. */
  maxLiquidityMsat(oneToTwo: boolean, capacityMsat: number): number {
    const off = oneToTwo ? this.maxOffsetMsat : this.minOffsetMsat;
    return off < capacityMsat ? capacityMsat - off : 0;
  }

  private setMinOffset(oneToTwo: boolean, v: number): void {
    if (oneToTwo) this.minOffsetMsat = v;
    else this.maxOffsetMsat = v;
  }

  private setMaxOffset(oneToTwo: boolean, v: number): void {
    if (oneToTwo) this.maxOffsetMsat = v;
    else this.minOffsetMsat = v;
  }

  /** Raises this direction's lower bound to `amountMsat`, clearing the upper bound if they cross (LDK's `set_min_liquidity_msat`). */
  private setMinLiquidity(oneToTwo: boolean, amountMsat: number, capacityMsat: number, nowSecs: number): void {
    this.setMinOffset(oneToTwo, amountMsat);
    if (amountMsat > this.maxLiquidityMsat(oneToTwo, capacityMsat)) this.setMaxOffset(oneToTwo, 0);
    this.lastUpdatedSecs = nowSecs;
  }

  /** Lowers this direction's upper bound to `amountMsat`, clearing the lower bound if they cross (LDK's `set_max_liquidity_msat`). */
  private setMaxLiquidity(oneToTwo: boolean, amountMsat: number, capacityMsat: number, nowSecs: number): void {
    this.setMaxOffset(oneToTwo, amountMsat < capacityMsat ? capacityMsat - amountMsat : 0);
    if (amountMsat < this.minLiquidityMsat(oneToTwo)) this.setMinOffset(oneToTwo, 0);
    this.lastUpdatedSecs = nowSecs;
  }

  /**
   * Adds the current bounds to the history. `bucketOffsetMsat` is the amount of a payment that
   * just succeeded: the history records the liquidity *before* it (LDK's `update_history_buckets`).
   */
  private updateHistory(oneToTwo: boolean, bucketOffsetMsat: number, capacityMsat: number, nowSecs: number): void {
    const minOff = (oneToTwo ? this.minOffsetMsat : this.maxOffsetMsat) + bucketOffsetMsat;
    const maxOff = Math.max(0, (oneToTwo ? this.maxOffsetMsat : this.minOffsetMsat) - bucketOffsetMsat);
    trackBounds(this.buckets, oneToTwo, minOff, maxOff, capacityMsat);
    this.totalValidPoints = validPointCount(this.buckets);
    this.offsetHistoryLastUpdatedSecs = nowSecs;
  }

  /**
   * An HTLC of `amountMsat` failed at this channel in this direction: its liquidity is below the
   * amount (LDK's `failed_at_channel`). Returns whether the upper bound moved.
   */
  failedAtChannel(oneToTwo: boolean, amountMsat: number, capacityMsat: number, nowSecs: number): boolean {
    const moved = amountMsat < this.maxLiquidityMsat(oneToTwo, capacityMsat);
    if (moved) this.setMaxLiquidity(oneToTwo, amountMsat, capacityMsat, nowSecs);
    this.updateHistory(oneToTwo, 0, capacityMsat, nowSecs);
    return moved;
  }

  /**
   * An HTLC of `amountMsat` passed this channel and failed further on: its liquidity is at least
   * the amount (LDK's `failed_downstream`). Returns whether the lower bound moved.
   */
  failedDownstream(oneToTwo: boolean, amountMsat: number, capacityMsat: number, nowSecs: number): boolean {
    const moved = amountMsat > this.minLiquidityMsat(oneToTwo);
    if (moved) this.setMinLiquidity(oneToTwo, amountMsat, capacityMsat, nowSecs);
    this.updateHistory(oneToTwo, 0, capacityMsat, nowSecs);
    return moved;
  }

  /**
   * A payment of `amountMsat` went through: it is no longer available in this direction, so the
   * upper bound drops by it (LDK's `successful`).
   */
  successful(oneToTwo: boolean, amountMsat: number, capacityMsat: number, nowSecs: number): void {
    const max = this.maxLiquidityMsat(oneToTwo, capacityMsat);
    this.setMaxLiquidity(oneToTwo, max > amountMsat ? max - amountMsat : 0, capacityMsat, nowSecs);
    this.updateHistory(oneToTwo, amountMsat, capacityMsat, nowSecs);
  }

  /**
   * Decays to `nowSecs` (LDK 0.1's `time_passed` body): each offset is multiplied by
   * `0.5^(elapsed / liquidityHalfLife)` (0 when the half-life is 0), and, when the history got no
   * datapoint for longer than `historyHalfLife`, the buckets are halved per elapsed half-life.
   * Returns whether anything is left worth keeping.
   */
  decay(nowSecs: number, liquidityHalfLifeSecs: number, historyHalfLifeSecs: number): boolean {
    if (liquidityHalfLifeSecs !== 0) {
      const elapsed = Math.max(0, nowSecs - this.lastUpdatedSecs);
      const f = 0.5 ** (elapsed / liquidityHalfLifeSecs);
      this.minOffsetMsat = Math.floor(this.minOffsetMsat * f);
      this.maxOffsetMsat = Math.floor(this.maxOffsetMsat * f);
    } else {
      this.minOffsetMsat = 0;
      this.maxOffsetMsat = 0;
    }
    this.lastUpdatedSecs = nowSecs;
    const historyElapsed = Math.max(0, nowSecs - this.offsetHistoryLastUpdatedSecs);
    if (historyElapsed > historyHalfLifeSecs && historyHalfLifeSecs !== 0) {
      decayBuckets(this.buckets, historyElapsed / historyHalfLifeSecs);
      this.totalValidPoints = validPointCount(this.buckets);
      this.offsetHistoryLastUpdatedSecs = nowSecs;
    }
    return this.minOffsetMsat !== 0 || this.maxOffsetMsat !== 0 || hasDatapoints(this.buckets);
  }
}
