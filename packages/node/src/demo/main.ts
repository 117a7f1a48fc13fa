/**
 * `npm start`: two lnts nodes on loopback TCP. Bob listens, Alice connects: the BOLT 8 handshake,
 * `init` with features and networks, a round of pings, then a clean disconnect — printing what
 * each side negotiated. Later stages of the project extend this demo (channels, payments).
 */
import { createServer } from 'node:net';
import { chainHash } from '@lnts/lightning/chain';
import type { CryptoBackend } from '@lnts/lightning/crypto';
import { ErroringMessageHandler, PeerManager } from '@lnts/lightning/ln';
import { equalBytes, type LogRecord, toHex } from '@lnts/lightning/util';
import { connectOutbound, setupInbound } from '../net/tcp.js';
import { loadCryptoBackend } from './backend.js';

interface DemoNode {
  name: string;
  pm: PeerManager;
  logs: LogRecord[];
}

function makeNode(name: string, seed: number, crypto: CryptoBackend): DemoNode {
  const logs: LogRecord[] = [];
  const pm = new PeerManager(
    { chanHandler: new ErroringMessageHandler([chainHash('regtest')]) },
    {
      nodeSecret: crypto.sha256(new TextEncoder().encode(`lnts demo ${name} ${seed}`)),
      ephemeralRandomData: crypto.sha256(new TextEncoder().encode(`lnts demo ephemeral ${name}`)),
      crypto,
      logger: { log: (r) => logs.push(r) },
    },
  );
  return { name, pm, logs };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const crypto = await loadCryptoBackend();
  console.log(`lnts demo — crypto backend: ${crypto.name}`);
  const alice = makeNode('alice', 1, crypto);
  const bob = makeNode('bob', 2, crypto);
  console.log(`alice ${toHex(alice.pm.nodeId)}`);
  console.log(`bob   ${toHex(bob.pm.nodeId)}`);

  const server = createServer((socket) => setupInbound(bob.pm, socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  console.log(`bob listening on 127.0.0.1:${port}; alice connects (BOLT 8 Noise_XK handshake)`);

  const t0 = performance.now();
  await connectOutbound(alice.pm, bob.pm.nodeId, '127.0.0.1', port);
  await until('init exchanged', () => alice.pm.getPeerNodeIds().length === 1 && bob.pm.getPeerNodeIds().length === 1);
  console.log(`handshake + init complete in ${(performance.now() - t0).toFixed(1)} ms`);

  for (const [me, other] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    const p = me.pm.getPeerNodeIds().find((x) => equalBytes(x.nodeId, other.pm.nodeId))!;
    const init = me.pm.peerInit(other.pm.nodeId)!;
    const nets = (init.networks ?? []).map((n) => (equalBytes(n, chainHash('regtest')) ? 'regtest' : toHex(n)));
    console.log(`${me.name} sees ${other.name} (${p.inbound ? 'inbound' : 'outbound'}${p.address ? '' : ''}):`);
    console.log(`  features: ${p.features.describe().join(', ')}`);
    console.log(`  networks: ${nets.join(', ') || '(none)'}`);
  }

  const pongs = (n: DemoNode) => n.logs.filter((r) => r.message === 'received pong').length;
  alice.pm.timerTickOccurred();
  bob.pm.timerTickOccurred();
  await until('pongs', () => pongs(alice) >= 1 && pongs(bob) >= 1);
  console.log('ping/pong: alice → bob answered, bob → alice answered');

  alice.pm.disconnectByNodeId(bob.pm.nodeId);
  await until('bob sees the disconnect', () => bob.pm.getPeerNodeIds().length === 0);
  console.log('alice disconnected; bob saw the socket close. Done.');
  server.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
