/**
 * The data a `ChannelMonitor` keeps for one channel: what BOLT 5 on-chain enforcement needs
 * (§"Unilateral Close Handling", §"Revoked Transaction Close Handling") and what the chain told it.
 * Plain data so `monitor_codec.ts` can persist it field by field; `channelmonitor.ts` owns it.
 * @module
 */
import type { Transaction } from '../bitcoin/tx.js';
import type { CounterpartyCommitmentSecrets } from '../ln/chan_utils/secrets.js';
import type { ChannelMonitorInit, CounterpartyCommitmentData, HolderCommitmentData } from './channelmonitor_update.js';
import type { CounterpartyHtlcHistory } from './htlc_history.js';
import type { BestBlock } from './interfaces.js';

/** A confirmed transaction spending the funding output (BOLT 5 §"General Nomenclature": the channel is closing). */
export interface FundingSpendInfo {
  readonly tx: Transaction;
  /** Its txid, internal byte order. */
  readonly txid: Uint8Array;
  /** Height of the block it confirmed in. */
  readonly height: number;
  /** Hash of that block, internal byte order. */
  readonly blockHash: Uint8Array;
}

/** A payment preimage we learned, with its hash (BOLT 5 claims HTLC outputs paying to the hash with it). */
export interface PreimageRecord {
  readonly paymentHash: Uint8Array;
  readonly preimage: Uint8Array;
}

/** Events a monitor queued and the `ChainMonitor` has not yet released (persisted with the monitor so a crash loses none). */
export type QueuedMonitorEvent = { readonly kind: 'FundingSpent'; readonly spend: FundingSpendInfo } | { readonly kind: 'HolderForceClosed' };

/**
 * Everything one `ChannelMonitor` holds: the channel's fixed parameters as it was created with
 * them ({@link ChannelMonitorInit}), and the state that updates and the chain change.
 */
export interface ChannelMonitorState
  extends Omit<ChannelMonitorInit, 'shutdownScript' | 'holderCommitment' | 'counterpartyCommitment' | 'bestBlock'> {
  shutdownScript: Uint8Array | undefined;
  latestUpdateId: bigint;
  /** Our latest commitment, signed by the counterparty. */
  holderCommitment: HolderCommitmentData;
  /**
   * The one before it: still broadcastable until we revoke it, which we do right after handing the
   * new one over (BOLT 2 `revoke_and_ack`); replaced by the next, as in LDK.
   */
  prevHolderCommitment: HolderCommitmentData | undefined;
  /** Their latest commitment, as we signed it. */
  counterpartyCommitment: CounterpartyCommitmentData;
  /** The one before it, until they reveal its secret (then it is revoked and only punishable). */
  prevCounterpartyCommitment: CounterpartyCommitmentData | undefined;
  /**
   * The HTLCs of every counterparty commitment, compactly (what punishing a revoked one needs;
   * see `htlc_history.ts`). Changed in place by updates: the monitor marks and rolls it back.
   */
  counterpartyHtlcs: CounterpartyHtlcHistory;
  /** Their revealed per-commitment secrets (BOLT 3 §"Efficient Per-commitment Secret Storage"). */
  counterpartySecrets: CounterpartyCommitmentSecrets;
  /**
   * Preimages of HTLCs still on a commitment that is not revoked, as LDK prunes them: once an
   * HTLC is on none of our two latest and their two unrevoked commitments, no claim needs it.
   */
  preimages: PreimageRecord[];
  /** The channel was closed off-chain (`ChannelForceClosed`): no new commitment state is accepted. */
  closed: boolean;
  /** Our latest commitment was to be broadcast when the channel closed. */
  shouldBroadcast: boolean;
  bestBlock: BestBlock;
  fundingSpend: FundingSpendInfo | undefined;
  pendingEvents: QueuedMonitorEvent[];
}
