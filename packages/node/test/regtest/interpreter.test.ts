import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Transaction, TxOut } from '@lnts/lightning/bitcoin';
import {
  p2wpkhForPubkey,
  p2wshForScript,
  SIGHASH_ALL,
  SIGHASH_ANYONECANPAY,
  SIGHASH_NONE,
  SIGHASH_SINGLE,
} from '@lnts/lightning/bitcoin';
import {
  anchorScript,
  fundingScript,
  offeredHtlcScript,
  receivedHtlcScript,
  toLocalScript,
  toRemoteAnchorsScript,
} from '@lnts/lightning/ln/chan_utils';
import { compareBytes, concat } from '@lnts/lightning/util';
import { signSchnorr } from 'tiny-secp256k1';
import {
  decodeScriptNum,
  encodeScriptNumber,
  evalScript,
  MANDATORY_FLAGS,
  ScriptFailure,
  SIGHASH_DEFAULT,
  STANDARD_FLAGS,
  TransactionSignatureChecker,
  taprootKeySighash,
  verifyScript,
} from '../../src/regtest/index.js';
import { corrupt, crypto, fakeOutpoint, highS, key, p2wpkhCode, spend, verifyInput, withWitness, witnessSig } from './helpers.js';

// The interpreter on every BOLT 3 script template: valid witnesses pass under standard policy
// flags; wrong signatures, keys, preimages and premature CSV/CLTV fail with Core's error.

const EMPTY = new Uint8Array(0);
const ONE = Uint8Array.of(1);
const VALUE = 1_000_000n;
const PAY: TxOut = { value: 990_000n, script: p2wpkhForPubkey(key('dest').pubkey, crypto) };

/** A P2WSH output of `script` and a spend of it with the given sequence/locktime. */
function wshCase(script: Uint8Array, opts: { sequence?: number; locktime?: number } = {}) {
  const prev: TxOut = { value: VALUE, script: p2wshForScript(script, crypto) };
  const tx = spend(fakeOutpoint(`p2wsh-${script.length}`), [PAY], opts);
  const sig = (k: ReturnType<typeof key>, t = tx, hashType = SIGHASH_ALL) => witnessSig(t, 0, script, VALUE, k, hashType);
  const run = (witness: Uint8Array[], t: Transaction = tx, flags?: number) => verifyInput(withWitness(t, 0, [...witness, script]), 0, prev, flags);
  return { prev, tx, sig, run };
}

describe('funding 2-of-2 (BOLT 3 §"Funding Transaction Output")', () => {
  const a = key('funding-a');
  const b = key('funding-b');
  const script = fundingScript(a.pubkey, b.pubkey);
  const [first, second] = compareBytes(a.pubkey, b.pubkey) <= 0 ? [a, b] : [b, a];
  const c = wshCase(script);
  test('both signatures in key order pass', () => assert.equal(c.run([EMPTY, c.sig(first), c.sig(second)]), null));
  test('signatures out of order fail', () => assert.equal(c.run([EMPTY, c.sig(second), c.sig(first)]), 'SIG_NULLFAIL'));
  test('a wrong signature fails (NULLFAIL under policy, EVAL_FALSE under consensus)', () => {
    assert.equal(c.run([EMPTY, corrupt(c.sig(first)), c.sig(second)]), 'SIG_NULLFAIL');
    assert.equal(c.run([EMPTY, corrupt(c.sig(first)), c.sig(second)], c.tx, MANDATORY_FLAGS), 'EVAL_FALSE');
  });
  test('a signature by a key not in the script fails', () => assert.equal(c.run([EMPTY, c.sig(key('stranger')), c.sig(second)]), 'SIG_NULLFAIL'));
  test('a non-empty dummy element fails NULLDUMMY (consensus, BIP 147)', () =>
    assert.equal(c.run([ONE, c.sig(first), c.sig(second)], c.tx, MANDATORY_FLAGS), 'SIG_NULLDUMMY'));
  test('a high-S signature is consensus-valid but non-standard', () => {
    assert.equal(c.run([EMPTY, highS(c.sig(first)), c.sig(second)]), 'SIG_HIGH_S');
    assert.equal(c.run([EMPTY, highS(c.sig(first)), c.sig(second)], c.tx, MANDATORY_FLAGS), null);
  });
  test('one signature only is not enough', () => assert.equal(c.run([EMPTY, c.sig(first)]), 'INVALID_STACK_OPERATION'));
  test('a witness script that does not hash to the program fails', () => {
    const other = fundingScript(a.pubkey, key('other').pubkey);
    const tx = withWitness(c.tx, 0, [EMPTY, c.sig(first), c.sig(second), other]);
    assert.equal(verifyInput(tx, 0, c.prev), 'WITNESS_PROGRAM_MISMATCH');
  });
});

describe('to_local (BOLT 3 §"to_local Output")', () => {
  const rev = key('revocation');
  const delayed = key('delayed');
  const delay = 144;
  const script = toLocalScript(rev.pubkey, delay, delayed.pubkey);
  test('revocation branch: <revocation_sig> 1', () => {
    const c = wshCase(script);
    assert.equal(c.run([c.sig(rev), ONE]), null);
  });
  test('revocation branch signed by the delayed key fails', () => {
    const c = wshCase(script);
    assert.equal(c.run([c.sig(delayed), ONE]), 'SIG_NULLFAIL');
  });
  test('delayed branch after to_self_delay: <delayed_sig> <>', () => {
    const c = wshCase(script, { sequence: delay });
    assert.equal(c.run([c.sig(delayed), EMPTY]), null);
  });
  test('delayed branch with nSequence below to_self_delay fails CSV', () => {
    const c = wshCase(script, { sequence: delay - 1 });
    assert.equal(c.run([c.sig(delayed), EMPTY]), 'UNSATISFIED_LOCKTIME');
  });
  test('delayed branch with the disable flag / version 1 fails CSV (BIP 112)', () => {
    const c = wshCase(script, { sequence: 0xffffffff });
    assert.equal(c.run([c.sig(delayed), EMPTY]), 'UNSATISFIED_LOCKTIME');
    const v1 = { ...spend(fakeOutpoint('v1'), [PAY], { sequence: delay }), version: 1 };
    assert.equal(c.run([witnessSig(v1, 0, script, VALUE, delayed), EMPTY], v1), 'UNSATISFIED_LOCKTIME');
  });
  test('a non-minimal OP_IF argument fails MINIMALIF (policy only)', () => {
    const c = wshCase(script);
    assert.equal(c.run([c.sig(rev), Uint8Array.of(2)]), 'MINIMALIF');
    assert.equal(c.run([c.sig(rev), Uint8Array.of(2)], c.tx, MANDATORY_FLAGS), null);
  });
});

describe('to_remote', () => {
  const remote = key('remote');
  test('P2WPKH (no anchors): <sig> <pubkey>', () => {
    const prev: TxOut = { value: VALUE, script: p2wpkhForPubkey(remote.pubkey, crypto) };
    const tx = spend(fakeOutpoint('to_remote'), [PAY]);
    const sig = witnessSig(tx, 0, p2wpkhCode(remote.pubkey), VALUE, remote);
    assert.equal(verifyInput(withWitness(tx, 0, [sig, remote.pubkey]), 0, prev), null);
    assert.equal(verifyInput(withWitness(tx, 0, [sig, key('x').pubkey]), 0, prev), 'EQUALVERIFY');
    assert.equal(verifyInput(withWitness(tx, 0, [corrupt(sig), remote.pubkey]), 0, prev), 'SIG_NULLFAIL');
    assert.equal(verifyInput(withWitness(tx, 0, [sig]), 0, prev), 'WITNESS_PROGRAM_MISMATCH');
  });
  test('anchors variant: <key> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY', () => {
    const script = toRemoteAnchorsScript(remote.pubkey);
    const ok = wshCase(script, { sequence: 1 });
    assert.equal(ok.run([ok.sig(remote)]), null);
    const early = wshCase(script, { sequence: 0 });
    assert.equal(early.run([early.sig(remote)]), 'UNSATISFIED_LOCKTIME');
    assert.equal(ok.run([ok.sig(key('y'))]), 'SIG_NULLFAIL');
  });
});

describe('anchor outputs (BOLT 3 §"to_local_anchor and to_remote_anchor Output")', () => {
  const owner = key('anchor-owner');
  const script = anchorScript(owner.pubkey);
  test('the funding key spends at once', () => {
    const c = wshCase(script);
    assert.equal(c.run([c.sig(owner)]), null);
  });
  test('anyone spends after 16 blocks with an empty signature', () => {
    const c = wshCase(script, { sequence: 16 });
    assert.equal(c.run([EMPTY]), null);
  });
  test('anyone before 16 blocks fails CSV', () => {
    const c = wshCase(script, { sequence: 15 });
    assert.equal(c.run([EMPTY]), 'UNSATISFIED_LOCKTIME');
  });
  test('a wrong signature fails NULLFAIL', () => {
    const c = wshCase(script, { sequence: 16 });
    assert.equal(c.run([c.sig(key('z'))]), 'SIG_NULLFAIL');
  });
});

for (const anchors of [false, true]) {
  const local = key('local-htlc');
  const remote = key('remote-htlc');
  const rev = key('htlc-revocation');
  const preimage = crypto.sha256(new TextEncoder().encode(`preimage-${anchors}`));
  const paymentHash = crypto.sha256(preimage);
  const keys = { revocationPubkeyHash: crypto.hash160(rev.pubkey), broadcasterHtlcPubkey: local.pubkey, countersignatoryHtlcPubkey: remote.pubkey };
  const seq = anchors ? 1 : 0xffffffff;

  describe(`offered HTLC (BOLT 3 §"Offered HTLC Outputs", anchors=${anchors})`, () => {
    const script = offeredHtlcScript(keys, paymentHash, anchors);
    test('revocation: <revocation_sig> <revocationpubkey>', () => {
      const c = wshCase(script);
      assert.equal(c.run([c.sig(rev), rev.pubkey]), null);
      // Another key does not hash to the revocation hash, so the script takes the other branch and runs out of stack.
      assert.equal(c.run([c.sig(rev), key('not-rev').pubkey]), 'INVALID_STACK_OPERATION');
    });
    test('remote with the preimage: <remotehtlcsig> <payment_preimage>', () => {
      const c = wshCase(script, { sequence: seq });
      assert.equal(c.run([c.sig(remote), preimage]), null);
      const wrong = crypto.sha256(preimage);
      assert.equal(c.run([c.sig(remote), wrong]), 'EQUALVERIFY');
      assert.equal(c.run([c.sig(local), preimage]), 'SIG_NULLFAIL');
    });
    if (anchors) {
      test('remote with the preimage before the 1-block CSV fails', () => {
        const c = wshCase(script, { sequence: 0 });
        assert.equal(c.run([c.sig(remote), preimage]), 'UNSATISFIED_LOCKTIME');
      });
    }
    test('HTLC-timeout path: 0 <remotehtlcsig> <localhtlcsig> <>', () => {
      const c = wshCase(script, { sequence: seq });
      assert.equal(c.run([EMPTY, c.sig(remote), c.sig(local), EMPTY]), null);
      assert.equal(c.run([EMPTY, c.sig(local), c.sig(remote), EMPTY]), 'SIG_NULLFAIL');
    });
  });

  describe(`received HTLC (BOLT 3 §"Received HTLC Outputs", anchors=${anchors})`, () => {
    const expiry = 500;
    const script = receivedHtlcScript(keys, paymentHash, expiry, anchors);
    test('revocation: <revocation_sig> <revocationpubkey>', () => {
      const c = wshCase(script);
      assert.equal(c.run([c.sig(rev), rev.pubkey]), null);
    });
    test('HTLC-success path: 0 <remotehtlcsig> <localhtlcsig> <payment_preimage>', () => {
      const c = wshCase(script, { sequence: seq });
      assert.equal(c.run([EMPTY, c.sig(remote), c.sig(local), preimage]), null);
      assert.equal(c.run([EMPTY, c.sig(remote), c.sig(local), paymentHash]), 'EQUALVERIFY');
    });
    test('remote timeout after cltv_expiry: <remotehtlcsig> <>', () => {
      const c = wshCase(script, { locktime: expiry, sequence: anchors ? 1 : 0xfffffffe });
      assert.equal(c.run([c.sig(remote), EMPTY]), null);
    });
    test('remote timeout before cltv_expiry fails CLTV', () => {
      const c = wshCase(script, { locktime: expiry - 1, sequence: anchors ? 1 : 0xfffffffe });
      assert.equal(c.run([c.sig(remote), EMPTY]), 'UNSATISFIED_LOCKTIME');
    });
    test('remote timeout with a final nSequence fails CLTV (BIP 65)', () => {
      const c = wshCase(script, { locktime: expiry, sequence: 0xffffffff });
      assert.equal(c.run([c.sig(remote), EMPTY]), 'UNSATISFIED_LOCKTIME');
    });
    test('a time-based nLockTime does not satisfy a height CLTV', () => {
      const c = wshCase(script, { locktime: 500_000_001, sequence: 0xfffffffe });
      assert.equal(c.run([c.sig(remote), EMPTY]), 'UNSATISFIED_LOCKTIME');
    });
  });
}

describe('BIP 143 sighash types', () => {
  const k = key('sighash');
  const prev: TxOut = { value: VALUE, script: p2wpkhForPubkey(k.pubkey, crypto) };
  const base: Transaction = {
    version: 2,
    inputs: [
      { prevout: fakeOutpoint('sh', 0), scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] },
      { prevout: fakeOutpoint('sh', 1), scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] },
    ],
    outputs: [PAY, { value: 5000n, script: p2wpkhForPubkey(key('o2').pubkey, crypto) }],
    locktime: 0,
  };
  const changedOther: Transaction = { ...base, outputs: [PAY, { value: 4000n, script: base.outputs[1]!.script }] };
  const changedOwn: Transaction = { ...base, outputs: [{ ...PAY, value: 980_000n }, base.outputs[1]!] };
  const oneInput: Transaction = { ...base, inputs: [base.inputs[0]!] };
  const cases: Array<[string, number, { other: boolean; own: boolean; inputs: boolean }]> = [
    ['ALL', SIGHASH_ALL, { other: false, own: false, inputs: false }],
    ['NONE', SIGHASH_NONE, { other: true, own: true, inputs: false }],
    ['SINGLE', SIGHASH_SINGLE, { other: true, own: false, inputs: false }],
    ['ALL|ANYONECANPAY', SIGHASH_ALL | SIGHASH_ANYONECANPAY, { other: false, own: false, inputs: true }],
    ['NONE|ANYONECANPAY', SIGHASH_NONE | SIGHASH_ANYONECANPAY, { other: true, own: true, inputs: true }],
    ['SINGLE|ANYONECANPAY', SIGHASH_SINGLE | SIGHASH_ANYONECANPAY, { other: true, own: false, inputs: true }],
  ];
  for (const [name, t, survives] of cases) {
    test(`${name} commits to exactly what it should`, () => {
      const sig = witnessSig(base, 0, p2wpkhCode(k.pubkey), VALUE, k, t);
      const check = (tx: Transaction) => verifyInput(withWitness(tx, 0, [sig, k.pubkey]), 0, prev);
      assert.equal(check(base), null);
      assert.equal(check(changedOther) === null, survives.other, 'other output changed');
      assert.equal(check(changedOwn) === null, survives.own, 'own output changed');
      assert.equal(check(oneInput) === null, survives.inputs, 'other input removed');
    });
  }
  test('an undefined hashtype is non-standard', () => {
    const sig = witnessSig(base, 0, p2wpkhCode(k.pubkey), VALUE, k, 0x04);
    assert.equal(verifyInput(withWitness(base, 0, [sig, k.pubkey]), 0, prev), 'SIG_HASHTYPE');
  });
});

describe('taproot key path (BIP 341) and other witness versions', () => {
  const k = key('taproot');
  const program = k.pubkey.subarray(1);
  const prev: TxOut = { value: VALUE, script: Uint8Array.of(0x51, 32, ...program) };
  const other: TxOut = { value: 5000n, script: p2wpkhForPubkey(key('o').pubkey, crypto) };
  const base = spend(fakeOutpoint('tr'), [PAY]);
  const tx: Transaction = { ...base, inputs: [...base.inputs, { prevout: fakeOutpoint('tr2'), scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }] };
  const spent = [prev, other];
  const run = (witness: Uint8Array[], t: Transaction = tx) => {
    const signed = withWitness(t, 0, witness);
    const checker = new TransactionSignatureChecker(signed, 0, prev.value, crypto, spent);
    return verifyScript(new Uint8Array(0), prev.script, witness, STANDARD_FLAGS, checker, crypto);
  };
  const sign = (hashType: number, t: Transaction = tx, annex?: Uint8Array) => {
    const sig = signSchnorr(taprootKeySighash(t, 0, spent, hashType, annex, crypto), k.secret);
    return hashType === SIGHASH_DEFAULT ? sig : concat(sig, Uint8Array.of(hashType));
  };
  test('64-byte SIGHASH_DEFAULT and 65-byte explicit hash types verify', () => {
    assert.equal(run([sign(SIGHASH_DEFAULT)]), null);
    for (const t of [SIGHASH_ALL, SIGHASH_NONE, SIGHASH_SINGLE, SIGHASH_ALL | SIGHASH_ANYONECANPAY]) assert.equal(run([sign(t)]), null, `hashtype ${t}`);
  });
  test('the signature commits to every spent amount (BIP 341)', () => {
    const sig = sign(SIGHASH_DEFAULT);
    const withOtherAmount = [prev, { ...other, value: 5001n }];
    const checker = new TransactionSignatureChecker(withWitness(tx, 0, [sig]), 0, prev.value, crypto, withOtherAmount);
    assert.equal(verifyScript(new Uint8Array(0), prev.script, [sig], STANDARD_FLAGS, checker, crypto), 'SCHNORR_SIG');
  });
  test('an annex is committed to (consensus-valid; policy refuses annexes before scripts run)', () => {
    const annex = Uint8Array.of(0x50, 7);
    const sig = sign(SIGHASH_DEFAULT, tx, annex);
    const checker = new TransactionSignatureChecker(withWitness(tx, 0, [sig, annex]), 0, prev.value, crypto, spent);
    assert.equal(verifyScript(new Uint8Array(0), prev.script, [sig, annex], MANDATORY_FLAGS, checker, crypto), null);
    assert.equal(verifyScript(new Uint8Array(0), prev.script, [sign(SIGHASH_DEFAULT), annex], MANDATORY_FLAGS, checker, crypto), 'SCHNORR_SIG');
  });
  test('bad signatures, sizes and hash types fail', () => {
    assert.equal(run([corrupt(sign(SIGHASH_DEFAULT))]), 'SCHNORR_SIG');
    assert.equal(run([concat(sign(SIGHASH_DEFAULT), Uint8Array.of(0))]), 'SCHNORR_SIG_HASHTYPE');
    assert.equal(run([concat(sign(SIGHASH_DEFAULT), Uint8Array.of(4))]), 'SCHNORR_SIG_HASHTYPE');
    assert.equal(run([sign(SIGHASH_DEFAULT).subarray(0, 63)]), 'SCHNORR_SIG_SIZE');
    assert.equal(run([]), 'WITNESS_PROGRAM_WITNESS_EMPTY');
  });
  test('script-path spends are refused as unsupported; other versions are non-standard', () => {
    assert.equal(run([ONE, Uint8Array.of(0x51), Uint8Array.of(0xc0, ...program)]), 'UNSUPPORTED');
    const v2: TxOut = { value: VALUE, script: Uint8Array.of(0x52, 2, 1, 2) };
    const t = withWitness(spend(fakeOutpoint('v2'), [PAY]), 0, [ONE]);
    assert.equal(verifyInput(t, 0, v2), 'DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM');
    assert.equal(verifyInput(t, 0, v2, MANDATORY_FLAGS), null, 'anyone-can-spend under consensus');
  });
});

describe('evaluator details', () => {
  const run = (script: number[], stack: Uint8Array[] = [], flags = MANDATORY_FLAGS) => {
    const s = stack.slice();
    const dummy = { checkEcdsa: () => false, checkLockTime: () => false, checkSequence: () => false };
    try {
      evalScript(s, Uint8Array.from(script), { flags, sigversion: 'witness_v0', checker: dummy, crypto });
      return s;
    } catch (e) {
      if (e instanceof ScriptFailure) return e.code;
      throw e;
    }
  };
  test('arithmetic and comparison extras', () => {
    assert.deepEqual(run([0x52, 0x53, 0x93]), [encodeScriptNumber(5)]); // 2 3 ADD
    assert.deepEqual(run([0x55, 0x8b]), [encodeScriptNumber(6)]); // 5 1ADD
    assert.deepEqual(run([0x00, 0x91]), [encodeScriptNumber(1)]); // 0 NOT
    assert.deepEqual(run([0x55, 0x92]), [encodeScriptNumber(1)]); // 5 0NOTEQUAL
    assert.deepEqual(run([0x51, 0x00, 0x9a]), [encodeScriptNumber(0)]); // 1 0 BOOLAND
    assert.deepEqual(run([0x51, 0x00, 0x9b]), [encodeScriptNumber(1)]); // 1 0 BOOLOR
    assert.deepEqual(run([0x53, 0x53, 0x9c]), [encodeScriptNumber(1)]); // 3 3 NUMEQUAL
    assert.deepEqual(run([0x52, 0x53, 0x9f]), [encodeScriptNumber(1)]); // 2 3 LESSTHAN
    assert.deepEqual(run([0x51, 0x73]), [ONE, ONE]); // IFDUP true
    assert.deepEqual(run([0x00, 0x73]), [EMPTY]); // IFDUP false
  });
  test('unbalanced conditionals, disabled and bad opcodes fail', () => {
    assert.equal(run([0x51, 0x63]), 'UNBALANCED_CONDITIONAL');
    assert.equal(run([0x68]), 'UNBALANCED_CONDITIONAL');
    assert.equal(run([0x00, 0x63, 0x7e, 0x68]), 'DISABLED_OPCODE'); // OP_CAT fails even unexecuted
    assert.deepEqual(run([0x00, 0x63, 0xff, 0x68]), []); // an unknown opcode is fine unexecuted
    assert.equal(run([0xff]), 'BAD_OPCODE');
    assert.equal(run([0x4c]), 'BAD_OPCODE'); // truncated push
    assert.equal(run([0x6a]), 'OP_RETURN');
  });
  test('MINIMALDATA rejects non-minimal pushes and numbers', () => {
    assert.equal(run([0x01, 0x05], [], MANDATORY_FLAGS | (1 << 6)), 'MINIMALDATA');
    assert.deepEqual(run([0x01, 0x05]), [Uint8Array.of(5)]);
    assert.throws(() => decodeScriptNum(Uint8Array.of(5, 0), true), ScriptFailure);
    assert.equal(decodeScriptNum(Uint8Array.of(5, 0), false), 5);
    assert.equal(decodeScriptNum(Uint8Array.of(0x81), true), -1);
    assert.equal(decodeScriptNum(Uint8Array.of(0xff, 0x00), true), 255);
  });
});
