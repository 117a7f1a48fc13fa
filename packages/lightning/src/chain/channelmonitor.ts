/**
 * `ChannelMonitor`: one channel's on-chain watchman (BOLT 5 §"Failing a Channel", §"Unilateral Close
 * Handling", §"Revoked Transaction Close Handling"). It holds everything needed to enforce the
 * channel without its peer — our latest signed commitment, their commitments and revealed secrets,
 * preimages — and watches the chain for a spend of the funding output.
 *
 * This scope: keeping that state (applying `ChannelMonitorUpdate`s), broadcasting our latest
 * commitment on demand, and reporting confirmed funding spends. Claiming outputs on chain (penalty,
 * HTLC and sweep transactions) comes later and reads the data kept here.
 * @module
 */
import { parseTx, txid as computeTxid } from '../bitcoin/serialize.js';
import type { OutPoint, Transaction } from '../bitcoin/tx.js';
import { p2wshForScript } from '../bitcoin/outputs.js';
import { type CryptoBackend, sha256d } from '../crypto/backend.js';
import { buildCommitmentTx, commitmentObscureFactor, type CommitmentTransaction } from '../ln/chan_utils/commitment.js';
import { deriveTxCreationKeys } from '../ln/chan_utils/keys.js';
import { CounterpartyCommitmentSecrets, INITIAL_COMMITMENT_NUMBER } from '../ln/chan_utils/secrets.js';
import { finalizeFundingSpend } from '../ln/chan_utils/signing.js';
import type { ChannelSigner } from '../sign/interfaces.js';
import { equalBytes } from '../util/bytes.js';
import { APIMisuseError, DecodeError } from '../util/errors.js';
import type { ChannelMonitorInit, ChannelMonitorUpdate, ChannelMonitorUpdateStep, CounterpartyCommitmentData, HolderCommitmentData } from './channelmonitor_update.js';
import type { BestBlock, Confirm, IndexedTx, Listen } from './interfaces.js';
import { decodeMonitorState, encodeMonitorState } from './monitor_codec.js';
import { CounterpartyHtlcHistory, HTLC_HISTORY_FLUSH_ENTRIES, type HtlcsOnCommitment, type RevokedHtlcInfo } from './htlc_history.js';
import type { HtlcHistoryStore } from './htlc_history_store.js';
import type { ChannelMonitorState, FundingSpendInfo, PreimageRecord } from './monitor_state.js';
import { type RevokedCommitment, revokedCommitmentOf } from './revoked.js';
import type { MonitorEvent, WatchedMonitor } from './watch.js';

export type { FundingSpendInfo, PreimageRecord } from './monitor_state.js';
export type { RevokedHtlcInfo } from './htlc_history.js';
export type { HtlcHistoryStore } from './htlc_history_store.js';

/** How a monitor is built or read beyond its data. */
export interface ChannelMonitorOptions {
  /**
   * Where HTLC records only a penalty needs go once no later commitment carries them (see
   * `htlc_history_store.ts`). Without one they stay in the monitor, which then grows 37 bytes per
   * HTLC the channel ever carried. A monitor written with a store must be read with it.
   */
  readonly htlcHistory?: HtlcHistoryStore;
  /**
   * Finished HTLC records kept in memory before they are written to the store together (default
   * {@link HTLC_HISTORY_FLUSH_ENTRIES}): fewer store writes for a little more memory.
   */
  readonly htlcHistoryFlushEntries?: number;
}
export type { RevokedCommitment, RevokedOutput } from './revoked.js';

/** Why a monitor refused an update. */
export type MonitorUpdateErrorKind =
  /** The update names another channel. */
  | 'WrongChannel'
  /** Its id is not above the latest applied (a duplicate or a replay out of order). */
  | 'OutOfOrder'
  /** A `CommitmentSecret` that does not derive the earlier secrets or does not match the commitment's point. */
  | 'InvalidSecret'
  /** New commitment state after the channel was closed (only preimages, shutdown scripts and closes are taken then). */
  | 'ChannelClosed';

/**
 * A refused `ChannelMonitorUpdate` (LDK's `update_monitor` returning `Err`). Nothing of the
 * update was applied: the monitor is exactly as before.
 */
export class MonitorUpdateError extends Error {
  override readonly name = 'MonitorUpdateError';
  constructor(
    readonly kind: MonitorUpdateErrorKind,
    message: string,
  ) {
    super(`${kind}: ${message}`);
  }
}

/** A transaction already parsed, with its txid (what {@link ChannelMonitor.transactionsConfirmedParsed} takes). */
export interface ParsedTx {
  readonly tx: Transaction;
  readonly txid: Uint8Array;
}

/** What the chain source must report to this monitor (LDK's `WatchedOutput` plus the funding txid). */
export interface MonitorWatchItems {
  /** The funding transaction: its confirmations are relevant (`Filter.registerTx`). */
  readonly fundingTxid: Uint8Array;
  /** The funding output, whose spend closes the channel (`Filter.registerOutput`). */
  readonly fundingOutpoint: OutPoint;
  /** The funding output's scriptPubKey (P2WSH of the 2-of-2). */
  readonly fundingScriptPubkey: Uint8Array;
}

function flushEntriesOf(opts: ChannelMonitorOptions): number {
  const n = opts.htlcHistoryFlushEntries ?? HTLC_HISTORY_FLUSH_ENTRIES;
  if (!Number.isInteger(n) || n < 1) throw new APIMisuseError(`htlcHistoryFlushEntries must be a positive integer, not ${n}`);
  return n;
}

function spendsOutpoint(tx: Transaction, o: OutPoint): boolean {
  return tx.inputs.some((i) => i.prevout.vout === o.vout && equalBytes(i.prevout.txid, o.txid));
}

/**
 * The preimages still needed: those of HTLCs on our latest two or their unrevoked commitments.
 * A revoked commitment's HTLCs are taken with the revocation key, and a resolved HTLC is on no
 * commitment, so neither needs its preimage (LDK prunes at the same point, `provide_secret`).
 */
function livePreimages(s: ChannelMonitorState): PreimageRecord[] {
  if (s.preimages.length === 0) return s.preimages;
  const commitments = [s.holderCommitment, s.prevHolderCommitment, s.counterpartyCommitment, s.prevCounterpartyCommitment];
  const live = (hash: Uint8Array) => commitments.some((c) => c?.htlcs.some((h) => equalBytes(h.paymentHash, hash)));
  const kept = s.preimages.filter((p) => live(p.paymentHash));
  return kept.length === s.preimages.length ? s.preimages : kept;
}

/**
 * Watches one channel (LDK's `ChannelMonitor`; the seed design's name too). Created when the
 * channel is funded ({@link ChannelMonitor.create}), kept current with `ChannelMonitorUpdate`s
 * ({@link ChannelMonitor.update}), told about the chain through `Listen`/`Confirm`, and persisted
 * with {@link ChannelMonitor.write} / {@link ChannelMonitor.read}. Usually driven by a `ChainMonitor`.
 */
export class ChannelMonitor implements WatchedMonitor, Listen, Confirm {
  private constructor(
    private s: ChannelMonitorState,
    private readonly crypto: CryptoBackend,
    private readonly htlcHistory: HtlcHistoryStore | undefined,
    private readonly flushEntries: number,
  ) {}

  /**
   * A new monitor from the data the channel hands over when it is funded (the `watch` action,
   * BOLT 2 `funding_created`/`funding_signed`). Its update id is 0.
   */
  static create(init: ChannelMonitorInit, crypto: CryptoBackend, opts: ChannelMonitorOptions = {}): ChannelMonitor {
    const counterpartyHtlcs = new CounterpartyHtlcHistory();
    counterpartyHtlcs.record(init.counterpartyCommitment.commitmentNumber, init.counterpartyCommitment.htlcs);
    return new ChannelMonitor(
      {
        channelId: init.channelId,
        counterpartyNodeId: init.counterpartyNodeId,
        fundingOutpoint: init.fundingOutpoint,
        fundingScript: init.fundingScript,
        channelValueSatoshis: init.channelValueSatoshis,
        keysId: init.keysId,
        isOutbound: init.isOutbound,
        anchors: init.anchors,
        holderPubkeys: init.holderPubkeys,
        counterpartyPubkeys: init.counterpartyPubkeys,
        holderToSelfDelay: init.holderToSelfDelay,
        counterpartyToSelfDelay: init.counterpartyToSelfDelay,
        holderDustLimitSat: init.holderDustLimitSat,
        counterpartyDustLimitSat: init.counterpartyDustLimitSat,
        destinationScript: init.destinationScript,
        shutdownScript: init.shutdownScript,
        latestUpdateId: 0n,
        holderCommitment: init.holderCommitment,
        prevHolderCommitment: undefined,
        counterpartyCommitment: init.counterpartyCommitment,
        prevCounterpartyCommitment: undefined,
        counterpartyHtlcs,
        counterpartySecrets: new CounterpartyCommitmentSecrets(),
        preimages: [],
        closed: false,
        shouldBroadcast: false,
        bestBlock: init.bestBlock,
        fundingSpend: undefined,
        pendingEvents: [],
      },
      crypto,
      opts.htlcHistory,
      flushEntriesOf(opts),
    );
  }

  /**
   * Reads a monitor written by {@link ChannelMonitor.write}.
   * @returns the monitor, or a {@link DecodeError} for malformed, inconsistent or other-version
   *   bytes (never throws), and for a monitor whose HTLC history is partly in a store when no
   *   store is given: run without it, the monitor could not punish every revoked commitment.
   */
  static read(bytes: Uint8Array, crypto: CryptoBackend, opts: ChannelMonitorOptions = {}): ChannelMonitor | DecodeError {
    const s = decodeMonitorState(bytes, crypto);
    if (s instanceof DecodeError) return s;
    if (s.counterpartyHtlcs.archivedCount > 0 && !opts.htlcHistory) {
      return new DecodeError('InvalidValue', `monitor keeps ${s.counterpartyHtlcs.archivedCount} HTLC records in a history store, and none was given`);
    }
    return new ChannelMonitor(s, crypto, opts.htlcHistory, flushEntriesOf(opts));
  }

  /** Serializes the whole monitor (what `Persist` stores). */
  write(): Uint8Array {
    return encodeMonitorState(this.s);
  }

  // ---------------------------------------------------------------- accessors

  /** The channel id (BOLT 2 §"Definition of channel_id"). */
  get channelId(): Uint8Array {
    return this.s.channelId;
  }
  /** The funding output this monitor watches. */
  get fundingOutpoint(): OutPoint {
    return this.s.fundingOutpoint;
  }
  /** The latest update id applied (0 before any update). */
  get latestUpdateId(): bigint {
    return this.s.latestUpdateId;
  }
  /** The peer's node id. */
  get counterpartyNodeId(): Uint8Array {
    return this.s.counterpartyNodeId;
  }
  /** The funding output's 2-of-2 witness script (BOLT 3 §"Funding Transaction Output"). */
  get fundingScript(): Uint8Array {
    return this.s.fundingScript;
  }
  /** Channel capacity (sat). */
  get channelValueSatoshis(): bigint {
    return this.s.channelValueSatoshis;
  }
  /** Identifies our signer (`KeysInterface.deriveChannelSigner(channelValueSatoshis, keysId)`). */
  get keysId(): Uint8Array {
    return this.s.keysId;
  }
  /** Closed off-chain by a `ChannelForceClosed` update. */
  get isClosed(): boolean {
    return this.s.closed;
  }
  /** Our latest commitment was to be broadcast at close. */
  get shouldBroadcast(): boolean {
    return this.s.shouldBroadcast;
  }
  /** The chain tip this monitor has processed. */
  get bestBlock(): BestBlock {
    return this.s.bestBlock;
  }
  /** Our latest commitment (as the counterparty signed it). */
  get holderCommitment(): HolderCommitmentData {
    return this.s.holderCommitment;
  }
  /** Our previous commitment, if any (broadcastable until we revoke it). */
  get prevHolderCommitment(): HolderCommitmentData | undefined {
    return this.s.prevHolderCommitment;
  }
  /** Their latest commitment. */
  get counterpartyCommitment(): CounterpartyCommitmentData {
    return this.s.counterpartyCommitment;
  }
  /** Their previous commitment, until they revoke it. */
  get prevCounterpartyCommitment(): CounterpartyCommitmentData | undefined {
    return this.s.prevCounterpartyCommitment;
  }
  /**
   * The HTLCs their commitment `n` carried, as the compact history keeps them for a penalty
   * (a superset: never missing one). Kept for every commitment the channel ever had, in memory
   * or in the history store (read from it here).
   */
  counterpartyHtlcsOn(n: bigint): RevokedHtlcInfo[] {
    return this.htlcsOn(n).htlcs;
  }

  private htlcsOn(n: bigint): HtlcsOnCommitment {
    return this.s.counterpartyHtlcs.htlcsOn(n, this.htlcHistory, this.s.fundingOutpoint);
  }

  /**
   * Bytes the counterparty HTLC history takes in the monitor: 37 per HTLC the channel ever
   * carried without a store; with one, 37 per HTLC still on their latest commitment plus fewer
   * than a flush's worth of finished ones.
   */
  get counterpartyHtlcHistoryBytes(): number {
    return this.s.counterpartyHtlcs.byteLength;
  }

  /** HTLC records this monitor has moved to its history store. */
  get archivedHtlcCount(): number {
    return this.s.counterpartyHtlcs.archivedCount;
  }

  /**
   * When `tx` (a funding spend) is one of their revoked commitments, every output the revocation
   * key can take — `to_local` and each HTLC output — with its witness script (BOLT 5
   * §"Revoked Transaction Close Handling"); `null` for any other transaction.
   */
  revokedCommitment(tx: Transaction): RevokedCommitment | null {
    return revokedCommitmentOf(
      this.s,
      tx,
      (n) => this.counterpartySecret(n),
      (n) => this.htlcsOn(n),
      this.crypto,
    );
  }
  /** Our `shutdown` script, if committed to. */
  get shutdownScript(): Uint8Array | undefined {
    return this.s.shutdownScript;
  }
  /** Where on-chain claims pay to. */
  get destinationScript(): Uint8Array {
    return this.s.destinationScript;
  }
  /** The confirmed spend of the funding output, once seen (undone by a reorg). */
  get fundingSpend(): FundingSpendInfo | undefined {
    return this.s.fundingSpend;
  }
  /**
   * Preimages learned (`PaymentPreimage` updates), in the order learned, while a commitment that
   * is not revoked still carries their HTLC (pruned when a revocation leaves none).
   */
  get preimages(): readonly PreimageRecord[] {
    return this.s.preimages;
  }

  /** The per-commitment secret the counterparty revealed for their commitment `n`, if it was (or can be derived). */
  counterpartySecret(n: bigint): Uint8Array | null {
    if (n < 0n || n > INITIAL_COMMITMENT_NUMBER) return null;
    return this.s.counterpartySecrets.getSecret(INITIAL_COMMITMENT_NUMBER - n, this.crypto);
  }

  /** The preimage of `paymentHash`, if learned. */
  preimageFor(paymentHash: Uint8Array): Uint8Array | undefined {
    return this.s.preimages.find((p) => equalBytes(p.paymentHash, paymentHash))?.preimage;
  }

  /** What a chain source must watch for this monitor (LDK's `ChannelMonitor::get_outputs_to_watch`). */
  watchItems(): MonitorWatchItems {
    return {
      fundingTxid: this.s.fundingOutpoint.txid,
      fundingOutpoint: this.s.fundingOutpoint,
      fundingScriptPubkey: p2wshForScript(this.s.fundingScript, this.crypto),
    };
  }

  // ---------------------------------------------------------------- updates

  /**
   * Applies a `ChannelMonitorUpdate` (LDK's `update_monitor`). All or nothing: an update whose id
   * is not above {@link latestUpdateId}, that names another channel, carries a secret that fails
   * BOLT 3's derivation check (§"Efficient Per-commitment Secret Storage") or the commitment's
   * point, or brings new commitment state to a closed channel, is refused whole.
   * Ids may skip (the channel numbers them; the monitor only needs them ordered).
   * @returns `null` when applied, else the reason it was refused.
   */
  update(u: ChannelMonitorUpdate): MonitorUpdateError | null {
    if (!equalBytes(u.channelId, this.s.channelId)) return new MonitorUpdateError('WrongChannel', 'update for another channel');
    if (u.updateId <= this.s.latestUpdateId) {
      return new MonitorUpdateError('OutOfOrder', `update ${u.updateId} after ${this.s.latestUpdateId}`);
    }
    // Stage on a shallow copy so a step failing halfway leaves the monitor untouched: steps
    // replace fields and small arrays; the secrets are cloned and the HTLC history (which grows
    // with the channel's life, so is never copied) is marked and rolled back.
    const next: ChannelMonitorState = {
      ...this.s,
      counterpartySecrets: u.steps.some((st) => st.kind === 'CommitmentSecret') ? this.s.counterpartySecrets.clone() : this.s.counterpartySecrets,
    };
    const mark = u.steps.some((st) => st.kind === 'LatestCounterpartyCommitment') ? this.s.counterpartyHtlcs.mark() : undefined;
    for (const st of u.steps) {
      const err = this.applyStep(next, st);
      if (err) {
        if (mark) this.s.counterpartyHtlcs.rollback(mark);
        return err;
      }
    }
    next.latestUpdateId = u.updateId;
    this.s = next;
    // After the whole update applied, so a refused one never wrote to the store; before the
    // caller persists it, so the persisted monitor counts only records the store already holds.
    const h = this.s.counterpartyHtlcs;
    if (this.htlcHistory && h.closedCount >= this.flushEntries) h.flushTo(this.htlcHistory, this.s.fundingOutpoint);
    return null;
  }

  private applyStep(s: ChannelMonitorState, st: ChannelMonitorUpdateStep): MonitorUpdateError | null {
    switch (st.kind) {
      case 'LatestHolderCommitment':
        if (s.closed) return new MonitorUpdateError('ChannelClosed', 'holder commitment after close');
        s.prevHolderCommitment = s.holderCommitment;
        s.holderCommitment = st.commitment;
        return null;
      case 'LatestCounterpartyCommitment':
        if (s.closed) return new MonitorUpdateError('ChannelClosed', 'counterparty commitment after close');
        s.prevCounterpartyCommitment = s.counterpartyCommitment;
        s.counterpartyCommitment = st.commitment;
        s.counterpartyHtlcs.record(st.commitment.commitmentNumber, st.commitment.htlcs);
        return null;
      case 'CommitmentSecret': {
        if (s.closed) return new MonitorUpdateError('ChannelClosed', 'commitment secret after close');
        const n = st.commitmentNumber;
        if (n < 0n || n > INITIAL_COMMITMENT_NUMBER || st.secret.length !== 32) return new MonitorUpdateError('InvalidSecret', `secret for commitment ${n}`);
        // When we know the revoked commitment's point, the secret must be its discrete log
        // (BOLT 2 §"Completing the Transition to the Updated State": per_commitment_secret generates the point).
        for (const c of [s.prevCounterpartyCommitment, s.counterpartyCommitment]) {
          if (c && c.commitmentNumber === n && !equalBytes(this.crypto.publicKey(st.secret), c.perCommitmentPoint)) {
            return new MonitorUpdateError('InvalidSecret', `secret for commitment ${n} does not match its per-commitment point`);
          }
        }
        if (!s.counterpartySecrets.provideSecret(INITIAL_COMMITMENT_NUMBER - n, st.secret, this.crypto)) {
          return new MonitorUpdateError('InvalidSecret', `secret for commitment ${n} does not derive the earlier ones`);
        }
        // Revoked: from now on it is only punishable; its HTLCs stay in counterpartyHtlcs.
        if (s.prevCounterpartyCommitment?.commitmentNumber === n) s.prevCounterpartyCommitment = undefined;
        s.preimages = livePreimages(s);
        return null;
      }
      case 'PaymentPreimage': {
        const paymentHash = this.crypto.sha256(st.preimage);
        if (!s.preimages.some((p) => equalBytes(p.paymentHash, paymentHash))) s.preimages = [...s.preimages, { paymentHash, preimage: st.preimage }];
        return null;
      }
      case 'ShutdownScript':
        s.shutdownScript = st.script;
        return null;
      case 'ChannelForceClosed':
        s.closed = true;
        s.shouldBroadcast ||= st.shouldBroadcast;
        return null;
    }
  }

  // ---------------------------------------------------------------- our commitment

  /**
   * Our latest commitment as a `CommitmentTransaction`, rebuilt from the monitor's data (BOLT 3
   * §"Commitment Transaction Construction"), for the signer. Its `tx` is the stored one — the one
   * the counterparty signed — so a signature over it matches theirs.
   */
  holderCommitmentTransaction(): CommitmentTransaction {
    const s = this.s;
    const hc = s.holderCommitment;
    const keys = deriveTxCreationKeys(
      hc.perCommitmentPoint,
      {
        broadcasterDelayedPaymentBasepoint: s.holderPubkeys.delayedPaymentBasepoint,
        broadcasterHtlcBasepoint: s.holderPubkeys.htlcBasepoint,
        countersignatoryRevocationBasepoint: s.counterpartyPubkeys.revocationBasepoint,
        countersignatoryHtlcBasepoint: s.counterpartyPubkeys.htlcBasepoint,
      },
      this.crypto,
    );
    const opener = s.isOutbound ? s.holderPubkeys.paymentPoint : s.counterpartyPubkeys.paymentPoint;
    const accepter = s.isOutbound ? s.counterpartyPubkeys.paymentPoint : s.holderPubkeys.paymentPoint;
    const built = buildCommitmentTx(
      {
        fundingOutpoint: s.fundingOutpoint,
        fundingSatoshis: s.channelValueSatoshis,
        channelType: { anchors: s.anchors },
        commitmentNumber: hc.commitmentNumber,
        obscureFactor: commitmentObscureFactor(opener, accepter, this.crypto),
        toBroadcasterValueMsat: hc.toSelfValueMsat,
        toCountersignatoryValueMsat: hc.toCounterpartyValueMsat,
        feeratePerKw: hc.feeratePerKw,
        dustLimitSat: s.holderDustLimitSat,
        toSelfDelay: s.holderToSelfDelay,
        keys: {
          revocationPubkey: keys.revocationPubkey,
          broadcasterDelayedPubkey: keys.broadcasterDelayedPubkey,
          countersignatoryPaymentPubkey: s.counterpartyPubkeys.paymentPoint,
          broadcasterHtlcPubkey: keys.broadcasterHtlcPubkey,
          countersignatoryHtlcPubkey: keys.countersignatoryHtlcPubkey,
          broadcasterFundingPubkey: s.holderPubkeys.fundingPubkey,
          countersignatoryFundingPubkey: s.counterpartyPubkeys.fundingPubkey,
        },
        htlcs: hc.htlcs,
        isOutboundFromBroadcaster: s.isOutbound,
      },
      this.crypto,
    );
    // The stored transaction is authoritative (it is what was signed); the rebuild supplies the
    // output metadata. They agree unless the channel built its commitment differently.
    return equalBytes(built.txid, computeTxid(hc.tx, this.crypto)) ? built : { ...built, tx: hc.tx, txid: computeTxid(hc.tx, this.crypto) };
  }

  /**
   * Our latest commitment transaction, fully signed and ready to broadcast (BOLT 5 §"Failing a
   * Channel": broadcast the last commitment transaction). The funding witness is
   * `0 <sig1> <sig2> <funding script>` with our signature from `signer` and theirs from the update.
   * HTLC outputs are not claimed here (later issue).
   * @throws {APIMisuseError} when `signer` is not this channel's (its funding key differs).
   */
  getLatestHolderCommitmentTxn(signer: ChannelSigner): Transaction {
    const s = this.s;
    if (!equalBytes(signer.pubkeys().fundingPubkey, s.holderPubkeys.fundingPubkey)) {
      throw new APIMisuseError('signer does not hold this channel’s funding key');
    }
    const c = this.holderCommitmentTransaction();
    const ours = signer.signHolderCommitment(c);
    return finalizeFundingSpend(s.holderCommitment.tx, s.fundingScript, s.holderPubkeys.fundingPubkey, ours, s.counterpartyPubkeys.fundingPubkey, s.holderCommitment.counterpartySig);
  }

  // ---------------------------------------------------------------- chain

  /**
   * Transactions confirmed in the block `header` at `height` (`Confirm`). A spend of the funding
   * output is remembered and reported as a `FundingSpent` event. Unparseable transactions are skipped.
   * @returns true when the monitor's state changed (it should be persisted).
   */
  transactionsConfirmed(header: Uint8Array, txdata: readonly IndexedTx[], height: number): boolean {
    const parsed: ParsedTx[] = [];
    for (const t of txdata) {
      const tx = parseTx(t.tx);
      if (!(tx instanceof DecodeError)) parsed.push({ tx, txid: computeTxid(tx, this.crypto) });
    }
    return this.transactionsConfirmedParsed(sha256d(this.crypto, header), parsed, height);
  }

  /** {@link transactionsConfirmed} with transactions parsed once by the caller (a `ChainMonitor` fanning out). */
  transactionsConfirmedParsed(blockHash: Uint8Array, txs: readonly ParsedTx[], height: number): boolean {
    if (this.s.fundingSpend) return false; // the output can be spent once; a re-report changes nothing
    for (const { tx, txid } of txs) {
      if (!spendsOutpoint(tx, this.s.fundingOutpoint)) continue;
      const spend: FundingSpendInfo = { tx, txid, height, blockHash };
      this.s = { ...this.s, fundingSpend: spend, pendingEvents: [...this.s.pendingEvents, { kind: 'FundingSpent', spend }] };
      return true;
    }
    return false;
  }

  /** A transaction reported confirmed is no longer in the best chain (`Confirm`). @returns true when state changed. */
  transactionUnconfirmed(txid: Uint8Array): boolean {
    const f = this.s.fundingSpend;
    return f !== undefined && equalBytes(f.txid, txid) ? this.forgetSpend() : false;
  }

  /** The best chain's tip (`Confirm`); a tip below the spend's block means it was reorged out. @returns true when state changed. */
  bestBlockUpdated(header: Uint8Array, height: number): boolean {
    this.s = { ...this.s, bestBlock: { blockHash: sha256d(this.crypto, header), height } };
    const f = this.s.fundingSpend;
    return f !== undefined && f.height > height ? this.forgetSpend() : false;
  }

  /** A block connected on top of the tip (`Listen`): its transactions, then the tip. @returns true when state changed. */
  filteredBlockConnected(header: Uint8Array, txdata: readonly IndexedTx[], height: number): boolean {
    const changed = this.transactionsConfirmed(header, txdata, height);
    return this.bestBlockUpdated(header, height) || changed;
  }

  /** {@link filteredBlockConnected} with parsed transactions. */
  blockConnectedParsed(header: Uint8Array, txs: readonly ParsedTx[], height: number): boolean {
    const blockHash = sha256d(this.crypto, header);
    const changed = this.transactionsConfirmedParsed(blockHash, txs, height);
    this.s = { ...this.s, bestBlock: { blockHash, height } };
    return changed;
  }

  /**
   * The tip block at `height` was disconnected (`Listen`): a funding spend confirmed in it (or
   * above) is forgotten — a new `FundingSpent` follows if it confirms again. @returns true when state changed.
   */
  blockDisconnected(header: Uint8Array, height: number): boolean {
    // The new tip is this block's parent (header bytes 4..36).
    const prev = header.length >= 36 ? header.slice(4, 36) : new Uint8Array(32);
    this.s = { ...this.s, bestBlock: { blockHash: prev, height: Math.max(0, height - 1) } };
    const f = this.s.fundingSpend;
    return f !== undefined && f.height >= height ? this.forgetSpend() : false;
  }

  /** Transactions whose confirmation the caller must keep reporting (`Confirm`): the funding spend, once seen. */
  getRelevantTxids(): Array<{ txid: Uint8Array; height: number; blockHash: Uint8Array | undefined }> {
    const f = this.s.fundingSpend;
    return f ? [{ txid: f.txid, height: f.height, blockHash: f.blockHash }] : [];
  }

  private forgetSpend(): true {
    const f = this.s.fundingSpend!;
    // An event the manager has not taken yet is dropped too: it must not close the channel on a
    // transaction that is no longer confirmed.
    const pendingEvents = this.s.pendingEvents.filter((e) => !(e.kind === 'FundingSpent' && equalBytes(e.spend.txid, f.txid)));
    this.s = { ...this.s, fundingSpend: undefined, pendingEvents };
    return true;
  }

  /** Events since the last call, oldest first (`FundingSpent`, later `HolderForceClosed`). */
  releasePendingMonitorEvents(): MonitorEvent[] {
    const { channelId, fundingOutpoint } = this.s;
    const out: MonitorEvent[] = this.s.pendingEvents.map((e) =>
      e.kind === 'FundingSpent'
        ? { kind: 'FundingSpent', channelId, fundingOutpoint, tx: e.spend.tx, txid: e.spend.txid, height: e.spend.height }
        : { kind: 'HolderForceClosed', channelId, fundingOutpoint },
    );
    if (out.length > 0) this.s = { ...this.s, pendingEvents: [] };
    return out;
  }

  /** True when events wait in {@link releasePendingMonitorEvents}. */
  hasPendingEvents(): boolean {
    return this.s.pendingEvents.length > 0;
  }
}
