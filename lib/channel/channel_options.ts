/**
 * Options of {@linkcode createChannel}, and their defaults resolved in one
 * place.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK } from "../util/clock.ts";
import type { BackoffOptions } from "./backoff.ts";
import type { BalancerRegistry } from "./balancer/registry.ts";
import type { ResolverRegistry } from "./resolver/registry.ts";
import {
  ChannelKeepalive,
  type ChannelKeepaliveOptions,
} from "./channel_keepalive.ts";

/**
 * TLS settings of a channel. Connections offer ALPN `h2` only.
 *
 * @example A server known by another name than its address, with mTLS
 * ```ts ignore
 * createChannel("10.0.0.7:443", {
 *   tls: {
 *     caCerts: [await Deno.readTextFile("ca.pem")],
 *     serverName: "api.internal.example",
 *     cert: await Deno.readTextFile("client.pem"),
 *     key: await Deno.readTextFile("client.key"),
 *   },
 * });
 * ```
 */
export interface ChannelTlsOptions {
  /** PEM CA certificates to trust besides the system roots. */
  caCerts?: string[];
  /**
   * Name for SNI and certificate checks (default: the target's host). The
   * connection still goes to the resolved address; `:authority` stays the
   * target's unless `authority` is set.
   */
  serverName?: string;
  /**
   * PEM client certificate chain for mutual TLS (with `key`). Default
   * none. Deno's `connectTls` presents it (`startTls` cannot); a server
   * name other than the address goes through Deno's undocumented
   * `Symbol.for("unstableServerName")` option.
   */
  cert?: string;
  /** PEM private key of `cert`. */
  key?: string;
  /**
   * Whether the server must select ALPN `h2` (default true). A peer that
   * selects no ALPN protocol (such as an AWS Classic ELB SSL listener) fails
   * the connection with UNAVAILABLE naming ALPN; false accepts it and
   * speaks HTTP/2 anyway, for TLS terminators that do forward HTTP/2 but
   * negotiate no ALPN (grpc-go's `GRPC_ENFORCE_ALPN_ENABLED=false`). A peer
   * that selects another protocol (`http/1.1`) is refused either way.
   */
  enforceAlpn?: boolean;
}

/** HTTP/2 settings of a channel's connections (each has a safe default). */
export interface ChannelHttp2Options {
  /** Largest frame payload accepted. Default 16,384 (the protocol default). */
  maxFrameSize?: number;
  /** Receive window per stream. Default 4 MiB. */
  initialWindowSize?: number;
  /** Receive window of a whole connection. Default 16 MiB. */
  connectionWindowSize?: number;
  /** Largest decoded header list accepted. Default 64 KiB. */
  maxHeaderListSize?: number;
  /** HPACK table size the server may use. Default 4,096. */
  headerTableSize?: number;
  /** How long the server has to acknowledge our SETTINGS. Default 10,000 ms. */
  settingsTimeoutMs?: number;
}

/** Options of `createChannel()`. */
export interface ChannelOptions {
  /** Use TLS with ALPN h2 (default false: plaintext HTTP/2, "h2c"). */
  tls?: boolean | ChannelTlsOptions;
  /** Overrides the `:authority` (default: the target's host:port). */
  authority?: string;
  /** HTTP/2 limits and windows for the channel's connections. */
  http2?: ChannelHttp2Options;
  /**
   * Shortest time a connection attempt is given, TLS and the server's
   * SETTINGS included (connection-backoff.md's MIN_CONNECT_TIMEOUT), ms.
   * Default 20,000. Same as `backoff.minConnectTimeoutMs`.
   */
  connectTimeoutMs?: number;
  /**
   * Reconnect backoff (connection-backoff.md): default initial 1 s,
   * multiplier 1.6, jitter 0.2, max 120 s, min connect timeout 20 s.
   */
  backoff?: BackoffOptions;
  /**
   * The default service config (service_config.md's JSON form, as an object
   * or a string): `loadBalancingConfig` and `methodConfig`. A service
   * config from the resolver replaces it. Invalid: `createChannel` throws.
   */
  serviceConfig?: string | Record<string, unknown>;
  /**
   * After this long without calls the channel closes its connections and
   * goes IDLE; the next call reconnects. Default 30 min; 0 disables.
   */
  idleTimeoutMs?: number;
  /**
   * Keepalive PINGs (gRFC A8): `timeMs` (default: off), `timeoutMs`
   * (default 20,000), `permitWithoutCalls` (default false),
   * `onTooManyPings`. See {@linkcode ChannelKeepaliveOptions}.
   */
  keepalive?: ChannelKeepaliveOptions;
  /** Resolvers to use (default: the registry `registerResolver` fills). */
  resolvers?: ResolverRegistry;
  /** Balancers to use (default: the registry `registerBalancer` fills). */
  balancers?: BalancerRegistry;
  /** Shortest interval between two DNS lookups, ms. Default 30,000. */
  dnsMinResolveIntervalMs?: number;
  /** Look up service config in DNS TXT `_grpc_config.<host>`. Default false. */
  dnsServiceConfigLookup?: boolean;
  /** Time and timers (tests inject a manual clock). Default: system. */
  clock?: Clock;
  /** Random source in [0, 1) (jitter, shuffling). Default `Math.random`. */
  random?: () => number;
}

/** Channel options with defaults filled in. */
export interface ResolvedChannelOptions {
  /** TLS settings, or undefined for plaintext. */
  tls: ChannelTlsOptions | undefined;
  /** The explicit authority, if any. */
  authority: string | undefined;
  /** HTTP/2 options of every connection. */
  http2: ChannelHttp2Options | undefined;
  /** Backoff, with `minConnectTimeoutMs` from `connectTimeoutMs`. */
  backoff: BackoffOptions;
  /** The default service config as given (validated by the channel). */
  serviceConfig: string | Record<string, unknown> | undefined;
  /** Idle timeout, ms (0: never idle). */
  idleTimeoutMs: number;
  /** Keepalive shared by the channel's subchannels; undefined: off. */
  keepalive: ChannelKeepalive | undefined;
  /** Time and timers. */
  clock: Clock;
  /** Random source. */
  random: () => number;
  /** Shortest DNS re-resolution interval, ms. */
  dnsMinResolveIntervalMs: number;
  /** Whether DNS TXT service config is looked up. */
  dnsServiceConfigLookup: boolean;
}

/** 30 minutes, grpc-go's and grpc-js's default idle timeout. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Fills in the defaults of every channel option.
 *
 * @example
 * ```ts
 * import { resolveChannelOptions } from "./channel_options.ts";
 * console.log(resolveChannelOptions({}).idleTimeoutMs); // 1800000
 * ```
 *
 * @param options what the user gave
 * @returns every option resolved
 */
export function resolveChannelOptions(
  options: ChannelOptions,
): ResolvedChannelOptions {
  const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (!(idle >= 0)) throw new RangeError("idleTimeoutMs must be ≥ 0");
  const tls = options.tls;
  if (
    typeof tls === "object" &&
    (tls.cert === undefined) !== (tls.key === undefined)
  ) {
    throw new TypeError("tls: a client certificate needs both cert and key");
  }
  return {
    tls: options.tls
      ? (typeof options.tls === "object" ? options.tls : {})
      : undefined,
    authority: options.authority,
    http2: options.http2,
    backoff: {
      ...options.backoff,
      minConnectTimeoutMs: options.backoff?.minConnectTimeoutMs ??
        options.connectTimeoutMs,
    },
    serviceConfig: options.serviceConfig,
    idleTimeoutMs: idle,
    keepalive: ChannelKeepalive.from(options.keepalive),
    clock: options.clock ?? SYSTEM_CLOCK,
    random: options.random ?? Math.random,
    dnsMinResolveIntervalMs: options.dnsMinResolveIntervalMs ?? 30_000,
    dnsServiceConfigLookup: options.dnsServiceConfigLookup ?? false,
  };
}
