/**
 * Helpers shared by the built-in resolvers: a resolver whose answer never
 * changes, and the `TypeError` of a target a builder cannot use.
 *
 * @module
 */

import type { Resolver, ResolverListener, ResolverState } from "./resolver.ts";
import { splitHostPort, type Target } from "../target.ts";

/**
 * A resolver that reports `state` once, right after `build()` returns (a
 * microtask later, as the contract forbids reporting during `build()`),
 * and ignores `resolveNow()`: fixed addresses have nothing to re-resolve.
 *
 * @example
 * ```ts
 * import { fixedResolver } from "./_fixed.ts";
 * const resolver = fixedResolver({ onUpdate: console.log, onError: console.log }, {
 *   endpoints: [{ addresses: [{ kind: "unix", path: "/tmp/s.sock" }] }],
 * });
 * resolver.close(); // before the microtask: nothing is reported
 * ```
 *
 * @param listener where the state goes
 * @param state the only state
 * @returns the resolver
 */
export function fixedResolver(
  listener: ResolverListener,
  state: ResolverState,
): Resolver {
  let closed = false;
  queueMicrotask(() => {
    if (!closed) listener.onUpdate(state);
  });
  return {
    resolveNow() {},
    close() {
      closed = true;
    },
  };
}

/**
 * The error of a target a builder cannot use.
 *
 * @example
 * ```ts
 * import { badTarget } from "./_fixed.ts";
 * import { parseTarget } from "../target.ts";
 * console.log(badTarget(parseTarget("unix:"), "missing socket path").message);
 * // bad target "unix:": missing socket path
 * ```
 *
 * @param target the target
 * @param why what is wrong with it
 * @param cause the error behind it, if any
 * @returns a TypeError to throw
 */
export function badTarget(
  target: Target,
  why: string,
  cause?: unknown,
): TypeError {
  return new TypeError(
    `bad target "${target.original}": ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Reads `host[:port]` of a target, turning a parse failure into
 * {@linkcode badTarget}.
 *
 * @example
 * ```ts
 * import { hostPortOf } from "./_fixed.ts";
 * import { parseTarget } from "../target.ts";
 * const t = parseTarget("dns:///example.com");
 * console.log(hostPortOf(t, t.endpoint, 443)); // { hostname: "example.com", port: 443 }
 * ```
 *
 * @param target the target (for the message)
 * @param text the `host[:port]` text
 * @param defaultPort the port when none is given
 * @returns hostname and port
 * @throws {TypeError} for a malformed address
 */
export function hostPortOf(
  target: Target,
  text: string,
  defaultPort: number,
): { hostname: string; port: number } {
  try {
    return splitHostPort(text, defaultPort);
  } catch (error) {
    throw badTarget(target, (error as Error).message, error);
  }
}
