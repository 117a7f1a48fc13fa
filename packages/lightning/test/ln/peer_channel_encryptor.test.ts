/**
 * BOLT 8 transport: the Appendix A vectors against the noble backend (the node backends run the
 * same suite in packages/node/test/crypto/), chunking and API contracts, and properties:
 * garbage or corrupted bytes at every stage give a TransportError or valid progress (never a
 * throw), and an honest pair round-trips random messages under random chunking across key
 * rotations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { nobleBackend } from '../../src/crypto/noble.js';
import {
  type FeedResult,
  MAX_MESSAGE_LEN,
  PeerChannelEncryptor,
  TransportError,
} from '../../src/ln/peer_channel_encryptor.js';
import { concat } from '../../src/util/bytes.js';
import { CryptoError } from '../../src/util/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { runBolt08Vectors, V } from './peer_channel_encryptor.vectors.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const c: CryptoBackend = nobleBackend;

runBolt08Vectors(c);

// The vectors' keys: initiator static/ephemeral 0x11../0x12.., responder 0x21../0x22...
const okI = V.initiator.find((v) => v.ok)!;
const okR = V.responder.find((v) => v.ok)!;
const INI_SECRET = fromHex(okI.ls_priv);
const INI_EPH = fromHex(okI.e_priv);
const RES_SECRET = fromHex(okR.ls_priv);
const RES_EPH = fromHex(okR.e_priv);
const RES_ID = fromHex(okR.ls_pub);

function outbound() {
  return PeerChannelEncryptor.newOutbound(c, INI_SECRET, RES_ID, INI_EPH);
}
function inbound() {
  return PeerChannelEncryptor.newInbound(c, RES_SECRET, RES_EPH);
}
function ok(r: FeedResult | TransportError): FeedResult {
  if (r instanceof TransportError) assert.fail(`unexpected ${r.message}`);
  return r;
}

/** A completed handshake plus the transcript bytes, for tests that replay it. */
function handshake() {
  const { enc: ini, actOne } = outbound();
  const res = inbound();
  const actTwo = ok(res.feed(actOne)).send!;
  const r = ok(ini.feed(actTwo));
  const actThree = r.send!;
  const done = ok(res.feed(actThree));
  assert.ok(done.handshakeComplete && ini.isReady() && res.isReady());
  return { ini, res, actOne, actTwo, actThree };
}

/** Splits `stream` into pieces whose sizes cycle through `cuts`. */
function* pieces(stream: Uint8Array, cuts: readonly number[]): Generator<Uint8Array> {
  let off = 0;
  let i = 0;
  while (off < stream.length) {
    const n = Math.max(1, cuts[i++ % cuts.length]!);
    yield stream.subarray(off, off + n);
    off += n;
  }
}

interface Fed {
  messages: Uint8Array[];
  sends: Uint8Array[];
  completed: number;
  error: TransportError | undefined;
}
/** Feeds `stream` in pieces until the first TransportError; checks the per-call contract. */
function feedAll(enc: PeerChannelEncryptor, stream: Uint8Array, cuts: readonly number[]): Fed {
  const out: Fed = { messages: [], sends: [], completed: 0, error: undefined };
  for (const p of pieces(stream, cuts)) {
    const r = enc.feed(p);
    if (r instanceof TransportError) {
      assert.ok(['bad-version', 'bad-key', 'bad-mac', 'bad-length'].includes(r.kind), r.message);
      assert.ok(!r.message.includes('internal error'), r.message);
      assert.equal(enc.isReady(), false);
      const again = enc.feed(p);
      assert.ok(again instanceof TransportError && again.kind === 'state');
      out.messages.push(...r.messages);
      out.error = r;
      return out;
    }
    if (r.send) out.sends.push(r.send);
    if (r.handshakeComplete) {
      out.completed++;
      assert.ok(enc.isReady());
      assert.ok(enc.theirNodeId !== undefined);
    }
    out.messages.push(...r.messages);
  }
  return out;
}

test('act one fed one byte at a time produces act two exactly once, on the last byte', () => {
  const { actOne } = outbound();
  const res = inbound();
  for (let i = 0; i < actOne.length; i++) {
    const r = ok(res.feed(actOne.subarray(i, i + 1)));
    assert.equal(r.send === undefined, i < actOne.length - 1, `byte ${i}`);
    if (r.send) assert.equal(toHex(r.send), okR.act2_out);
  }
});

test('act one, act three and the first messages in one chunk', () => {
  const { ini, actOne, actThree } = handshake();
  const frames = [ini.encryptMessage(Uint8Array.of(1, 2, 3)), ini.encryptMessage(new Uint8Array(0)), ini.encryptMessage(new Uint8Array(1000).fill(7))];
  const res = inbound(); // same keys, so it answers with the same act two
  const chunk = concat(actOne, actThree, ...frames);
  const r = ok(res.feed(chunk));
  assert.equal(toHex(r.send!), okR.act2_out);
  assert.equal(r.handshakeComplete, true);
  assert.equal(toHex(res.theirNodeId!), okI.ls_pub);
  assert.deepEqual(
    r.messages.map((m) => toHex(m)),
    ['010203', '', '07'.repeat(1000)],
  );
  // Plaintexts are fresh arrays: overwriting the input does not change them.
  chunk.fill(0);
  assert.equal(toHex(r.messages[0]!), '010203');
});

test('several frames in one chunk, and a frame split at every offset', () => {
  const { ini, res } = handshake();
  const msgs = [Uint8Array.of(9), new Uint8Array(300).fill(1), Uint8Array.of(2, 2)];
  const r = ok(res.feed(concat(...msgs.map((m) => ini.encryptMessage(m)))));
  assert.deepEqual(r.messages, msgs);
  const m = new Uint8Array(40).map((_, i) => i);
  for (let cut = 0; cut <= 18 + 40 + 16; cut++) {
    const f = ini.encryptMessage(m);
    const a = ok(res.feed(f.subarray(0, cut)));
    const b = ok(res.feed(f.subarray(cut)));
    assert.deepEqual([...a.messages, ...b.messages], [m], `cut at ${cut}`);
  }
});

test('invalid local keys are the caller\'s error, thrown at construction (CryptoError)', () => {
  const zero = new Uint8Array(32);
  assert.throws(() => PeerChannelEncryptor.newOutbound(c, zero, RES_ID, INI_EPH), CryptoError);
  assert.throws(() => PeerChannelEncryptor.newOutbound(c, INI_SECRET, RES_ID, zero), CryptoError);
  assert.throws(() => PeerChannelEncryptor.newOutbound(c, INI_SECRET, new Uint8Array(33), INI_EPH), CryptoError);
  assert.throws(() => PeerChannelEncryptor.newInbound(c, zero, RES_EPH), CryptoError);
  assert.throws(() => PeerChannelEncryptor.newInbound(c, RES_SECRET, zero), CryptoError);
});

test('encryptMessage: state and length limits, 0- and 65535-byte messages', () => {
  const { enc } = outbound();
  assert.throws(() => enc.encryptMessage(Uint8Array.of(1)), (e) => e instanceof TransportError && e.kind === 'state');
  const { ini, res } = handshake();
  assert.throws(() => ini.encryptMessage(new Uint8Array(MAX_MESSAGE_LEN + 1)), (e) => e instanceof TransportError && e.kind === 'bad-length');
  const big = new Uint8Array(MAX_MESSAGE_LEN).map((_, i) => i * 7);
  const frame = ini.encryptMessage(big);
  assert.equal(frame.length, 18 + MAX_MESSAGE_LEN + 16);
  const empty = ini.encryptMessage(new Uint8Array(0));
  assert.equal(empty.length, 34);
  const r = ok(res.feed(concat(frame, empty)));
  assert.deepEqual(r.messages, [big, new Uint8Array(0)]);
});

test('a buffered incomplete frame never exceeds one maximal frame', () => {
  const { ini, res } = handshake();
  const frame = ini.encryptMessage(new Uint8Array(MAX_MESSAGE_LEN));
  const pendSize = () => (res as unknown as { pend: Uint8Array }).pend.length;
  let max = 0;
  for (const p of pieces(frame, [1, 17, 1000, 7, 30000])) {
    ok(res.feed(p));
    max = Math.max(max, pendSize());
  }
  assert.ok(max > 0 && max <= 18 + MAX_MESSAGE_LEN + 16, `buffer grew to ${max}`);
  // Once the frame is delivered the large buffer is released.
  assert.ok(pendSize() <= 4096);
});

test('a frame whose body is tampered with is rejected (bad-mac) and kills the encryptor', () => {
  const { ini, res } = handshake();
  const f = ini.encryptMessage(Uint8Array.of(1, 2, 3));
  f[20]! ^= 1;
  const r = res.feed(f);
  assert.ok(r instanceof TransportError && r.kind === 'bad-mac');
  const again = res.feed(ini.encryptMessage(Uint8Array.of(1)));
  assert.ok(again instanceof TransportError && again.kind === 'state');
});

test('a TransportError carries the messages that authenticated earlier in the same chunk', () => {
  const { ini, res } = handshake();
  const a = ini.encryptMessage(Uint8Array.of(0xaa));
  const b = ini.encryptMessage(Uint8Array.of(0xbb, 0xbb));
  const bad = ini.encryptMessage(Uint8Array.of(0xcc));
  bad[bad.length - 1]! ^= 0x80; // the body's tag
  const r = res.feed(concat(a, b, bad, ini.encryptMessage(Uint8Array.of(0xdd))));
  assert.ok(r instanceof TransportError);
  assert.equal(r.kind, 'bad-mac');
  assert.deepEqual(
    r.messages.map((m) => toHex(m)),
    ['aa', 'bbbb'],
  );
});

// --- properties -----------------------------------------------------------------------------

const cutsArb = fc.array(
  fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70_000 })),
  { minLength: 1, maxLength: 12 },
);

/** Encryptors poised at each point where a peer's bytes arrive. */
type Stage = 'responder-act-one' | 'initiator-act-two' | 'responder-act-three' | 'responder-ready' | 'initiator-ready';
function poised(stage: Stage): PeerChannelEncryptor {
  switch (stage) {
    case 'responder-act-one':
      return inbound();
    case 'initiator-act-two':
      return outbound().enc;
    case 'responder-act-three': {
      const res = inbound();
      ok(res.feed(outbound().actOne));
      return res;
    }
    case 'responder-ready':
      return handshake().res;
    case 'initiator-ready':
      return handshake().ini;
  }
}

test('random bytes at every stage, in random chunks: TransportError or valid progress, never a throw', () => {
  const stage = fc.constantFrom<Stage>('responder-act-one', 'initiator-act-two', 'responder-act-three', 'responder-ready', 'initiator-ready');
  fc.assert(
    fc.property(stage, fc.uint8Array({ maxLength: 400 }), cutsArb, (s, bytes, cuts) => {
      const enc = poised(s);
      const wasReady = enc.isReady();
      const fed = feedAll(enc, bytes, cuts);
      // Random bytes never authenticate: nothing is delivered, nothing completes.
      assert.deepEqual(fed.messages, []);
      assert.equal(fed.completed, 0);
      if (fed.error === undefined) {
        // Too short to complete a unit: still waiting, state unchanged.
        assert.equal(enc.isReady(), wasReady);
        assert.deepEqual(fed.sends, []);
      }
    }),
    { seed: SEED, numRuns: 150 },
  );
});

/** The bytes the responder receives in an honest session (act one ‖ act three ‖ frames), and the plaintexts. */
function honestStreams(msgs: readonly Uint8Array[]) {
  const { ini, res, actOne, actTwo, actThree } = handshake();
  const toRes = [actOne, actThree];
  const toIni = [actTwo];
  const resEnds: number[] = []; // stream offsets where each message's frame ends
  const iniEnds: number[] = [];
  let resLen = actOne.length + actThree.length;
  let iniLen = actTwo.length;
  for (const m of msgs) {
    const a = ini.encryptMessage(m);
    toRes.push(a);
    resLen += a.length;
    resEnds.push(resLen);
    const b = res.encryptMessage(m);
    toIni.push(b);
    iniLen += b.length;
    iniEnds.push(iniLen);
  }
  return { toRes: concat(...toRes), toIni: concat(...toIni), resEnds, iniEnds };
}

test('an honest stream with one corrupted byte delivers exactly the messages before it, then fails', () => {
  const msgs = Array.from({ length: 6 }, (_, i) => new Uint8Array(i * 37).fill(i));
  const { toRes, toIni, resEnds, iniEnds } = honestStreams(msgs);
  fc.assert(
    fc.property(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 1, max: 255 }), cutsArb, (toResponder, where, flip, cuts) => {
      const stream = (toResponder ? toRes : toIni).slice();
      const ends = toResponder ? resEnds : iniEnds;
      const pos = Math.floor(where * stream.length);
      stream[pos]! ^= flip;
      const enc = toResponder ? inbound() : outbound().enc;
      const fed = feedAll(enc, stream, cuts);
      assert.ok(fed.error !== undefined, `corruption at ${pos} went unnoticed`);
      const before = ends.filter((e) => e <= pos).length;
      assert.deepEqual(fed.messages, msgs.slice(0, before));
    }),
    { seed: SEED, numRuns: 120 },
  );
});

test('an honest pair round-trips random messages under random chunking, across key rotations', () => {
  const msgArb = fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 5000 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(MAX_MESSAGE_LEN).fill(0xa5)) },
  );
  fc.assert(
    fc.property(
      fc.array(msgArb, { maxLength: 20 }),
      fc.integer({ min: 0, max: 1100 }),
      fc.nat(),
      cutsArb,
      cutsArb,
      (random, filler, at, cutsA, cutsB) => {
        // Filler messages push the session past the rotations at 500 and 1000 messages.
        const msgs: Uint8Array[] = Array.from({ length: filler }, (_, i) => Uint8Array.of(i & 0xff, i >>> 8));
        msgs.splice(at % (msgs.length + 1), 0, ...random);
        const { enc: ini, actOne } = outbound();
        const res = inbound();
        const a1 = feedAll(res, actOne, cutsA);
        const a2 = feedAll(ini, concat(...a1.sends), cutsB);
        assert.equal(a2.completed, 1);
        // Act three and the first messages travel together, in arbitrary pieces.
        const toRes = concat(...a2.sends, ...msgs.map((m) => ini.encryptMessage(m)));
        const gotRes = feedAll(res, toRes, cutsB);
        const toIni = concat(...msgs.map((m) => res.encryptMessage(m)));
        const gotIni = feedAll(ini, toIni, cutsA);
        assert.equal(gotRes.error, undefined);
        assert.equal(gotIni.error, undefined);
        assert.equal(gotRes.completed, 1);
        assert.equal(gotRes.messages.length, msgs.length);
        assert.equal(gotIni.messages.length, msgs.length);
        for (let i = 0; i < msgs.length; i++) {
          assert.deepEqual(gotRes.messages[i], msgs[i], `to responder, message ${i}`);
          assert.deepEqual(gotIni.messages[i], msgs[i], `to initiator, message ${i}`);
        }
      },
    ),
    { seed: SEED, numRuns: 25 },
  );
});
