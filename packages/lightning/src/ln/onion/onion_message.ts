/**
 * BOLT 4 §"Onion Messages": the `onionmsg_tlv` payload, building an onion message along a
 * blinded path, and peeling one (forward to the next node, or receive).
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { DecodeError, InvalidRoute } from '../../util/errors.js';
import { decode, encode, restBytes } from '../../util/ser/codec.js';
import { type TlvStreamValue, tlv, tlvStream } from '../../util/ser/tlv.js';
import {
  type BlindedPath,
  blindedNodeEcdh,
  blindedPathCoder,
  createBlindedPath,
  decryptRecipientData,
  type EncryptedData,
} from './blinded_path.js';
import { constructOnionPacket } from './construct.js';
import { PAYMENT_HOP_PAYLOADS_LEN } from './packet.js';
import { type NodeEcdh, peelOnionPacket } from './peel.js';

/** `onionmsg_tlv` (BOLT 4 §"The onion_message Message"); the BOLT 12 payloads are kept opaque. */
export const onionMessagePayloadTlvs = tlvStream({
  /** 2: where the recipient may reply. */
  replyPath: tlv(2, blindedPathCoder),
  /** 4: this hop's sealed `encrypted_data_tlv`. */
  encryptedRecipientData: tlv(4, restBytes),
  /** 64: a BOLT 12 `invoice_request` TLV stream. */
  invoiceRequest: tlv(64, restBytes),
  /** 66: a BOLT 12 `invoice`. */
  invoice: tlv(66, restBytes),
  /** 68: a BOLT 12 `invoice_error`. */
  invoiceError: tlv(68, restBytes),
});
/** A decoded `onionmsg_tlv`. */
export type OnionMessagePayload = TlvStreamValue<typeof onionMessagePayloadTlvs>;

/** Serializes an `onionmsg_tlv`. */
export function encodeOnionMessagePayload(p: OnionMessagePayload): Uint8Array {
  return encode(onionMessagePayloadTlvs, p);
}
/** Parses an `onionmsg_tlv`. */
export function decodeOnionMessagePayload(b: Uint8Array): OnionMessagePayload | DecodeError {
  return decode(onionMessagePayloadTlvs, b);
}

/** The fields of the `onion_message` wire message (type 513). */
export interface OnionMessageFields {
  /** The path key of the hop receiving the message. */
  readonly pathKey: Uint8Array;
  /** The serialized onion (1366 or 32834 bytes recommended). */
  readonly onionMessagePacket: Uint8Array;
}

/** Options of {@link buildOnionMessage}. */
export interface BuildOnionMessageOptions {
  /** 32-byte session key of the onion (not the path's). */
  readonly sessionKey: Uint8Array;
  /** The blinded path to the destination; its introduction node must be our peer. */
  readonly path: BlindedPath;
  /** The final hop's content (`reply_path`, `invoice_request`, ..., unknown odd records); its
   * `encrypted_recipient_data` is taken from the path. */
  readonly content: OnionMessagePayload;
  /** `onionmsg_payloads` size; 1300 (default) or 32768 as BOLT 4 suggests. */
  readonly hopPayloadsLen?: number;
  /**
   * Nodes to go through before the path's introduction node, first one our peer. All onion
   * messages are blinded, so the sender blinds this prefix itself: each node is told the next
   * one, and the last is told to hand on `first_path_key` (`next_path_key_override`).
   */
  readonly intermediateNodes?: readonly Uint8Array[];
  /** `e_0` of that prefix path (from a CSPRNG); required with `intermediateNodes`. */
  readonly prefixPathKeySecret?: Uint8Array;
}

/**
 * The sender's own blinded path through `nodes` that continues into `path` (BOLT 4 §"Route
 * Blinding" › Rationale: concatenating two blinded routes with `next_path_key_override`).
 */
export function prependBlindedHops(
  c: CryptoBackend,
  pathKeySecret: Uint8Array,
  nodes: readonly Uint8Array[],
  path: BlindedPath,
): BlindedPath {
  if (nodes.length === 0) return path;
  if (path.firstNodeId.kind !== 'pubkey') throw new InvalidRoute('introduction node given by scid; resolve it first');
  const intro = path.firstNodeId.nodeId;
  const prefix = createBlindedPath(
    c,
    pathKeySecret,
    nodes.map((nodeId, i) => ({
      nodeId,
      data: i + 1 < nodes.length ? { nextNodeId: nodes[i + 1]! } : { nextNodeId: intro, nextPathKeyOverride: path.firstPathKey },
    })),
  ).path;
  return { firstNodeId: prefix.firstNodeId, firstPathKey: prefix.firstPathKey, hops: [...prefix.hops, ...path.hops] };
}

/**
 * Builds an onion message along a blinded path (BOLT 4 §"The onion_message Message" › writer):
 * one layer per blinded hop, encrypted to its `blinded_node_id`, no associated data; non-final
 * payloads hold only `encrypted_recipient_data`. The message goes to the introduction node with
 * `path_key = first_path_key`. To reach an introduction node that is not a peer, give
 * `intermediateNodes`: a blinded prefix is made for them ({@link prependBlindedHops}).
 * Vectors: bolt04 `onion_message`.
 */
export function buildOnionMessage(
  c: CryptoBackend,
  opts: BuildOnionMessageOptions,
): { firstNodeId: BlindedPath['firstNodeId']; message: OnionMessageFields } {
  if (opts.path.hops.length === 0) throw new InvalidRoute('blinded path without hops');
  let { path } = opts;
  if (opts.intermediateNodes?.length) {
    if (!opts.prefixPathKeySecret) throw new InvalidRoute('intermediate nodes need a prefixPathKeySecret');
    path = prependBlindedHops(c, opts.prefixPathKeySecret, opts.intermediateNodes, path);
  }
  const last = path.hops.length - 1;
  const hops = path.hops.map((h, i) => ({
    pubkey: h.blindedNodeId,
    payload: encodeOnionMessagePayload(
      i === last
        ? { ...opts.content, encryptedRecipientData: h.encryptedRecipientData }
        : { encryptedRecipientData: h.encryptedRecipientData },
    ),
  }));
  const built = constructOnionPacket(c, {
    sessionKey: opts.sessionKey,
    hops,
    associatedData: new Uint8Array(0),
    hopPayloadsLen: opts.hopPayloadsLen ?? PAYMENT_HOP_PAYLOADS_LEN,
  });
  return { firstNodeId: path.firstNodeId, message: { pathKey: path.firstPathKey, onionMessagePacket: built.onion } };
}

/** Where a forwarded onion message goes. */
export type OnionMessageNextHop =
  | { readonly kind: 'node'; readonly nodeId: Uint8Array }
  | { readonly kind: 'scid'; readonly shortChannelId: bigint };

/** Every outcome of {@link peelOnionMessage}. */
export type PeeledOnionMessage =
  | {
      readonly kind: 'forward';
      readonly next: OnionMessageNextHop;
      /** The `onion_message` to send to `next`. */
      readonly message: OnionMessageFields;
    }
  | {
      readonly kind: 'receive';
      /** Our payload (`encrypted_recipient_data` included). */
      readonly payload: OnionMessagePayload;
      /** Our decrypted `encrypted_data_tlv` (check `pathId` against paths we published). */
      readonly data: EncryptedData;
    }
  | { readonly kind: 'ignore'; readonly reason: string };

/**
 * Processes a received `onion_message` (BOLT 4 §"The onion_message Message" › reader): tweaks
 * the node key with the path key, peels with empty associated data, decrypts the
 * `encrypted_recipient_data`, then forwards (next node id or scid, next path key) or receives.
 * Anything invalid is `ignore`: onion messages have no error replies.
 * @example
 * const r = peelOnionMessage(crypto, nodeSecret, onionMessage);
 * if (r.kind === 'forward') sendTo(r.next, OnionMessage.encode(r.message));
 */
export function peelOnionMessage(c: CryptoBackend, node: NodeEcdh, msg: OnionMessageFields): PeeledOnionMessage {
  const ignore = (reason: string): PeeledOnionMessage => ({ kind: 'ignore', reason });
  if (!c.isValidPublicKey(msg.pathKey)) return ignore('path key is not a point');
  let blinded: (p: Uint8Array) => Uint8Array;
  try {
    blinded = blindedNodeEcdh(c, node, msg.pathKey);
  } catch {
    return ignore('path key tweak failed');
  }
  const peeled = peelOnionPacket(c, msg.onionMessagePacket, blinded, new Uint8Array(0), { minPayloadLength: 0 });
  if (peeled.kind === 'malformed' || peeled.kind === 'bad-payload') return ignore(peeled.reason);
  const payload = decodeOnionMessagePayload(peeled.payload);
  if (payload instanceof DecodeError) return ignore(`payload: ${payload.message}`);
  if (!payload.encryptedRecipientData) return ignore('no encrypted_recipient_data');
  const un = decryptRecipientData(c, node, msg.pathKey, payload.encryptedRecipientData);
  if (un instanceof DecodeError) return ignore(`encrypted data: ${un.message}`);
  const d = un.data;
  if (d.paymentRelay || d.paymentConstraints) return ignore('payment fields in onion message data');
  // No feature bit is defined for onion messages yet, so any bit set is one we do not know.
  if (d.allowedFeatures?.some((b) => b !== 0)) return ignore('allowed_features has a bit set we do not know');
  if (peeled.kind === 'final') {
    const n = [payload.invoiceRequest, payload.invoice, payload.invoiceError].filter((x) => x !== undefined).length;
    if (n > 1) return ignore('more than one payload field');
    return { kind: 'receive', payload, data: d };
  }
  if (payload.replyPath || payload.invoiceRequest || payload.invoice || payload.invoiceError) {
    return ignore('non-final payload carries more than encrypted_recipient_data');
  }
  if (d.pathId) return ignore('path_id at a forwarding hop');
  let next: OnionMessageNextHop;
  if (d.nextNodeId) next = { kind: 'node', nodeId: d.nextNodeId };
  else if (d.shortChannelId !== undefined) next = { kind: 'scid', shortChannelId: d.shortChannelId };
  else return ignore('no next hop');
  return { kind: 'forward', next, message: { pathKey: un.nextPathKey, onionMessagePacket: peeled.nextPacket } };
}
