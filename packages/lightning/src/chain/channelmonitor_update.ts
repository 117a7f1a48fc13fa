/**
 * What a channel tells its `ChannelMonitor` (LDK's `ChannelMonitorUpdate`): every new state that
 * on-chain enforcement (BOLT 5) needs, handed over — and persisted — before the channel sends the
 * message that depends on it (ARCHITECTURE.md principle 2).
 * @module
 */
import type { OutPoint, Transaction } from '../bitcoin/tx.js';
import type { CommitmentHtlc } from '../ln/chan_utils/commitment.js';
import type { ChannelPublicKeys } from '../sign/interfaces.js';
import type { BestBlock } from './interfaces.js';

/** Our commitment as last signed by the counterparty: enough to broadcast it (force close). */
export interface HolderCommitmentData {
  readonly commitmentNumber: bigint;
  /** Our per-commitment point for it. */
  readonly perCommitmentPoint: Uint8Array;
  /** The unsigned commitment transaction. */
  readonly tx: Transaction;
  /** The counterparty's signature of it (64-byte compact). */
  readonly counterpartySig: Uint8Array;
  /** Their signatures of our HTLC transactions, in output order. */
  readonly counterpartyHtlcSigs: readonly Uint8Array[];
  readonly feeratePerKw: number;
  readonly toSelfValueMsat: bigint;
  readonly toCounterpartyValueMsat: bigint;
  readonly htlcs: readonly CommitmentHtlc[];
}

/** The counterparty's commitment as we signed it: enough to recognise and punish it later. */
export interface CounterpartyCommitmentData {
  readonly commitmentNumber: bigint;
  readonly txid: Uint8Array;
  readonly perCommitmentPoint: Uint8Array;
  readonly feeratePerKw: number;
  readonly toBroadcasterValueMsat: bigint;
  readonly toCountersignatoryValueMsat: bigint;
  readonly htlcs: readonly CommitmentHtlc[];
}

/** What a monitor is created from when the channel is funded (`ManyChannelMonitor.watchChannel`). */
export interface ChannelMonitorInit {
  readonly channelId: Uint8Array;
  readonly counterpartyNodeId: Uint8Array;
  readonly fundingOutpoint: OutPoint;
  /** The 2-of-2 witness script of the funding output. */
  readonly fundingScript: Uint8Array;
  readonly channelValueSatoshis: bigint;
  /** Identifies our signer (`KeysInterface.deriveChannelSigner`). */
  readonly keysId: Uint8Array;
  readonly isOutbound: boolean;
  readonly anchors: boolean;
  readonly holderPubkeys: ChannelPublicKeys;
  readonly counterpartyPubkeys: ChannelPublicKeys;
  /** `to_self_delay` on our outputs (chosen by the counterparty). */
  readonly holderToSelfDelay: number;
  /** `to_self_delay` on theirs (chosen by us). */
  readonly counterpartyToSelfDelay: number;
  readonly holderDustLimitSat: bigint;
  readonly counterpartyDustLimitSat: bigint;
  /** Where on-chain claims pay to. */
  readonly destinationScript: Uint8Array;
  /** Our cooperative-close script, if committed to. */
  readonly shutdownScript: Uint8Array | undefined;
  readonly holderCommitment: HolderCommitmentData;
  readonly counterpartyCommitment: CounterpartyCommitmentData;
  readonly bestBlock: BestBlock;
}

/** One change to a monitor's state. */
export type ChannelMonitorUpdateStep =
  | { readonly kind: 'LatestHolderCommitment'; readonly commitment: HolderCommitmentData }
  | { readonly kind: 'LatestCounterpartyCommitment'; readonly commitment: CounterpartyCommitmentData }
  /** A per-commitment secret the counterparty revealed (their commitment `commitmentNumber` is revoked). */
  | { readonly kind: 'CommitmentSecret'; readonly commitmentNumber: bigint; readonly secret: Uint8Array }
  /** A preimage we learned: HTLCs paying to this hash can be claimed on chain. */
  | { readonly kind: 'PaymentPreimage'; readonly preimage: Uint8Array }
  /** Our `shutdown` script for this close. */
  | { readonly kind: 'ShutdownScript'; readonly script: Uint8Array }
  /** The channel is closed; `shouldBroadcast` = broadcast our latest commitment. */
  | { readonly kind: 'ChannelForceClosed'; readonly shouldBroadcast: boolean };

/** A batch of steps with a strictly increasing id (per channel, starting at 1). */
export interface ChannelMonitorUpdate {
  readonly updateId: bigint;
  readonly channelId: Uint8Array;
  readonly steps: readonly ChannelMonitorUpdateStep[];
}
