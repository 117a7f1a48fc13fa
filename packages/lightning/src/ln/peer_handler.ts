/**
 * `PeerManager`: BOLT 8 encrypted connections over sockets the user owns, BOLT 1 `init`,
 * `ping`/`pong` liveness and message routing to the channel, routing and custom handlers
 * (LDK's `lightning::ln::peer_handler`). It opens no socket and starts no timer: the user feeds
 * it bytes (`readEvent`), tells it when a socket can take more (`writeBufferSpaceAvail`) or is
 * gone (`socketDisconnected`), and calls `processEvents()` and `timerTickOccurred()`.
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { equalBytes, fromUtf8, isZero, utf8 } from '../util/bytes.js';
import { APIMisuseError, DecodeError, type ErrorAction, LightningError } from '../util/errors.js';
import type { MessageSendEvent } from '../util/events.js';
import { toHex } from '../util/hex.js';
import type { LogLevel } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { ByteWriter } from '../util/ser/writer.js';
import { checkPeerFeatures, Features } from './features.js';
import type { ChannelMessageHandler, CustomMessageHandler, RoutingMessageHandler } from './msg_handlers.js';
import { IgnoringMessageHandler } from './msg_handlers.js';
import type { NetAddress } from './msgs/address.js';
import type { Init } from './msgs/bolt01.js';
import { CATEGORY, readMessage, type WireMessage, writeMessage } from './msgs/index.js';
import { PeerChannelEncryptor, TransportError } from './peer_channel_encryptor.js';

/**
 * A socket the user owns (LDK's `SocketDescriptor`). Identity is the object itself: pass the same
 * object to every call about one connection.
 */
export interface SocketDescriptor {
  /**
   * Queue `data` for sending; return how many bytes were accepted (all, or fewer when the
   * socket's buffer is full — then call `writeBufferSpaceAvail` once it drains). `resumeRead`
   * = true asks the user to resume reading if it had paused because `readEvent` said so.
   * Must not call back into the `PeerManager` synchronously.
   */
  sendData(data: Uint8Array, resumeRead: boolean): number;
  /** Close the connection. `PeerManager` has already forgotten the peer; do not call `socketDisconnected`. */
  disconnectSocket(): void;
}

/** `readEvent` failed: the user must close the socket (the peer is already forgotten). */
export class PeerHandleError extends Error {
  override readonly name = 'PeerHandleError';
}

/** The handlers `PeerManager` routes to (LDK's `MessageHandler`). */
export interface MessageHandler {
  readonly chanHandler: ChannelMessageHandler;
  readonly routeHandler?: RoutingMessageHandler;
  readonly customHandler?: CustomMessageHandler;
}

/** What `PeerManager` needs besides its handlers. */
export interface PeerManagerConfig {
  /** Our node secret key (BOLT 8 static key `ls`). */
  readonly nodeSecret: Uint8Array;
  /** 32 bytes of entropy; every connection's ephemeral key is derived from it and a counter. */
  readonly ephemeralRandomData: Uint8Array;
  readonly crypto: CryptoBackend;
  readonly logger: Logger;
}

/** A connected, initialised peer as `getPeerNodeIds()` reports it. */
export interface PeerDetails {
  readonly nodeId: Uint8Array;
  readonly inbound: boolean;
  readonly address?: NetAddress;
  /** The peer's `init` features (globalfeatures | features). */
  readonly features: Features;
}

// Backpressure (bytes queued but not yet accepted by the socket). Above the read-pause mark we
// ask the user to stop reading from the peer, so a peer cannot make us buffer without bound by
// sending pings or queries while not reading our answers. Above the gossip mark we stop queuing
// relayed gossip to that peer (channel messages are never dropped).
const OUTBOUND_READ_PAUSE_BYTES = 64 * 1024;
const OUTBOUND_GOSSIP_DROP_BYTES = 128 * 1024;
// Gossip the routing handler hands out (relay, query replies, backfill) is pulled only while the
// peer's queue is below this, a batch at a time and a few batches per call, so a whole-graph
// backfill moves as fast as the socket drains and never piles up here (LDK refills gossip when
// the buffer empties, 32 messages per ping).
const GOSSIP_PULL_BELOW_BYTES = 16 * 1024;
const GOSSIP_PULL_BATCH = 32;
const GOSSIP_PULLS_PER_CALL = 4;
/** BOLT 1: a ping asking for this many pong bytes or more must not be answered. */
const PONG_NO_REPLY = 65532;
/** The signed gossip (BOLT 7 types 256, 257, 258) a routing handler may take in batches. */
const BATCHED_GOSSIP: ReadonlySet<string> = new Set(['channel_announcement', 'node_announcement', 'channel_update']);

interface Peer {
  readonly descriptor: SocketDescriptor;
  readonly enc: PeerChannelEncryptor;
  readonly inbound: boolean;
  readonly address: NetAddress | undefined;
  theirNodeId: Uint8Array | undefined;
  theirInit: Init | undefined;
  theirFeatures: Features | undefined;
  /** Frames waiting for the socket, and how much of the first was already accepted. */
  readonly outbound: Uint8Array[];
  outboundOffset: number;
  outboundBytes: number;
  /** We told the user to pause reading; tell them to resume once the buffer drains. */
  readPaused: boolean;
  /** The socket refused bytes; wait for `writeBufferSpaceAvail`. */
  socketFull: boolean;
  awaitingPong: boolean;
  receivedSinceTick: boolean;
  ticksUninitialised: number;
}

/**
 * Manages every peer connection: BOLT 8 transport, BOLT 1 `init`/`ping`/`pong`/`error`/`warning`,
 * and routing of BOLT 2/7 and custom messages to the handlers. Nothing a peer sends throws out of
 * {@link readEvent}; a peer that misbehaves is disconnected or sent `error`/`warning`.
 */
export class PeerManager {
  private readonly peers = new Map<SocketDescriptor, Peer>();
  private readonly byNodeId = new Map<string, Peer>();
  private readonly routeHandler: RoutingMessageHandler;
  private readonly customHandler: CustomMessageHandler;
  private readonly ourNodeId: Uint8Array;
  private ephemeralCounter = 0n;

  constructor(
    private readonly handlers: MessageHandler,
    private readonly config: PeerManagerConfig,
  ) {
    const ignoring = new IgnoringMessageHandler();
    this.routeHandler = handlers.routeHandler ?? ignoring;
    this.customHandler = handlers.customHandler ?? ignoring;
    this.ourNodeId = config.crypto.publicKey(config.nodeSecret);
    if (config.ephemeralRandomData.length !== 32) throw new APIMisuseError('ephemeralRandomData must be 32 bytes');
  }

  /** Our node id (BOLT 8 static public key). */
  get nodeId(): Uint8Array {
    return this.ourNodeId;
  }

  private nextEphemeral(): Uint8Array {
    const c = this.config.crypto;
    for (;;) {
      const w = new ByteWriter(40).bytes(this.config.ephemeralRandomData).u64(this.ephemeralCounter++);
      const k = c.sha256(w.finish());
      if (c.isValidSecretKey(k)) return k;
    }
  }

  private log(level: LogLevel, message: string, peer?: Peer): void {
    const peerId = peer?.theirNodeId;
    this.config.logger.log(peerId ? { level, module: 'peer_handler', message, peerId } : { level, module: 'peer_handler', message });
  }

  private newPeer(descriptor: SocketDescriptor, enc: PeerChannelEncryptor, inbound: boolean, address?: NetAddress): Peer {
    return {
      descriptor,
      enc,
      inbound,
      address,
      theirNodeId: inbound ? undefined : enc.theirNodeId,
      theirInit: undefined,
      theirFeatures: undefined,
      outbound: [],
      outboundOffset: 0,
      outboundBytes: 0,
      readPaused: false,
      socketFull: false,
      awaitingPong: false,
      receivedSinceTick: false,
      ticksUninitialised: 0,
    };
  }

  /**
   * Starts an outbound connection (we are the BOLT 8 initiator) to `theirNodeId` over a socket the
   * user just connected. Returns act one, which the user must send first.
   */
  newOutboundConnection(theirNodeId: Uint8Array, descriptor: SocketDescriptor, address?: NetAddress): Uint8Array {
    if (this.peers.has(descriptor)) throw new APIMisuseError('descriptor already registered');
    if (!this.config.crypto.isValidPublicKey(theirNodeId)) throw new APIMisuseError('invalid node id');
    const { enc, actOne } = PeerChannelEncryptor.newOutbound(
      this.config.crypto,
      this.config.nodeSecret,
      theirNodeId,
      this.nextEphemeral(),
    );
    this.peers.set(descriptor, this.newPeer(descriptor, enc, false, address));
    return actOne;
  }

  /** Registers an inbound connection (we are the BOLT 8 responder); wait for act one via `readEvent`. */
  newInboundConnection(descriptor: SocketDescriptor, address?: NetAddress): void {
    if (this.peers.has(descriptor)) throw new APIMisuseError('descriptor already registered');
    const enc = PeerChannelEncryptor.newInbound(this.config.crypto, this.config.nodeSecret, this.nextEphemeral());
    this.peers.set(descriptor, this.newPeer(descriptor, enc, true, address));
  }

  /**
   * Bytes arrived on `descriptor`, in any chunking. Returns `true` when the user should pause
   * reading from this socket until `sendData` is called with `resumeRead` (our buffer to the peer
   * is full), `false` otherwise, or a {@link PeerHandleError} when the connection must be closed
   * (the peer is already forgotten). Never throws because of what the peer sent.
   */
  readEvent(descriptor: SocketDescriptor, data: Uint8Array): boolean | PeerHandleError {
    const peer = this.peers.get(descriptor);
    if (!peer) return new PeerHandleError('unknown descriptor');
    try {
      const r = peer.enc.feed(data);
      if (r instanceof TransportError) {
        this.log('debug', `transport error: ${r.message}`, peer);
        return this.dropPeer(peer, r.message);
      }
      if (r.send) this.enqueueRaw(peer, r.send);
      if (r.handshakeComplete) {
        const fail = this.onHandshakeComplete(peer);
        if (fail) return fail;
      }
      const gossipRun: WireMessage[] = [];
      for (const plaintext of r.messages) {
        peer.receivedSinceTick = true;
        const fail = this.handleMessage(peer, plaintext, gossipRun);
        if (fail) return fail;
      }
      const fail = this.handleGossipRun(peer, gossipRun);
      if (fail) return fail;
      this.flush(peer);
      if (peer.outboundBytes > OUTBOUND_READ_PAUSE_BYTES) {
        peer.readPaused = true;
        return true;
      }
      return false;
    } catch (e) {
      // A bug in lnts or a handler, not the peer's doing; still, never let it escape.
      this.log('error', `internal error handling peer data: ${e instanceof Error ? e.stack : String(e)}`, peer);
      return this.dropPeer(peer, 'internal error');
    }
  }

  private onHandshakeComplete(peer: Peer): PeerHandleError | undefined {
    const id = peer.enc.theirNodeId!;
    peer.theirNodeId = id;
    const key = toHex(id);
    if (this.byNodeId.has(key)) {
      this.log('debug', 'already connected to this peer; dropping the new connection', peer);
      return this.dropPeer(peer, 'duplicate connection');
    }
    this.byNodeId.set(key, peer);
    this.sendMessage(peer, { name: 'init', msg: this.ourInit(peer) });
    return undefined;
  }

  private ourFeatures(theirNodeId: Uint8Array): Features {
    return this.handlers.chanHandler
      .providedInitFeatures(theirNodeId)
      .or(this.routeHandler.providedInitFeatures(theirNodeId))
      .or(this.customHandler.providedInitFeatures(theirNodeId));
  }

  private ourInit(peer: Peer): Init {
    const features = this.ourFeatures(peer.theirNodeId!).toBytes();
    const init: { globalFeatures: Uint8Array; features: Uint8Array; networks?: Uint8Array[]; remoteAddr?: NetAddress } = {
      // BOLT 1: globalfeatures is legacy; LDK and others still set the low bits there too.
      globalFeatures: features.length > 2 ? features.slice(features.length - 2) : features,
      features,
    };
    const chains = this.handlers.chanHandler.getChainHashes();
    if (chains) init.networks = chains;
    if (peer.address && (peer.address.type === 'ipv4' || peer.address.type === 'ipv6')) init.remoteAddr = peer.address;
    return init as Init;
  }

  /**
   * Handles one decrypted message. Announcements and updates are collected in `gossipRun`
   * instead when the routing handler takes them in batches; the run is handed over before any
   * other message, so the handlers see every message in the order it arrived.
   */
  private handleMessage(peer: Peer, plaintext: Uint8Array, gossipRun: WireMessage[]): PeerHandleError | undefined {
    const m = readMessage(plaintext);
    if (peer.theirInit && this.routeHandler.handleGossipMessages && !(m instanceof DecodeError) && m.name !== 'unknown' && BATCHED_GOSSIP.has(m.name)) {
      gossipRun.push(m);
      return undefined;
    }
    const fail = this.handleGossipRun(peer, gossipRun);
    if (fail) return fail;
    if (m instanceof DecodeError) {
      this.log('debug', `undecodable message: ${m.message}`, peer);
      // BOLT 1: a malformed message is a protocol violation; warn and disconnect.
      return this.failPeer(peer, { kind: 'disconnect-with-warning', send: { channelId: new Uint8Array(32), data: `Invalid message: ${m.message}` } });
    }
    if (!peer.theirInit) {
      if (m.name !== 'init') {
        this.log('debug', `first message was ${m.name}, not init`, peer);
        return this.dropPeer(peer, 'first message must be init');
      }
      return this.onInit(peer, m.msg);
    }
    if (m.name === 'unknown') {
      if (this.customHandler.handlesType(m.type)) {
        const err = this.callHandler(peer, () =>
          this.customHandler.handleCustomMessage(peer.theirNodeId!, { type: m.type, payload: m.payload.slice() }),
        );
        return err ? this.failPeer(peer, err.action) : undefined;
      }
      // BOLT 1: ignore unknown odd types ("it's OK to be odd"), fail on unknown even types.
      if (m.type % 2 === 1) return undefined;
      this.log('debug', `unknown even message type ${m.type}`, peer);
      return this.dropPeer(peer, `unknown even message type ${m.type}`);
    }
    switch (CATEGORY[m.name]) {
      case 'setup':
        // A second init is a protocol violation.
        return this.dropPeer(peer, 'duplicate init');
      case 'control':
        return this.onControl(peer, m);
      case 'channel': {
        const err = this.callHandler(peer, () => this.handlers.chanHandler.handleChannelMessage(peer.theirNodeId!, m));
        return err ? this.failPeer(peer, err.action) : undefined;
      }
      case 'gossip':
        return this.onGossip(peer, m);
      case 'onion':
        return undefined;
    }
  }

  private onGossip(peer: Peer, m: WireMessage): PeerHandleError | undefined {
    this.peerChannelUpdate(peer, m);
    let res: boolean | LightningError = false;
    const err = this.callHandler(peer, () => {
      res = this.routeHandler.handleGossipMessage(peer.theirNodeId!, m);
    });
    if (err) return this.failPeer(peer, err.action);
    return this.gossipResult(peer, m, res);
  }

  /** BOLT 7: a channel_update for one of our own channels is the peer's policy towards us. */
  private peerChannelUpdate(peer: Peer, m: WireMessage): void {
    const chan = this.handlers.chanHandler;
    if (m.name === 'channel_update' && chan.handleChannelUpdate) this.callHandler(peer, () => chan.handleChannelUpdate!(peer.theirNodeId!, m.msg));
  }

  private gossipResult(peer: Peer, m: WireMessage, res: boolean | LightningError): PeerHandleError | undefined {
    if (res instanceof LightningError) return this.failPeer(peer, res.action);
    // A handler with the pull side relays what it accepts itself (filters, rate limits).
    if (res === true && !this.routeHandler.nextGossipForPeer) this.broadcast(m, peer.theirNodeId, false);
    return undefined;
  }

  /**
   * Hands a run of announcements and updates to the routing handler's `handleGossipMessages`
   * (which can check their signatures together) and acts on each result as {@link onGossip}
   * would. The handler stops at the first result that disconnects the peer, as reading one by
   * one would: nothing the peer sent after it is applied.
   */
  private handleGossipRun(peer: Peer, run: WireMessage[]): PeerHandleError | undefined {
    if (run.length === 0) return undefined;
    const msgs = run.splice(0);
    if (msgs.length === 1) return this.onGossip(peer, msgs[0]!);
    const handler = this.routeHandler;
    const results: Array<boolean | LightningError> = [];
    const err = this.callHandler(peer, () => {
      handler.handleGossipMessages!(peer.theirNodeId!, msgs, (i, r) => {
        this.peerChannelUpdate(peer, msgs[i]!);
        results.push(r);
        return r instanceof LightningError && disconnects(r.action);
      });
    });
    for (let i = 0; i < results.length; i++) {
      const fail = this.gossipResult(peer, msgs[i]!, results[i]!);
      if (fail) return fail;
    }
    return err ? this.failPeer(peer, err.action) : undefined;
  }

  /** Runs a handler call; a thrown LightningError is the peer's fault, anything else is our bug. */
  private callHandler(peer: Peer, f: () => unknown): LightningError | undefined {
    try {
      const r = f();
      return r instanceof LightningError ? r : undefined;
    } catch (e) {
      if (e instanceof LightningError) return e;
      this.log('error', `handler threw: ${e instanceof Error ? e.stack : String(e)}`, peer);
      return new LightningError('internal error', { kind: 'disconnect' });
    }
  }

  private onInit(peer: Peer, init: Init): PeerHandleError | undefined {
    const theirs = Features.fromBytes('init', init.globalFeatures).or(Features.fromBytes('init', init.features));
    const ours = this.ourFeatures(peer.theirNodeId!);
    const why = checkPeerFeatures(ours, theirs);
    if (why) {
      this.log('info', `refusing peer: ${why}`, peer);
      return this.failPeer(peer, { kind: 'disconnect', send: { channelId: new Uint8Array(32), data: why } });
    }
    const ourChains = this.handlers.chanHandler.getChainHashes();
    if (ourChains && init.networks && !init.networks.some((n) => ourChains.some((c) => equalBytes(c, n)))) {
      this.log('info', 'peer shares none of our chains', peer);
      return this.failPeer(peer, {
        kind: 'disconnect',
        send: { channelId: new Uint8Array(32), data: 'No common chain' },
      });
    }
    peer.theirInit = init;
    peer.theirFeatures = theirs;
    this.log('debug', `peer initialised (${theirs.describe().join(' ')})`, peer);
    for (const h of [this.handlers.chanHandler, this.routeHandler] as const) {
      const err = this.callHandler(peer, () => h.peerConnected(peer.theirNodeId!, init, peer.inbound));
      if (err) return this.failPeer(peer, err.action);
    }
    return undefined;
  }

  private onControl(peer: Peer, m: WireMessage): PeerHandleError | undefined {
    switch (m.name) {
      case 'ping':
        this.log('trace', `received ping asking ${m.msg.numPongBytes} pong bytes`, peer);
        if (m.msg.numPongBytes < PONG_NO_REPLY) {
          this.sendMessage(peer, { name: 'pong', msg: { ignored: new Uint8Array(m.msg.numPongBytes) } });
        }
        return undefined;
      case 'pong':
        this.log('trace', 'received pong', peer);
        peer.awaitingPong = false;
        return undefined;
      case 'warning':
        this.log('warn', `peer sent warning: ${printable(m.msg.data)}`, peer);
        return undefined;
      case 'error': {
        this.log('warn', `peer sent error for channel ${toHex(m.msg.channelId)}: ${printable(m.msg.data)}`, peer);
        const err = this.callHandler(peer, () => this.handlers.chanHandler.handleError(peer.theirNodeId!, m.msg));
        if (err) return this.failPeer(peer, err.action);
        // BOLT 1: an error for all channels (zero channel_id) ends the connection too.
        if (isZero(m.msg.channelId)) return this.dropPeer(peer, 'peer sent connection-wide error');
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** Carries out an {@link ErrorAction} against a peer; returns the error when it disconnects. */
  private failPeer(peer: Peer, action: ErrorAction): PeerHandleError | undefined {
    switch (action.kind) {
      case 'disconnect':
        if (action.send) this.sendMessage(peer, { name: 'error', msg: { channelId: action.send.channelId, data: utf8(action.send.data) } });
        return this.dropPeer(peer, action.send?.data ?? 'disconnect');
      case 'disconnect-with-warning':
        this.sendMessage(peer, { name: 'warning', msg: { channelId: action.send.channelId, data: utf8(action.send.data) } });
        return this.dropPeer(peer, action.send.data);
      case 'send-error':
        this.sendMessage(peer, { name: 'error', msg: { channelId: action.send.channelId, data: utf8(action.send.data) } });
        return undefined;
      case 'send-warning':
        this.log(action.log, `sending warning: ${action.send.data}`, peer);
        this.sendMessage(peer, { name: 'warning', msg: { channelId: action.send.channelId, data: utf8(action.send.data) } });
        return undefined;
      case 'ignore':
      case 'ignore-duplicate-gossip':
        return undefined;
    }
  }

  /** Forgets a peer (best-effort flushing what is queued, e.g. an error) and tells the handlers. */
  private dropPeer(peer: Peer, why: string): PeerHandleError {
    if (peer.enc.isReady()) this.flush(peer);
    this.forget(peer);
    return new PeerHandleError(why);
  }

  private forget(peer: Peer): void {
    if (!this.peers.delete(peer.descriptor)) return;
    if (peer.theirNodeId) {
      const key = toHex(peer.theirNodeId);
      if (this.byNodeId.get(key) === peer) {
        this.byNodeId.delete(key);
        if (peer.theirInit) {
          try {
            this.handlers.chanHandler.peerDisconnected(peer.theirNodeId);
            this.routeHandler.peerDisconnected?.(peer.theirNodeId);
          } catch (e) {
            this.log('error', `peerDisconnected threw: ${String(e)}`, peer);
          }
        }
      }
    }
  }

  /** Disconnects a peer from our side: forget it and close its socket. */
  private disconnect(peer: Peer, why: string): void {
    this.log('debug', `disconnecting: ${why}`, peer);
    this.dropPeer(peer, why);
    peer.descriptor.disconnectSocket();
  }

  private sendMessage(peer: Peer, m: WireMessage): void {
    let bytes: Uint8Array;
    try {
      bytes = writeMessage(m);
    } catch (e) {
      this.log('error', `cannot encode ${m.name}: ${String(e)}`, peer);
      return;
    }
    if (bytes.length > 65535) {
      this.log('error', `${m.name} of ${bytes.length} bytes exceeds the BOLT 8 limit; not sent`, peer);
      return;
    }
    this.enqueueRaw(peer, peer.enc.encryptMessage(bytes));
  }

  private enqueueRaw(peer: Peer, frame: Uint8Array): void {
    peer.outbound.push(frame);
    peer.outboundBytes += frame.length;
  }

  /** Hands queued bytes to the socket until it refuses more. */
  private flush(peer: Peer): void {
    while (peer.outbound.length > 0 && !peer.socketFull) {
      const head = peer.outbound[0]!;
      const chunk = peer.outboundOffset === 0 ? head : head.subarray(peer.outboundOffset);
      const resume = peer.readPaused && peer.outboundBytes - chunk.length <= OUTBOUND_READ_PAUSE_BYTES;
      const n = peer.descriptor.sendData(chunk, resume);
      if (resume && n > 0) peer.readPaused = false;
      peer.outboundBytes -= n;
      if (n >= chunk.length) {
        peer.outbound.shift();
        peer.outboundOffset = 0;
      } else {
        peer.outboundOffset += n;
        peer.socketFull = true;
      }
    }
  }

  /** The socket can take more data again: continue sending what is queued. */
  writeBufferSpaceAvail(descriptor: SocketDescriptor): undefined | PeerHandleError {
    const peer = this.peers.get(descriptor);
    if (!peer) return new PeerHandleError('unknown descriptor');
    peer.socketFull = false;
    this.flush(peer);
    this.pullGossip(peer);
    return undefined;
  }

  /** The socket closed (by the peer or the network). Idempotent; unknown descriptors are ignored. */
  socketDisconnected(descriptor: SocketDescriptor): void {
    const peer = this.peers.get(descriptor);
    if (peer) {
      this.log('debug', 'socket disconnected', peer);
      this.forget(peer);
    }
  }

  /**
   * Gossip to every initialised peer but `except`. Relayed gossip (`own` false) skips peers whose
   * buffer is already full; our own is never dropped.
   */
  private broadcast(m: WireMessage, except?: Uint8Array, own = true): void {
    for (const p of this.byNodeId.values()) {
      if (!p.theirInit || (except && equalBytes(p.theirNodeId!, except))) continue;
      if (!own && p.outboundBytes > OUTBOUND_GOSSIP_DROP_BYTES) continue;
      this.sendMessage(p, m);
      // Nothing else would flush a peer that only got a relayed message.
      this.flush(p);
    }
  }

  /** Tops the peer's queue up with gossip from the routing handler while it is low (see GOSSIP_PULL_BELOW_BYTES). */
  private pullGossip(peer: Peer): void {
    const handler = this.routeHandler;
    if (!handler.nextGossipForPeer || !peer.theirInit || !this.peers.has(peer.descriptor)) return;
    for (let i = 0; i < GOSSIP_PULLS_PER_CALL && !peer.socketFull && peer.outboundBytes < GOSSIP_PULL_BELOW_BYTES; i++) {
      let batch: WireMessage[] = [];
      const err = this.callHandler(peer, () => {
        batch = handler.nextGossipForPeer!(peer.theirNodeId!, GOSSIP_PULL_BATCH);
      });
      if (err || batch.length === 0) return;
      for (const m of batch) this.sendMessage(peer, m);
      this.flush(peer);
    }
  }

  /**
   * Sends what the handlers queued (`MessageSendEvent`s, custom messages) and carries out the
   * error actions they asked for. Call it after handing the handlers any input.
   */
  processEvents(): void {
    const events: MessageSendEvent[] = [
      ...this.handlers.chanHandler.getAndClearPendingMsgEvents(),
      ...this.routeHandler.getAndClearPendingMsgEvents(),
    ];
    const touched = new Set<Peer>();
    for (const ev of events) {
      switch (ev.kind) {
        case 'send-message': {
          const p = this.byNodeId.get(toHex(ev.nodeId));
          if (!p?.theirInit) {
            this.log('trace', `dropping ${ev.msg.name} for disconnected peer ${toHex(ev.nodeId)}`);
            continue;
          }
          this.sendMessage(p, ev.msg);
          touched.add(p);
          break;
        }
        case 'broadcast':
          this.broadcast(ev.msg, ev.exceptNodeId, false);
          for (const p of this.byNodeId.values()) touched.add(p);
          break;
        case 'broadcast-gossip': {
          // Our own gossip goes into our graph first and out only if it passes there (LDK does the same).
          const res = this.routeHandler.handleGossipMessage(this.ourNodeId, ev.msg);
          if (res instanceof LightningError && res.action.kind !== 'ignore-duplicate-gossip') {
            this.log('warn', `our own ${ev.msg.name} was refused by the routing handler: ${res.message}`);
            break;
          }
          // A handler with the pull side relays what it accepted itself (ours regardless of filters,
          // an announcement with its first update, after a chain lookup if one is pending).
          if (this.routeHandler.nextGossipForPeer) break;
          this.broadcast(ev.msg, undefined, true);
          for (const p of this.byNodeId.values()) touched.add(p);
          break;
        }
        case 'handle-error': {
          const p = this.byNodeId.get(toHex(ev.nodeId));
          if (!p) continue;
          if (this.failPeer(p, ev.action)) p.descriptor.disconnectSocket();
          else touched.add(p);
          break;
        }
      }
    }
    for (const { nodeId, msg } of this.customHandler.getAndClearPendingMsg()) {
      const p = this.byNodeId.get(toHex(nodeId));
      if (!p?.theirInit) continue;
      const w = new ByteWriter(msg.payload.length + 2).u16(msg.type).bytes(msg.payload);
      this.enqueueRaw(p, p.enc.encryptMessage(w.finish()));
      touched.add(p);
    }
    for (const p of touched) if (this.peers.has(p.descriptor)) this.flush(p);
    for (const p of [...this.byNodeId.values()]) this.pullGossip(p);
  }

  /**
   * Call about once every ten seconds (LDK: "roughly every 10 seconds"): pings each initialised
   * peer and disconnects those that neither answered the last ping nor sent anything since, and
   * peers that have not completed the handshake and `init` within one whole tick.
   */
  timerTickOccurred(): void {
    for (const p of [...this.peers.values()]) {
      if (!p.theirInit) {
        if (++p.ticksUninitialised >= 2) this.disconnect(p, 'handshake/init not completed in time');
        continue;
      }
      if (p.awaitingPong && !p.receivedSinceTick) {
        this.disconnect(p, 'no pong to our ping');
        continue;
      }
      p.receivedSinceTick = false;
      if (!p.awaitingPong) {
        p.awaitingPong = true;
        this.sendMessage(p, { name: 'ping', msg: { numPongBytes: 0, ignored: new Uint8Array(0) } });
        this.flush(p);
      }
    }
  }

  /** The initialised peers. */
  getPeerNodeIds(): PeerDetails[] {
    const out: PeerDetails[] = [];
    for (const p of this.byNodeId.values()) {
      if (!p.theirInit) continue;
      out.push(
        p.address
          ? { nodeId: p.theirNodeId!, inbound: p.inbound, address: p.address, features: p.theirFeatures! }
          : { nodeId: p.theirNodeId!, inbound: p.inbound, features: p.theirFeatures! },
      );
    }
    return out;
  }

  /** The peer's `init`, if connected and initialised. */
  peerInit(nodeId: Uint8Array): Init | undefined {
    return this.byNodeId.get(toHex(nodeId))?.theirInit;
  }

  /** Disconnects the peer with this node id, if connected (closing its socket). */
  disconnectByNodeId(nodeId: Uint8Array): void {
    const p = this.byNodeId.get(toHex(nodeId));
    if (p) this.disconnect(p, 'requested by user');
  }

  /** Disconnects every peer. */
  disconnectAllPeers(): void {
    for (const p of [...this.peers.values()]) this.disconnect(p, 'requested by user');
  }

  /** Sends a `warning` or `error` to a connected peer (for tools and tests; handlers use events). */
  sendErrorMessage(nodeId: Uint8Array, kind: 'error' | 'warning', channelId: Uint8Array, data: string): void {
    const p = this.byNodeId.get(toHex(nodeId));
    if (!p?.theirInit) throw new APIMisuseError('peer not connected');
    this.sendMessage(p, { name: kind, msg: { channelId, data: utf8(data) } });
    this.flush(p);
  }
}

/** An action after which the peer is gone: nothing more it sent is handled. */
function disconnects(a: ErrorAction): boolean {
  return a.kind === 'disconnect' || a.kind === 'disconnect-with-warning';
}

/** Peer text for logs: printable ASCII only (BOLT 1 suggests printing only ASCII of `data`). */
function printable(b: Uint8Array): string {
  return fromUtf8(b).replace(/[^\x20-\x7e]/g, '?').slice(0, 500);
}
