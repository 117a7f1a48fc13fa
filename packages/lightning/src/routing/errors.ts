/**
 * Why no route could be found. LDK's `get_route` returns `LightningError { err, action:
 * IgnoreError }` in the seed design (a string in modern LDK); lnts keeps the `LightningError`
 * family and adds a machine-readable {@link RouteNotFoundReason}.
 * @module
 */
import { LightningError } from '../util/errors.js';

/** The class of failure, for callers that react differently (retry later, report to the user...). */
export type RouteNotFoundReason =
  /** The payee is us. */
  | 'payee-is-payer'
  /** Zero, or more than 21M BTC. */
  | 'invalid-amount'
  /** Parameters that admit no route (max CLTV below the final delta, zero paths allowed...). */
  | 'invalid-parameters'
  /** A first hop names us as its counterparty. */
  | 'invalid-first-hop'
  /** No usable channel of ours. */
  | 'no-first-hops'
  /** No path reaches the payee at all (limits such as CLTV, length or HTLC minimum included). */
  | 'no-path'
  /** Paths exist but cannot carry the amount (single-part, or within `maxPathCount` parts). */
  | 'insufficient-liquidity'
  /** Every way to carry the amount pays more than `maxTotalRoutingFeeMsat`. */
  | 'fee-limit';

/** No route satisfies the request. The action is `ignore`: nothing is wrong with any peer. */
export class RouteNotFound extends LightningError {
  // `name` stays 'LightningError' (the base declares it as that literal); tell it apart with
  // `instanceof RouteNotFound` or `reason`.
  constructor(
    readonly reason: RouteNotFoundReason,
    message: string,
  ) {
    super(message, { kind: 'ignore', log: 'debug' });
  }
}
