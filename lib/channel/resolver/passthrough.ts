/**
 * The `passthrough:` scheme (grpc-go): the endpoint is one address handed
 * to the connect as is, so the operating system resolves a name
 * (`getaddrinfo`, `/etc/hosts`) at each connection attempt. The authority
 * is ignored, as in grpc-go.
 *
 * @module
 */

import type {
  Resolver,
  ResolverBuilder,
  ResolverListener,
  ResolverOptions,
} from "./resolver.ts";
import type { Target } from "../target.ts";
import { fixedResolver, hostPortOf } from "./_fixed.ts";

/**
 * Builds resolvers for `passthrough:///host[:port]`: one endpoint with one
 * address; a missing port is the channel's default (443).
 *
 * @example
 * ```ts
 * import { PassthroughResolverBuilder } from "./passthrough.ts";
 * import { parseTarget } from "../target.ts";
 * import { SYSTEM_CLOCK } from "../../util/clock.ts";
 *
 * new PassthroughResolverBuilder().build(
 *   parseTarget("passthrough:///backend.internal:50051"),
 *   { onUpdate: (s) => console.log(s.endpoints[0].addresses[0]), onError: console.error },
 *   { defaultPort: 443, clock: SYSTEM_CLOCK, random: Math.random },
 * ); // { kind: "tcp", hostname: "backend.internal", port: 50051 }
 * ```
 */
export class PassthroughResolverBuilder implements ResolverBuilder {
  /** "passthrough". */
  readonly scheme = "passthrough";

  /**
   * Reads the address and reports it once.
   *
   * @param target the parsed target
   * @param listener where the endpoint goes
   * @param options the default port
   * @returns a resolver that ignores `resolveNow()`
   * @throws {TypeError} for a missing or malformed address
   */
  build(
    target: Target,
    listener: ResolverListener,
    options: ResolverOptions,
  ): Resolver {
    const { hostname, port } = hostPortOf(
      target,
      target.endpoint,
      options.defaultPort,
    );
    return fixedResolver(listener, {
      endpoints: [{ addresses: [{ kind: "tcp", hostname, port }] }],
    });
  }
}
