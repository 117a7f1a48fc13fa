/**
 * The Lightning layer: wire messages (BOLT 1/2/7), features (BOLT 9), the BOLT 8 transport and
 * `PeerManager`, and (as they land) channels, onion routing and `ChannelManager`.
 * @module
 */
export * from './features.js';
export * from './msgs/index.js';
export * from './msg_handlers.js';
export * from './peer_channel_encryptor.js';
export * from './peer_handler.js';
export * from './channelmanager/index.js';
export * as channel from './channel/index.js';
export * as chanUtils from './chan_utils/index.js';
export * as onion from './onion/index.js';
export * from './inbound_payment.js';
