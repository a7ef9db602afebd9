/**
 * The `dns:` scheme, the default (naming.md; grpc-go's
 * `internal/resolver/dns`): `dns:[//dns-server/]host[:port]`.
 *
 * - An IP literal needs no lookup; nor does `localhost`, which becomes one
 *   endpoint with two addresses, 127.0.0.1 then ::1 (one server reachable
 *   both ways, gRFC A61): a server listening on either is found, without
 *   depending on which of the two the system's resolver returns first.
 * - Any other name is looked up as A and AAAA records with
 *   `Deno.resolveDns` (which also reads `/etc/hosts`); every address is an
 *   endpoint of its own, IPv4 first. An authority names the DNS server
 *   (`dns://8.8.8.8:53/example.com`).
 * - When DNS has no answer (NotFound), or Deno may not ask it (NotCapable:
 *   `--allow-net` without the DNS server), the name itself is the address,
 *   so `Deno.connect` resolves it with the operating system's resolver.
 * - Re-resolution happens only on `resolveNow()`, at most once per
 *   `minResolveIntervalMs` (default 30 s): a request within the interval
 *   runs one lookup at its end. A failed lookup is reported through
 *   `onError` and retried with connection backoff (1 s, ×1.6, ±20 %, at
 *   most 120 s). Each lookup times out after 10 s (as grpc-go).
 * - With `serviceConfigLookup` (default off, as grpc-go), the TXT record
 *   `_grpc_config.<host>` supplies the service config.
 *
 * @module
 */

import { GrpcError } from "../../grpc/grpc_error.ts";
import { Code } from "../../grpc/status.ts";
import type { Clock, TimerHandle } from "../../util/clock.ts";
import { Backoff, type BackoffOptions } from "../backoff.ts";
import { isIPv4, isIPv6, type Target } from "../target.ts";
import type {
  Endpoint,
  Resolver,
  ResolverBuilder,
  ResolverListener,
  ResolverOptions,
  ResolverState,
} from "./resolver.ts";
import { badTarget, fixedResolver, hostPortOf } from "./_fixed.ts";
import { selectServiceConfig } from "./dns_service_config.ts";
import {
  denoDnsLookup,
  type DnsLookup,
  type DnsLookupOptions,
  isNoAnswer,
} from "./dns_lookup.ts";

/** Options of {@linkcode DnsResolverBuilder}. */
export interface DnsResolverBuilderOptions {
  /** How to query DNS. Default {@linkcode denoDnsLookup}. */
  readonly lookup?: DnsLookup;
  /** Retry delays after failed lookups. Default: connection-backoff.md's. */
  readonly backoff?: BackoffOptions;
  /** Time a lookup may take before it counts as failed, ms. Default 10,000. */
  readonly lookupTimeoutMs?: number;
  /**
   * This host's name, for TXT choices that name `clientHostname`. Default
   * `Deno.hostname()` (undefined without `--allow-sys`).
   */
  readonly hostname?: () => string | undefined;
}

/** Default `minResolveIntervalMs`: grpc-go's minimum re-resolution rate. */
export const DEFAULT_MIN_RESOLVE_INTERVAL_MS = 30_000;
/** Default lookup timeout: grpc-go's `ResolvingTimeout`. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000;

function systemHostname(): string | undefined {
  try {
    return Deno.hostname();
  } catch {
    return undefined;
  }
}

/** Characters no host name has; a comma hints at a list (use `ipv4:`). */
const NOT_IN_HOSTNAME = /[\s,/\\?#@[\]%]/;

/**
 * Builds DNS resolvers. The default registry holds one with
 * `Deno.resolveDns`; tests build their own with an injected `lookup`.
 *
 * @example Resolve with a fake DNS
 * ```ts
 * import { DnsResolverBuilder } from "./dns.ts";
 * import { parseTarget } from "../target.ts";
 * import { SYSTEM_CLOCK } from "../../util/clock.ts";
 *
 * const dns = new DnsResolverBuilder({
 *   lookup: (_name, type) => Promise.resolve(type === "A" ? ["10.0.0.1", "10.0.0.2"] : []),
 * });
 * const resolver = dns.build(
 *   parseTarget("dns:///backend.example:50051"),
 *   { onUpdate: (s) => console.log(s.endpoints.length), onError: console.error }, // 2
 *   { defaultPort: 443, clock: SYSTEM_CLOCK, random: Math.random },
 * );
 * resolver.close();
 * ```
 */
export class DnsResolverBuilder implements ResolverBuilder {
  /** "dns". */
  readonly scheme = "dns";
  readonly #options: DnsResolverBuilderOptions;

  /**
   * Creates the builder.
   *
   * @param options lookup, backoff, timeout and host name (all optional)
   */
  constructor(options: DnsResolverBuilderOptions = {}) {
    this.#options = options;
  }

  /**
   * Starts resolving: at once for a name, or reports an IP literal or
   * `localhost` once.
   *
   * @param target the parsed target
   * @param listener where states and errors go
   * @param options default port, clock, random source, interval, TXT flag
   * @returns the resolver
   * @throws {TypeError} for a missing or malformed host, a bad port, or an
   * authority that is not an IP address
   */
  build(
    target: Target,
    listener: ResolverListener,
    options: ResolverOptions,
  ): Resolver {
    const { hostname, port } = hostPortOf(
      target,
      target.endpoint,
      options.defaultPort,
    );
    const nameServer = nameServerOf(target);
    if (isIPv4(hostname) || isIPv6(hostname)) {
      return fixedResolver(listener, {
        endpoints: [{ addresses: [{ kind: "tcp", hostname, port }] }],
      });
    }
    if (NOT_IN_HOSTNAME.test(hostname)) {
      throw badTarget(
        target,
        hostname.includes(",")
          ? "a dns target names one host (for a list of addresses use ipv4: or ipv6:)"
          : `"${hostname}" is not a host name`,
      );
    }
    const lower = hostname.toLowerCase();
    if (lower === "localhost" || lower === "localhost.") {
      return fixedResolver(listener, {
        endpoints: [{
          addresses: [
            { kind: "tcp", hostname: "127.0.0.1", port },
            { kind: "tcp", hostname: "::1", port },
          ],
        }],
      });
    }
    return new DnsResolver(hostname, port, nameServer, listener, {
      ...options,
      ...this.#options,
    });
  }
}

function nameServerOf(
  target: Target,
): { ipAddr: string; port: number } | undefined {
  if (target.authority === "") return undefined;
  const { hostname, port } = hostPortOf(target, target.authority, 53);
  if (!isIPv4(hostname) && !isIPv6(hostname)) {
    throw badTarget(
      target,
      `the DNS server "${target.authority}" must be an IP address`,
    );
  }
  return { ipAddr: hostname, port };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A lookup's result: the state to report, or the error. */
type Outcome = { state: ResolverState } | { error: GrpcError };

type Settings = ResolverOptions & DnsResolverBuilderOptions;

/** Resolves one name; see the module doc for the rules. */
class DnsResolver implements Resolver {
  readonly #host: string;
  readonly #port: number;
  readonly #nameServer: { ipAddr: string; port: number } | undefined;
  readonly #listener: ResolverListener;
  readonly #settings: Settings;
  readonly #clock: Clock;
  readonly #lookup: DnsLookup;
  readonly #backoff: Backoff;
  #closed = false;
  /** The lookup in flight: its controller, the only one whose result counts. */
  #inFlight: AbortController | undefined;
  /** The timeout of the lookup in flight. */
  #lookupTimer: TimerHandle | undefined;
  /** The next lookup, waiting for the rate limit or a retry delay. */
  #timer: TimerHandle | undefined;
  #lastStart = -Infinity;
  /** `resolveNow()` came during a lookup: run one more after it. */
  #wanted = false;

  constructor(
    host: string,
    port: number,
    nameServer: { ipAddr: string; port: number } | undefined,
    listener: ResolverListener,
    settings: Settings,
  ) {
    this.#host = host;
    this.#port = port;
    this.#nameServer = nameServer;
    this.#listener = listener;
    this.#settings = settings;
    this.#clock = settings.clock;
    this.#lookup = settings.lookup ?? denoDnsLookup;
    this.#backoff = new Backoff(settings.backoff, settings.random);
    this.#start();
  }

  resolveNow(): void {
    if (this.#closed || this.#timer !== undefined) return;
    if (this.#inFlight !== undefined) this.#wanted = true;
    else this.#startWhenAllowed();
  }

  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#clock.clearTimeout(this.#lookupTimer);
    this.#lookupTimer = undefined;
    const inFlight = this.#inFlight;
    this.#inFlight = undefined;
    inFlight?.abort(new DOMException("resolver closed", "AbortError"));
  }

  /** A lookup now, or at the end of the minimum interval since the last. */
  #startWhenAllowed(): void {
    const interval = this.#settings.minResolveIntervalMs ??
      DEFAULT_MIN_RESOLVE_INTERVAL_MS;
    const wait = this.#lastStart + interval - this.#clock.now();
    if (wait <= 0) this.#start();
    else this.#startIn(wait);
  }

  #startIn(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#start();
    }, ms);
  }

  #start(): void {
    const controller = new AbortController();
    this.#inFlight = controller;
    this.#lastStart = this.#clock.now();
    this.#wanted = false;
    const timeoutMs = this.#settings.lookupTimeoutMs ??
      DEFAULT_LOOKUP_TIMEOUT_MS;
    // The timeout settles the lookup itself, so a lookup function that
    // ignores its signal cannot stall re-resolution.
    this.#lookupTimer = this.#clock.setTimeout(() => {
      this.#finish(controller, {
        error: new GrpcError(
          Code.UNAVAILABLE,
          `DNS lookup of ${this.#host} timed out after ${timeoutMs} ms`,
        ),
      });
      controller.abort(
        new DOMException("DNS lookup timed out", "TimeoutError"),
      );
    }, timeoutMs);
    this.#query(controller.signal).then((outcome) =>
      this.#finish(controller, outcome)
    );
  }

  /** Reports a lookup's outcome unless it was superseded or closed. */
  #finish(controller: AbortController, outcome: Outcome): void {
    if (this.#inFlight !== controller) return;
    this.#inFlight = undefined;
    this.#clock.clearTimeout(this.#lookupTimer);
    this.#lookupTimer = undefined;
    // Schedule before calling the listener: it may call resolveNow().
    if ("error" in outcome) {
      this.#wanted = false;
      this.#startIn(this.#backoff.next());
      this.#listener.onError(outcome.error);
    } else {
      this.#backoff.reset();
      if (this.#wanted) this.#startWhenAllowed();
      this.#listener.onUpdate(outcome.state);
    }
  }

  async #query(signal: AbortSignal): Promise<Outcome> {
    const options: DnsLookupOptions = this.#nameServer === undefined
      ? { signal }
      : { nameServer: this.#nameServer, signal };
    const queries = [
      this.#ask(this.#host, "A", options),
      this.#ask(this.#host, "AAAA", options),
    ];
    if (this.#settings.serviceConfigLookup) {
      queries.push(this.#ask(`_grpc_config.${this.#host}`, "TXT", options));
    }
    const [a, aaaa, txt] = await Promise.allSettled(queries);
    const endpoints: Endpoint[] = [];
    let failure: unknown;
    for (const answer of [a, aaaa]) {
      if (answer.status === "rejected") {
        if (!isNoAnswer(answer.reason)) failure ??= answer.reason;
        continue;
      }
      for (const ip of answer.value) {
        if (!isIPv4(ip) && !isIPv6(ip)) continue; // not an address: skip
        endpoints.push({
          addresses: [{ kind: "tcp", hostname: ip, port: this.#port }],
        });
      }
    }
    if (endpoints.length === 0) {
      // One family may fail while the other answers; only when nothing
      // answered does a real failure count.
      if (failure !== undefined) {
        return {
          error: new GrpcError(
            Code.UNAVAILABLE,
            `DNS lookup of ${this.#host} failed: ${errorText(failure)}`,
            { cause: failure },
          ),
        };
      }
      endpoints.push({
        addresses: [{ kind: "tcp", hostname: this.#host, port: this.#port }],
      });
    }
    return { state: this.#withServiceConfig(endpoints, txt) };
  }

  #withServiceConfig(
    endpoints: Endpoint[],
    txt: PromiseSettledResult<string[]> | undefined,
  ): ResolverState {
    // A TXT lookup error is no config at all, as grpc-go by default.
    if (txt === undefined || txt.status === "rejected") return { endpoints };
    const found = selectServiceConfig(txt.value, {
      random: this.#settings.random,
      hostname: this.#settings.hostname ?? systemHostname,
    });
    if ("serviceConfig" in found) {
      return { endpoints, serviceConfig: found.serviceConfig };
    }
    if ("error" in found) {
      return {
        endpoints,
        serviceConfigError: new GrpcError(
          Code.UNAVAILABLE,
          `${found.error} (_grpc_config.${this.#host})`,
        ),
      };
    }
    return { endpoints };
  }

  /** Calls the lookup; a synchronous throw becomes a rejection. */
  #ask(
    name: string,
    type: "A" | "AAAA" | "TXT",
    options: DnsLookupOptions,
  ): Promise<string[]> {
    try {
      return this.#lookup(name, type, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
