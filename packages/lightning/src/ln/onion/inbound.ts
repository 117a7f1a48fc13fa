/**
 * What a node does with the onion of an incoming `update_add_htlc` (BOLT 2 §"Adding an HTLC",
 * BOLT 4 §"Onion Decryption", §"payload format", §"Route Blinding", §"Failure Messages"): peel
 * it (with the blinding tweak when the HTLC carries a path key), decode and check the payload,
 * unblind the recipient data, and say what to do next — forward, receive, or which failure to
 * return and in which message. LDK's equivalent is `onion_payment::peel_payment_onion`.
 * Checks that need channel state (fees, our CLTV delta, the next channel) are the caller's.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import { DecodeError } from '../../util/errors.js';
import { ByteReader } from '../../util/ser/reader.js';
import { blindedNodeEcdh } from './blinded_path.js';
import { type BlindedForward, type BlindedReceive, processBlindedHop } from './blinded_payment.js';
import type { FailureMessage } from './failure.js';
import { BADONION, PERM } from './failure_codes.js';
import { classifyHopPayload, decodeHopPayload, type ForwardHop, hopPayloadTlvs, type ReceiveHop } from './payload.js';
import { type NodeEcdh, peelOnionPacket } from './peel.js';

/** `invalid_onion_blinding` (BADONION|PERM|24). */
export const INVALID_ONION_BLINDING = BADONION | PERM | 24;

/** The HTLC as received in `update_add_htlc`. */
export interface IncomingHtlcOnion {
  /** `onion_routing_packet` (1366 bytes). */
  readonly onion: Uint8Array;
  /** `payment_hash`: the onion's associated data. */
  readonly paymentHash: Uint8Array;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  /** The `path_key` (blinding point) TLV of `update_add_htlc`, set inside a blinded path. */
  readonly pathKey?: Uint8Array;
}

/** Forward the HTLC: an ordinary hop, or a blinded one (amounts from the recipient's data). */
export type InboundForward = {
  readonly kind: 'forward';
  readonly sharedSecret: Uint8Array;
  /** The onion for the next hop. */
  readonly nextPacket: Uint8Array;
} & (
  | { readonly blinded: false; readonly hop: ForwardHop }
  | { readonly blinded: true; readonly hop: BlindedForward; readonly introductionNode: boolean }
);
/** We are the recipient. */
export type InboundReceive = {
  readonly kind: 'receive';
  readonly sharedSecret: Uint8Array;
} & (
  | { readonly blinded: false; readonly hop: ReceiveHop }
  | { readonly blinded: true; readonly hop: BlindedReceive; readonly introductionNode: boolean }
);
/** Fail with `update_fail_htlc`: wrap `failure` under `sharedSecret` (`buildFailurePacket`). */
export interface InboundFail {
  readonly kind: 'fail';
  readonly sharedSecret: Uint8Array;
  readonly failure: FailureMessage;
  readonly reason: string;
}
/** Fail with `update_fail_malformed_htlc` (no shared secret can be trusted, or inside a blinded path). */
export interface InboundMalformed {
  readonly kind: 'malformed';
  readonly failureCode: number;
  readonly sha256OfOnion: Uint8Array;
  readonly reason: string;
}
/** Every outcome of {@link decodeIncomingHtlcOnion}. */
export type InboundOnion = InboundForward | InboundReceive | InboundFail | InboundMalformed;

/**
 * The TLV record (type and offset in the payload) where a payload stops decoding, for
 * `invalid_onion_payload`'s data; `{0, 0}` when the stream itself is malformed there.
 */
export function locateInvalidTlv(payload: Uint8Array): { type: bigint; offset: number } {
  const r = new ByteReader(payload);
  const known = new Map(Object.values(hopPayloadTlvs.fields).map((f) => [f.type, f.coder] as const));
  let last = -1n;
  while (!r.isEnd()) {
    const offset = r.offset;
    try {
      const type = r.bigSize();
      if (type <= last) return { type, offset };
      last = type;
      const len = r.bigSize();
      if (len > BigInt(r.remaining)) return { type, offset };
      const value = r.bytes(Number(len));
      const coder = known.get(type);
      if (!coder && type % 2n === 0n) return { type, offset };
      if (coder) {
        const sub = new ByteReader(value);
        coder.read(sub);
        if (!sub.isEnd()) return { type, offset };
      }
    } catch {
      return { type: last < 0n ? 0n : last, offset };
    }
  }
  return { type: 0n, offset: 0 };
}

/**
 * Decodes the onion of an incoming HTLC and applies the rules that need no channel state. Errors
 * follow BOLT 4 §"Failure Messages" › Requirements: a bad onion outside a blinded path is
 * `update_fail_malformed_htlc` with the BADONION code; a bad payload is `invalid_onion_payload`;
 * inside a blinded path every error is `invalid_onion_blinding` — in `update_fail_htlc` at the
 * introduction node, in `update_fail_malformed_htlc` after it (BOLT 2). At the final hop an HTLC
 * below `amt_to_forward` or `outgoing_cltv_value` is `final_incorrect_htlc_amount` /
 * `final_incorrect_cltv_expiry`.
 * @example
 * const r = decodeIncomingHtlcOnion(crypto, nodeSecret, { onion, paymentHash, amountMsat, cltvExpiry, pathKey });
 * if (r.kind === 'fail') sendFail(buildFailurePacket(crypto, r.sharedSecret, r.failure));
 * else if (r.kind === 'malformed') sendMalformed(r.failureCode, r.sha256OfOnion);
 */
export function decodeIncomingHtlcOnion(c: CryptoBackend, node: NodeEcdh, htlc: IncomingHtlcOnion): InboundOnion {
  const blindedHtlc = htlc.pathKey !== undefined;
  const sha = () => c.sha256(htlc.onion);
  const blindingMalformed = (reason: string): InboundMalformed => ({
    kind: 'malformed',
    failureCode: INVALID_ONION_BLINDING,
    sha256OfOnion: sha(),
    reason,
  });
  let key: NodeEcdh = node;
  if (htlc.pathKey) {
    if (!c.isValidPublicKey(htlc.pathKey)) return blindingMalformed('path_key is not a point');
    try {
      key = blindedNodeEcdh(c, node, htlc.pathKey);
    } catch {
      return blindingMalformed('path_key tweak failed');
    }
  }
  const peeled = peelOnionPacket(c, htlc.onion, key, htlc.paymentHash);
  if (peeled.kind === 'malformed') {
    return blindedHtlc ? blindingMalformed(peeled.reason) : { ...peeled, kind: 'malformed' };
  }
  const ss = peeled.sharedSecret;
  const fail = (failure: FailureMessage, reason: string): InboundFail => ({ kind: 'fail', sharedSecret: ss, failure, reason });
  const badPayload = (type: bigint, offset: number, reason: string): InboundOnion =>
    blindedHtlc ? blindingMalformed(reason) : fail({ kind: 'invalid_onion_payload', type, offset }, reason);
  if (peeled.kind === 'bad-payload') return badPayload(0n, 0, peeled.reason);

  const decoded = decodeHopPayload(peeled.payload);
  if (decoded instanceof DecodeError) {
    const at = locateInvalidTlv(peeled.payload);
    return badPayload(at.type, at.offset, decoded.message);
  }
  const isFinal = peeled.kind === 'final';
  const instr = classifyHopPayload(decoded, isFinal, htlc.pathKey);
  switch (instr.kind) {
    case 'invalid':
      if (instr.blinded && !blindedHtlc) {
        // The introduction node reports blinded-path errors itself, in update_fail_htlc.
        return fail({ kind: 'invalid_onion_blinding', sha256OfOnion: sha() }, instr.reason);
      }
      return badPayload(instr.tlvType, 0, instr.reason);
    case 'forward':
      if (peeled.kind !== 'forward') return badPayload(0n, 0, 'forward instruction at the final hop');
      return { kind: 'forward', sharedSecret: ss, nextPacket: peeled.nextPacket, blinded: false, hop: instr };
    case 'receive':
      if (htlc.amountMsat < instr.amtToForward) {
        return fail({ kind: 'final_incorrect_htlc_amount', incomingHtlcAmt: htlc.amountMsat }, 'HTLC below amt_to_forward');
      }
      if (htlc.cltvExpiry < instr.outgoingCltvValue) {
        return fail({ kind: 'final_incorrect_cltv_expiry', cltvExpiry: htlc.cltvExpiry }, 'HTLC expiry below outgoing_cltv_value');
      }
      return { kind: 'receive', sharedSecret: ss, blinded: false, hop: instr };
    case 'blinded-forward':
    case 'blinded-receive': {
      const out = processBlindedHop(c, node, instr, htlc);
      const blindingFail = (reason: string): InboundOnion =>
        instr.introductionNode ? fail({ kind: 'invalid_onion_blinding', sha256OfOnion: sha() }, reason) : blindingMalformed(reason);
      if (out.kind === 'fail') return blindingFail(out.reason);
      if (out.kind === 'forward') {
        if (peeled.kind !== 'forward') return blindingFail('blinded forward at the final hop');
        return { kind: 'forward', sharedSecret: ss, nextPacket: peeled.nextPacket, blinded: true, hop: out, introductionNode: instr.introductionNode };
      }
      if (htlc.amountMsat < out.amtToForward || htlc.cltvExpiry < out.outgoingCltvValue) {
        // A recipient that was also the introduction node got no path_key in update_add_htlc
        // and is the final node, so the ordinary final-node codes apply (BOLT 4 §"Failure Messages").
        if (instr.introductionNode) {
          return htlc.amountMsat < out.amtToForward
            ? fail({ kind: 'final_incorrect_htlc_amount', incomingHtlcAmt: htlc.amountMsat }, 'HTLC below amt_to_forward')
            : fail({ kind: 'final_incorrect_cltv_expiry', cltvExpiry: htlc.cltvExpiry }, 'HTLC expiry below outgoing_cltv_value');
        }
        return blindingMalformed('HTLC below the blinded recipient payload');
      }
      return { kind: 'receive', sharedSecret: ss, blinded: true, hop: out, introductionNode: instr.introductionNode };
    }
  }
}
