/**
 * Signature checks of a batch of BOLT 7 gossip gathered ahead of applying it, so that a crypto
 * backend with `verifyEcdsaBatch` checks them all in one call — on several cores — before
 * `NetGraphMsgHandler.handleGossipMessages` applies the messages in order.
 *
 * The gathering predicts which checks the handler will make: a `channel_announcement`'s four
 * (BOLT 7: both node keys and both bitcoin keys over the same digest), a `node_announcement`'s
 * by its own key, a `channel_update`'s by the node of its direction — taken from the graph, or
 * from a `channel_announcement` earlier in the batch. Messages the handler will refuse before
 * looking at a signature (other chain, duplicate, not newer, unknown channel or node) are left
 * out. A prediction is only a cache: the handler uses a verdict only for exactly the signature,
 * digest and key it checks, and verifies anything else itself, so a wrong guess (a channel that
 * did not get in after all, a check the handler's clock or rate limit spared) costs time, never
 * a different result.
 * @module
 */
import { type CryptoBackend, type EcdsaVerifyItem, sha256d } from '../crypto/backend.js';
import { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../ln/msgs/bolt07.js';
import type { WireMessage } from '../ln/msgs/index.js';
import { compareBytes, equalBytes } from '../util/bytes.js';
import { toHex } from '../util/hex.js';
import type { NetworkGraph } from './network_graph.js';

/** The three signed gossip messages (BOLT 7). */
export type SignedGossipMessage = Extract<WireMessage, { name: 'channel_announcement' | 'channel_update' | 'node_announcement' }>;

/** A signature verdict reached ahead of time. */
export interface PresetVerdict {
  /** The signature object of the message (matched by identity). */
  readonly sig: Uint8Array;
  /** The key it was checked against (matched by value). */
  readonly pubkey: Uint8Array;
  ok: boolean;
}

/** A signed message's payload and the digest its signatures cover, with any verdicts reached ahead. */
export interface SignedGossip {
  /** The decoded message these were computed from (matched by identity). */
  readonly msg: SignedGossipMessage['msg'];
  /** `encodePayload` of the message: what the graph keeps. */
  readonly payload: Uint8Array;
  /** Double SHA-256 of the signed part (BOLT 7: everything after the signatures). */
  readonly digest: Uint8Array;
  readonly verdicts: PresetVerdict[];
}

/** The payload and digest of a signed gossip message, without verdicts. */
export function signedGossip(crypto: CryptoBackend, m: SignedGossipMessage): SignedGossip {
  let payload: Uint8Array;
  let signatures: number;
  switch (m.name) {
    case 'channel_announcement':
      payload = ChannelAnnouncement.encodePayload(m.msg);
      signatures = 4 * 64;
      break;
    case 'channel_update':
      payload = ChannelUpdate.encodePayload(m.msg);
      signatures = 64;
      break;
    case 'node_announcement':
      payload = NodeAnnouncement.encodePayload(m.msg);
      signatures = 64;
      break;
  }
  return { msg: m.msg, payload, digest: sha256d(crypto, payload.subarray(signatures)), verdicts: [] };
}

/** What the gathering reads of the handler's state besides the graph. */
export interface GossipBatchView {
  readonly graph: NetworkGraph;
  /** A `channel_announcement` for this channel is waiting on a chain lookup (its gossip is queued, not checked). */
  isPending(scid: bigint): boolean;
}

/**
 * For each of `msgs`, its {@link SignedGossip} with the verdicts of the checks the handler is
 * predicted to make (verified in one `verifyBatch` call: the backend's `verifyEcdsaBatch`), or `undefined` for a
 * message the handler will not check.
 */
export function prepareGossipBatch(
  crypto: CryptoBackend,
  verifyBatch: (items: readonly EcdsaVerifyItem[]) => boolean[],
  view: GossipBatchView,
  msgs: readonly WireMessage[],
): Array<SignedGossip | undefined> {
  const { graph } = view;
  const out = new Array<SignedGossip | undefined>(msgs.length);
  const items: EcdsaVerifyItem[] = [];
  const verdicts: PresetVerdict[] = [];
  // What the batch itself will have added by the time a later message is applied.
  const newChannels = new Map<bigint, { node1: Uint8Array; node2: Uint8Array }>();
  const newNodes = new Set<string>();
  const updateSeen = new Map<bigint, number>();
  const nodeSeen = new Map<string, number>();
  const check = (s: SignedGossip, sig: Uint8Array, pubkey: Uint8Array) => {
    const v: PresetVerdict = { sig, pubkey, ok: false };
    s.verdicts.push(v);
    verdicts.push(v);
    items.push({ sig, msg32: s.digest, pubkey });
  };
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    switch (m.name) {
      case 'channel_announcement': {
        const a = m.msg;
        const scid = a.shortChannelId;
        if (!equalBytes(a.chainHash, graph.chainHash) || graph.channel(scid) || newChannels.has(scid) || view.isPending(scid)) break;
        if (compareBytes(a.nodeId1, a.nodeId2) >= 0) break;
        const s = signedGossip(crypto, m);
        check(s, a.nodeSignature1, a.nodeId1);
        check(s, a.nodeSignature2, a.nodeId2);
        check(s, a.bitcoinSignature1, a.bitcoinKey1);
        check(s, a.bitcoinSignature2, a.bitcoinKey2);
        out[i] = s;
        newChannels.set(scid, { node1: a.nodeId1, node2: a.nodeId2 });
        newNodes.add(toHex(a.nodeId1));
        newNodes.add(toHex(a.nodeId2));
        break;
      }
      case 'channel_update': {
        const u = m.msg;
        const scid = u.shortChannelId;
        if (!equalBytes(u.chainHash, graph.chainHash) || (u.messageFlags & 1) === 0 || view.isPending(scid)) break;
        const known = graph.channel(scid);
        const c = known ?? newChannels.get(scid);
        if (!c) break;
        const direction = u.channelFlags & 1;
        const key = scid * 2n + BigInt(direction);
        const current = updateSeen.get(key) ?? (direction === 0 ? known?.oneToTwo : known?.twoToOne)?.lastUpdate;
        if (current !== undefined && current >= u.timestamp) break;
        updateSeen.set(key, u.timestamp);
        const s = signedGossip(crypto, m);
        check(s, u.signature, direction === 0 ? c.node1 : c.node2);
        out[i] = s;
        break;
      }
      case 'node_announcement': {
        const n = m.msg;
        const hex = toHex(n.nodeId);
        const node = graph.nodeByHex(hex);
        if (!node && !newNodes.has(hex)) break;
        const current = nodeSeen.get(hex) ?? node?.announcement?.timestamp;
        if (current !== undefined && current >= n.timestamp) break;
        nodeSeen.set(hex, n.timestamp);
        const s = signedGossip(crypto, m);
        check(s, n.signature, n.nodeId);
        out[i] = s;
        break;
      }
      default:
        break;
    }
  }
  if (items.length > 0) {
    const ok = verifyBatch(items);
    for (let i = 0; i < verdicts.length; i++) verdicts[i]!.ok = ok[i] === true;
  }
  return out;
}

/** The verdict reached ahead for `sig` over `s`'s digest by `pubkey`, if any. */
export function presetVerdict(s: SignedGossip, sig: Uint8Array, pubkey: Uint8Array): boolean | undefined {
  for (const v of s.verdicts) if (v.sig === sig && equalBytes(v.pubkey, pubkey)) return v.ok;
  return undefined;
}
