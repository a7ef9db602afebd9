/**
 * The `unix:` and `unix-abstract:` schemes (naming.md): one unix socket.
 * `unix:relative` and `unix:/absolute` or `unix:///absolute` name a path;
 * `unix-abstract:name` names a Linux abstract socket, whose address is the
 * name after a NUL byte (Deno's `Deno.connect` accepts such a path on
 * Linux). The default authority of both is `localhost` (grpc-go; see
 * `defaultAuthority()` in target.ts).
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
import { badTarget, fixedResolver } from "./_fixed.ts";

/**
 * Builds resolvers for `unix:` targets, or `unix-abstract:` ones when
 * `abstract` is true.
 *
 * @example
 * ```ts
 * import { UnixResolverBuilder } from "./unix.ts";
 * import { parseTarget } from "../target.ts";
 * import { SYSTEM_CLOCK } from "../../util/clock.ts";
 *
 * new UnixResolverBuilder().build(
 *   parseTarget("unix:///run/app.sock"),
 *   { onUpdate: (s) => console.log(s.endpoints[0].addresses[0]), onError: console.error },
 *   { defaultPort: 443, clock: SYSTEM_CLOCK, random: Math.random },
 * ); // { kind: "unix", path: "/run/app.sock" }
 * ```
 */
export class UnixResolverBuilder implements ResolverBuilder {
  /** "unix" or "unix-abstract". */
  readonly scheme: "unix" | "unix-abstract";
  readonly #os: string;

  /**
   * Creates the builder of one scheme.
   *
   * @param abstract build `unix-abstract:` resolvers (default false)
   * @param os the operating system, for the abstract namespace's Linux
   * check (default `Deno.build.os`; a parameter for tests)
   */
  constructor(abstract = false, os: string = Deno.build.os) {
    this.scheme = abstract ? "unix-abstract" : "unix";
    this.#os = os;
  }

  /**
   * Reads the path and reports it once.
   *
   * @param target the parsed target
   * @param listener where the endpoint goes
   * @param _options unused
   * @returns a resolver that ignores `resolveNow()`
   * @throws {TypeError} for an authority, an empty path, a NUL byte in an
   * abstract name, or an abstract name off Linux
   */
  build(
    target: Target,
    listener: ResolverListener,
    _options: ResolverOptions,
  ): Resolver {
    if (target.authority !== "") {
      throw badTarget(
        target,
        `${this.scheme}: targets take no authority (an absolute path is ${this.scheme}:///path)`,
      );
    }
    // The path as written: `unix:///abs` and `unix:/abs` keep their "/".
    let path = target.path;
    if (path === "") throw badTarget(target, "missing socket path");
    if (this.scheme === "unix-abstract") {
      if (this.#os !== "linux" && this.#os !== "android") {
        throw badTarget(
          target,
          `abstract unix sockets exist on Linux only, not on ${this.#os}`,
        );
      }
      if (path.includes("\0")) {
        throw badTarget(target, "an abstract socket name cannot contain NUL");
      }
      path = "\0" + path;
    }
    return fixedResolver(listener, {
      endpoints: [{ addresses: [{ kind: "unix", path }] }],
    });
  }
}
