/**
 * The BOLT 8 Appendix A vectors (transcribed in `test/fixtures/bolt08.json` from
 * lightning/bolts@a3772650, 08-transport.md) as a suite that runs against any `CryptoBackend`:
 * the core runs it with noble, `packages/node/test/crypto/` with the native and WASM backends.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type CryptoBackend, hkdf2 } from '../../src/crypto/backend.js';
import {
  initHandshake,
  PeerChannelEncryptor,
  readActOne,
  readActThree,
  readActTwo,
  TransportError,
  type TransportErrorKind,
  writeActOne,
  writeActThree,
  writeActTwo,
} from '../../src/ln/peer_channel_encryptor.js';
import { fromHex, toHex } from '../../src/util/hex.js';

interface Trace {
  re?: string;
  rs?: string;
  h?: string;
  ss?: string;
  ck?: string;
  temp_k1?: string;
  temp_k2?: string;
  temp_k3?: string;
  c?: string;
  t?: string;
  h_after?: string;
}
interface InitiatorVector {
  name: string;
  rs_pub: string;
  ls_priv: string;
  ls_pub: string;
  e_priv: string;
  e_pub: string;
  act1_out: string;
  act2_in: string;
  act3_out?: string;
  sk?: string;
  rk?: string;
  trace?: { act1: Trace; act2: Trace; act3: Trace };
  err?: string;
  ok: boolean;
}
interface ResponderVector {
  name: string;
  ls_priv: string;
  ls_pub: string;
  e_priv: string;
  e_pub: string;
  act1_in: string;
  act2_out?: string;
  act3_in?: string;
  sk?: string;
  rk?: string;
  trace?: { act1?: Trace; act2?: Trace; act3?: Trace };
  err?: string;
  ok: boolean;
}
interface MessageVector {
  name: string;
  ck: string;
  sk: string;
  rk: string;
  msg: string;
  count: number;
  outputs: { n: number; ct: string }[];
  steps: { part: string; pt: string; nonce: string; key: string; ct: string }[];
  rotations: { ck_in: string; k_in: string; ck_out: string; k_out: string }[];
}
/** The fixture's shape. */
export interface Bolt08 {
  initiator: InitiatorVector[];
  responder: ResponderVector[];
  message: MessageVector[];
}

/** The transcribed vectors. */
export const V = JSON.parse(readFileSync(new URL('../fixtures/bolt08.json', import.meta.url), 'utf8')) as Bolt08;

const h = fromHex;
const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : toHex(b));

/** How each spec error name shows up through `feed`: no progress for a short read, else a kind. */
function expectedOutcome(err: string): TransportErrorKind | 'incomplete' {
  if (err.endsWith('READ_FAILED')) return 'incomplete';
  if (err.endsWith('BAD_VERSION')) return 'bad-version';
  if (err.endsWith('BAD_PUBKEY')) return 'bad-key';
  if (err.endsWith('BAD_TAG') || err.endsWith('BAD_CIPHERTEXT')) return 'bad-mac';
  throw new Error(`unknown vector error ${err}`);
}

function assertOutcome(r: ReturnType<PeerChannelEncryptor['feed']>, enc: PeerChannelEncryptor, err: string): void {
  const want = expectedOutcome(err);
  if (want === 'incomplete') {
    assert.ok(!(r instanceof TransportError), `short read must just wait, got ${String(r)}`);
    assert.equal(r.send, undefined);
    assert.equal(r.handshakeComplete, false);
    assert.deepEqual(r.messages, []);
    assert.equal(enc.isReady(), false);
  } else {
    assert.ok(r instanceof TransportError, `expected ${want}`);
    assert.equal(r.kind, want);
    assert.equal(enc.isReady(), false);
    // Dead from now on, whatever arrives.
    const again = enc.feed(new Uint8Array(100));
    assert.ok(again instanceof TransportError && again.kind === 'state');
  }
}

/** Registers every BOLT 8 vector as `node:test` cases against `c`. */
export function runBolt08Vectors(c: CryptoBackend): void {
  const tag = `[${c.name}]`;

  for (const v of V.initiator) {
    test(`${tag} BOLT 8 ${v.name}`, () => {
      const { enc, actOne } = PeerChannelEncryptor.newOutbound(c, h(v.ls_priv), h(v.rs_pub), h(v.e_priv));
      assert.equal(toHex(actOne), v.act1_out);
      assert.equal(toHex(enc.theirNodeId!), v.rs_pub);
      assert.equal(enc.isReady(), false);
      const r = enc.feed(h(v.act2_in));
      if (!v.ok) return assertOutcome(r, enc, v.err!);
      assert.ok(!(r instanceof TransportError), String(r));
      assert.equal(hex(r.send), v.act3_out);
      assert.equal(r.handshakeComplete, true);
      assert.deepEqual(r.messages, []);
      assert.equal(enc.isReady(), true);
    });
  }

  const okI = V.initiator.find((v) => v.ok)!;
  test(`${tag} BOLT 8 initiator intermediate values (act one to three)`, () => {
    const t = okI.trace!;
    const hs = initHandshake(c, h(okI.rs_pub), h(okI.e_priv));
    assert.equal(toHex(hs.ephemeralPub), okI.e_pub);
    const one = writeActOne(c, hs, h(okI.rs_pub));
    assert.equal(toHex(one.act), okI.act1_out);
    assert.equal(toHex(one.trace.h), t.act1.h);
    assert.equal(toHex(one.trace.ss), t.act1.ss);
    assert.equal(toHex(one.trace.ck), t.act1.ck);
    assert.equal(toHex(one.trace.tempK), t.act1.temp_k1);
    assert.equal(toHex(one.act.subarray(34)), t.act1.c);
    assert.equal(toHex(one.trace.hAfter), t.act1.h_after);
    const two = readActTwo(c, hs, h(okI.act2_in));
    assert.ok(!(two instanceof TransportError), String(two));
    assert.equal(toHex(hs.re!), t.act2.re);
    assert.equal(toHex(two.h), t.act2.h);
    assert.equal(toHex(two.ss), t.act2.ss);
    assert.equal(toHex(two.ck), t.act2.ck);
    assert.equal(toHex(two.tempK), t.act2.temp_k2);
    assert.equal(toHex(two.hAfter), t.act2.h_after);
    const three = writeActThree(c, hs, h(okI.ls_priv), h(okI.ls_pub));
    assert.equal(toHex(three.act), okI.act3_out);
    assert.equal(toHex(three.trace.c), t.act3.c);
    assert.equal(toHex(three.trace.h), t.act3.h);
    assert.equal(toHex(three.trace.ss), t.act3.ss);
    assert.equal(toHex(three.trace.ck), t.act3.ck);
    assert.equal(toHex(three.trace.tempK), t.act3.temp_k3);
    assert.equal(toHex(three.trace.t), t.act3.t);
    assert.equal(toHex(three.keys.sk), okI.sk);
    assert.equal(toHex(three.keys.rk), okI.rk);
  });

  for (const v of V.responder) {
    test(`${tag} BOLT 8 ${v.name}`, () => {
      const enc = PeerChannelEncryptor.newInbound(c, h(v.ls_priv), h(v.e_priv));
      assert.equal(enc.theirNodeId, undefined);
      const r1 = enc.feed(h(v.act1_in));
      if (v.act3_in === undefined) {
        if (!v.ok) return assertOutcome(r1, enc, v.err!);
        assert.fail('every responder vector that passes act one has an act three');
      }
      assert.ok(!(r1 instanceof TransportError), String(r1));
      assert.equal(hex(r1.send), v.act2_out);
      assert.equal(r1.handshakeComplete, false);
      const r3 = enc.feed(h(v.act3_in));
      if (!v.ok) return assertOutcome(r3, enc, v.err!);
      assert.ok(!(r3 instanceof TransportError), String(r3));
      assert.equal(r3.send, undefined);
      assert.equal(r3.handshakeComplete, true);
      assert.equal(enc.isReady(), true);
      assert.equal(hex(enc.theirNodeId), v.trace!.act3!.rs);
    });
  }

  const okR = V.responder.find((v) => v.ok)!;
  test(`${tag} BOLT 8 responder intermediate values (act one to three)`, () => {
    const t = okR.trace!;
    const hs = initHandshake(c, h(okR.ls_pub), h(okR.e_priv));
    const one = readActOne(c, hs, h(okR.ls_priv), h(okR.act1_in));
    assert.ok(!(one instanceof TransportError), String(one));
    assert.equal(toHex(hs.re!), t.act1!.re);
    assert.equal(toHex(one.h), t.act1!.h);
    assert.equal(toHex(one.ss), t.act1!.ss);
    assert.equal(toHex(one.ck), t.act1!.ck);
    assert.equal(toHex(one.tempK), t.act1!.temp_k1);
    assert.equal(toHex(one.hAfter), t.act1!.h_after);
    const two = writeActTwo(c, hs);
    assert.equal(toHex(two.act), okR.act2_out);
    assert.equal(toHex(two.trace.h), t.act2!.h);
    assert.equal(toHex(two.trace.ss), t.act2!.ss);
    assert.equal(toHex(two.trace.ck), t.act2!.ck);
    assert.equal(toHex(two.trace.tempK), t.act2!.temp_k2);
    assert.equal(toHex(two.act.subarray(34)), t.act2!.c);
    assert.equal(toHex(two.trace.hAfter), t.act2!.h_after);
    const three = readActThree(c, hs, h(okR.act3_in!));
    assert.ok(!(three instanceof TransportError), String(three));
    assert.equal(toHex(three.rs), t.act3!.rs);
    assert.equal(toHex(three.trace.h), t.act3!.h);
    assert.equal(toHex(three.trace.ss), t.act3!.ss);
    assert.equal(toHex(three.trace.ck), t.act3!.ck);
    assert.equal(toHex(three.trace.tempK), t.act3!.temp_k3);
    assert.equal(toHex(three.keys.sk), okR.sk);
    assert.equal(toHex(three.keys.rk), okR.rk);
  });

  const m = V.message[0]!;
  test(`${tag} BOLT 8 ${m.name}: outputs at messages 0, 1, 500, 501, 1000, 1001 and decryption`, () => {
    // The message vector continues the successful handshake: its sk/ck are the initiator's.
    const { enc: ini } = PeerChannelEncryptor.newOutbound(c, h(okI.ls_priv), h(okI.rs_pub), h(okI.e_priv));
    assert.ok(!(ini.feed(h(okI.act2_in)) instanceof TransportError));
    const res = PeerChannelEncryptor.newInbound(c, h(okR.ls_priv), h(okR.e_priv));
    assert.ok(!(res.feed(h(okR.act1_in)) instanceof TransportError));
    assert.ok(!(res.feed(h(okR.act3_in!)) instanceof TransportError));
    const want = new Map(m.outputs.map((o) => [o.n, o.ct]));
    const msg = h(m.msg);
    let seen = 0;
    for (let n = 0; n <= 1001; n++) {
      const frame = ini.encryptMessage(msg);
      assert.equal(frame.length, 18 + msg.length + 16);
      const ct = want.get(n);
      if (ct !== undefined) {
        assert.equal(toHex(frame), ct, `message ${n}`);
        seen++;
      }
      const r = res.feed(frame);
      assert.ok(!(r instanceof TransportError), `message ${n}: ${String(r)}`);
      assert.equal(r.messages.length, 1);
      assert.equal(toHex(r.messages[0]!), m.msg);
    }
    assert.equal(seen, m.outputs.length);
  });

  test(`${tag} BOLT 8 ${m.name}: per-part keys, nonces and rotations`, () => {
    for (const s of m.steps) assert.equal(toHex(c.aeadSeal(h(s.key), h(s.nonce), new Uint8Array(0), h(s.pt))), s.ct);
    // The steps are the first two frames, split in header and body.
    assert.equal(m.steps[0]!.ct + m.steps[1]!.ct, m.outputs[0]!.ct);
    for (const r of m.rotations) {
      const [ck, k] = hkdf2(c, h(r.ck_in), h(r.k_in));
      assert.equal(toHex(ck), r.ck_out);
      assert.equal(toHex(k), r.k_out);
    }
  });
}
