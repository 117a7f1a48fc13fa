/**
 * In-memory sockets for driving `PeerManager`s against each other in tests, with control over
 * how many bytes a socket accepts (backpressure) and how bytes are chunked on delivery.
 */
import { nobleBackend } from '../../src/crypto/noble.js';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { ErroringMessageHandler } from '../../src/ln/msg_handlers.js';
import { type MessageHandler, PeerHandleError, PeerManager, type SocketDescriptor } from '../../src/ln/peer_handler.js';
import type { LogRecord } from '../../src/util/logger.js';
import { concat } from '../../src/util/bytes.js';

/** A socket whose sent bytes are collected for delivery to the other side. */
export class MemSocket implements SocketDescriptor {
  readonly outbox: Uint8Array[] = [];
  /** Bytes the socket will still accept (Infinity = no backpressure). */
  accept = Number.POSITIVE_INFINITY;
  disconnected = false;
  resumeRequested = 0;
  constructor(readonly name: string) {}
  sendData(data: Uint8Array, resumeRead: boolean): number {
    if (resumeRead) this.resumeRequested++;
    if (this.disconnected) return 0;
    const n = Math.min(this.accept, data.length);
    if (n > 0) this.outbox.push(data.slice(0, n));
    this.accept -= n;
    return n;
  }
  disconnectSocket(): void {
    this.disconnected = true;
  }
  take(): Uint8Array {
    const all = concat(...this.outbox);
    this.outbox.length = 0;
    return all;
  }
}

/** A PeerManager with captured logs. */
export interface TestPeer {
  readonly pm: PeerManager;
  readonly nodeId: Uint8Array;
  readonly logs: LogRecord[];
}

/** Makes a PeerManager from a one-byte seed. */
export function makePeer(seed: number, handlers?: Partial<MessageHandler>, crypto: CryptoBackend = nobleBackend): TestPeer {
  const logs: LogRecord[] = [];
  const nodeSecret = new Uint8Array(32).fill(seed);
  const pm = new PeerManager(
    { chanHandler: handlers?.chanHandler ?? new ErroringMessageHandler(), ...handlers },
    {
      nodeSecret,
      ephemeralRandomData: new Uint8Array(32).fill(seed + 100),
      crypto,
      logger: { log: (r) => logs.push(r) },
    },
  );
  return { pm, nodeId: pm.nodeId, logs };
}

/** A connection between two PeerManagers: `a` initiated. */
export interface Link {
  readonly a: TestPeer;
  readonly b: TestPeer;
  readonly sa: MemSocket;
  readonly sb: MemSocket;
  /** Errors returned by readEvent on each side. */
  readonly errors: { a: PeerHandleError[]; b: PeerHandleError[] };
  /** Delivers bytes both ways (in `chunk`-sized pieces) until quiet; returns bytes moved. */
  pump(chunk?: (n: number) => number): number;
}

/** Connects `a` (initiator) to `b` in memory and returns the link, handshake not yet pumped. */
export function link(a: TestPeer, b: TestPeer): Link {
  const sa = new MemSocket('a');
  const sb = new MemSocket('b');
  b.pm.newInboundConnection(sb);
  sa.outbox.push(a.pm.newOutboundConnection(b.nodeId, sa));
  const errors = { a: [] as PeerHandleError[], b: [] as PeerHandleError[] };
  const deliver = (from: MemSocket, toPm: PeerManager, toSock: MemSocket, errs: PeerHandleError[], chunk?: (n: number) => number) => {
    const data = from.take();
    if (data.length === 0 || toSock.disconnected) return 0;
    let o = 0;
    while (o < data.length) {
      const n = Math.max(1, Math.min(data.length - o, chunk ? chunk(data.length - o) : data.length));
      const r = toPm.readEvent(toSock, data.subarray(o, o + n));
      o += n;
      if (r instanceof PeerHandleError) {
        errs.push(r);
        toSock.disconnected = true;
        break;
      }
    }
    toPm.processEvents();
    return data.length;
  };
  return {
    a,
    b,
    sa,
    sb,
    errors,
    pump(chunk) {
      let moved = 0;
      for (let i = 0; i < 1000; i++) {
        a.pm.processEvents();
        b.pm.processEvents();
        const n = deliver(sa, b.pm, sb, errors.b, chunk) + deliver(sb, a.pm, sa, errors.a, chunk);
        // A closed socket closes for both ends: tell the side that did not close it.
        if (sa.disconnected && !sb.disconnected) {
          sb.disconnected = true;
          b.pm.socketDisconnected(sb);
        }
        if (sb.disconnected && !sa.disconnected) {
          sa.disconnected = true;
          a.pm.socketDisconnected(sa);
        }
        moved += n;
        if (n === 0) return moved;
      }
      throw new Error('link never went quiet');
    },
  };
}
