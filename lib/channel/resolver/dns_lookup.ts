/**
 * DNS queries as the `dns` resolver makes them: the {@linkcode DnsLookup}
 * function type (injectable, so tests run without a DNS server) and its
 * implementation over `Deno.resolveDns`.
 *
 * @module
 */

/** Options of one DNS query. */
export interface DnsLookupOptions {
  /** The DNS server to ask (from the target's authority); else the system's. */
  readonly nameServer?: { readonly ipAddr: string; readonly port?: number };
  /** Aborted when the resolver closes or the lookup times out. */
  readonly signal?: AbortSignal;
}

/**
 * One DNS query: the records of `recordType` for `name` (IP literals for
 * A/AAAA; each TXT record with its strings joined). A name with no such
 * records rejects with `Deno.errors.NotFound` (as `Deno.resolveDns`).
 */
export type DnsLookup = (
  name: string,
  recordType: "A" | "AAAA" | "TXT",
  options: DnsLookupOptions,
) => Promise<string[]>;

/**
 * {@linkcode DnsLookup} over `Deno.resolveDns`.
 *
 * @example
 * ```ts ignore
 * import { denoDnsLookup } from "./dns_lookup.ts";
 * console.log(await denoDnsLookup("localhost", "A", {})); // [ "127.0.0.1" ]
 * ```
 *
 * @param name the name to look up
 * @param recordType A, AAAA or TXT
 * @param options DNS server and abort signal
 * @returns the records
 */
export async function denoDnsLookup(
  name: string,
  recordType: "A" | "AAAA" | "TXT",
  options: DnsLookupOptions,
): Promise<string[]> {
  if (recordType !== "TXT") {
    return await Deno.resolveDns(name, recordType, options);
  }
  const records = await Deno.resolveDns(name, "TXT", options);
  return records.map((strings) => strings.join(""));
}

/**
 * Whether a lookup error means "DNS will not tell" rather than "DNS
 * failed": no such records (NotFound), or no permission to ask the DNS
 * server (NotCapable, PermissionDenied). The resolver then falls back to
 * the operating system's resolver at connect time.
 *
 * @example
 * ```ts
 * import { isNoAnswer } from "./dns_lookup.ts";
 * console.log(isNoAnswer(new Deno.errors.NotFound("no records"))); // true
 * console.log(isNoAnswer(new Deno.errors.TimedOut("timed out"))); // false
 * ```
 *
 * @param error what the lookup rejected with
 * @returns true to fall back to the name
 */
export function isNoAnswer(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied;
}
