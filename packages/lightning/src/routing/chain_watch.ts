/**
 * Forgets gossip channels whose funding output is spent (BOLT 7 §"The `channel_announcement`
 * Message", receiver: once the funding output is spent the channel is closed; Eclair does the same
 * with a watch on every public channel's funding output). Feed it blocks as any other `Listen`:
 * every input of every transaction is checked against the funding outpoints the graph learned
 * from its `chain.Access`. Channels whose outpoint the Access did not give age out as stale
 * instead.
 * @module
 */
import { parseTx } from '../bitcoin/serialize.js';
import type { IndexedTx, Listen } from '../chain/interfaces.js';
import { DecodeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { NetworkGraph } from './network_graph.js';

const MODULE = 'routing::chain_watch';

/** A `Listen` that removes channels from `graph` when a block spends their funding output. */
export class GraphChainWatcher implements Listen {
  constructor(
    private readonly graph: NetworkGraph,
    private readonly logger: Logger,
  ) {}

  filteredBlockConnected(_header: Uint8Array, txdata: readonly IndexedTx[], height: number): void {
    for (const { tx } of txdata) {
      const t = parseTx(tx);
      if (t instanceof DecodeError) {
        this.logger.log({ level: 'warn', module: MODULE, message: `unparsable transaction in block ${height}: ${t.message}` });
        continue;
      }
      for (const input of t.inputs) {
        const scid = this.graph.fundingSpent(input.prevout);
        if (scid !== undefined) this.logger.log({ level: 'debug', module: MODULE, message: `channel ${scid} closed on chain at height ${height}` });
      }
    }
  }

  // A reorg that un-spends a funding output does not bring the channel back: its announcement
  // comes back with gossip if it is still open, as after any removal.
  blockDisconnected(_header: Uint8Array, _height: number): void {}
}
