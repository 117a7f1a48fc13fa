/**
 * The chain layer: networks, the chain-facing interfaces (`Listen`, `Confirm`, `chain.Access`,
 * `FeeEstimator`, `BroadcasterInterface`) and, as they land, `ChannelMonitor`,
 * `ManyChannelMonitor` and `ChainMonitor`.
 * @module
 */
export * from './network.js';
export * from './interfaces.js';
export * from './channelmonitor_update.js';
export * from './watch.js';
export * from './monitors.js';
