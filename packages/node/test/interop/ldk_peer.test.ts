import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { chainHash } from '@lnts/lightning/chain';
import { nobleBackend } from '@lnts/lightning/crypto';
import { ErroringMessageHandler, PeerManager } from '@lnts/lightning/ln';
import type { LogRecord } from '@lnts/lightning/util';
import { equalBytes, toHex } from '@lnts/lightning/util';
import { connectOutbound, setupInbound } from '../../src/net/tcp.js';
import { type Ldk, type LdkNode, ldkConnect, ldkListen, ldkSuiteHooks, makeLdkNode, waitFor } from '../support/ldk.js';

// Interop with LDK over real loopback TCP (issue 3): both directions of the BOLT 8 handshake,
// init with features both sides accept, pings answered both ways, and our warning/error reaching LDK.

interface Ours {
  pm: PeerManager;
  logs: LogRecord[];
  server: Server;
  port: number;
}

function makeOurs(seed: number): Promise<Ours> {
  const logs: LogRecord[] = [];
  const pm = new PeerManager(
    { chanHandler: new ErroringMessageHandler([chainHash('regtest')]) },
    {
      nodeSecret: new Uint8Array(32).fill(seed),
      ephemeralRandomData: new Uint8Array(32).fill(seed + 1),
      crypto: nobleBackend,
      logger: { log: (r) => logs.push(r) },
    },
  );
  return new Promise((resolve) => {
    const server = createServer((socket) => setupInbound(pm, socket));
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ pm, logs, server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

const ldkSees = (n: LdkNode, id: Uint8Array) => n.pm.list_peers().some((p) => equalBytes(p.get_counterparty_node_id(), id));
const weSee = (o: Ours, id: Uint8Array) => o.pm.getPeerNodeIds().some((p) => equalBytes(p.nodeId, id));

async function checkConnectedSession(ldk: Ldk, node: LdkNode, ours: Ours, weInitiated: boolean): Promise<void> {
  await waitFor('both sides initialised', () => ldkSees(node, ours.pm.nodeId) && weSee(ours, node.nodeId));
  // Each side saw the other's init and accepted its features.
  const theirs = ours.pm.getPeerNodeIds().find((p) => equalBytes(p.nodeId, node.nodeId))!;
  assert.equal(theirs.inbound, !weInitiated);
  assert.ok(theirs.features.supports('option_static_remotekey'), 'LDK advertises static_remotekey');
  assert.ok(theirs.features.supports('var_onion_optin'));
  assert.ok(ours.pm.peerInit(node.nodeId)?.networks?.some((n) => equalBytes(n, chainHash('regtest'))), 'LDK sent networks=regtest');
  const ldkView = node.pm.list_peers().find((p) => equalBytes(p.get_counterparty_node_id(), ours.pm.nodeId))!;
  const f = ldkView.get_init_features();
  assert.ok(f.requires_data_loss_protect() && f.requires_static_remote_key() && f.requires_payment_secret());
  assert.equal(Boolean(ldkView.get_is_inbound_connection()), weInitiated);

  // Pings both ways, several rounds: our ping is answered by LDK's pong, LDK's ping by ours;
  // neither side's liveness check drops the other.
  const count = (what: string) =>
    ours.logs.filter((r) => r.message.startsWith(what) && r.peerId && equalBytes(r.peerId, node.nodeId)).length;
  for (let round = 1; round <= 3; round++) {
    ours.pm.timerTickOccurred();
    await waitFor(`pong ${round} from LDK`, () => count('received pong') >= round);
    node.pm.timer_tick_occurred();
    node.pm.process_events();
    await waitFor(`ping ${round} from LDK`, () => count('received ping') >= round);
  }
  assert.ok(ldkSees(node, ours.pm.nodeId) && weSee(ours, node.nodeId), 'still connected after several ping rounds');

  // A warning we send reaches LDK (it logs it), and the connection survives.
  const tag = `lnts-warning-${toHex(ours.pm.nodeId).slice(0, 8)}-${weInitiated}`;
  ours.pm.sendErrorMessage(node.nodeId, 'warning', new Uint8Array(32), tag);
  await waitFor('LDK logs our warning', () => node.logs.some((l) => l.text.includes(tag)));
  assert.ok(ldkSees(node, ours.pm.nodeId));
  // An error for all channels reaches LDK, which then closes the connection (BOLT 1).
  const etag = `lnts-error-${weInitiated}`;
  ours.pm.sendErrorMessage(node.nodeId, 'error', new Uint8Array(32), etag);
  await waitFor('LDK logs our error', () => node.logs.some((l) => l.text.includes(etag)));
  await waitFor('both sides dropped the connection', () => !ldkSees(node, ours.pm.nodeId) && !weSee(ours, node.nodeId));
  void ldk;
}

describe('interop with LDK over loopback TCP', { timeout: 60_000 }, () => {
  let ldk: Ldk;
  const cleanup = ldkSuiteHooks((l) => {
    ldk = l;
  });

  test('we initiate: handshake, init, pings both ways, warning and error reach LDK', async () => {
    const node = makeLdkNode(ldk, 7);
    const ours = await makeOurs(11);
    const { server, port } = await ldkListen(node);
    cleanup.push(() => server.close(), () => ours.server.close());
    await connectOutbound(ours.pm, node.nodeId, '127.0.0.1', port);
    await checkConnectedSession(ldk, node, ours, true);
  });

  test('LDK initiates: handshake, init, pings both ways, warning and error reach LDK', async () => {
    const node = makeLdkNode(ldk, 8);
    const ours = await makeOurs(12);
    cleanup.push(() => ours.server.close());
    await ldkConnect(node, ours.pm.nodeId, '127.0.0.1', ours.port);
    node.pm.process_events();
    await checkConnectedSession(ldk, node, ours, false);
  });
});
