/**
 * Payments across channels (LDK's `ChannelManager` payment half): sending over a route with a
 * BOLT 4 onion, receiving and claiming, forwarding with our fee and CLTV policy, and carrying
 * preimages and failures back along the path. Channels are reached through {@link PaymentHost};
 * this file holds only the bookkeeping that links HTLCs across channels.
 * @module
 */
import type { CryptoBackend } from '../../crypto/backend.js';
import type { ChannelConfig } from '../../util/config.js';
import type { Event, PaidPathHop, PaymentPurpose } from '../../util/events.js';
import { APIMisuseError, InvalidRoute } from '../../util/errors.js';
import { equalBytes } from '../../util/bytes.js';
import { toHex } from '../../util/hex.js';
import type { ChannelInput } from '../channel/state.js';
import type { ChannelUpdate } from '../channel/htlc/spec.js';
import type { UpdateAddHtlc } from '../msgs/bolt02.js';
import { analyseFailure, type FailureAnalysis } from '../../routing/network_update.js';
import type { RouteParameters } from '../../routing/params.js';
import { encodeFailureMessage, failureCode, isPermanentFailure, type FailureMessage } from '../onion/failure.js';
import { buildFailurePacket, decodeFailurePacket, failurePacketFromMalformed, obfuscateFailurePacket } from '../onion/failure_packet.js';
import { decodeIncomingHtlcOnion } from '../onion/inbound.js';
import { buildPaymentOnion, type PaymentBlindedTail, type PaymentRouteHop, type RecipientFields } from '../onion/outbound.js';

/** What the payment logic needs from the `ChannelManager`. */
export interface PaymentHost {
  readonly crypto: CryptoBackend;
  nodeSecret(): Uint8Array;
  ourNodeId(): Uint8Array;
  bestHeight(): number;
  entropy(): Uint8Array;
  /** The forwarding policy of a channel (its `ChannelConfig`). */
  channelConfig(channelKey: string): ChannelConfig;
  /** Our `channel_update` for a failure over that channel, named `scid` (BOLT 4 UPDATE codes), or empty bytes. */
  channelUpdateFor(channelKey: string, scid: bigint): Uint8Array;
  /** The usable channel with this short channel id (real or either alias), by channel key. */
  channelByScid(scid: bigint): string | undefined;
  /** Runs a channel input; returns the error text if the channel refused it. */
  drive(channelKey: string, input: ChannelInput): string | undefined;
  /** The id the channel gave the last HTLC it offered. */
  lastOfferedHtlcId(channelKey: string): bigint;
  channelId(channelKey: string): Uint8Array;
  pushEvent(e: Event): void;
  /** A new route for `params` over our channels as they are now, or undefined (retries). */
  findRoute(params: RouteParameters): { readonly paths: readonly PaymentPath[] } | undefined;
  /**
   * One of our paths failed: the router learns from it before any retry is routed. True when the
   * failure's `channel_update` was applied, so the blamed channel may be retried under its new policy.
   */
  pathFailed(path: PaymentPath, failure: FailureAnalysis): boolean;
  /** One of our paths succeeded. */
  pathSucceeded(path: PaymentPath): void;
  /** Checks a payment secret against our stateless inbound payments (`ln/inbound_payment.ts`). */
  verifyInbound(paymentHash: Uint8Array, paymentSecret: Uint8Array, totalMsat: bigint): InboundPaymentRecord | undefined;
}

/** A path to pay over (the first hop is one of our channels), possibly ending in a blinded path. */
export interface PaymentPath {
  readonly hops: readonly PaymentRouteHop[];
  readonly blindedTail?: PaymentBlindedTail;
}

interface OutboundPart {
  readonly paymentId: string;
  readonly sharedSecrets: readonly Uint8Array[];
  readonly path: readonly PaymentRouteHop[];
  readonly blindedTail?: PaymentBlindedTail;
  readonly feeMsat: bigint;
}

interface OutboundPayment {
  readonly paymentId: Uint8Array;
  readonly paymentHash: Uint8Array;
  pending: number;
  failed: number;
  succeeded: boolean;
  feesPaidMsat: bigint;
  readonly recipient: RecipientFields;
  /** Retries left and the parameters to find new routes with (LDK's `Retry::Attempts`). */
  retry: { attemptsLeft: number; params: RouteParameters } | undefined;
  /** Timer ticks since it was resolved — paid or failed — with no part in flight (see {@link IDEMPOTENCY_TIMEOUT_TICKS}). */
  ticksDone?: number;
}

interface ClaimablePart {
  readonly channelKey: string;
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly sharedSecret: Uint8Array;
}

interface Claimable {
  readonly purpose: PaymentPurpose;
  readonly totalMsat: bigint;
  readonly parts: ClaimablePart[];
  announced: boolean;
  /** Timer ticks since the first part arrived (MPP timeout). */
  ticks: number;
}

/** An incomplete multi-part payment is failed back after this many timer ticks (LDK: 3). */
export const MPP_TIMEOUT_TICKS = 3;
/**
 * Timer ticks a resolved payment (paid, or failed for good) with nothing in flight is remembered,
 * so a duplicate `sendPayment` racing the `PaymentSent` or `PaymentFailed` event is still refused,
 * before it is forgotten (LDK's `IDEMPOTENCY_TIMEOUT_TICKS`). Without it every payment ever sent
 * would stay in memory.
 */
export const IDEMPOTENCY_TIMEOUT_TICKS = 7;
/**
 * Blocks before an incoming HTLC's expiry at which we fail it back rather than risk having to
 * claim it on chain (LDK's HTLC_FAIL_BACK_BUFFER: claim buffer plus latency grace).
 */
export const HTLC_FAIL_BACK_BUFFER = 9;

interface Forward {
  readonly inChannelKey: string;
  readonly inHtlcId: bigint;
  readonly inAmountMsat: bigint;
  readonly outAmountMsat: bigint;
  readonly sharedSecret: Uint8Array;
}

/** A payment we can receive: the secret the payer must show, and the preimage if we hold it. */
export interface InboundPaymentRecord {
  readonly secret: Uint8Array;
  readonly preimage: Uint8Array | undefined;
  readonly amountMsat: bigint | undefined;
  readonly minFinalCltvExpiryDelta: number;
}

/** Our share of the payment flows; one per `ChannelManager`. */
export class Payments {
  private readonly outbound = new Map<string, OutboundPayment>();
  private readonly outboundParts = new Map<string, OutboundPart>();
  private readonly forwards = new Map<string, Forward>();
  private readonly claimable = new Map<string, Claimable>();
  private readonly inbound = new Map<string, InboundPaymentRecord>();
  private pendingAdds: Array<{ channelKey: string; add: UpdateAddHtlc }> = [];

  constructor(private readonly h: PaymentHost) {}

  /** Everything in flight, as plain data for `ChannelManager.write`. */
  snapshot(): unknown {
    return {
      outbound: [...this.outbound.entries()],
      outboundParts: [...this.outboundParts.entries()],
      forwards: [...this.forwards.entries()],
      claimable: [...this.claimable.entries()],
      inbound: [...this.inbound.entries()],
      pendingAdds: this.pendingAdds,
    };
  }

  /** Restores what `snapshot` returned (from our own persisted state). */
  restore(v: unknown): boolean {
    const o = v as Record<string, unknown> | undefined;
    const lists = ['outbound', 'outboundParts', 'forwards', 'claimable', 'inbound', 'pendingAdds'];
    if (!o || typeof o !== 'object' || !lists.every((k) => Array.isArray(o[k]))) return false;
    const fill = <T>(m: Map<string, T>, entries: unknown): void => {
      for (const e of entries as Array<[string, T]>) m.set(e[0], e[1]);
    };
    fill(this.outbound, o.outbound);
    fill(this.outboundParts, o.outboundParts);
    fill(this.forwards, o.forwards);
    fill(this.claimable, o.claimable);
    fill(this.inbound, o.inbound);
    this.pendingAdds = o.pendingAdds as Array<{ channelKey: string; add: UpdateAddHtlc }>;
    return true;
  }

  /** Registers a payment we expect (`createInboundPayment`). */
  registerInbound(paymentHash: Uint8Array, rec: InboundPaymentRecord): void {
    this.inbound.set(toHex(paymentHash), rec);
  }

  /**
   * Sends a payment over `paths` (one per part; multi-part when several, BOLT 4 `total_msat`).
   * Idempotent by `paymentId`: a second call with the same id is refused while the payment is
   * pending, or resolved (paid or failed) no more than {@link IDEMPOTENCY_TIMEOUT_TICKS} timer ticks ago.
   */
  send(
    paymentId: Uint8Array,
    paymentHash: Uint8Array,
    recipient: RecipientFields,
    paths: readonly PaymentPath[],
    retry?: { attempts: number; params: RouteParameters },
  ): void {
    const idKey = toHex(paymentId);
    if (this.outbound.has(idKey)) throw new APIMisuseError('a payment with this id is already pending or done');
    if (paths.length === 0) throw new InvalidRoute('no path to pay over');
    const total = recipient.totalMsat ?? paths.reduce((s, p) => s + (p.hops.at(-1)?.feeMsat ?? 0n), 0n);
    const pay: OutboundPayment = {
      paymentId,
      paymentHash,
      pending: 0,
      failed: 0,
      succeeded: false,
      feesPaidMsat: 0n,
      recipient: { ...recipient, totalMsat: total },
      retry: retry ? { attemptsLeft: retry.attempts, params: retry.params } : undefined,
    };
    this.outbound.set(idKey, pay);
    this.sendParts(pay, paths);
    if (pay.pending === 0) {
      this.h.pushEvent({ kind: 'PaymentFailed', paymentId, paymentHash, reason: 'no path could be sent' });
    }
  }

  private sendParts(pay: OutboundPayment, paths: readonly PaymentPath[]): void {
    const idKey = toHex(pay.paymentId);
    const paymentHash = pay.paymentHash;
    const recipient = pay.recipient;
    const plans = paths.map((p) => {
      if (p.hops.length === 0) throw new InvalidRoute('empty path');
      const channelKey = this.h.channelByScid(p.hops[0]!.shortChannelId);
      if (!channelKey) throw new InvalidRoute(`no usable channel with short channel id ${p.hops[0]!.shortChannelId}`);
      const built = buildPaymentOnion(this.h.crypto, {
        sessionKey: this.sessionKey(),
        paymentHash,
        path: p.hops,
        recipient,
        startingHeight: this.h.bestHeight() + 1,
        ...(p.blindedTail ? { blindedTail: p.blindedTail } : {}),
      });
      return { channelKey, built, hops: p.hops, tail: p.blindedTail };
    });
    for (const { channelKey, built, hops, tail } of plans) {
      const err = this.h.drive(channelKey, {
        kind: 'add-htlc',
        add: { amountMsat: built.firstHopAmountMsat, paymentHash, cltvExpiry: built.firstHopCltvExpiry, onionRoutingPacket: built.onion },
      });
      if (err) {
        pay.failed++;
        continue;
      }
      const htlcId = this.h.lastOfferedHtlcId(channelKey);
      const fee = hopsFee(hops, tail);
      this.outboundParts.set(`${channelKey}:${htlcId}`, { paymentId: idKey, sharedSecrets: built.sharedSecrets, path: hops, ...(tail ? { blindedTail: tail } : {}), feeMsat: fee });
      pay.pending++;
    }
  }

  /**
   * Retries a failed part on a new route avoiding the channel that failed (LDK's automatic
   * retries): true when a new part went out.
   */
  private retryPart(pay: OutboundPayment, part: OutboundPart, hopIndex: number | undefined, channelUpdated: boolean): boolean {
    const r = pay.retry;
    if (!r || r.attemptsLeft <= 0 || pay.succeeded) return false;
    r.attemptsLeft--;
    // The channel out of the hop that failed (or our first hop when nothing was attributed) is
    // avoided — unless the failure brought its new policy, which the router now routes with.
    if (!channelUpdated) {
      const failedScid = part.path[Math.min((hopIndex ?? -1) + 1, part.path.length - 1)]!.shortChannelId;
      const pp = r.params.paymentParams;
      r.params = { ...r.params, paymentParams: { ...pp, previouslyFailedChannels: [...pp.previouslyFailedChannels, failedScid] } };
    }
    const amount = part.blindedTail?.finalValueMsat ?? part.path.at(-1)!.feeMsat;
    const route = this.h.findRoute({ ...r.params, finalValueMsat: amount });
    if (!route || route.paths.length === 0) return false;
    try {
      const before = pay.pending;
      this.sendParts(pay, route.paths);
      return pay.pending > before;
    } catch {
      return false;
    }
  }

  private sessionKey(): Uint8Array {
    for (;;) {
      const k = this.h.entropy();
      if (this.h.crypto.isValidSecretKey(k)) return k;
    }
  }

  /** Their HTLCs committed on a channel: queue them for `processPendingHtlcForwards`. */
  onCommittedAdds(channelKey: string, adds: readonly UpdateAddHtlc[]): void {
    if (adds.length === 0) return;
    const was = this.pendingAdds.length;
    for (const add of adds) this.pendingAdds.push({ channelKey, add });
    if (was === 0) this.h.pushEvent({ kind: 'PendingHTLCsForwardable', timeForwardableMs: 100 });
  }

  /** Decodes every pending incoming HTLC's onion: receive, forward, or fail back. */
  processPendingForwards(): void {
    const batch = this.pendingAdds;
    this.pendingAdds = [];
    for (const { channelKey, add } of batch) this.processOne(channelKey, add);
  }

  private failBack(channelKey: string, htlcId: bigint, sharedSecret: Uint8Array, failure: FailureMessage): void {
    const reason = buildFailurePacket(this.h.crypto, sharedSecret, failure);
    this.h.drive(channelKey, { kind: 'fail-htlc', update: { name: 'update_fail_htlc', msg: { channelId: this.h.channelId(channelKey), id: htlcId, reason } } });
  }

  private processOne(channelKey: string, add: UpdateAddHtlc): void {
    const r = decodeIncomingHtlcOnion(this.h.crypto, this.h.nodeSecret(), {
      onion: add.onionRoutingPacket,
      paymentHash: add.paymentHash,
      amountMsat: add.amountMsat,
      cltvExpiry: add.cltvExpiry,
      ...(add.pathKey ? { pathKey: add.pathKey } : {}),
    });
    const height = this.h.bestHeight();
    switch (r.kind) {
      case 'malformed':
        this.h.drive(channelKey, {
          kind: 'fail-htlc',
          update: { name: 'update_fail_malformed_htlc', msg: { channelId: this.h.channelId(channelKey), id: add.id, sha256OfOnion: r.sha256OfOnion, failureCode: r.failureCode } },
        });
        return;
      case 'fail':
        this.failBack(channelKey, add.id, r.sharedSecret, r.failure);
        return;
      case 'receive': {
        if (r.blinded) {
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'incorrect_or_unknown_payment_details', htlcMsat: add.amountMsat, height });
          return;
        }
        const hop = r.hop;
        const unknown = (): void =>
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'incorrect_or_unknown_payment_details', htlcMsat: add.amountMsat, height });
        let purpose: PaymentPurpose;
        if (hop.keysendPreimage) {
          if (!equalBytes(this.h.crypto.sha256(hop.keysendPreimage), add.paymentHash)) {
            unknown();
            return;
          }
          purpose = { kind: 'spontaneous', preimage: hop.keysendPreimage };
        } else {
          const rec = this.inbound.get(toHex(add.paymentHash)) ?? (hop.paymentSecret ? this.h.verifyInbound(add.paymentHash, hop.paymentSecret, hop.totalMsat) : undefined);
          if (!rec || !hop.paymentSecret || !equalBytes(rec.secret, hop.paymentSecret)) {
            unknown();
            return;
          }
          if (rec.amountMsat !== undefined && hop.totalMsat < rec.amountMsat) {
            unknown();
            return;
          }
          if (hop.outgoingCltvValue < height + rec.minFinalCltvExpiryDelta) {
            unknown();
            return;
          }
          purpose = { kind: 'invoice', preimage: rec.preimage, secret: rec.secret };
        }
        const key = toHex(add.paymentHash);
        const c = this.claimable.get(key) ?? { purpose, totalMsat: hop.totalMsat, parts: [], announced: false, ticks: 0 };
        if (c.announced || c.totalMsat !== hop.totalMsat) {
          unknown();
          return;
        }
        c.parts.push({ channelKey, htlcId: add.id, amountMsat: add.amountMsat, cltvExpiry: add.cltvExpiry, sharedSecret: r.sharedSecret });
        this.claimable.set(key, c);
        const got = c.parts.reduce((s, p) => s + p.amountMsat, 0n);
        if (got >= c.totalMsat) {
          c.announced = true;
          this.h.pushEvent({
            kind: 'PaymentClaimable',
            paymentHash: add.paymentHash,
            amountMsat: got,
            purpose: c.purpose,
            receiverNodeId: this.h.ourNodeId(),
            viaChannelId: this.h.channelId(channelKey),
          });
        }
        return;
      }
      case 'forward': {
        if (r.blinded) {
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'permanent_channel_failure' });
          return;
        }
        const hop = r.hop;
        const out = this.h.channelByScid(hop.shortChannelId);
        if (!out) {
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'unknown_next_peer' });
          return;
        }
        // The outgoing channel's policy, as its channel_update announced it (BOLT 7).
        const cfg = this.h.channelConfig(out);
        const channelUpdate = this.h.channelUpdateFor(out, hop.shortChannelId);
        const fee = BigInt(cfg.forwardingFeeBaseMsat) + (hop.amtToForward * BigInt(cfg.forwardingFeeProportionalMillionths)) / 1_000_000n;
        if (add.amountMsat < hop.amtToForward + fee) {
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'fee_insufficient', htlcMsat: add.amountMsat, channelUpdate });
          return;
        }
        if (add.cltvExpiry < hop.outgoingCltvValue + cfg.cltvExpiryDelta) {
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'incorrect_cltv_expiry', cltvExpiry: add.cltvExpiry, channelUpdate });
          return;
        }
        if (hop.outgoingCltvValue <= height + 3) {
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'expiry_too_soon', channelUpdate });
          return;
        }
        const err = this.h.drive(out, {
          kind: 'add-htlc',
          add: { amountMsat: hop.amtToForward, paymentHash: add.paymentHash, cltvExpiry: hop.outgoingCltvValue, onionRoutingPacket: r.nextPacket },
        });
        if (err) {
          this.failBack(channelKey, add.id, r.sharedSecret, { kind: 'temporary_channel_failure', channelUpdate });
          return;
        }
        this.forwards.set(`${out}:${this.h.lastOfferedHtlcId(out)}`, {
          inChannelKey: channelKey,
          inHtlcId: add.id,
          inAmountMsat: add.amountMsat,
          outAmountMsat: hop.amtToForward,
          sharedSecret: r.sharedSecret,
        });
        return;
      }
    }
  }

  /** Claims a claimable payment with its preimage (BOLT 2 `update_fulfill_htlc` on every part). */
  claimFunds(preimage: Uint8Array): void {
    const hash = this.h.crypto.sha256(preimage);
    const key = toHex(hash);
    const c = this.claimable.get(key);
    if (!c?.announced) throw new APIMisuseError('no claimable payment with this preimage');
    this.claimable.delete(key);
    let amount = 0n;
    for (const p of c.parts) {
      const err = this.h.drive(p.channelKey, { kind: 'fulfill-htlc', id: p.htlcId, preimage });
      if (!err) amount += p.amountMsat;
    }
    const purpose: PaymentPurpose = c.purpose.kind === 'invoice' ? { ...c.purpose, preimage } : c.purpose;
    this.h.pushEvent({ kind: 'PaymentClaimed', paymentHash: hash, amountMsat: amount, purpose });
  }

  /**
   * Timer: resolved payments past {@link IDEMPOTENCY_TIMEOUT_TICKS} are forgotten, and multi-part
   * payments still incomplete after {@link MPP_TIMEOUT_TICKS} fail with `mpp_timeout` (BOLT 4).
   */
  onTimerTick(): void {
    // LDK's remove_stale_payments: a payment is forgotten IDEMPOTENCY_TIMEOUT_TICKS ticks after its
    // last part resolved. With nothing in flight it is resolved: paid, or failed with no retry left
    // (a retry is sent before its failure returns, so it keeps a part pending).
    for (const [key, pay] of this.outbound) {
      if (pay.pending > 0) continue;
      pay.ticksDone = (pay.ticksDone ?? 0) + 1;
      if (pay.ticksDone > IDEMPOTENCY_TIMEOUT_TICKS) this.outbound.delete(key);
    }
    for (const [key, c] of [...this.claimable]) {
      if (c.announced) continue;
      if (++c.ticks < MPP_TIMEOUT_TICKS) continue;
      this.claimable.delete(key);
      for (const p of c.parts) this.failBack(p.channelKey, p.htlcId, p.sharedSecret, { kind: 'mpp_timeout' });
    }
  }

  /** New block: unclaimed incoming HTLCs close to their expiry are failed back in time. */
  onBestBlock(height: number): void {
    for (const [key, c] of [...this.claimable]) {
      if (!c.parts.some((p) => p.cltvExpiry <= height + HTLC_FAIL_BACK_BUFFER)) continue;
      this.claimable.delete(key);
      for (const p of c.parts) {
        this.failBack(p.channelKey, p.htlcId, p.sharedSecret, { kind: 'incorrect_or_unknown_payment_details', htlcMsat: p.amountMsat, height });
      }
    }
  }

  /** Fails a claimable payment back (`incorrect_or_unknown_payment_details`). */
  failHtlcBackwards(paymentHash: Uint8Array): void {
    const key = toHex(paymentHash);
    const c = this.claimable.get(key);
    if (!c) return;
    this.claimable.delete(key);
    for (const p of c.parts) {
      this.failBack(p.channelKey, p.htlcId, p.sharedSecret, { kind: 'incorrect_or_unknown_payment_details', htlcMsat: p.amountMsat, height: this.h.bestHeight() });
    }
  }

  /** The peer fulfilled an HTLC we offered on `channelKey`. */
  onFulfilled(channelKey: string, htlc: UpdateAddHtlc, preimage: Uint8Array): void {
    const k = `${channelKey}:${htlc.id}`;
    const part = this.outboundParts.get(k);
    if (part) {
      this.outboundParts.delete(k);
      const pay = this.outbound.get(part.paymentId)!;
      pay.pending--;
      pay.feesPaidMsat += part.feeMsat;
      if (!pay.succeeded) {
        pay.succeeded = true;
        // The preimage settles every part still in flight too, so the fee is theirs together (LDK's
        // `fee_paid_msat`: the fees of all paths of the payment).
        let fee = part.feeMsat;
        for (const other of this.outboundParts.values()) if (other.paymentId === part.paymentId) fee += other.feeMsat;
        this.h.pushEvent({ kind: 'PaymentSent', paymentId: pay.paymentId, paymentPreimage: preimage, paymentHash: pay.paymentHash, feePaidMsat: fee });
      }
      this.h.pathSucceeded({ hops: part.path, ...(part.blindedTail ? { blindedTail: part.blindedTail } : {}) });
      this.h.pushEvent({ kind: 'PaymentPathSuccessful', paymentId: pay.paymentId, paymentHash: pay.paymentHash, path: paidPath(part.path) });
      return;
    }
    const fwd = this.forwards.get(k);
    if (fwd) {
      this.forwards.delete(k);
      this.h.drive(fwd.inChannelKey, { kind: 'fulfill-htlc', id: fwd.inHtlcId, preimage });
      this.h.pushEvent({
        kind: 'PaymentForwarded',
        prevChannelId: this.h.channelId(fwd.inChannelKey),
        nextChannelId: this.h.channelId(channelKey),
        feeEarnedMsat: fwd.inAmountMsat - fwd.outAmountMsat,
        outboundAmountForwardedMsat: fwd.outAmountMsat,
      });
    }
  }

  /**
   * Our HTLCs on `channelKey` that were never signed when the peer disconnected: they never
   * existed for the peer. A payment part fails (retryable); a forward fails back upstream.
   */
  onDropped(channelKey: string, adds: readonly UpdateAddHtlc[]): void {
    for (const add of adds) {
      const k = `${channelKey}:${add.id}`;
      const part = this.outboundParts.get(k);
      if (part) {
        this.outboundParts.delete(k);
        const pay = this.outbound.get(part.paymentId)!;
        pay.pending--;
        pay.failed++;
        this.h.pushEvent({
          kind: 'PaymentPathFailed',
          paymentId: pay.paymentId,
          paymentHash: pay.paymentHash,
          paymentFailedPermanently: false,
          failureCode: undefined,
          failingHopIndex: undefined,
          path: paidPath(part.path),
        });
        if (pay.pending === 0 && !pay.succeeded) {
          this.h.pushEvent({ kind: 'PaymentFailed', paymentId: pay.paymentId, paymentHash: pay.paymentHash, reason: 'the peer disconnected before the HTLC was committed' });
        }
        continue;
      }
      const fwd = this.forwards.get(k);
      if (fwd) {
        this.forwards.delete(k);
        this.failBack(fwd.inChannelKey, fwd.inHtlcId, fwd.sharedSecret, { kind: 'temporary_channel_failure', channelUpdate: new Uint8Array(0) });
      }
    }
  }

  /** The peer's fails of our HTLCs are irrevocably committed on `channelKey`. */
  onFailed(channelKey: string, updates: readonly ChannelUpdate[]): void {
    for (const u of updates) {
      if (u.name !== 'update_fail_htlc' && u.name !== 'update_fail_malformed_htlc') continue;
      const k = `${channelKey}:${u.msg.id}`;
      const part = this.outboundParts.get(k);
      if (part) {
        this.outboundParts.delete(k);
        const pay = this.outbound.get(part.paymentId)!;
        pay.pending--;
        pay.failed++;
        let code: number | undefined;
        let hopIndex: number | undefined;
        let update: Uint8Array | undefined;
        if (u.name === 'update_fail_htlc') {
          const d = decodeFailurePacket(this.h.crypto, part.sharedSecrets, u.msg.reason);
          if (d) {
            hopIndex = d.hopIndex;
            code = d.failure instanceof Error ? undefined : failureCode(d.failure);
            if (!(d.failure instanceof Error) && 'channelUpdate' in d.failure) update = d.failure.channelUpdate as Uint8Array;
          }
        } else {
          code = u.msg.failureCode;
          hopIndex = 0;
        }
        const permanent = code !== undefined && (isPermanentFailure(code) || hopIndex === part.path.length - 1);
        // The graph and scorer learn from the failure before a retry is routed.
        const updated = this.h.pathFailed({ hops: part.path, ...(part.blindedTail ? { blindedTail: part.blindedTail } : {}) }, analyseFailure(part.path, hopIndex, code, update));
        const retried = !permanent && this.retryPart(pay, part, hopIndex, updated);
        this.h.pushEvent({
          kind: 'PaymentPathFailed',
          paymentId: pay.paymentId,
          paymentHash: pay.paymentHash,
          paymentFailedPermanently: permanent,
          failureCode: code,
          failingHopIndex: hopIndex,
          path: paidPath(part.path),
        });
        if (!retried && pay.pending === 0 && !pay.succeeded) {
          this.h.pushEvent({ kind: 'PaymentFailed', paymentId: pay.paymentId, paymentHash: pay.paymentHash, reason: permanent ? 'the recipient or a hop rejected it permanently' : 'every path failed' });
        }
        continue;
      }
      const fwd = this.forwards.get(k);
      if (fwd) {
        this.forwards.delete(k);
        const reason =
          u.name === 'update_fail_htlc'
            ? obfuscateFailurePacket(this.h.crypto, fwd.sharedSecret, u.msg.reason)
            : (failurePacketFromMalformed(this.h.crypto, fwd.sharedSecret, u.msg.failureCode, u.msg.sha256OfOnion) ??
              buildFailurePacket(this.h.crypto, fwd.sharedSecret, encodeFailureMessage({ kind: 'temporary_node_failure' })));
        this.h.drive(fwd.inChannelKey, { kind: 'fail-htlc', update: { name: 'update_fail_htlc', msg: { channelId: this.h.channelId(fwd.inChannelKey), id: fwd.inHtlcId, reason } } });
      }
    }
  }
}

/** Fees of a path: every hop's but the last, whose `feeMsat` is the amount delivered — unless a blinded tail delivers it. */
function hopsFee(hops: readonly PaymentRouteHop[], tail?: PaymentBlindedTail): bigint {
  let f = 0n;
  const n = tail ? hops.length : hops.length - 1;
  for (let i = 0; i < n; i++) f += hops[i]!.feeMsat;
  return f;
}

function paidPath(hops: readonly PaymentRouteHop[]): PaidPathHop[] {
  return hops.map((h) => ({ pubkey: h.pubkey, shortChannelId: h.shortChannelId, feeMsat: h.feeMsat, cltvExpiryDelta: h.cltvExpiryDelta }));
}
