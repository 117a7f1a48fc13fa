/**
 * The embedded regtest chain: blocks mined on demand on top of the real regtest genesis, a UTXO
 * set with per-block undo data, a mempool that validates like Bitcoin Core 26's
 * `testmempoolaccept` (see `validation.ts`), reorgs that return disconnected transactions to the
 * mempool, and observers told of every connected and disconnected block in order (the
 * `BlockSource` feeds `chain.Listen` / `chain.Confirm` implementations from them).
 * Everything is synchronous and deterministic: block times advance 600 s per block unless a
 * clock is supplied.
 * @module
 */
import type { OutPoint, Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { isOpReturn, p2wshForScript, parseTx, serializeTx, txid as computeTxid, wtxid as computeWtxid } from '@lnts/lightning/bitcoin';
import type { BestBlock, BroadcasterInterface } from '@lnts/lightning/chain';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { APIMisuseError, DecodeError, equalBytes, fromHex, toHex } from '@lnts/lightning/util';
import type { RegtestBlock } from './block.js';
import { assembleBlock, blockHash, blockSubsidy, buildCoinbase, COINBASE_MATURITY, decodeHeader, encodeHeader, REGTEST_GENESIS, wtxidsOf } from './block.js';
import type { Coin, ValidationResult, ValidationView } from './validation.js';
import { isCoinbase, validateTransaction } from './validation.js';

/** The result of submitting a transaction to the mempool. */
export type SubmitResult =
  | { readonly ok: true; readonly txid: Uint8Array }
  | { readonly ok: false; readonly reason: string; readonly detail?: string };

/** Told of every block connected to or disconnected from the best chain, in order. */
export interface ChainObserver {
  blockConnected(block: RegtestBlock): void;
  blockDisconnected(block: RegtestBlock): void;
}

/** An unspent output as `listUnspent` reports it. */
export interface UnspentOutput {
  readonly outpoint: OutPoint;
  readonly output: TxOut;
  /** 0 for a mempool output. */
  readonly confirmations: number;
  readonly coinbase: boolean;
  /** False for a coinbase output younger than 100 blocks (it cannot be spent in the next block). */
  readonly spendable: boolean;
}

/** Construction options. */
export interface RegtestChainOptions {
  readonly crypto: CryptoBackend;
  /**
   * Block timestamp for a new block at `height`, given the previous block's time and median time
   * past (it must exceed the latter). Default: the previous block's time + 600 s. To mine blocks
   * Bitcoin Core accepts (e.g. via `submitblock`), use Core's rule `max(mtp + 1, now)`.
   */
  readonly blockTime?: (height: number, prevTime: number, medianTimePast: number) => number;
}

/** What `mineBlock` puts in a block. */
export interface MineOptions {
  /** The coinbase output script (default {@link ANYONE_CAN_SPEND_SCRIPT}'s P2WSH). */
  readonly toScript?: Uint8Array;
  /** Include the mempool first, in order, as far as the block weight limit allows (default true). */
  readonly includeMempool?: boolean;
  /**
   * Further transactions, checked in order against consensus rules only (so non-standard ones
   * can be mined); mempool transactions they conflict with, and their descendants, are left out
   * of the block and evicted.
   */
  readonly txs?: readonly (Uint8Array | Transaction)[];
}

/** `OP_TRUE`: the witness script of the default coinbase output, so anyone can spend test coins. */
export const ANYONE_CAN_SPEND_SCRIPT = Uint8Array.of(0x51);

// The regtest genesis coinbase (Core's CreateGenesisBlock); its output is never spendable.
const GENESIS_COINBASE_HEX =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

interface MempoolEntry {
  readonly tx: Transaction;
  readonly raw: Uint8Array;
  readonly txid: Uint8Array;
  readonly wtxid: Uint8Array;
  readonly fee: bigint;
  readonly vsize: number;
}

interface BlockUndo {
  readonly spent: Array<readonly [string, StoredCoin]>;
  readonly created: string[];
}

interface StoredCoin extends Coin {
  readonly outpoint: OutPoint;
}

const keyOf = (o: OutPoint): string => `${toHex(o.txid)}:${o.vout}`;

/** BIP 141's block weight limit. */
export const MAX_BLOCK_WEIGHT = 4_000_000;
// Core's miner keeps 4000 weight units for the coinbase.
const COINBASE_WEIGHT_RESERVE = 4_000;

/** Thrown by `mineBlock` when a transaction given explicitly is invalid. */
export class InvalidBlockTransaction extends APIMisuseError {
  constructor(
    message: string,
    readonly result: ValidationResult,
  ) {
    super(message);
  }
}

/** The embedded regtest chain. */
export class RegtestChain {
  /** The crypto backend every hash and signature check goes through. */
  readonly crypto: CryptoBackend;
  /** A `BroadcasterInterface` that submits to this chain's mempool and records each result in {@link broadcastLog}. */
  readonly broadcaster: BroadcasterInterface;
  /** Every transaction broadcast through {@link broadcaster}, with the mempool's verdict. */
  readonly broadcastLog: Array<{ readonly tx: Uint8Array; readonly result: SubmitResult }> = [];

  private readonly blocks: RegtestBlock[] = [];
  private readonly undo: BlockUndo[] = [];
  private readonly utxos = new Map<string, StoredCoin>();
  private readonly txIndex = new Map<string, { height: number; index: number }>();
  private readonly mempool = new Map<string, MempoolEntry>();
  private readonly mempoolSpends = new Map<string, string>();
  private readonly observers: ChainObserver[] = [];
  private readonly blockTime: (height: number, prevTime: number, medianTimePast: number) => number;
  private nonceCounter = 0;

  constructor(opts: RegtestChainOptions) {
    this.crypto = opts.crypto;
    this.blockTime = opts.blockTime ?? ((_h, prev) => prev + 600);
    const header = encodeHeader(REGTEST_GENESIS);
    const coinbase = parseTx(fromHex(GENESIS_COINBASE_HEX));
    if (coinbase instanceof DecodeError) throw coinbase;
    this.blocks.push({
      height: 0,
      header,
      hash: blockHash(header, this.crypto),
      time: REGTEST_GENESIS.time,
      txs: [coinbase],
      rawTxs: [serializeTx(coinbase)],
      txids: [computeTxid(coinbase, this.crypto)],
    });
    this.undo.push({ spent: [], created: [] });
    this.broadcaster = {
      broadcastTransactions: (txs) => {
        for (const tx of txs) this.broadcastLog.push({ tx, result: this.submit(tx) });
      },
    };
  }

  /** Height of the best block. */
  get height(): number {
    return this.blocks.length - 1;
  }

  /** The best block. */
  get tip(): RegtestBlock {
    return this.blocks[this.blocks.length - 1]!;
  }

  /** The tip as `chain.BestBlock` (what `ChannelManager` and `ChainMonitor` are created with). */
  bestBlock(): BestBlock {
    return { blockHash: this.tip.hash, height: this.height };
  }

  /** The `short_channel_id` of output `vout` of a confirmed transaction (BOLT 7), if it is confirmed. */
  shortChannelId(txid: Uint8Array, vout: number): bigint | undefined {
    const at = this.txIndex.get(toHex(txid));
    return at ? (BigInt(at.height) << 40n) | (BigInt(at.index) << 16n) | BigInt(vout) : undefined;
  }

  /** The best-chain block at `height`, if any. */
  blockAt(height: number): RegtestBlock | undefined {
    return this.blocks[height];
  }

  /** The best-chain block with this hash (internal order), if any. */
  blockByHash(hash: Uint8Array): RegtestBlock | undefined {
    return this.blocks.find((b) => equalBytes(b.hash, hash));
  }

  /** Registers an observer of block (dis)connections; returns a function that removes it. */
  subscribe(observer: ChainObserver): () => void {
    this.observers.push(observer);
    return () => {
      const i = this.observers.indexOf(observer);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  /** BIP 113 median time past of the block at `height`: the median of it and its ten predecessors. */
  medianTimePast(height: number): number {
    const times: number[] = [];
    for (let h = height; h >= 0 && h > height - 11; h--) times.push(this.blocks[h]!.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  private view(): ValidationView {
    const nextHeight = this.height + 1;
    return {
      nextHeight,
      getCoin: (o) => {
        const entry = this.mempool.get(toHex(o.txid));
        if (entry) {
          const out = entry.tx.outputs[o.vout];
          return out && !isOpReturn(out.script) ? { output: out, height: nextHeight, coinbase: false } : undefined;
        }
        return this.utxos.get(keyOf(o));
      },
      spentInMempool: (o) => this.mempoolSpends.get(keyOf(o)),
      replacement: {
        entry: (hex) => this.mempool.get(hex),
        withDescendants: (hexes) => this.withDescendants(hexes),
        ancestorsOf: (tx) => {
          const out = new Set<string>();
          const todo = tx.inputs.map((i) => toHex(i.prevout.txid));
          while (todo.length > 0) {
            const h = todo.pop()!;
            const e = this.mempool.get(h);
            if (!e || out.has(h)) continue;
            out.add(h);
            for (const i of e.tx.inputs) todo.push(toHex(i.prevout.txid));
          }
          return out;
        },
      },
      inMempool: (id, wtxid) => {
        const e = this.mempool.get(toHex(id));
        return e ? (equalBytes(e.wtxid, wtxid) ? 'same' : 'other-witness') : undefined;
      },
      hasConfirmedOutputs: (id, n) => {
        for (let v = 0; v < n; v++) if (this.utxos.has(`${toHex(id)}:${v}`)) return true;
        return false;
      },
      medianTimePast: (h) => this.medianTimePast(h),
    };
  }

  /** The given mempool transactions and everything in the mempool that spends from them, transitively. */
  private withDescendants(hexes: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const todo = [...hexes];
    while (todo.length > 0) {
      const h = todo.pop()!;
      const e = this.mempool.get(h);
      if (!e || out.has(h)) continue;
      out.add(h);
      for (let v = 0; v < e.tx.outputs.length; v++) {
        const child = this.mempoolSpends.get(`${h}:${v}`);
        if (child !== undefined) todo.push(child);
      }
    }
    return out;
  }

  private removeFromMempool(hexes: Iterable<string>): void {
    for (const h of hexes) {
      const e = this.mempool.get(h);
      if (!e) continue;
      this.mempool.delete(h);
      for (const i of e.tx.inputs) this.mempoolSpends.delete(keyOf(i.prevout));
    }
  }

  // Transactions are kept as private copies (parsed from their bytes): `TxIn` fields are
  // mutable, and a caller reusing its object must not rewrite the mempool or a block.
  private decode(tx: Uint8Array | Transaction): Transaction | DecodeError {
    return parseTx(tx instanceof Uint8Array ? tx : serializeTx(tx));
  }

  /**
   * Validates a transaction as the mempool would, without changing anything (Core's
   * `testmempoolaccept`).
   */
  testAccept(tx: Uint8Array | Transaction): ValidationResult {
    const t = this.decode(tx);
    if (t instanceof DecodeError) return { ok: false, reason: 'TX decode failed', detail: t.message };
    return validateTransaction(t, this.view(), this.crypto);
  }

  /**
   * Submits a transaction to the mempool (Core's `sendrawtransaction` without the fee cap).
   * Spending unconfirmed outputs is allowed; a conflict replaces the mempool transactions it
   * conflicts with (and their descendants) when BIP 125's rules allow, else it is refused.
   */
  submit(tx: Uint8Array | Transaction): SubmitResult {
    const t = this.decode(tx);
    if (t instanceof DecodeError) return { ok: false, reason: 'TX decode failed', detail: t.message };
    const r = this.testAccept(t);
    if (!r.ok) return { ok: false, reason: r.reason, ...(r.detail !== undefined ? { detail: r.detail } : {}) };
    this.removeFromMempool(r.replaces);
    this.addToMempool(t, r.txid, r.fee, r.vsize);
    return { ok: true, txid: r.txid };
  }

  private addToMempool(tx: Transaction, id: Uint8Array, fee: bigint, vsize: number): void {
    const hex = toHex(id);
    this.mempool.set(hex, { tx, raw: serializeTx(tx), txid: id, wtxid: computeWtxid(tx, this.crypto), fee, vsize });
    for (const i of tx.inputs) this.mempoolSpends.set(keyOf(i.prevout), hex);
  }

  /** Txids (internal order) in the mempool, parents before children. */
  mempoolTxids(): Uint8Array[] {
    return [...this.mempool.values()].map((e) => e.txid);
  }

  /** Mines `n` blocks paying their coinbases to `toScript`, each taking as much of the mempool as fits. */
  mine(n: number, toScript?: Uint8Array): RegtestBlock[] {
    const out: RegtestBlock[] = [];
    for (let k = 0; k < n; k++) out.push(this.mineBlock(toScript ? { toScript } : {}));
    return out;
  }

  /** Mines one block (see {@link MineOptions}) and tells every observer. */
  mineBlock(opts: MineOptions = {}): RegtestBlock {
    const height = this.height + 1;
    const toScript = opts.toScript ?? p2wshForScript(ANYONE_CAN_SPEND_SCRIPT, this.crypto);
    const explicitTxs: Transaction[] = [];
    for (const raw of opts.txs ?? []) {
      const tx = this.decode(raw);
      if (tx instanceof DecodeError) throw new InvalidBlockTransaction(tx.message, { ok: false, reason: 'TX decode failed' });
      explicitTxs.push(tx);
    }
    // Explicit transactions win: mempool transactions they conflict with (and their descendants)
    // stay out of the block, and one already in the mempool is not included twice.
    const explicitSpends = new Set(explicitTxs.flatMap((t) => t.inputs.map((i) => keyOf(i.prevout))));
    const explicitIds = new Set(explicitTxs.map((t) => toHex(computeTxid(t, this.crypto))));
    const conflicted = this.withDescendants(
      [...this.mempool.entries()].filter(([, e]) => e.tx.inputs.some((i) => explicitSpends.has(keyOf(i.prevout)))).map(([h]) => h),
    );
    const candidates = opts.includeMempool === false ? [] : [...this.mempool.entries()].filter(([h]) => !conflicted.has(h) && !explicitIds.has(h)).map(([, e]) => e);
    // Fill the block in mempool (topological) order up to the consensus weight limit, leaving
    // room for the coinbase; the rest waits for the next block.
    const entries: MempoolEntry[] = [];
    let blockWeight = COINBASE_WEIGHT_RESERVE;
    for (const e of candidates) {
      blockWeight += e.vsize * 4;
      if (blockWeight > MAX_BLOCK_WEIGHT) break;
      entries.push(e);
    }
    const chosen: Transaction[] = entries.map((e) => e.tx);
    let fees = entries.reduce((s, e) => s + e.fee, 0n);
    if (explicitTxs.length > 0) {
      // Explicit transactions are checked in sequence on top of what the block already spends.
      const created = new Map<string, Coin>();
      const spent = new Set<string>();
      for (const e of entries) {
        for (const i of e.tx.inputs) spent.add(keyOf(i.prevout));
        e.tx.outputs.forEach((o, v) => {
          created.set(`${toHex(e.txid)}:${v}`, { output: o, height, coinbase: false });
        });
      }
      const base = this.view();
      for (const tx of explicitTxs) {
        const r = validateTransaction(
          tx,
          {
            ...base,
            getCoin: (o) => {
              const k = keyOf(o);
              if (spent.has(k)) return undefined;
              return created.get(k) ?? this.utxos.get(k);
            },
            spentInMempool: () => undefined,
            inMempool: () => undefined,
          },
          this.crypto,
          false,
        );
        if (!r.ok) throw new InvalidBlockTransaction(`block transaction rejected: ${r.reason}${r.detail ? ` (${r.detail})` : ''}`, r);
        for (const i of tx.inputs) spent.add(keyOf(i.prevout));
        tx.outputs.forEach((o, v) => {
          created.set(`${toHex(r.txid)}:${v}`, { output: o, height, coinbase: false });
        });
        chosen.push(tx);
        fees += r.fee;
      }
    }
    const coinbase = buildCoinbase(height, toScript, blockSubsidy(height) + fees, wtxidsOf(chosen, this.crypto), this.crypto);
    const time = this.blockTime(height, this.tip.time, this.medianTimePast(this.height));
    if (time <= this.medianTimePast(this.height)) throw new APIMisuseError(`block time ${time} is not after the median time past`);
    const block = assembleBlock(height, this.tip.hash, time, [coinbase, ...chosen], this.nonceCounter, this.crypto);
    // Later blocks start their nonce search past this one, so a replacement block at the same
    // height with the same contents still gets a different hash.
    this.nonceCounter = (decodeHeader(block.header).nonce + 1) >>> 0;
    const explicit = explicitTxs.length > 0;
    const leftover = [...this.mempool.values()].filter((e) => !block.txids.some((id) => equalBytes(id, e.txid)));
    this.connect(block);
    this.mempool.clear();
    this.mempoolSpends.clear();
    // Mempool transactions not mined may now conflict with the block: re-admit only those still valid.
    if (explicit || leftover.length > 0) for (const e of leftover) this.submit(e.tx);
    return block;
  }

  private connect(block: RegtestBlock): void {
    const u: BlockUndo = { spent: [], created: [] };
    block.txs.forEach((tx, index) => {
      const id = block.txids[index]!;
      const cb = isCoinbase(tx);
      if (!cb) {
        for (const i of tx.inputs) {
          const k = keyOf(i.prevout);
          const coin = this.utxos.get(k);
          if (coin) {
            u.spent.push([k, coin]);
            this.utxos.delete(k);
          }
        }
      }
      tx.outputs.forEach((o, vout) => {
        // Provably unspendable outputs never enter the UTXO set (as in Core).
        if (isOpReturn(o.script)) return;
        const k = `${toHex(id)}:${vout}`;
        this.utxos.set(k, { outpoint: { txid: id, vout }, output: o, height: block.height, coinbase: cb });
        u.created.push(k);
      });
      this.txIndex.set(toHex(id), { height: block.height, index });
    });
    this.blocks.push(block);
    this.undo.push(u);
    for (const o of this.observers.slice()) o.blockConnected(block);
  }

  private disconnectTip(): RegtestBlock {
    if (this.height === 0) throw new APIMisuseError('cannot disconnect the genesis block');
    const block = this.blocks.pop()!;
    const u = this.undo.pop()!;
    for (const k of u.created) this.utxos.delete(k);
    for (const [k, coin] of u.spent) this.utxos.set(k, coin);
    for (const id of block.txids) this.txIndex.delete(toHex(id));
    for (const o of this.observers.slice()) o.blockDisconnected(block);
    return block;
  }

  /**
   * Disconnects the best-chain blocks from `height` up to the tip (Core's `invalidateblock` on
   * the block at `height`). Their transactions, except coinbases, go back to the mempool ahead of
   * what was there; any that are no longer valid (and their descendants) are dropped.
   * @returns the disconnected blocks, tip first.
   */
  invalidate(height: number): RegtestBlock[] {
    if (height < 1 || height > this.height) throw new APIMisuseError(`no block at height ${height} to invalidate (tip ${this.height})`);
    const gone: RegtestBlock[] = [];
    while (this.height >= height) gone.push(this.disconnectTip());
    const returning: Transaction[] = [];
    for (const b of gone.slice().reverse()) for (const tx of b.txs) if (!isCoinbase(tx)) returning.push(tx);
    const old = [...this.mempool.values()].map((e) => e.tx);
    this.mempool.clear();
    this.mempoolSpends.clear();
    for (const tx of [...returning, ...old]) this.submit(tx);
    return gone;
  }

  /**
   * A reorg: disconnects the top `depth` blocks, then mines a replacement branch — `blocks`
   * empty blocks (default `depth + 1`, so the new branch is longer), or one block per list of
   * transactions given. The replacement blocks leave the mempool alone unless
   * `includeMempool` is set, so disconnected transactions stay unconfirmed.
   * @returns the new blocks.
   */
  reorg(
    depth: number,
    blocks: number | ReadonlyArray<ReadonlyArray<Uint8Array | Transaction>> = depth + 1,
    opts: { readonly toScript?: Uint8Array; readonly includeMempool?: boolean } = {},
  ): RegtestBlock[] {
    if (depth < 1 || depth > this.height) throw new APIMisuseError(`cannot reorg ${depth} blocks at height ${this.height}`);
    this.invalidate(this.height - depth + 1);
    const plan = typeof blocks === 'number' ? Array.from({ length: blocks }, () => []) : blocks;
    return plan.map((txs) =>
      this.mineBlock({
        includeMempool: opts.includeMempool ?? false,
        txs,
        ...(opts.toScript ? { toScript: opts.toScript } : {}),
      }),
    );
  }

  /** The unspent confirmed output at `outpoint` (with `includeMempool`, also unspent mempool outputs, and not those the mempool spends). */
  getUtxo(outpoint: OutPoint, opts: { readonly includeMempool?: boolean } = {}): TxOut | undefined {
    if (opts.includeMempool) {
      if (this.mempoolSpends.has(keyOf(outpoint))) return undefined;
      return this.view().getCoin(outpoint)?.output;
    }
    return this.utxos.get(keyOf(outpoint))?.output;
  }

  /** A transaction in the best chain or the mempool, by txid (internal order); a copy the caller may modify. */
  getTx(txid: Uint8Array): Transaction | undefined {
    const raw = this.getRawTx(txid);
    if (!raw) return undefined;
    const t = parseTx(raw);
    return t instanceof DecodeError ? undefined : t;
  }

  /** The serialized transaction, as {@link getTx}. */
  getRawTx(txid: Uint8Array): Uint8Array | undefined {
    const hex = toHex(txid);
    const m = this.mempool.get(hex);
    if (m) return m.raw;
    const at = this.txIndex.get(hex);
    return at ? this.blocks[at.height]!.rawTxs[at.index] : undefined;
  }

  /** Where a confirmed transaction is: its block and position (for a `short_channel_id`, BOLT 7). */
  getTxLocation(txid: Uint8Array): { readonly height: number; readonly index: number; readonly blockHash: Uint8Array } | undefined {
    const at = this.txIndex.get(toHex(txid));
    return at ? { ...at, blockHash: this.blocks[at.height]!.hash } : undefined;
  }

  /** Confirmations of a transaction: 0 in the mempool, 1 in the tip, `undefined` when unknown. */
  getConfirmations(txid: Uint8Array): number | undefined {
    const hex = toHex(txid);
    if (this.mempool.has(hex)) return 0;
    const at = this.txIndex.get(hex);
    return at ? this.height - at.height + 1 : undefined;
  }

  /** Unspent outputs whose script passes `match`, confirmed and in the mempool, minus those the mempool spends. */
  listUnspent(match: (script: Uint8Array) => boolean): UnspentOutput[] {
    const out: UnspentOutput[] = [];
    const next = this.height + 1;
    for (const [k, c] of this.utxos) {
      if (this.mempoolSpends.has(k) || !match(c.output.script)) continue;
      out.push({
        outpoint: c.outpoint,
        output: c.output,
        confirmations: next - c.height,
        coinbase: c.coinbase,
        spendable: !c.coinbase || next - c.height >= COINBASE_MATURITY,
      });
    }
    for (const e of this.mempool.values()) {
      e.tx.outputs.forEach((o, vout) => {
        const outpoint = { txid: e.txid, vout };
        if (isOpReturn(o.script) || this.mempoolSpends.has(keyOf(outpoint)) || !match(o.script)) return;
        out.push({ outpoint, output: o, confirmations: 0, coinbase: false, spendable: true });
      });
    }
    return out;
  }
}
