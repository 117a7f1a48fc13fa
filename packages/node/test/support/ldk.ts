/**
 * Test support: LDK (npm `lightningdevkit`, rust-lightning in WASM) as a reference peer, with
 * a small TCP glue of our own (the bindings have no networking). Shared by the interop tests.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket, connect as netConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import type * as LDK from 'lightningdevkit';

export type Ldk = typeof LDK;
let loaded: Promise<Ldk> | undefined;

/**
 * For a suite: loads LDK before its tests (handing it to `loaded`) and, after them, runs every
 * cleanup the tests pushed onto the returned list (servers, sockets, timers).
 */
export function ldkSuiteHooks(loaded: (ldk: Ldk) => void): Array<() => void> {
  const cleanup: Array<() => void> = [];
  before(async () => loaded(await loadLdk()));
  after(() => {
    for (const c of cleanup) c();
  });
  return cleanup;
}

/** Loads and initialises the LDK WASM module once per process. */
export function loadLdk(): Promise<Ldk> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('lightningdevkit/package.json'));
    const ldk = (await import('lightningdevkit')) as Ldk;
    const log = console.log;
    console.log = () => {}; // the bindings print a banner on load
    try {
      await ldk.initializeWasmFromBinary(new Uint8Array(readFileSync(join(dir, 'liblightningjs.wasm'))));
    } finally {
      console.log = log;
    }
    return ldk;
  })();
  return loaded;
}

const START_TIME = 1_764_000_000;

/** An LDK node: ChannelManager + PeerManager, with its log lines captured. */
export interface LdkNode {
  readonly ldk: Ldk;
  readonly nodeId: Uint8Array;
  readonly pm: LDK.PeerManager;
  readonly cm: LDK.ChannelManager;
  readonly chainMonitor: LDK.ChainMonitor;
  /** Serialized transactions LDK asked to broadcast. */
  readonly broadcasts: Uint8Array[];
  readonly logs: Array<{ level: number; text: string }>;
  /** Objects the bindings need kept alive. */
  readonly keep: unknown[];
  /** LDK's network graph (filled only with `gossip`). */
  readonly graph: LDK.NetworkGraph;
  /** With `gossip`: the P2PGossipSync its PeerManager routes gossip to (no UTXO lookup). */
  readonly gossipSync?: LDK.P2PGossipSync;
}

/** Options of an LDK test node. */
export interface LdkNodeOptions {
  /** Where LDK's broadcasts go (besides being recorded). */
  readonly onBroadcast?: (tx: Uint8Array) => void;
  /** The chain tip LDK starts from (default: regtest genesis at height 0). */
  readonly bestBlock?: { readonly hash: Uint8Array; readonly height: number };
  /** Route gossip to a P2PGossipSync over the node's graph instead of ignoring it. */
  readonly gossip?: boolean;
  /** Adjusts LDK's `UserConfig` (anchors, manual acceptance...). */
  readonly configure?: (config: LDK.UserConfig, ldk: Ldk) => void;
  /** Feerate LDK's fee estimator returns (sat/kW). */
  readonly feerate?: number;
  /**
   * With `gossip`: the RoutingMessageHandler the PeerManager gets, built around the
   * P2PGossipSync (default: the sync itself) — e.g. to send queries LDK never sends by itself.
   */
  readonly wrapGossip?: (sync: LDK.P2PGossipSync, ldk: Ldk) => LDK.RoutingMessageHandler;
}

/** Builds an LDK node on regtest from a one-byte seed. */
export function makeLdkNode(ldk: Ldk, seedByte: number, opts: LdkNodeOptions = {}): LdkNode {
  const logs: Array<{ level: number; text: string }> = [];
  const logger = ldk.Logger.new_impl({
    log(record: LDK.Record) {
      logs.push({ level: record.get_level(), text: record.get_args() });
    },
  });
  const network = ldk.Network.LDKNetwork_Regtest;
  const rate = opts.feerate ?? 253;
  const feeEst = ldk.FeeEstimator.new_impl({ get_est_sat_per_1000_weight: () => rate });
  const broadcasts: Uint8Array[] = [];
  const broadcaster = ldk.BroadcasterInterface.new_impl({
    broadcast_transactions(txs: Uint8Array[]) {
      for (const t of txs) {
        const tx = t.slice();
        broadcasts.push(tx);
        opts.onBroadcast?.(tx);
      }
    },
  });
  const Completed = ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed;
  const persister = ldk.Persist.new_impl({
    persist_new_channel: () => Completed,
    update_persisted_channel: () => Completed,
    archive_persisted_channel() {},
  });
  const chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), broadcaster, logger, feeEst, persister);
  const keys = ldk.KeysManager.constructor_new(new Uint8Array(32).fill(seedByte), BigInt(START_TIME), 0);
  const graph = ldk.NetworkGraph.constructor_new(network, logger);
  const scorer = ldk.ProbabilisticScorer.constructor_new(ldk.ProbabilisticScoringDecayParameters.constructor_default(), graph, logger);
  const lockable = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
  const router = ldk.DefaultRouter.constructor_new(
    graph,
    logger,
    keys.as_EntropySource(),
    lockable.as_LockableScore(),
    ldk.ProbabilisticScoringFeeParameters.constructor_default(),
  );
  const msgRouter = ldk.DefaultMessageRouter.constructor_new(graph, keys.as_EntropySource());
  const config = ldk.UserConfig.constructor_default();
  opts.configure?.(config, ldk);
  // Regtest genesis block hash (internal byte order) as the default best block.
  const genesis = Uint8Array.from(Buffer.from('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f', 'hex'));
  const best = opts.bestBlock ?? { hash: genesis, height: 0 };
  const params = ldk.ChainParameters.constructor_new(network, ldk.BestBlock.constructor_new(best.hash, best.height));
  const cm = ldk.ChannelManager.constructor_new(
    feeEst,
    chainMonitor.as_Watch(),
    broadcaster,
    router.as_Router(),
    msgRouter.as_MessageRouter(),
    logger,
    keys.as_EntropySource(),
    keys.as_NodeSigner(),
    keys.as_SignerProvider(),
    config,
    params,
    START_TIME,
  );
  const ign = ldk.IgnoringMessageHandler.constructor_new();
  const gossipSync = opts.gossip ? ldk.P2PGossipSync.constructor_new(graph, ldk.Option_UtxoLookupZ.constructor_none(), logger) : undefined;
  const routeHandler = gossipSync ? (opts.wrapGossip?.(gossipSync, ldk) ?? gossipSync.as_RoutingMessageHandler()) : ign.as_RoutingMessageHandler();
  const pm = ldk.PeerManager.constructor_new(
    cm.as_ChannelMessageHandler(),
    routeHandler,
    ign.as_OnionMessageHandler(),
    ign.as_CustomMessageHandler(),
    START_TIME,
    keys.as_EntropySource().get_secure_random_bytes(),
    logger,
    keys.as_NodeSigner(),
  );
  return {
    ldk,
    nodeId: cm.get_our_node_id(),
    pm,
    cm,
    chainMonitor,
    broadcasts,
    logs,
    keep: [logger, feeEst, broadcaster, persister, chainMonitor, keys, graph, scorer, lockable, router, msgRouter, ign, gossipSync, routeHandler],
    graph,
    ...(gossipSync ? { gossipSync } : {}),
  };
}

let nextHash = 1n;

/** Drives one TCP socket for an LDK PeerManager (what lightning-net-tokio does in Rust). */
export class LdkTcp {
  readonly descriptor: LDK.SocketDescriptor;
  private closedByUs = false;

  constructor(
    private readonly node: LdkNode,
    readonly socket: Socket,
  ) {
    const hash = nextHash++;
    this.descriptor = node.ldk.SocketDescriptor.new_impl({
      send_data: (data: Uint8Array) => {
        if (!socket.destroyed) socket.write(data.slice());
        return data.length;
      },
      disconnect_socket: () => {
        this.closedByUs = true;
        socket.destroy();
      },
      eq: (other: LDK.SocketDescriptor) => other.hash() === hash,
      hash: () => hash,
    });
    node.keep.push(this.descriptor);
  }

  start(): void {
    const { pm } = this.node;
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      const r = pm.read_event(this.descriptor, new Uint8Array(chunk));
      if (!r.is_ok()) {
        this.closedByUs = true;
        this.socket.destroy();
      }
      pm.process_events();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      if (!this.closedByUs) pm.socket_disconnected(this.descriptor);
      pm.process_events();
    });
  }
}

/** Listens on loopback for inbound connections to the LDK node; resolves with the port. */
export function ldkListen(node: LdkNode): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      const t = new LdkTcp(node, socket);
      const r = node.pm.new_inbound_connection(t.descriptor, node.ldk.Option_SocketAddressZ.constructor_none());
      if (!r.is_ok()) {
        socket.destroy();
        return;
      }
      t.start();
    });
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
  });
}

/** Makes the LDK node connect to `host:port` as BOLT 8 initiator. */
export function ldkConnect(node: LdkNode, theirNodeId: Uint8Array, host: string, port: number): Promise<LdkTcp> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      const t = new LdkTcp(node, socket);
      const r = node.pm.new_outbound_connection(theirNodeId, t.descriptor, node.ldk.Option_SocketAddressZ.constructor_none());
      if (!r.is_ok()) {
        socket.destroy();
        reject(new Error('LDK refused the outbound connection'));
        return;
      }
      t.start();
      socket.write((r as LDK.Result_CVec_u8ZPeerHandleErrorZ_OK).res.slice());
      resolve(t);
    });
  });
}

/**
 * Waits, turning the event loop, until `cond()` holds; fails after `timeoutMs`. Real sockets need
 * the loop to turn; this is bounded waiting on an observable condition, not a sleep.
 */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Feeds a connected block to LDK's ChannelManager and ChainMonitor (`chain::Confirm`). */
export function ldkBlockConnected(node: LdkNode, header: Uint8Array, txs: ReadonlyArray<{ index: number; tx: Uint8Array }>, height: number): void {
  const { ldk } = node;
  for (const c of [node.cm.as_Confirm(), node.chainMonitor.as_Confirm()]) {
    if (txs.length > 0) c.transactions_confirmed(header, txs.map((t) => ldk.TwoTuple_usizeTransactionZ.constructor_new(t.index, t.tx)), height);
    c.best_block_updated(header, height);
  }
  node.pm.process_events();
}

const handlers = new WeakMap<LdkNode, { handler: LDK.EventHandler; buf: LDK.Event[] }>();

/** Takes LDK's pending events (one EventHandler per node, as the bindings need). */
export function ldkEvents(node: LdkNode): LDK.Event[] {
  let h = handlers.get(node);
  if (!h) {
    const buf: LDK.Event[] = [];
    const handler = node.ldk.EventHandler.new_impl({
      handle_event(e: LDK.Event) {
        buf.push(e);
        return node.ldk.Result_NoneReplayEventZ.constructor_ok();
      },
    });
    h = { handler, buf };
    handlers.set(node, h);
    node.keep.push(handler);
  }
  node.cm.as_EventsProvider().process_pending_events(h.handler);
  node.chainMonitor.as_EventsProvider().process_pending_events(h.handler);
  const out = h.buf.splice(0);
  node.pm.process_events();
  return out;
}
