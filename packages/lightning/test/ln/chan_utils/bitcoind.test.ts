// Consensus check with Bitcoin Core (optional: runs where BITCOIND names a bitcoind binary, with
// bitcoin-cli beside it). On a throwaway regtest node: fund a 2-of-2 from a coinbase we mine to our
// own P2WPKH, then check with `testmempoolaccept`/`sendrawtransaction` that Core accepts our signed
// commitment transactions (with and without anchors), HTLC-success and HTLC-timeout spends, and an
// anchors HTLC transaction to which the broadcaster adds a fee input after the countersignatory's
// SIGHASH_SINGLE|ANYONECANPAY signature (BOLT 3 / BOLT 5).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeSegwitAddress } from '../../../src/bitcoin/address.js';
import { encodeWitnessSignature } from '../../../src/bitcoin/der.js';
import { p2pkhScript, p2wpkhForPubkey, p2wshForScript } from '../../../src/bitcoin/outputs.js';
import { serializeTx, txid } from '../../../src/bitcoin/serialize.js';
import { SIGHASH_ALL, segwitV0Sighash } from '../../../src/bitcoin/sighash.js';
import { type OutPoint, type Transaction, txidFromHex, txidToHex } from '../../../src/bitcoin/tx.js';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import { buildCommitmentTx, type CommitmentTransaction } from '../../../src/ln/chan_utils/commitment.js';
import { buildHtlcTx, finalizeHtlcTx, signHtlcTxs } from '../../../src/ln/chan_utils/htlc_tx.js';
import { fundingScript } from '../../../src/ln/chan_utils/scripts.js';
import { finalizeCommitmentTx, signCommitmentTx } from '../../../src/ln/chan_utils/signing.js';
import { toHex } from '../../../src/util/hex.js';

const BIN = process.env.BITCOIND;
const skip = BIN && existsSync(BIN) && existsSync(join(dirname(BIN), 'bitcoin-cli')) ? false : 'set BITCOIND to a bitcoind binary (bitcoin-cli beside it) to run';

const sk = (k: number) => crypto.sha256(Uint8Array.of(0x5e, k));
const walletSecret = sk(0);
const walletPub = crypto.publicKey(walletSecret);
const walletSpk = p2wpkhForPubkey(walletPub, crypto);
const S = { localFunding: sk(1), remoteFunding: sk(2), localHtlc: sk(3), remoteHtlc: sk(4), revocation: sk(5), delayed: sk(6), remotePayment: sk(7) };
const P = Object.fromEntries(Object.entries(S).map(([k, v]) => [k, crypto.publicKey(v)])) as Record<keyof typeof S, Uint8Array>;

let child: ChildProcess | null = null;
let dir = '';
let cliArgs: string[] = [];
function cli(...args: string[]): string {
  return execFileSync(join(dirname(BIN!), 'bitcoin-cli'), [...cliArgs, ...args], { encoding: 'utf8' }).trim();
}
const json = <T>(...args: string[]): T => JSON.parse(cli(...args)) as T;
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
function accept(tx: Transaction): { allowed: boolean; 'reject-reason'?: string } {
  return json<{ allowed: boolean; 'reject-reason'?: string }[]>('testmempoolaccept', JSON.stringify([toHex(serializeTx(tx))]))[0]!;
}
function mine(n: number): void {
  cli('generatetoaddress', String(n), encodeSegwitAddress('bcrt', 0, walletSpk.subarray(2)));
}
function height(): number {
  return Number(cli('getblockcount'));
}

/** Spends a mature coinbase (P2WPKH to our wallet key) into a 2-of-2 funding output; returns the outpoint. */
function fund(blockHeight: number, fundingSat: bigint): { outpoint: OutPoint; script: Uint8Array } {
  const block = json<{ tx: { txid: string; vout: { value: number }[] }[] }>('getblock', cli('getblockhash', String(blockHeight)), '2');
  const cb = block.tx[0]!;
  const value = BigInt(Math.round(cb.vout[0]!.value * 1e8));
  const ws = fundingScript(P.localFunding, P.remoteFunding);
  const tx: Transaction = {
    version: 2,
    inputs: [{ prevout: { txid: txidFromHex(cb.txid), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
    outputs: [
      { value: fundingSat, script: p2wshForScript(ws, crypto) },
      { value: value - fundingSat - 2_000n, script: walletSpk },
    ],
    locktime: 0,
  };
  const h = segwitV0Sighash(tx, 0, p2pkhScript(crypto.hash160(walletPub)), value, SIGHASH_ALL, crypto);
  tx.inputs[0]!.witness = [encodeWitnessSignature(crypto.signEcdsa(h, walletSecret), SIGHASH_ALL), walletPub];
  const id = cli('sendrawtransaction', toHex(serializeTx(tx)));
  assert.equal(id, txidToHex(txid(tx, crypto)));
  return { outpoint: { txid: txid(tx, crypto), vout: 0 }, script: ws };
}

function commitment(outpoint: OutPoint, anchors: boolean, cltv: number): { c: CommitmentTransaction; signed: Transaction; preimage: Uint8Array } {
  const preimage = crypto.sha256(Uint8Array.of(42));
  const c = buildCommitmentTx(
    {
      fundingOutpoint: outpoint,
      fundingSatoshis: 1_000_000n,
      channelType: { anchors },
      commitmentNumber: 7n,
      obscureFactor: 0x123456789abcn,
      toBroadcasterValueMsat: 600_000_000n,
      toCountersignatoryValueMsat: 380_000_000n,
      feeratePerKw: 2_500,
      dustLimitSat: 546n,
      toSelfDelay: 144,
      keys: {
        revocationPubkey: P.revocation,
        broadcasterDelayedPubkey: P.delayed,
        countersignatoryPaymentPubkey: P.remotePayment,
        broadcasterHtlcPubkey: P.localHtlc,
        countersignatoryHtlcPubkey: P.remoteHtlc,
        broadcasterFundingPubkey: P.localFunding,
        countersignatoryFundingPubkey: P.remoteFunding,
      },
      htlcs: [
        { offered: true, amountMsat: 10_000_000n, cltvExpiry: cltv, paymentHash: crypto.sha256(Uint8Array.of(1)) },
        { offered: false, amountMsat: 10_000_000n, cltvExpiry: cltv + 100, paymentHash: crypto.sha256(preimage) },
      ],
      isOutboundFromBroadcaster: true,
    },
    crypto,
  );
  const signed = finalizeCommitmentTx(c, signCommitmentTx(c, S.localFunding, crypto), signCommitmentTx(c, S.remoteFunding, crypto));
  return { c, signed, preimage };
}

describe('Bitcoin Core accepts our BOLT 3 transactions (regtest)', { skip }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lnts-bolt3-'));
    const rpcPort = await freePort();
    cliArgs = ['-regtest', `-datadir=${dir}`, '-rpcuser=u', '-rpcpassword=p', `-rpcport=${rpcPort}`, '-rpcwait', '-rpcwaittimeout=30'];
    child = spawn(
      BIN!,
      ['-regtest', `-datadir=${dir}`, '-rpcuser=u', '-rpcpassword=p', `-rpcport=${rpcPort}`, '-rpcbind=127.0.0.1', '-rpcallowip=127.0.0.1', '-listen=0', '-dnsseed=0', '-printtoconsole=0'],
      { stdio: 'ignore' },
    );
    mine(103);
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      cli('stop');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const anchors of [false, true]) {
    test(`commitment${anchors ? ' (anchors)' : ''}, HTLC-success and HTLC-timeout are valid`, () => {
      const { outpoint } = fund(anchors ? 2 : 1, 1_000_000n);
      mine(1);
      const cltv = height();
      const { c, signed, preimage } = commitment(outpoint, anchors, cltv);
      // A corrupted signature is refused, so the verdicts below mean something.
      const bad = structuredClone(signed);
      bad.inputs[0]!.witness[1]![10]! ^= 1;
      assert.equal(accept(bad).allowed, false);
      const verdict = accept(signed);
      assert.equal(verdict.allowed, true, verdict['reject-reason']);
      cli('sendrawtransaction', toHex(serializeTx(signed)));
      mine(1); // anchors: the HTLC outputs carry a 1-block CSV
      const remote = signHtlcTxs(c, S.remoteHtlc, 'countersignatory', crypto);
      const local = signHtlcTxs(c, S.localHtlc, 'broadcaster', crypto);
      for (const [k, h] of c.htlcOutputs.entries()) {
        const htx = buildHtlcTx(c, h);
        const full = finalizeHtlcTx(c, h, htx, remote[k]!, local[k]!, h.htlc.offered ? null : preimage);
        if (!anchors) {
          const v = accept(full);
          assert.equal(v.allowed, true, `${h.htlc.offered ? 'HTLC-timeout' : 'HTLC-success'}: ${v['reject-reason']}`);
          continue;
        }
        // Zero-fee anchors HTLC tx: the broadcaster adds a fee input and change, re-signs its
        // own SIGHASH_ALL signature; the countersignatory's SINGLE|ANYONECANPAY one stays valid.
        const feeFrom = fund(3 + k, 100_000n);
        mine(1);
        const bumped: Transaction = {
          ...htx,
          inputs: [htx.inputs[0]!, { prevout: feeFrom.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
          outputs: [htx.outputs[0]!, { value: 100_000n - 5_000n, script: walletSpk }],
        };
        const localSig = crypto.signEcdsa(segwitV0Sighash(bumped, 0, h.witnessScript, h.amountSat, SIGHASH_ALL, crypto), S.localHtlc);
        const withHtlcWitness = finalizeHtlcTx(c, h, bumped, remote[k]!, localSig, h.htlc.offered ? null : preimage);
        const feeSigs = [
          encodeWitnessSignature(crypto.signEcdsa(segwitV0Sighash(bumped, 1, feeFrom.script, 100_000n, SIGHASH_ALL, crypto), S.localFunding), SIGHASH_ALL),
          encodeWitnessSignature(crypto.signEcdsa(segwitV0Sighash(bumped, 1, feeFrom.script, 100_000n, SIGHASH_ALL, crypto), S.remoteFunding), SIGHASH_ALL),
        ];
        withHtlcWitness.inputs[1] = { ...bumped.inputs[1]!, witness: [new Uint8Array(0), ...feeSigs, feeFrom.script] };
        const v = accept(withHtlcWitness);
        assert.equal(v.allowed, true, `${h.htlc.offered ? 'HTLC-timeout' : 'HTLC-success'} (anchors, bumped): ${v['reject-reason']}`);
      }
    });
  }
});
