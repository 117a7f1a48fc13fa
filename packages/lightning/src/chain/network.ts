import { fromHex } from '../util/hex.js';

/** The Bitcoin networks lnts knows. */
export type Network = 'bitcoin' | 'testnet' | 'testnet4' | 'signet' | 'regtest';

// Genesis block hashes in internal (wire) byte order, which is how BOLT 1/7 `chain_hash` is sent.
const GENESIS: Record<Network, string> = {
  bitcoin: '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000',
  testnet: '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000',
  testnet4: '43f08bdab050e35b567c864b91f47f50ae725ae2de53bcfbbaf284da00000000',
  signet: 'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000',
  regtest: '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f',
};

/** The `chain_hash` of a network: its genesis block hash in wire byte order (BOLT 0 glossary). */
export function chainHash(network: Network): Uint8Array {
  return fromHex(GENESIS[network]);
}
