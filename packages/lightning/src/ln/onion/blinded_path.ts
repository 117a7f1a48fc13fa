/**
 * BOLT 4 §"Route Blinding": the `blinded_path` a recipient hands out, the `encrypted_data_tlv`
 * each of its hops reads, and the key arithmetic on both sides (blinded node ids, `rho`
 * encryption with ChaCha20-Poly1305, path key updates).
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { concat } from '../../util/bytes.js';
import { DecodeError, InvalidRoute } from '../../util/errors.js';
import {
  type Coder,
  decode,
  encode,
  point,
  restBytes,
  shortChannelId,
  struct,
  tu32,
  tu64,
  u16,
  u16Bytes,
  u32,
} from '../../util/ser/codec.js';
import { type TlvStreamValue, tlv, tlvStream } from '../../util/ser/tlv.js';
import { onionKey, ZERO_NONCE } from './keys.js';
import { type NodeEcdh, nodeEcdh } from './peel.js';

/** `payment_relay` (10): what a blinded forwarding hop charges and delays. */
export const paymentRelay = struct({ cltvExpiryDelta: u16, feeProportionalMillionths: u32, feeBaseMsat: tu32 });
/** `payment_constraints` (12): the latest expiry and smallest amount the path accepts. */
export const paymentConstraints = struct({ maxCltvExpiry: u32, htlcMinimumMsat: tu64 });

/** `encrypted_data_tlv` (BOLT 4 §"Inside encrypted_recipient_data"). */
export const encryptedDataTlvs = tlvStream({
  /** 1: padding so all hops' blobs have the same length. */
  padding: tlv(1, restBytes),
  /** 2: next hop by channel. */
  shortChannelId: tlv(2, shortChannelId),
  /** 4: next hop by node id. */
  nextNodeId: tlv(4, point),
  /** 6: the recipient's own secret to recognise its path. */
  pathId: tlv(6, restBytes),
  /** 8: the path key to hand on instead of the derived one (joins two paths). */
  nextPathKeyOverride: tlv(8, point),
  /** 10: fees and CLTV delta of a payment hop. */
  paymentRelay: tlv(10, paymentRelay),
  /** 12: limits of a payment hop. */
  paymentConstraints: tlv(12, paymentConstraints),
  /** 14: feature bits the payment may use (must be empty today). */
  allowedFeatures: tlv(14, restBytes),
});
/** A decoded `encrypted_data_tlv`. */
export type EncryptedData = TlvStreamValue<typeof encryptedDataTlvs>;

/** Serializes an `encrypted_data_tlv`. */
export function encodeEncryptedData(d: EncryptedData): Uint8Array {
  return encode(encryptedDataTlvs, d);
}

/**
 * `sciddir_or_pubkey` (BOLT 1 §"Fundamental Types"): a node id, or a channel and which end
 * (`direction` 0 = node_id_1) for compactness.
 */
export type SciddirOrPubkey =
  | { readonly kind: 'pubkey'; readonly nodeId: Uint8Array }
  | { readonly kind: 'scid'; readonly direction: 0 | 1; readonly shortChannelId: bigint };

/** The `sciddir_or_pubkey` coder: a first byte of 0/1 is a direction + 8-byte scid, 2/3 a point. */
export const sciddirOrPubkey: Coder<SciddirOrPubkey> = {
  read(r) {
    const first = r.bytes(1)[0]!;
    if (first === 0 || first === 1) return { kind: 'scid', direction: first, shortChannelId: r.u64() };
    if (first !== 2 && first !== 3) throw new DecodeError('InvalidValue', `sciddir_or_pubkey prefix ${first}`);
    const rest = r.bytes(32);
    return { kind: 'pubkey', nodeId: concat(Uint8Array.of(first), rest) };
  },
  write(w, v) {
    if (v.kind === 'scid') w.u8(v.direction).u64(v.shortChannelId);
    else point.write(w, v.nodeId);
  },
};

/** `blinded_path_hop`. */
export interface BlindedHop {
  /** `B_i`, the key the sender encrypts this hop's onion layer to. */
  readonly blindedNodeId: Uint8Array;
  /** The sealed `encrypted_data_tlv` for this hop. */
  readonly encryptedRecipientData: Uint8Array;
}
/** `blinded_path`. */
export interface BlindedPath {
  /** The introduction node (unblinded). */
  readonly firstNodeId: SciddirOrPubkey;
  /** `E_0`: the introduction node's path key. */
  readonly firstPathKey: Uint8Array;
  readonly hops: readonly BlindedHop[];
}

const blindedHop = struct({ blindedNodeId: point, encryptedRecipientData: u16Bytes });

/** The `blinded_path` coder (`first_node_id`, `first_path_key`, `num_hops` byte, hops). */
export const blindedPathCoder: Coder<BlindedPath> = {
  read(r) {
    const firstNodeId = sciddirOrPubkey.read(r);
    const firstPathKey = point.read(r);
    const n = r.u8();
    if (n === 0) throw new DecodeError('InvalidValue', 'blinded path without hops');
    const hops: BlindedHop[] = [];
    for (let i = 0; i < n; i++) hops.push(blindedHop.read(r));
    return { firstNodeId, firstPathKey, hops };
  },
  write(w, v) {
    if (v.hops.length === 0 || v.hops.length > 255) throw new TypeError('blinded path needs 1..255 hops');
    sciddirOrPubkey.write(w, v.firstNodeId);
    point.write(w, v.firstPathKey);
    w.u8(v.hops.length);
    for (const h of v.hops) blindedHop.write(w, h);
  },
};

/** One node of a blinded path being built. */
export interface BlindedPathNode {
  /** `N_i`, the node's real id. */
  readonly nodeId: Uint8Array;
  /** Its `encrypted_data_tlv`, as a value or as already-encoded bytes. */
  readonly data: EncryptedData | Uint8Array;
  /**
   * The secret `e_{i+1}` to continue with instead of the derived one (BOLT 4: "MAY replace
   * E_{i+1}"). When `data` is a value, its `nextPathKeyOverride` is set to `e_{i+1}·G`.
   */
  readonly nextPathKeySecret?: Uint8Array;
}

/** A built path with the secrets the creator may keep. */
export interface CreatedBlindedPath {
  readonly path: BlindedPath;
  /** `E_i` of each hop. */
  readonly pathKeys: Uint8Array[];
  /** `ss_i` of each hop. */
  readonly sharedSecrets: Uint8Array[];
}

/**
 * Creates a blinded path to the last node (BOLT 4 §"Route Blinding" › Requirements, writer):
 * `E_i = e_i·G`, `ss_i = SHA256(e_i·N_i)`, `B_i = HMAC("blinded_node_id", ss_i)·N_i`,
 * `encrypted_recipient_data_i = ChaCha20-Poly1305(rho_i, nonce 0, ad "", data_i)` and
 * `e_{i+1} = SHA256(E_i || ss_i)·e_i` unless overridden.
 * Vectors: bolt04 `route_blinding.generate`, `onion_message.generate`.
 * @throws {InvalidRoute} with no nodes; {@link CryptoError} on bad keys.
 * @example
 * const { path } = createBlindedPath(crypto, randomSecret, [
 *   { nodeId: introNode, data: { shortChannelId: scid, paymentRelay, paymentConstraints } },
 *   { nodeId: ourNodeId, data: { pathId: secretForThisInvoice } },
 * ]);
 */
export function createBlindedPath(
  c: CryptoBackend,
  sessionKey: Uint8Array,
  nodes: readonly BlindedPathNode[],
): CreatedBlindedPath {
  if (nodes.length === 0) throw new InvalidRoute('a blinded path needs at least one node');
  let e = sessionKey;
  const hops: BlindedHop[] = [];
  const pathKeys: Uint8Array[] = [];
  const sharedSecrets: Uint8Array[] = [];
  for (const n of nodes) {
    const E = c.publicKey(e);
    const ss = c.ecdh(e, n.nodeId);
    let plain: Uint8Array;
    if (n.data instanceof Uint8Array) plain = n.data;
    else {
      const d = n.nextPathKeySecret ? { ...n.data, nextPathKeyOverride: c.publicKey(n.nextPathKeySecret) } : n.data;
      plain = encodeEncryptedData(d);
    }
    hops.push({
      blindedNodeId: c.pointMultiply(n.nodeId, onionKey(c, 'blinded_node_id', ss)),
      encryptedRecipientData: c.aeadSeal(onionKey(c, 'rho', ss), ZERO_NONCE, new Uint8Array(0), plain),
    });
    pathKeys.push(E);
    sharedSecrets.push(ss);
    e = n.nextPathKeySecret ?? c.secretMultiply(e, c.sha256(concat(E, ss)));
  }
  return {
    path: { firstNodeId: { kind: 'pubkey', nodeId: nodes[0]!.nodeId }, firstPathKey: pathKeys[0]!, hops },
    pathKeys,
    sharedSecrets,
  };
}

/** `E_{i+1} = SHA256(E_i || ss_i) · E_i`: the path key the next hop gets when not overridden. */
export function deriveNextPathKey(c: CryptoBackend, pathKey: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  return c.pointMultiply(pathKey, c.sha256(concat(pathKey, sharedSecret)));
}

/**
 * `b_i = HMAC("blinded_node_id", ss_i) · k_i`: the private key of our blinded node id, which a
 * blinded onion layer is encrypted to (BOLT 4 §"Onion Decryption": "tweak its own node_privkey").
 */
export function blindedNodeSecret(c: CryptoBackend, nodeSecret: Uint8Array, pathKey: Uint8Array): Uint8Array {
  const ss = c.ecdh(nodeSecret, pathKey);
  return c.secretMultiply(nodeSecret, onionKey(c, 'blinded_node_id', ss));
}

/**
 * The same tweak as {@link blindedNodeSecret}, for a signer that never reveals the node key:
 * an ECDH function over `b_i`, computed as `SHA256((HMAC("blinded_node_id", ss_i) · P) · k_i)`.
 */
export function blindedNodeEcdh(c: CryptoBackend, node: NodeEcdh, pathKey: Uint8Array): (p: Uint8Array) => Uint8Array {
  if (!(typeof node === 'function')) {
    const b = blindedNodeSecret(c, node, pathKey);
    return (p) => c.ecdh(b, p);
  }
  const tweak = onionKey(c, 'blinded_node_id', node(pathKey));
  return (p) => node(c.pointMultiply(p, tweak));
}

/** What a hop learns from its `encrypted_recipient_data`. */
export interface UnblindedData {
  readonly data: EncryptedData;
  /** The raw decrypted TLV bytes. */
  readonly plaintext: Uint8Array;
  /** `ss_i = ECDH(k_i, E_i)`. */
  readonly sharedSecret: Uint8Array;
  /** The path key for the next hop: `next_path_key_override` if present, else derived. */
  readonly nextPathKey: Uint8Array;
}

/**
 * Decrypts and parses this hop's `encrypted_recipient_data` with `rho = HMAC("rho", ECDH(k, E))`
 * (BOLT 4 §"Route Blinding" › Requirements, reader of the encrypted data). A bad tag, a bad TLV
 * stream or an unknown even record is a {@link DecodeError}.
 */
export function decryptRecipientData(
  c: CryptoBackend,
  node: NodeEcdh,
  pathKey: Uint8Array,
  encrypted: Uint8Array,
): UnblindedData | DecodeError {
  let ss: Uint8Array;
  try {
    ss = nodeEcdh(c, node, pathKey);
  } catch {
    return new DecodeError('InvalidValue', 'path key is not a valid point');
  }
  const plaintext = c.aeadOpen(onionKey(c, 'rho', ss), ZERO_NONCE, new Uint8Array(0), encrypted);
  if (plaintext === null) return new DecodeError('InvalidValue', 'encrypted_recipient_data does not decrypt');
  const data = decode(encryptedDataTlvs, plaintext);
  if (data instanceof DecodeError) return data;
  let nextPathKey: Uint8Array;
  if (data.nextPathKeyOverride) nextPathKey = data.nextPathKeyOverride;
  else {
    try {
      nextPathKey = deriveNextPathKey(c, pathKey, ss);
    } catch {
      return new DecodeError('InvalidValue', 'next path key could not be derived');
    }
  }
  return { data, plaintext, sharedSecret: ss, nextPathKey };
}
