/**
 * `chain.Access` over the regtest chain: resolves a `short_channel_id` (BOLT 7 §"Definition of
 * `short_channel_id`": block height, transaction index, output index) to the funding output, as
 * `NetGraphMsgHandler` asks before accepting a `channel_announcement`.
 * @module
 */
import type { Access, AccessError, ChainTxOut } from '@lnts/lightning/chain';
import { chainHash } from '@lnts/lightning/chain';
import { equalBytes } from '@lnts/lightning/util';
import type { RegtestChain } from './chain.js';

/** Splits a `short_channel_id` into block height, transaction index and output index (BOLT 7). */
export function decodeShortChannelId(scid: bigint): { readonly height: number; readonly txIndex: number; readonly vout: number } {
  return { height: Number(scid >> 40n), txIndex: Number((scid >> 16n) & 0xffffffn), vout: Number(scid & 0xffffn) };
}

/** Builds a `short_channel_id` from its parts (BOLT 7). */
export function encodeShortChannelId(height: number, txIndex: number, vout: number): bigint {
  return (BigInt(height) << 40n) | (BigInt(txIndex) << 16n) | BigInt(vout);
}

/**
 * Answers `getUtxo` synchronously from the best chain: `UnknownChain` for any chain hash but
 * regtest's, `UnknownTx` when the block, transaction or output does not exist or the output has
 * been spent in a block (a spend still in the mempool does not count, as with bitcoind's
 * `gettxout` without mempool).
 */
export class RegtestAccess implements Access {
  private readonly regtest = chainHash('regtest');
  constructor(private readonly chain: RegtestChain) {}

  getUtxo(genesisHash: Uint8Array, shortChannelId: bigint): ChainTxOut | AccessError {
    if (!equalBytes(genesisHash, this.regtest)) return 'UnknownChain';
    const { height, txIndex, vout } = decodeShortChannelId(shortChannelId);
    const block = this.chain.blockAt(height);
    const txid = block?.txids[txIndex];
    if (!txid) return 'UnknownTx';
    const out = this.chain.getUtxo({ txid, vout });
    return out ? { value: out.value, script: out.script, outpoint: { txid, vout } } : 'UnknownTx';
  }
}
