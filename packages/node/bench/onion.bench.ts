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
 * - `onion.peel_htlc`: the whole inbound step for an `update_add_htlc` at a forwarding hop
 *   (`decodeIncomingHtlcOnion`: peel, payload TLV decode, BOLT 4 payload rules).
 *
 * Every figure is given per crypto backend available (`backend` field): noble always, and the
 * `@lnts/node` native (libsecp256k1 addon) and WASM (tiny-secp256k1) backends when their
 * libraries load on this machine. LDK (lightningdevkit 0.1.0, WASM, its own
 * libsecp256k1) is measured in the same run on the same route shape: `peel_payment_onion` on an
 * `UpdateAddHTLC` whose onion our code built for a `KeysManager` node id. That call does the
 * work of `onion.peel_htlc` (and more than `onion.peel`), so it is given beside both. LDK's
 * bindings expose no payment-onion constructor, so `onion.build_5hop` has `ldk: null`.
 */
import { type CryptoBackend, nobleBackend } from '@lnts/lightning/crypto';
import { readFileSync } from 'node:fs';
import type * as LDK from 'lightningdevkit';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  constructOnionPacket,
  decodeIncomingHtlcOnion,
  encodeHopPayload,
  type OnionHop,
  peelOnionPacket,
} from '@lnts/lightning/ln/onion';
import { loadNativeBackend, loadWasmBackend } from '../src/crypto/index.js';
import { emit, opsPerSec, wanted } from './util.js';

function backends(): CryptoBackend[] {
  const out: CryptoBackend[] = [nobleBackend];
  // Each loader throws when its library is missing on this machine: that drops only that backend.
  for (const load of [loadNativeBackend, loadWasmBackend]) {
    try {
      out.push(load());
    } catch (e) {
      console.error(`skipping backend: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

const secret = (k: number) => nobleBackend.sha256(Uint8Array.of(0x0a, k));
const nodeKeys = [1, 2, 3, 4, 5].map(secret);
const sessionKey = secret(0x55);
const paymentHash = secret(0x66);

function route(c: CryptoBackend, firstHop?: Uint8Array): OnionHop[] {
  return nodeKeys.map((k, i) => ({
    pubkey: i === 0 && firstHop ? firstHop : c.publicKey(k),
    payload: encodeHopPayload(
      i < 4
        ? { amtToForward: 1_000_000n - BigInt(i) * 1_000n, outgoingCltvValue: 800_144 - i * 40, shortChannelId: (800_000n << 40n) | BigInt(i) }
        : { amtToForward: 996_000n, outgoingCltvValue: 800_000, paymentData: { paymentSecret: secret(0x77), totalMsat: 996_000n } },
    ),
  }));
}

const minMs = Number(process.env.BENCH_MS ?? 2500);
const HTLC = { amountMsat: 1_001_000n, cltvExpiry: 800_144 + 144 };

/**
 * One LDK `peel_payment_onion` call on an onion for a `KeysManager` node, or `null` when the
 * `lightningdevkit` package is not installed (it is imported by name at run time for that reason).
 */
async function ldkPeeler(): Promise<(() => void) | null> {
  let ldk: typeof LDK;
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('lightningdevkit/package.json'));
    const name = 'lightningdevkit';
    ldk = (await import(name)) as typeof LDK;
    const log = console.log;
    console.log = () => {}; // the bindings print a banner; keep stdout to JSON lines
    try {
      await ldk.initializeWasmFromBinary(readFileSync(join(dir, 'liblightningjs.wasm')));
    } finally {
      console.log = log;
    }
  } catch {
    return null;
  }
  const signer = ldk.KeysManager.constructor_new(new Uint8Array(32).fill(7), 0n, 0).as_NodeSigner();
  const id = signer.get_node_id(ldk.Recipient.LDKRecipient_Node);
  if (!(id instanceof ldk.Result_PublicKeyNoneZ_OK)) return null;
  const onion = constructOnionPacket(nobleBackend, { sessionKey, hops: route(nobleBackend, id.res), associatedData: paymentHash }).onion;
  // update_add_htlc payload: channel_id, id, amount_msat, payment_hash, cltv_expiry, onion.
  const w = new Uint8Array(32 + 8 + 8 + 32 + 4 + onion.length);
  const dv = new DataView(w.buffer);
  dv.setBigUint64(40, HTLC.amountMsat);
  w.set(paymentHash, 48);
  dv.setUint32(80, HTLC.cltvExpiry);
  w.set(onion, 84);
  const msg = ldk.UpdateAddHTLC.constructor_read(w);
  if (!(msg instanceof ldk.Result_UpdateAddHTLCDecodeErrorZ_OK)) return null;
  const logger = ldk.Logger.new_impl({ log() {} });
  const peel = () => ldk.UtilMethods.constructor_peel_payment_onion(msg.res, signer, logger, 799_000, false);
  if (!(peel() instanceof ldk.Result_PendingHTLCInfoInboundHTLCErrZ_OK)) return null;
  return () => void peel();
}

const ldkPeel = wanted('onion.peel') ? await ldkPeeler() : null;
for (const c of backends()) {
  // LDK is timed next to each backend's figures, so machine load affects both sides alike.
  const ldkRate = ldkPeel && (wanted('onion.peel') || wanted('onion.peel_htlc'))
    ? opsPerSec(() => {
        ldkPeel();
        return 1;
      }, minMs)
    : null;
  const ratio = (v: number) => (ldkRate ? v / ldkRate : null);
  const hops = route(c);
  const opts = { sessionKey, hops, associatedData: paymentHash };
  const onion = constructOnionPacket(c, opts).onion;
  // Time only correct work: every backend must build noble's onion byte for byte.
  const reference = constructOnionPacket(nobleBackend, { ...opts, hops: route(nobleBackend) }).onion;
  if (onion.length !== reference.length || onion.some((b, i) => b !== reference[i])) throw new Error(`${c.name} builds a different onion`);
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
    emit({ bench: 'onion.peel', unit: 'peels/s', value: v, backend: c.name, ldk: ldkRate, ratio: ratio(v), ldk_op: 'peel_payment_onion' });
  }
  if (wanted('onion.peel_htlc')) {
    const k0 = nodeKeys[0]!;
    const htlc = { onion, paymentHash, ...HTLC };
    const check = decodeIncomingHtlcOnion(c, k0, htlc);
    if (check.kind !== 'forward') throw new Error(`bench HTLC does not forward: ${check.kind}`);
    const v = opsPerSec(() => {
      decodeIncomingHtlcOnion(c, k0, htlc);
      return 1;
    }, minMs);
    emit({ bench: 'onion.peel_htlc', unit: 'htlcs/s', value: v, backend: c.name, ldk: ldkRate, ratio: ratio(v), ldk_op: 'peel_payment_onion' });
  }
}
