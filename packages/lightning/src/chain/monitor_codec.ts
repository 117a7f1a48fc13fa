/**
 * Persistence format of a `ChannelMonitor` (LDK writes its monitors with a versioned TLV stream;
 * lnts uses the exact plain-value encoding of `util/ser/value.ts` under a version number). The
 * reader is total: it checks every field's type, size and range, and that keys and scripts are
 * consistent, so corrupted storage yields a {@link DecodeError}, never a half-built monitor.
 * Transactions are stored in their Bitcoin serialization.
 * @module
 */
import { parseTx, serializeTx, txid as computeTxid } from '../bitcoin/serialize.js';
import type { OutPoint, Transaction } from '../bitcoin/tx.js';
import type { CryptoBackend } from '../crypto/backend.js';
import type { CommitmentHtlc } from '../ln/chan_utils/commitment.js';
import { fundingScript as buildFundingScript } from '../ln/chan_utils/scripts.js';
import { CounterpartyCommitmentSecrets } from '../ln/chan_utils/secrets.js';
import type { ChannelPublicKeys } from '../sign/interfaces.js';
import { equalBytes } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { decodeValue, encodeValue, type PlainValue } from '../util/ser/value.js';
import type { CounterpartyCommitmentData, HolderCommitmentData } from './channelmonitor_update.js';
import type { BestBlock } from './interfaces.js';
import { CounterpartyHtlcHistory } from './htlc_history.js';
import type { ChannelMonitorState, FundingSpendInfo, PreimageRecord, QueuedMonitorEvent } from './monitor_state.js';

/**
 * The format version {@link encodeMonitorState} writes. {@link decodeMonitorState} reads it and
 * version 2, which had no `archivedHtlcs` (no history store: every record was in the monitor).
 */
export const MONITOR_FORMAT_VERSION = 3;

const U64_MAX = (1n << 64n) - 1n;
const U48_MAX = (1n << 48n) - 1n;

// ---------------------------------------------------------------- writing

function txBytes(tx: Transaction): Uint8Array {
  return serializeTx(tx);
}

function outpointValue(o: OutPoint): PlainValue {
  return { txid: o.txid, vout: o.vout };
}

function pubkeysValue(k: ChannelPublicKeys): PlainValue {
  return {
    fundingPubkey: k.fundingPubkey,
    revocationBasepoint: k.revocationBasepoint,
    paymentPoint: k.paymentPoint,
    delayedPaymentBasepoint: k.delayedPaymentBasepoint,
    htlcBasepoint: k.htlcBasepoint,
  };
}

function htlcsValue(hs: readonly CommitmentHtlc[]): PlainValue {
  return hs.map((h) => ({ offered: h.offered, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry, paymentHash: h.paymentHash }));
}

function holderValue(c: HolderCommitmentData): PlainValue {
  return {
    commitmentNumber: c.commitmentNumber,
    perCommitmentPoint: c.perCommitmentPoint,
    tx: txBytes(c.tx),
    counterpartySig: c.counterpartySig,
    counterpartyHtlcSigs: [...c.counterpartyHtlcSigs],
    feeratePerKw: c.feeratePerKw,
    toSelfValueMsat: c.toSelfValueMsat,
    toCounterpartyValueMsat: c.toCounterpartyValueMsat,
    htlcs: htlcsValue(c.htlcs),
  };
}

function counterpartyValue(c: CounterpartyCommitmentData): PlainValue {
  return {
    commitmentNumber: c.commitmentNumber,
    txid: c.txid,
    perCommitmentPoint: c.perCommitmentPoint,
    feeratePerKw: c.feeratePerKw,
    toBroadcasterValueMsat: c.toBroadcasterValueMsat,
    toCountersignatoryValueMsat: c.toCountersignatoryValueMsat,
    htlcs: htlcsValue(c.htlcs),
  };
}

function spendValue(s: FundingSpendInfo): PlainValue {
  return { tx: txBytes(s.tx), height: s.height, blockHash: s.blockHash };
}

function eventValue(e: QueuedMonitorEvent): PlainValue {
  return e.kind === 'FundingSpent' ? { kind: e.kind, spend: spendValue(e.spend) } : { kind: e.kind };
}

/** Serializes a monitor's state (see the module doc). Deterministic: equal states give equal bytes. */
export function encodeMonitorState(s: ChannelMonitorState): Uint8Array {
  const v: PlainValue = {
    version: MONITOR_FORMAT_VERSION,
    channelId: s.channelId,
    counterpartyNodeId: s.counterpartyNodeId,
    fundingOutpoint: outpointValue(s.fundingOutpoint),
    fundingScript: s.fundingScript,
    channelValueSatoshis: s.channelValueSatoshis,
    keysId: s.keysId,
    isOutbound: s.isOutbound,
    anchors: s.anchors,
    holderPubkeys: pubkeysValue(s.holderPubkeys),
    counterpartyPubkeys: pubkeysValue(s.counterpartyPubkeys),
    holderToSelfDelay: s.holderToSelfDelay,
    counterpartyToSelfDelay: s.counterpartyToSelfDelay,
    holderDustLimitSat: s.holderDustLimitSat,
    counterpartyDustLimitSat: s.counterpartyDustLimitSat,
    destinationScript: s.destinationScript,
    shutdownScript: s.shutdownScript,
    latestUpdateId: s.latestUpdateId,
    holderCommitment: holderValue(s.holderCommitment),
    prevHolderCommitment: s.prevHolderCommitment ? holderValue(s.prevHolderCommitment) : undefined,
    counterpartyCommitment: counterpartyValue(s.counterpartyCommitment),
    prevCounterpartyCommitment: s.prevCounterpartyCommitment ? counterpartyValue(s.prevCounterpartyCommitment) : undefined,
    counterpartyHtlcs: s.counterpartyHtlcs.encode(),
    archivedHtlcs: s.counterpartyHtlcs.archivedCount,
    counterpartySecrets: s.counterpartySecrets.encode(),
    preimages: s.preimages.map((p) => ({ paymentHash: p.paymentHash, preimage: p.preimage })),
    closed: s.closed,
    shouldBroadcast: s.shouldBroadcast,
    bestBlock: { blockHash: s.bestBlock.blockHash, height: s.bestBlock.height },
    fundingSpend: s.fundingSpend ? spendValue(s.fundingSpend) : undefined,
    pendingEvents: s.pendingEvents.map(eventValue),
  };
  return encodeValue(v);
}

// ---------------------------------------------------------------- reading

/** Thrown inside the reader only; {@link decodeMonitorState} turns it into its return value. */
function bad(path: string, what: string): never {
  throw new DecodeError('InvalidValue', `monitor ${path}: ${what}`);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string, keys: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) bad(path, 'not an object');
  const o = v as Obj;
  const have = Object.keys(o);
  // Exact key sets keep the format canonical: a field this version does not know is corruption.
  if (have.length !== keys.length || !keys.every((k) => Object.hasOwn(o, k))) bad(path, `fields ${have.join(',')}`);
  return o;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'not an array');
  return v;
}

function bytes(v: unknown, path: string, len?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) bad(path, 'not bytes');
  if (len !== undefined && v.length !== len) bad(path, `${v.length} bytes, expected ${len}`);
  return v;
}

function optBytes(v: unknown, path: string): Uint8Array | undefined {
  return v === undefined ? undefined : bytes(v, path);
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') bad(path, 'not a boolean');
  return v;
}

function big(v: unknown, path: string, max: bigint = U64_MAX): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > max) bad(path, 'not an unsigned integer in range');
  return v;
}

function int(v: unknown, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max || Object.is(v, -0)) bad(path, 'not an integer in range');
  return v;
}

const u32 = (v: unknown, path: string): number => int(v, path, 0xffffffff);
const u16 = (v: unknown, path: string): number => int(v, path, 0xffff);

function point(v: unknown, path: string, crypto: CryptoBackend): Uint8Array {
  const b = bytes(v, path, 33);
  if (!crypto.isValidPublicKey(b)) bad(path, 'not a valid public key');
  return b;
}

function tx(v: unknown, path: string): Transaction {
  const t = parseTx(bytes(v, path));
  if (t instanceof DecodeError) bad(path, t.message);
  if (t.inputs.length === 0) bad(path, 'transaction without inputs');
  return t;
}

function readOutpoint(v: unknown, path: string): OutPoint {
  const o = obj(v, path, ['txid', 'vout']);
  return { txid: bytes(o.txid, `${path}.txid`, 32), vout: u32(o.vout, `${path}.vout`) };
}

function readPubkeys(v: unknown, path: string, crypto: CryptoBackend): ChannelPublicKeys {
  const o = obj(v, path, ['fundingPubkey', 'revocationBasepoint', 'paymentPoint', 'delayedPaymentBasepoint', 'htlcBasepoint']);
  return {
    fundingPubkey: point(o.fundingPubkey, `${path}.fundingPubkey`, crypto),
    revocationBasepoint: point(o.revocationBasepoint, `${path}.revocationBasepoint`, crypto),
    paymentPoint: point(o.paymentPoint, `${path}.paymentPoint`, crypto),
    delayedPaymentBasepoint: point(o.delayedPaymentBasepoint, `${path}.delayedPaymentBasepoint`, crypto),
    htlcBasepoint: point(o.htlcBasepoint, `${path}.htlcBasepoint`, crypto),
  };
}

function readHtlcs(v: unknown, path: string): CommitmentHtlc[] {
  return arr(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const o = obj(x, p, ['offered', 'amountMsat', 'cltvExpiry', 'paymentHash']);
    return {
      offered: bool(o.offered, `${p}.offered`),
      amountMsat: big(o.amountMsat, `${p}.amountMsat`),
      cltvExpiry: u32(o.cltvExpiry, `${p}.cltvExpiry`),
      paymentHash: bytes(o.paymentHash, `${p}.paymentHash`, 32),
    };
  });
}

function readHolder(v: unknown, path: string, crypto: CryptoBackend): HolderCommitmentData {
  const o = obj(v, path, [
    'commitmentNumber',
    'perCommitmentPoint',
    'tx',
    'counterpartySig',
    'counterpartyHtlcSigs',
    'feeratePerKw',
    'toSelfValueMsat',
    'toCounterpartyValueMsat',
    'htlcs',
  ]);
  return {
    commitmentNumber: big(o.commitmentNumber, `${path}.commitmentNumber`, U48_MAX),
    perCommitmentPoint: point(o.perCommitmentPoint, `${path}.perCommitmentPoint`, crypto),
    tx: tx(o.tx, `${path}.tx`),
    counterpartySig: bytes(o.counterpartySig, `${path}.counterpartySig`, 64),
    counterpartyHtlcSigs: arr(o.counterpartyHtlcSigs, `${path}.counterpartyHtlcSigs`).map((s, i) => bytes(s, `${path}.counterpartyHtlcSigs[${i}]`, 64)),
    feeratePerKw: u32(o.feeratePerKw, `${path}.feeratePerKw`),
    toSelfValueMsat: big(o.toSelfValueMsat, `${path}.toSelfValueMsat`),
    toCounterpartyValueMsat: big(o.toCounterpartyValueMsat, `${path}.toCounterpartyValueMsat`),
    htlcs: readHtlcs(o.htlcs, `${path}.htlcs`),
  };
}

function readCounterparty(v: unknown, path: string, crypto: CryptoBackend): CounterpartyCommitmentData {
  const o = obj(v, path, ['commitmentNumber', 'txid', 'perCommitmentPoint', 'feeratePerKw', 'toBroadcasterValueMsat', 'toCountersignatoryValueMsat', 'htlcs']);
  return {
    commitmentNumber: big(o.commitmentNumber, `${path}.commitmentNumber`, U48_MAX),
    txid: bytes(o.txid, `${path}.txid`, 32),
    perCommitmentPoint: point(o.perCommitmentPoint, `${path}.perCommitmentPoint`, crypto),
    feeratePerKw: u32(o.feeratePerKw, `${path}.feeratePerKw`),
    toBroadcasterValueMsat: big(o.toBroadcasterValueMsat, `${path}.toBroadcasterValueMsat`),
    toCountersignatoryValueMsat: big(o.toCountersignatoryValueMsat, `${path}.toCountersignatoryValueMsat`),
    htlcs: readHtlcs(o.htlcs, `${path}.htlcs`),
  };
}

function readBestBlock(v: unknown, path: string): BestBlock {
  const o = obj(v, path, ['blockHash', 'height']);
  return { blockHash: bytes(o.blockHash, `${path}.blockHash`, 32), height: u32(o.height, `${path}.height`) };
}

function readSpend(v: unknown, path: string, crypto: CryptoBackend, funding: OutPoint): FundingSpendInfo {
  const o = obj(v, path, ['tx', 'height', 'blockHash']);
  const t = tx(o.tx, `${path}.tx`);
  if (!t.inputs.some((i) => equalBytes(i.prevout.txid, funding.txid) && i.prevout.vout === funding.vout)) bad(path, 'does not spend the funding output');
  return { tx: t, txid: computeTxid(t, crypto), height: u32(o.height, `${path}.height`), blockHash: bytes(o.blockHash, `${path}.blockHash`, 32) };
}

function readEvent(v: unknown, path: string, crypto: CryptoBackend, funding: OutPoint): QueuedMonitorEvent {
  if (typeof v === 'object' && v !== null && (v as Obj).kind === 'HolderForceClosed') {
    obj(v, path, ['kind']);
    return { kind: 'HolderForceClosed' };
  }
  const o = obj(v, path, ['kind', 'spend']);
  if (o.kind !== 'FundingSpent') bad(`${path}.kind`, 'unknown event');
  return { kind: 'FundingSpent', spend: readSpend(o.spend, `${path}.spend`, crypto, funding) };
}

const TOP_KEYS = [
  'version',
  'channelId',
  'counterpartyNodeId',
  'fundingOutpoint',
  'fundingScript',
  'channelValueSatoshis',
  'keysId',
  'isOutbound',
  'anchors',
  'holderPubkeys',
  'counterpartyPubkeys',
  'holderToSelfDelay',
  'counterpartyToSelfDelay',
  'holderDustLimitSat',
  'counterpartyDustLimitSat',
  'destinationScript',
  'shutdownScript',
  'latestUpdateId',
  'holderCommitment',
  'prevHolderCommitment',
  'counterpartyCommitment',
  'prevCounterpartyCommitment',
  'counterpartyHtlcs',
  'archivedHtlcs',
  'counterpartySecrets',
  'preimages',
  'closed',
  'shouldBroadcast',
  'bestBlock',
  'fundingSpend',
  'pendingEvents',
] as const;

function readState(root: unknown, crypto: CryptoBackend): ChannelMonitorState {
  const version = typeof root === 'object' && root !== null && 'version' in root ? (root as Obj).version : MONITOR_FORMAT_VERSION;
  if (version !== MONITOR_FORMAT_VERSION && version !== 2) {
    throw new DecodeError('UnknownVersion', `monitor format version ${String(version)}`);
  }
  const o = obj(root, 'root', version === 2 ? TOP_KEYS.filter((k) => k !== 'archivedHtlcs') : TOP_KEYS);
  const fundingOutpoint = readOutpoint(o.fundingOutpoint, 'fundingOutpoint');
  const holderPubkeys = readPubkeys(o.holderPubkeys, 'holderPubkeys', crypto);
  const counterpartyPubkeys = readPubkeys(o.counterpartyPubkeys, 'counterpartyPubkeys', crypto);
  const fundingScript = bytes(o.fundingScript, 'fundingScript');
  if (!equalBytes(fundingScript, buildFundingScript(holderPubkeys.fundingPubkey, counterpartyPubkeys.fundingPubkey))) {
    bad('fundingScript', 'not the 2-of-2 of the funding pubkeys');
  }
  const secrets = CounterpartyCommitmentSecrets.decode(bytes(o.counterpartySecrets, 'counterpartySecrets'));
  if (secrets instanceof DecodeError) throw secrets;
  const holderCommitment = readHolder(o.holderCommitment, 'holderCommitment', crypto);
  const prevHolderCommitment = o.prevHolderCommitment === undefined ? undefined : readHolder(o.prevHolderCommitment, 'prevHolderCommitment', crypto);
  for (const [c, p] of [[holderCommitment, 'holderCommitment'], [prevHolderCommitment, 'prevHolderCommitment']] as const) {
    const input = c?.tx.inputs[0];
    if (c && (c.tx.inputs.length !== 1 || !equalBytes(input!.prevout.txid, fundingOutpoint.txid) || input!.prevout.vout !== fundingOutpoint.vout)) {
      bad(`${p}.tx`, 'does not spend the funding output alone');
    }
  }
  const archivedHtlcs = version === 2 ? 0 : int(o.archivedHtlcs, 'archivedHtlcs', 2 ** 40);
  const counterpartyHtlcs = CounterpartyHtlcHistory.decode(bytes(o.counterpartyHtlcs, 'counterpartyHtlcs'), archivedHtlcs);
  if (counterpartyHtlcs instanceof DecodeError) throw counterpartyHtlcs;
  const preimages: PreimageRecord[] = arr(o.preimages, 'preimages').map((x, i) => {
    const p = `preimages[${i}]`;
    const r = obj(x, p, ['paymentHash', 'preimage']);
    const preimage = bytes(r.preimage, `${p}.preimage`, 32);
    const paymentHash = bytes(r.paymentHash, `${p}.paymentHash`, 32);
    if (!equalBytes(crypto.sha256(preimage), paymentHash)) bad(p, 'preimage does not hash to the payment hash');
    return { paymentHash, preimage };
  });
  return {
    channelId: bytes(o.channelId, 'channelId', 32),
    counterpartyNodeId: point(o.counterpartyNodeId, 'counterpartyNodeId', crypto),
    fundingOutpoint,
    fundingScript,
    channelValueSatoshis: big(o.channelValueSatoshis, 'channelValueSatoshis'),
    keysId: bytes(o.keysId, 'keysId'),
    isOutbound: bool(o.isOutbound, 'isOutbound'),
    anchors: bool(o.anchors, 'anchors'),
    holderPubkeys,
    counterpartyPubkeys,
    holderToSelfDelay: u16(o.holderToSelfDelay, 'holderToSelfDelay'),
    counterpartyToSelfDelay: u16(o.counterpartyToSelfDelay, 'counterpartyToSelfDelay'),
    holderDustLimitSat: big(o.holderDustLimitSat, 'holderDustLimitSat'),
    counterpartyDustLimitSat: big(o.counterpartyDustLimitSat, 'counterpartyDustLimitSat'),
    destinationScript: bytes(o.destinationScript, 'destinationScript'),
    shutdownScript: optBytes(o.shutdownScript, 'shutdownScript'),
    latestUpdateId: big(o.latestUpdateId, 'latestUpdateId'),
    holderCommitment,
    prevHolderCommitment,
    counterpartyCommitment: readCounterparty(o.counterpartyCommitment, 'counterpartyCommitment', crypto),
    prevCounterpartyCommitment:
      o.prevCounterpartyCommitment === undefined ? undefined : readCounterparty(o.prevCounterpartyCommitment, 'prevCounterpartyCommitment', crypto),
    counterpartyHtlcs,
    counterpartySecrets: secrets,
    preimages,
    closed: bool(o.closed, 'closed'),
    shouldBroadcast: bool(o.shouldBroadcast, 'shouldBroadcast'),
    bestBlock: readBestBlock(o.bestBlock, 'bestBlock'),
    fundingSpend: o.fundingSpend === undefined ? undefined : readSpend(o.fundingSpend, 'fundingSpend', crypto, fundingOutpoint),
    pendingEvents: arr(o.pendingEvents, 'pendingEvents').map((e, i) => readEvent(e, `pendingEvents[${i}]`, crypto, fundingOutpoint)),
  };
}

/**
 * Reads what {@link encodeMonitorState} wrote. Total: any malformed, inconsistent or
 * other-version input gives a {@link DecodeError} (`UnknownVersion` for a version other than 2 or 3).
 */
export function decodeMonitorState(b: Uint8Array, crypto: CryptoBackend): ChannelMonitorState | DecodeError {
  const root = decodeValue(b);
  if (root instanceof DecodeError) return root;
  try {
    return readState(root, crypto);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    // A backend rejecting an input (e.g. an exotic point encoding) is still bad bytes, not a crash.
    return new DecodeError('InvalidValue', `monitor: ${e instanceof Error ? e.message : String(e)}`);
  }
}
