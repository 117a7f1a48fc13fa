/**
 * `Router`: what `ChannelManager` asks for routes and tells about payment outcomes (LDK's `Router`
 * trait plus the event handling its background processor does for the graph and scorer), and
 * `DefaultRouter`, which ties the gossip {@link NetworkGraph}, a {@link Score} and
 * {@link getRoute} together: a failed path updates the graph (BOLT 4 failure → {@link NetworkUpdate})
 * and the scorer, so the retry that follows routes around what failed.
 * @module
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { readMessage } from '../ln/msgs/index.js';
import { concat } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { FirstHopChannel } from './candidate.js';
import type { RouteNotFound } from './errors.js';
import type { NetGraphMsgHandler } from './gossip.js';
import type { NetworkGraph } from './network_graph.js';
import type { FailureAnalysis, NetworkUpdate } from './network_update.js';
import type { RouteParameters } from './params.js';
import type { Path, Route } from './route.js';
import { getRoute } from './router.js';
import type { Score } from './scoring/score.js';

const MODULE = 'routing::default_router';
const CHANNEL_UPDATE_TYPE = 258;
const CHANNEL_UPDATE_TYPE_BYTES = Uint8Array.of(CHANNEL_UPDATE_TYPE >> 8, CHANNEL_UPDATE_TYPE & 0xff);

/** Finds routes for `ChannelManager` and learns from how its payments went. */
export interface Router {
  /**
   * A route from `payer` for `params` over `firstHops` (our usable channels) and whatever else the
   * router knows; `null` first hops: use the graph's channels out of `payer`.
   */
  findRoute(payer: Uint8Array, params: RouteParameters, firstHops: readonly FirstHopChannel[] | null): Route | RouteNotFound;
  /**
   * One of our payment paths failed; `failure` says where and what it means for the network.
   * `nowSecs` is the caller's clock. Returns true when the failure's `channel_update` was applied,
   * so the blamed channel is worth retrying under its new policy (BOLT 4 §"Returning Errors":
   * the origin node SHOULD apply it and MAY retry).
   */
  paymentPathFailed(path: Path, failure: FailureAnalysis, nowSecs: number): boolean;
  /** One of our payment paths succeeded. */
  paymentPathSuccessful(path: Path, nowSecs: number): void;
}

/** Options of {@link DefaultRouter}. */
export interface DefaultRouterOptions {
  /** When given, node ids are checked to be curve points before routing. */
  readonly crypto?: CryptoBackend;
  /**
   * The gossip handler of the same graph: a `channel_update` carried by a failure is checked by it
   * (signature, newer timestamp) before it changes the graph. Without it such updates are ignored.
   */
  readonly gossip?: NetGraphMsgHandler;
}

/** The {@link Router} over a gossip graph and a scorer (LDK's `DefaultRouter`). */
export class DefaultRouter implements Router {
  constructor(
    readonly graph: NetworkGraph,
    private readonly logger: Logger,
    readonly scorer?: Score,
    private readonly options: DefaultRouterOptions = {},
  ) {}

  findRoute(payer: Uint8Array, params: RouteParameters, firstHops: readonly FirstHopChannel[] | null): Route | RouteNotFound {
    return getRoute(payer, params, this.graph, firstHops, this.logger, this.scorer, { crypto: this.options.crypto });
  }

  paymentPathFailed(path: Path, failure: FailureAnalysis, nowSecs: number): boolean {
    const u = failure.update;
    let applied = false;
    if (u?.kind === 'channel-failure') this.graph.channelFailed(u.shortChannelId, u.isPermanent);
    else if (u?.kind === 'node-failure') this.graph.nodeFailed(u.nodeId, u.isPermanent);
    else if (u?.kind === 'channel-update') applied = this.applyChannelUpdate(path, u);
    if (failure.shortChannelId !== undefined) this.scorer?.paymentPathFailed(path, failure.shortChannelId, nowSecs);
    return applied;
  }

  paymentPathSuccessful(path: Path, nowSecs: number): void {
    this.scorer?.paymentPathSuccessful(path, nowSecs);
  }

  // BOLT 4 lets the update come with or without its message type; our handler checks it like any gossip.
  private applyChannelUpdate(path: Path, u: Extract<NetworkUpdate, { kind: 'channel-update' }>): boolean {
    const gossip = this.options.gossip;
    const update = u.message;
    if (!gossip) return false;
    const withType = update.length >= 2 && ((update[0]! << 8) | update[1]!) === CHANNEL_UPDATE_TYPE ? update : concat(CHANNEL_UPDATE_TYPE_BYTES, update);
    const m = readMessage(withType);
    if (m instanceof DecodeError || m.name !== 'channel_update' || m.msg.shortChannelId !== u.shortChannelId) {
      this.logger.log({ level: 'debug', module: MODULE, message: 'failure carried an unreadable channel_update, or one for another channel' });
      return false;
    }
    const from = path.hops[0]?.pubkey ?? new Uint8Array(33);
    const r = gossip.handleGossipMessage(from, m);
    if (r !== true && r !== false) {
      this.logger.log({ level: 'debug', module: MODULE, message: `failure's channel_update not applied: ${r.message}` });
      return false;
    }
    return true;
  }
}
