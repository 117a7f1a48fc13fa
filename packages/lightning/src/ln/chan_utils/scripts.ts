/**
 * The witness scripts of BOLT 3 §"Transactions": funding 2-of-2, `to_local`, `to_remote`
 * (anchors variant), anchors, offered and received HTLCs, and the HTLC-transaction output.
 * Vectors: BOLT 3 Appendix C and F (every script appears there), in `test/ln/chan_utils/`.
 * @module
 */
import { OP } from '../../bitcoin/opcodes.js';
import { ScriptBuilder } from '../../bitcoin/script.js';
import { ripemd160 } from '../../bitcoin/hashes.js';
import { compareBytes } from '../../util/bytes.js';

/**
 * `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG` with the keys in lexicographic order
 * (BOLT 3 §"Funding Transaction Output").
 */
export function fundingScript(pubkeyA: Uint8Array, pubkeyB: Uint8Array): Uint8Array {
  const [k1, k2] = compareBytes(pubkeyA, pubkeyB) <= 0 ? [pubkeyA, pubkeyB] : [pubkeyB, pubkeyA];
  return new ScriptBuilder(71).op(OP.OP_2).push(k1).push(k2).op(OP.OP_2, OP.OP_CHECKMULTISIG).build();
}

/**
 * The `to_local` witness script, also the output of HTLC-timeout/success transactions
 * (BOLT 3 §"`to_local` Output"): the revocation key spends at once, the broadcaster's delayed key
 * after `to_self_delay` blocks.
 */
export function toLocalScript(revocationPubkey: Uint8Array, toSelfDelay: number, broadcasterDelayedPubkey: Uint8Array): Uint8Array {
  return new ScriptBuilder(84)
    .op(OP.OP_IF)
    .push(revocationPubkey)
    .op(OP.OP_ELSE)
    .num(toSelfDelay)
    .op(OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP)
    .push(broadcasterDelayedPubkey)
    .op(OP.OP_ENDIF, OP.OP_CHECKSIG)
    .build();
}

/**
 * `<remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY`: the `to_remote` witness script with
 * `option_anchors` (BOLT 3 §"`to_remote` Output"); without anchors `to_remote` is P2WPKH.
 */
export function toRemoteAnchorsScript(remotePubkey: Uint8Array): Uint8Array {
  return new ScriptBuilder(37).push(remotePubkey).op(OP.OP_CHECKSIGVERIFY, OP.OP_1, OP.OP_CHECKSEQUENCEVERIFY).build();
}

/**
 * `<funding_pubkey> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16 OP_CHECKSEQUENCEVERIFY OP_ENDIF`
 * (BOLT 3 §"`to_local_anchor` and `to_remote_anchor` Output"): spendable by its owner at once,
 * by anyone after 16 blocks.
 */
export function anchorScript(fundingPubkey: Uint8Array): Uint8Array {
  return new ScriptBuilder(40)
    .push(fundingPubkey)
    .op(OP.OP_CHECKSIG, OP.OP_IFDUP, OP.OP_NOTIF, OP.OP_16, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_ENDIF)
    .build();
}

/** The keys an HTLC script names; `revocationPubkeyHash` is `HASH160(revocationpubkey)`, shared by every HTLC of a commitment. */
export interface HtlcScriptKeys {
  readonly revocationPubkeyHash: Uint8Array;
  readonly broadcasterHtlcPubkey: Uint8Array;
  readonly countersignatoryHtlcPubkey: Uint8Array;
}

/**
 * The offered-HTLC witness script (BOLT 3 §"Offered HTLC Outputs"): revocation key; the
 * countersignatory with the preimage; or both HTLC keys through the broadcaster's HTLC-timeout
 * transaction. `anchors` adds `1 OP_CHECKSEQUENCEVERIFY OP_DROP` so the countersignatory's
 * spends wait one block (CPFP carve-out).
 */
export function offeredHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, anchors: boolean): Uint8Array {
  return offeredHtlcScriptFromRipemd(keys, ripemd160(paymentHash), anchors);
}

/**
 * {@link offeredHtlcScript} from `RIPEMD160(payment_hash)`, the only form of the hash the script
 * holds (what a monitor keeps to rebuild a revoked commitment's HTLC outputs).
 */
export function offeredHtlcScriptFromRipemd(keys: HtlcScriptKeys, paymentHashRipemd: Uint8Array, anchors: boolean): Uint8Array {
  const b = new ScriptBuilder(140)
    .op(OP.OP_DUP, OP.OP_HASH160)
    .push(keys.revocationPubkeyHash)
    .op(OP.OP_EQUAL, OP.OP_IF, OP.OP_CHECKSIG, OP.OP_ELSE)
    .push(keys.countersignatoryHtlcPubkey)
    .op(OP.OP_SWAP, OP.OP_SIZE)
    .num(32)
    .op(OP.OP_EQUAL, OP.OP_NOTIF, OP.OP_DROP, OP.OP_2, OP.OP_SWAP)
    .push(keys.broadcasterHtlcPubkey)
    .op(OP.OP_2, OP.OP_CHECKMULTISIG, OP.OP_ELSE, OP.OP_HASH160)
    .push(paymentHashRipemd)
    .op(OP.OP_EQUALVERIFY, OP.OP_CHECKSIG, OP.OP_ENDIF);
  if (anchors) b.op(OP.OP_1, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP);
  return b.op(OP.OP_ENDIF).build();
}

/**
 * The received-HTLC witness script (BOLT 3 §"Received HTLC Outputs"): revocation key; both HTLC
 * keys plus the preimage through the broadcaster's HTLC-success transaction; or the
 * countersignatory after `cltv_expiry`. `anchors` as in {@link offeredHtlcScript}.
 */
export function receivedHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, cltvExpiry: number, anchors: boolean): Uint8Array {
  return receivedHtlcScriptFromRipemd(keys, ripemd160(paymentHash), cltvExpiry, anchors);
}

/** {@link receivedHtlcScript} from `RIPEMD160(payment_hash)` (see {@link offeredHtlcScriptFromRipemd}). */
export function receivedHtlcScriptFromRipemd(keys: HtlcScriptKeys, paymentHashRipemd: Uint8Array, cltvExpiry: number, anchors: boolean): Uint8Array {
  const b = new ScriptBuilder(146)
    .op(OP.OP_DUP, OP.OP_HASH160)
    .push(keys.revocationPubkeyHash)
    .op(OP.OP_EQUAL, OP.OP_IF, OP.OP_CHECKSIG, OP.OP_ELSE)
    .push(keys.countersignatoryHtlcPubkey)
    .op(OP.OP_SWAP, OP.OP_SIZE)
    .num(32)
    .op(OP.OP_EQUAL, OP.OP_IF, OP.OP_HASH160)
    .push(paymentHashRipemd)
    .op(OP.OP_EQUALVERIFY, OP.OP_2, OP.OP_SWAP)
    .push(keys.broadcasterHtlcPubkey)
    .op(OP.OP_2, OP.OP_CHECKMULTISIG, OP.OP_ELSE, OP.OP_DROP)
    .num(cltvExpiry)
    .op(OP.OP_CHECKLOCKTIMEVERIFY, OP.OP_DROP, OP.OP_CHECKSIG, OP.OP_ENDIF);
  if (anchors) b.op(OP.OP_1, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP);
  return b.op(OP.OP_ENDIF).build();
}
