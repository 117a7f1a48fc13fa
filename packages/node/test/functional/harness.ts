/**
 * The functional-test harness (LDK's `functional_test_utils`): N lnts nodes — KeysManager,
 * ChainMonitor with a controllable persister, ChannelManager, PeerManager — on one embedded
 * regtest chain, joined by in-memory sockets. `withNetwork` fails a test that leaves unhandled
 * events, undelivered messages or unchecked monitor updates on any node, and restarts every node
 * from its serialized state to check nothing is lost.
 */
import assert from 'node:assert/strict';
import { serializeTx } from '@lnts/lightning/bitcoin';
import type { OutPoint } from '@lnts/lightning/bitcoin';
import {
  ChainMonitor,
  ChannelMonitor,
  type ChannelMonitorOptions,
  type ChannelMonitorUpdate,
  type ChannelMonitorUpdateStatus,
  type FeeEstimator,
  type HtlcHistoryStore,
  MemoryHtlcHistoryStore,
  type Persist,
} from '@lnts/lightning/chain';
import { ChannelManager } from '@lnts/lightning/ln/channelmanager';
import { KeysManager } from '@lnts/lightning/sign';
import { type Event, type Logger, type LogRecord, toHex, type UserConfigOverrides, userConfig } from '@lnts/lightning/util';
import { link, type Link, type TestPeer } from '../../../lightning/test/support/mem_socket.js';
import { PeerManager } from '@lnts/lightning/ln';
import { DefaultRouter, GraphChainWatcher, NetGraphMsgHandler, NetworkGraph, type Score } from '@lnts/lightning/routing';
import { chainHash } from '@lnts/lightning/chain';
import { bestBackend } from '../../src/crypto/index.js';
import { BlockSource, RegtestAccess, RegtestChain, RegtestWallet } from '../../src/regtest/index.js';

// The fastest backend here (native libsecp256k1 when it loads, else WASM, else noble): the
// protocol logic under test is the same, and channel tests sign a lot.
const crypto = bestBackend();

/** A persister whose answers a test controls (LDK's `TestPersister`). */
export class TestPersister implements Persist<ChannelMonitor> {
  /** Statuses to return next, in order; empty = 'completed'. */
  readonly next: ChannelMonitorUpdateStatus[] = [];
  /**
   * Every persisted monitor by funding outpoint. Kept as the object and serialized when a
   * restart reads it back: serializing the whole monitor on every update would make long tests
   * quadratic (a real persister stores the updates).
   */
  readonly stored = new Map<string, ChannelMonitor>();
  /** Update ids persisted with 'in-progress', awaiting completion. */
  readonly inProgress: Array<{ outpoint: OutPoint; updateId: bigint }> = [];
  private answer(outpoint: OutPoint, monitor: ChannelMonitor, updateId: bigint): ChannelMonitorUpdateStatus {
    this.stored.set(`${toHex(outpoint.txid)}:${outpoint.vout}`, monitor);
    const s = this.next.shift() ?? 'completed';
    if (s === 'in-progress') this.inProgress.push({ outpoint, updateId });
    return s;
  }
  persistNewChannel(outpoint: OutPoint, monitor: ChannelMonitor): ChannelMonitorUpdateStatus {
    return this.answer(outpoint, monitor, 0n);
  }
  updatePersistedChannel(outpoint: OutPoint, update: ChannelMonitorUpdate | null, monitor: ChannelMonitor): ChannelMonitorUpdateStatus {
    return this.answer(outpoint, monitor, update?.updateId ?? monitor.latestUpdateId);
  }
}

/** One node of the test network. */
export interface TestNode {
  readonly name: string;
  readonly keys: KeysManager;
  cm: ChannelManager<ChannelMonitor>;
  chainMonitor: ChainMonitor;
  readonly persister: TestPersister;
  /**
   * Where the node's monitors put the HTLC records only a penalty needs: a memory store kept
   * across restarts, as a disk would be, or `NetOpts.htlcHistory`'s, opened again at each
   * restart. Monitors flush it every {@link HTLC_HISTORY_FLUSH} finished HTLCs, so
   * functional runs (restarts included) go through the store rather than around it.
   */
  htlcHistory: HtlcHistoryStore;
  pm: PeerManager;
  readonly wallet: RegtestWallet;
  /** What the node broadcast, and the chain's verdict. */
  readonly broadcasts: Array<{ tx: Uint8Array; ok: boolean; reason?: string }>;
  readonly logs: LogRecord[];
  readonly config: UserConfigOverrides;
  /** Monitor operations seen and not yet checked by the test. */
  addedMonitors: number;
  /** Set with a reason to skip the end-of-test checks for this node. */
  skipEndChecks?: string;
  /** Events a helper took from the node and kept for the test to check. */
  readonly pendingEvents: Event[];
  /**
   * With `NetOpts.gossip`: the node's network graph and the `NetGraphMsgHandler` its PeerManager
   * routes gossip to (funding outputs checked against the chain). Kept across restarts, as a
   * separately persisted graph would be.
   */
  graph?: NetworkGraph;
  gossip?: NetGraphMsgHandler;
  /** With `NetOpts.gossip`: the ChannelManager's router over that graph (failures' channel_updates applied). */
  router?: DefaultRouter;
}

/** Finished HTLC records a test node's monitor holds before writing them to its store (small, so tests flush). */
export const HTLC_HISTORY_FLUSH = 4;

function monitorOpts(n: Pick<TestNode, 'htlcHistory'>): ChannelMonitorOptions {
  return { htlcHistory: n.htlcHistory, htlcHistoryFlushEntries: HTLC_HISTORY_FLUSH };
}

export interface NetOpts {
  readonly configs?: UserConfigOverrides[];
  readonly feeratePerKw?: number;
  /** Give every node a NetworkGraph fed by a NetGraphMsgHandler (BOLT 7 gossip). */
  readonly gossip?: boolean;
  /** With `gossip`: the scorer each node's DefaultRouter uses over its graph (default: none). */
  readonly scorer?: (graph: NetworkGraph, logger: Logger) => Score;
  /** Opens node `name`'s HTLC history store, at creation and again at each restart (default: one memory store per node). */
  readonly htlcHistory?: (name: string) => HtlcHistoryStore;
}

/** The network: a chain and its nodes. */
export class Network {
  readonly chain = new RegtestChain({ crypto });
  readonly source = new BlockSource(this.chain);
  readonly nodes: TestNode[] = [];
  readonly links: Link[] = [];
  readonly fee: FeeEstimator;

  private readonly withGossip: boolean;
  private readonly makeScorer: NetOpts['scorer'];
  private readonly makeHistory: NetOpts['htlcHistory'];

  constructor(n: number, opts: NetOpts = {}) {
    this.withGossip = opts.gossip ?? false;
    this.makeScorer = opts.scorer;
    this.makeHistory = opts.htlcHistory;
    const rate = opts.feeratePerKw ?? 253;
    this.fee = { getEstSatPer1000Weight: () => rate };
    for (let i = 0; i < n; i++) this.nodes.push(this.makeNode(i, opts.configs?.[i] ?? {}));
    // Every wallet gets coins: 101 blocks to the first makes its first coinbase spendable.
    for (const node of this.nodes) this.chain.mine(1, node.wallet.script);
    this.chain.mine(100);
  }

  private makeNode(i: number, config: UserConfigOverrides): TestNode {
    const name = ['alice', 'bob', 'carol', 'dave', 'erin'][i] ?? `node${i}`;
    const keys = new KeysManager(crypto.sha256(new TextEncoder().encode(`lnts functional ${name}`)), 1_700_000_000, i, crypto);
    const logs: LogRecord[] = [];
    const logger = { log: (r: LogRecord) => logs.push(r) };
    const broadcasts: TestNode['broadcasts'] = [];
    const broadcaster = {
      broadcastTransactions: (txs: readonly Uint8Array[]) => {
        for (const tx of txs) {
          const r = this.chain.submit(tx);
          // Both sides broadcast a cooperative close; the second finds it already there.
          const known = !r.ok && (r.reason === 'txn-already-in-mempool' || r.reason === 'txn-already-known');
          broadcasts.push(r.ok || known ? { tx, ok: true } : { tx, ok: false, reason: r.reason });
        }
      },
    };
    const persister = new TestPersister();
    const node: TestNode = {
      name,
      keys,
      persister,
      htlcHistory: this.makeHistory?.(name) ?? new MemoryHtlcHistoryStore(),
      wallet: new RegtestWallet(this.chain, crypto.sha256(new TextEncoder().encode(`wallet ${name}`))),
      broadcasts,
      logs,
      config,
      addedMonitors: 0,
      pendingEvents: [],
    } as unknown as TestNode;
    const countingPersister: Persist<ChannelMonitor> = {
      persistNewChannel: (o, m) => {
        node.addedMonitors++;
        return persister.persistNewChannel(o, m);
      },
      updatePersistedChannel: (o, u, m) => {
        if (u) node.addedMonitors++;
        return persister.updatePersistedChannel(o, u, m);
      },
    };
    node.chainMonitor = new ChainMonitor(undefined, broadcaster, logger, this.fee, countingPersister, keys, crypto);
    if (this.withGossip) {
      node.graph = new NetworkGraph(chainHash('regtest'));
      node.gossip = new NetGraphMsgHandler(node.graph, new RegtestAccess(this.chain), logger, crypto, { ourNodeId: keys.getNodeId() });
      node.router = new DefaultRouter(node.graph, logger, this.makeScorer?.(node.graph, logger), { crypto, gossip: node.gossip });
      // Channels whose funding output a block spends leave the graph (the Access gives outpoints).
      this.source.addListen(new GraphChainWatcher(node.graph, logger));
    }
    node.cm = new ChannelManager<ChannelMonitor>({
      feeEstimator: this.fee,
      chainMonitor: node.chainMonitor,
      createMonitor: (init) => ChannelMonitor.create(init, crypto, monitorOpts(node)),
      broadcaster,
      logger,
      keys,
      config: userConfig(config),
      network: 'regtest',
      bestBlock: { blockHash: this.chain.tip.hash, height: this.chain.height },
      crypto,
      ...(node.router ? { router: node.router } : {}),
    });
    this.source.addListen(node.chainMonitor);
    this.source.addListen(node.cm);
    node.pm = new PeerManager(
      node.gossip ? { chanHandler: node.cm, routeHandler: node.gossip } : { chanHandler: node.cm },
      { nodeSecret: keys.getNodeSecret(), ephemeralRandomData: keys.getSecureRandomBytes(), crypto, logger },
    );
    return node;
  }

  private peerOf(n: TestNode): TestPeer {
    return { pm: n.pm, nodeId: n.keys.getNodeId(), logs: n.logs };
  }

  /** Connects node `a` to node `b` (a initiates) and completes init. */
  connect(a: number, b: number): Link {
    const l = link(this.peerOf(this.nodes[a]!), this.peerOf(this.nodes[b]!));
    this.links.push(l);
    this.pump();
    assert.ok(this.nodes[a]!.pm.getPeerNodeIds().length > 0, 'connected');
    return l;
  }

  /** Disconnects a link (both sides see the socket close). */
  disconnect(l: Link): void {
    l.sa.disconnected = true;
    l.sb.disconnected = true;
    l.a.pm.socketDisconnected(l.sa);
    l.b.pm.socketDisconnected(l.sb);
    this.links.splice(this.links.indexOf(l), 1);
  }

  /** Delivers every message until the network is quiet. */
  pump(): void {
    for (let i = 0; i < 200; i++) {
      let moved = 0;
      for (const l of this.links) moved += l.pump();
      for (const n of this.nodes) n.pm.processEvents();
      for (const l of this.links) moved += l.pump();
      if (moved === 0) return;
    }
    throw new Error('network never went quiet');
  }

  /** Mines `n` blocks (including the mempool) and lets everyone react. */
  mine(n: number): void {
    this.chain.mine(n);
    this.pump();
  }

  /**
   * Pumps until quiet, running each node's pending HTLC forwards and claiming whatever becomes
   * claimable with its preimage. Every event lands in `seen[i]` for node i, for the test to check.
   */
  settlePayments(seen: Event[][] = this.nodes.map(() => [])): Event[][] {
    for (let round = 0; round < 20; round++) {
      this.pump();
      let again = false;
      this.nodes.forEach((node, i) => {
        for (const e of node.cm.getAndClearPendingEvents()) {
          seen[i]!.push(e);
          if (e.kind === 'PendingHTLCsForwardable') {
            node.cm.processPendingHtlcForwards();
            again = true;
          } else if (e.kind === 'PaymentClaimable' && e.purpose.preimage) {
            node.cm.claimFunds(e.purpose.preimage);
            again = true;
          }
        }
      });
      if (!again) return seen;
    }
    return seen;
  }

  /** Takes a node's events and checks their kinds, in order. */
  expectEvents(i: number, kinds: Event['kind'][]): Event[] {
    const evs = this.nodes[i]!.cm.getAndClearPendingEvents();
    assert.deepEqual(evs.map((e) => e.kind), kinds, `${this.nodes[i]!.name}'s events`);
    return evs;
  }

  /** LDK's `check_added_monitors`: the number of monitor operations since the last check. */
  checkAddedMonitors(i: number, n: number): void {
    assert.equal(this.nodes[i]!.addedMonitors, n, `${this.nodes[i]!.name}'s monitor operations`);
    this.nodes[i]!.addedMonitors = 0;
  }

  /**
   * Opens a channel from `a` to `b` and confirms it until both see `ChannelReady` (mining
   * `confirmations` blocks, 6 by default: set fewer with a smaller `minimumDepth`).
   * Returns the channel id.
   */
  openChannel(a: number, b: number, valueSat: bigint, pushMsat = 0n, opts: { readonly confirmations?: number } = {}): Uint8Array {
    const A = this.nodes[a]!;
    const B = this.nodes[b]!;
    const tmp = A.cm.createChannel(B.keys.getNodeId(), valueSat, pushMsat, 7n);
    this.pump();
    const [ev] = this.expectEvents(a, ['FundingGenerationReady']);
    const fgr = ev as Extract<Event, { kind: 'FundingGenerationReady' }>;
    const tx = A.wallet.fund([{ value: fgr.channelValueSatoshis, script: fgr.outputScript }], 253);
    A.cm.fundingTransactionGenerated(tmp, B.keys.getNodeId(), serializeTx(tx));
    this.pump();
    this.checkAddedMonitors(a, 1);
    this.checkAddedMonitors(b, 1);
    const [pa] = this.expectEvents(a, ['ChannelPending']);
    this.expectEvents(b, ['ChannelPending']);
    assert.ok(A.broadcasts.at(-1)?.ok, `funding broadcast accepted: ${A.broadcasts.at(-1)?.reason}`);
    const channelId = (pa as Extract<Event, { kind: 'ChannelPending' }>).channelId;
    this.mine(opts.confirmations ?? 6);
    this.expectEvents(a, ['ChannelReady']);
    this.expectEvents(b, ['ChannelReady']);
    return channelId;
  }

  /**
   * Restarts node `i` from bytes only: its `ChannelManager.write()` and the monitors its persister
   * stored. Its peers see the connection drop; reconnect with `connect`.
   */
  restart(i: number): void {
    const n = this.nodes[i]!;
    // Serialize first, as a crash would find it; then the old instance goes away.
    const bytes = n.cm.write();
    for (const l of [...this.links]) if (l.a.pm === n.pm || l.b.pm === n.pm) this.disconnect(l);
    this.source.remove(n.chainMonitor);
    this.source.remove(n.cm);
    const logger = { log: (r: LogRecord) => n.logs.push(r) };
    const broadcaster = {
      broadcastTransactions: (txs: readonly Uint8Array[]) => {
        for (const tx of txs) {
          const r = this.chain.submit(tx);
          const known = !r.ok && (r.reason === 'txn-already-in-mempool' || r.reason === 'txn-already-known');
          n.broadcasts.push(r.ok || known ? { tx, ok: true } : { tx, ok: false, reason: r.reason });
        }
      },
    };
    const persister: Persist<ChannelMonitor> = {
      persistNewChannel: (o, m) => {
        n.addedMonitors++;
        return n.persister.persistNewChannel(o, m);
      },
      updatePersistedChannel: (o, u, m) => {
        if (u) n.addedMonitors++;
        return n.persister.updatePersistedChannel(o, u, m);
      },
    };
    const chainMonitor = new ChainMonitor(undefined, broadcaster, logger, this.fee, persister, n.keys, crypto);
    // A store on disk is opened again, as a new process would.
    if (this.makeHistory) n.htlcHistory = this.makeHistory(n.name);
    const monitors: ChannelMonitor[] = [];
    for (const stored of n.persister.stored.values()) {
      const m = ChannelMonitor.read(stored.write(), crypto, monitorOpts(n));
      assert.ok(!(m instanceof Error), `${n.name}: monitor reads back`);
      monitors.push(m);
    }
    const cm = ChannelManager.read<ChannelMonitor>(bytes, {
      feeEstimator: this.fee,
      chainMonitor,
      createMonitor: (init) => ChannelMonitor.create(init, crypto, monitorOpts(n)),
      broadcaster,
      logger,
      keys: n.keys,
      config: userConfig(n.config),
      network: 'regtest',
      crypto,
      ...(n.router ? { router: n.router } : {}),
    });
    assert.ok(!(cm instanceof Error), `${n.name}: ChannelManager reads back`);
    // Reloaded monitors are handed back to the new ChainMonitor; already persisted, so not counted.
    const before = n.addedMonitors;
    for (const m of monitors) chainMonitor.watchChannel(m.fundingOutpoint, m);
    n.addedMonitors = before;
    const synced = Math.min(cm.currentBestBlock().height, ...monitors.map((m) => m.bestBlock.height));
    this.source.addListen(chainMonitor, synced);
    this.source.addListen(cm, cm.currentBestBlock().height);
    n.chainMonitor = chainMonitor;
    n.cm = cm;
    n.pm = new PeerManager(
      n.gossip ? { chanHandler: cm, routeHandler: n.gossip } : { chanHandler: cm },
      { nodeSecret: n.keys.getNodeSecret(), ephemeralRandomData: n.keys.getSecureRandomBytes(), crypto, logger },
    );
  }

  /** Ends a test: nothing left unhandled anywhere, and a restart from bytes loses nothing. */
  checkEnd(): void {
    this.pump();
    for (const n of this.nodes) {
      if (n.skipEndChecks) continue;
      assert.deepEqual([...n.pendingEvents, ...n.cm.getAndClearPendingEvents()].map((e) => e.kind), [], `${n.name}: events never handled`);
      assert.deepEqual(n.cm.getAndClearPendingMsgEvents(), [], `${n.name}: messages never delivered`);
      assert.equal(n.addedMonitors, 0, `${n.name}: monitor operations never checked`);
      assert.deepEqual(n.persister.inProgress, [], `${n.name}: monitor updates left in flight`);
      const bytes = n.cm.write();
      const again = ChannelManager.read<ChannelMonitor>(bytes, {
        feeEstimator: this.fee,
        chainMonitor: n.chainMonitor,
        createMonitor: (init) => ChannelMonitor.create(init, crypto, monitorOpts(n)),
        broadcaster: { broadcastTransactions() {} },
        logger: { log() {} },
        keys: n.keys,
        network: 'regtest',
        crypto,
      });
      assert.ok(!(again instanceof Error), `${n.name}: ChannelManager reads back`);
      assert.deepEqual(
        again.listChannels().map((c) => toHex(c.channelId)).sort(),
        n.cm.listChannels().filter((c) => c.fundingTxo).map((c) => toHex(c.channelId)).sort(),
        `${n.name}: every funded channel survives a restart`,
      );
      assert.deepEqual(again.write(), bytes, `${n.name}: serialization is stable`);
    }
  }
}

/** Runs `body` on a fresh network and then the end-of-test checks (skipped if the body throws). */
export function withNetwork(n: number, body: (net: Network) => void, opts: NetOpts = {}): void {
  const net = new Network(n, opts);
  body(net);
  net.checkEnd();
}
