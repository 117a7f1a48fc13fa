/**
 * The BOLT 2 channel state machine's states, inputs and actions. The step function
 * (`step.ts`) is pure: `(state, input, ctx) → { state, actions }`; the `ChannelManager` performs
 * the actions in order (persisting monitor updates before sending what depends on them).
 *
 * ```
 *        FUNDER (outbound)                                FUNDEE (inbound)
 *  createChannel ─► WaitForAcceptChannel  open_channel ─► (manual?) WaitForAcceptance
 *                        │ accept_channel ◄──────────────────────── │ acceptInbound / auto
 *                        ▼                                          ▼
 *                   WaitForFundingTx  (FundingGenerationReady)  WaitForFundingCreated
 *  fundingGenerated ─►   │ funding_created ───────────────────────► │ watch monitor
 *                        ▼                                          │ funding_signed
 *                   WaitForFundingSigned ◄───────────────────────── ┘
 *                        │ watch monitor, broadcast funding
 *                        ▼                                          ▼
 *                   WaitForChannelReady ◄──── channel_ready ────► WaitForChannelReady
 *                        │ (depth reached, both channel_ready)
 *                        ▼
 *                      Normal ── shutdown ──► ShutdownPending ──► Negotiating ──► Closing ──► Closed
 *   any funded state ── disconnected ──► Offline ── connected ──► Syncing ── channel_reestablish ──► (back)
 * ```
 *
 * | state | input | next |
 * |---|---|---|
 * | WaitForAcceptChannel | accept_channel ok | WaitForFundingTx (+FundingGenerationReady) |
 * | WaitForAcceptChannel | error / disconnect / timeout | Closed (discard) |
 * | WaitForAcceptance | accept-inbound | WaitForFundingCreated (+accept_channel) |
 * | WaitForFundingTx | funding-generated | WaitForFundingSigned (+funding_created) |
 * | WaitForFundingCreated | funding_created ok | WaitForChannelReady (+watch, funding_signed, ChannelPending) |
 * | WaitForFundingSigned | funding_signed ok | WaitForChannelReady (+watch, broadcast funding, ChannelPending) |
 * | WaitForChannelReady | funding-confirmed at depth | same, +channel_ready sent |
 * | WaitForChannelReady | channel_ready (and ours sent) | Normal (+ChannelReady) |
 * | WaitForChannelReady | best-block past 2016 unconfirmed (fundee) | Closed (FundingTimedOut) |
 * | Normal | funding 6 deep (public) | same (+announcement_signatures; see `announcement.ts`) |
 * | Normal | announcement_signatures ok | same (+announce: channel_announcement complete) |
 * | Normal | close / shutdown | ShutdownPending (+shutdown) |
 * | ShutdownPending | both shutdowns exchanged | Negotiating (+closing_signed if funder) |
 * | Negotiating | closing_signed agreed | Closing (+closing_signed, broadcast) |
 * | Closing | funding-spent | Closed |
 * | funded | disconnected | Offline |
 * | Offline | connected | Syncing (+channel_reestablish) |
 * | Syncing | channel_reestablish ok | inner state (+retransmissions) |
 * | funded | error / force-close | Closed (+ChannelForceClosed monitor update, broadcast) |
 * @module
 */
import type { OutPoint, Transaction } from '../../bitcoin/tx.js';
import type { ChannelMonitorInit, ChannelMonitorUpdate } from '../../chain/channelmonitor_update.js';
import type { CryptoBackend } from '../../crypto/backend.js';
import type { ChannelSigner, KeysInterface } from '../../sign/interfaces.js';
import type { UserConfig } from '../../util/config.js';
import type { ClosureReason, Event } from '../../util/events.js';
import type { Features } from '../features.js';
import type { ChannelReady, ClosingSigned, OpenChannel, Shutdown, UpdateAddHtlc } from '../msgs/bolt02.js';
import type { ChannelUpdate } from './htlc/spec.js';
import type { WireMessage } from '../msgs/index.js';
import type { AnnouncementSignatures, ChannelAnnouncement } from '../msgs/bolt07.js';
import type { AnnouncementSigsState } from './announcement.js';
import type { ChannelType } from './channel_type.js';
import type { ChannelError } from './errors.js';
import type { SideParams } from './params.js';
import type { HtlcCommitments } from './htlc/commitments.js';

/** Facts about a channel fixed once both sides' parameters are known. */
export interface ChannelParams {
  readonly temporaryChannelId: Uint8Array;
  readonly userChannelId: bigint;
  readonly counterpartyNodeId: Uint8Array;
  /** We fund (and pay commitment fees). */
  readonly isOutbound: boolean;
  readonly valueSat: bigint;
  readonly pushMsat: bigint;
  readonly channelType: ChannelType;
  /** `announce_channel` (BOLT 2 `channel_flags` bit 0). */
  readonly announce: boolean;
  readonly keysId: Uint8Array;
  readonly holder: SideParams;
  readonly counterparty: SideParams;
  /** Confirmations required before `channel_ready` (0 = zero-conf). */
  readonly minimumDepth: number;
  /** Block height when the channel was created, for the fundee's funding timeout. */
  readonly createdAtHeight: number;
  /** Our alias for this channel (`channel_ready` TLV), BOLT 2 / `option_scid_alias`. */
  readonly ourScidAlias: bigint;
  /** `feerate_per_kw` of `open_channel`: the first commitments' feerate. */
  readonly initialFeeratePerKw: number;
}

/** The funding transaction, once known. */
export interface Funding {
  readonly channelId: Uint8Array;
  readonly outpoint: OutPoint;
  /** The 2-of-2 witness script. */
  readonly script: Uint8Array;
  /** The funder keeps the full transaction to broadcast it (and to report `DiscardFunding`). */
  readonly tx: Transaction | undefined;
}

/** Where the funding transaction is on chain. */
export interface FundingConfirmation {
  readonly height: number;
  readonly txIndex: number;
  readonly blockHash: Uint8Array;
}

/**
 * The commitment state of a funded channel without HTLCs in flight. Commitment numbers are
 * BOLT 3's, counting up from 0.
 */
export interface Commitments {
  readonly holderCommitmentNumber: bigint;
  readonly counterpartyCommitmentNumber: bigint;
  /** Our balance (msat), before fees. */
  readonly holderBalanceMsat: bigint;
  /** Theirs (msat), before fees. */
  readonly counterpartyBalanceMsat: bigint;
  readonly feeratePerKw: number;
  /** Their per-commitment point for their current commitment. */
  readonly counterpartyCurrentPoint: Uint8Array;
  /** Their point for their next commitment (from `channel_ready` or `revoke_and_ack`). */
  readonly counterpartyNextPoint: Uint8Array | undefined;
  /** The last per-commitment secret they revealed, for `channel_reestablish`. */
  readonly counterpartyLastSecret: Uint8Array | undefined;
  /** Their signature of our current commitment. */
  readonly holderCommitmentSig: Uint8Array;
  /** The id of the last `ChannelMonitorUpdate` issued (the monitor's creation is update 0). */
  readonly latestMonitorUpdateId: bigint;
  /** Both commitments' content and the updates between them (BOLT 2 §"Normal Operation"). */
  readonly htlc: HtlcCommitments;
}

/** A cooperative close in progress: who started it and the scripts each side will be paid to. */
export interface CloseState {
  readonly initiator: 'local' | 'remote';
  readonly localShutdown: Shutdown | undefined;
  readonly remoteShutdown: Shutdown | undefined;
  /** Feerate (sat/kW) the user asked for, if any. */
  readonly targetFeeratePerKw: number | undefined;
}

/** Our `closing_signed` fee negotiation. */
export interface Negotiation {
  readonly lastSent: ClosingSigned | undefined;
  readonly lastReceived: ClosingSigned | undefined;
  /** The fee range we offer. */
  readonly ourMinFeeSat: bigint;
  readonly ourMaxFeeSat: bigint;
}

/** States a channel can be in once its funding output exists (these survive restarts). */
export type FundedState =
  | {
      readonly kind: 'WaitForChannelReady';
      readonly params: ChannelParams;
      readonly funding: Funding;
      readonly commitments: Commitments;
      readonly confirmation: FundingConfirmation | undefined;
      readonly ourReadySent: boolean;
      readonly theirReady: ChannelReady | undefined;
      /**
       * The peer's `announcement_signatures`, arrived before we sent `channel_ready`: BOLT 7 says
       * to defer handling it, so it is replayed once the channel is `Normal`.
       */
      readonly deferredAnnouncementSigs: AnnouncementSignatures | undefined;
    }
  | {
      readonly kind: 'Normal';
      readonly params: ChannelParams;
      readonly funding: Funding;
      readonly commitments: Commitments;
      readonly confirmation: FundingConfirmation | undefined;
      readonly theirScidAlias: bigint | undefined;
      /** The BOLT 7 `announcement_signatures` exchange (public channels; see `announcement.ts`). */
      readonly announcementSigs: AnnouncementSigsState;
    }
  | {
      readonly kind: 'ShutdownPending';
      readonly params: ChannelParams;
      readonly funding: Funding;
      readonly commitments: Commitments;
      readonly confirmation: FundingConfirmation | undefined;
      readonly close: CloseState;
    }
  | {
      readonly kind: 'Negotiating';
      readonly params: ChannelParams;
      readonly funding: Funding;
      readonly commitments: Commitments;
      readonly confirmation: FundingConfirmation | undefined;
      readonly close: CloseState;
      readonly negotiation: Negotiation;
    }
  | {
      readonly kind: 'Closing';
      readonly params: ChannelParams;
      readonly funding: Funding;
      readonly commitments: Commitments;
      readonly confirmation: FundingConfirmation | undefined;
      /** The transaction we expect to spend the funding output. */
      readonly closingTx: Transaction;
      readonly reason: ClosureReason;
    };

/** Every state of a channel. */
export type ChannelState =
  | { readonly kind: 'WaitForAcceptChannel'; readonly params: Omit<ChannelParams, 'counterparty' | 'minimumDepth'>; readonly open: OpenChannel; readonly ticks: number }
  | {
      readonly kind: 'WaitForAcceptance';
      readonly open: OpenChannel;
      readonly channelType: ChannelType;
      readonly theirs: SideParams;
      readonly announce: boolean;
      readonly ticks: number;
    }
  | { readonly kind: 'WaitForFundingTx'; readonly params: ChannelParams; readonly theirFirstPoint: Uint8Array; readonly ticks: number }
  | { readonly kind: 'WaitForFundingCreated'; readonly params: ChannelParams; readonly theirFirstPoint: Uint8Array; readonly ticks: number }
  | {
      readonly kind: 'WaitForFundingSigned';
      readonly params: ChannelParams;
      readonly funding: Funding;
      readonly theirFirstPoint: Uint8Array;
      readonly ticks: number;
    }
  | FundedState
  | { readonly kind: 'Offline'; readonly inner: FundedState }
  | { readonly kind: 'Syncing'; readonly inner: FundedState }
  | { readonly kind: 'Closed'; readonly reason: ClosureReason };

/** What can happen to a channel. */
export type ChannelInput =
  | { readonly kind: 'message'; readonly msg: WireMessage }
  /** The user built the funding transaction (outbound, `fundingTransactionGenerated`). */
  | { readonly kind: 'funding-generated'; readonly tx: Transaction; readonly outputIndex: number }
  /** The user accepted an inbound channel (`acceptInboundChannel`). */
  | { readonly kind: 'accept-inbound'; readonly userChannelId: bigint; readonly zeroConf: boolean }
  | { readonly kind: 'funding-confirmed'; readonly confirmation: FundingConfirmation }
  | { readonly kind: 'funding-unconfirmed' }
  | { readonly kind: 'best-block'; readonly height: number }
  /** The funding output was spent on chain (by a closing or commitment transaction). */
  | { readonly kind: 'funding-spent'; readonly tx: Transaction; readonly txid: Uint8Array }
  | { readonly kind: 'close'; readonly targetFeeratePerKw: number | undefined; readonly shutdownScript: Uint8Array | undefined }
  /** Fail the channel; `broadcast: false` when there is no valid commitment to publish. */
  | { readonly kind: 'force-close'; readonly reason: ClosureReason; readonly broadcast?: boolean }
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'connected'; readonly theirFeatures: Features }
  | { readonly kind: 'timer-tick' }
  /** Offer an HTLC (`update_add_htlc`; the id is assigned by the channel). */
  | { readonly kind: 'add-htlc'; readonly add: Omit<UpdateAddHtlc, 'id' | 'channelId'> }
  /** Settle an incoming HTLC with its preimage. */
  | { readonly kind: 'fulfill-htlc'; readonly id: bigint; readonly preimage: Uint8Array }
  /** Fail an incoming HTLC (`update_fail_htlc` or `update_fail_malformed_htlc`). */
  | { readonly kind: 'fail-htlc'; readonly update: ChannelUpdate }
  /** Change the commitment feerate (funder only). */
  | { readonly kind: 'update-fee'; readonly feeratePerKw: number }
  /** Send `commitment_signed` for everything pending. */
  | { readonly kind: 'sign' };

/** What the caller must do, in order. */
export type ChannelAction =
  | { readonly kind: 'send'; readonly msg: WireMessage }
  /** Create and persist the channel's monitor (`ManyChannelMonitor.watchChannel`). */
  | { readonly kind: 'watch'; readonly init: ChannelMonitorInit }
  | { readonly kind: 'update-monitor'; readonly update: ChannelMonitorUpdate }
  | { readonly kind: 'broadcast'; readonly tx: Transaction }
  | { readonly kind: 'event'; readonly event: Event }
  /** Tell the peer (`error` for `close`, `warning` for `warn`). */
  | { readonly kind: 'peer-error'; readonly error: ChannelError }
  /** The channel is now known by its real id (funding outpoint), not the temporary one. */
  | { readonly kind: 'rekey'; readonly channelId: Uint8Array }
  /** The peer fulfilled an HTLC we offered: the preimage is ours (pass it upstream / PaymentSent). */
  | { readonly kind: 'htlc-fulfilled'; readonly htlc: UpdateAddHtlc; readonly preimage: Uint8Array }
  /**
   * The peer's updates are now irrevocably committed in both commitments (after its
   * `revoke_and_ack`): incoming HTLCs to process, and its fails/fulfills of ours.
   */
  | { readonly kind: 'htlcs-committed'; readonly adds: readonly UpdateAddHtlc[]; readonly settled: readonly ChannelUpdate[] }
  /** Our HTLCs that never got signed before the peer disconnected: they were never offered. */
  | { readonly kind: 'htlcs-dropped'; readonly adds: readonly UpdateAddHtlc[] }
  /**
   * Both sides' `announcement_signatures` are in: broadcast this complete `channel_announcement`
   * and our `channel_update` for the channel (BOLT 7 §"The announcement_signatures Message").
   */
  | { readonly kind: 'announce'; readonly announcement: ChannelAnnouncement };

/** The result of one step. */
export interface Step {
  readonly state: ChannelState;
  readonly actions: readonly ChannelAction[];
}

/** What a step may read besides the state: all plain values or deterministic signers. */
export interface StepContext {
  readonly crypto: CryptoBackend;
  readonly signer: ChannelSigner;
  readonly config: UserConfig;
  readonly chainHash: Uint8Array;
  readonly bestHeight: number;
  /** The peer's node id. */
  readonly theirNodeId: Uint8Array;
  /** A fresh scid alias, used if this step creates a channel. */
  readonly newScidAlias: bigint;
  /** Our and the peer's `init` features, for negotiation. */
  readonly ourFeatures: Features;
  readonly theirFeatures: Features;
  /** Feerates (sat/kW) from the user's `FeeEstimator`. */
  readonly feerates: {
    readonly commitment: number;
    readonly closeMinimum: number;
    readonly closeTarget: number;
    readonly minAllowedRemote: number;
    readonly maxAllowedRemote: number;
  };
  /** Where our funds go on cooperative close, unless we committed to another script upfront. */
  readonly shutdownScript: Uint8Array;
  /** Where on-chain claims pay to. */
  readonly destinationScript: Uint8Array;
  /** Our node key, for the node signature of `announcement_signatures` (BOLT 7). */
  readonly nodeSigner: Pick<KeysInterface, 'getNodeId' | 'signWithNodeKey'>;
}

/** True for states that have a funding output (and a monitor). */
export function isFunded(s: ChannelState): s is FundedState {
  return (
    s.kind === 'WaitForChannelReady' || s.kind === 'Normal' || s.kind === 'ShutdownPending' || s.kind === 'Negotiating' || s.kind === 'Closing'
  );
}

/** The funded state inside `s`, looking through `Offline`/`Syncing`. */
export function fundedOf(s: ChannelState): FundedState | undefined {
  if (s.kind === 'Offline' || s.kind === 'Syncing') return s.inner;
  return isFunded(s) ? s : undefined;
}
