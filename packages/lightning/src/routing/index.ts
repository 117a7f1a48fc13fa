/**
 * Routing (BOLT 7 path finding): `getRoute` over our channels and route hints, the `Route` it
 * returns, and the parameters it takes. The gossip `NetworkGraph`/`NetGraphMsgHandler` and a
 * scorer join this layer later.
 * @module
 */
export { type CandidateHop, type FirstHopChannel, outboundPaymentScid } from './candidate.js';
export { RouteNotFound, type RouteNotFoundReason } from './errors.js';
export { computeFeeMsat, type RoutingFees } from './fees.js';
export {
  type BlindedPayInfo,
  type BlindedPaymentPath,
  DEFAULT_MAX_PATH_COUNT,
  DEFAULT_MAX_TOTAL_CLTV_EXPIRY_DELTA,
  MAX_PATH_LENGTH_ESTIMATE,
  type PaymentParameters,
  paymentParametersFromInvoice,
  paymentParametersFromNodeId,
  type RouteHint,
  type RouteHintHop,
  type RouteParameters,
  routeParametersFromPaymentParamsAndValue,
} from './params.js';
export {
  type BlindedHop,
  type BlindedTail,
  type Path,
  pathFeeMsat,
  pathFinalValueMsat,
  pathFirstHopAmountMsat,
  pathTotalCltvExpiryDelta,
  type Route,
  type RouteHop,
  routeTotalAmountMsat,
  routeTotalFeesMsat,
} from './route.js';
export { type GetRouteOptions, getRoute } from './router.js';
export type { CapacityKind, ChannelUsage, Score, ScoreLookUp, ScoreUpdate } from './scoring/score.js';
export {
  DEFAULT_DECAY_PARAMETERS,
  defaultFeeParameters,
  FixedPenaltyScorer,
  type LiquidityRange,
  ProbabilisticScorer,
  type ProbabilisticScoringDecayParameters,
  type ProbabilisticScoringFeeParameters,
  UNKNOWN_CHANNEL_CAPACITY_MSAT,
} from './scoring/index.js';
export * from './network_graph.js';
export * from './gossip.js';
export * from './gossip_queries.js';
export * from './gossip_limits.js';
export { ALL_TIMESTAMPS, type PeerGossipState, type TimestampRange } from './gossip_relay.js';
export { RELAY_FILTER_BACK_SECS, SYNC_FILTER_BACK_SECS } from './gossip_sync.js';
export { DefaultRouter, type DefaultRouterOptions, type Router } from './default_router.js';
export { analyseFailure, type FailedPathHop, type FailureAnalysis, type NetworkUpdate } from './network_update.js';
export { GraphChainWatcher } from './chain_watch.js';
