/**
 * BOLT 9 feature bits: the table of features lnts knows, the contexts each may appear in, their
 * dependencies, and a {@link Features} bit set with the required/optional ("it's OK to be odd")
 * semantics. BOLT 9 §"Table of Features", §"Requirements".
 * @module
 */

/**
 * Where a feature bit may be set (BOLT 9 "Context" column): `init`, `node` (node_announcement),
 * `channel` (channel_announcement), `invoice` (BOLT 11, "9"), `channelType` (channel_type TLV, "T"),
 * `blindedPath` (encrypted_recipient_data allowed_features).
 */
export type FeatureContext = 'init' | 'node' | 'channel' | 'invoice' | 'channelType' | 'blindedPath';

/** One known feature: its even (required) bit, the contexts it belongs to, what it depends on. */
export interface FeatureInfo {
  readonly name: string;
  /** The even bit; the odd bit `bit + 1` means optional. */
  readonly bit: number;
  readonly contexts: readonly FeatureContext[];
  readonly dependsOn: readonly string[];
}

const IN: FeatureContext[] = ['init', 'node'];
const IN9: FeatureContext[] = ['init', 'node', 'invoice'];

/** BOLT 9 §"Table of Features" (the features lnts knows). */
export const KNOWN_FEATURES: readonly FeatureInfo[] = [
  { name: 'option_data_loss_protect', bit: 0, contexts: IN, dependsOn: [] },
  { name: 'option_upfront_shutdown_script', bit: 4, contexts: IN, dependsOn: [] },
  { name: 'gossip_queries', bit: 6, contexts: IN, dependsOn: [] },
  { name: 'var_onion_optin', bit: 8, contexts: IN9, dependsOn: [] },
  { name: 'gossip_queries_ex', bit: 10, contexts: IN, dependsOn: ['gossip_queries'] },
  { name: 'option_static_remotekey', bit: 12, contexts: ['init', 'node', 'channelType'], dependsOn: [] },
  { name: 'payment_secret', bit: 14, contexts: IN9, dependsOn: ['var_onion_optin'] },
  { name: 'basic_mpp', bit: 16, contexts: IN9, dependsOn: ['payment_secret'] },
  { name: 'option_support_large_channel', bit: 18, contexts: IN, dependsOn: [] },
  {
    name: 'option_anchor_outputs',
    bit: 20,
    contexts: ['init', 'node', 'channelType'],
    dependsOn: ['option_static_remotekey'],
  },
  {
    name: 'option_anchors_zero_fee_htlc_tx',
    bit: 22,
    contexts: ['init', 'node', 'channelType'],
    dependsOn: ['option_static_remotekey'],
  },
  { name: 'option_route_blinding', bit: 24, contexts: IN9, dependsOn: [] },
  { name: 'option_shutdown_anysegwit', bit: 26, contexts: IN, dependsOn: [] },
  { name: 'option_dual_fund', bit: 28, contexts: IN, dependsOn: [] },
  { name: 'option_quiesce', bit: 34, contexts: IN, dependsOn: [] },
  { name: 'option_onion_messages', bit: 38, contexts: IN, dependsOn: [] },
  { name: 'option_channel_type', bit: 44, contexts: IN, dependsOn: [] },
  { name: 'option_scid_alias', bit: 46, contexts: ['init', 'node', 'channelType'], dependsOn: [] },
  { name: 'option_payment_metadata', bit: 48, contexts: ['invoice'], dependsOn: [] },
  { name: 'option_zeroconf', bit: 50, contexts: ['init', 'node', 'channelType'], dependsOn: ['option_scid_alias'] },
  { name: 'option_simple_close', bit: 60, contexts: IN, dependsOn: ['option_shutdown_anysegwit'] },
];

const BY_NAME = new Map(KNOWN_FEATURES.map((f) => [f.name, f]));
const BY_BIT = new Map(KNOWN_FEATURES.map((f) => [f.bit, f]));

/** Names of known features. */
export type FeatureName = (typeof KNOWN_FEATURES)[number]['name'];

function info(name: string): FeatureInfo {
  const f = BY_NAME.get(name);
  if (!f) throw new TypeError(`unknown feature ${name}`);
  return f;
}

/**
 * A feature bit set in one context. Bits are numbered from the least significant bit of the
 * big-endian byte string, as on the wire (BOLT 1 §"init", BOLT 9).
 */
export class Features {
  private readonly bits: Set<number>;

  constructor(
    readonly context: FeatureContext,
    bits: Iterable<number> = [],
  ) {
    this.bits = new Set(bits);
  }

  /** Parses the wire form (big-endian bytes, bit 0 = least significant bit of the last byte). */
  static fromBytes(context: FeatureContext, b: Uint8Array): Features {
    const bits: number[] = [];
    for (let i = 0; i < b.length; i++) {
      const byte = b[b.length - 1 - i]!;
      for (let j = 0; j < 8; j++) if (byte & (1 << j)) bits.push(i * 8 + j);
    }
    return new Features(context, bits);
  }

  /** Builds a set from feature names, each `required` or `optional`. */
  static of(context: FeatureContext, spec: Partial<Record<FeatureName, 'required' | 'optional'>>): Features {
    const f = new Features(context);
    for (const [name, how] of Object.entries(spec)) {
      if (how === 'required') f.setRequired(name);
      else if (how === 'optional') f.setOptional(name);
    }
    return f;
  }

  /** The wire form: minimal big-endian bytes (no leading zero bytes). */
  toBytes(): Uint8Array {
    let max = -1;
    for (const b of this.bits) if (b > max) max = b;
    const out = new Uint8Array(max < 0 ? 0 : (max >> 3) + 1);
    for (const b of this.bits) out[out.length - 1 - (b >> 3)]! |= 1 << (b & 7);
    return out;
  }

  /** Every set bit, ascending. */
  setBits(): number[] {
    return [...this.bits].sort((a, b) => a - b);
  }
  /** True when bit `bit` is set. */
  isSet(bit: number): boolean {
    return this.bits.has(bit);
  }
  /** Sets a raw bit (tests and custom features). */
  setBit(bit: number): this {
    this.bits.add(bit);
    return this;
  }
  /** Clears a raw bit. */
  clearBit(bit: number): this {
    this.bits.delete(bit);
    return this;
  }
  /** Sets the even (required) bit of a known feature and clears the odd one. */
  setRequired(name: string): this {
    const f = info(name);
    this.bits.add(f.bit);
    this.bits.delete(f.bit + 1);
    return this;
  }
  /** Sets the odd (optional) bit of a known feature and clears the even one. */
  setOptional(name: string): this {
    const f = info(name);
    this.bits.add(f.bit + 1);
    this.bits.delete(f.bit);
    return this;
  }
  /** Clears both bits of a known feature. */
  clear(name: string): this {
    const f = info(name);
    this.bits.delete(f.bit);
    this.bits.delete(f.bit + 1);
    return this;
  }
  /** True when either bit of the feature is set (BOLT 9: a node supports a feature it sets either way). */
  supports(name: string): boolean {
    const f = info(name);
    return this.bits.has(f.bit) || this.bits.has(f.bit + 1);
  }
  /** True when the even bit of the feature is set. */
  requires(name: string): boolean {
    return this.bits.has(info(name).bit);
  }

  /** Union of two sets (e.g. `init`'s `globalfeatures | features`, BOLT 1). */
  or(other: Features): Features {
    return new Features(this.context, [...this.bits, ...other.bits]);
  }

  /** True when both sets hold exactly the same bits. */
  equals(other: Features): boolean {
    if (this.bits.size !== other.bits.size) return false;
    for (const b of this.bits) if (!other.bits.has(b)) return false;
    return true;
  }

  /**
   * Even bits we do not know in this context: BOLT 9 says a node receiving them MUST fail the
   * connection / not use the announcement / not pay the invoice.
   */
  unknownRequiredBits(): number[] {
    return this.setBits().filter((b) => {
      if (b % 2 !== 0) return false;
      const f = BY_BIT.get(b);
      return !f?.contexts.includes(this.context);
    });
  }

  /**
   * Features set whose dependencies are not set (BOLT 9 §"Requirements": a node MUST NOT set a
   * feature without its dependencies; a receiver MAY fail the connection).
   */
  missingDependencies(): Array<{ feature: string; missing: string }> {
    const out: Array<{ feature: string; missing: string }> = [];
    for (const f of KNOWN_FEATURES) {
      if (!this.supports(f.name)) continue;
      for (const d of f.dependsOn) if (!this.supports(d)) out.push({ feature: f.name, missing: d });
    }
    return out;
  }

  /** Names of the known features in this set, with how each is set. */
  describe(): string[] {
    const out: string[] = [];
    for (const b of this.setBits()) {
      const f = BY_BIT.get(b & ~1);
      out.push(f ? `${f.name}${b % 2 === 0 ? '' : '?'}` : `unknown_${b}`);
    }
    return out;
  }
}

/**
 * Features lnts advertises in `init` and `node_announcement`: what LDK and the current BOLTs
 * expect of a peer (data_loss_protect, var_onion_optin, static_remotekey and payment_secret
 * required) plus what lnts implements as optional.
 */
export function providedInitFeatures(opts: { anchors?: boolean; gossipQueries?: boolean } = {}): Features {
  const f = Features.of('init', {
    option_data_loss_protect: 'required',
    option_upfront_shutdown_script: 'optional',
    var_onion_optin: 'required',
    option_static_remotekey: 'required',
    payment_secret: 'required',
    basic_mpp: 'optional',
    option_support_large_channel: 'optional',
    option_shutdown_anysegwit: 'optional',
    option_channel_type: 'optional',
    option_scid_alias: 'optional',
  });
  if (opts.anchors ?? true) f.setOptional('option_anchors_zero_fee_htlc_tx');
  if (opts.gossipQueries ?? true) f.setOptional('gossip_queries');
  return f;
}

/**
 * Whether a peer's `init` features are acceptable to us (BOLT 1 §"The init Message", BOLT 9):
 * no unknown even bit, dependencies present, and every feature we require supported.
 * @returns `null` when compatible, else the reason.
 */
export function checkPeerFeatures(ours: Features, theirs: Features): string | null {
  const unknown = theirs.unknownRequiredBits();
  if (unknown.length > 0) return `peer requires unknown feature bits ${unknown.join(',')}`;
  const deps = theirs.missingDependencies();
  if (deps.length > 0) return `peer sets ${deps[0]!.feature} without ${deps[0]!.missing}`;
  for (const b of ours.setBits()) {
    if (b % 2 !== 0) continue;
    const f = BY_BIT.get(b);
    if (f && !theirs.supports(f.name)) return `peer does not support required feature ${f.name}`;
  }
  return null;
}
