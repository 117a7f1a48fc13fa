/**
 * `npm start`: three lnts nodes — Alice, Bob and Carol — on loopback TCP with the embedded regtest
 * chain. They connect (BOLT 8, init, pings), Alice opens a public channel to Bob and Bob one to
 * Carol (BOLT 2), the chain confirms them, each node shows `listChannels()`; after 6 blocks the
 * channels are announced (BOLT 7) and every node's graph learns them from gossip, checked against
 * the chain. Carol issues a BOLT 11 invoice and Alice pays it through Bob over a route her router
 * found in that graph (onion routing, forwarding with Bob's fee, claim). Then the channels close
 * cooperatively, the closing transactions confirm and the graphs forget the channels. Everything
 * printed comes from events and state the library reports.
 */
import { createServer, type Server } from 'node:net';
import { serializeTx } from '@lnts/lightning/bitcoin';
import { ChainMonitor, ChannelMonitor, type ChannelMonitorUpdateStatus, type FeeEstimator, MemoryHtlcHistoryStore } from '@lnts/lightning/chain';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { ChannelManager, ipv4, PeerManager } from '@lnts/lightning/ln';
import { DefaultRouter, GraphChainWatcher, NetGraphMsgHandler, NetworkGraph, ProbabilisticScorer } from '@lnts/lightning/routing';
import { KeysManager } from '@lnts/lightning/sign';
import { type Event, equalBytes, type LogRecord, toHex, userConfig } from '@lnts/lightning/util';
import { chainHash } from '@lnts/lightning/chain';
import { connectOutbound, setupInbound } from '../net/tcp.js';
import { BlockSource, RegtestAccess, RegtestChain, RegtestWallet } from '../regtest/index.js';
import { loadCryptoBackend } from './backend.js';

interface DemoNode {
  readonly name: string;
  readonly keys: KeysManager;
  readonly pm: PeerManager;
  readonly cm: ChannelManager<ChannelMonitor>;
  readonly wallet: RegtestWallet;
  /** The public network as this node learned it from gossip. */
  readonly graph: NetworkGraph;
  readonly logs: LogRecord[];
  readonly server: Server;
  port: number;
  readonly events: Event[];
}

const sat = (v: bigint) => `${v.toLocaleString('en-US')} sat`;
const short = (b: Uint8Array) => `${toHex(b).slice(0, 12)}…`;

function makeNode(name: string, chain: RegtestChain, source: BlockSource, crypto: CryptoBackend): DemoNode {
  const seed = crypto.sha256(new TextEncoder().encode(`lnts demo ${name}`));
  const keys = new KeysManager(seed, 1_764_000_000, 0, crypto);
  const logs: LogRecord[] = [];
  const logger = { log: (r: LogRecord) => logs.push(r) };
  const fee: FeeEstimator = { getEstSatPer1000Weight: () => 1000 };
  const broadcaster = {
    broadcastTransactions(txs: readonly Uint8Array[]) {
      for (const tx of txs) {
        const r = chain.submit(tx);
        if (!r.ok && r.reason !== 'txn-already-in-mempool' && r.reason !== 'txn-already-known') {
          console.log(`  [${name}] broadcast refused: ${r.reason}`);
        }
      }
    },
  };
  // A persister that keeps monitors in memory and reports them durable at once.
  const persister = {
    persistNewChannel: (): ChannelMonitorUpdateStatus => 'completed',
    updatePersistedChannel: (): ChannelMonitorUpdateStatus => 'completed',
  };
  const chainMonitor = new ChainMonitor(undefined, broadcaster, logger, fee, persister, keys, crypto);
  // Finished HTLCs' records, which only a penalty could need, leave the monitors for this store
  // (in memory, as the monitors are here; a node on disk uses FileHtlcHistoryStore).
  const htlcHistory = new MemoryHtlcHistoryStore();
  // Gossip: a graph whose channels are checked against the chain, a router with a scorer over it,
  // and a watcher that forgets channels whose funding output gets spent.
  const graph = new NetworkGraph(chainHash('regtest'));
  const gossip = new NetGraphMsgHandler(graph, new RegtestAccess(chain), logger, crypto, { ourNodeId: keys.getNodeId() });
  const router = new DefaultRouter(graph, logger, new ProbabilisticScorer({}, graph, logger), { crypto, gossip });
  const cm = new ChannelManager<ChannelMonitor>({
    feeEstimator: fee,
    chainMonitor,
    createMonitor: (init) => ChannelMonitor.create(init, crypto, { htlcHistory }),
    broadcaster,
    logger,
    keys,
    network: 'regtest',
    bestBlock: { blockHash: chain.tip.hash, height: chain.height },
    crypto,
    router,
    config: userConfig({ channelHandshakeConfig: { announceForForwarding: true } }),
  });
  source.addListen(chainMonitor);
  source.addListen(cm);
  source.addListen(new GraphChainWatcher(graph, logger));
  const pm = new PeerManager({ chanHandler: cm, routeHandler: gossip }, { nodeSecret: keys.getNodeSecret(), ephemeralRandomData: keys.getSecureRandomBytes(), crypto, logger });
  const server = createServer((s) => setupInbound(pm, s));
  const wallet = new RegtestWallet(chain, crypto.sha256(new TextEncoder().encode(`lnts demo wallet ${name}`)));
  return { name, keys, pm, cm, wallet, graph, logs, server, port: 0, events: [] };
}

async function listen(n: DemoNode): Promise<void> {
  await new Promise<void>((r) => n.server.listen(0, '127.0.0.1', () => r()));
  const a = n.server.address();
  n.port = typeof a === 'object' && a ? a.port : 0;
}

/** Lets TCP deliver and the nodes react until `cond` holds. */
async function until(nodes: DemoNode[], what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    for (const n of nodes) {
      n.pm.processEvents();
      for (const e of n.cm.getAndClearPendingEvents()) {
        n.events.push(e);
        describeEvent(n, e);
      }
    }
    if (cond()) return;
    if (Date.now() > end) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function describeEvent(n: DemoNode, e: Event): void {
  switch (e.kind) {
    case 'FundingGenerationReady':
      console.log(`  [${n.name}] FundingGenerationReady: fund ${sat(e.channelValueSatoshis)} to the 2-of-2 P2WSH`);
      break;
    case 'ChannelPending':
      console.log(`  [${n.name}] ChannelPending ${short(e.channelId)} (funding ${short(e.fundingTxo.txid)}:${e.fundingTxo.index})`);
      break;
    case 'ChannelReady':
      console.log(`  [${n.name}] ChannelReady ${short(e.channelId)} (${e.channelType})`);
      break;
    case 'ChannelClosed':
      console.log(`  [${n.name}] ChannelClosed ${short(e.channelId)}: ${e.reason.kind}`);
      break;
    case 'PendingHTLCsForwardable':
      console.log(`  [${n.name}] PendingHTLCsForwardable → processPendingHtlcForwards()`);
      n.cm.processPendingHtlcForwards();
      break;
    case 'PaymentClaimable':
      console.log(`  [${n.name}] PaymentClaimable ${sat(e.amountMsat / 1000n)} for ${short(e.paymentHash)} → claimFunds()`);
      if (e.purpose.preimage) n.cm.claimFunds(e.purpose.preimage);
      break;
    case 'PaymentClaimed':
      console.log(`  [${n.name}] PaymentClaimed ${sat(e.amountMsat / 1000n)}`);
      break;
    case 'PaymentForwarded':
      console.log(`  [${n.name}] PaymentForwarded ${sat(e.outboundAmountForwardedMsat / 1000n)}, earned ${e.feeEarnedMsat} msat`);
      break;
    case 'PaymentSent':
      console.log(`  [${n.name}] PaymentSent: preimage ${short(e.paymentPreimage)}, fee ${e.feePaidMsat} msat`);
      break;
    default:
      console.log(`  [${n.name}] ${e.kind}`);
  }
}

function printChannels(n: DemoNode, names: Map<string, string>): void {
  const chans = n.cm.listChannels();
  console.log(`${n.name}: ${chans.length} channel(s)`);
  for (const c of chans) {
    const peer = names.get(toHex(c.counterpartyNodeId)) ?? short(c.counterpartyNodeId);
    const scid = c.shortChannelId !== undefined ? `${c.shortChannelId >> 40n}x${(c.shortChannelId >> 16n) & 0xffffffn}x${c.shortChannelId & 0xffffn}` : '-';
    console.log(
      `  with ${peer}: ${sat(c.channelValueSatoshis)}, ${c.isOutbound ? 'outbound' : 'inbound'}, scid ${scid}, ${c.channelType}, ` +
        `usable=${c.isUsable}, can send ${sat(c.outboundCapacityMsat / 1000n)}, can receive ${sat(c.inboundCapacityMsat / 1000n)}`,
    );
  }
}

async function main(): Promise<void> {
  const crypto = await loadCryptoBackend();
  console.log(`lnts demo — crypto backend: ${crypto.name}`);
  const chain = new RegtestChain({ crypto });
  const source = new BlockSource(chain);
  const nodes = ['alice', 'bob', 'carol'].map((n) => makeNode(n, chain, source, crypto));
  const [alice, bob, carol] = nodes as [DemoNode, DemoNode, DemoNode];
  const names = new Map(nodes.map((n) => [toHex(n.keys.getNodeId()), n.name]));
  for (const n of nodes) {
    await listen(n);
    console.log(`${n.name.padEnd(5)} ${toHex(n.keys.getNodeId())} listening on 127.0.0.1:${n.port}`);
  }
  chain.mine(1, alice.wallet.script);
  chain.mine(1, bob.wallet.script);
  chain.mine(100);
  console.log(`regtest chain at height ${chain.height}; alice has ${sat(alice.wallet.balance())}, bob ${sat(bob.wallet.balance())}`);

  console.log('\nconnecting alice → bob and bob → carol (BOLT 8 handshake, init)');
  await connectOutbound(alice.pm, bob.keys.getNodeId(), '127.0.0.1', bob.port);
  await connectOutbound(bob.pm, carol.keys.getNodeId(), '127.0.0.1', carol.port);
  await until(nodes, 'peers', () => alice.pm.getPeerNodeIds().length === 1 && bob.pm.getPeerNodeIds().length === 2 && carol.pm.getPeerNodeIds().length === 1);
  for (const n of nodes) n.pm.timerTickOccurred();
  await until(nodes, 'pongs', () => nodes.every((n) => n.logs.some((r) => r.message === 'received pong')));
  console.log('connected; pings answered. What each side negotiated in init:');
  for (const n of nodes) {
    for (const p of n.pm.getPeerNodeIds()) {
      console.log(`  ${n.name} sees ${names.get(toHex(p.nodeId))} (${p.inbound ? 'inbound' : 'outbound'}): ${p.features.describe().join(' ')}`);
    }
  }

  console.log('\nopening alice → bob (1,000,000 sat, pushing 100,000 sat) and bob → carol (500,000 sat)');
  const opens: Array<[DemoNode, DemoNode, bigint, bigint]> = [
    [alice, bob, 1_000_000n, 100_000_000n],
    [bob, carol, 500_000n, 0n],
  ];
  for (const [from, to, value, push] of opens) {
    const tmp = from.cm.createChannel(to.keys.getNodeId(), value, push, 1n);
    await until(nodes, 'FundingGenerationReady', () => from.events.some((e) => e.kind === 'FundingGenerationReady' && equalBytes(e.temporaryChannelId, tmp)));
    const ev = from.events.find((e) => e.kind === 'FundingGenerationReady' && equalBytes(e.temporaryChannelId, tmp)) as Extract<Event, { kind: 'FundingGenerationReady' }>;
    const tx = from.wallet.fund([{ value: ev.channelValueSatoshis, script: ev.outputScript }], 1000);
    from.cm.fundingTransactionGenerated(tmp, to.keys.getNodeId(), serializeTx(tx));
  }
  await until(nodes, 'funding broadcast', () => chain.mempoolTxids().length === 2);
  console.log(`both funding transactions are in the mempool; mining 6 blocks`);
  chain.mine(6);
  await until(nodes, 'channels ready', () => nodes.every((n) => n.cm.listUsableChannels().length === (n === bob ? 2 : 1)));

  console.log('\nlistChannels():');
  for (const n of nodes) printChannels(n, names);

  // Six confirmations: announcement_signatures, then our channel_announcements, channel_updates
  // and node_announcements go out and every graph checks them (signatures, funding on chain).
  for (const n of nodes) n.cm.broadcastNodeAnnouncement(Uint8Array.of(0x33, 0x99, 0xcc), n.name, [ipv4('127.0.0.1', n.port)]);
  const learned = (n: DemoNode) => n.graph.size.channels === 2 && [...n.graph.allChannels()].every((c) => c.oneToTwo && c.twoToOne) && n.graph.size.nodes === 3 && [...n.graph.allNodes()].every((x) => x.announcement);
  await until(nodes, 'gossip', () => nodes.every(learned));
  console.log('\ngossip: every graph holds both channels (both directions, funding checked on chain) and three node announcements');
  for (const c of alice.graph.allChannels()) {
    const alias = (id: Uint8Array) => new TextDecoder().decode(alice.graph.node(id)!.announcement!.alias).replace(/\0+$/, '');
    console.log(`  alice's graph: ${alias(c.node1)} ↔ ${alias(c.node2)}, ${sat(c.capacitySat ?? 0n)}, fees ${c.oneToTwo!.feeBaseMsat}/${c.twoToOne!.feeBaseMsat} msat base`);
  }

  console.log('\ncarol makes a BOLT 11 invoice for 25,000 sat; alice pays it through bob, routed over her gossip graph');
  const invoice = carol.cm.createInvoice({ amountMsat: 25_000_000n, description: 'lnts demo coffee' });
  console.log(`  invoice: ${invoice.toString().slice(0, 60)}… (${invoice.routeHints.length} route hint(s); public channels need none)`);
  alice.cm.payInvoice(invoice);
  await until(nodes, 'payment', () => alice.events.some((e) => e.kind === 'PaymentSent') && carol.events.some((e) => e.kind === 'PaymentClaimed'));
  await until(nodes, 'commitments settle', () => nodes.every((n) => n.cm.listChannels().every((c) => !c.commitmentDanceInProgress && c.pendingHtlcs === 0)));
  console.log('after the payment:');
  for (const n of nodes) printChannels(n, names);

  console.log('\nclosing cooperatively: alice closes with bob, carol closes with bob (shutdown, closing_signed)');
  const ab = alice.cm.listChannels()[0]!;
  const bc = carol.cm.listChannels()[0]!;
  alice.cm.closeChannel(ab.channelId, bob.keys.getNodeId());
  carol.cm.closeChannel(bc.channelId, bob.keys.getNodeId());
  await until(nodes, 'closing transactions', () => chain.mempoolTxids().length === 2);
  const onChain = new Map<string, bigint>();
  let closingFees = 0n;
  for (const id of chain.mempoolTxids()) {
    const tx = chain.getTx(id)!;
    const outs = tx.outputs.map((o) => {
      const owner = nodes.find((n) => equalBytes(n.keys.getShutdownScriptpubkey(), o.script))?.name ?? '?';
      onChain.set(owner, (onChain.get(owner) ?? 0n) + o.value);
      return `${owner} ${sat(o.value)}`;
    });
    const spent = tx.inputs[0]!.prevout;
    const fundingValue = chain.getUtxo(spent)?.value ?? 0n;
    const fee = fundingValue - tx.outputs.reduce((a, o) => a + o.value, 0n);
    closingFees += fee;
    console.log(`  closing tx ${toHex(id.slice().reverse()).slice(0, 16)}…: ${outs.join(', ')} (fee ${sat(fee)})`);
  }
  chain.mine(1);
  await until(nodes, 'closed', () => nodes.every((n) => n.cm.listChannels().length === 0));
  console.log(`  the closing block spent both funding outputs: alice's graph now holds ${alice.graph.size.channels} channels`);
  // Reconcile: what each node holds on chain is its opening balance moved by the payment, less
  // the closing fee its channel's funder paid (BOLT 3: the funder pays).
  const paid = 25_000_000n;
  const fee = 1000n; // Bob's forwarding fee, msat
  const expect = {
    alice: 1_000_000_000n - 100_000_000n - (paid + fee),
    bob: 100_000_000n + (paid + fee) + 500_000_000n - paid,
    carol: paid,
  };
  console.log('\nfinal on-chain balances (closing outputs to each node’s shutdown script):');
  let ok = true;
  for (const n of nodes) {
    const got = onChain.get(n.name) ?? 0n;
    // The funders (alice for alice–bob, bob for bob–carol) paid the closing fees; outputs are whole satoshis.
    const want = expect[n.name as keyof typeof expect] / 1000n;
    const diff = want - got;
    const reason = diff === 0n ? 'exact' : `${sat(diff)} less = its channel's closing fee (funder pays) and sub-satoshi rounding`;
    console.log(`  ${n.name.padEnd(5)} ${sat(got).padStart(15)}  (expected ${sat(want)}; ${reason})`);
    if (diff < 0n || diff > closingFees + 1n) ok = false;
  }
  // And to the satoshi overall: the two channels' capacity is exactly what the closing outputs
  // hold plus the closing fees.
  const totalOut = [...onChain.values()].reduce((a, b) => a + b, 0n);
  console.log(`  capacity 1,500,000 sat = outputs ${sat(totalOut)} + closing fees ${sat(closingFees)}`);
  if (totalOut + closingFees !== 1_500_000n) ok = false;
  console.log(ok ? `balances reconcile (closing fees ${sat(closingFees)} in total)` : 'BALANCES DO NOT RECONCILE');
  if (!ok) process.exitCode = 1;
  console.log(`\nall channels closed; chain at height ${chain.height}. Done.`);
  for (const n of nodes) {
    n.pm.disconnectAllPeers();
    n.server.close();
  }
  source.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
