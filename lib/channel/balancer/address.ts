/**
 * Addresses as balancers compare and name them: a key that tells two
 * addresses apart (deduplication, maps of subchannels) and a printable form
 * for error messages.
 *
 * @module
 */

import type { Address } from "../target.ts";
import type { Endpoint } from "../resolver/resolver.ts";

/**
 * A key equal for equal addresses and different otherwise. TCP and Unix
 * addresses have distinct prefixes, so a Unix path never collides with a
 * host and port.
 *
 * @example
 * ```ts
 * import { addressKey } from "./address.ts";
 * console.log(addressKey({ kind: "tcp", hostname: "::1", port: 80 })); // "tcp:[::1]:80"
 * console.log(addressKey({ kind: "unix", path: "/tmp/s" })); // "unix:/tmp/s"
 * ```
 *
 * @param address the address
 * @returns its key
 */
export function addressKey(address: Address): string {
  return address.kind === "unix"
    ? `unix:${address.path}`
    : `tcp:${formatAddress(address)}`;
}

/**
 * The address as people write it: `host:port`, `[v6]:port`, `unix:path`.
 *
 * @example
 * ```ts
 * import { formatAddress } from "./address.ts";
 * console.log(formatAddress({ kind: "tcp", hostname: "10.0.0.1", port: 443 })); // "10.0.0.1:443"
 * console.log(formatAddress({ kind: "tcp", hostname: "::1", port: 443 })); // "[::1]:443"
 * ```
 *
 * @param address the address
 * @returns its printable form
 */
export function formatAddress(address: Address): string {
  if (address.kind === "unix") return `unix:${address.path}`;
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}

/**
 * A key for an endpoint: its set of addresses, whatever their order
 * (grpc-go's `EndpointMap`). An endpoint whose addresses only change order
 * keeps its key, so a balancer keeps its connection.
 *
 * @example
 * ```ts
 * import { endpointKey } from "./address.ts";
 * const a = { kind: "tcp", hostname: "10.0.0.1", port: 1 } as const;
 * const b = { kind: "tcp", hostname: "10.0.0.2", port: 1 } as const;
 * console.log(endpointKey({ addresses: [a, b] }) === endpointKey({ addresses: [b, a] })); // true
 * ```
 *
 * @param endpoint the endpoint
 * @returns its key
 */
export function endpointKey(endpoint: Endpoint): string {
  const addresses = endpoint.addresses;
  if (addresses.length === 1) return addressKey(addresses[0]);
  const keys: string[] = [];
  for (let i = 0; i < addresses.length; i++) {
    const key = addressKey(addresses[i]);
    if (!keys.includes(key)) keys.push(key);
  }
  // "\n" cannot appear in an address key (hostnames and paths come from
  // one-line targets and DNS answers), so the join is unambiguous.
  return keys.sort().join("\n");
}
