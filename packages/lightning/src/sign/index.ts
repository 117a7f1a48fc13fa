/**
 * Keys and signing: `KeysInterface` (the seed design's name), `ChannelSigner`, and `KeysManager`
 * deriving everything from a 32-byte seed.
 * @module
 */
export * from './interfaces.js';
export * from './in_memory_signer.js';
export * from './keys_manager.js';
