/**
 * BOLT 4 onion routing: Sphinx packets (build, peel), hop payloads, failure messages and their
 * return packets, route blinding, and onion messages. Every function takes the
 * {@link CryptoBackend} to use as its first argument.
 * @module
 */
export type { CryptoBackend } from '../../crypto/backend.js';
export * from './keys.js';
export * from './packet.js';
export * from './construct.js';
export * from './peel.js';
export * from './payload.js';
export * from './failure_codes.js';
export * from './failure.js';
export * from './failure_packet.js';
export * from './blinded_path.js';
export * from './blinded_payment.js';
export * from './onion_message.js';
export * from './inbound.js';
export * from './outbound.js';
export * from './attribution.js';
