/**
 * `NetGraphMsgHandler` (LDK's `P2PGossipSync`): BOLT 7 gossip into a {@link NetworkGraph}.
 * Announcements are checked as BOLT 7 requires — chain, node order, all four signatures,
 * features — and, when the user gives a `chain.Access`, the funding output must be the P2WSH
 * 2-of-2 of the two bitcoin keys (its value becomes the capacity). Without one, channels are
 * accepted without that check and without a known capacity.
 * @module
 */
import { p2wshForScript } from '../bitcoin/outputs.js';
import type { Access, AccessError, ChainTxOut } from '../chain/interfaces.js';
import { type CryptoBackend, sha256d } from '../crypto/backend.js';
import { Features } from '../ln/features.js';
import { fundingScript } from '../ln/chan_utils/scripts.js';
import type { RoutingMessageHandler } from '../ln/msg_handlers.js';
import { parseAddresses } from '../ln/msgs/address.js';
import type { Init } from '../ln/msgs/bolt01.js';
import { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../ln/msgs/bolt07.js';
import type { WireMessage } from '../ln/msgs/index.js';
import { compareBytes, equalBytes } from '../util/bytes.js';
import { DecodeError, LightningError } from '../util/errors.js';
import type { MessageSendEvent } from '../util/events.js';
import type { Logger } from '../util/logger.js';
import { replyChannelRange, replyShortChannelIds } from './gossip_queries.js';
import type { NetworkGraph } from './network_graph.js';

function ignore(msg: string, duplicate = false): LightningError {
  return new LightningError(msg, duplicate ? { kind: 'ignore-duplicate-gossip' } : { kind: 'ignore', log: 'debug' });
}

/** Receives gossip from `PeerManager` and keeps the graph. */
export class NetGraphMsgHandler implements RoutingMessageHandler {
  private pendingEvents: MessageSendEvent[] = [];
  /** Announcements whose funding lookup is still running, and updates that arrived meanwhile. */
  private readonly pending = new Map<bigint, WireMessage[]>();

  constructor(
    readonly graph: NetworkGraph,
    private readonly chainAccess: Access | null,
    private readonly logger: Logger,
    private readonly crypto: CryptoBackend,
  ) {}

  peerConnected(_theirNodeId: Uint8Array, _init: Init, _inbound: boolean): undefined {
    return undefined;
  }

  // `gossip_queries` is not advertised until this handler answers the queries (BOLT 7 says a
  // node that sets it must), so a peer does not wait for replies that never come.
  providedInitFeatures(): Features {
    return Features.of('init', {});
  }

  providedNodeFeatures(): Features {
    return Features.of('node', {});
  }

  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    const out = this.pendingEvents;
    this.pendingEvents = [];
    return out;
  }

  handleGossipMessage(theirNodeId: Uint8Array, m: WireMessage): boolean | LightningError {
    switch (m.name) {
      case 'channel_announcement':
        return this.onChannelAnnouncement(m.msg);
      case 'channel_update':
        return this.onChannelUpdate(m.msg, m);
      case 'node_announcement':
        return this.onNodeAnnouncement(m.msg);
      case 'query_channel_range':
        for (const msg of replyChannelRange(this.graph, m.msg)) {
          this.pendingEvents.push({ kind: 'send-message', nodeId: theirNodeId, msg: { name: 'reply_channel_range', msg } });
        }
        return false;
      case 'query_short_channel_ids': {
        const replies = replyShortChannelIds(this.graph, m.msg);
        if (replies instanceof DecodeError) {
          return new LightningError(`query_short_channel_ids: ${replies.message}`, {
            kind: 'send-warning',
            send: { channelId: new Uint8Array(32), data: 'Malformed query_short_channel_ids' },
            log: 'debug',
          });
        }
        for (const msg of replies) this.pendingEvents.push({ kind: 'send-message', nodeId: theirNodeId, msg });
        return false;
      }
      default:
        // Replies to queries we send and gossip_timestamp_filter belong to the sync and relay
        // part, which is not built yet (issue 9 stays open for it); they change nothing here.
        return false;
    }
  }

  private verify(sig: Uint8Array, digest: Uint8Array, key: Uint8Array): boolean {
    return this.crypto.verifyEcdsa(sig, digest, key);
  }

  private onChannelAnnouncement(a: ChannelAnnouncement): boolean | LightningError {
    if (!equalBytes(a.chainHash, this.graph.chainHash)) return ignore('channel_announcement for another chain');
    if (this.graph.channel(a.shortChannelId)) return ignore('channel already known', true);
    if (this.pending.has(a.shortChannelId)) return ignore('channel lookup already pending', true);
    if (compareBytes(a.nodeId1, a.nodeId2) >= 0) return new LightningError('node_id_1 is not lower than node_id_2', { kind: 'ignore', log: 'debug' });
    const feats = Features.fromBytes('channel', a.features);
    if (feats.unknownRequiredBits().length > 0) return ignore('channel_announcement requires unknown features');
    // The four signatures cover the message after them (BOLT 7: from `len` of features on).
    const payload = ChannelAnnouncement.encodePayload(a);
    const digest = sha256d(this.crypto, payload.subarray(256));
    if (
      !this.verify(a.nodeSignature1, digest, a.nodeId1) ||
      !this.verify(a.nodeSignature2, digest, a.nodeId2) ||
      !this.verify(a.bitcoinSignature1, digest, a.bitcoinKey1) ||
      !this.verify(a.bitcoinSignature2, digest, a.bitcoinKey2)
    ) {
      // BOLT 7: an invalid signature is a peer fault worth a warning and a disconnect.
      return new LightningError('Invalid signature on channel_announcement', {
        kind: 'disconnect-with-warning',
        send: { channelId: new Uint8Array(32), data: 'Invalid signature on channel_announcement' },
      });
    }
    if (!this.chainAccess) return this.addChannel(a, payload, undefined);
    const r = this.chainAccess.getUtxo(a.chainHash, a.shortChannelId);
    if (r instanceof Promise) {
      this.pending.set(a.shortChannelId, []);
      r.then(
        (out) => this.finishLookup(a, payload, out),
        () => this.finishLookup(a, payload, 'UnknownTx'),
      );
      return false;
    }
    return this.checkFunding(a, payload, r);
  }

  private checkFunding(a: ChannelAnnouncement, payload: Uint8Array, r: ChainTxOut | AccessError): boolean | LightningError {
    if (r === 'UnknownChain' || r === 'UnknownTx') return ignore(`funding output lookup: ${r}`);
    const want = p2wshForScript(fundingScript(a.bitcoinKey1, a.bitcoinKey2), this.crypto);
    if (!equalBytes(r.script, want)) return ignore('funding output is not the 2-of-2 of the announced bitcoin keys');
    return this.addChannel(a, payload, r.value);
  }

  private finishLookup(a: ChannelAnnouncement, payload: Uint8Array, r: ChainTxOut | AccessError): void {
    const waiting = this.pending.get(a.shortChannelId) ?? [];
    this.pending.delete(a.shortChannelId);
    const ok = this.checkFunding(a, payload, r);
    if (ok !== true) {
      this.logger.log({ level: 'debug', module: 'gossip', message: `channel ${a.shortChannelId} not added: ${ok instanceof LightningError ? ok.message : 'known'}` });
      return;
    }
    this.pendingEvents.push({ kind: 'broadcast', msg: { name: 'channel_announcement', msg: a } });
    for (const m of waiting) {
      const res = this.handleGossipMessage(new Uint8Array(33), m);
      if (res === true) this.pendingEvents.push({ kind: 'broadcast', msg: m });
    }
  }

  private addChannel(a: ChannelAnnouncement, announcement: Uint8Array, capacitySat: bigint | undefined): boolean {
    return this.graph.addChannel({ shortChannelId: a.shortChannelId, node1: a.nodeId1, node2: a.nodeId2, features: a.features, capacitySat, announcement });
  }

  private onChannelUpdate(u: ChannelUpdate, m: WireMessage): boolean | LightningError {
    if (!equalBytes(u.chainHash, this.graph.chainHash)) return ignore('channel_update for another chain');
    const waiting = this.pending.get(u.shortChannelId);
    if (waiting) {
      waiting.push(m);
      return false;
    }
    const c = this.graph.channel(u.shortChannelId);
    if (!c) return ignore('channel_update for an unknown channel');
    if ((u.messageFlags & 1) === 0) return ignore('channel_update without htlc_maximum_msat');
    const direction = (u.channelFlags & 1) as 0 | 1;
    const current = direction === 0 ? c.oneToTwo : c.twoToOne;
    if (current && current.lastUpdate >= u.timestamp) return ignore('channel_update not newer', true);
    const key = direction === 0 ? c.node1 : c.node2;
    const payload = ChannelUpdate.encodePayload(u);
    const digest = sha256d(this.crypto, payload.subarray(64));
    if (!this.verify(u.signature, digest, key)) {
      return new LightningError('Invalid signature on channel_update', {
        kind: 'disconnect-with-warning',
        send: { channelId: new Uint8Array(32), data: 'Invalid signature on channel_update' },
      });
    }
    if (c.capacitySat !== undefined && u.htlcMaximumMsat > c.capacitySat * 1000n) return ignore('htlc_maximum_msat above the channel capacity');
    return this.graph.updateChannel(u.shortChannelId, direction, {
      enabled: (u.channelFlags & 2) === 0,
      cltvExpiryDelta: u.cltvExpiryDelta,
      htlcMinimumMsat: u.htlcMinimumMsat,
      htlcMaximumMsat: u.htlcMaximumMsat,
      feeBaseMsat: u.feeBaseMsat,
      feeProportionalMillionths: u.feeProportionalMillionths,
      lastUpdate: u.timestamp,
      message: payload,
    });
  }

  private onNodeAnnouncement(n: NodeAnnouncement): boolean | LightningError {
    const node = this.graph.node(n.nodeId);
    if (!node) return ignore('node_announcement for a node without channels');
    if (node.announcement && node.announcement.timestamp >= n.timestamp) return ignore('node_announcement not newer', true);
    if (Features.fromBytes('node', n.features).unknownRequiredBits().length > 0) return ignore('node_announcement requires unknown features');
    const payload = NodeAnnouncement.encodePayload(n);
    const digest = sha256d(this.crypto, payload.subarray(64));
    if (!this.verify(n.signature, digest, n.nodeId)) {
      return new LightningError('Invalid signature on node_announcement', {
        kind: 'disconnect-with-warning',
        send: { channelId: new Uint8Array(32), data: 'Invalid signature on node_announcement' },
      });
    }
    const parsed = parseAddresses(n.addresses);
    if (parsed instanceof DecodeError) {
      // BOLT 7: `addrlen` too short for the descriptors it holds — warn; the message is not used.
      return new LightningError(`node_announcement addresses: ${parsed.message}`, {
        kind: 'send-warning',
        send: { channelId: new Uint8Array(32), data: 'Malformed addresses in node_announcement' },
        log: 'debug',
      });
    }
    const info = { timestamp: n.timestamp, features: n.features, rgbColor: n.rgbColor, alias: n.alias, addresses: n.addresses, netAddresses: parsed.addresses, message: payload };
    if (!this.graph.updateNode(n.nodeId, info)) return false;
    // BOLT 7: an announcement with more than one DNS hostname is kept but MUST NOT be forwarded.
    return !parsed.multipleHostnames;
  }
}
