/**
 * The handler interfaces `PeerManager` routes decoded messages to (LDK's `ChannelMessageHandler`,
 * `RoutingMessageHandler`, `CustomMessageHandler`), and the honest do-nothing implementations LDK
 * also ships for nodes that run without one of them.
 * @module
 */
import type { LightningError } from '../util/errors.js';
import type { MessageSendEvent, MessageSendEventsProvider } from '../util/events.js';
import { Features, providedInitFeatures } from './features.js';
import type { ErrorMsg, Init } from './msgs/bolt01.js';
import type { ChannelUpdate } from './msgs/bolt07.js';
import type { WireMessage } from './msgs/index.js';

/**
 * Receives BOLT 2 channel messages (LDK's `ChannelMessageHandler`; `ChannelManager` implements it).
 * Errors it finds in a peer's messages are reported as `handle-error` {@link MessageSendEvent}s.
 */
export interface ChannelMessageHandler extends MessageSendEventsProvider {
  /**
   * The peer completed `init` (BOLT 1). Returning a {@link LightningError} refuses the peer:
   * `PeerManager` disconnects it.
   */
  peerConnected(theirNodeId: Uint8Array, init: Init, inbound: boolean): LightningError | undefined;
  /** The connection to the peer is gone (channels go offline, BOLT 2 §"Message Retransmission"). */
  peerDisconnected(theirNodeId: Uint8Array): void;
  /** An `error` from the peer (BOLT 1): the channel it names, or all when zero, has failed. */
  handleError(theirNodeId: Uint8Array, msg: ErrorMsg): void;
  /** A BOLT 2 message from the peer. */
  handleChannelMessage(theirNodeId: Uint8Array, m: WireMessage): void;
  /**
   * A `channel_update` from the peer (BOLT 7: accept updates for our own channels, even private
   * ones, to learn the peer's forwarding policy). It also goes to the routing handler.
   */
  handleChannelUpdate?(theirNodeId: Uint8Array, msg: ChannelUpdate): void;
  /** Features this handler needs in our `init` to this peer. */
  providedInitFeatures(theirNodeId: Uint8Array): Features;
  /** Features this handler wants in our `node_announcement`. */
  providedNodeFeatures(): Features;
  /** The chains we operate on, for `init`'s `networks` TLV (BOLT 1); `undefined` to send none. */
  getChainHashes(): Uint8Array[] | undefined;
}

/**
 * Receives BOLT 7 gossip (LDK's `RoutingMessageHandler`; `NetGraphMsgHandler` implements it).
 */
export interface RoutingMessageHandler extends MessageSendEventsProvider {
  /** A peer completed `init`; may start a gossip sync. Returning an error disconnects it. */
  peerConnected(theirNodeId: Uint8Array, init: Init, inbound: boolean): LightningError | undefined;
  /**
   * A gossip message. `true` = accepted and worth relaying; `false` = accepted, don't relay;
   * a {@link LightningError} carries what to do with the peer.
   */
  handleGossipMessage(theirNodeId: Uint8Array, m: WireMessage): boolean | LightningError;
  /**
   * Optional: several consecutive gossip messages from one peer, with exactly the results and
   * effects of {@link handleGossipMessage} on each in order (a handler may check their
   * signatures together first). `after` is called with each index and result as it is applied;
   * when it returns `true` the handler stops there and the array ends with that result.
   * `PeerManager` hands over the `channel_announcement`s, `node_announcement`s and
   * `channel_update`s one read decrypted in a row.
   */
  handleGossipMessages?(
    theirNodeId: Uint8Array,
    msgs: readonly WireMessage[],
    after?: (index: number, result: boolean | LightningError) => boolean,
  ): Array<boolean | LightningError>;
  /** Features this handler needs in our `init`. */
  providedInitFeatures(theirNodeId: Uint8Array): Features;
  /** Features for our `node_announcement`. */
  providedNodeFeatures(): Features;
  /** The connection to a peer `peerConnected` was called for is gone. */
  peerDisconnected?(theirNodeId: Uint8Array): void;
  /**
   * The pull side of gossip (BOLT 7 §"Rebroadcasting", §"The gossip_timestamp_filter Message"):
   * the next gossip to send the peer — relayed messages, query replies, backfill — at most
   * about `maxMessages`. `PeerManager` calls it whenever the peer's outbound queue is low, so
   * the handler paces a large backfill by the peer's backpressure. A handler that has it relays
   * what it accepts itself: `PeerManager` then does not broadcast `true` results.
   */
  nextGossipForPeer?(theirNodeId: Uint8Array, maxMessages: number): WireMessage[];
}

/** A message of a type lnts does not declare, as the application defines it (BOLT 1: types >= 32768). */
export interface CustomMessage {
  readonly type: number;
  readonly payload: Uint8Array;
}

/** Handles application-defined message types (LDK's `CustomMessageHandler`). */
export interface CustomMessageHandler {
  /** True when this handler understands message type `type`. */
  handlesType(type: number): boolean;
  /** A custom message from the peer; an error disconnects or warns per its action. */
  handleCustomMessage(theirNodeId: Uint8Array, msg: CustomMessage): LightningError | undefined;
  /** Custom messages to send, taken by `PeerManager.processEvents()`. */
  getAndClearPendingMsg(): Array<{ nodeId: Uint8Array; msg: CustomMessage }>;
  /** Feature bits this handler wants in `init`. */
  providedInitFeatures(theirNodeId: Uint8Array): Features;
}

/**
 * A routing and custom-message handler that accepts and ignores everything (LDK's
 * `IgnoringMessageHandler`), for nodes that do not track gossip.
 */
export class IgnoringMessageHandler implements RoutingMessageHandler, CustomMessageHandler {
  peerConnected(): undefined {
    return undefined;
  }
  handleGossipMessage(): boolean {
    return false;
  }
  handlesType(): boolean {
    return false;
  }
  handleCustomMessage(): undefined {
    return undefined;
  }
  getAndClearPendingMsg(): Array<{ nodeId: Uint8Array; msg: CustomMessage }> {
    return [];
  }
  providedInitFeatures(): Features {
    return new Features('init');
  }
  providedNodeFeatures(): Features {
    return new Features('node');
  }
  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    return [];
  }
}

/**
 * A channel handler for nodes without channels (LDK's `ErroringMessageHandler`): it answers every
 * channel message with an `error` for that channel, so a peer trying to open one hears why.
 */
export class ErroringMessageHandler implements ChannelMessageHandler {
  private pending: MessageSendEvent[] = [];
  /** @param chainHashes - chains to announce in `init` (`networks`), if any. */
  constructor(private readonly chainHashes?: Uint8Array[]) {}
  peerConnected(): undefined {
    return undefined;
  }
  peerDisconnected(): void {}
  handleError(): void {}
  handleChannelMessage(theirNodeId: Uint8Array, m: WireMessage): void {
    const msg = m.msg as { channelId?: Uint8Array; temporaryChannelId?: Uint8Array };
    const channelId = msg.temporaryChannelId ?? msg.channelId ?? new Uint8Array(32);
    this.pending.push({
      kind: 'handle-error',
      nodeId: theirNodeId,
      action: {
        kind: 'send-error',
        send: { channelId, data: `We do not support channel messages, sorry (got ${m.name})` },
      },
    });
  }
  /**
   * The features lnts nodes advertise (LDK's ErroringMessageHandler likewise sets what peers may
   * require of us, so that a node without channels can still talk to everyone).
   */
  providedInitFeatures(): Features {
    return providedInitFeatures();
  }
  providedNodeFeatures(): Features {
    return Features.fromBytes('node', providedInitFeatures().toBytes());
  }
  getChainHashes(): Uint8Array[] | undefined {
    return this.chainHashes;
  }
  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
