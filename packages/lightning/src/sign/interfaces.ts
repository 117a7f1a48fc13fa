/**
 * The key seams (LDK's `sign` module; the seed design's `KeysInterface`): the node key, per-channel
 * signers, scripts for our funds, and randomness. Implementers keep secrets; lnts asks for
 * signatures and public data only.
 * @module
 */
import type { Transaction } from '../bitcoin/tx.js';
import type { CommitmentTransaction } from '../ln/chan_utils/commitment.js';
import type { DecodeError } from '../util/errors.js';

/** A channel party's five public keys (BOLT 2 `open_channel`/`accept_channel`). */
export interface ChannelPublicKeys {
  readonly fundingPubkey: Uint8Array;
  readonly revocationBasepoint: Uint8Array;
  /** `payment_basepoint`; with `option_static_remotekey` also the key of our `to_remote` output. */
  readonly paymentPoint: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
}

/** Signatures for a counterparty commitment: the commitment's, and one per untrimmed HTLC in output order. */
export interface CommitmentSignatures {
  readonly signature: Uint8Array;
  readonly htlcSignatures: Uint8Array[];
}

/**
 * Signs for one channel (LDK's `ChannelSigner` + `EcdsaChannelSigner`). Commitment numbers are
 * BOLT 3's, counting up from 0; the per-commitment secret index is `2^48 - 1 - n`.
 */
export interface ChannelSigner {
  /** Identifies the key material; `KeysInterface.deriveChannelSigner` recreates the signer from it. */
  readonly keysId: Uint8Array;
  /** Our public keys for this channel. */
  pubkeys(): ChannelPublicKeys;
  /** Our per-commitment point for our commitment number `n`. */
  getPerCommitmentPoint(n: bigint): Uint8Array;
  /** Reveals our per-commitment secret for commitment `n`, revoking it (BOLT 2 `revoke_and_ack`). */
  releaseCommitmentSecret(n: bigint): Uint8Array;
  /**
   * Signs the counterparty's commitment and its HTLC transactions (BOLT 2 `commitment_signed`);
   * `perCommitmentPoint` is theirs for that commitment (our HTLC key on it derives from it).
   */
  signCounterpartyCommitment(c: CommitmentTransaction, perCommitmentPoint: Uint8Array): CommitmentSignatures;
  /**
   * Checks the counterparty's signature of our commitment before we accept it (LDK's
   * `validate_holder_commitment`): a signer that refuses stops the channel from moving on.
   */
  validateHolderCommitment(c: CommitmentTransaction, counterpartySig: Uint8Array, counterpartyFundingPubkey: Uint8Array): boolean;
  /** Our signature of our own commitment, for broadcasting it (force close, BOLT 5). */
  signHolderCommitment(c: CommitmentTransaction): Uint8Array;
  /** Signs a transaction spending the funding output (cooperative close, BOLT 3 §"Closing Transaction"). */
  signClosingTransaction(tx: Transaction, fundingScript: Uint8Array, fundingSatoshis: bigint): Uint8Array;
  /** Signs a 32-byte digest with the funding key (`channel_announcement.bitcoin_signature`, BOLT 7). */
  signWithFundingKey(digest32: Uint8Array): Uint8Array;
  /** The secret behind our HTLC basepoint for commitment `n` (claiming HTLC outputs on chain, BOLT 5). */
  htlcSecretFor(perCommitmentPoint: Uint8Array): Uint8Array;
  /** The secret of our delayed payment key for commitment `n` (sweeping `to_local` after the delay). */
  delayedPaymentSecretFor(perCommitmentPoint: Uint8Array): Uint8Array;
  /** The revocation private key for a counterparty commitment whose secret they revealed (justice, BOLT 5). */
  revocationSecretFor(theirPerCommitmentSecret: Uint8Array): Uint8Array;
  /** The secret of our static_remotekey `to_remote` output. */
  paymentSecret(): Uint8Array;
  /** The signer's persistent state: `KeysInterface.readChanSigner` recreates the signer from it. */
  write(): Uint8Array;
}

/**
 * Everything lnts needs of the user's keys (the seed design's `KeysInterface`; LDK later split it
 * into `EntropySource`, `NodeSigner` and `SignerProvider`). Every method MUST return the same value
 * for the same input across restarts, except `getSecureRandomBytes`.
 */
export interface KeysInterface {
  /** Our node secret (BOLT 8 static key). */
  getNodeSecret(): Uint8Array;
  /** Our node id (compressed public key of the node secret). */
  getNodeId(): Uint8Array;
  /** Signs a 32-byte digest with the node key (gossip and `announcement_signatures`, BOLT 7). */
  signWithNodeKey(digest32: Uint8Array): Uint8Array;
  /** Signs an invoice digest with the node key, returning the recovery id (BOLT 11). */
  signInvoiceDigest(digest32: Uint8Array): { sig: Uint8Array; recid: number };
  /** Where our funds go when a channel closes and we claim on chain (a scriptPubKey). */
  getDestinationScript(): Uint8Array;
  /** Our `shutdown` scriptPubKey (BOLT 2; used for `upfront_shutdown_script` too). */
  getShutdownScriptpubkey(): Uint8Array;
  /** A fresh identifier of a new channel's key material. */
  generateChannelKeysId(inbound: boolean, channelValueSatoshis: bigint, userChannelId: bigint): Uint8Array;
  /** The signer for a channel, recreated from its keys id. */
  deriveChannelSigner(channelValueSatoshis: bigint, keysId: Uint8Array): ChannelSigner;
  /** Recreates a signer from `ChannelSigner.write()` output. */
  readChanSigner(bytes: Uint8Array): ChannelSigner | DecodeError;
  /** 32 unpredictable bytes (temporary channel ids, onion session keys, ...). */
  getSecureRandomBytes(): Uint8Array;
  /** 32 stable secret bytes that key stateless inbound payments (LDK's `get_inbound_payment_key_material`). */
  getInboundPaymentKeyMaterial(): Uint8Array;
}
