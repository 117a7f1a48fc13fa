/**
 * Feeds the regtest chain's blocks to any number of listeners, in order: `chain.Listen`
 * implementations get `filteredBlockConnected` / `blockDisconnected` for every block, and
 * `chain.Confirm` implementations get `transactionsConfirmed` then `bestBlockUpdated` per block
 * and, on a reorg, `transactionUnconfirmed` for each relevant transaction of a disconnected block
 * followed by `bestBlockUpdated` with the fork point (LDK's documented call order for both
 * interfaces). Listeners may be our `ChannelManager` / `ChainMonitor` or adapters to LDK.
 * @module
 */
import type { Confirm, IndexedTx, Listen } from '@lnts/lightning/chain';
import { equalBytes } from '@lnts/lightning/util';
import type { RegtestBlock } from './block.js';
import type { RegtestChain } from './chain.js';

/** Every transaction of a block with its index (all of them: listeners filter for themselves). */
export function blockTxdata(block: RegtestBlock): IndexedTx[] {
  return block.rawTxs.map((tx, index) => ({ index, tx }));
}

type Registered = { readonly kind: 'listen'; readonly l: Listen } | { readonly kind: 'confirm'; readonly l: Confirm };

/** Delivers connected and disconnected blocks of one {@link RegtestChain} to its listeners. */
export class BlockSource {
  private readonly listeners: Registered[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly chain: RegtestChain) {
    this.unsubscribe = chain.subscribe({
      blockConnected: (b) => this.connected(b),
      blockDisconnected: (b) => this.disconnected(b),
    });
  }

  /**
   * Registers a `Listen`er that has processed the chain up to `syncedHeight` (default: the
   * current tip); blocks above it are replayed now, in order.
   */
  addListen(l: Listen, syncedHeight = this.chain.height): void {
    for (let h = syncedHeight + 1; h <= this.chain.height; h++) {
      const b = this.chain.blockAt(h)!;
      l.filteredBlockConnected(b.header, blockTxdata(b), h);
    }
    this.listeners.push({ kind: 'listen', l });
  }

  /** Registers a `Confirm` listener synced to `syncedHeight` (default: the tip); later blocks are replayed now. */
  addConfirm(l: Confirm, syncedHeight = this.chain.height): void {
    for (let h = syncedHeight + 1; h <= this.chain.height; h++) {
      const b = this.chain.blockAt(h)!;
      l.transactionsConfirmed(b.header, blockTxdata(b), h);
      l.bestBlockUpdated(b.header, h);
    }
    this.listeners.push({ kind: 'confirm', l });
  }

  /** Stops delivering to `l`. */
  remove(l: Listen | Confirm): void {
    const i = this.listeners.findIndex((r) => r.l === l);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** Detaches from the chain. */
  close(): void {
    this.unsubscribe();
  }

  private connected(b: RegtestBlock): void {
    const txdata = blockTxdata(b);
    for (const r of this.listeners.slice()) {
      if (r.kind === 'listen') r.l.filteredBlockConnected(b.header, txdata, b.height);
      else {
        r.l.transactionsConfirmed(b.header, txdata, b.height);
        r.l.bestBlockUpdated(b.header, b.height);
      }
    }
  }

  private disconnected(b: RegtestBlock): void {
    const parent = this.chain.blockAt(b.height - 1)!;
    for (const r of this.listeners.slice()) {
      if (r.kind === 'listen') {
        r.l.blockDisconnected(b.header, b.height);
        continue;
      }
      // Unconfirm what the listener believes is in this block (by block hash, or by txid when it did not record one).
      for (const rel of r.l.getRelevantTxids()) {
        const inBlock = rel.blockHash ? equalBytes(rel.blockHash, b.hash) : rel.height >= b.height && b.txids.some((id) => equalBytes(id, rel.txid));
        if (inBlock) r.l.transactionUnconfirmed(rel.txid);
      }
      r.l.bestBlockUpdated(parent.header, parent.height);
    }
  }
}
