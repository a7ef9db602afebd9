/**
 * Resolver registries: builders keyed by URI scheme. The default registry
 * holds every built-in scheme (`dns`, `ipv4`, `ipv6`, `unix`,
 * `unix-abstract`, `passthrough`) and what `registerResolver()` adds; a
 * channel may take its own registry, so tests never touch global state.
 *
 * @module
 */

import type { ResolverBuilder } from "./resolver.ts";
import { defaultAuthority, parseTarget, type Target } from "../target.ts";
import { DnsResolverBuilder } from "./dns.ts";
import { StaticResolverBuilder } from "./static.ts";
import { UnixResolverBuilder } from "./unix.ts";
import { PassthroughResolverBuilder } from "./passthrough.ts";

const SCHEME = /^[a-z][a-z0-9+.-]*$/;

/**
 * A new builder of each built-in scheme.
 *
 * @example
 * ```ts
 * import { builtinResolvers } from "./registry.ts";
 * console.log(builtinResolvers().map((b) => b.scheme));
 * // [ "dns", "ipv4", "ipv6", "unix", "unix-abstract", "passthrough" ]
 * ```
 *
 * @returns the builders
 */
export function builtinResolvers(): ResolverBuilder[] {
  return [
    new DnsResolverBuilder(),
    new StaticResolverBuilder("ipv4"),
    new StaticResolverBuilder("ipv6"),
    new UnixResolverBuilder(),
    new UnixResolverBuilder(true),
    new PassthroughResolverBuilder(),
  ];
}

/** What a channel needs to resolve a target: {@linkcode ResolverRegistry.forTarget}. */
export interface TargetResolution {
  /** The parsed target (`dns` when its scheme is not registered). */
  readonly target: Target;
  /** The builder of its scheme. */
  readonly builder: ResolverBuilder;
  /** The default `:authority` of calls to it. */
  readonly authority: string;
}

/**
 * Resolver builders keyed by scheme.
 *
 * @example A registry for a test, with the built-ins and a manual resolver
 * ```ts
 * import { ResolverRegistry } from "./registry.ts";
 * import { ManualResolver } from "./manual.ts";
 *
 * const registry = new ResolverRegistry();
 * registry.register(new ManualResolver("test"));
 * console.log(registry.forTarget("test:///backends").builder.scheme); // "test"
 * console.log(registry.forTarget("example.com:50051").builder.scheme); // "dns"
 * ```
 */
export class ResolverRegistry {
  readonly #builders = new Map<string, ResolverBuilder>();

  /**
   * Creates a registry.
   *
   * @param builders what it starts with (default: a new builder of each
   * built-in scheme, {@linkcode builtinResolvers}; `[]` for none)
   */
  constructor(builders: Iterable<ResolverBuilder> = builtinResolvers()) {
    for (const builder of builders) this.register(builder);
  }

  /**
   * Adds a builder, replacing the one of the same scheme (so a test or an
   * application can swap `dns` for its own).
   *
   * @param builder the builder
   * @returns this registry
   * @throws {TypeError} when `builder.scheme` is not a lowercase URI scheme
   */
  register(builder: ResolverBuilder): this {
    if (!SCHEME.test(builder.scheme)) {
      throw new TypeError(
        `bad resolver scheme "${builder.scheme}": expected [a-z][a-z0-9+.-]*`,
      );
    }
    this.#builders.set(builder.scheme, builder);
    return this;
  }

  /**
   * The builder of a scheme.
   *
   * @param scheme the scheme (any case)
   * @returns the builder, or undefined
   */
  get(scheme: string): ResolverBuilder | undefined {
    return this.#builders.get(scheme.toLowerCase());
  }

  /** The registered schemes. */
  get schemes(): string[] {
    return [...this.#builders.keys()];
  }

  /**
   * Parses a target against this registry's schemes (an unregistered one
   * makes the whole string a `dns` name, as grpc-go) and finds its builder
   * and default authority (the builder's `authority()` if it has one, else
   * `defaultAuthority()` of target.ts).
   *
   * @param target the channel target
   * @returns target, builder and authority
   * @throws {TypeError} when the target falls back to `dns` and this
   * registry has no `dns` builder
   */
  forTarget(target: string): TargetResolution {
    const parsed = parseTarget(target, (s) => this.#builders.has(s));
    const builder = this.#builders.get(parsed.scheme);
    if (builder === undefined) {
      throw new TypeError(
        `no resolver for target "${target}" (registered: ${
          this.schemes.join(", ") || "none"
        })`,
      );
    }
    return {
      target: parsed,
      builder,
      authority: builder.authority?.(parsed) ?? defaultAuthority(parsed),
    };
  }
}

/**
 * The registry channels use unless given their own.
 *
 * @example
 * ```ts
 * import { defaultResolverRegistry } from "./registry.ts";
 * console.log(defaultResolverRegistry.get("dns")?.scheme); // "dns"
 * ```
 */
export const defaultResolverRegistry: ResolverRegistry = new ResolverRegistry();

/**
 * Registers a resolver builder in the default registry, for every channel
 * made afterwards without a registry of its own. A builder of the same
 * scheme is replaced.
 *
 * @example A scheme that answers fixed addresses
 * ```ts
 * import { registerResolver } from "./registry.ts";
 * import { ManualResolver } from "./manual.ts";
 *
 * const backends = new ManualResolver("backends");
 * backends.update({ endpoints: [{ addresses: [{ kind: "tcp", hostname: "10.0.0.7", port: 50051 }] }] });
 * registerResolver(backends); // createChannel("backends:///") now resolves through it
 * ```
 *
 * @param builder the builder
 * @throws {TypeError} when `builder.scheme` is not a lowercase URI scheme
 */
export function registerResolver(builder: ResolverBuilder): void {
  defaultResolverRegistry.register(builder);
}
