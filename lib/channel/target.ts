/**
 * Channel targets (gRPC's naming.md): `scheme:[//authority]/path` URIs,
 * where the scheme picks a resolver. A target with no scheme, or a scheme
 * no resolver is registered for, is a DNS name as a whole (grpc-go): so
 * `localhost:50051` means `dns:///localhost:50051`.
 *
 * | Target                          | Meaning                                  |
 * | ------------------------------- | ---------------------------------------- |
 * | `host[:port]`                   | `dns:///host[:port]`                     |
 * | `dns:host[:port]`, `dns:///host[:port]` | DNS A/AAAA lookup of `host`      |
 * | `dns://8.8.8.8:53/host[:port]`  | the same, asking the DNS server 8.8.8.8  |
 * | `ipv4:a[:p],b[:p]`              | fixed IPv4 addresses, one endpoint each  |
 * | `ipv6:[a]:p,[b]:p` or `ipv6:a`  | fixed IPv6 addresses, one endpoint each  |
 * | `unix:relative`, `unix:/abs`, `unix:///abs` | a unix socket path           |
 * | `unix-abstract:name`            | a Linux abstract socket (`\0name`)       |
 * | `passthrough:///host[:port]`    | one address; the connect resolves it     |
 *
 * A missing port is 443 (naming.md, grpc-go, grpc-js), TLS or not.
 *
 * Parsing never fails: whether a target makes sense is the resolver's call,
 * made in its builder's `build()`, which throws a `TypeError` naming the
 * target and what is wrong with it; the channel fails its calls with
 * UNAVAILABLE and that message. Percent-encoding in targets
 * is not decoded; query and fragment are not split off.
 *
 * @module
 */

/**
 * One address to connect to: a TCP host (an IP literal, or a name the
 * connect resolves) and port, or a unix socket path (a leading NUL byte
 * names a Linux abstract socket).
 */
export type Address =
  | { kind: "tcp"; hostname: string; port: number }
  | { kind: "unix"; path: string };

/**
 * A parsed target, as a resolver builder sees it (grpc-go's
 * `resolver.Target`).
 *
 * @example
 * ```ts
 * import { parseTarget } from "./target.ts";
 * const t = parseTarget("dns://8.8.8.8/example.com:50051");
 * console.log(t.scheme, t.authority, t.endpoint); // dns 8.8.8.8 example.com:50051
 * ```
 */
export interface Target {
  /** The resolver scheme, lowercase ("dns" for a target with none). */
  readonly scheme: string;
  /** The authority of a `scheme://authority/...` target, else "". */
  readonly authority: string;
  /**
   * The URI path as written: `/abs` for `unix:///abs`, `rel` for
   * `unix:rel`, `/example.com:443` for `dns:///example.com:443`.
   */
  readonly path: string;
  /**
   * The path without its leading `/` (grpc-go's `Target.Endpoint()`): the
   * name to resolve, e.g. `example.com:443`.
   */
  readonly endpoint: string;
  /** The target string as the user gave it (for error messages). */
  readonly original: string;
}

/** The schemes of the built-in resolvers. */
export const BUILTIN_SCHEMES: readonly string[] = Object.freeze([
  "dns",
  "ipv4",
  "ipv6",
  "unix",
  "unix-abstract",
  "passthrough",
]);

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Splits a target into scheme, authority and path. A target without a
 * scheme, or whose scheme `isKnown` rejects, becomes a `dns` target whose
 * path is the whole string (naming.md: "If no scheme prefix is specified or
 * the scheme is unknown, the dns scheme is used").
 *
 * @example Known and unknown schemes
 * ```ts
 * import { parseTarget } from "./target.ts";
 * console.log(parseTarget("unix:///tmp/s.sock").path); // "/tmp/s.sock"
 * console.log(parseTarget("localhost:50051").endpoint); // "localhost:50051" (scheme "dns")
 * console.log(parseTarget("consul:///svc", (s) => s === "consul").scheme); // "consul"
 * ```
 *
 * @param target the channel target
 * @param isKnown whether a resolver exists for a (lowercase) scheme;
 * default: the built-in schemes ({@linkcode BUILTIN_SCHEMES})
 * @returns its parts
 */
export function parseTarget(
  target: string,
  isKnown: (scheme: string) => boolean = (s) => BUILTIN_SCHEMES.includes(s),
): Target {
  const m = SCHEME.exec(target);
  const scheme = m?.[1].toLowerCase();
  if (m === null || scheme === undefined || !isKnown(scheme)) {
    return {
      scheme: "dns",
      authority: "",
      path: target,
      endpoint: target,
      original: target,
    };
  }
  let rest = target.slice(m[0].length);
  let authority = "";
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? "" : rest.slice(slash);
  }
  return {
    scheme,
    authority,
    path: rest,
    endpoint: rest.startsWith("/") ? rest.slice(1) : rest,
    original: target,
  };
}

/**
 * Splits `host[:port]` into hostname and port, as grpc-go's DNS resolver
 * does: an IPv6 literal needs brackets when it has a port (`[::1]:80`) and
 * may go without when it has none (`::1`); an empty host with a port
 * (`:80`) is `localhost` (as `net.Dial`); a missing port is `defaultPort`.
 *
 * @example Host and port
 * ```ts
 * import { splitHostPort } from "./target.ts";
 * console.log(splitHostPort("[::1]:80", 443)); // { hostname: "::1", port: 80 }
 * console.log(splitHostPort("example.com", 443)); // { hostname: "example.com", port: 443 }
 * console.log(splitHostPort(":50051", 443)); // { hostname: "localhost", port: 50051 }
 * ```
 *
 * @param hostPort the text
 * @param defaultPort the port when none is given
 * @returns hostname (without brackets) and port
 * @throws {TypeError} on an empty address, a missing `]`, a trailing `:`,
 * unbracketed colons that are not an IPv6 literal, or a port that is not
 * an integer in 1–65535
 */
export function splitHostPort(
  hostPort: string,
  defaultPort: number,
): { hostname: string; port: number } {
  if (hostPort === "") throw new TypeError("missing address");
  let hostname = hostPort;
  let portText: string | undefined;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) throw new TypeError(`missing "]" in ${hostPort}`);
    hostname = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after.startsWith(":")) portText = after.slice(1);
    else if (after !== "") throw new TypeError(`bad address: ${hostPort}`);
    if (!isIPv6(hostname)) {
      throw new TypeError(`not an IPv6 address in brackets: ${hostPort}`);
    }
  } else {
    const colon = hostPort.indexOf(":");
    if (colon >= 0 && hostPort.indexOf(":", colon + 1) >= 0) {
      // Several colons without brackets: only a bare IPv6 literal, which
      // then has no port (grpc-go: "too many colons" otherwise).
      if (!isIPv6(hostPort)) {
        throw new TypeError(
          `bad address ${hostPort} (an IPv6 address with a port needs brackets: [::1]:443)`,
        );
      }
    } else if (colon >= 0) {
      hostname = hostPort.slice(0, colon) || "localhost";
      portText = hostPort.slice(colon + 1);
    }
  }
  if (portText === undefined) return { hostname, port: defaultPort };
  return { hostname, port: parsePort(portText, hostPort) };
}

function parsePort(text: string, context: string): number {
  if (text === "") throw new TypeError(`missing port after ":" in ${context}`);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new TypeError(`bad port in ${context} (expected 1–65535)`);
  }
  return port;
}

const IPV4 =
  /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Whether `text` is a dotted-quad IPv4 address (no leading zeros, as Go's
 * `net.ParseIP`).
 *
 * @example
 * ```ts
 * import { isIPv4 } from "./target.ts";
 * console.log(isIPv4("10.0.0.1"), isIPv4("10.0.0.01"), isIPv4("example.com")); // true false false
 * ```
 *
 * @param text the text
 * @returns true for an IPv4 literal
 */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * Whether `text` is an IPv6 address without brackets (`::1`,
 * `fd00::1:2`, `::ffff:10.0.0.1`); zone ids (`%eth0`) are not accepted.
 *
 * @example
 * ```ts
 * import { isIPv6 } from "./target.ts";
 * console.log(isIPv6("::1"), isIPv6("[::1]"), isIPv6("1:2")); // true false false
 * ```
 *
 * @param text the text
 * @returns true for an IPv6 literal
 */
export function isIPv6(text: string): boolean {
  // The WHATWG URL parser implements the full IPv6 grammar; the character
  // check first keeps anything but the literal itself out of the URL.
  return text.includes(":") && /^[0-9A-Fa-f:.]+$/.test(text) &&
    URL.canParse(`http://[${text}]/`);
}

/**
 * The default `:authority` of calls on a channel to `target` (naming.md,
 * grpc-go): `localhost` for unix sockets, the first address of an
 * `ipv4:`/`ipv6:` list (as grpc-js), and otherwise the endpoint as written
 * (`example.com:50051`, or `example.com` when it names no port), with
 * `localhost` for an empty host (`:50051`) and brackets around a bare IPv6
 * literal.
 *
 * @example
 * ```ts
 * import { defaultAuthority, parseTarget } from "./target.ts";
 * console.log(defaultAuthority(parseTarget("dns:///example.com:8443"))); // "example.com:8443"
 * console.log(defaultAuthority(parseTarget("unix:/tmp/s.sock"))); // "localhost"
 * console.log(defaultAuthority(parseTarget("ipv6:::1,::2"))); // "[::1]"
 * ```
 *
 * @param target a parsed target
 * @returns the authority
 */
export function defaultAuthority(target: Target): string {
  const { scheme } = target;
  if (scheme === "unix" || scheme === "unix-abstract") return "localhost";
  let endpoint = target.endpoint;
  if (scheme === "ipv4" || scheme === "ipv6") {
    endpoint = endpoint.split(",")[0];
  }
  if (endpoint.startsWith(":") && !endpoint.startsWith("::")) {
    return "localhost" + endpoint;
  }
  return isIPv6(endpoint) ? `[${endpoint}]` : endpoint;
}

/**
 * Formats an address for messages and logs: `host:port`, `[v6]:port`,
 * `unix:path` (`unix-abstract:name` for an abstract socket).
 *
 * @example
 * ```ts
 * import { formatAddress } from "./target.ts";
 * console.log(formatAddress({ kind: "tcp", hostname: "::1", port: 443 })); // "[::1]:443"
 * ```
 *
 * @param address the address
 * @returns its text
 */
export function formatAddress(address: Address): string {
  if (address.kind === "unix") {
    return address.path.startsWith("\0")
      ? `unix-abstract:${address.path.slice(1)}`
      : `unix:${address.path}`;
  }
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}
