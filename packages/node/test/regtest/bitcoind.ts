// A throwaway Bitcoin Core regtest node for differential tests: temp datadir, free loopback
// ports, JSON-RPC over fetch, bounded readiness wait, clean shutdown of the process we started.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running bitcoind we started. */
export interface Bitcoind {
  rpc<T = unknown>(method: string, ...params: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `bin` on regtest and resolves once its RPC answers (at most `readyMs`). */
export async function startBitcoind(bin: string, readyMs = 30_000): Promise<Bitcoind> {
  const dir = mkdtempSync(join(tmpdir(), 'lnts-bitcoind-'));
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      '-regtest',
      `-datadir=${dir}`,
      '-rpcuser=u',
      '-rpcpassword=p',
      `-rpcport=${rpcPort}`,
      `-port=${p2pPort}`,
      '-rpcbind=127.0.0.1',
      '-rpcallowip=127.0.0.1',
      '-listen=0',
      '-dnsseed=0',
      '-discover=0',
      '-txindex=0',
      '-fallbackfee=0.0001',
      '-printtoconsole=0',
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const url = `http://127.0.0.1:${rpcPort}/`;
  const auth = `Basic ${Buffer.from('u:p').toString('base64')}`;
  let id = 0;
  const rpc = async <T>(method: string, ...params: unknown[]): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '1.0', id: ++id, method, params }),
    });
    const body = (await res.json()) as { result: T; error: { message: string } | null };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  const deadline = Date.now() + readyMs;
  for (;;) {
    if (exited) throw new Error('bitcoind exited during startup');
    try {
      await rpc('getblockchaininfo');
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`bitcoind RPC not ready after ${readyMs} ms: ${(e as Error).message}`);
      }
      // Bounded wait for the RPC server to come up (warm-up returns errors, the port refuses at first).
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    rpc,
    async stop() {
      try {
        await rpc('stop');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
