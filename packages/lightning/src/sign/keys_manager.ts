import type { CryptoBackend } from '../crypto/backend.js';
import { p2wpkhForPubkey } from '../bitcoin/outputs.js';
import { utf8 } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { decodeValue } from '../util/ser/value.js';
import { ByteWriter } from '../util/ser/writer.js';
import { InMemorySigner } from './in_memory_signer.js';
import type { ChannelSigner, KeysInterface } from './interfaces.js';

/**
 * Derives every key from one 32-byte seed (LDK's `KeysManager`). The node secret, destination and
 * shutdown keys depend on the seed only, so the same seed is always the same node; channel keys
 * ids mix in `startingTime` and a counter so a restarted node never reuses a channel's keys, and
 * channel secrets are re-derived from the keys id, which is all a channel needs to store.
 *
 * Derivation (lnts-specific, not LDK's BIP 32 layout): `k(label) = HMAC-SHA256(seed, label)`,
 * retried with a counter suffix in the negligible case it is not a valid secret key.
 */
export class KeysManager implements KeysInterface {
  private readonly nodeSecret: Uint8Array;
  private readonly nodeId: Uint8Array;
  private readonly destinationScript: Uint8Array;
  private readonly shutdownScript: Uint8Array;
  private readonly channelMaster: Uint8Array;
  private readonly randSeed: Uint8Array;
  private channelCounter = 0n;
  private randCounter = 0n;

  constructor(
    private readonly seed: Uint8Array,
    private readonly startingTimeSecs: number,
    private readonly startingTimeNanos: number,
    private readonly crypto: CryptoBackend,
  ) {
    if (seed.length !== 32) throw new TypeError('seed must be 32 bytes');
    this.nodeSecret = this.key('lnts/node');
    this.nodeId = crypto.publicKey(this.nodeSecret);
    this.destinationScript = p2wpkhForPubkey(crypto.publicKey(this.key('lnts/destination')), crypto);
    this.shutdownScript = p2wpkhForPubkey(crypto.publicKey(this.key('lnts/shutdown')), crypto);
    this.channelMaster = this.key('lnts/channels');
    const w = new ByteWriter(48).bytes(this.key('lnts/random')).u64(BigInt(startingTimeSecs)).u32(startingTimeNanos);
    this.randSeed = crypto.sha256(w.finish());
  }

  private key(label: string, base: Uint8Array = this.seed): Uint8Array {
    for (let i = 0; ; i++) {
      const k = this.crypto.hmacSha256(base, utf8(i === 0 ? label : `${label}/${i}`));
      if (this.crypto.isValidSecretKey(k)) return k;
    }
  }

  getNodeSecret(): Uint8Array {
    return this.nodeSecret;
  }
  getNodeId(): Uint8Array {
    return this.nodeId;
  }
  signWithNodeKey(digest32: Uint8Array): Uint8Array {
    return this.crypto.signEcdsa(digest32, this.nodeSecret);
  }
  signInvoiceDigest(digest32: Uint8Array): { sig: Uint8Array; recid: number } {
    return this.crypto.signEcdsaRecoverable(digest32, this.nodeSecret);
  }
  getDestinationScript(): Uint8Array {
    return this.destinationScript;
  }
  getShutdownScriptpubkey(): Uint8Array {
    return this.shutdownScript;
  }

  generateChannelKeysId(inbound: boolean, channelValueSatoshis: bigint, userChannelId: bigint): Uint8Array {
    const w = new ByteWriter(64)
      .u64(BigInt(this.startingTimeSecs))
      .u32(this.startingTimeNanos)
      .u64(this.channelCounter++)
      .u8(inbound ? 1 : 0)
      .u64(channelValueSatoshis)
      .bytes(u128(userChannelId));
    return this.crypto.hmacSha256(this.channelMaster, w.finish());
  }

  readChanSigner(bytes: Uint8Array): ChannelSigner | DecodeError {
    const v = decodeValue(bytes);
    if (v instanceof DecodeError) return v;
    const o = v as { v?: unknown; keysId?: unknown; channelValueSatoshis?: unknown };
    if (o.v !== 1 || !(o.keysId instanceof Uint8Array) || o.keysId.length !== 32 || typeof o.channelValueSatoshis !== 'bigint') {
      return new DecodeError('InvalidValue', 'not a serialized InMemorySigner');
    }
    return this.deriveChannelSigner(o.channelValueSatoshis, o.keysId);
  }

  deriveChannelSigner(channelValueSatoshis: bigint, keysId: Uint8Array): ChannelSigner {
    const base = this.crypto.hmacSha256(this.channelMaster, keysId);
    return new InMemorySigner(
      {
        fundingKey: this.key('funding', base),
        revocationBaseKey: this.key('revocation', base),
        paymentKey: this.key('payment', base),
        delayedPaymentBaseKey: this.key('delayed', base),
        htlcBaseKey: this.key('htlc', base),
        commitmentSeed: this.crypto.hmacSha256(base, utf8('commitment seed')),
      },
      keysId,
      this.crypto,
      channelValueSatoshis,
    );
  }

  getInboundPaymentKeyMaterial(): Uint8Array {
    return this.key('lnts/inbound-payments');
  }

  getSecureRandomBytes(): Uint8Array {
    const w = new ByteWriter(40).bytes(this.randSeed).u64(this.randCounter++);
    return this.crypto.sha256(w.finish());
  }
}

function u128(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  let x = BigInt.asUintN(128, v);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
