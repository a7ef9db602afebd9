/**
 * Connectivity states of channels and subchannels (gRPC's
 * connectivity-semantics-and-api.md).
 *
 * A subchannel moves IDLE → CONNECTING → READY or TRANSIENT_FAILURE, and back
 * to IDLE when its connection is lost; SHUTDOWN is final. A channel's state is
 * its balancer's aggregate of its subchannels' states.
 *
 * @module
 */

/**
 * The five connectivity states.
 *
 * @example Compare a channel's state
 * ```ts
 * import { ConnectivityState } from "./connectivity.ts";
 *
 * const state: ConnectivityState = ConnectivityState.READY;
 * console.log(state === "READY"); // true
 * ```
 */
export const ConnectivityState = {
  /** No connection, and none being made: the next call starts one. */
  IDLE: "IDLE",
  /** A connection attempt is under way. */
  CONNECTING: "CONNECTING",
  /** A connection is up: calls go through. */
  READY: "READY",
  /** The last attempt failed; calls fail fast unless `waitForReady`. */
  TRANSIENT_FAILURE: "TRANSIENT_FAILURE",
  /** Closed for good. */
  SHUTDOWN: "SHUTDOWN",
} as const;

/** One of {@linkcode ConnectivityState}'s values. */
export type ConnectivityState =
  typeof ConnectivityState[keyof typeof ConnectivityState];
