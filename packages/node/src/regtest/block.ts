/**
 * Blocks as the regtest chain makes them: 80-byte headers (version, previous hash, merkle root,
 * time, bits, nonce) with regtest proof of work, coinbase transactions built the way Bitcoin
 * Core 26's miner builds them (BIP 34 height, BIP 141 witness commitment), the regtest subsidy
 * schedule and the regtest genesis header, whose hash is `chainHash('regtest')`.
 * @module
 */
import type { Transaction, TxOut } from '@lnts/lightning/bitcoin';
import { ScriptBuilder, serializeTx, txid as computeTxid, wtxid as computeWtxid } from '@lnts/lightning/bitcoin';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { sha256d } from '@lnts/lightning/crypto';
import { concat, fromHex } from '@lnts/lightning/util';

/** A block header's fields (hashes in internal byte order). */
export interface BlockHeader {
  readonly version: number;
  readonly prevHash: Uint8Array;
  readonly merkleRoot: Uint8Array;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
}

/** Regtest's proof-of-work limit in compact form (`powLimit` 7fffff…). */
export const REGTEST_BITS = 0x207fffff;
/** BIP 9 version bits with no deployment signalled, as Core's miner sets. */
export const BLOCK_VERSION = 0x20000000;
/** Satoshis per bitcoin. */
export const COIN = 100_000_000n;
/** Consensus cap on any amount (21 million BTC). */
export const MAX_MONEY = 21_000_000n * COIN;
/** Coinbase outputs may be spent only this many blocks later. */
export const COINBASE_MATURITY = 100;
/** Regtest halves the subsidy every 150 blocks. */
export const REGTEST_HALVING_INTERVAL = 150;

/** The regtest genesis header (Core's `CRegTestParams`). */
export const REGTEST_GENESIS: BlockHeader = {
  version: 1,
  prevHash: new Uint8Array(32),
  merkleRoot: fromHex('3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a'),
  time: 1296688602,
  bits: REGTEST_BITS,
  nonce: 2,
};

function u32le(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}
function readU32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Serializes a header to its 80 bytes. */
export function encodeHeader(h: BlockHeader): Uint8Array {
  return concat(u32le(h.version), h.prevHash, h.merkleRoot, u32le(h.time), u32le(h.bits), u32le(h.nonce));
}

/** Parses 80 header bytes. */
export function decodeHeader(b: Uint8Array): BlockHeader {
  if (b.length !== 80) throw new TypeError('a block header is 80 bytes');
  return {
    version: readU32le(b, 0),
    prevHash: b.slice(4, 36),
    merkleRoot: b.slice(36, 68),
    time: readU32le(b, 68),
    bits: readU32le(b, 72),
    nonce: readU32le(b, 76),
  };
}

/** The block hash: double SHA-256 of the header, internal byte order. */
export function blockHash(header80: Uint8Array, crypto: CryptoBackend): Uint8Array {
  return sha256d(crypto, header80);
}

/** Expands compact `bits` to the 256-bit target. */
export function targetFromBits(bits: number): bigint {
  const exp = bits >>> 24;
  const mant = BigInt(bits & 0x7fffff);
  return exp <= 3 ? mant >> BigInt(8 * (3 - exp)) : mant << BigInt(8 * (exp - 3));
}

/** True when the hash, read as a little-endian number, is within the target. */
export function checkProofOfWork(hash: Uint8Array, bits: number): boolean {
  let v = 0n;
  for (let i = hash.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(hash[i]!);
  return v <= targetFromBits(bits);
}

/** The merkle root over txids (or wtxids) in internal order; the last hash pairs with itself when a level is odd. */
export function merkleRoot(hashes: readonly Uint8Array[], crypto: CryptoBackend): Uint8Array {
  if (hashes.length === 0) return new Uint8Array(32);
  let level = hashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(crypto, concat(level[i]!, level[i + 1] ?? level[i]!)));
    level = next;
  }
  return level[0]!;
}

/** The block subsidy at `height` on regtest (50 BTC, halving every 150 blocks). */
export function blockSubsidy(height: number): bigint {
  const halvings = Math.floor(height / REGTEST_HALVING_INTERVAL);
  return halvings >= 64 ? 0n : (50n * COIN) >> BigInt(halvings);
}

const WITNESS_COMMITMENT_HEADER = fromHex('aa21a9ed');

/**
 * The coinbase transaction Core 26's `CreateNewBlock` produces: version 2, scriptSig
 * `<height> OP_0` (BIP 34), one output of subsidy plus fees, then the BIP 141 witness commitment
 * `OP_RETURN aa21a9ed‖SHA256d(witness root ‖ reserved)` with a 32-byte zero reserved value as the
 * coinbase witness. Built identically, the same blocks on two chains have the same coinbase txid.
 */
export function buildCoinbase(height: number, payTo: Uint8Array, value: bigint, otherWtxids: readonly Uint8Array[], crypto: CryptoBackend): Transaction {
  const reserved = new Uint8Array(32);
  // The coinbase's own wtxid is taken as zero in the witness merkle tree.
  const witnessRoot = merkleRoot([new Uint8Array(32), ...otherWtxids], crypto);
  const commitment = sha256d(crypto, concat(witnessRoot, reserved));
  const commitScript = new ScriptBuilder(38).op(0x6a).push(concat(WITNESS_COMMITMENT_HEADER, commitment)).build();
  const outputs: TxOut[] = [
    { value, script: payTo },
    { value: 0n, script: commitScript },
  ];
  return {
    version: 2,
    inputs: [
      {
        prevout: { txid: new Uint8Array(32), vout: 0xffffffff },
        scriptSig: new ScriptBuilder(8).num(height).op(0x00).build(),
        sequence: 0xffffffff,
        witness: [reserved],
      },
    ],
    outputs,
    locktime: 0,
  };
}

/** A block of the regtest chain, with the derived data the chain keeps alongside. */
export interface RegtestBlock {
  readonly height: number;
  readonly header: Uint8Array;
  readonly hash: Uint8Array;
  readonly time: number;
  /** Transactions, coinbase first. */
  readonly txs: readonly Transaction[];
  /** Their serializations (segwit format where they carry witnesses). */
  readonly rawTxs: readonly Uint8Array[];
  /** Their txids, internal byte order. */
  readonly txids: readonly Uint8Array[];
}

/**
 * Assembles a block on `prevHash`: merkle root over `txs` (coinbase first), then the first nonce
 * from `nonceStart` that meets regtest's target (about one try in two).
 */
export function assembleBlock(
  height: number,
  prevHash: Uint8Array,
  time: number,
  txs: readonly Transaction[],
  nonceStart: number,
  crypto: CryptoBackend,
): RegtestBlock {
  const txids = txs.map((t) => computeTxid(t, crypto));
  const root = merkleRoot(txids, crypto);
  let nonce = nonceStart >>> 0;
  for (;;) {
    const header = encodeHeader({ version: BLOCK_VERSION, prevHash, merkleRoot: root, time, bits: REGTEST_BITS, nonce });
    const hash = blockHash(header, crypto);
    if (checkProofOfWork(hash, REGTEST_BITS)) return { height, header, hash, time, txs, rawTxs: txs.map((t) => serializeTx(t)), txids };
    nonce = (nonce + 1) >>> 0;
  }
}

/** A block's wire serialization: header, transaction count, transactions (what `getblock <hash> 0` returns, and what LDK's `Listen.block_connected` takes). */
export function serializeBlock(block: RegtestBlock): Uint8Array {
  const n = block.rawTxs.length;
  const count = n < 0xfd ? Uint8Array.of(n) : Uint8Array.of(0xfd, n & 0xff, n >> 8);
  return concat(block.header, count, ...block.rawTxs);
}

/** The wtxids of non-coinbase transactions, for {@link buildCoinbase}'s commitment. */
export function wtxidsOf(txs: readonly Transaction[], crypto: CryptoBackend): Uint8Array[] {
  return txs.map((t) => computeWtxid(t, crypto));
}
