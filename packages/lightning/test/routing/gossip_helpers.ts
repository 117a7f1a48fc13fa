/** Validly signed BOLT 7 gossip for routing tests. */
import { chainHash } from '../../src/chain/network.js';
import { sha256d } from '../../src/crypto/backend.js';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import { Features } from '../../src/ln/features.js';
import type { Init } from '../../src/ln/msgs/bolt01.js';
import { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../../src/ln/msgs/bolt07.js';
import { compareBytes } from '../../src/util/bytes.js';

export const chain = chainHash('regtest');
export const key = (i: number) => crypto.sha256(Uint8Array.of(i, 7));
export const pub = (i: number) => crypto.publicKey(key(i));

/** A validly signed channel between nodes `a` and `b` (node ids ordered as BOLT 7 requires). */
export function announcement(a: number, b: number, scid: bigint, opts: { badSig?: boolean } = {}): ChannelAnnouncement {
  const [n1, n2] = compareBytes(pub(a), pub(b)) < 0 ? [a, b] : [b, a];
  const unsigned: ChannelAnnouncement = {
    nodeSignature1: new Uint8Array(64),
    nodeSignature2: new Uint8Array(64),
    bitcoinSignature1: new Uint8Array(64),
    bitcoinSignature2: new Uint8Array(64),
    features: new Uint8Array(0),
    chainHash: chain,
    shortChannelId: scid,
    nodeId1: pub(n1),
    nodeId2: pub(n2),
    bitcoinKey1: pub(n1 + 100),
    bitcoinKey2: pub(n2 + 100),
  };
  const d = sha256d(crypto, ChannelAnnouncement.encodePayload(unsigned).subarray(256));
  return {
    ...unsigned,
    nodeSignature1: crypto.signEcdsa(d, key(n1)),
    nodeSignature2: crypto.signEcdsa(d, key(n2)),
    bitcoinSignature1: crypto.signEcdsa(d, key(n1 + 100)),
    bitcoinSignature2: opts.badSig ? crypto.signEcdsa(d, key(n1)) : crypto.signEcdsa(d, key(n2 + 100)),
  };
}

export function update(a: ChannelAnnouncement, direction: 0 | 1, timestamp: number, feeBase = 1000, signer?: number): ChannelUpdate {
  const unsigned: ChannelUpdate = {
    signature: new Uint8Array(64),
    chainHash: chain,
    shortChannelId: a.shortChannelId,
    timestamp,
    messageFlags: 1,
    channelFlags: direction,
    cltvExpiryDelta: 40,
    htlcMinimumMsat: 1000n,
    feeBaseMsat: feeBase,
    feeProportionalMillionths: 100,
    htlcMaximumMsat: 100_000_000n,
  };
  const d = sha256d(crypto, ChannelUpdate.encodePayload(unsigned).subarray(64));
  const nodeKey = signer !== undefined ? key(signer) : [0, 1, 2, 3, 4, 5].map(key).find((k) => compareBytes(crypto.publicKey(k), direction === 0 ? a.nodeId1 : a.nodeId2) === 0)!;
  return { ...unsigned, signature: crypto.signEcdsa(d, nodeKey) };
}

export function nodeAnn(i: number, timestamp: number, addresses = new Uint8Array(0)): NodeAnnouncement {
  const unsigned: NodeAnnouncement = {
    signature: new Uint8Array(64),
    features: new Uint8Array(0),
    timestamp,
    nodeId: pub(i),
    rgbColor: Uint8Array.of(1, 2, 3),
    alias: new Uint8Array(32).fill(65),
    addresses,
  };
  const d = sha256d(crypto, NodeAnnouncement.encodePayload(unsigned).subarray(64));
  return { ...unsigned, signature: crypto.signEcdsa(d, key(i)) };
}

export const peer = new Uint8Array(33).fill(2);

/** An `init` from a peer: with `gossip_queries` (optional) unless `gossipQueries` is false; bit 3 = initial_routing_sync. */
export function initFrom(opts: { gossipQueries?: boolean; initialRoutingSync?: boolean; networks?: Uint8Array[] } = {}): Init {
  const f = new Features('init');
  if (opts.gossipQueries ?? true) f.setOptional('gossip_queries');
  if (opts.initialRoutingSync) f.setBit(3);
  const features = f.toBytes();
  return (opts.networks ? { globalFeatures: new Uint8Array(0), features, networks: opts.networks } : { globalFeatures: new Uint8Array(0), features }) as Init;
}
