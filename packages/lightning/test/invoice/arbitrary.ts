// Random valid invoice specifications for the BOLT 11 property and cross-check tests, and the
// function that builds and signs one with InvoiceBuilder.
import fc from 'fast-check';
import { nobleBackend } from '../../src/crypto/noble.js';
import { type Invoice, InvoiceBuilder, InvoiceError, type InvoiceNetwork, type RouteHintHop } from '../../src/invoice/index.js';
import { Features } from '../../src/ln/features.js';

const crypto = nobleBackend;

/** A pool of node keys: deriving a key per sample would dominate the run time. */
export const KEYS: ReadonlyArray<{ secret: Uint8Array; pub: Uint8Array }> = Array.from({ length: 6 }, (_, i) => {
  const secret = new Uint8Array(32).fill(0x11 * (i + 1));
  return { secret, pub: crypto.publicKey(secret) };
});

/** Types BOLT 11 does not define; readers skip them. */
export const UNDEFINED_TAGS = [0, 2, 4, 7, 8, 10, 11, 12, 14, 15, 17, 18, 20, 21, 22, 25, 26, 28, 29, 30, 31];

export interface FallbackSpec {
  readonly version: number;
  readonly program: Uint8Array;
}

export interface InvoiceSpec {
  readonly network: InvoiceNetwork;
  readonly amountMsat: bigint | undefined;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  readonly description: { text: string } | { hash: Uint8Array };
  readonly timestamp: number;
  readonly expiry: bigint | undefined;
  readonly minFinalCltv: bigint | undefined;
  readonly explicitPayee: boolean;
  readonly key: number;
  readonly metadata: Uint8Array | undefined;
  readonly routes: RouteHintHop[][];
  readonly extraFeatures: ReadonlyArray<{ bit: number }>;
  readonly fallbacks: FallbackSpec[];
  readonly unknownFields: ReadonlyArray<{ tag: number; data: number[] }>;
  readonly useSignerCallback: boolean;
}

const u64 = (1n << 64n) - 1n;

/**
 * Amounts in msat across every multiplier: whole bitcoins, milli, micro, nano, and pico (any msat
 * that is not a multiple of 100 can only be written with `p`).
 */
const amountArb = fc.oneof(
  fc.bigInt(1n, 18_000_000n).map((btc) => btc * 100_000_000_000n),
  fc.bigInt(1n, 1_000_000n).map((m) => m * 100_000_000n),
  fc.bigInt(1n, 1_000_000n).map((u) => u * 100_000n),
  fc.bigInt(1n, 1_000_000n).map((n) => n * 100n),
  fc.bigInt(1n, 10_000_000_000n),
  fc.bigInt(1n, u64 / 10n),
);

const hopArb = fc.record({
  pubkey: fc.nat(KEYS.length - 1).map((i) => KEYS[i]!.pub),
  shortChannelId: fc.bigInt(0n, u64),
  feeBaseMsat: fc.nat(0xffffffff),
  feeProportionalMillionths: fc.nat(0xffffffff),
  cltvExpiryDelta: fc.nat(0xffff),
});

const fallbackArb: fc.Arbitrary<FallbackSpec> = fc.oneof(
  fc.record({ version: fc.constantFrom(17, 18), program: fc.uint8Array({ minLength: 20, maxLength: 20 }) }),
  fc.record({
    version: fc.constant(0),
    program: fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 })),
  }),
  fc.record({ version: fc.constant(1), program: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
  fc.record({ version: fc.integer({ min: 2, max: 16 }), program: fc.uint8Array({ minLength: 2, maxLength: 40 }) }),
);

/** Descriptions that fit 639 bytes, ASCII and beyond (no control characters: LDK prints them sanitised). */
const textArb = fc
  .string({ unit: fc.oneof(fc.constantFrom(...'abc xyz-0123.,!'), fc.constantFrom('ナ', 'ン', 'セ', '杯', 'é', '€', '😀')), maxLength: 200 })
  .filter((s) => new TextEncoder().encode(s).length <= 639);

/**
 * Random valid invoices. `narrow` keeps integers within what the npm `bolt11` package reads
 * exactly (it uses JS numbers for `x` and `c`).
 */
export function invoiceSpecArb(opts: { narrow?: boolean } = {}): fc.Arbitrary<InvoiceSpec> {
  const intMax = opts.narrow ? 1n << 40n : u64;
  return fc.record({
    network: fc.constantFrom<InvoiceNetwork>('bitcoin', 'testnet', 'signet', 'regtest'),
    amountMsat: fc.option(amountArb, { nil: undefined }),
    paymentHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    paymentSecret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    description: fc.oneof(
      fc.record({ text: textArb }),
      fc.record({ hash: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
    ),
    timestamp: fc.integer({ min: 0, max: 2 ** 35 - 1 }),
    expiry: fc.option(fc.bigInt(0n, intMax), { nil: undefined }),
    minFinalCltv: fc.option(fc.bigInt(0n, intMax), { nil: undefined }),
    explicitPayee: fc.boolean(),
    key: fc.nat(KEYS.length - 1),
    metadata: fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
    routes: fc.array(fc.array(hopArb, { minLength: 1, maxLength: 4 }), { maxLength: 3 }),
    // basic_mpp either way, route blinding optional, unknown odd bits (it's OK to be odd) above
    // the known table, whose odd bits could otherwise imply a dependency.
    extraFeatures: fc.uniqueArray(
      fc.oneof(
        fc.constantFrom(16, 17, 25),
        fc.integer({ min: 62, max: 400 }).map((b) => b | 1),
      ).map((bit) => ({ bit })),
      { maxLength: 4, selector: (x) => x.bit & ~1 },
    ),
    fallbacks: fc.array(fallbackArb, { maxLength: 3 }),
    unknownFields: fc.array(
      fc.record({ tag: fc.constantFrom(...UNDEFINED_TAGS), data: fc.array(fc.nat(31), { maxLength: 60 }) }),
      { maxLength: 2 },
    ),
    useSignerCallback: fc.boolean(),
  });
}

/** The invoice features a spec asks for (before the builder adds var_onion_optin/payment_secret). */
export function specFeatures(s: InvoiceSpec): Features {
  return new Features('invoice', s.extraFeatures.map((f) => f.bit));
}

/** Builds and signs a spec with InvoiceBuilder (by secret key, or through a signer callback). */
export function buildSpec(s: InvoiceSpec): Invoice | InvoiceError {
  const b = new InvoiceBuilder(s.network, crypto)
    .paymentHash(s.paymentHash)
    .paymentSecret(s.paymentSecret)
    .timestamp(s.timestamp)
    .features(specFeatures(s));
  if (s.amountMsat !== undefined) b.amountMsat(s.amountMsat);
  if ('text' in s.description) b.description(s.description.text);
  else b.descriptionHash(s.description.hash);
  if (s.expiry !== undefined) b.expiry(s.expiry);
  if (s.minFinalCltv !== undefined) b.minFinalCltvExpiryDelta(s.minFinalCltv);
  if (s.explicitPayee) b.payeePubkey(KEYS[s.key]!.pub);
  if (s.metadata !== undefined) b.paymentMetadata(s.metadata);
  for (const r of s.routes) b.routeHint(r);
  for (const f of s.fallbacks) b.fallback(f.version, f.program);
  for (const u of s.unknownFields) b.unknownField(u.tag, u.data);
  const secret = KEYS[s.key]!.secret;
  return s.useSignerCallback
    ? b.buildSignedWith((hash) => crypto.signEcdsaRecoverable(hash, secret))
    : b.buildSigned(secret);
}

/** Builds a spec, failing loudly if the builder refuses a spec meant to be valid. */
export function mustBuild(s: InvoiceSpec): Invoice {
  const inv = buildSpec(s);
  if (inv instanceof InvoiceError) throw new Error(`builder refused a valid spec: ${inv.message}`);
  return inv;
}
