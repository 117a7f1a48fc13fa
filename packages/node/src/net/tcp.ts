/**
 * TCP for `PeerManager` over `node:net` (what lightning-net-tokio is for Rust): each socket gets a
 * `SocketDescriptor`; received bytes go to `readEvent`, followed by `processEvents()`; Node's
 * write-buffer backpressure maps onto `sendData`'s partial acceptance and `writeBufferSpaceAvail`.
 * @module
 */
import { isIP, type Socket, connect as netConnect } from 'node:net';
import type { NetAddress } from '@lnts/lightning/ln';
import { type PeerManager, PeerHandleError, type SocketDescriptor } from '@lnts/lightning/ln';

/** One TCP connection driven by a `PeerManager`. */
export class TcpConnection implements SocketDescriptor {
  private closedByUs = false;
  private readonly closed: Promise<void>;

  constructor(
    private readonly pm: PeerManager,
    readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** @internal Wires the socket's events to the PeerManager once it knows this descriptor. */
  start(): void {
    this.socket.on('data', (chunk: Buffer) => {
      const r = this.pm.readEvent(this, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (r instanceof PeerHandleError) {
        this.closedByUs = true;
        this.socket.destroy();
      } else if (r) {
        this.socket.pause();
      }
      this.pm.processEvents();
    });
    this.socket.on('drain', () => {
      this.pm.writeBufferSpaceAvail(this);
      this.pm.processEvents();
    });
    this.socket.on('error', () => {
      /* 'close' follows; the PeerManager hears of it there */
    });
    this.socket.on('close', () => {
      if (!this.closedByUs) this.pm.socketDisconnected(this);
      this.pm.processEvents();
    });
  }

  sendData(data: Uint8Array, resumeRead: boolean): number {
    if (this.socket.destroyed) return 0;
    if (resumeRead) this.socket.resume();
    // Node buffers whatever we write; respect its high-water mark so PeerManager keeps the rest.
    if (this.socket.writableNeedDrain) return 0;
    this.socket.write(data);
    return data.length;
  }

  disconnectSocket(): void {
    this.closedByUs = true;
    this.socket.destroy();
  }

  /** Resolves when the socket has closed. */
  whenClosed(): Promise<void> {
    return this.closed;
  }
}

/** The peer's address as BOLT 7 encodes it, for `init`'s `remote_addr`. */
export function socketAddress(socket: Socket): NetAddress | undefined {
  const host = socket.remoteAddress;
  const port = socket.remotePort;
  if (!host || port === undefined) return undefined;
  const v = isIP(host);
  if (v === 4) return { type: 'ipv4', addr: Uint8Array.from(host.split('.').map(Number)), port };
  if (v === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
    if (mapped) return { type: 'ipv4', addr: Uint8Array.from(mapped[1]!.split('.').map(Number)), port };
    return { type: 'ipv6', addr: ipv6Bytes(host), port };
  }
  return undefined;
}

function ipv6Bytes(host: string): Uint8Array {
  const [head, tail] = host.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g || '0', 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** Hands an accepted inbound socket to the PeerManager (we are the BOLT 8 responder). */
export function setupInbound(pm: PeerManager, socket: Socket): TcpConnection {
  const c = new TcpConnection(pm, socket);
  pm.newInboundConnection(c, socketAddress(socket));
  c.start();
  return c;
}

/**
 * Connects to `host:port` and starts the BOLT 8 handshake as initiator towards `theirNodeId`.
 * Resolves once TCP is connected and act one is sent.
 */
export function connectOutbound(pm: PeerManager, theirNodeId: Uint8Array, host: string, port: number): Promise<TcpConnection> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      const c = new TcpConnection(pm, socket);
      let actOne: Uint8Array;
      try {
        actOne = pm.newOutboundConnection(theirNodeId, c, socketAddress(socket));
      } catch (e) {
        socket.destroy();
        reject(e);
        return;
      }
      c.start();
      socket.write(actOne);
      resolve(c);
    });
  });
}
