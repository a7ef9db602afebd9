/**
 * A resolver driven from code (grpc-go's `resolver/manual`): tests, and
 * users who discover backends themselves, register it under a scheme of
 * their choice and push whole states or errors into it.
 *
 * @module
 */

import type { GrpcError } from "../../grpc/grpc_error.ts";
import type {
  Resolver,
  ResolverBuilder,
  ResolverListener,
  ResolverOptions,
  ResolverState,
} from "./resolver.ts";
import type { Target } from "../target.ts";

const SCHEME = /^[a-z][a-z0-9+.-]*$/;

/** One resolver the channel built from a {@linkcode ManualResolver}. */
interface Built {
  readonly listener: ResolverListener;
  /** False until the replay after `build()`: updates wait for it. */
  ready: boolean;
  closed: boolean;
}

/**
 * A resolver builder whose answers come from code: `update(state)` and
 * `reportError(error)` reach every resolver it built that is still open.
 * It remembers the last state (and an error reported after it), so it
 * works whether it is updated before or after a channel builds it: a new
 * resolver gets them right after `build()` returns.
 *
 * @example Point a channel at addresses you found yourself
 * ```ts ignore
 * import { createChannel, ManualResolver, ResolverRegistry } from "../../../mod.ts";
 *
 * const manual = new ManualResolver("mine");
 * manual.update({ endpoints: [{ addresses: [{ kind: "tcp", hostname: "10.0.0.7", port: 50051 }] }] });
 * const resolvers = new ResolverRegistry();
 * resolvers.register(manual);
 * const channel = createChannel("mine:///backends", { resolvers });
 * ```
 *
 * @example Drive a resolver by hand
 * ```ts
 * import { ManualResolver } from "./manual.ts";
 * import { parseTarget } from "../target.ts";
 * import { SYSTEM_CLOCK } from "../../util/clock.ts";
 *
 * const manual = new ManualResolver("test");
 * const resolver = manual.build(
 *   parseTarget("test:///x", (s) => s === "test"),
 *   { onUpdate: (s) => console.log(s.endpoints.length), onError: console.error },
 *   { defaultPort: 443, clock: SYSTEM_CLOCK, random: Math.random },
 * );
 * manual.update({ endpoints: [] }); // logs 0 (after build's microtask)
 * resolver.resolveNow();
 * console.log(manual.resolveNowCount); // 1
 * ```
 */
export class ManualResolver implements ResolverBuilder {
  /** The scheme it is registered under. */
  readonly scheme: string;
  /** Called on every `resolveNow()` of a resolver it built. */
  onResolveNow: ((target: Target) => void) | undefined;
  #state: ResolverState | undefined;
  #error: GrpcError | undefined;
  readonly #built = new Set<Built>();
  #resolveNowCount = 0;
  #buildCount = 0;
  #lastTarget: Target | undefined;

  /**
   * Creates a manual resolver builder.
   *
   * @param scheme the URI scheme, lowercase (default "manual")
   * @param initialState a state to start with (default none)
   * @throws {TypeError} for a scheme that is not a lowercase URI scheme
   */
  constructor(scheme = "manual", initialState?: ResolverState) {
    if (!SCHEME.test(scheme)) {
      throw new TypeError(`bad scheme "${scheme}": expected [a-z][a-z0-9+.-]*`);
    }
    this.scheme = scheme;
    this.#state = initialState;
  }

  /** How many times `resolveNow()` was called on its resolvers. */
  get resolveNowCount(): number {
    return this.#resolveNowCount;
  }

  /** How many resolvers it built. */
  get buildCount(): number {
    return this.#buildCount;
  }

  /** How many of them are still open. */
  get openCount(): number {
    return this.#built.size;
  }

  /** The target of the last `build()`. */
  get lastTarget(): Target | undefined {
    return this.#lastTarget;
  }

  /**
   * Starts a resolver that reports the remembered state (and error), a
   * microtask after returning, then every later update.
   *
   * @param target the parsed target (kept as `lastTarget`)
   * @param listener where states and errors go
   * @param _options unused
   * @returns the resolver
   */
  build(
    target: Target,
    listener: ResolverListener,
    _options: ResolverOptions,
  ): Resolver {
    this.#buildCount++;
    this.#lastTarget = target;
    const built: Built = { listener, ready: false, closed: false };
    this.#built.add(built);
    queueMicrotask(() => {
      if (built.closed) return;
      built.ready = true;
      if (this.#state !== undefined) listener.onUpdate(this.#state);
      if (this.#error !== undefined && !built.closed) {
        listener.onError(this.#error);
      }
    });
    return {
      resolveNow: () => {
        this.#resolveNowCount++;
        this.onResolveNow?.(target);
      },
      close: () => {
        built.closed = true;
        this.#built.delete(built);
      },
    };
  }

  /**
   * Sets the state: every open resolver reports it; later ones start with
   * it. Clears a remembered error.
   *
   * @param state the new state
   */
  update(state: ResolverState): void {
    this.#state = state;
    this.#error = undefined;
    for (const built of [...this.#built]) {
      if (built.ready && !built.closed) built.listener.onUpdate(state);
    }
  }

  /**
   * Reports a resolution error to every open resolver; later ones get it
   * after the remembered state.
   *
   * @param error the error (UNAVAILABLE, by gRPC's convention)
   */
  reportError(error: GrpcError): void {
    this.#error = error;
    for (const built of [...this.#built]) {
      if (built.ready && !built.closed) built.listener.onError(error);
    }
  }
}
