/**
 * Our `node_announcement`, BOLT 7 §"The node_announcement Message": features, colour, alias and
 * the addresses we accept connections on, signed with the node key. The origin-node rules are
 * checked here (alias UTF-8 with zero padding, addresses in ascending type order, no port 0 on
 * ipv4/ipv6/DNS, at most one DNS hostname) so that what we emit passes every receiver, our own
 * `NetGraphMsgHandler` included.
 * @module
 */
import { type CryptoBackend, sha256d } from '../../crypto/backend.js';
import type { KeysInterface } from '../../sign/interfaces.js';
import { APIMisuseError } from '../../util/errors.js';
import { ByteWriter } from '../../util/ser/writer.js';
import type { Features } from '../features.js';
import { type NetAddress, netAddress } from '../msgs/address.js';
import { NodeAnnouncement } from '../msgs/bolt07.js';

/** LDK refuses more addresses than this: past it they would take over half the message. */
export const MAX_ANNOUNCED_ADDRESSES = 100;

/** What the user asks to announce (LDK's `broadcast_node_announcement` arguments). */
export interface NodeAnnouncementRequest {
  /** `rgb_color`: 3 bytes, red first. */
  readonly rgb: Uint8Array;
  /** `alias`: up to 32 bytes of UTF-8, zero-padded to 32. */
  readonly alias: Uint8Array;
  readonly addresses: readonly NetAddress[];
  /** Node feature bits (`node` context). */
  readonly features: Uint8Array;
}

const TYPE_ID: Record<NetAddress['type'], number> = { ipv4: 1, ipv6: 2, torv3: 4, dns: 5 };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks and normalises a request: the alias padded to 32 bytes, the addresses sorted by type.
 * @throws {APIMisuseError} when BOLT 7 forbids what was asked.
 */
export function nodeAnnouncementRequest(rgb: Uint8Array, alias: Uint8Array | string, addresses: readonly NetAddress[], features: Features): NodeAnnouncementRequest {
  if (rgb.length !== 3) throw new APIMisuseError('rgb must be 3 bytes');
  const raw = typeof alias === 'string' ? new TextEncoder().encode(alias) : alias;
  if (raw.length > 32) throw new APIMisuseError('alias is longer than 32 bytes');
  const padded = new Uint8Array(32);
  padded.set(raw);
  let end = 32;
  while (end > 0 && padded[end - 1] === 0) end--;
  if (padded.subarray(0, end).includes(0)) throw new APIMisuseError('alias has a zero byte before its end (BOLT 7: only trailing bytes may be 0)');
  try {
    strictUtf8.decode(padded.subarray(0, end));
  } catch {
    throw new APIMisuseError('alias is not valid UTF-8');
  }
  if (addresses.length > MAX_ANNOUNCED_ADDRESSES) throw new APIMisuseError(`more than ${MAX_ANNOUNCED_ADDRESSES} addresses`);
  if (addresses.filter((a) => a.type === 'dns').length > 1) throw new APIMisuseError('BOLT 7: at most one DNS hostname');
  for (const a of addresses) {
    if (a.port === 0 && a.type !== 'torv3') throw new APIMisuseError(`BOLT 7: no port 0 (${a.type})`);
    if (a.type === 'dns' && !/^[\x21-\x7e]{1,255}$/.test(a.hostname)) throw new APIMisuseError('DNS hostname must be 1-255 printable ASCII characters (Punycode for others)');
  }
  // BOLT 7: descriptors in ascending (type) order; the sort is stable, so the user's order within a type stays.
  const sorted = [...addresses].sort((x, y) => TYPE_ID[x.type] - TYPE_ID[y.type]);
  return { rgb: rgb.slice(), alias: padded, addresses: sorted, features: features.toBytes() };
}

/** Builds and signs the announcement with `timestamp` (greater than any before it, BOLT 7). */
export function buildNodeAnnouncement(
  r: NodeAnnouncementRequest,
  timestamp: number,
  keys: Pick<KeysInterface, 'getNodeId' | 'signWithNodeKey'>,
  crypto: CryptoBackend,
): NodeAnnouncement {
  const w = new ByteWriter(64);
  for (const a of r.addresses) netAddress.write(w, a);
  const unsigned: NodeAnnouncement = {
    signature: new Uint8Array(64),
    features: r.features,
    timestamp,
    nodeId: keys.getNodeId(),
    rgbColor: r.rgb,
    alias: r.alias,
    addresses: w.finish(),
  };
  // BOLT 7: the signature covers the double-SHA256 of everything after it.
  const digest = sha256d(crypto, NodeAnnouncement.encodePayload(unsigned).subarray(64));
  return { ...unsigned, signature: keys.signWithNodeKey(digest) };
}
