/**
 * BOLT 4 hot path: Sphinx onions built and peeled per second.
 *
 * - `onion.build_5hop`: a 1300-byte payment onion for a 5-hop route with realistic TLV payloads
 *   (forward hops: amt_to_forward, outgoing_cltv_value, short_channel_id; final hop adds
 *   payment_data), BOLT 4 §"Packet Construction" — per hop one ECDH, one base-point
 *   multiplication and one scalar multiplication, plus the filler and the HMAC chain.
 * - `onion.peel`: one layer peeled at the first hop (BOLT 4 §"Onion Decryption"): ECDH, HMAC
 *   check, decryption and the next ephemeral key (one point multiplication).
 *
 * Every figure is given per crypto backend available (`backend` field): noble always, the
 * `@lnts/node` native/WASM backends when they exist. `ldk: null`: no side-by-side LDK figure yet.
 */
import { type CryptoBackend, nobleBackend } from '@lnts/lightning/crypto';
import { constructOnionPacket, encodeHopPayload, type OnionHop, peelOnionPacket } from '@lnts/lightning/ln/onion';
import { emit, opsPerSec, wanted } from './util.js';

async function backends(): Promise<CryptoBackend[]> {
  const out: CryptoBackend[] = [nobleBackend];
  // The fast Node backends are another engineer's work; use them when they exist.
  const spec = '../src/crypto/index.js';
  try {
    const mod = (await import(spec)) as Record<string, unknown>;
    for (const name of ['nativeBackend', 'wasmBackend']) {
      const b = mod[name];
      if (b && typeof b === 'object' && typeof (b as CryptoBackend).ecdh === 'function') out.push(b as CryptoBackend);
    }
  } catch {
    // not there yet: noble only
  }
  return out;
}

const secret = (k: number) => nobleBackend.sha256(Uint8Array.of(0x0a, k));
const nodeKeys = [1, 2, 3, 4, 5].map(secret);
const sessionKey = secret(0x55);
const paymentHash = secret(0x66);

function route(c: CryptoBackend): OnionHop[] {
  return nodeKeys.map((k, i) => ({
    pubkey: c.publicKey(k),
    payload: encodeHopPayload(
      i < 4
        ? { amtToForward: 1_000_000n - BigInt(i) * 1_000n, outgoingCltvValue: 800_144 - i * 40, shortChannelId: (800_000n << 40n) | BigInt(i) }
        : { amtToForward: 996_000n, outgoingCltvValue: 800_000, paymentData: { paymentSecret: secret(0x77), totalMsat: 996_000n } },
    ),
  }));
}

const minMs = Number(process.env.BENCH_MS ?? 3000);
for (const c of await backends()) {
  const hops = route(c);
  const opts = { sessionKey, hops, associatedData: paymentHash };
  const onion = constructOnionPacket(c, opts).onion;
  if (wanted('onion.build_5hop')) {
    const v = opsPerSec(() => {
      constructOnionPacket(c, opts);
      return 1;
    }, minMs);
    emit({ bench: 'onion.build_5hop', unit: 'onions/s', value: v, backend: c.name, hops: 5, ldk: null });
  }
  if (wanted('onion.peel')) {
    const k0 = nodeKeys[0]!;
    const check = peelOnionPacket(c, onion, k0, paymentHash);
    if (check.kind !== 'forward') throw new Error(`bench onion does not peel: ${check.kind}`);
    const v = opsPerSec(() => {
      peelOnionPacket(c, onion, k0, paymentHash);
      return 1;
    }, minMs);
    emit({ bench: 'onion.peel', unit: 'peels/s', value: v, backend: c.name, ldk: null });
  }
}
