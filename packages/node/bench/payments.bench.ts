/**
 * `payments.single_hop`: sequential single-hop payment round trips between two in-process
 * ChannelManagers, the workload of `../shared/bench/ldk/ldk-sends.mjs` (LDK's `bench_sends`):
 * 1,000,000,000 sat channel, 1,000,000 msat payments, each one created by the payee, routed by the
 * payer's `getRoute` (route parameters to the payee, no retries: LDK's `send_payment` with
 * `RouteParameters` and `Retry::Attempts(0)`), sent, forwarded to the claim, claimed, and finished when the payer has `PaymentSent` and `PaymentPathSuccessful`
 * and no message is left. Two transports: `direct` (message events handed to the peer's handler)
 * and `peer` (through two PeerManagers: BOLT 8 and wire encoding). LDK runs the same workload in
 * the same run when its harness is beside the project.
 *
 * Flatness as the channel's history grows: mean ms per payment over each quarter of the run (LDK's
 * too), and at each quarter's end — outside the timed loop — the heap after a full GC, the size of
 * the payer's serialized monitor, and the bytes its HTLC history store holds (the records only a
 * penalty needs, which the monitor moves out of itself; in memory here, as the monitors are, where
 * a node would keep them on disk).
 *
 * Both nodes get a timer tick every {@link TICK_EVERY} payments, as a user's minute timer calls
 * `timerTickOccurred`: a payment's record is kept for `IDEMPOTENCY_TIMEOUT_TICKS` ticks after it
 * resolves (so a duplicate send is refused), then forgotten. Without ticks the heap would hold
 * every record of the run — a window of time, not the channel's history.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { serializeTx } from '@lnts/lightning/bitcoin';
import type { Transaction } from '@lnts/lightning/bitcoin';
import { ChainMonitor, ChannelMonitor, type ChannelMonitorUpdateStatus, MemoryHtlcHistoryStore } from '@lnts/lightning/chain';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { ChannelManager, PeerManager, PeerHandleError, type SocketDescriptor } from '@lnts/lightning/ln';
import { paymentParametersFromNodeId, routeParametersFromPaymentParamsAndValue } from '@lnts/lightning/routing';
import { KeysManager } from '@lnts/lightning/sign';
import { type Event, type MessageSendEvent, userConfig } from '@lnts/lightning/util';
import { bestBackend } from '../src/crypto/index.js';
import { emit, ldkHarness } from './util.js';

const PAYMENTS = Number(process.env.LNTS_BENCH_PAYMENTS ?? 1000);
const AMOUNT = 1_000_000n;
const WARMUP = 20;
const START_HEIGHT = 1000;
/** Payments between timer ticks (see the module doc). */
const TICK_EVERY = 25;

/** A stand-in 80-byte block header for `height` (only its hash and timestamp are read). */
function header(height: number): Uint8Array {
  const h = new Uint8Array(80);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x20000000, true);
  v.setUint32(36, height, true);
  v.setUint32(68, 1_700_000_000 + height * 600, true);
  return h;
}

interface Node {
  keys: KeysManager;
  cm: ChannelManager<ChannelMonitor>;
  pm: PeerManager | undefined;
  events: Event[];
  monitors: ChannelMonitor[];
  htlcHistory: MemoryHtlcHistoryStore;
}

/** Updates kept per channel before the store folds them into its copy of the monitor (LDK's `MonitorUpdatingPersister` default). */
const MAX_PENDING_UPDATES = 100;

function makeNode(i: number, crypto: CryptoBackend): Node {
  const keys = new KeysManager(crypto.sha256(Uint8Array.of(i, 42)), 1_700_000_000, i, crypto);
  const fee = { getEstSatPer1000Weight: () => 253 };
  const broadcaster = { broadcastTransactions() {} };
  const logger = { log() {} };
  // Every monitor write is kept in an in-memory store, reported done (LDK's harness counts them):
  // the full monitor, then its updates until MAX_PENDING_UPDATES, when the store folds them into
  // the monitor it holds (as a persister writing update files and then a full monitor would).
  const monitors: ChannelMonitor[] = [];
  const pending: unknown[] = [];
  const persister = {
    persistNewChannel: (_o: unknown, m: ChannelMonitor): ChannelMonitorUpdateStatus => {
      monitors.push(m);
      return 'completed';
    },
    updatePersistedChannel: (_o: unknown, u: unknown): ChannelMonitorUpdateStatus => {
      pending.push(u);
      if (pending.length >= MAX_PENDING_UPDATES) pending.length = 0;
      return 'completed';
    },
  };
  const chainMonitor = new ChainMonitor(undefined, broadcaster, logger, fee, persister, keys, crypto);
  const htlcHistory = new MemoryHtlcHistoryStore();
  const cm = new ChannelManager<ChannelMonitor>({
    feeEstimator: fee,
    chainMonitor,
    createMonitor: (init) => ChannelMonitor.create(init, crypto, { htlcHistory }),
    broadcaster,
    logger,
    keys,
    config: userConfig({ channelHandshakeLimits: { maxFundingSatoshis: 2_100_000_000_000_000n } }),
    network: 'regtest',
    bestBlock: { blockHash: new Uint8Array(32), height: START_HEIGHT },
    crypto,
  });
  return { keys, cm, pm: undefined, events: [], monitors, htlcHistory };
}

class MemSocket implements SocketDescriptor {
  readonly out: Uint8Array[] = [];
  sendData(d: Uint8Array): number {
    this.out.push(d.slice());
    return d.length;
  }
  disconnectSocket(): void {}
}

interface Transport {
  pump(): number;
}

function direct(a: Node, b: Node): Transport {
  const deliver = (from: Node, to: Node): number => {
    const evs: MessageSendEvent[] = from.cm.getAndClearPendingMsgEvents();
    for (const e of evs) {
      if (e.kind !== 'send-message') continue;
      if (e.msg.name === 'channel_update') continue;
      to.cm.handleChannelMessage(from.keys.getNodeId(), e.msg);
    }
    return evs.length;
  };
  return { pump: () => deliver(a, b) + deliver(b, a) };
}

function viaPeers(a: Node, b: Node, crypto: CryptoBackend): Transport {
  for (const n of [a, b]) {
    n.pm = new PeerManager({ chanHandler: n.cm }, { nodeSecret: n.keys.getNodeSecret(), ephemeralRandomData: n.keys.getSecureRandomBytes(), crypto, logger: { log() {} } });
  }
  const sa = new MemSocket();
  const sb = new MemSocket();
  b.pm!.newInboundConnection(sb);
  sa.out.push(a.pm!.newOutboundConnection(b.keys.getNodeId(), sa));
  const move = (from: MemSocket, pm: PeerManager, to: MemSocket): number => {
    let n = 0;
    while (from.out.length) {
      const d = from.out.shift()!;
      if (pm.readEvent(to, d) instanceof PeerHandleError) throw new Error('peer error');
      n++;
    }
    return n;
  };
  const t = {
    pump: () => {
      a.pm!.processEvents();
      b.pm!.processEvents();
      return move(sa, b.pm!, sb) + move(sb, a.pm!, sa);
    },
  };
  for (let i = 0; i < 10; i++) t.pump();
  return t;
}

function takeEvents(n: Node): Event[] {
  const evs = n.cm.getAndClearPendingEvents();
  n.events.push(...evs);
  return evs;
}

function fundingTx(value: bigint, script: Uint8Array): Transaction {
  return {
    version: 2,
    inputs: [{ prevout: { txid: new Uint8Array(32).fill(3), vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [new Uint8Array(72), new Uint8Array(33)] }],
    outputs: [{ value, script }],
    locktime: 0,
  };
}

interface RunResult {
  paymentsPerSec: number;
  openMs: number;
  perQuarterMeanMs: number[];
  /** Heap after a full GC at the end of each quarter. */
  perQuarterHeapMiB: number[];
  /** The payer's monitor, serialized, at the end of each quarter. */
  perQuarterMonitorBytes: number[];
  /** What the payer's HTLC history store holds for the channel at the end of each quarter. */
  perQuarterHistoryStoreBytes: number[];
  heapMiB: number;
}

function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Number((process.memoryUsage().heapUsed / 1048576).toFixed(1));
}

function run(kind: 'direct' | 'peer', crypto: CryptoBackend): RunResult {
  const a = makeNode(1, crypto);
  const b = makeNode(2, crypto);
  const initA = { globalFeatures: new Uint8Array(0), features: a.cm.providedInitFeatures().toBytes() };
  const initB = { globalFeatures: new Uint8Array(0), features: b.cm.providedInitFeatures().toBytes() };
  const t0 = performance.now();
  let tr: Transport;
  if (kind === 'direct') {
    a.cm.peerConnected(b.keys.getNodeId(), initB, false);
    b.cm.peerConnected(a.keys.getNodeId(), initA, true);
    tr = direct(a, b);
  } else {
    tr = viaPeers(a, b, crypto);
  }
  const settle = () => {
    for (let i = 0; i < 100 && tr.pump() > 0; i++) {}
  };
  const tmp = a.cm.createChannel(b.keys.getNodeId(), 1_000_000_000n, 0n, 42n);
  settle();
  const fgr = takeEvents(a).find((e): e is Extract<Event, { kind: 'FundingGenerationReady' }> => e.kind === 'FundingGenerationReady');
  if (!fgr) throw new Error('no FundingGenerationReady');
  const tx = fundingTx(fgr.channelValueSatoshis, fgr.outputScript);
  a.cm.fundingTransactionGenerated(tmp, b.keys.getNodeId(), serializeTx(tx));
  settle();
  // Confirm: a block holding the funding tx, then 6 more.
  for (const n of [a, b]) n.cm.filteredBlockConnected(header(START_HEIGHT + 1), [{ index: 1, tx: serializeTx(tx) }], START_HEIGHT + 1);
  for (let h = START_HEIGHT + 2; h <= START_HEIGHT + 7; h++) for (const n of [a, b]) n.cm.filteredBlockConnected(header(h), [], h);
  settle();
  takeEvents(a);
  takeEvents(b);
  if (a.cm.listUsableChannels().length !== 1) throw new Error('channel not usable');
  const routeParams = routeParametersFromPaymentParamsAndValue(paymentParametersFromNodeId(b.keys.getNodeId(), 40), AMOUNT);
  const openMs = performance.now() - t0;
  const payOnce = (i: number) => {
    const inv = b.cm.createInboundPayment(AMOUNT);
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(0, i);
    a.cm.sendPaymentWithRouteParams(inv.paymentHash, { paymentSecret: inv.paymentSecret }, id, routeParams, 0);
    let sent = false;
    let path = false;
    for (let r = 0; r < 50 && !(sent && path && tr.pump() === 0); r++) {
      settle();
      for (const e of takeEvents(b)) {
        if (e.kind === 'PendingHTLCsForwardable') b.cm.processPendingHtlcForwards();
        else if (e.kind === 'PaymentClaimable') {
          if (e.amountMsat !== AMOUNT) throw new Error('wrong amount');
          b.cm.claimFunds(inv.paymentPreimage);
        }
      }
      for (const e of takeEvents(a)) {
        if (e.kind === 'PaymentSent') sent = true;
        else if (e.kind === 'PaymentPathSuccessful') path = true;
        else if (e.kind === 'PaymentFailed') throw new Error('payment failed');
      }
    }
    if (!sent || !path) throw new Error(`payment ${i} did not complete`);
    a.events.length = 0;
    b.events.length = 0;
  };
  for (let i = 0; i < WARMUP; i++) payOnce(i);
  const quarter = Math.max(1, Math.floor(PAYMENTS / 4));
  const quarters: number[] = [];
  const heaps: number[] = [];
  const monitorBytes: number[] = [];
  const storeBytes: number[] = [];
  let ms = 0;
  let q0 = performance.now();
  for (let i = 0; i < PAYMENTS; i++) {
    payOnce(WARMUP + i);
    if ((i + 1) % TICK_EVERY === 0) for (const n of [a, b]) n.cm.timerTickOccurred();
    if ((i + 1) % quarter === 0 && quarters.length < 4) {
      const qms = performance.now() - q0;
      ms += qms;
      quarters.push(qms / quarter);
      // Measured between quarters, off the clock.
      heaps.push(heapAfterGc());
      monitorBytes.push(a.monitors[0]!.write().length);
      storeBytes.push(a.htlcHistory.byteLength(a.monitors[0]!.fundingOutpoint));
      q0 = performance.now();
    }
  }
  ms += performance.now() - q0;
  return {
    paymentsPerSec: PAYMENTS / (ms / 1000),
    openMs,
    perQuarterMeanMs: quarters.map((q) => Number(q.toFixed(3))),
    perQuarterHeapMiB: heaps,
    perQuarterMonitorBytes: monitorBytes,
    perQuarterHistoryStoreBytes: storeBytes,
    heapMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
  };
}

/** LDK on the same workload, through its own harness (copied next to our node_modules so it resolves lightningdevkit). */
function ldkSends(transport: 'direct' | 'peer'): { paymentsPerSec: number; perQuarterMeanMs?: number[] } | null {
  const dst = ldkHarness(['ldk-sends.mjs']);
  if (!dst) return null;
  try {
    const out = execFileSync(process.execPath, [join(dst, 'ldk-sends.mjs'), '--payments', String(PAYMENTS), '--transport', transport, '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      timeout: 600_000,
    });
    const line = out.trim().split('\n').at(-1)!;
    return JSON.parse(line) as { paymentsPerSec: number; perQuarterMeanMs?: number[] };
  } catch {
    return null;
  }
}

const crypto = bestBackend();
for (const transport of ['direct', 'peer'] as const) {
  const name = transport === 'direct' ? 'payments.single_hop' : 'payments.single_hop_peer';
  const filter = process.argv[2] ?? '';
  if (filter && !name.includes(filter) && !filter.includes('payments')) continue;
  const r = run(transport, crypto);
  const ldk = ldkSends(transport);
  emit({
    bench: name,
    unit: 'payments/s',
    value: r.paymentsPerSec,
    ldk: ldk?.paymentsPerSec ?? null,
    ratio: ldk ? r.paymentsPerSec / ldk.paymentsPerSec : null,
    payments: PAYMENTS,
    amountMsat: Number(AMOUNT),
    transport,
    backend: crypto.name,
    openFundConfirmMs: Math.round(r.openMs),
    perQuarterMeanMs: r.perQuarterMeanMs,
    ldkPerQuarterMeanMs: ldk?.perQuarterMeanMs ?? null,
    perQuarterHeapMiB: r.perQuarterHeapMiB,
    perQuarterMonitorBytes: r.perQuarterMonitorBytes,
    perQuarterHistoryStoreBytes: r.perQuarterHistoryStoreBytes,
    tickEvery: TICK_EVERY,
    heapMiB: r.heapMiB,
  });
}
