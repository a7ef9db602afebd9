/**
 * The `ipv4:` and `ipv6:` schemes (naming.md): a fixed, comma-separated
 * list of IP literals, each its own endpoint, so round_robin spreads calls
 * across them and pick_first tries them in order.
 *
 * @module
 */

import type {
  Endpoint,
  Resolver,
  ResolverBuilder,
  ResolverListener,
  ResolverOptions,
} from "./resolver.ts";
import { isIPv4, isIPv6, type Target } from "../target.ts";
import { badTarget, fixedResolver, hostPortOf } from "./_fixed.ts";

/**
 * Builds resolvers for `ipv4:a[:port],b[:port]` or
 * `ipv6:[a]:port,[b]:port` (`ipv6:a,b` without ports). A missing port is
 * the channel's default (443).
 *
 * @example Endpoints of an ipv4 target
 * ```ts
 * import { StaticResolverBuilder } from "./static.ts";
 * import { parseTarget } from "../target.ts";
 * import { SYSTEM_CLOCK } from "../../util/clock.ts";
 *
 * const resolver = new StaticResolverBuilder("ipv4").build(
 *   parseTarget("ipv4:10.0.0.1:50051,10.0.0.2"),
 *   { onUpdate: (s) => console.log(s.endpoints.length), onError: console.error }, // 2
 *   { defaultPort: 443, clock: SYSTEM_CLOCK, random: Math.random },
 * );
 * resolver.close();
 * ```
 */
export class StaticResolverBuilder implements ResolverBuilder {
  /** "ipv4" or "ipv6". */
  readonly scheme: "ipv4" | "ipv6";

  /**
   * Creates the builder of one scheme.
   *
   * @param family which scheme (and which literals it accepts)
   */
  constructor(family: "ipv4" | "ipv6") {
    this.scheme = family;
  }

  /**
   * Parses the list and reports it once.
   *
   * @param target the parsed target
   * @param listener where the endpoints go
   * @param options the default port
   * @returns a resolver that ignores `resolveNow()`
   * @throws {TypeError} for an empty list, a malformed entry or an address
   * of the wrong family
   */
  build(
    target: Target,
    listener: ResolverListener,
    options: ResolverOptions,
  ): Resolver {
    if (target.authority !== "") {
      throw badTarget(target, `${this.scheme}: targets take no authority`);
    }
    if (target.endpoint === "") throw badTarget(target, "missing address");
    const isFamily = this.scheme === "ipv4" ? isIPv4 : isIPv6;
    const endpoints: Endpoint[] = target.endpoint.split(",").map((entry) => {
      const { hostname, port } = hostPortOf(target, entry, options.defaultPort);
      if (!isFamily(hostname)) {
        throw badTarget(target, `"${entry}" is not an ${this.scheme} address`);
      }
      return { addresses: [{ kind: "tcp", hostname, port }] };
    });
    return fixedResolver(listener, { endpoints });
  }
}
