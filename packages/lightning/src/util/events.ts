import type { WireMessage } from '../ln/msgs/index.js';
import type { ErrorAction } from './errors.js';

/**
 * A message a handler wants sent (LDK's `MessageSendEvent`). `PeerManager.processEvents()` takes
 * these from every `MessageSendEventsProvider` and turns them into encrypted bytes.
 */
export type MessageSendEvent =
  /** Send `msg` to the connected peer `nodeId` (dropped, with a log line, if it is not connected). */
  | { readonly kind: 'send-message'; readonly nodeId: Uint8Array; readonly msg: WireMessage }
  /** Gossip to relay to every connected peer (except `exceptNodeId`), subject to buffer limits. */
  | { readonly kind: 'broadcast'; readonly msg: WireMessage; readonly exceptNodeId?: Uint8Array }
  /**
   * Gossip we originate (our `channel_announcement`, `channel_update`, `node_announcement`):
   * `PeerManager` first hands it to its routing handler, so our own graph knows our channels, and
   * relays it unless that handler rejected it (LDK's `BroadcastChannelAnnouncement`,
   * `BroadcastChannelUpdate`, `BroadcastNodeAnnouncement`).
   */
  | { readonly kind: 'broadcast-gossip'; readonly msg: WireMessage }
  /** A protocol violation by `nodeId`: carry out `action` (BOLT 1 §"The error and warning messages"). */
  | { readonly kind: 'handle-error'; readonly nodeId: Uint8Array; readonly action: ErrorAction };

/** Something that queues messages for peers (LDK's `MessageSendEventsProvider`). */
export interface MessageSendEventsProvider {
  /** Returns and forgets every queued event, in the order they were queued. */
  getAndClearPendingMsgEvents(): MessageSendEvent[];
}

/**
 * Why a channel closed (LDK's `ClosureReason`), carried by `Event.ChannelClosed`.
 */
export type ClosureReason =
  /** The peer sent an `error` for the channel (BOLT 1): `peerMsg` is its text. */
  | { readonly kind: 'CounterpartyForceClosed'; readonly peerMsg: string }
  /** We force-closed (`forceCloseBroadcastingLatestTxn`). */
  | { readonly kind: 'HolderForceClosed' }
  /** A cooperative close (`shutdown`/`closing_signed`) we started. */
  | { readonly kind: 'LocallyInitiatedCooperativeClosure' }
  /** A cooperative close the peer started. */
  | { readonly kind: 'CounterpartyInitiatedCooperativeClosure' }
  /** A commitment transaction confirmed on chain (ours or theirs). */
  | { readonly kind: 'CommitmentTxConfirmed' }
  /** The funding transaction never confirmed in time (BOLT 2: 2016 blocks for the fundee). */
  | { readonly kind: 'FundingTimedOut' }
  /** We found the peer (or ourselves) in violation and failed the channel. */
  | { readonly kind: 'ProcessingError'; readonly err: string }
  /** The peer disconnected before the channel was funded. */
  | { readonly kind: 'DisconnectedPeer' }
  /** The funding transaction was reorged out and its inputs double-spent. */
  | { readonly kind: 'FundingBatchClosure' };

/** A funding outpoint (txid in internal byte order). */
export interface FundingTxo {
  readonly txid: Uint8Array;
  readonly index: number;
}

/**
 * What the user must act on or may want to know (LDK's `Event`), taken with
 * `getAndClearPendingEvents()`. BOLT references are on each variant.
 */
export type Event =
  /**
   * We opened a channel and the peer accepted: build a transaction paying `channelValueSatoshis`
   * to `outputScript` (the BOLT 3 funding P2WSH) and hand it to `fundingTransactionGenerated`.
   */
  | {
      readonly kind: 'FundingGenerationReady';
      readonly temporaryChannelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly channelValueSatoshis: bigint;
      readonly outputScript: Uint8Array;
      readonly userChannelId: bigint;
    }
  /** Both commitments are signed and the funding transaction is (or will be) broadcast. */
  | {
      readonly kind: 'ChannelPending';
      readonly channelId: Uint8Array;
      readonly userChannelId: bigint;
      readonly formerTemporaryChannelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly fundingTxo: FundingTxo;
    }
  /** `channel_ready` exchanged both ways: the channel can be used (BOLT 2). */
  | {
      readonly kind: 'ChannelReady';
      readonly channelId: Uint8Array;
      readonly userChannelId: bigint;
      readonly counterpartyNodeId: Uint8Array;
      readonly channelType: string;
    }
  /** The channel is closed (or closing on chain) and no longer usable. */
  | {
      readonly kind: 'ChannelClosed';
      readonly channelId: Uint8Array;
      readonly userChannelId: bigint;
      readonly reason: ClosureReason;
      readonly counterpartyNodeId: Uint8Array | undefined;
      readonly channelCapacitySats: bigint | undefined;
    }
  /** A peer wants to open a channel and manual acceptance is on: `acceptInboundChannel` or reject. */
  | {
      readonly kind: 'OpenChannelRequest';
      readonly temporaryChannelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly fundingSatoshis: bigint;
      readonly pushMsat: bigint;
      readonly channelType: string;
    }
  /** A funding transaction we were given will never be broadcast: its inputs may be reused. */
  | { readonly kind: 'DiscardFunding'; readonly channelId: Uint8Array; readonly tx: Uint8Array }
  | PaymentEvent;

/** Something that queues `Event`s (LDK's `EventsProvider`). */
export interface EventsProvider {
  /** Returns and forgets every pending event, in order. */
  getAndClearPendingEvents(): Event[];
}

/** What a received payment is for (LDK's `PaymentPurpose`). */
export type PaymentPurpose =
  /** Paid to a payment hash we issued (an invoice); `preimage` is set when we hold it. */
  | { readonly kind: 'invoice'; readonly preimage: Uint8Array | undefined; readonly secret: Uint8Array }
  /** A keysend: the payer chose the preimage and sent it in the onion. */
  | { readonly kind: 'spontaneous'; readonly preimage: Uint8Array };

/** A hop of a path an outbound payment took (what `PaymentPath*` events report). */
export interface PaidPathHop {
  readonly pubkey: Uint8Array;
  readonly shortChannelId: bigint;
  readonly feeMsat: bigint;
  readonly cltvExpiryDelta: number;
}

/** Payment events (LDK's `Event` variants for payments), part of {@link Event}. */
export type PaymentEvent =
  /** HTLCs wait in `processPendingHtlcForwards()`; call it (after a short random delay, for privacy). */
  | { readonly kind: 'PendingHTLCsForwardable'; readonly timeForwardableMs: number }
  /** A payment to us arrived in full: claim it with `claimFunds(preimage)` or fail it back. */
  | {
      readonly kind: 'PaymentClaimable';
      readonly paymentHash: Uint8Array;
      readonly amountMsat: bigint;
      readonly purpose: PaymentPurpose;
      readonly receiverNodeId: Uint8Array;
      readonly viaChannelId: Uint8Array;
    }
  /** We claimed a payment: the preimage is on its way to the payer. */
  | { readonly kind: 'PaymentClaimed'; readonly paymentHash: Uint8Array; readonly amountMsat: bigint; readonly purpose: PaymentPurpose }
  /** Our payment arrived: the recipient revealed the preimage. */
  | {
      readonly kind: 'PaymentSent';
      readonly paymentId: Uint8Array;
      readonly paymentPreimage: Uint8Array;
      readonly paymentHash: Uint8Array;
      readonly feePaidMsat: bigint;
    }
  /** One path of a payment succeeded. */
  | { readonly kind: 'PaymentPathSuccessful'; readonly paymentId: Uint8Array; readonly paymentHash: Uint8Array; readonly path: readonly PaidPathHop[] }
  /** One path failed; `failingHopIndex` is the hop the error was attributed to (BOLT 4). */
  | {
      readonly kind: 'PaymentPathFailed';
      readonly paymentId: Uint8Array;
      readonly paymentHash: Uint8Array;
      readonly paymentFailedPermanently: boolean;
      readonly failureCode: number | undefined;
      readonly failingHopIndex: number | undefined;
      readonly path: readonly PaidPathHop[];
    }
  /** The payment is over and did not succeed. */
  | { readonly kind: 'PaymentFailed'; readonly paymentId: Uint8Array; readonly paymentHash: Uint8Array; readonly reason: string }
  /** We forwarded a payment and earned `feeEarnedMsat`. */
  | {
      readonly kind: 'PaymentForwarded';
      readonly prevChannelId: Uint8Array;
      readonly nextChannelId: Uint8Array;
      readonly feeEarnedMsat: bigint;
      readonly outboundAmountForwardedMsat: bigint;
    };
