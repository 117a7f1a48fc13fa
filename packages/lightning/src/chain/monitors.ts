/**
 * On-chain enforcement (BOLT 5): `ChannelMonitor` (one channel), `ChainMonitor` (all of them, the
 * `ManyChannelMonitor`), the `Filter` a filtering chain source implements, and the monitor's
 * persistence format, with the store that keeps the HTLC history only a penalty needs.
 * @module
 */
export * from './channelmonitor.js';
export * from './chainmonitor.js';
export * from './filter.js';
export { MemoryHtlcHistoryStore, htlcHistoryKey } from './htlc_history_store.js';
export { MONITOR_FORMAT_VERSION } from './monitor_codec.js';
