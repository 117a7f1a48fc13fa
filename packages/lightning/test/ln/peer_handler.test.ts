import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Features } from '../../src/ln/features.js';
import { ErroringMessageHandler, type CustomMessage, type CustomMessageHandler } from '../../src/ln/msg_handlers.js';
import { PeerHandleError } from '../../src/ln/peer_handler.js';
import { PeerChannelEncryptor, TransportError } from '../../src/ln/peer_channel_encryptor.js';
import { nobleBackend } from '../../src/crypto/noble.js';
import { chainHash } from '../../src/chain/network.js';
import { equalBytes, utf8 } from '../../src/util/bytes.js';
import { link, makePeer, MemSocket } from '../support/mem_socket.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);

function connected(l: ReturnType<typeof link>): boolean {
  return (
    l.a.pm.getPeerNodeIds().some((p) => equalBytes(p.nodeId, l.b.nodeId)) &&
    l.b.pm.getPeerNodeIds().some((p) => equalBytes(p.nodeId, l.a.nodeId))
  );
}

describe('PeerManager between two lnts nodes', () => {
  test('handshake and init complete; each side sees the other and its features', () => {
    const l = link(makePeer(1), makePeer(2));
    l.pump();
    assert.ok(connected(l));
    const [pa] = l.a.pm.getPeerNodeIds();
    assert.equal(pa!.inbound, false);
    assert.equal(l.b.pm.getPeerNodeIds()[0]!.inbound, true);
    assert.deepEqual(l.errors, { a: [], b: [] });
  });

  test('handshake works in any chunking, down to one byte at a time', () => {
    const l = link(makePeer(1), makePeer(2));
    l.pump(() => 1);
    assert.ok(connected(l));
  });

  test('pings are answered; a peer that stops answering is disconnected after a tick', () => {
    const l = link(makePeer(1), makePeer(2));
    l.pump();
    l.a.pm.timerTickOccurred();
    l.pump();
    assert.ok(l.b.logs.some((r) => r.message.startsWith('received ping')));
    assert.ok(l.a.logs.some((r) => r.message === 'received pong'));
    l.a.pm.timerTickOccurred();
    l.pump();
    assert.ok(connected(l), 'answered pings keep the connection');
    // Black-hole what b sends: a's ping goes unanswered.
    l.a.pm.timerTickOccurred();
    l.sb.accept = 0;
    l.pump();
    l.a.pm.timerTickOccurred();
    assert.equal(l.sa.disconnected, true);
    assert.equal(l.a.pm.getPeerNodeIds().length, 0);
  });

  test('a ping asking for 65532+ bytes gets no pong (BOLT 1)', () => {
    const l = link(makePeer(1), makePeer(2));
    l.pump();
    const before = l.a.logs.length;
    // Send the ping through a custom path: a's handler cannot, so use the raw send helper.
    l.a.pm.processEvents();
    (l.a.pm as unknown as { sendMessage(p: unknown, m: unknown): void }).sendMessage(
      (l.a.pm as unknown as { peers: Map<unknown, unknown> }).peers.get(l.sa),
      { name: 'ping', msg: { numPongBytes: 65532, ignored: new Uint8Array(0) } },
    );
    (l.a.pm as unknown as { flush(p: unknown): void }).flush((l.a.pm as unknown as { peers: Map<unknown, unknown> }).peers.get(l.sa));
    l.pump();
    assert.ok(l.b.logs.some((r) => r.message.startsWith('received ping asking 65532')));
    assert.ok(!l.a.logs.slice(before).some((r) => r.message === 'received pong'));
  });

  test('a peer that does not finish the handshake is dropped at the second tick', () => {
    const b = makePeer(2);
    const s = new MemSocket('x');
    b.pm.newInboundConnection(s);
    b.pm.timerTickOccurred();
    assert.equal(s.disconnected, false);
    b.pm.timerTickOccurred();
    assert.equal(s.disconnected, true);
  });

  test('a peer requiring a feature we do not know is refused with an error', () => {
    const custom: CustomMessageHandler = {
      handlesType: () => false,
      handleCustomMessage: () => undefined,
      getAndClearPendingMsg: () => [],
      providedInitFeatures: () => new Features('init', [100]),
    };
    const l = link(makePeer(1, { customHandler: custom }), makePeer(2));
    l.pump();
    assert.equal(l.errors.b.length, 1);
    assert.match(l.errors.b[0]!.message, /unknown feature bits 100/);
    assert.equal(l.b.pm.getPeerNodeIds().length, 0);
    assert.equal(l.a.pm.getPeerNodeIds().length, 0, 'a saw the socket close');
  });

  test('no common chain means no connection', () => {
    const l = link(
      makePeer(1, { chanHandler: new ErroringMessageHandler([chainHash('regtest')]) }),
      makePeer(2, { chanHandler: new ErroringMessageHandler([chainHash('bitcoin')]) }),
    );
    l.pump();
    assert.ok(!connected(l));
    assert.ok(l.errors.a.length + l.errors.b.length >= 1);
  });

  test('an error for all channels ends the connection; a warning does not', () => {
    const l = link(makePeer(1), makePeer(2));
    l.pump();
    l.a.pm.sendErrorMessage(l.b.nodeId, 'warning', new Uint8Array(32), 'just so you know');
    l.pump();
    assert.ok(connected(l));
    assert.ok(l.b.logs.some((r) => r.level === 'warn' && r.message.includes('just so you know')));
    l.a.pm.sendErrorMessage(l.b.nodeId, 'error', new Uint8Array(32), 'goodbye');
    l.pump();
    assert.ok(!connected(l));
    assert.ok(l.b.logs.some((r) => r.message.includes('goodbye')));
  });

  test('custom messages reach the custom handler; unknown odd types are ignored, unknown even types disconnect', () => {
    const got: CustomMessage[] = [];
    const outbox: Array<{ nodeId: Uint8Array; msg: CustomMessage }> = [];
    const custom = (sendTo?: Uint8Array): CustomMessageHandler => ({
      handlesType: (t) => t === 32769,
      handleCustomMessage: (_n, m) => {
        got.push(m);
        return undefined;
      },
      getAndClearPendingMsg: () => outbox.splice(0),
      providedInitFeatures: () => new Features('init'),
      ...(sendTo ? {} : {}),
    });
    const l = link(makePeer(1, { customHandler: custom() }), makePeer(2, { customHandler: custom() }));
    l.pump();
    outbox.push({ nodeId: l.b.nodeId, msg: { type: 32769, payload: utf8('hello') } });
    outbox.push({ nodeId: l.b.nodeId, msg: { type: 32771, payload: utf8('odd, unknown') } });
    l.a.pm.processEvents();
    l.pump();
    assert.deepEqual(got, [{ type: 32769, payload: utf8('hello') }]);
    assert.ok(connected(l), 'unknown odd type ignored');
    outbox.push({ nodeId: l.b.nodeId, msg: { type: 32770, payload: new Uint8Array(0) } });
    l.a.pm.processEvents();
    l.pump();
    assert.ok(!connected(l), 'unknown even type ends the connection');
    assert.match(l.errors.b[0]?.message ?? '', /unknown even message type 32770/);
  });

  test('a message other than init first is a protocol violation', () => {
    const b = makePeer(2);
    const sock = new MemSocket('b');
    b.pm.newInboundConnection(sock);
    // A hand-driven initiator that completes the handshake, then sends a ping instead of init.
    const { enc, actOne } = PeerChannelEncryptor.newOutbound(nobleBackend, new Uint8Array(32).fill(5), b.nodeId, new Uint8Array(32).fill(6));
    assert.equal(b.pm.readEvent(sock, actOne), false);
    const r2 = enc.feed(sock.take());
    assert.ok(!(r2 instanceof TransportError) && r2.handshakeComplete && r2.send);
    const ping = enc.encryptMessage(Uint8Array.of(0, 18, 0, 0, 0, 0));
    const r = b.pm.readEvent(sock, new Uint8Array([...r2.send, ...ping]));
    assert.ok(r instanceof PeerHandleError);
    assert.match(r.message, /first message must be init/);
  });

  test('backpressure: readEvent asks to pause while the socket will not take our answers', () => {
    const l = link(makePeer(1), makePeer(2));
    l.pump();
    l.sb.accept = 0; // b's socket is full: pongs pile up in b's buffer
    const pmA = l.a.pm as unknown as { peers: Map<unknown, unknown>; sendMessage(p: unknown, m: unknown): void; flush(p: unknown): void };
    const peerA = pmA.peers.get(l.sa);
    let paused = false;
    for (let i = 0; i < 5 && !paused; i++) {
      pmA.sendMessage(peerA, { name: 'ping', msg: { numPongBytes: 30000, ignored: new Uint8Array(0) } });
      pmA.flush(peerA);
      const r = l.b.pm.readEvent(l.sb, l.sa.take());
      assert.ok(!(r instanceof PeerHandleError));
      paused = r === true;
    }
    assert.ok(paused, 'b asked to pause reading');
    // The socket drains: everything queued goes out, and b asks to resume reading.
    l.sb.accept = Number.POSITIVE_INFINITY;
    l.b.pm.writeBufferSpaceAvail(l.sb);
    assert.ok(l.sb.resumeRequested > 0);
    l.pump();
    assert.ok(connected(l));
  });
});

describe('PeerManager against garbage', () => {
  test('random bytes at act one, in random chunkings, never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 60 }), (junk, chunk) => {
        const b = makePeer(2);
        const s = new MemSocket('x');
        b.pm.newInboundConnection(s);
        for (let o = 0; o < junk.length; o += chunk) {
          const r = b.pm.readEvent(s, junk.subarray(o, o + chunk));
          if (r instanceof PeerHandleError) return;
          assert.equal(typeof r, 'boolean');
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('random bytes at every later handshake act and after it lead to a clean disconnect', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 70 }),
        (stage, junk, chunk) => {
          const a = makePeer(1);
          const b = makePeer(2);
          const l = link(a, b);
          // stage 0: garbage instead of act two (to a); 1: instead of act three (to b);
          // 2, 3: after the handshake, to either side.
          const act1 = l.sa.take();
          if (stage === 0) {
            b.pm.readEvent(l.sb, act1);
            l.sb.take();
          } else {
            b.pm.readEvent(l.sb, act1);
            a.pm.readEvent(l.sa, l.sb.take());
            if (stage === 1) l.sa.take();
            else {
              b.pm.readEvent(l.sb, l.sa.take());
              l.pump();
              assert.ok(connected(l));
            }
          }
          const [pm, sock] = stage === 0 || stage === 2 ? [a.pm, l.sa] : [b.pm, l.sb];
          let failed = false;
          for (let o = 0; o < junk.length && !failed; o += chunk) {
            const r = pm.readEvent(sock, junk.subarray(o, o + chunk));
            failed = r instanceof PeerHandleError;
          }
          // Garbage of a full act or frame's length must be detected; shorter garbage just waits.
          const needed = stage === 0 ? 50 : stage === 1 ? 66 : 18;
          if (junk.length >= needed) assert.ok(failed, `stage ${stage}: ${junk.length} bytes of garbage accepted`);
          if (failed) assert.equal(pm.getPeerNodeIds().length, 0);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  test('truncated input then silence is dropped by the handshake timer', () => {
    const a = makePeer(1);
    const b = makePeer(2);
    const l = link(a, b);
    const act1 = l.sa.take();
    b.pm.readEvent(l.sb, act1.subarray(0, 30));
    b.pm.timerTickOccurred();
    b.pm.timerTickOccurred();
    assert.equal(l.sb.disconnected, true);
  });
});
