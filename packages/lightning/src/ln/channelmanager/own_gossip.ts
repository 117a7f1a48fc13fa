/**
 * The gossip a `ChannelManager` originates (BOLT 7): when our `channel_update`s go out (to the
 * peer directly, or broadcast once the channel is announced), the `channel_announcement` and our
 * `node_announcement`, the disabled update of a closed or unreachable public channel, the update
 * a forwarding failure carries, and the peer's `channel_update` for a channel we share. The
 * messages themselves are built in `channel_update.ts` and `node_announcement.ts`; everything
 * here leaves as `MessageSendEvent`s (`broadcast-gossip` for what the network should see).
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import type { KeysInterface } from '../../sign/interfaces.js';
import { equalBytes } from '../../util/bytes.js';
import { toHex } from '../../util/hex.js';
import type { UserConfig } from '../../util/config.js';
import type { MessageSendEvent } from '../../util/events.js';
import { type ChannelState, type FundedState, fundedOf } from '../channel/state.js';
import type { Features } from '../features.js';
import type { NetAddress } from '../msgs/address.js';
import type { ChannelAnnouncement, ChannelUpdate } from '../msgs/bolt07.js';
import { writeMessage } from '../msgs/index.js';
import { buildChannelUpdate, type ChannelGossip, counterpartyForwardingFrom, tickUpdateStatus, type UpdateSigner, updateScid } from './channel_update.js';
import { buildNodeAnnouncement, type NodeAnnouncementRequest, nodeAnnouncementRequest } from './node_announcement.js';

const ADDRESS_TYPES = new Set<string>(['ipv4', 'ipv6', 'torv3', 'dns']);

/** A channel as the gossip side sees it (the manager's entry). */
export interface GossipChannel {
  readonly state: ChannelState;
  readonly counterpartyNodeId: Uint8Array;
  readonly config: UserConfig;
  readonly gossip: ChannelGossip;
}

/** What the gossip side needs from the manager. */
export interface OwnGossipHost {
  readonly crypto: CryptoBackend;
  readonly chainHash: Uint8Array;
  readonly keys: Pick<KeysInterface, 'getNodeId' | 'signWithNodeKey'>;
  /** The newest block timestamp seen (the core's only clock). */
  highestSeenTimestamp(): number;
  isConnected(nodeId: Uint8Array): boolean;
  push(ev: MessageSendEvent): void;
  log(message: string, channelId?: Uint8Array): void;
  channels(): Iterable<GossipChannel>;
}

/** The node-level gossip state written with the manager. */
export interface OwnGossipSnapshot {
  readonly lastNodeAnnouncementTimestamp: number;
  readonly nodeAnnouncement: NodeAnnouncementRequest | undefined;
  readonly nodeAnnouncementDeferred: boolean;
}

/** See the module doc. */
export class OwnGossip {
  /** The `timestamp` of our last `node_announcement` (BOLT 7: each must be greater). */
  private lastNodeAnnouncementTimestamp = 0;
  /** What `broadcastNodeAnnouncement` last asked for. */
  private nodeAnnouncement: NodeAnnouncementRequest | undefined;
  /** That request still waits for our first announced channel. */
  private nodeAnnouncementDeferred = false;
  /**
   * The peer's `channel_update` of a public channel of ours, around the moment we announce it. A
   * counterparty is never sent the `channel_announcement` (it builds its own; LDK skips both node
   * ids when relaying one) and LDK sends its update right behind its `announcement_signatures`,
   * so the update can reach our routing handler before our announcement does — PeerManager
   * hands the next message over before it takes our events — and be dropped there as naming an
   * unknown channel; with no other path to the peer our graph would never learn its direction.
   * So the peer's first forwardable update is also broadcast by us behind our announcement: held
   * while we have not announced, or awaited (channel ids here) from our announcement on. The
   * graph checks it like any update and ignores it as a duplicate if it had it. In memory only:
   * it matters for the moment of announcing.
   */
  private readonly heldPeerUpdates = new Map<string, ChannelUpdate>();
  private readonly awaitedPeerUpdates = new Set<string>();

  constructor(private readonly h: OwnGossipHost) {}

  private signer(): UpdateSigner {
    return { crypto: this.h.crypto, chainHash: this.h.chainHash, keys: this.h.keys, highestSeenTimestamp: this.h.highestSeenTimestamp() };
  }

  private broadcast(msg: ChannelUpdate | undefined): void {
    if (msg) this.h.push({ kind: 'broadcast-gossip', msg: { name: 'channel_update', msg } });
  }

  /** Our `channel_update`, if the channel is usable and has an id to name. */
  private ourUpdate(e: GossipChannel): ChannelUpdate | undefined {
    const f = fundedOf(e.state);
    if (f?.kind !== 'Normal') return undefined;
    return buildChannelUpdate(f, e.gossip, e.config.channelConfig, this.signer());
  }

  /**
   * Our `channel_update` sent directly to the peer (BOLT 7: allowed before or without an
   * announcement, with `dont_forward`), so it can put us in its invoices' route hints. Sent when
   * the channel becomes usable and after each `channel_reestablish`, as LDK does.
   */
  sendToPeer(e: GossipChannel): void {
    if (!this.h.isConnected(e.counterpartyNodeId)) return;
    const msg = this.ourUpdate(e);
    if (msg) this.h.push({ kind: 'send-message', nodeId: e.counterpartyNodeId, msg: { name: 'channel_update', msg } });
  }

  /** Our policy changed: broadcast it for an announced channel, else tell the peer. */
  publish(e: GossipChannel): void {
    if (e.gossip.announced) this.broadcast(this.ourUpdate(e));
    else this.sendToPeer(e);
  }

  /** Both `announcement_signatures` are in: the announcement, our update and a waiting `node_announcement` go out. */
  onAnnounced(e: GossipChannel, announcement: ChannelAnnouncement): void {
    e.gossip.announced = true;
    this.h.push({ kind: 'broadcast-gossip', msg: { name: 'channel_announcement', msg: announcement } });
    this.publish(e);
    const f = fundedOf(e.state);
    if (f) {
      const key = toHex(f.funding.channelId);
      const held = this.heldPeerUpdates.get(key);
      this.heldPeerUpdates.delete(key);
      if (held) this.broadcast(held);
      else this.awaitedPeerUpdates.add(key);
    }
    if (this.nodeAnnouncementDeferred && this.nodeAnnouncement) {
      this.nodeAnnouncementDeferred = false;
      this.emitNodeAnnouncement(this.nodeAnnouncement);
    }
  }

  /** A public channel closed (`f` its last funded state): BOLT 7 lets us say it is disabled for good, as LDK does. */
  onClosed(e: GossipChannel, f: FundedState): void {
    this.heldPeerUpdates.delete(toHex(f.funding.channelId));
    this.awaitedPeerUpdates.delete(toHex(f.funding.channelId));
    if (e.gossip.announced) this.broadcast(buildChannelUpdate(f, e.gossip, e.config.channelConfig, this.signer(), { forceDisabled: true }));
  }

  /**
   * The `channel_update` a forwarding failure carries (BOLT 4 UPDATE codes), named by the id the
   * onion used (BOLT 4), as wire bytes with the type. Only for announced channels: BOLT 4
   * deprecates the field (a payer applying a private update is fingerprintable) and modern LDK
   * sends none; a public channel's update is public anyway and lets the payer retry with our
   * current fees. Empty otherwise.
   */
  updateForFailure(e: GossipChannel | undefined, scid: bigint): Uint8Array {
    const f = e ? fundedOf(e.state) : undefined;
    if (!e || f?.kind !== 'Normal' || !e.gossip.announced) return new Uint8Array(0);
    const msg = buildChannelUpdate(f, e.gossip, e.config.channelConfig, this.signer(), { scid });
    return msg ? writeMessage({ name: 'channel_update', msg }) : new Uint8Array(0);
  }

  /**
   * The peer's `channel_update` for a channel we share with it (BOLT 7: accept updates for our
   * own channels, even private ones): its policy towards us, kept for route hints.
   */
  onPeerUpdate(theirNodeId: Uint8Array, msg: ChannelUpdate): void {
    if (!equalBytes(msg.chainHash, this.h.chainHash)) return;
    for (const e of this.h.channels()) {
      if (!equalBytes(e.counterpartyNodeId, theirNodeId)) continue;
      const f = fundedOf(e.state);
      if (!f) continue;
      // The peer names the channel by the real id or by the alias we gave it (BOLT 7).
      const real = f.confirmation ? updateScid(f) : undefined;
      if (msg.shortChannelId !== real && msg.shortChannelId !== f.params.ourScidAlias) continue;
      const r = counterpartyForwardingFrom(msg, f, this.h.keys.getNodeId(), e.gossip.counterpartyForwarding, this.h.crypto);
      if (typeof r === 'string') {
        this.h.log(`ignoring the peer's ${r}`, f.funding.channelId);
        return;
      }
      e.gossip.counterpartyForwarding = r;
      // BOLT 7 dont_forward (message_flags bit 1): meant for us alone, never relayed.
      if (!f.params.announce || msg.shortChannelId !== real || (msg.messageFlags & 2) !== 0) return;
      const key = toHex(f.funding.channelId);
      if (!e.gossip.announced) this.heldPeerUpdates.set(key, msg);
      else if (this.awaitedPeerUpdates.delete(key)) this.broadcast(msg);
      return;
    }
  }

  /** See `ChannelManager.broadcastNodeAnnouncement`. */
  broadcastNodeAnnouncement(rgb: Uint8Array, alias: Uint8Array | string, addresses: readonly NetAddress[], features: Features): 'broadcast' | 'deferred' {
    const req = nodeAnnouncementRequest(rgb, alias, addresses, features);
    this.nodeAnnouncement = req;
    const announced = [...this.h.channels()].some((e) => e.gossip.announced && fundedOf(e.state) !== undefined);
    this.nodeAnnouncementDeferred = !announced;
    if (!announced) return 'deferred';
    this.emitNodeAnnouncement(req);
    return 'broadcast';
  }

  private emitNodeAnnouncement(req: NodeAnnouncementRequest): void {
    this.lastNodeAnnouncementTimestamp = Math.max(this.lastNodeAnnouncementTimestamp + 1, this.h.highestSeenTimestamp());
    const msg = buildNodeAnnouncement(req, this.lastNodeAnnouncementTimestamp, this.h.keys, this.h.crypto);
    this.h.push({ kind: 'broadcast-gossip', msg: { name: 'node_announcement', msg } });
  }

  /** One timer tick of LDK's enable/disable staging for an announced channel (`channel_update.ts`). */
  tick(e: GossipChannel): void {
    const f = fundedOf(e.state);
    if (f?.kind !== 'Normal') return;
    const live = e.state.kind === 'Normal' && this.h.isConnected(e.counterpartyNodeId);
    const t = tickUpdateStatus(e.gossip.status, live);
    e.gossip.status = t.status;
    if (t.changed && e.gossip.announced) {
      this.broadcast(buildChannelUpdate(f, e.gossip, e.config.channelConfig, this.signer(), { forceDisabled: t.status.kind === 'Disabled' }));
    }
  }

  /** What `ChannelManager.write` keeps. */
  snapshot(): OwnGossipSnapshot {
    return {
      lastNodeAnnouncementTimestamp: this.lastNodeAnnouncementTimestamp,
      nodeAnnouncement: this.nodeAnnouncement,
      nodeAnnouncementDeferred: this.nodeAnnouncementDeferred,
    };
  }

  /** Takes back a {@link snapshot} read from bytes; false when it is malformed. */
  restore(v: unknown): boolean {
    if (typeof v !== 'object' || v === null) return false;
    const o = v as { lastNodeAnnouncementTimestamp?: unknown; nodeAnnouncement?: unknown; nodeAnnouncementDeferred?: unknown };
    if (typeof o.lastNodeAnnouncementTimestamp !== 'number') return false;
    const n = o.nodeAnnouncement as Partial<NodeAnnouncementRequest> | undefined;
    if (n !== undefined) {
      if (!(n.rgb instanceof Uint8Array) || !(n.alias instanceof Uint8Array) || !(n.features instanceof Uint8Array) || !Array.isArray(n.addresses)) return false;
      if (!n.addresses.every((a: unknown) => typeof a === 'object' && a !== null && ADDRESS_TYPES.has((a as { type?: unknown }).type as string))) return false;
    }
    this.lastNodeAnnouncementTimestamp = o.lastNodeAnnouncementTimestamp;
    this.nodeAnnouncement = n as NodeAnnouncementRequest | undefined;
    this.nodeAnnouncementDeferred = n !== undefined && o.nodeAnnouncementDeferred === true;
    return true;
  }
}
