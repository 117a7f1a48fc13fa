import type { CryptoBackend } from '../crypto/backend.js';
import type { Transaction } from '../bitcoin/tx.js';
import { CommitmentSecretChain, INITIAL_COMMITMENT_NUMBER } from '../ln/chan_utils/secrets.js';
import type { CommitmentTransaction } from '../ln/chan_utils/commitment.js';
import { signHtlcTxs } from '../ln/chan_utils/htlc_tx.js';
import { derivePrivateKey, deriveRevocationPrivkey } from '../ln/chan_utils/keys.js';
import { signFundingSpend, verifyFundingSpend } from '../ln/chan_utils/signing.js';
import { encodeValue } from '../util/ser/value.js';
import { equalBytes } from '../util/bytes.js';
import { CryptoError } from '../util/errors.js';
import type { ChannelPublicKeys, ChannelSigner, CommitmentSignatures } from './interfaces.js';

/** The secrets of one channel. */
export interface ChannelSecrets {
  readonly fundingKey: Uint8Array;
  readonly revocationBaseKey: Uint8Array;
  readonly paymentKey: Uint8Array;
  readonly delayedPaymentBaseKey: Uint8Array;
  readonly htlcBaseKey: Uint8Array;
  /** Seed of our per-commitment secrets (BOLT 3 shachain). */
  readonly commitmentSeed: Uint8Array;
}

/**
 * A channel signer holding its secrets in memory (LDK's `InMemorySigner`). It signs whatever the
 * channel state machine asks; the state machine is what guarantees a revoked state is never signed.
 */
export class InMemorySigner implements ChannelSigner {
  private readonly pub: ChannelPublicKeys;

  constructor(
    private readonly secrets: ChannelSecrets,
    readonly keysId: Uint8Array,
    private readonly crypto: CryptoBackend,
    readonly channelValueSatoshis = 0n,
  ) {
    this.pub = {
      fundingPubkey: crypto.publicKey(secrets.fundingKey),
      revocationBasepoint: crypto.publicKey(secrets.revocationBaseKey),
      paymentPoint: crypto.publicKey(secrets.paymentKey),
      delayedPaymentBasepoint: crypto.publicKey(secrets.delayedPaymentBaseKey),
      htlcBasepoint: crypto.publicKey(secrets.htlcBaseKey),
    };
  }

  pubkeys(): ChannelPublicKeys {
    return this.pub;
  }

  private secretIndex(n: bigint): bigint {
    if (n < 0n || n > INITIAL_COMMITMENT_NUMBER) throw new RangeError('commitment number out of range');
    return INITIAL_COMMITMENT_NUMBER - n;
  }

  // The channel asks for the same few points repeatedly (point n+1 when signing, then again as
  // point n when the next commitment arrives): keep the last few instead of re-deriving them
  // (shachain up to 48 hashes plus a scalar multiplication each).
  private readonly pointCache = new Map<bigint, Uint8Array>();
  // Adjacent commitments' secrets share most of their shachain hashes (see CommitmentSecretChain).
  private chain: CommitmentSecretChain | undefined;

  private commitmentSecret(n: bigint): Uint8Array {
    this.chain ??= new CommitmentSecretChain(this.secrets.commitmentSeed, this.crypto);
    return this.chain.secret(this.secretIndex(n));
  }

  getPerCommitmentPoint(n: bigint): Uint8Array {
    const hit = this.pointCache.get(n);
    if (hit) return hit;
    const p = this.crypto.publicKey(this.commitmentSecret(n));
    this.pointCache.set(n, p);
    if (this.pointCache.size > 8) this.pointCache.delete(this.pointCache.keys().next().value!);
    return p;
  }

  releaseCommitmentSecret(n: bigint): Uint8Array {
    return this.commitmentSecret(n);
  }

  signCounterpartyCommitment(c: CommitmentTransaction, perCommitmentPoint: Uint8Array): CommitmentSignatures {
    const p = c.params;
    const signature = signFundingSpend(c.tx, c.fundingScript, p.fundingSatoshis, this.secrets.fundingKey, this.crypto);
    if (c.htlcOutputs.length === 0) return { signature, htlcSignatures: [] };
    // Their commitment's HTLC outputs pay to their per-commitment keys; our HTLC key for it is
    // derived from *their* per-commitment point (the countersignatory's htlc key).
    const ourHtlcSecret = derivePrivateKey(this.secrets.htlcBaseKey, perCommitmentPoint, this.crypto, this.pub.htlcBasepoint);
    if (!equalBytes(this.crypto.publicKey(ourHtlcSecret), p.keys.countersignatoryHtlcPubkey)) {
      throw new CryptoError('commitment was built with another per-commitment point than the one given');
    }
    const htlcSignatures = signHtlcTxs(c, ourHtlcSecret, 'countersignatory', this.crypto);
    return { signature, htlcSignatures };
  }

  validateHolderCommitment(c: CommitmentTransaction, counterpartySig: Uint8Array, counterpartyFundingPubkey: Uint8Array): boolean {
    return verifyFundingSpend(c.tx, c.fundingScript, c.params.fundingSatoshis, counterpartySig, counterpartyFundingPubkey, this.crypto);
  }

  signHolderCommitment(c: CommitmentTransaction): Uint8Array {
    return signFundingSpend(c.tx, c.fundingScript, c.params.fundingSatoshis, this.secrets.fundingKey, this.crypto);
  }

  signClosingTransaction(tx: Transaction, fundingScript: Uint8Array, fundingSatoshis: bigint): Uint8Array {
    return signFundingSpend(tx, fundingScript, fundingSatoshis, this.secrets.fundingKey, this.crypto);
  }

  signWithFundingKey(digest32: Uint8Array): Uint8Array {
    return this.crypto.signEcdsa(digest32, this.secrets.fundingKey);
  }

  htlcSecretFor(perCommitmentPoint: Uint8Array): Uint8Array {
    return derivePrivateKey(this.secrets.htlcBaseKey, perCommitmentPoint, this.crypto, this.pub.htlcBasepoint);
  }

  delayedPaymentSecretFor(perCommitmentPoint: Uint8Array): Uint8Array {
    return derivePrivateKey(this.secrets.delayedPaymentBaseKey, perCommitmentPoint, this.crypto, this.pub.delayedPaymentBasepoint);
  }

  revocationSecretFor(theirPerCommitmentSecret: Uint8Array): Uint8Array {
    return deriveRevocationPrivkey(this.secrets.revocationBaseKey, theirPerCommitmentSecret, this.crypto);
  }

  paymentSecret(): Uint8Array {
    return this.secrets.paymentKey;
  }

  /** Only the keys id and channel value: every secret is re-derived from the seed (`KeysManager`). */
  write(): Uint8Array {
    return encodeValue({ v: 1, keysId: this.keysId, channelValueSatoshis: this.channelValueSatoshis });
  }
}
