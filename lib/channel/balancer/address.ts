/**
 * Addresses and endpoints as balancers handle them: keys that tell them
 * apart (deduplication, maps of subchannels) and pick_first's flattening
 * and shuffling of endpoint lists. The printable form is `formatAddress`
 * of `../target.ts`.
 *
 * @module
 */

import { type Address, formatAddress } from "../target.ts";
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

/**
 * The endpoints' addresses in order, each address once (A61: pick_first
 * flattens its endpoints).
 *
 * @example
 * ```ts
 * import { flattenEndpoints } from "./address.ts";
 * const a = { kind: "tcp", hostname: "10.0.0.1", port: 1 } as const;
 * const b = { kind: "tcp", hostname: "10.0.0.2", port: 1 } as const;
 * console.log(flattenEndpoints([{ addresses: [a, b] }, { addresses: [b] }]).length); // 2
 * ```
 *
 * @param endpoints the resolver's endpoints
 * @returns the addresses
 */
export function flattenEndpoints(endpoints: readonly Endpoint[]): Address[] {
  const seen = new Set<string>();
  const out: Address[] = [];
  for (let i = 0; i < endpoints.length; i++) {
    const addresses = endpoints[i].addresses;
    for (let j = 0; j < addresses.length; j++) {
      const key = addressKey(addresses[j]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(addresses[j]);
    }
  }
  return out;
}

/**
 * A shuffled copy (Fisher–Yates): endpoints move, the addresses within each
 * keep their order (A61, for A62's `shuffleAddressList`).
 *
 * @example Always 0: [a, b, c] → [b, c, a]
 * ```ts
 * import { shuffleEndpoints } from "./address.ts";
 * import { formatAddress } from "../target.ts";
 * const e = (port: number) => ({ addresses: [{ kind: "tcp", hostname: "h", port } as const] });
 * const shuffled = shuffleEndpoints([e(1), e(2), e(3)], () => 0);
 * console.log(shuffled.map((x) => formatAddress(x.addresses[0]))); // [ "h:2", "h:3", "h:1" ]
 * ```
 *
 * @param endpoints the endpoints
 * @param random a source in [0, 1)
 * @returns the shuffled copy
 */
export function shuffleEndpoints(
  endpoints: readonly Endpoint[],
  random: () => number,
): Endpoint[] {
  const out = endpoints.slice();
  for (let i = out.length - 1; i > 0; i--) {
    // min(): a source that returns 1 still yields an index in range.
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
