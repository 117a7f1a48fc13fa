/**
 * The chain-facing seams the user implements or drives (LDK's `lightning::chain` and
 * `chain::chaininterface`): block data in (`Listen`, `Confirm`), funding-output lookups
 * (`Access`), fee estimates and broadcasting out.
 * @module
 */
import type { OutPoint } from '../bitcoin/tx.js';

/** A transaction output as the chain holds it. */
export interface ChainTxOut {
  /** Value in satoshis. */
  readonly value: bigint;
  /** scriptPubKey. */
  readonly script: Uint8Array;
  /**
   * Where the output is, when the `chain.Access` knows: the graph then drops the channel when a
   * block spends it (`routing/chain_watch.ts`).
   */
  readonly outpoint?: OutPoint;
}

/** The chain tip a component has processed up to. */
export interface BestBlock {
  /** Block hash in internal byte order. */
  readonly blockHash: Uint8Array;
  readonly height: number;
}

/**
 * A transaction in a block, with its position (LDK's `TransactionData` entries): the index is
 * needed to build a `short_channel_id` (BOLT 7 §"Definition of short_channel_id").
 */
export interface IndexedTx {
  readonly index: number;
  /** The serialized transaction (segwit serialization where it has witnesses). */
  readonly tx: Uint8Array;
}

/**
 * Block-by-block chain notifications, for users who see every block in order (LDK's
 * `chain::Listen`). `header` is the 80-byte block header.
 */
export interface Listen {
  /** A block was connected at `height`; `txdata` holds the transactions relevant (or all of them). */
  filteredBlockConnected(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void;
  /** The block at `height` (the current tip) was disconnected by a reorg. */
  blockDisconnected(header: Uint8Array, height: number): void;
}

/**
 * Transaction-level chain notifications, for users who follow the chain by transactions
 * (Electrum/Esplora style; LDK's `chain::Confirm`).
 */
export interface Confirm {
  /** Transactions confirmed in the block with `header` at `height`. */
  transactionsConfirmed(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void;
  /** A transaction reported confirmed earlier is no longer in the best chain. */
  transactionUnconfirmed(txid: Uint8Array): void;
  /** The best chain's tip is now `header` at `height`. */
  bestBlockUpdated(header: Uint8Array, height: number): void;
  /** Transactions whose confirmation status the caller must keep telling us about, with the block they confirmed in. */
  getRelevantTxids(): Array<{ txid: Uint8Array; height: number; blockHash: Uint8Array | undefined }>;
}

/** Why `Access.getUtxo` could not return an output (LDK's `UtxoLookupError`). */
export type AccessError = 'UnknownChain' | 'UnknownTx';

/**
 * `chain.Access` (seed name; modern LDK: `UtxoLookup`): looks up the funding output of an
 * announced channel (BOLT 7 §"The channel_announcement Message": the receiver SHOULD check that
 * it is an unspent P2WSH 2-of-2 of the announced bitcoin keys). May answer later, through a
 * promise, when the lookup needs a network round trip.
 */
export interface Access {
  getUtxo(chainHash: Uint8Array, shortChannelId: bigint): ChainTxOut | AccessError | Promise<ChainTxOut | AccessError>;
}

/**
 * What a fee estimate is for (LDK's `ConfirmationTarget`), from most to least urgent.
 */
export type ConfirmationTarget =
  | 'OnChainSweep'
  | 'MaximumFeeEstimate'
  | 'UrgentOnChainSweep'
  | 'AnchorChannelFee'
  | 'NonAnchorChannelFee'
  | 'ChannelCloseMinimum'
  | 'OutputSpendingFee'
  | 'MinAllowedAnchorChannelRemoteFee'
  | 'MinAllowedNonAnchorChannelRemoteFee';

/** Supplies feerates in satoshis per 1000 weight units (never below 253, BOLT 3's floor). */
export interface FeeEstimator {
  getEstSatPer1000Weight(target: ConfirmationTarget): number;
}

/** BOLT 3's minimum feerate: 253 sat/kW (1 sat/vB after rounding). */
export const FEERATE_FLOOR_SATS_PER_KW = 253;

/** Broadcasts fully signed transactions (serialized). Rebroadcasting is lnts's job. */
export interface BroadcasterInterface {
  broadcastTransactions(txs: readonly Uint8Array[]): void;
}
