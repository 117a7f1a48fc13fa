/**
 * On-chain enforcement (BOLT 5): `ChannelMonitor` (one channel), `ChainMonitor` (all of them, the
 * `ManyChannelMonitor`), the `Filter` a filtering chain source implements, and the monitor's
 * persistence format.
 * @module
 */
export * from './channelmonitor.js';
export * from './chainmonitor.js';
export * from './filter.js';
export { MONITOR_FORMAT_VERSION } from './monitor_codec.js';
