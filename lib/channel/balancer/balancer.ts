/**
 * Load-balancing policies (gRPC's load-balancing.md; grpc-go's `balancer`
 * package). A builder, registered by policy name, builds one balancer per
 * channel. The balancer receives the resolver's endpoints, creates
 * subchannels through the channel's {@linkcode ChannelHelper}, watches their
 * states, and publishes a connectivity state with a new immutable
 * {@linkcode Picker} whenever its view changes.
 *
 * Concurrency contract: the channel calls a balancer's methods serially,
 * never re-entrantly, and never after `close()`. A balancer may call its
 * helper at any time (from subchannel listeners, timers). Pickers it
 * publishes are called concurrently with all of this and must be
 * synchronous, non-blocking and immutable. A pick must not call into its
 * balancer synchronously (it may run inside any code that starts a call):
 * an idle picker defers `exitIdle()` to a microtask, as pick_first's does.
 * Subchannel listeners run synchronously, and `connect()` reports
 * CONNECTING from inside the call: a balancer finishes its bookkeeping
 * before it connects, and drops a notification whose state is no longer
 * the subchannel's (a newer one overtook it).
 *
 * @module
 */

import type { GrpcError } from "../../grpc/grpc_error.ts";
import type { Clock } from "../../util/clock.ts";
import type { ConnectivityState } from "../connectivity.ts";
import type { Picker } from "../picker.ts";
import type { Endpoint } from "../resolver/resolver.ts";
import type { Address } from "../target.ts";
import type { Subchannel } from "../subchannel.ts";

/**
 * What a balancer receives from the resolver, through the channel.
 *
 * @example
 * ```ts ignore
 * balancer.updateState({ endpoints, config: { shuffleAddressList: true } });
 * ```
 */
export interface BalancerState {
  /** The resolver's endpoints (whole snapshot). */
  readonly endpoints: readonly Endpoint[];
  /**
   * The policy's own config: the value under its name in the service
   * config's `loadBalancingConfig` (`{}` when none was given).
   */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * The channel as a balancer sees it.
 *
 * @example Publish a picker over one READY subchannel
 * ```ts ignore
 * const result = { type: "complete", subchannel } as const;
 * helper.updateState("READY", { pick: () => result });
 * ```
 */
export interface ChannelHelper {
  /**
   * Makes a subchannel to `address` (IDLE until `connect()`). Each call
   * makes a new one, with its own connection, even for the same address.
   *
   * @param address where it connects
   * @returns the subchannel; the balancer shuts it down when done
   */
  createSubchannel(address: Address): Subchannel;
  /**
   * Publishes the balancer's aggregate state and the picker for it.
   *
   * @param state the channel's new connectivity state
   * @param picker the picker calls use from now on
   */
  updateState(state: ConnectivityState, picker: Picker): void;
  /** Asks the resolver to resolve again (rate-limited by the resolver). */
  requestReresolution(): void;
  /** The channel's clock (timers of the balancer). */
  readonly clock: Clock;
  /** The channel's random source, in [0, 1). */
  readonly random: () => number;
}

/**
 * A running policy for one channel.
 *
 * @example The shape of a policy
 * ```ts ignore
 * const balancer: Balancer = {
 *   updateState(state) {},
 *   resolverError(error) {},
 *   exitIdle() {},
 *   close() {},
 * };
 * ```
 */
export interface Balancer {
  /**
   * New endpoints (and config) from the resolver.
   *
   * @param state the whole new snapshot
   */
  updateState(state: BalancerState): void;
  /**
   * The resolver failed. With no working subchannel, publish
   * TRANSIENT_FAILURE with a picker failing calls with `error`; otherwise
   * keep using what works.
   *
   * @param error what the resolver reported
   */
  resolverError(error: GrpcError): void;
  /**
   * A call or `getState(true)` wants a connection: connect if IDLE. The
   * policy's own idle picker may call it too (from a microtask).
   */
  exitIdle(): void;
  /** Shuts down every subchannel; no helper call after this. */
  close(): void;
}

/**
 * Builds balancers of one policy.
 *
 * @example Register a policy
 * ```ts ignore
 * import { registerBalancer } from "../../../mod.ts";
 * registerBalancer({ name: "my_policy", build: (helper) => new MyBalancer(helper) });
 * ```
 */
export interface BalancerBuilder {
  /** The policy name used in `loadBalancingConfig` (e.g. "round_robin"). */
  readonly name: string;
  /**
   * Starts a balancer for one channel.
   *
   * @param helper the channel's side
   * @returns the balancer
   */
  build(helper: ChannelHelper): Balancer;
  /**
   * Validates this policy's config from a service config (optional).
   *
   * @param config the JSON value under the policy's name
   * @returns an error message, or undefined when valid
   */
  validateConfig?(
    config: Readonly<Record<string, unknown>>,
  ): string | undefined;
}
