/**
 * A P2WPKH wallet on the regtest chain: keys derived from a seed, addresses, balance, coin
 * selection and signing (BIP 143, SIGHASH_ALL), enough to fund channels — a funding
 * transaction paying a BOLT 3 §"Funding Transaction Output" P2WSH script, built unsigned and then
 * signed — and a faucet (`chain.mine(101, wallet.script)`).
 * @module
 */
import type { Transaction, TxOut } from '@lnts/lightning/bitcoin';
import {
  compactSizeLen,
  encodeSegwitAddress,
  encodeWitnessSignature,
  HRP,
  p2pkhScript,
  p2wpkhScript,
  SIGHASH_ALL,
  segwitV0Sighash,
} from '@lnts/lightning/bitcoin';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { APIError, concat, toHex } from '@lnts/lightning/util';
import type { RegtestChain, SubmitResult, UnspentOutput } from './chain.js';
import { COINBASE_MATURITY } from './block.js';
import { dustThreshold } from './policy.js';

/** The wallet cannot pay for what was asked. */
export class InsufficientFunds extends APIError {
  readonly code = 'INSUFFICIENT_FUNDS';
  override readonly name = 'InsufficientFunds';
  constructor(
    readonly needed: bigint,
    readonly available: bigint,
  ) {
    super(`insufficient funds: need ${needed} sat, have ${available} sat spendable`);
  }
}

/** One wallet key. */
export interface WalletKey {
  readonly index: number;
  readonly secret: Uint8Array;
  /** 33-byte compressed public key. */
  readonly pubkey: Uint8Array;
  /** Its P2WPKH scriptPubKey. */
  readonly script: Uint8Array;
}

/** A transaction the wallet built, before or after signing. */
export interface FundedTransaction {
  readonly tx: Transaction;
  /** The coins spent, in input order. */
  readonly inputs: readonly UnspentOutput[];
  readonly fee: bigint;
  /** Index of the change output, if one was added (always last). */
  readonly changeIndex: number | undefined;
}

/** Options for building a transaction. */
export interface FundOptions {
  /** Only spend coins with at least this many confirmations (default 0: mempool change is fine). */
  readonly minConf?: number;
  /** nLockTime (default 0). */
  readonly locktime?: number;
  /** Signal BIP 125 replaceability (nSequence 0xfffffffd) so the transaction can be fee-bumped (default false). */
  readonly rbf?: boolean;
}

// Per-input weight of a P2WPKH spend: 41 base bytes ×4 plus a witness of a ≤72-byte signature and a 33-byte key.
const P2WPKH_INPUT_WEIGHT = 41 * 4 + (1 + 1 + 72 + 1 + 33);
const SEQUENCE_FINAL = 0xffffffff;

function u32be(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

const keyOf = (u: UnspentOutput): string => `${toHex(u.outpoint.txid)}:${u.outpoint.vout}`;

/** The regtest P2WPKH wallet. */
export class RegtestWallet {
  private readonly crypto: CryptoBackend;
  private readonly keys: WalletKey[] = [];
  private readonly byScript = new Map<string, WalletKey>();
  private readonly reserved = new Set<string>();

  /**
   * @param chain - the chain whose UTXO set and mempool the wallet reads.
   * @param seed - any bytes; key `i`'s secret is HMAC-SHA256(seed, "lnts/regtest/wallet" ‖ u32be(i)).
   */
  constructor(
    readonly chain: RegtestChain,
    private readonly seed: Uint8Array,
  ) {
    this.crypto = chain.crypto;
    this.deriveKey(0);
  }

  /** Key `index`, derived (and remembered) on first use. */
  deriveKey(index: number): WalletKey {
    const have = this.keys[index];
    if (have) return have;
    for (let i = this.keys.length; i <= index; i++) {
      let secret = this.crypto.hmacSha256(this.seed, concat(new TextEncoder().encode('lnts/regtest/wallet'), u32be(i)));
      // Out-of-range scalars have probability ~2^-128; rehash rather than fail.
      while (!this.crypto.isValidSecretKey(secret)) secret = this.crypto.sha256(secret);
      const pubkey = this.crypto.publicKey(secret);
      const key: WalletKey = { index: i, secret, pubkey, script: p2wpkhScript(this.crypto.hash160(pubkey)) };
      this.keys.push(key);
      this.byScript.set(toHex(key.script), key);
    }
    return this.keys[index]!;
  }

  /** The first key's P2WPKH script: where the faucet (`chain.mine(101, wallet.script)`) pays. */
  get script(): Uint8Array {
    return this.keys[0]!.script;
  }

  /** The first key's `bcrt1q…` address (BIP 173). */
  get address(): string {
    return encodeSegwitAddress(HRP.regtest, 0, this.script.subarray(2));
  }

  /** A fresh receive (or change) script. */
  newScript(): Uint8Array {
    return this.deriveKey(this.keys.length).script;
  }

  /** A fresh `bcrt1q…` address. */
  newAddress(): string {
    return encodeSegwitAddress(HRP.regtest, 0, this.newScript().subarray(2));
  }

  /** True when the wallet holds the key for this script. */
  isMine(script: Uint8Array): boolean {
    return this.byScript.has(toHex(script));
  }

  /** The wallet's unspent outputs (confirmed and mempool), including immature coinbases. */
  utxos(): UnspentOutput[] {
    return this.chain.listUnspent((s) => this.isMine(s));
  }

  /** Spendable balance in sat: mature (coinbases at depth ≥ 101), not reserved, with at least `minConf` confirmations. */
  balance(opts: { readonly minConf?: number } = {}): bigint {
    return this.spendable(opts.minConf ?? 0).reduce((s, u) => s + u.output.value, 0n);
  }

  private spendable(minConf: number): UnspentOutput[] {
    return this.utxos()
      // Like Bitcoin Core's wallet, a coinbase counts only at depth 101, one block past what
      // consensus needs, so a one-block reorg cannot make a spend invalid.
      .filter((u) => u.spendable && (!u.coinbase || u.confirmations > COINBASE_MATURITY) && u.confirmations >= minConf && !this.reserved.has(keyOf(u)))
      .sort((a, b) => (a.output.value === b.output.value ? (keyOf(a) < keyOf(b) ? -1 : 1) : a.output.value > b.output.value ? -1 : 1));
  }

  /**
   * Builds an unsigned transaction paying `outputs` (in that order) at `feeratePerKw` sat per
   * 1000 weight units, adding a P2WPKH change output last unless the change would be dust.
   * Coins are chosen largest first and reserved until spent or {@link release}d.
   * @throws {InsufficientFunds} when the spendable balance cannot cover outputs plus fee.
   */
  createTransaction(outputs: readonly TxOut[], feeratePerKw: number, opts: FundOptions = {}): FundedTransaction {
    const coins = this.spendable(opts.minConf ?? 0);
    const target = outputs.reduce((s, o) => s + o.value, 0n);
    const changeScript = this.keys[this.keys.length - 1]!.script;
    const feeFor = (nIn: number, withChange: boolean): bigint => {
      const outs = withChange ? [...outputs, { value: 0n, script: changeScript }] : outputs;
      let base = 4 + 4 + compactSizeLen(nIn) + compactSizeLen(outs.length) + 41 * nIn;
      for (const o of outs) base += 8 + compactSizeLen(o.script.length) + o.script.length;
      const w = base * 4 + 2 + nIn * (P2WPKH_INPUT_WEIGHT - 41 * 4);
      return BigInt(Math.ceil((w * feeratePerKw) / 1000));
    };
    const picked: UnspentOutput[] = [];
    let sum = 0n;
    for (const c of coins) {
      picked.push(c);
      sum += c.output.value;
      const feeNoChange = feeFor(picked.length, false);
      if (sum < target + feeNoChange) continue;
      const change = this.newScript();
      const feeChange = feeFor(picked.length, true);
      const changeValue = sum - target - feeChange;
      const withChange = changeValue >= dustThreshold({ value: changeValue, script: change });
      const finalOutputs = withChange ? [...outputs, { value: changeValue, script: change }] : [...outputs];
      const tx: Transaction = {
        version: 2,
        inputs: picked.map((u) => ({ prevout: u.outpoint, scriptSig: new Uint8Array(0), sequence: opts.rbf ? 0xfffffffd : SEQUENCE_FINAL, witness: [] })),
        outputs: finalOutputs,
        locktime: opts.locktime ?? 0,
      };
      for (const u of picked) this.reserved.add(keyOf(u));
      return { tx, inputs: picked, fee: withChange ? feeChange : sum - target, changeIndex: withChange ? finalOutputs.length - 1 : undefined };
    }
    throw new InsufficientFunds(target + feeFor(Math.max(1, picked.length), false), sum);
  }

  /**
   * Signs every input that spends one of the wallet's scripts (P2WPKH, BIP 143 SIGHASH_ALL);
   * `prevouts` gives each input's spent output (default: looked up on the chain and mempool).
   * Returns a new transaction; inputs the wallet cannot sign keep their witness.
   */
  signTransaction(tx: Transaction, prevouts?: readonly TxOut[]): Transaction {
    const inputs = tx.inputs.map((input, i) => {
      const prev = prevouts?.[i] ?? this.chain.getUtxo(input.prevout, { includeMempool: true });
      const key = prev && this.byScript.get(toHex(prev.script));
      if (!prev || !key) return input;
      const scriptCode = p2pkhScript(prev.script.subarray(2));
      const sighash = segwitV0Sighash(tx, i, scriptCode, prev.value, SIGHASH_ALL, this.crypto);
      const sig = this.crypto.signEcdsa(sighash, key.secret);
      return { ...input, witness: [encodeWitnessSignature(sig, SIGHASH_ALL), key.pubkey] };
    });
    return { ...tx, inputs };
  }

  /** {@link createTransaction} then {@link signTransaction}: a signed transaction, not yet submitted. */
  fund(outputs: readonly TxOut[], feeratePerKw: number, opts: FundOptions = {}): Transaction {
    const f = this.createTransaction(outputs, feeratePerKw, opts);
    return this.signTransaction(
      f.tx,
      f.inputs.map((u) => u.output),
    );
  }

  /**
   * A funding transaction for a channel (BOLT 2 §"The funding_created Message"): pays `value` sat
   * to `fundingScriptPubKey` (the P2WSH of the 2-of-2) at output 0, with change after it.
   * Returns the unsigned and the signed transaction (same txid: every input is segwit).
   */
  createFundingTransaction(
    fundingScriptPubKey: Uint8Array,
    value: bigint,
    feeratePerKw: number,
  ): { readonly unsigned: Transaction; readonly signed: Transaction; readonly outputIndex: number; readonly fee: bigint } {
    const f = this.createTransaction([{ value, script: fundingScriptPubKey }], feeratePerKw);
    return {
      unsigned: f.tx,
      signed: this.signTransaction(
        f.tx,
        f.inputs.map((u) => u.output),
      ),
      outputIndex: 0,
      fee: f.fee,
    };
  }

  /** Pays `value` sat to `script` and submits the transaction to the chain's mempool. */
  send(script: Uint8Array, value: bigint, feeratePerKw: number): { readonly tx: Transaction; readonly result: SubmitResult } {
    const tx = this.fund([{ value, script }], feeratePerKw);
    const result = this.chain.submit(tx);
    if (!result.ok) this.release(tx);
    return { tx, result };
  }

  /** Un-reserves the inputs of a transaction that will not be broadcast. */
  release(tx: Transaction): void {
    for (const i of tx.inputs) this.reserved.delete(`${toHex(i.prevout.txid)}:${i.prevout.vout}`);
  }

  /** The key for a script this wallet owns, if any (to sign custom spends of wallet outputs). */
  keyForScript(script: Uint8Array): WalletKey | undefined {
    return this.byScript.get(toHex(script));
  }
}
