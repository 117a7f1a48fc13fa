/**
 * `ChannelManager`: every channel of a node, each a BOLT 2 state machine (`ln/channel`), with the
 * API to open, fund, list and close them. It implements `ChannelMessageHandler` for
 * `PeerManager`, queues `MessageSendEvent`s and `Event`s, follows the chain (`Listen`/`Confirm`)
 * and hands every new channel state to the `ManyChannelMonitor` before sending what depends on it.
 * @module
 */
import { p2wshForScript } from '../../bitcoin/outputs.js';
import type { OutPoint } from '../../bitcoin/tx.js';
import { parseTx, serializeTx, txid as txidOf } from '../../bitcoin/serialize.js';
import type { ChannelMonitorInit } from '../../chain/channelmonitor_update.js';
import type { BestBlock, BroadcasterInterface, ConfirmationTarget, Confirm, FeeEstimator, IndexedTx, Listen } from '../../chain/interfaces.js';
import { chainHash as chainHashOf, type Network } from '../../chain/network.js';
import type { ManyChannelMonitor, MonitorEvent, WatchedMonitor } from '../../chain/watch.js';
import { type CryptoBackend, sha256d } from '../../crypto/backend.js';
import type { ChannelSigner, KeysInterface } from '../../sign/interfaces.js';
import { equalBytes } from '../../util/bytes.js';
import type { ChannelUpdate } from '../msgs/bolt07.js';
import { type ChannelConfig, type UserConfig, DEFAULT_USER_CONFIG } from '../../util/config.js';
import { APIMisuseError, ChannelUnavailable, DecodeError } from '../../util/errors.js';
import type { Event, EventsProvider, MessageSendEvent } from '../../util/events.js';
import { fromHex, toHex } from '../../util/hex.js';
import type { Logger } from '../../util/logger.js';
import { proposeChannelType } from '../channel/channel_type.js';
import { ChannelError } from '../channel/errors.js';
import { onOpenChannel, openOutbound } from '../channel/states/opening.js';
import { type ChannelAction, type ChannelInput, type ChannelState, fundedOf, isFunded, type StepContext } from '../channel/state.js';
import { step } from '../channel/step.js';
import { Features, providedInitFeatures } from '../features.js';
import type { ChannelMessageHandler } from '../msg_handlers.js';
import type { ErrorMsg, Init } from '../msgs/bolt01.js';
import type { OpenChannel } from '../msgs/bolt02.js';
import type { WireMessage } from '../msgs/index.js';
import { fundingScript } from '../chan_utils/scripts.js';
import { type ChannelDetails, channelDetails } from './details.js';
import { buildInvoice, type InvoiceOptions } from './invoice_utils.js';
import { type ChannelGossip, MIN_CLTV_EXPIRY_DELTA, newChannelGossip } from './channel_update.js';
import { decodeChannelManager, encodeChannelManager, type PersistedChannel } from './persist.js';
import { OwnGossip } from './own_gossip.js';
import type { NetAddress } from '../msgs/address.js';
import { type PaymentPath, Payments } from './payments.js';
import { canSendCommit } from '../channel/htlc/commitments.js';
import { shortChannelIdOf } from '../channel/states/ready.js';
import type { RecipientFields } from '../onion/outbound.js';
import { createInboundPayment, createInboundPaymentForHash, ExpandedKey, InboundPaymentError, verifyInboundPayment } from '../inbound_payment.js';
import type { Router } from '../../routing/default_router.js';
import type { Route } from '../../routing/route.js';
import { getRoute } from '../../routing/router.js';
import { paymentParametersFromInvoice, type RouteParameters, routeParametersFromPaymentParamsAndValue } from '../../routing/params.js';
import { RouteNotFound } from '../../routing/errors.js';
import type { Invoice } from '../../invoice/invoice.js';

/** Everything a `ChannelManager` is built from (LDK's `ChannelManager::new` arguments). */
export interface ChannelManagerArgs<M extends WatchedMonitor> {
  readonly feeEstimator: FeeEstimator;
  readonly chainMonitor: ManyChannelMonitor<M>;
  /** Creates the monitor object for a newly funded channel. */
  readonly createMonitor: (init: ChannelMonitorInit) => M;
  readonly broadcaster: BroadcasterInterface;
  readonly logger: Logger;
  readonly keys: KeysInterface;
  readonly config?: UserConfig;
  readonly network: Network;
  /** The chain tip the manager starts from. */
  readonly bestBlock: BestBlock;
  readonly crypto: CryptoBackend;
  /**
   * Finds routes (over the gossip graph, with a scorer) and learns from payment outcomes; without
   * one, routes use our channels and the invoice's hints only.
   */
  readonly router?: Router;
}

interface Entry {
  state: ChannelState;
  readonly signer: ChannelSigner;
  readonly counterpartyNodeId: Uint8Array;
  /** The channel's configuration; its `channelConfig` changes with `updateChannelConfig`. */
  config: UserConfig;
  /** Our channel_update bookkeeping and the peer's policy (BOLT 7). */
  readonly gossip: ChannelGossip;
  /** Monitor operations not yet persisted (0 = the monitor's creation). */
  readonly inFlight: Set<bigint>;
  /** Actions waiting for the monitor operations before them to persist. */
  held: ChannelAction[];
  /** Persistence failed for good: nothing more leaves this channel. */
  frozen: boolean;
  /** The monitor's key, once the channel is funded. */
  fundingOutpoint?: OutPoint;
}

interface PeerState {
  readonly features: Features;
  connected: boolean;
}

/** The id a channel is known by now: the funding-derived id once funded, else the temporary id. */
function currentId(s: ChannelState): Uint8Array | undefined {
  const f = fundedOf(s);
  if (f) return f.funding.channelId;
  switch (s.kind) {
    case 'WaitForFundingSigned':
      return s.funding.channelId;
    case 'WaitForAcceptChannel':
    case 'WaitForFundingTx':
    case 'WaitForFundingCreated':
      return s.params.temporaryChannelId;
    case 'WaitForAcceptance':
      return s.open.temporaryChannelId;
    default:
      return undefined;
  }
}

function messageChannelId(m: WireMessage): Uint8Array | undefined {
  const msg = m.msg as { channelId?: Uint8Array; temporaryChannelId?: Uint8Array };
  return msg.temporaryChannelId ?? msg.channelId;
}

/** The set of this node's channels (BOLT 2), see the module doc. */
export class ChannelManager<M extends WatchedMonitor = WatchedMonitor> implements ChannelMessageHandler, EventsProvider, Listen, Confirm {
  private readonly channels = new Map<string, Entry>();
  private readonly peers = new Map<string, PeerState>();
  private msgEvents: MessageSendEvent[] = [];
  private events: Event[] = [];
  private best: BestBlock;
  private readonly config: UserConfig;
  readonly chainHash: Uint8Array;
  private readonly payments: Payments;
  private readonly inboundKey: ExpandedKey;
  /** Our `init` features: fixed by the config, built once (every step reads them). */
  private readonly ourInitFeatures: Features;
  /** The newest block timestamp seen: the core's only clock (for invoice expiry and gossip timestamps). */
  private highestSeenTimestamp = 0;
  /** The gossip we originate (our channel_updates, channel_announcements, node_announcement). */
  private readonly ownGossip: OwnGossip;

  constructor(private readonly a: ChannelManagerArgs<M>) {
    this.inboundKey = new ExpandedKey(a.keys.getInboundPaymentKeyMaterial(), a.crypto);
    this.best = a.bestBlock;
    this.config = a.config ?? DEFAULT_USER_CONFIG;
    this.chainHash = chainHashOf(a.network);
    this.ourInitFeatures = providedInitFeatures({ anchors: true });
    this.ownGossip = new OwnGossip({
      crypto: a.crypto,
      chainHash: this.chainHash,
      keys: a.keys,
      highestSeenTimestamp: () => this.highestSeenTimestamp,
      isConnected: (nodeId) => this.peers.get(toHex(nodeId))?.connected === true,
      push: (ev) => this.msgEvents.push(ev),
      log: (message, channelId) => this.log('debug', message, channelId),
      channels: () => this.channels.values(),
    });
    this.payments = new Payments({
      crypto: a.crypto,
      nodeSecret: () => a.keys.getNodeSecret(),
      ourNodeId: () => a.keys.getNodeId(),
      bestHeight: () => this.best.height,
      entropy: () => a.keys.getSecureRandomBytes(),
      channelConfig: (key) => this.channels.get(key)?.config.channelConfig ?? this.config.channelConfig,
      channelUpdateFor: (key, scid) => this.ownGossip.updateForFailure(this.channels.get(key), scid),
      channelByScid: (scid) => this.channelByScid(scid),
      drive: (key, input) => {
        const e = this.channels.get(key);
        if (!e) return 'no such channel';
        return this.drive(e, input)?.message;
      },
      lastOfferedHtlcId: (key) => {
        const st = this.channels.get(key)?.state;
        return st?.kind === 'Normal' ? st.commitments.htlc.localNextHtlcId - 1n : -1n;
      },
      channelId: (key) => fromHex(key),
      pushEvent: (ev) => this.events.push(ev),
      findRoute: (params) => {
        const r = this.findRoute(params);
        return r instanceof RouteNotFound ? undefined : r;
      },
      // The caller's clock is the best block's time here: the core reads no clock.
      pathFailed: (path, failure) => a.router?.paymentPathFailed(path, failure, this.highestSeenTimestamp) ?? false,
      pathSucceeded: (path) => a.router?.paymentPathSuccessful(path, this.highestSeenTimestamp),
      verifyInbound: (hash, secret, total) => {
        const v = verifyInboundPayment(this.inboundKey, hash, secret, total, this.highestSeenTimestamp);
        if (v instanceof InboundPaymentError) return undefined;
        return { secret, preimage: v.preimage, amountMsat: v.amountMsat, minFinalCltvExpiryDelta: v.minFinalCltvExpiryDelta ?? 18 };
      },
    });
  }

  /** The usable channel known by this short channel id (real, our alias or the peer's alias). */
  private channelByScid(scid: bigint): string | undefined {
    for (const [k, e] of this.channels) {
      const st = e.state;
      if (st.kind !== 'Normal') continue;
      if (!this.peers.get(toHex(e.counterpartyNodeId))?.connected) continue;
      const real = st.confirmation ? shortChannelIdOf(st.confirmation, st.funding.outpoint.vout) : undefined;
      if (real === scid || st.params.ourScidAlias === scid || st.theirScidAlias === scid) return k;
    }
    return undefined;
  }

  /** Our node id. */
  getOurNodeId(): Uint8Array {
    return this.a.keys.getNodeId();
  }

  /** The chain tip as we know it. */
  currentBestBlock(): BestBlock {
    return this.best;
  }

  private log(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string, channelId?: Uint8Array): void {
    this.a.logger.log(channelId ? { level, module: 'channelmanager', message, channelId } : { level, module: 'channelmanager', message });
  }

  private feerate(t: ConfirmationTarget): number {
    return Math.max(253, this.a.feeEstimator.getEstSatPer1000Weight(t));
  }

  private ctxFor(e: { signer: ChannelSigner; counterpartyNodeId: Uint8Array; config: UserConfig }, anchors: boolean, newAlias = 0n): StepContext {
    const peer = this.peers.get(toHex(e.counterpartyNodeId));
    return {
      crypto: this.a.crypto,
      signer: e.signer,
      config: e.config,
      chainHash: this.chainHash,
      bestHeight: this.best.height,
      theirNodeId: e.counterpartyNodeId,
      newScidAlias: newAlias,
      ourFeatures: this.ourInitFeatures,
      theirFeatures: peer?.features ?? new Features('init'),
      feerates: {
        commitment: this.feerate(anchors ? 'AnchorChannelFee' : 'NonAnchorChannelFee'),
        closeMinimum: this.feerate('ChannelCloseMinimum'),
        closeTarget: this.feerate('NonAnchorChannelFee'),
        minAllowedRemote: Math.max(253, this.feerate(anchors ? 'MinAllowedAnchorChannelRemoteFee' : 'MinAllowedNonAnchorChannelRemoteFee') - 250),
        maxAllowedRemote: anchors ? 0xffffffff : Math.max(this.feerate('MaximumFeeEstimate'), this.feerate('OnChainSweep')) * 10 + 2500,
      },
      shutdownScript: this.a.keys.getShutdownScriptpubkey(),
      destinationScript: this.a.keys.getDestinationScript(),
      nodeSigner: this.a.keys,
    };
  }

  private newAlias(): bigint {
    // Aliases look like scids in a block range no real chain reaches for decades (LDK does likewise).
    const r = this.a.keys.getSecureRandomBytes();
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(r[i]!);
    return (0x0f_0000n << 40n) | (v & ((1n << 40n) - 1n));
  }

  // ------------------------------------------------------------------ actions

  /** Runs one input through a channel's step and carries out the actions. */
  private drive(e: Entry, input: ChannelInput, anchors?: boolean): ChannelError | undefined {
    const f = fundedOf(e.state);
    const isAnchors = anchors ?? (f?.params.channelType.anchors ?? ('params' in e.state ? e.state.params.channelType.anchors : false));
    const r = step(e.state, input, this.ctxFor(e, isAnchors));
    if (r instanceof ChannelError) return r;
    const before = currentId(e.state);
    const wasSyncing = e.state.kind === 'Syncing';
    const wasFunded = fundedOf(e.state);
    e.state = r.state;
    const after = currentId(e.state);
    if (before && after && !equalBytes(before, after)) {
      this.channels.delete(toHex(before));
      this.channels.set(toHex(after), e);
    }
    this.apply(e, r.actions);
    // Reestablished: tell the peer our current policy again (LDK does too), so its route hints are fresh.
    if (wasSyncing && e.state.kind === 'Normal') this.ownGossip.sendToPeer(e);
    if (e.state.kind === 'Closed' && wasFunded) this.ownGossip.onClosed(e, wasFunded);
    if (e.state.kind === 'Closed' && before) {
      this.channels.delete(toHex(before));
      if (after) this.channels.delete(toHex(after));
    }
    // Sign as soon as there is something to sign (LDK does the same): the dance never stalls.
    if (input.kind !== 'sign' && (e.state.kind === 'Normal' || e.state.kind === 'ShutdownPending') && canSendCommit(e.state.commitments.htlc)) {
      const again = step(e.state, { kind: 'sign' }, this.ctxFor(e, e.state.params.channelType.anchors));
      if (!(again instanceof ChannelError)) {
        e.state = again.state;
        this.apply(e, again.actions);
      }
    }
    return undefined;
  }

  /**
   * The one place channel actions become effects. Monitor operations run first; while any is
   * in progress, everything after it (messages, broadcasts, events) waits (ARCHITECTURE.md
   * principle 2), and is released by the `Completed` monitor event.
   */
  private apply(e: Entry, actions: readonly ChannelAction[]): void {
    for (const act of actions) {
      if ((e.inFlight.size > 0 || e.frozen) && act.kind !== 'update-monitor' && act.kind !== 'watch') {
        e.held.push(act);
        continue;
      }
      switch (act.kind) {
        case 'watch': {
          e.fundingOutpoint = act.init.fundingOutpoint;
          const monitor = this.a.createMonitor(act.init);
          const status = this.a.chainMonitor.watchChannel(act.init.fundingOutpoint, monitor);
          if (status === 'in-progress') e.inFlight.add(0n);
          else if (status === 'unrecoverable') e.frozen = true;
          break;
        }
        case 'update-monitor': {
          const outpoint = e.fundingOutpoint ?? fundedOf(e.state)?.funding.outpoint;
          if (!outpoint) {
            this.log('error', 'monitor update for a channel without a monitor', act.update.channelId);
            break;
          }
          const status = this.a.chainMonitor.updateChannel(outpoint, act.update);
          if (status === 'in-progress') e.inFlight.add(act.update.updateId);
          else if (status === 'unrecoverable') e.frozen = true;
          break;
        }
        case 'send':
          this.msgEvents.push({ kind: 'send-message', nodeId: e.counterpartyNodeId, msg: act.msg });
          break;
        case 'broadcast':
          this.a.broadcaster.broadcastTransactions([serializeTx(act.tx)]);
          break;
        case 'event':
          this.events.push(act.event);
          // A usable channel tells its peer how we forward over it (BOLT 7: channel_update sent
          // directly for private channels, so the peer can put us in its invoices' route hints).
          if (act.event.kind === 'ChannelReady') this.ownGossip.sendToPeer(e);
          break;
        case 'peer-error': {
          const send = { channelId: act.error.channelId, data: act.error.message };
          this.log(act.error.severity === 'close' ? 'warn' : 'debug', act.error.describe(), act.error.channelId);
          if (act.error.severity === 'close') this.msgEvents.push({ kind: 'handle-error', nodeId: e.counterpartyNodeId, action: { kind: 'send-error', send } });
          else if (act.error.severity === 'warn-disconnect') {
            this.msgEvents.push({ kind: 'handle-error', nodeId: e.counterpartyNodeId, action: { kind: 'disconnect-with-warning', send } });
          } else if (act.error.severity === 'warn') {
            this.msgEvents.push({ kind: 'handle-error', nodeId: e.counterpartyNodeId, action: { kind: 'send-warning', send, log: 'debug' } });
          }
          break;
        }
        case 'rekey':
          break;
        case 'announce':
          this.ownGossip.onAnnounced(e, act.announcement);
          break;
        case 'htlc-fulfilled': {
          const key = this.keyOf(e);
          if (key) this.payments.onFulfilled(key, act.htlc, act.preimage);
          break;
        }
        case 'htlcs-dropped': {
          const key = this.keyOf(e);
          if (key) this.payments.onDropped(key, act.adds);
          break;
        }
        case 'htlcs-committed': {
          const key = this.keyOf(e);
          if (!key) break;
          this.payments.onCommittedAdds(key, act.adds);
          this.payments.onFailed(key, act.settled);
          break;
        }
      }
    }
  }

  // ------------------------------------------------------------------ gossip (BOLT 7, own_gossip.ts)

  /**
   * The peer's `channel_update` for a channel we share with it (BOLT 7: accept updates for our
   * own channels, even private): its fees and CLTV delta towards us, kept for route hints.
   * `PeerManager` passes every `channel_update` here as well as to the gossip handler.
   */
  handleChannelUpdate(theirNodeId: Uint8Array, msg: ChannelUpdate): void {
    this.ownGossip.onPeerUpdate(theirNodeId, msg);
  }

  /**
   * Changes the forwarding policy (`ChannelConfig`: fees, CLTV delta, ...) of the given channels
   * with one peer (LDK's `update_partial_channel_config`), and publishes a fresh `channel_update`
   * (newer timestamp) for each whose gossiped policy changed: broadcast when announced, to the
   * peer directly otherwise. All or nothing: an unknown channel fails before anything changes.
   */
  updateChannelConfig(counterpartyNodeId: Uint8Array, channelIds: readonly Uint8Array[], update: Partial<ChannelConfig>): void {
    if (update.cltvExpiryDelta !== undefined && update.cltvExpiryDelta < MIN_CLTV_EXPIRY_DELTA) {
      throw new APIMisuseError(`cltv_expiry_delta ${update.cltvExpiryDelta} is below the minimum of ${MIN_CLTV_EXPIRY_DELTA}`);
    }
    const entries = channelIds.map((id) => this.entryFor(id, counterpartyNodeId));
    for (const e of entries) {
      e.config = { ...e.config, channelConfig: { ...e.config.channelConfig, ...update } };
      this.ownGossip.publish(e);
    }
  }

  /**
   * Signs and broadcasts our `node_announcement` (BOLT 7; LDK's
   * `PeerManager::broadcast_node_announcement`). Features are ours (`providedNodeFeatures`) or'ed
   * with `extraFeatures` (pass the other handlers' `providedNodeFeatures`). BOLT 7 receivers
   * ignore nodes without an announced channel, so before our first channel is announced the
   * request is kept and sent with that announcement (`'deferred'`). Each call makes a new
   * announcement with a greater timestamp: `max(last + 1, newest block time)`, since the core has
   * no clock (LDK counts up from the time its PeerManager was created).
   * @throws {APIMisuseError} for what BOLT 7 forbids (see `nodeAnnouncementRequest`).
   */
  broadcastNodeAnnouncement(rgb: Uint8Array, alias: Uint8Array | string, addresses: readonly NetAddress[], extraFeatures?: Features): 'broadcast' | 'deferred' {
    const features = extraFeatures ? this.providedNodeFeatures().or(extraFeatures) : this.providedNodeFeatures();
    return this.ownGossip.broadcastNodeAnnouncement(rgb, alias, addresses, features);
  }

  private keyOf(e: Entry): string | undefined {
    const id = currentId(e.state);
    return id ? toHex(id) : undefined;
  }

  private processMonitorEvents(): void {
    for (const ev of this.a.chainMonitor.releasePendingMonitorEvents()) this.onMonitorEvent(ev);
  }

  private onMonitorEvent(ev: MonitorEvent): void {
    const e = this.channels.get(toHex(ev.channelId));
    if (!e) return;
    switch (ev.kind) {
      case 'Completed': {
        for (const id of [...e.inFlight]) if (id <= ev.monitorUpdateId) e.inFlight.delete(id);
        if (e.inFlight.size === 0 && !e.frozen) {
          const held = e.held;
          e.held = [];
          this.apply(e, held);
        }
        break;
      }
      case 'FundingSpent':
        this.drive(e, { kind: 'funding-spent', tx: ev.tx, txid: ev.txid });
        break;
      case 'HolderForceClosed':
        this.drive(e, { kind: 'force-close', reason: { kind: 'CommitmentTxConfirmed' } });
        break;
    }
  }

  // ------------------------------------------------------------------ user API

  /**
   * Opens a channel to a connected peer (BOLT 2 `open_channel`). Returns the temporary channel
   * id; `FundingGenerationReady` follows once the peer accepts.
   */
  createChannel(theirNodeId: Uint8Array, valueSat: bigint, pushMsat: bigint, userChannelId: bigint, config?: UserConfig): Uint8Array {
    const peer = this.peers.get(toHex(theirNodeId));
    if (!peer?.connected) throw new APIMisuseError('Not connected to node');
    const cfg = config ?? this.config;
    if (valueSat < 1000n) throw new APIMisuseError('channel value must be at least 1000 sat');
    if (valueSat >= 1n << 24n && !peer.features.supports('option_support_large_channel')) {
      throw new APIMisuseError('funding_satoshis >= 2^24 needs option_support_large_channel');
    }
    if (pushMsat > valueSat * 1000n) throw new APIMisuseError('push_msat exceeds the channel value');
    const keysId = this.a.keys.generateChannelKeysId(false, valueSat, userChannelId);
    const signer = this.a.keys.deriveChannelSigner(valueSat, keysId);
    const channelType = proposeChannelType(peer.features, {
      negotiateAnchors: cfg.channelHandshakeConfig.negotiateAnchorsZeroFeeHtlcTx,
      announce: cfg.channelHandshakeConfig.announceForForwarding,
      scidPrivacy: cfg.channelHandshakeConfig.negotiateScidPrivacy,
    });
    const temporaryChannelId = this.a.keys.getSecureRandomBytes();
    const e: Entry = { state: { kind: 'Closed', reason: { kind: 'DisconnectedPeer' } }, signer, counterpartyNodeId: theirNodeId, config: cfg, gossip: newChannelGossip(), inFlight: new Set(), held: [], frozen: false };
    const r = openOutbound(
      { counterpartyNodeId: theirNodeId, valueSat, pushMsat, userChannelId, temporaryChannelId, keysId, channelType, scidAlias: this.newAlias() },
      this.ctxFor(e, channelType.anchors),
    );
    e.state = r.state;
    this.channels.set(toHex(temporaryChannelId), e);
    this.apply(e, r.actions);
    return temporaryChannelId;
  }

  private entryFor(channelId: Uint8Array, counterpartyNodeId: Uint8Array): Entry {
    const e = this.channels.get(toHex(channelId));
    if (!e || !equalBytes(e.counterpartyNodeId, counterpartyNodeId)) {
      throw new ChannelUnavailable(`No such channel ${toHex(channelId)} with this peer`);
    }
    return e;
  }

  /**
   * Hands over the funding transaction for `FundingGenerationReady` (fully signed, segwit inputs
   * only). It is checked, used to sign the peer's first commitment, and broadcast only once the
   * peer's `funding_signed` arrived and our monitor is persisted.
   */
  fundingTransactionGenerated(temporaryChannelId: Uint8Array, counterpartyNodeId: Uint8Array, txBytes: Uint8Array): void {
    const e = this.entryFor(temporaryChannelId, counterpartyNodeId);
    const st = e.state;
    if (st.kind !== 'WaitForFundingTx') throw new APIMisuseError('channel is not waiting for a funding transaction');
    const tx = parseTx(txBytes);
    if (tx instanceof DecodeError) throw new APIMisuseError(`funding transaction does not parse: ${tx.message}`);
    const script = fundingOutputScript(st, this.a.crypto);
    const idx = tx.outputs.findIndex((o) => o.value === st.params.valueSat && equalBytes(o.script, script));
    if (idx < 0) throw new APIMisuseError('No output matched the script_pubkey and value in the FundingGenerationReady event');
    if (tx.outputs.filter((o) => equalBytes(o.script, script)).length > 1) throw new APIMisuseError('more than one output pays the funding script');
    const err = this.drive(e, { kind: 'funding-generated', tx, outputIndex: idx });
    if (err) throw new APIMisuseError(err.message);
  }

  /** Accepts an inbound channel announced by `OpenChannelRequest` (manual acceptance). */
  acceptInboundChannel(temporaryChannelId: Uint8Array, counterpartyNodeId: Uint8Array, userChannelId: bigint, opts: { zeroConf?: boolean } = {}): void {
    const e = this.entryFor(temporaryChannelId, counterpartyNodeId);
    if (e.state.kind !== 'WaitForAcceptance') throw new APIMisuseError('channel is not waiting for acceptance');
    const anchors = e.state.channelType.anchors;
    const r = step(e.state, { kind: 'accept-inbound', userChannelId, zeroConf: opts.zeroConf ?? false }, this.ctxFor(e, anchors, this.newAlias()));
    if (r instanceof ChannelError) throw new APIMisuseError(r.message);
    e.state = r.state;
    this.apply(e, r.actions);
    if (e.state.kind === 'Closed') this.channels.delete(toHex(temporaryChannelId));
  }

  /** Refuses an inbound channel announced by `OpenChannelRequest`. */
  rejectInboundChannel(temporaryChannelId: Uint8Array, counterpartyNodeId: Uint8Array): void {
    const e = this.entryFor(temporaryChannelId, counterpartyNodeId);
    if (e.state.kind !== 'WaitForAcceptance') throw new APIMisuseError('channel is not waiting for acceptance');
    this.channels.delete(toHex(temporaryChannelId));
    this.msgEvents.push({
      kind: 'handle-error',
      nodeId: counterpartyNodeId,
      action: { kind: 'send-error', send: { channelId: temporaryChannelId, data: 'No channels accepted' } },
    });
  }

  /** Starts a cooperative close (BOLT 2 `shutdown`); `targetFeeratePerKw` overrides the estimate. */
  closeChannel(channelId: Uint8Array, counterpartyNodeId: Uint8Array, opts: { targetFeeratePerKw?: number; shutdownScript?: Uint8Array } = {}): void {
    const e = this.entryFor(channelId, counterpartyNodeId);
    if (!isFunded(e.state)) {
      if (e.state.kind === 'Offline' || e.state.kind === 'Syncing') throw new ChannelUnavailable('peer is not connected');
      // An unfunded channel just goes away.
      this.channels.delete(toHex(channelId));
      this.events.push({ kind: 'ChannelClosed', channelId, userChannelId: 0n, reason: { kind: 'LocallyInitiatedCooperativeClosure' }, counterpartyNodeId, channelCapacitySats: undefined });
      return;
    }
    const err = this.drive(e, { kind: 'close', targetFeeratePerKw: opts.targetFeeratePerKw, shutdownScript: opts.shutdownScript });
    if (err) throw new APIMisuseError(err.message);
  }

  /** The funder changes a channel's commitment feerate (BOLT 2 `update_fee`). */
  updateChannelFee(channelId: Uint8Array, counterpartyNodeId: Uint8Array, feeratePerKw: number): void {
    const e = this.entryFor(channelId, counterpartyNodeId);
    const err = this.drive(e, { kind: 'update-fee', feeratePerKw });
    if (err) throw new APIMisuseError(err.message);
  }

  /** Force-closes: broadcast our latest commitment (BOLT 5) and tell the peer. */
  forceCloseBroadcastingLatestTxn(channelId: Uint8Array, counterpartyNodeId: Uint8Array): void {
    const e = this.entryFor(channelId, counterpartyNodeId);
    this.drive(e, { kind: 'force-close', reason: { kind: 'HolderForceClosed' } });
  }

  /** Force-closes every channel. */
  forceCloseAllChannelsBroadcastingLatestTxn(): void {
    for (const e of [...this.channels.values()]) this.drive(e, { kind: 'force-close', reason: { kind: 'HolderForceClosed' } });
  }

  /** Every channel we know. */
  listChannels(): ChannelDetails[] {
    const out: ChannelDetails[] = [];
    for (const [k, e] of this.channels) {
      const peer = this.peers.get(toHex(e.counterpartyNodeId));
      const gossip = { counterpartyForwardingInfo: e.gossip.counterpartyForwarding, config: e.config.channelConfig, announcementBroadcast: e.gossip.announced };
      out.push(channelDetails(e.state, e.counterpartyNodeId, fromHex(k), this.best.height, peer?.connected ?? false, gossip));
    }
    return out;
  }

  /** Channels ready to send payments over, with the peer connected. */
  listUsableChannels(): ChannelDetails[] {
    return this.listChannels().filter((c) => c.isUsable);
  }

  // ------------------------------------------------------------------ payments

  /**
   * A payment we can receive (LDK's `create_inbound_payment`): a fresh preimage, its hash and a
   * payment secret the payer must echo (BOLT 11 `s`, BOLT 4 `payment_data`).
   */
  createInboundPayment(
    amountMsat: bigint | undefined,
    invoiceExpirySecs = 3600,
    minFinalCltvExpiryDelta = 18,
  ): { paymentHash: Uint8Array; paymentSecret: Uint8Array; paymentPreimage: Uint8Array } {
    // Stateless (ln/inbound_payment.ts): the secret authenticates the terms; nothing is stored.
    return createInboundPayment(this.inboundKey, amountMsat, invoiceExpirySecs, this.highestSeenTimestamp, minFinalCltvExpiryDelta, this.a.keys.getSecureRandomBytes());
  }

  /** A payment to a hash whose preimage the user holds (LDK's `create_inbound_payment_for_hash`). */
  createInboundPaymentForHash(paymentHash: Uint8Array, amountMsat: bigint | undefined, invoiceExpirySecs = 3600, minFinalCltvExpiryDelta = 18): Uint8Array {
    return createInboundPaymentForHash(this.inboundKey, paymentHash, amountMsat, invoiceExpirySecs, this.highestSeenTimestamp, minFinalCltvExpiryDelta);
  }

  /**
   * A signed BOLT 11 invoice for a new inbound payment, with route hints through our
   * unannounced channels (by the alias each peer gave us, `option_scid_alias`).
   */
  createInvoice(opts: InvoiceOptions): Invoice {
    const expirySecs = opts.expirySecs ?? 3600;
    const minFinalCltvExpiryDelta = opts.minFinalCltvExpiryDelta ?? 18;
    const p = this.createInboundPayment(opts.amountMsat, expirySecs, minFinalCltvExpiryDelta);
    return buildInvoice(this.a, p, this.highestSeenTimestamp, this.listUsableChannels(), { ...opts, expirySecs, minFinalCltvExpiryDelta });
  }

  /** A route for `params` from the router, or over our channels and the hints when there is none. */
  private findRoute(params: RouteParameters): Route | RouteNotFound {
    const payer = this.a.keys.getNodeId();
    const firstHops = this.listUsableChannels();
    if (this.a.router) return this.a.router.findRoute(payer, params, firstHops);
    return getRoute(payer, params, null, firstHops, this.a.logger, undefined, { crypto: this.a.crypto });
  }

  /**
   * Finds a route (the router's, else over our usable channels and the parameters' route hints) and pays
   * it (LDK's `send_payment` with `RouteParameters`).
   */
  sendPaymentWithRouteParams(paymentHash: Uint8Array, recipient: RecipientFields, paymentId: Uint8Array, params: RouteParameters, retryAttempts = 3): void {
    const route = this.findRoute(params);
    if (route instanceof RouteNotFound) throw new ChannelUnavailable(`no route: ${route.message}`);
    const total = params.finalValueMsat;
    this.payments.send(paymentId, paymentHash, { ...recipient, totalMsat: total }, route.paths, { attempts: retryAttempts, params });
  }

  /** Pays a BOLT 11 invoice (amount from the invoice, or `amountMsat` for an amountless one). */
  payInvoice(invoice: Invoice, paymentId: Uint8Array = invoice.paymentHash, amountMsat?: bigint, retryAttempts = 3): void {
    if (invoice.isExpired(this.highestSeenTimestamp)) throw new APIMisuseError('the invoice has expired');
    const amount = invoice.amountMsat ?? amountMsat;
    if (amount === undefined) throw new APIMisuseError('amountless invoice: give an amount');
    const params = routeParametersFromPaymentParamsAndValue(paymentParametersFromInvoice(invoice), amount);
    const recipient: RecipientFields = invoice.paymentMetadata
      ? { paymentSecret: invoice.paymentSecret, paymentMetadata: invoice.paymentMetadata }
      : { paymentSecret: invoice.paymentSecret };
    this.sendPaymentWithRouteParams(invoice.paymentHash, recipient, paymentId, params, retryAttempts);
  }

  /**
   * Pays `paymentHash` over the given paths (one HTLC per path; several = multi-part). The
   * `paymentId` makes it idempotent. Events follow: `PaymentSent` + `PaymentPathSuccessful`, or
   * `PaymentPathFailed` and `PaymentFailed`.
   */
  sendPayment(paymentHash: Uint8Array, recipient: RecipientFields, paymentId: Uint8Array, route: { readonly paths: readonly PaymentPath[] }): void {
    this.payments.send(paymentId, paymentHash, recipient, route.paths);
  }

  /** A keysend: we choose the preimage and put it in the onion (BOLT 4 type 5482373484). */
  sendSpontaneousPayment(preimage: Uint8Array, paymentId: Uint8Array, route: { readonly paths: readonly PaymentPath[] }): Uint8Array {
    const hash = this.a.crypto.sha256(preimage);
    this.payments.send(paymentId, hash, { keysendPreimage: preimage }, route.paths);
    return hash;
  }

  /** Handles the HTLCs `PendingHTLCsForwardable` announced: receive, forward or fail each. */
  processPendingHtlcForwards(): void {
    this.payments.processPendingForwards();
  }

  /** Claims a `PaymentClaimable` payment with its preimage. */
  claimFunds(preimage: Uint8Array): void {
    this.payments.claimFunds(preimage);
  }

  /** Fails a claimable payment back to the payer. */
  failHtlcBackwards(paymentHash: Uint8Array): void {
    this.payments.failHtlcBackwards(paymentHash);
  }

  /**
   * Call about once a minute (LDK's `timer_tick_occurred`): ages unfunded channels out, and
   * broadcasts an announced channel disabled after `DISABLE_GOSSIP_TICKS` ticks without
   * its peer (enabled again after `ENABLE_GOSSIP_TICKS` with it).
   */
  timerTickOccurred(): void {
    for (const e of [...this.channels.values()]) {
      this.drive(e, { kind: 'timer-tick' });
      this.ownGossip.tick(e);
    }
    this.payments.onTimerTick();
  }

  // ------------------------------------------------------------------ ChannelMessageHandler

  peerConnected(theirNodeId: Uint8Array, init: Init, _inbound: boolean) {
    const features = Features.fromBytes('init', init.globalFeatures).or(Features.fromBytes('init', init.features));
    if (!features.supports('option_static_remotekey')) {
      this.log('info', `peer ${toHex(theirNodeId)} does not support static_remotekey`);
    }
    this.peers.set(toHex(theirNodeId), { features, connected: true });
    for (const e of [...this.channels.values()]) {
      if (equalBytes(e.counterpartyNodeId, theirNodeId)) this.drive(e, { kind: 'connected', theirFeatures: features });
    }
    return undefined;
  }

  peerDisconnected(theirNodeId: Uint8Array): void {
    const p = this.peers.get(toHex(theirNodeId));
    if (p) p.connected = false;
    for (const e of [...this.channels.values()]) {
      if (!equalBytes(e.counterpartyNodeId, theirNodeId)) continue;
      // Held messages are regenerated by channel_reestablish; only non-message effects stay held.
      e.held = e.held.filter((h) => h.kind !== 'send' && h.kind !== 'peer-error');
      this.drive(e, { kind: 'disconnected' });
    }
    this.msgEvents = this.msgEvents.filter((m) => m.kind === 'broadcast' || m.kind === 'broadcast-gossip' || !equalBytes(m.nodeId, theirNodeId));
  }

  handleError(theirNodeId: Uint8Array, msg: ErrorMsg): void {
    const all = msg.channelId.every((b) => b === 0);
    for (const e of [...this.channels.values()]) {
      if (!equalBytes(e.counterpartyNodeId, theirNodeId)) continue;
      const id = currentId(e.state);
      const tmp = 'params' in e.state ? e.state.params.temporaryChannelId : undefined;
      if (all || (id && equalBytes(id, msg.channelId)) || (tmp && equalBytes(tmp, msg.channelId))) {
        this.drive(e, { kind: 'message', msg: { name: 'error', msg } });
      }
    }
  }

  handleChannelMessage(theirNodeId: Uint8Array, m: WireMessage): void {
    if (m.name === 'open_channel') {
      this.onOpenChannel(theirNodeId, m.msg);
      return;
    }
    const id = messageChannelId(m);
    const e = id ? this.channels.get(toHex(id)) : undefined;
    if (!e || !equalBytes(e.counterpartyNodeId, theirNodeId)) {
      if (id) {
        this.msgEvents.push({
          kind: 'handle-error',
          nodeId: theirNodeId,
          action: { kind: 'send-warning', send: { channelId: id, data: `Got a ${m.name} for an unknown channel` }, log: 'debug' },
        });
      }
      return;
    }
    const err = this.drive(e, { kind: 'message', msg: m });
    if (err) this.apply(e, [{ kind: 'peer-error', error: err }]);
  }

  private onOpenChannel(theirNodeId: Uint8Array, m: OpenChannel): void {
    if (this.channels.has(toHex(m.temporaryChannelId))) {
      this.msgEvents.push({
        kind: 'handle-error',
        nodeId: theirNodeId,
        action: { kind: 'send-error', send: { channelId: m.temporaryChannelId, data: 'temporary_channel_id already in use' } },
      });
      return;
    }
    const keysId = this.a.keys.generateChannelKeysId(true, m.fundingSatoshis, 0n);
    const signer = this.a.keys.deriveChannelSigner(m.fundingSatoshis, keysId);
    const e: Entry = { state: { kind: 'Closed', reason: { kind: 'DisconnectedPeer' } }, signer, counterpartyNodeId: theirNodeId, config: this.config, gossip: newChannelGossip(), inFlight: new Set(), held: [], frozen: false };
    const anchors = (m.channelType?.length ?? 0) > 0 && Features.fromBytes('channelType', m.channelType!).isSet(22);
    const userChannelId = bytesToU128(this.a.keys.getSecureRandomBytes());
    const r = onOpenChannel(m, { counterpartyNodeId: theirNodeId, keysId, userChannelId, scidAlias: this.newAlias() }, this.ctxFor(e, anchors));
    e.state = r.state;
    if (r.state.kind !== 'Closed') this.channels.set(toHex(m.temporaryChannelId), e);
    this.apply(e, r.actions);
  }

  /** lnts supports anchors channels always; whether it proposes them is `negotiateAnchorsZeroFeeHtlcTx`. */
  providedInitFeatures(): Features {
    return Features.fromBytes('init', this.ourInitFeatures.toBytes());
  }

  providedNodeFeatures(): Features {
    return Features.fromBytes('node', this.providedInitFeatures().toBytes());
  }

  getChainHashes(): Uint8Array[] {
    return [this.chainHash];
  }

  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    this.processMonitorEvents();
    const out = this.msgEvents;
    this.msgEvents = [];
    return out;
  }

  getAndClearPendingEvents(): Event[] {
    this.processMonitorEvents();
    const out = this.events;
    this.events = [];
    return out;
  }

  // ------------------------------------------------------------------ chain

  private fundingTxidMatches(e: Entry, txid: Uint8Array): boolean {
    const f = fundedOf(e.state);
    return f !== undefined && equalBytes(f.funding.outpoint.txid, txid);
  }

  transactionsConfirmed(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void {
    const blockHash = sha256d(this.a.crypto, header);
    for (const t of txdata) {
      const tx = parseTx(t.tx);
      if (tx instanceof DecodeError) continue;
      const id = txidOf(tx, this.a.crypto);
      for (const e of [...this.channels.values()]) {
        if (!this.fundingTxidMatches(e, id)) continue;
        const f = fundedOf(e.state)!;
        const out = tx.outputs[f.funding.outpoint.vout];
        const want = p2wshForScript(f.funding.script, this.a.crypto);
        if (!out || out.value !== f.params.valueSat || !equalBytes(out.script, want)) {
          // The funder told us of an output that is not the 2-of-2 we agreed (BOLT 2 funding_created).
          this.log('warn', 'funding transaction confirmed without the agreed funding output', f.funding.channelId);
          this.drive(e, { kind: 'force-close', reason: { kind: 'ProcessingError', err: 'funding transaction does not pay the channel funding output' }, broadcast: false });
          continue;
        }
        this.drive(e, { kind: 'funding-confirmed', confirmation: { height, txIndex: t.index, blockHash } });
      }
    }
  }

  transactionUnconfirmed(txid: Uint8Array): void {
    for (const e of [...this.channels.values()]) if (this.fundingTxidMatches(e, txid)) this.drive(e, { kind: 'funding-unconfirmed' });
  }

  bestBlockUpdated(header: Uint8Array, height: number): void {
    this.best = { blockHash: sha256d(this.a.crypto, header), height };
    if (header.length >= 72) {
      const t = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(68, true);
      if (t > this.highestSeenTimestamp) this.highestSeenTimestamp = t;
    }
    for (const e of [...this.channels.values()]) this.drive(e, { kind: 'best-block', height });
    this.payments.onBestBlock(height);
  }

  getRelevantTxids(): Array<{ txid: Uint8Array; height: number; blockHash: Uint8Array | undefined }> {
    const out: Array<{ txid: Uint8Array; height: number; blockHash: Uint8Array | undefined }> = [];
    for (const e of this.channels.values()) {
      const f = fundedOf(e.state);
      if (f?.confirmation) out.push({ txid: f.funding.outpoint.txid, height: f.confirmation.height, blockHash: f.confirmation.blockHash });
    }
    return out;
  }

  filteredBlockConnected(header: Uint8Array, txdata: readonly IndexedTx[], height: number): void {
    this.transactionsConfirmed(header, txdata, height);
    this.bestBlockUpdated(header, height);
  }

  blockDisconnected(header: Uint8Array, height: number): void {
    void header;
    for (const e of [...this.channels.values()]) {
      const f = fundedOf(e.state);
      if (f?.confirmation && f.confirmation.height >= height) this.drive(e, { kind: 'funding-unconfirmed' });
    }
    this.best = { blockHash: new Uint8Array(32), height: height - 1 };
  }

  // ------------------------------------------------------------------ persistence

  /**
   * Serializes every funded channel (unfunded ones are not worth keeping, as in LDK) and the
   * chain tip, so `ChannelManager.read` resumes them (format: `persist.ts`). Persist it after each
   * batch of events.
   */
  write(): Uint8Array {
    const channels: PersistedChannel[] = [];
    for (const e of this.channels.values()) {
      const f = fundedOf(e.state);
      if (!f) continue;
      channels.push({ state: f, counterpartyNodeId: e.counterpartyNodeId, keysId: f.params.keysId, valueSat: f.params.valueSat, channelConfig: e.config.channelConfig, gossip: e.gossip });
    }
    return encodeChannelManager({
      bestBlock: this.best,
      highestSeenTimestamp: this.highestSeenTimestamp,
      ownGossip: this.ownGossip.snapshot(),
      payments: this.payments.snapshot(),
      channels,
    });
  }

  /**
   * Rebuilds a manager from `write()` output. Every channel comes back `Offline`; it
   * reestablishes when its peer connects. Events from the restore (e.g. payments that never
   * left) are queued as usual.
   */
  static read<M extends WatchedMonitor>(bytes: Uint8Array, args: Omit<ChannelManagerArgs<M>, 'bestBlock'>): ChannelManager<M> | DecodeError {
    const d = decodeChannelManager(bytes);
    if (d instanceof DecodeError) return d;
    const cm = new ChannelManager<M>({ ...args, bestBlock: d.bestBlock });
    if (d.highestSeenTimestamp !== undefined) cm.highestSeenTimestamp = d.highestSeenTimestamp;
    if (d.ownGossip !== undefined && !cm.ownGossip.restore(d.ownGossip)) return new DecodeError('InvalidValue', 'malformed gossip state');
    if (d.payments !== undefined && !cm.payments.restore(d.payments)) return new DecodeError('InvalidValue', 'malformed payment state');
    for (const c of d.channels) {
      const e: Entry = {
        state: c.state,
        signer: args.keys.deriveChannelSigner(c.valueSat, c.keysId),
        counterpartyNodeId: c.counterpartyNodeId,
        config: c.channelConfig ? { ...cm.config, channelConfig: c.channelConfig } : cm.config,
        gossip: c.gossip ?? newChannelGossip(),
        inFlight: new Set(),
        held: [],
        frozen: false,
        fundingOutpoint: c.state.funding.outpoint,
      };
      cm.channels.set(toHex(c.state.funding.channelId), e);
    }
    // Every channel starts disconnected: the same transition as a live disconnect (unsigned
    // updates reversed, our dropped HTLCs failed back), so a crash mid-dance resumes cleanly.
    for (const e of [...cm.channels.values()]) cm.drive(e, { kind: 'disconnected' });
    return cm;
  }
}

/** The P2WSH funding output script `FundingGenerationReady` announced (BOLT 3 §"Funding Transaction Output"). */
function fundingOutputScript(s: Extract<ChannelState, { kind: 'WaitForFundingTx' }>, crypto: CryptoBackend): Uint8Array {
  return p2wshForScript(fundingScript(s.params.holder.pubkeys.fundingPubkey, s.params.counterparty.pubkeys.fundingPubkey), crypto);
}

function bytesToU128(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}
