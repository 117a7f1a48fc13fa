import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addressToScript, decodeSegwitAddress, encodeSegwitAddress } from '../../src/bitcoin/address.js';
import { decodeWitnessSignature, derDecodeSignature, derEncodeSignature, encodeWitnessSignature } from '../../src/bitcoin/der.js';
import { p2pkhScript, p2trScript, p2wpkhForPubkey, p2wshForScript, witnessProgramOf } from '../../src/bitcoin/outputs.js';
import { encodeScriptNum, ScriptBuilder } from '../../src/bitcoin/script.js';
import { baseSize, parseTx, serializeTx, totalSize, txid, vsize, weight, wtxid } from '../../src/bitcoin/serialize.js';
import { legacySighash, SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, segwitV0Sighash } from '../../src/bitcoin/sighash.js';
import { type Transaction, txidFromHex, txidToHex } from '../../src/bitcoin/tx.js';
import { nobleBackend as crypto } from '../../src/crypto/noble.js';
import { fundingScript } from '../../src/ln/chan_utils/scripts.js';
import { DecodeError } from '../../src/util/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const V = JSON.parse(readFileSync(new URL('../fixtures/bolt03.json', import.meta.url), 'utf8')) as {
  funding_tx: Record<string, string | number>[];
  commit_txs: { tx: string; htlc_txs: { tx: string }[] }[];
  anchor_commit_txs: { tx: string; htlc_txs: { tx: string }[] }[];
  dual_funding: Record<string, unknown>[];
};
const F = V.funding_tx[0]!;
const fs = (k: string) => F[k] as string;

const vectorTxs: string[] = [fs('tx'), fs('coinbase_tx'), V.dual_funding[0]!.parent_tx as string, V.dual_funding[0]!.signed_tx as string];
for (const c of [...V.commit_txs, ...V.anchor_commit_txs]) vectorTxs.push(c.tx, ...c.htlc_txs.map((h) => h.tx));

describe('transaction serialization (BIP 141/144)', () => {
  test('every BOLT 3 vector transaction parses and re-serializes byte for byte', () => {
    for (const hex of vectorTxs) {
      const tx = parseTx(fromHex(hex));
      assert.ok(!(tx instanceof DecodeError), hex.slice(0, 20));
      assert.equal(toHex(serializeTx(tx)), hex);
      assert.equal(totalSize(tx), hex.length / 2);
    }
  });
  test('txid: Appendix B funding txid and the dual-funding txid', () => {
    const tx = parseTx(fromHex(fs('tx'))) as Transaction;
    assert.equal(txidToHex(txid(tx, crypto)), fs('txid'));
    // Legacy transaction: wtxid = txid.
    assert.equal(toHex(wtxid(tx, crypto)), toHex(txid(tx, crypto)));
    const d = V.dual_funding[0]! as { signed_tx: string; opener_tx_signatures: { txid: string } };
    const dtx = parseTx(fromHex(d.signed_tx)) as Transaction;
    assert.equal(txidToHex(txid(dtx, crypto)), d.opener_tx_signatures.txid);
    assert.notEqual(toHex(wtxid(dtx, crypto)), toHex(txid(dtx, crypto)));
  });
  test('weight and vsize of a segwit transaction', () => {
    const tx = parseTx(fromHex(V.commit_txs[0]!.tx)) as Transaction;
    assert.equal(weight(tx), baseSize(tx) * 3 + totalSize(tx));
    assert.equal(vsize(tx), Math.ceil(weight(tx) / 4));
    assert.ok(baseSize(tx) < totalSize(tx));
    assert.equal(serializeTx(tx, { witness: false }).length, baseSize(tx));
  });
  test('txid hex helpers are each other’s inverse and reverse the bytes', () => {
    const t = txidFromHex(fs('input_txid'));
    assert.equal(t[0], 0xad);
    assert.equal(txidToHex(t), fs('input_txid'));
  });
  test('malformed bytes give a DecodeError', () => {
    const good = fromHex(V.commit_txs[1]!.tx);
    for (let n = 0; n < good.length; n += 7) assert.ok(parseTx(good.subarray(0, n)) instanceof DecodeError, `truncated at ${n}`);
    assert.ok(parseTx(Uint8Array.of(...good, 0)) instanceof DecodeError, 'trailing byte');
    const badFlag = good.slice();
    badFlag[5] = 2;
    assert.ok(parseTx(badFlag) instanceof DecodeError, 'unknown flag');
    // Input count 1 written non-canonically as fd 01 00.
    const legacy = fromHex(fs('tx'));
    const nonCanon = Uint8Array.of(...legacy.subarray(0, 4), 0xfd, 0x01, 0x00, ...legacy.subarray(5));
    assert.ok(parseTx(nonCanon) instanceof DecodeError, 'non-canonical compactsize');
    // A huge count must not allocate.
    assert.ok(parseTx(Uint8Array.of(2, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x7f)) instanceof DecodeError);
  });
  test('property: parseTx is total on arbitrary bytes and canonical on what it accepts', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...vectorTxs.slice(0, 12)), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 255 }))
      .map(([hex, at, b]) => {
        const x = fromHex(hex);
        x[at % x.length] = b;
        return x;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
        const tx = parseTx(bytes);
        if (tx instanceof DecodeError) return;
        assert.equal(toHex(serializeTx(tx)), toHex(bytes));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
  test('property: random transactions round-trip', () => {
    const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
    const txArb = fc.record({
      version: fc.integer({ min: 0, max: 0xffffffff }),
      inputs: fc.array(
        fc.record({
          prevout: fc.record({ txid: fc.uint8Array({ minLength: 32, maxLength: 32 }), vout: fc.integer({ min: 0, max: 0xffffffff }) }),
          scriptSig: bytesArb(300),
          sequence: fc.integer({ min: 0, max: 0xffffffff }),
          witness: fc.array(bytesArb(80), { maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      outputs: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), script: bytesArb(300) }), { maxLength: 4 }),
      locktime: fc.integer({ min: 0, max: 0xffffffff }),
    }).map((t) => structuredClone(t) as Transaction); // fast-check records have a null prototype
    fc.assert(
      fc.property(txArb, (tx) => {
        const back = parseTx(serializeTx(tx));
        assert.ok(!(back instanceof DecodeError));
        assert.deepEqual(back, tx);
        assert.equal(toHex(txid(back, crypto)), toHex(txid(tx, crypto)));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('BOLT 3 Appendix B: funding transaction', () => {
  test('built from its parts and signed (legacy P2PKH sighash) it is the spec’s transaction', () => {
    const secret = fromHex(fs('coinbase_privkey'));
    const pub = crypto.publicKey(secret);
    const coinbase = parseTx(fromHex(fs('coinbase_tx'))) as Transaction;
    const prevScript = coinbase.outputs[0]!.script;
    assert.equal(toHex(prevScript), toHex(p2pkhScript(crypto.hash160(pub))));
    const ws = fundingScript(fromHex(fs('local_funding_pubkey')), fromHex(fs('remote_funding_pubkey')));
    assert.equal(toHex(ws), fs('funding_wscript'));
    const tx: Transaction = {
      version: 2,
      inputs: [{ prevout: { txid: txid(coinbase, crypto), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
      outputs: [
        { value: BigInt(F.funding_sat!), script: p2wshForScript(ws, crypto) },
        { value: BigInt(F.change_sat!), script: p2wpkhForPubkey(pub, crypto) },
      ],
      locktime: 0,
    };
    assert.equal(txidToHex(tx.inputs[0]!.prevout.txid), fs('input_txid'));
    const sig = crypto.signEcdsa(legacySighash(tx, 0, prevScript, SIGHASH_ALL, crypto), secret);
    tx.inputs[0]!.scriptSig = new ScriptBuilder().push(encodeWitnessSignature(sig, SIGHASH_ALL)).push(pub).build();
    assert.equal(toHex(serializeTx(tx)), fs('tx'));
    assert.equal(txidToHex(txid(tx, crypto)), fs('txid'));
    // The change is what remains after feerate × weight.
    const fee = BigInt(F.input_sat!) - BigInt(F.funding_sat!) - BigInt(F.change_sat!);
    assert.equal(fee, (BigInt(F.feerate_per_kw!) * BigInt(weight(tx))) / 1000n);
  });
});

describe('BIP 143 signature hash', () => {
  // BIP 143's first example (native P2WPKH), input 1.
  const unsigned =
    '0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac11000000';
  test('BIP 143 native P2WPKH example', () => {
    const tx = parseTx(fromHex(unsigned)) as Transaction;
    const scriptCode = fromHex('76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac');
    const h = segwitV0Sighash(tx, 1, scriptCode, 600000000n, SIGHASH_ALL, crypto);
    assert.equal(toHex(h), 'c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670');
  });
  test('SINGLE|ANYONECANPAY ignores other inputs and other outputs', () => {
    const tx = parseTx(fromHex(unsigned)) as Transaction;
    const sc = fromHex('76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac');
    const h = segwitV0Sighash(tx, 1, sc, 1n, SIGHASH_SINGLE_ANYONECANPAY, crypto);
    const other: Transaction = { ...tx, inputs: [tx.inputs[1]!], outputs: [tx.outputs[0]!, tx.outputs[1]!] };
    assert.notEqual(toHex(segwitV0Sighash(other, 0, sc, 1n, SIGHASH_SINGLE_ANYONECANPAY, crypto)), toHex(h), 'index is committed');
    const changedOutput0: Transaction = { ...tx, outputs: [{ value: 5n, script: new Uint8Array(0) }, tx.outputs[1]!] };
    assert.equal(toHex(segwitV0Sighash(changedOutput0, 1, sc, 1n, SIGHASH_SINGLE_ANYONECANPAY, crypto)), toHex(h));
    const changedOtherInput: Transaction = { ...tx, inputs: [{ ...tx.inputs[0]!, sequence: 1 }, tx.inputs[1]!] };
    assert.equal(toHex(segwitV0Sighash(changedOtherInput, 1, sc, 1n, SIGHASH_SINGLE_ANYONECANPAY, crypto)), toHex(h));
    assert.notEqual(toHex(segwitV0Sighash(changedOtherInput, 1, sc, 1n, SIGHASH_ALL, crypto)), toHex(segwitV0Sighash(tx, 1, sc, 1n, SIGHASH_ALL, crypto)));
  });
});

describe('scripts and encodings', () => {
  test('script numbers are minimal CScriptNum', () => {
    const cases: [number, string][] = [[0, ''], [1, '01'], [127, '7f'], [128, '8000'], [144, '9000'], [255, 'ff00'], [256, '0001'], [500, 'f401'], [-1, '81'], [-128, '8080'], [0x7fffffff, 'ffffff7f']];
    for (const [n, hex] of cases) assert.equal(toHex(encodeScriptNum(n)), hex, String(n));
    assert.equal(toHex(new ScriptBuilder().num(0).num(16).num(17).num(-1).build()), '00600111' + '4f');
    // number and bigint arguments encode alike.
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (n) => {
        assert.equal(toHex(encodeScriptNum(n)), toHex(encodeScriptNum(BigInt(n))));
        assert.equal(toHex(new ScriptBuilder().num(n).build()), toHex(new ScriptBuilder().num(BigInt(n)).build()));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('pushes use the minimal opcode', () => {
    assert.equal(toHex(new ScriptBuilder().push(new Uint8Array(75)).build()).slice(0, 2), '4b');
    assert.equal(toHex(new ScriptBuilder().push(new Uint8Array(76)).build()).slice(0, 4), '4c4c');
    assert.equal(toHex(new ScriptBuilder().push(new Uint8Array(256)).build()).slice(0, 6), '4d0001');
  });
  test('DER round trip and strictness', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (sig) => {
        const der = derEncodeSignature(sig);
        const back = derDecodeSignature(der);
        assert.ok(!(back instanceof DecodeError));
        assert.equal(toHex(back), toHex(sig));
        const w = decodeWitnessSignature(encodeWitnessSignature(sig, 0x83));
        assert.ok(!(w instanceof DecodeError));
        assert.equal(w.sighashType, 0x83);
      }),
      { seed: SEED, numRuns: 300 },
    );
    // Non-minimal r (leading zero without need) is rejected.
    assert.ok(derDecodeSignature(fromHex('3007020200010201ff')) instanceof DecodeError);
    assert.ok(derDecodeSignature(fromHex('300602010102018f')) instanceof DecodeError, 'negative s');
  });
  test('segwit addresses (BIP 173 / BIP 350 examples)', () => {
    const v0 = decodeSegwitAddress('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4');
    assert.ok(!(v0 instanceof DecodeError));
    assert.equal(toHex(v0.program), '751e76e8199196d454941c45d1b3a323f1433bd6');
    assert.equal(encodeSegwitAddress('bc', 0, v0.program), 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    const v1 = 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0';
    const s = addressToScript(v1);
    assert.ok(!(s instanceof DecodeError));
    assert.equal(toHex(s), '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
    assert.equal(encodeSegwitAddress('bc', 1, s.subarray(2)), v1);
    assert.deepEqual(witnessProgramOf(p2trScript(s.subarray(2))), { version: 1, program: s.subarray(2) });
    // bech32 checksum on a v1 program is invalid under BIP 350, and vice versa.
    assert.ok(decodeSegwitAddress('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut') instanceof DecodeError);
    assert.ok(decodeSegwitAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5') instanceof DecodeError);
    assert.ok(decodeSegwitAddress('bc1QW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4') instanceof DecodeError, 'mixed case');
    const dual = V.dual_funding[0]! as { outputs: { funding: { spk: string; address: string } } };
    assert.equal(toHex(addressToScript(dual.outputs.funding.address) as Uint8Array), dual.outputs.funding.spk);
  });
});
