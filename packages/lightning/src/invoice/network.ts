/**
 * The currencies of BOLT 11 §"Human-Readable Part" and what their fallback addresses look like.
 * @module
 */
import type { Network } from '../chain/network.js';

/**
 * The network an invoice is payable on. `lntb` serves both testnet3 and testnet4 (BOLT 11 has one
 * prefix for both), so it decodes as `testnet`.
 */
export type InvoiceNetwork = Exclude<Network, 'testnet4'>;

/** Address parameters of one network: segwit HRP and base58 version bytes (BIP 173, Bitcoin Core chainparams). */
export interface AddressParams {
  readonly bech32Hrp: string;
  readonly p2pkhVersion: number;
  readonly p2shVersion: number;
}

/** BIP 173 currency prefix of each network, as the invoice prefix spells it after `ln`. */
export const CURRENCY_PREFIX: Readonly<Record<InvoiceNetwork, string>> = {
  bitcoin: 'bc',
  testnet: 'tb',
  signet: 'tbs',
  regtest: 'bcrt',
};

// Longest first, so that `lntbs…` is signet and `lnbcrt…` is regtest, never `tb`/`bc` followed
// by an amount that starts with a letter.
const PREFIXES_LONGEST_FIRST: ReadonlyArray<[string, InvoiceNetwork]> = [
  ['bcrt', 'regtest'],
  ['tbs', 'signet'],
  ['bc', 'bitcoin'],
  ['tb', 'testnet'],
];

/**
 * Splits the part of the HRP after `ln` into currency and the rest. A currency must be followed
 * by the amount, which starts with a digit, or by nothing; `tb` followed by `s` is therefore
 * never testnet with an amount.
 */
export function splitCurrency(afterLn: string): { network: InvoiceNetwork; rest: string } | undefined {
  for (const [p, network] of PREFIXES_LONGEST_FIRST) {
    if (afterLn.startsWith(p)) return { network, rest: afterLn.slice(p.length) };
  }
  return undefined;
}

/** Fallback address parameters for a network (signet and regtest share testnet's base58 versions). */
export function addressParams(network: InvoiceNetwork): AddressParams {
  switch (network) {
    case 'bitcoin':
      return { bech32Hrp: 'bc', p2pkhVersion: 0x00, p2shVersion: 0x05 };
    case 'testnet':
    case 'signet':
      return { bech32Hrp: 'tb', p2pkhVersion: 0x6f, p2shVersion: 0xc4 };
    case 'regtest':
      return { bech32Hrp: 'bcrt', p2pkhVersion: 0x6f, p2shVersion: 0xc4 };
  }
}
