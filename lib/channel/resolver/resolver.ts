/**
 * Resolvers turn a target into addresses (gRPC's naming.md; grpc-go's
 * `resolver` package). A builder, registered by URI scheme, builds one
 * resolver per channel; the resolver hands the channel whole immutable
 * snapshots — endpoints and optionally a service config — or an error.
 *
 * Concurrency contract: a resolver may call its listener at any time after
 * `build()` returns (not during it) until `close()`; the channel processes
 * updates in order. `resolveNow()` is a hint and may be ignored (rate
 * limits); it must not block. Resolution starts at `build()` (grpc-go): a
 * channel builds its resolver when it leaves IDLE and closes it on idleness.
 *
 * @module
 */

import type { GrpcError } from "../../grpc/grpc_error.ts";
import type { Clock } from "../../util/clock.ts";
import type { Address, Target } from "../target.ts";

/**
 * One server, reachable at one or more addresses (gRFC A61): a balancer
 * makes one logical connection per endpoint, trying its addresses in order.
 *
 * @example Two endpoints, the second with two addresses
 * ```ts
 * import type { Endpoint } from "./resolver.ts";
 * const endpoints: Endpoint[] = [
 *   { addresses: [{ kind: "tcp", hostname: "10.0.0.1", port: 443 }] },
 *   { addresses: [
 *     { kind: "tcp", hostname: "10.0.0.2", port: 443 },
 *     { kind: "tcp", hostname: "fd00::2", port: 443 },
 *   ] },
 * ];
 * ```
 */
export interface Endpoint {
  /** The endpoint's addresses, in order of preference. */
  readonly addresses: readonly Address[];
}

/**
 * A resolver's result: the whole current picture, never a delta.
 *
 * @example
 * ```ts
 * import type { ResolverState } from "./resolver.ts";
 * const state: ResolverState = {
 *   endpoints: [{ addresses: [{ kind: "tcp", hostname: "127.0.0.1", port: 50051 }] }],
 *   serviceConfig: '{"loadBalancingConfig":[{"round_robin":{}}]}',
 * };
 * ```
 */
export interface ResolverState {
  /** The endpoints; empty is valid (the balancer fails or queues calls). */
  readonly endpoints: readonly Endpoint[];
  /**
   * A service config in its JSON form (a string or a parsed object) found
   * by the resolver (e.g. DNS TXT `_grpc_config.`); it replaces the
   * channel's default one. Omitted: the default applies.
   */
  readonly serviceConfig?: string | Record<string, unknown>;
  /**
   * The resolver found a service config but could not read it (e.g. a
   * malformed TXT record). The channel treats it as an invalid config
   * (gRFC A21): it keeps the config it has, or fails calls if it has none.
   */
  readonly serviceConfigError?: GrpcError;
}

/**
 * What a resolver reports to (the channel's side of a resolver).
 *
 * @example A listener that logs
 * ```ts
 * import type { ResolverListener } from "./resolver.ts";
 * const listener: ResolverListener = {
 *   onUpdate: (state) => console.log(state.endpoints.length, "endpoints"),
 *   onError: (error) => console.log(error.message),
 * };
 * ```
 */
export interface ResolverListener {
  /**
   * A new snapshot.
   *
   * @param state the endpoints and service config
   */
  onUpdate(state: ResolverState): void;
  /**
   * Resolution failed. Working connections stay up; the resolver retries
   * on its own (with backoff) or when `resolveNow()` is called.
   *
   * @param error an UNAVAILABLE status saying what failed
   */
  onError(error: GrpcError): void;
}

/**
 * What a builder gets besides the target.
 *
 * @example
 * ```ts ignore
 * builder.build(target, listener, { defaultPort: 443, clock: SYSTEM_CLOCK, random: Math.random });
 * ```
 */
export interface ResolverOptions {
  /** Port of addresses that name none: 443 (gRPC's default, TLS or not). */
  readonly defaultPort: number;
  /** Time and timers (rate limits, retry backoff). */
  readonly clock: Clock;
  /** Random source in [0, 1) (backoff jitter). */
  readonly random: () => number;
  /** Shortest interval between two DNS lookups (ms). Default 30,000. */
  readonly minResolveIntervalMs?: number;
  /** Look up service config in DNS TXT `_grpc_config.<host>`. Default false. */
  readonly serviceConfigLookup?: boolean;
}

/**
 * A running resolution for one channel.
 *
 * @example A resolver that reports one fixed address
 * ```ts ignore
 * const resolver: Resolver = { resolveNow() {}, close() {} };
 * ```
 */
export interface Resolver {
  /** A hint to resolve again soon (e.g. a connection failed). */
  resolveNow(): void;
  /** Stops: no listener call after this returns. */
  close(): void;
}

/**
 * Builds resolvers for one URI scheme.
 *
 * @example A scheme "static" that always answers one address
 * ```ts
 * import type { ResolverBuilder } from "./resolver.ts";
 * const builder: ResolverBuilder = {
 *   scheme: "static",
 *   build(target, listener) {
 *     queueMicrotask(() =>
 *       listener.onUpdate({
 *         endpoints: [{ addresses: [{ kind: "tcp", hostname: "127.0.0.1", port: Number(target.endpoint) }] }],
 *       })
 *     );
 *     return { resolveNow() {}, close() {} };
 *   },
 * };
 * ```
 */
export interface ResolverBuilder {
  /** The URI scheme this builder resolves, lowercase (e.g. "dns"). */
  readonly scheme: string;
  /**
   * Starts resolving `target`. Must not call `listener` before returning.
   *
   * @param target the parsed target (scheme, authority, endpoint)
   * @param listener where snapshots and errors go
   * @param options default port, clock, random source, DNS settings
   * @returns the resolver
   * @throws {TypeError} for a target it cannot use, naming the target and
   * what is wrong with it (the channel fails calls with UNAVAILABLE and
   * that message)
   */
  build(
    target: Target,
    listener: ResolverListener,
    options: ResolverOptions,
  ): Resolver;
  /**
   * The default `:authority` for `target`, when this scheme wants another
   * one than `defaultAuthority()` of target.ts gives (grpc-go's
   * `AuthorityOverrider`). Optional.
   *
   * @param target the parsed target
   * @returns the authority
   */
  authority?(target: Target): string;
}
