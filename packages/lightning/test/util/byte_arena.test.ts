// ByteArena: small byte strings packed into shared chunks; the graph compacts it when dead bytes dominate.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetworkGraph } from '../../src/routing/network_graph.js';
import { ByteArena } from '../../src/util/byte_arena.js';

describe('ByteArena', () => {
  test('copies are equal to their source, independent of it, and share chunks', () => {
    const a = new ByteArena();
    const src = Uint8Array.from({ length: 140 }, (_, i) => i);
    const x = a.copy(src);
    const y = a.copy(src);
    src[0] = 99;
    assert.equal(x[0], 0);
    assert.deepEqual([...x], [...y]);
    assert.equal(x.buffer, y.buffer, 'one chunk');
    assert.equal(a.copy(new Uint8Array(0)).length, 0);
    const big = a.copy(new Uint8Array(100_000).fill(7));
    assert.notEqual(big.buffer, x.buffer, 'large strings get their own buffer');
  });

  test('wasteful once dead bytes outweigh live ones (and exceed a few chunks)', () => {
    const a = new ByteArena();
    const kept = a.copy(new Uint8Array(1000));
    for (let i = 0; i < 40_000; i++) a.release(a.copy(new Uint8Array(140)));
    assert.ok(a.wasteful());
    const b = new ByteArena();
    for (let i = 0; i < 40_000; i++) b.copy(new Uint8Array(140));
    assert.ok(!b.wasteful(), 'all live');
    void kept;
  });
});

describe('NetworkGraph keeps its messages in an arena', () => {
  test('after many replaced updates (compactions) every kept message is still the latest one', () => {
    const g = new NetworkGraph(new Uint8Array(32));
    const n1 = Uint8Array.of(2, ...new Uint8Array(32).fill(1));
    const n2 = Uint8Array.of(3, ...new Uint8Array(32).fill(2));
    for (let scid = 1n; scid <= 10n; scid++) g.addChannel({ shortChannelId: scid, node1: n1, node2: n2, features: new Uint8Array(0), capacitySat: undefined, announcement: new Uint8Array(430).fill(Number(scid)) });
    const msg = (scid: bigint, ts: number) => {
      const m = new Uint8Array(136);
      new DataView(m.buffer).setUint32(0, ts);
      m[135] = Number(scid);
      return m;
    };
    for (let ts = 1; ts <= 6000; ts++) {
      for (let scid = 1n; scid <= 10n; scid++) {
        const ok = g.updateChannel(scid, 0, {
          enabled: true, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, htlcMaximumMsat: 1000n, feeBaseMsat: ts, feeProportionalMillionths: 1, lastUpdate: ts, message: msg(scid, ts),
        });
        assert.ok(ok);
      }
    }
    for (let scid = 1n; scid <= 10n; scid++) {
      const c = g.channel(scid)!;
      assert.deepEqual([...c.oneToTwo!.message!], [...msg(scid, 6000)]);
      assert.equal(c.oneToTwo!.feeBaseMsat, 6000);
      assert.ok(c.announcement!.every((b) => b === Number(scid)));
    }
    // The graph still round-trips.
    const back = NetworkGraph.read(g.write());
    assert.ok(back instanceof NetworkGraph);
    assert.deepEqual(back.write(), g.write());
  });
});
