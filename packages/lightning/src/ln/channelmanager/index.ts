/**
 * `ChannelManager` and what it reports (`ChannelDetails`).
 * @module
 */
export * from './manager.js';
export * from './details.js';
