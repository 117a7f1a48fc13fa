/**
 * Every BOLT 8 Appendix A vector (the core's suite, over the fixture in
 * packages/lightning/test/fixtures/bolt08.json) against the native and WASM backends; the core's
 * own test runs it against noble.
 */
import { loadNativeBackend, loadWasmBackend } from '../../src/crypto/index.js';
import { runBolt08Vectors } from '../../../lightning/test/ln/peer_channel_encryptor.vectors.js';

runBolt08Vectors(loadNativeBackend());
runBolt08Vectors(loadWasmBackend());
