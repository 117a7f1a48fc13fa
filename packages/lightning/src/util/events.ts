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
  | { readonly kind: 'DiscardFunding'; readonly channelId: Uint8Array; readonly tx: Uint8Array };

/** Something that queues `Event`s (LDK's `EventsProvider`). */
export interface EventsProvider {
  /** Returns and forgets every pending event, in order. */
  getAndClearPendingEvents(): Event[];
}
