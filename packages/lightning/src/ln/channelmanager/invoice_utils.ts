/**
 * Building a BOLT 11 invoice for one of our inbound payments from the state of our channels
 * (LDK's `lightning-invoice::utils::create_invoice_from_channelmanager`, which also lives outside
 * `ChannelManager`): the payment's hash and secret, and a route hint through each usable
 * unannounced channel, named by the alias its peer gave us (`option_scid_alias`) and priced with
 * the peer's own `channel_update`.
 * @module
 */
import type { Network } from '../../chain/network.js';
import type { CryptoBackend } from '../../crypto/backend.js';
import { InvoiceBuilder } from '../../invoice/builder.js';
import { InvoiceError } from '../../invoice/errors.js';
import type { Invoice } from '../../invoice/invoice.js';
import type { KeysInterface } from '../../sign/interfaces.js';
import { APIMisuseError } from '../../util/errors.js';
import type { ChannelDetails } from './details.js';

/** What the invoice says besides the payment itself. */
export interface InvoiceOptions {
  readonly amountMsat?: bigint;
  readonly description: string;
  readonly expirySecs?: number;
  readonly minFinalCltvExpiryDelta?: number;
}

/** LDK's forwarding defaults, for a peer whose `channel_update` has not come yet. */
const DEFAULT_HINT_FEE_BASE_MSAT = 1000;
const DEFAULT_HINT_FEE_PROPORTIONAL = 0;
const DEFAULT_HINT_CLTV_EXPIRY_DELTA = 72;

/**
 * The signed invoice for `payment` (already created with the same expiry and final CLTV delta).
 * @throws {APIMisuseError} when the invoice cannot be built (e.g. a description too long).
 */
export function buildInvoice(
  a: { readonly network: Network; readonly crypto: CryptoBackend; readonly keys: KeysInterface },
  payment: { readonly paymentHash: Uint8Array; readonly paymentSecret: Uint8Array },
  timestamp: number,
  usableChannels: readonly ChannelDetails[],
  opts: InvoiceOptions & { readonly expirySecs: number; readonly minFinalCltvExpiryDelta: number },
): Invoice {
  const network = a.network === 'testnet4' ? 'testnet' : a.network;
  const b = new InvoiceBuilder(network, a.crypto)
    .paymentHash(payment.paymentHash)
    .paymentSecret(payment.paymentSecret)
    .description(opts.description)
    .timestamp(timestamp)
    .expiry(opts.expirySecs)
    .minFinalCltvExpiryDelta(opts.minFinalCltvExpiryDelta)
    .payeePubkey(a.keys.getNodeId());
  if (opts.amountMsat !== undefined) b.amountMsat(opts.amountMsat);
  for (const c of usableChannels) {
    if (c.isAnnounced) continue;
    const scid = c.outboundScidAlias ?? c.shortChannelId;
    if (scid === undefined) continue;
    const fwd = c.counterpartyForwardingInfo;
    b.routeHint([
      {
        pubkey: c.counterpartyNodeId,
        shortChannelId: scid,
        feeBaseMsat: fwd?.feeBaseMsat ?? DEFAULT_HINT_FEE_BASE_MSAT,
        feeProportionalMillionths: fwd?.feeProportionalMillionths ?? DEFAULT_HINT_FEE_PROPORTIONAL,
        cltvExpiryDelta: fwd?.cltvExpiryDelta ?? DEFAULT_HINT_CLTV_EXPIRY_DELTA,
      },
    ]);
  }
  const inv = b.buildSignedWith((h) => a.keys.signInvoiceDigest(h));
  if (inv instanceof InvoiceError) throw new APIMisuseError(`cannot build the invoice: ${inv.message}`);
  return inv;
}
