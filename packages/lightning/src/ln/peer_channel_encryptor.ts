/**
 * The BOLT 8 transport: the `Noise_XK_secp256k1_ChaChaPoly_SHA256` handshake and the encrypted,
 * length-prefixed message framing that follows it (LDK's `ln::peer_channel_encryptor`).
 *
 * {@link https://github.com/lightning/bolts/blob/master/08-transport.md | BOLT 8}: §"Authenticated
 * Key Agreement Handshake" (acts one to three), §"Lightning Message Specification" (framing,
 * §"Encrypting and Sending Messages", §"Receiving and Decrypting Messages") and §"Lightning Message
 * Key Rotation". Vectors: BOLT 8 Appendix A, transcribed in `test/fixtures/bolt08.json` and run by
 * `test/ln/peer_channel_encryptor.test.ts`. Deviations: none.
 *
 * The encryptor is a pure state machine: it never touches a socket. {@link PeerChannelEncryptor.feed}
 * takes raw socket bytes in any chunking and buffers at most one incomplete act or frame
 * (≤ 18 + 65535 + 16 bytes), so a peer cannot make us hold more than that per connection.
 * @module
 */
import { type CryptoBackend, hkdf2 } from '../crypto/backend.js';

/** Why the transport failed; after any of these the encryptor is dead and the peer must be dropped. */
export type TransportErrorKind = 'bad-version' | 'bad-key' | 'bad-mac' | 'bad-length' | 'state';

/**
 * A BOLT 8 failure. The spec's handshake says "the initiator MUST fail the connection" on a bad
 * version byte, an unparseable key or a bad MAC; `bad-length` is a plaintext over 65535 bytes handed
 * to {@link PeerChannelEncryptor.encryptMessage}; `state` is a call that the current state forbids
 * (feeding a dead encryptor, encrypting before the handshake completed).
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    /**
     * Messages that authenticated earlier in the same `feed` call, before the failure. Each was
     * MAC-checked on its own, so a caller may still process them before disconnecting (as LDK
     * does, handling every message it decrypted before the bad one); this keeps the outcome
     * independent of how the socket chunked the bytes.
     */
    readonly messages: readonly Uint8Array[] = [],
  ) {
    super(`${kind}: ${message}`);
  }
}

/** What one {@link PeerChannelEncryptor.feed} call produced. */
export interface FeedResult {
  /** Bytes to write to the socket now: act two (responder) or act three (initiator). */
  readonly send?: Uint8Array;
  /** True when the handshake completed during this call (the encryptor is now ready). */
  readonly handshakeComplete: boolean;
  /** Every message plaintext completed by this call, in order (fresh arrays, not views of the input). */
  readonly messages: Uint8Array[];
}

/** BOLT 8 §"Handshake State Initialization": the protocol name and the prologue. */
const PROTOCOL_NAME = asciiBytes('Noise_XK_secp256k1_ChaChaPoly_SHA256');
const PROLOGUE = asciiBytes('lightning');

/** Act sizes, BOLT 8 §"Act One/Two/Three": version byte, then the act's payload. */
export const ACT_ONE_LEN = 50;
/** Act two: version ‖ compressed ephemeral key ‖ 16-byte tag. */
export const ACT_TWO_LEN = 50;
/** Act three: version ‖ encrypted static key (33 + 16) ‖ 16-byte tag. */
export const ACT_THREE_LEN = 66;
/** Encrypted 2-byte length prefix plus its tag (BOLT 8 §"Encrypting and Sending Messages"). */
export const FRAME_HEADER_LEN = 18;
/** Poly1305 tag length. */
export const MAC_LEN = 16;
/** BOLT 8: "The maximum size of any Lightning message MUST NOT exceed 65535 bytes." */
export const MAX_MESSAGE_LEN = 65535;
/** BOLT 8 §"Lightning Message Key Rotation": a key is rotated after 1000 uses (500 messages). */
export const KEY_ROTATION_INDEX = 1000;

const EMPTY = new Uint8Array(0);

/**
 * BOLT 8 nonces are 32 zero bits followed by the 64-bit little-endian counter. Within one key the
 * counter never exceeds 999, so all the nonces ever needed are built once here and shared; the hot
 * path then does a table lookup instead of writing 12 bytes per encryption. Backends never mutate
 * their inputs, so sharing is safe.
 */
const NONCES: readonly Uint8Array[] = (() => {
  const all = new Uint8Array(12 * KEY_ROTATION_INDEX);
  const out: Uint8Array[] = [];
  for (let n = 0; n < KEY_ROTATION_INDEX; n++) {
    all[12 * n + 4] = n & 0xff;
    all[12 * n + 5] = n >>> 8;
    out.push(all.subarray(12 * n, 12 * n + 12));
  }
  return out;
})();

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function cat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** `h = SHA256(h ‖ data)`: Noise's MixHash. */
function mixHash(c: CryptoBackend, h: Uint8Array, data: Uint8Array): Uint8Array {
  return c.sha256(cat2(h, data));
}

/**
 * The handshake's running state (Noise `SymmetricState` plus the keys one side holds). Exported
 * with the act functions so the vector tests can check the spec's intermediate values.
 */
export interface HandshakeState {
  /** Chaining key `ck`. */
  ck: Uint8Array;
  /** Handshake hash `h`. */
  h: Uint8Array;
  /** Our ephemeral secret `e.priv` and public key `e.pub`. */
  readonly ephemeralSecret: Uint8Array;
  readonly ephemeralPub: Uint8Array;
  /** Their ephemeral key `re`, once read. */
  re: Uint8Array | undefined;
  /** `temp_k2` from act two, needed again for act three. */
  tempK2: Uint8Array | undefined;
}

/** The intermediate values one act computes, named as in BOLT 8 Appendix A. */
export interface ActTrace {
  /** `h` after mixing the act's public key, before its ciphertext. */
  readonly h: Uint8Array;
  /** The ECDH output `ss`. */
  readonly ss: Uint8Array;
  /** `ck` after the act's HKDF. */
  readonly ck: Uint8Array;
  /** The act's temporary key (`temp_k1`, `temp_k2` or `temp_k3`). */
  readonly tempK: Uint8Array;
  /** `h` after mixing the act's ciphertext. */
  readonly hAfter: Uint8Array;
}

/** Session keys at the end of the handshake: BOLT 8 §"Act Three" `sk, rk = HKDF(ck, zero)`. */
export interface SessionKeys {
  readonly sk: Uint8Array;
  readonly rk: Uint8Array;
  readonly ck: Uint8Array;
}

/**
 * BOLT 8 §"Handshake State Initialization": `h = SHA256(protocolName)`, `ck = h`,
 * `h = SHA256(h ‖ prologue)`, then both sides mix the responder's static key `rs`.
 */
export function initHandshake(
  c: CryptoBackend,
  responderStatic: Uint8Array,
  ephemeralSecret: Uint8Array,
): HandshakeState {
  const h0 = c.sha256(PROTOCOL_NAME);
  const h1 = mixHash(c, h0, PROLOGUE);
  return {
    ck: h0,
    h: mixHash(c, h1, responderStatic),
    ephemeralSecret,
    ephemeralPub: c.publicKey(ephemeralSecret),
    re: undefined,
    tempK2: undefined,
  };
}

/**
 * Writes a key-carrying act (act one from the initiator with `remote = rs`, act two from the
 * responder with `remote = re`): `0 ‖ e.pub ‖ encryptWithAD(temp_k, 0, h, "")`.
 */
function writeEphemeralAct(c: CryptoBackend, hs: HandshakeState, remote: Uint8Array): { act: Uint8Array; trace: ActTrace } {
  const h = mixHash(c, hs.h, hs.ephemeralPub);
  const ss = c.ecdh(hs.ephemeralSecret, remote);
  const [ck, tempK] = hkdf2(c, hs.ck, ss);
  const tag = c.aeadSeal(tempK, NONCES[0]!, h, EMPTY);
  const hAfter = mixHash(c, h, tag);
  hs.ck = ck;
  hs.h = hAfter;
  const act = new Uint8Array(ACT_ONE_LEN);
  act.set(hs.ephemeralPub, 1);
  act.set(tag, 34);
  return { act, trace: { h, ss, ck, tempK, hAfter } };
}

/**
 * Reads a key-carrying act (act one by the responder with `ourSecret = s.priv`, act two by the
 * initiator with `ourSecret = e.priv`). Checks in the spec's order: version, key, MAC.
 */
function readEphemeralAct(
  c: CryptoBackend,
  hs: HandshakeState,
  ourSecret: Uint8Array,
  act: Uint8Array,
  which: string,
): ActTrace | TransportError {
  if (act.length !== ACT_ONE_LEN) return new TransportError('bad-length', `${which} must be ${ACT_ONE_LEN} bytes`);
  if (act[0] !== 0) return new TransportError('bad-version', `${which} version ${act[0]}`);
  const re = act.slice(1, 34);
  if (!c.isValidPublicKey(re)) return new TransportError('bad-key', `${which} ephemeral key is not a point`);
  const h = mixHash(c, hs.h, re);
  const ss = c.ecdh(ourSecret, re);
  const [ck, tempK] = hkdf2(c, hs.ck, ss);
  const tag = act.subarray(34, 50);
  if (c.aeadOpen(tempK, NONCES[0]!, h, tag) === null) return new TransportError('bad-mac', `${which} MAC does not verify`);
  const hAfter = mixHash(c, h, tag);
  hs.re = re;
  hs.ck = ck;
  hs.h = hAfter;
  return { h, ss, ck, tempK, hAfter };
}

/** BOLT 8 §"Act One" (sender = initiator): `es = ECDH(e.priv, rs)`. */
export function writeActOne(c: CryptoBackend, hs: HandshakeState, rs: Uint8Array): { act: Uint8Array; trace: ActTrace } {
  return writeEphemeralAct(c, hs, rs);
}

/** BOLT 8 §"Act One" (receiver = responder): `es = ECDH(s.priv, re)`. */
export function readActOne(c: CryptoBackend, hs: HandshakeState, ls: Uint8Array, act: Uint8Array): ActTrace | TransportError {
  return readEphemeralAct(c, hs, ls, act, 'act one');
}

/** BOLT 8 §"Act Two" (sender = responder): `ee = ECDH(e.priv, re)`; keeps `temp_k2` for act three. */
export function writeActTwo(c: CryptoBackend, hs: HandshakeState): { act: Uint8Array; trace: ActTrace } {
  const r = writeEphemeralAct(c, hs, hs.re!);
  hs.tempK2 = r.trace.tempK;
  return r;
}

/** BOLT 8 §"Act Two" (receiver = initiator): `ee = ECDH(e.priv, re)`; keeps `temp_k2` for act three. */
export function readActTwo(c: CryptoBackend, hs: HandshakeState, act: Uint8Array): ActTrace | TransportError {
  const r = readEphemeralAct(c, hs, hs.ephemeralSecret, act, 'act two');
  if (!(r instanceof TransportError)) hs.tempK2 = r.tempK;
  return r;
}

/** The values act three computes (BOLT 8 Appendix A names), for the vector tests. */
export interface ActThreeTrace {
  /** The encrypted static key `c` (49 bytes). */
  readonly c: Uint8Array;
  /** `h` after mixing `c`. */
  readonly h: Uint8Array;
  readonly ss: Uint8Array;
  readonly ck: Uint8Array;
  readonly tempK: Uint8Array;
  /** The final tag `t`. */
  readonly t: Uint8Array;
}

/**
 * BOLT 8 §"Act Three" (sender = initiator): `c = encryptWithAD(temp_k2, 1, h, s.pub)`,
 * `se = ECDH(s.priv, re)`, `t = encryptWithAD(temp_k3, 0, h, "")`, `sk, rk = HKDF(ck, "")`.
 */
export function writeActThree(
  c: CryptoBackend,
  hs: HandshakeState,
  ls: Uint8Array,
  lsPub: Uint8Array,
): { act: Uint8Array; keys: SessionKeys; trace: ActThreeTrace } {
  const encStatic = c.aeadSeal(hs.tempK2!, NONCES[1]!, hs.h, lsPub);
  const h = mixHash(c, hs.h, encStatic);
  const ss = c.ecdh(ls, hs.re!);
  const [ck, tempK] = hkdf2(c, hs.ck, ss);
  const t = c.aeadSeal(tempK, NONCES[0]!, h, EMPTY);
  const [sk, rk] = hkdf2(c, ck, EMPTY);
  hs.ck = ck;
  hs.h = h;
  const act = new Uint8Array(ACT_THREE_LEN);
  act.set(encStatic, 1);
  act.set(t, 50);
  return { act, keys: { sk, rk, ck }, trace: { c: encStatic, h, ss, ck, tempK, t } };
}

/**
 * BOLT 8 §"Act Three" (receiver = responder): decrypts the initiator's static key `rs` (bad MAC,
 * then bad key), `se = ECDH(e.priv, rs)`, checks `t`, and derives `rk, sk = HKDF(ck, "")`.
 */
export function readActThree(
  c: CryptoBackend,
  hs: HandshakeState,
  act: Uint8Array,
): { rs: Uint8Array; keys: SessionKeys; trace: Omit<ActThreeTrace, 't'> } | TransportError {
  if (act.length !== ACT_THREE_LEN) return new TransportError('bad-length', `act three must be ${ACT_THREE_LEN} bytes`);
  if (act[0] !== 0) return new TransportError('bad-version', `act three version ${act[0]}`);
  const encStatic = act.subarray(1, 50);
  const rs = c.aeadOpen(hs.tempK2!, NONCES[1]!, hs.h, encStatic);
  if (rs === null) return new TransportError('bad-mac', 'act three static key MAC does not verify');
  if (!c.isValidPublicKey(rs)) return new TransportError('bad-key', 'act three static key is not a point');
  const h = mixHash(c, hs.h, encStatic);
  const ss = c.ecdh(hs.ephemeralSecret, rs);
  const [ck, tempK] = hkdf2(c, hs.ck, ss);
  if (c.aeadOpen(tempK, NONCES[0]!, h, act.subarray(50, 66)) === null) {
    return new TransportError('bad-mac', 'act three final MAC does not verify');
  }
  // The responder's send key is the initiator's receive key and vice versa.
  const [rk, sk] = hkdf2(c, ck, EMPTY);
  hs.ck = ck;
  hs.h = h;
  return { rs: Uint8Array.from(rs), keys: { sk, rk, ck }, trace: { c: encStatic.slice(), h, ss, ck, tempK } };
}

// The encryptor's states. Numbers rather than strings keep `feed`'s switch cheap and the object's
// hidden class fixed.
const AWAIT_ACT_ONE = 0; // responder, before act one
const AWAIT_ACT_TWO = 1; // initiator, act one sent
const AWAIT_ACT_THREE = 2; // responder, act two sent
const READY = 3;
const DEAD = 4;

/** The largest frame, and so the most `feed` ever buffers: header, 65535-byte body, tag. */
export const MAX_FRAME_LEN = FRAME_HEADER_LEN + MAX_MESSAGE_LEN + MAC_LEN;
/** Partial-unit buffers larger than this are released once used, so idle peers hold little memory. */
const KEEP_BUFFER_LEN = 4096;

/**
 * One BOLT 8 connection's cryptographic state: the three-act handshake, then the framed,
 * ChaCha20-Poly1305-encrypted message stream with key rotation every 1000 uses of a key.
 * Create with {@link PeerChannelEncryptor.newOutbound} (initiator) or
 * {@link PeerChannelEncryptor.newInbound} (responder).
 */
export class PeerChannelEncryptor {
  private state: number;
  private hs: HandshakeState | undefined;
  private readonly c: CryptoBackend;
  private readonly ourSecret: Uint8Array;
  /** Our static public key `ls.pub`, sent (encrypted) in act three by an initiator. */
  private readonly ourPub: Uint8Array;
  private theirId: Uint8Array | undefined;

  // Transport keys (BOLT 8 §"Lightning Message Specification"): send/receive key, chaining key
  // for rotation, and the nonce counter for each direction.
  private sk: Uint8Array = EMPTY;
  private sck: Uint8Array = EMPTY;
  private sn = 0;
  private rk: Uint8Array = EMPTY;
  private rck: Uint8Array = EMPTY;
  private rn = 0;

  /** Length of the message body whose header was already decrypted, or -1 when awaiting a header. */
  private bodyLen = -1;
  /** The incomplete act or frame carried over between `feed` calls. */
  private pend: Uint8Array = EMPTY;
  private pendLen = 0;
  /** Reused 2-byte plaintext for the length prefix. */
  private readonly lenBuf = new Uint8Array(2);

  private constructor(
    c: CryptoBackend,
    ourSecret: Uint8Array,
    ourPub: Uint8Array,
    state: number,
    hs: HandshakeState,
    theirId: Uint8Array | undefined,
  ) {
    this.c = c;
    this.ourSecret = ourSecret;
    this.ourPub = ourPub;
    this.state = state;
    this.hs = hs;
    this.theirId = theirId;
  }

  /**
   * Starts a connection as the BOLT 8 initiator towards `theirNodeId` and writes act one.
   * @param ourNodeSecret - our static key `ls.priv` (32 bytes).
   * @param theirNodeId - the responder's static key `rs` (33-byte compressed point).
   * @param ephemeralSecret - a fresh ephemeral secret `e.priv` (the caller supplies the entropy).
   * @returns the encryptor and the 50-byte act one to send.
   * @throws {CryptoError} when a key is invalid (a caller error, not a peer's).
   */
  static newOutbound(
    crypto: CryptoBackend,
    ourNodeSecret: Uint8Array,
    theirNodeId: Uint8Array,
    ephemeralSecret: Uint8Array,
  ): { enc: PeerChannelEncryptor; actOne: Uint8Array } {
    const id = Uint8Array.from(theirNodeId);
    // Computed now so a bad node secret fails here, at the caller, not later inside `feed`.
    const ourPub = crypto.publicKey(ourNodeSecret);
    const hs = initHandshake(crypto, id, ephemeralSecret);
    const { act } = writeActOne(crypto, hs, id);
    const enc = new PeerChannelEncryptor(crypto, ourNodeSecret, ourPub, AWAIT_ACT_TWO, hs, id);
    return { enc, actOne: act };
  }

  /**
   * Starts a connection as the BOLT 8 responder; the initiator speaks first (act one).
   * @param ourNodeSecret - our static key `ls.priv`.
   * @param ephemeralSecret - a fresh ephemeral secret for act two.
   * @throws {CryptoError} when a key is invalid.
   */
  static newInbound(crypto: CryptoBackend, ourNodeSecret: Uint8Array, ephemeralSecret: Uint8Array): PeerChannelEncryptor {
    const ourPub = crypto.publicKey(ourNodeSecret);
    const hs = initHandshake(crypto, ourPub, ephemeralSecret);
    return new PeerChannelEncryptor(crypto, ourNodeSecret, ourPub, AWAIT_ACT_ONE, hs, undefined);
  }

  /** Their static node id: given for outbound connections, learned from act three for inbound ones. */
  get theirNodeId(): Uint8Array | undefined {
    return this.theirId;
  }

  /** True once the handshake completed and messages can be encrypted and decrypted. */
  isReady(): boolean {
    return this.state === READY;
  }

  /**
   * Feeds raw socket bytes in any chunking. Incomplete acts and frames are buffered (at most one
   * frame, 18 + 65535 + 16 bytes). Returns what to send, whether the handshake completed in this
   * call, and every message completed; or a {@link TransportError}, after which the encryptor is
   * dead and the peer must be disconnected (messages that authenticated earlier in the same call
   * are in its `messages`). Never throws.
   */
  feed(data: Uint8Array): FeedResult | TransportError {
    if (this.state === DEAD) return new TransportError('state', 'encryptor failed earlier; disconnect the peer');
    try {
      return this.feedInner(data);
    } catch (e) {
      // Every peer-controlled value is validated before it reaches the backend, so this is a bug in
      // lnts or the backend; it still must not escape to the caller (ARCHITECTURE principle 3).
      this.kill();
      return new TransportError('state', `internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private feedInner(data: Uint8Array): FeedResult | TransportError {
    const messages: Uint8Array[] = [];
    let send: Uint8Array | undefined;
    let handshakeComplete = false;
    let off = 0;
    const end = data.length;
    for (;;) {
      const need = this.need();
      let unit: Uint8Array;
      if (this.pendLen > 0) {
        // Complete the carried-over unit first; copy only what it still lacks.
        const take = Math.min(need - this.pendLen, end - off);
        this.pend.set(data.subarray(off, off + take), this.pendLen);
        this.pendLen += take;
        off += take;
        if (this.pendLen < need) break;
        unit = this.pend.subarray(0, need);
        this.pendLen = 0;
      } else {
        if (end - off < need) {
          if (end > off) this.carry(data.subarray(off, end), need);
          break;
        }
        // The common case: the whole unit is in this chunk; decrypt in place, no copy.
        unit = data.subarray(off, off + need);
        off += need;
      }
      const state = this.state;
      if (state === READY) {
        const r = this.readFramePart(unit);
        if (r === false) {
          const what = this.bodyLen < 0 ? 'length' : 'message';
          return this.fail(new TransportError('bad-mac', `${what} MAC does not verify`, messages));
        }
        if (r !== null) messages.push(r);
      } else if (state === AWAIT_ACT_ONE) {
        const hs = this.hs!;
        const r = readActOne(this.c, hs, this.ourSecret, unit);
        if (r instanceof TransportError) return this.fail(r);
        send = writeActTwo(this.c, hs).act;
        this.state = AWAIT_ACT_THREE;
      } else if (state === AWAIT_ACT_TWO) {
        const hs = this.hs!;
        const r = readActTwo(this.c, hs, unit);
        if (r instanceof TransportError) return this.fail(r);
        const three = writeActThree(this.c, hs, this.ourSecret, this.ourPub);
        send = three.act;
        this.ready(three.keys);
        handshakeComplete = true;
      } else {
        const r = readActThree(this.c, this.hs!, unit);
        if (r instanceof TransportError) return this.fail(r);
        this.theirId = r.rs;
        this.ready(r.keys);
        handshakeComplete = true;
      }
      this.releaseLargeBuffer();
    }
    return { send, handshakeComplete, messages };
  }

  /** Bytes needed for the next unit: an act, a frame header, or a frame body plus its tag. */
  private need(): number {
    switch (this.state) {
      case READY:
        return this.bodyLen < 0 ? FRAME_HEADER_LEN : this.bodyLen + MAC_LEN;
      case AWAIT_ACT_ONE:
        return ACT_ONE_LEN;
      case AWAIT_ACT_TWO:
        return ACT_TWO_LEN;
      default:
        return ACT_THREE_LEN;
    }
  }

  /** Keeps the tail of a chunk that does not complete a unit; `need` ≤ one frame bounds the buffer. */
  private carry(part: Uint8Array, need: number): void {
    if (this.pend.length < need) this.pend = new Uint8Array(need <= KEEP_BUFFER_LEN ? KEEP_BUFFER_LEN : need);
    this.pend.set(part, 0);
    this.pendLen = part.length;
  }

  private releaseLargeBuffer(): void {
    if (this.pendLen === 0 && this.pend.length > KEEP_BUFFER_LEN) this.pend = EMPTY;
  }

  /**
   * BOLT 8 §"Receiving and Decrypting Messages": a header yields the body length (and `null`, no
   * message yet); a body yields the plaintext; `false` is a MAC failure. Each uses the next
   * receive nonce.
   */
  private readFramePart(unit: Uint8Array): Uint8Array | null | false {
    const pt = this.c.aeadOpen(this.rk, NONCES[this.rn]!, EMPTY, unit);
    if (pt === null) return false;
    if (++this.rn === KEY_ROTATION_INDEX) this.rotateReceive();
    if (this.bodyLen < 0) {
      this.bodyLen = (pt[0]! << 8) | pt[1]!;
      return null;
    }
    this.bodyLen = -1;
    return pt;
  }

  /**
   * Encrypts one message into `encrypt(len) ‖ encrypt(body)`: 18 + `plaintext.length` + 16 bytes
   * (BOLT 8 §"Encrypting and Sending Messages"), rotating the send key after every 1000 uses.
   * @throws {TransportError} `state` before the handshake completed, `bad-length` above 65535 bytes.
   */
  encryptMessage(plaintext: Uint8Array): Uint8Array {
    if (this.state !== READY) throw new TransportError('state', 'handshake not complete');
    const len = plaintext.length;
    if (len > MAX_MESSAGE_LEN) throw new TransportError('bad-length', `message of ${len} bytes exceeds ${MAX_MESSAGE_LEN}`);
    const c = this.c;
    const lenBuf = this.lenBuf;
    lenBuf[0] = len >>> 8;
    lenBuf[1] = len & 0xff;
    const out = new Uint8Array(FRAME_HEADER_LEN + len + MAC_LEN);
    out.set(c.aeadSeal(this.sk, NONCES[this.sn]!, EMPTY, lenBuf), 0);
    if (++this.sn === KEY_ROTATION_INDEX) this.rotateSend();
    out.set(c.aeadSeal(this.sk, NONCES[this.sn]!, EMPTY, plaintext), FRAME_HEADER_LEN);
    if (++this.sn === KEY_ROTATION_INDEX) this.rotateSend();
    return out;
  }

  /** BOLT 8 §"Lightning Message Key Rotation": `ck', k' = HKDF(ck, k)`, nonce back to 0. */
  private rotateSend(): void {
    const [ck, k] = hkdf2(this.c, this.sck, this.sk);
    this.sck = ck;
    this.sk = k;
    this.sn = 0;
  }

  private rotateReceive(): void {
    const [ck, k] = hkdf2(this.c, this.rck, this.rk);
    this.rck = ck;
    this.rk = k;
    this.rn = 0;
  }

  private ready(keys: SessionKeys): void {
    this.sk = keys.sk;
    this.rk = keys.rk;
    this.sck = keys.ck;
    this.rck = keys.ck;
    this.sn = 0;
    this.rn = 0;
    this.hs = undefined; // drop ephemeral secrets and handshake hashes
    this.state = READY;
  }

  private fail(e: TransportError): TransportError {
    this.kill();
    return e;
  }

  private kill(): void {
    this.state = DEAD;
    this.hs = undefined;
    this.pend = EMPTY;
    this.pendLen = 0;
    this.sk = EMPTY;
    this.rk = EMPTY;
  }
}
