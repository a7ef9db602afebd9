/**
 * Parsing of channel targets (gRPC naming.md): `host:port`, `dns:host:port`,
 * `dns:///host:port`, `ipv4:a:p,b:p`, `ipv6:[::1]:p`, `unix:path`,
 * `unix:///abs`. A target with no known scheme is a DNS name.
 *
 * @module
 */

/** One address to connect to. */
export type Address =
  | { kind: "tcp"; hostname: string; port: number }
  | { kind: "unix"; path: string };

/** A parsed target. */
export interface Target {
  /** The naming scheme: "dns", "ipv4", "ipv6", "unix" or "passthrough". */
  scheme: string;
  /** The authority in `dns://authority/...`, if any (a DNS server). */
  authority: string;
  /** The rest: host[:port], a comma-separated list, or a path. */
  endpoint: string;
}

/**
 * Splits a target string into scheme, authority and endpoint; unknown or
 * missing schemes become `dns` with the whole string as endpoint.
 *
 * @example Parse targets
 * ```ts
 * import { parseTarget } from "./target.ts";
 * parseTarget("localhost:50051"); // { scheme: "dns", authority: "", endpoint: "localhost:50051" }
 * parseTarget("unix:///tmp/s.sock"); // { scheme: "unix", authority: "", endpoint: "/tmp/s.sock" }
 * ```
 *
 * @param target the channel target
 * @returns its parts
 */
export function parseTarget(target: string): Target {
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(target);
  if (m) {
    const scheme = m[1].toLowerCase();
    let rest = m[2];
    if (
      ["dns", "ipv4", "ipv6", "unix", "passthrough", "unix-abstract"].includes(
        scheme,
      )
    ) {
      let authority = "";
      if (rest.startsWith("//")) {
        const slash = rest.indexOf("/", 2);
        authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
        rest = slash < 0 ? "" : rest.slice(slash + 1);
        if (scheme === "unix") rest = "/" + rest;
      }
      return { scheme, authority, endpoint: rest };
    }
  }
  return { scheme: "dns", authority: "", endpoint: target };
}

/**
 * Splits `host[:port]` (IPv6 in brackets) into hostname and port.
 *
 * @example Host and port
 * ```ts
 * import { splitHostPort } from "./target.ts";
 * splitHostPort("[::1]:80", 443); // { hostname: "::1", port: 80 }
 * splitHostPort("example.com", 443); // { hostname: "example.com", port: 443 }
 * ```
 *
 * @param hostPort the text
 * @param defaultPort the port when none is given
 * @returns hostname and port
 */
export function splitHostPort(
  hostPort: string,
  defaultPort: number,
): { hostname: string; port: number } {
  let hostname = hostPort;
  let portText = "";
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) throw new TypeError(`bad address: ${hostPort}`);
    hostname = hostPort.slice(1, close);
    if (hostPort[close + 1] === ":") portText = hostPort.slice(close + 2);
  } else {
    const colon = hostPort.lastIndexOf(":");
    if (colon >= 0 && hostPort.indexOf(":") === colon) {
      hostname = hostPort.slice(0, colon);
      portText = hostPort.slice(colon + 1);
    }
  }
  if (hostname === "") throw new TypeError(`bad address: ${hostPort}`);
  if (portText === "") return { hostname, port: defaultPort };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`bad port in ${hostPort}`);
  }
  return { hostname, port };
}
