/**
 * What a server does to each connection besides serving calls (gRFC A8
 * enforcement, A9 connection management): it enforces the keepalive policy
 * on the client's PINGs, pings the client itself to find dead ones, and
 * closes connections at their maximum age or idle time. The server's
 * keepalive options, their defaults and their resolution are here too.
 *
 * @module
 */

import type { Http2Connection } from "../http2/connection.ts";
import { ErrorCode } from "../http2/frame/types.ts";
import { type KeepaliveSettings, startKeepalive } from "../http2/keepalive.ts";
import { type Clock, SYSTEM_CLOCK } from "../util/clock.ts";
import { ConnectionAge, type ConnectionAgeLimits } from "./connection_age.ts";
import {
  type KeepaliveEnforcementOptions,
  PingStrikes,
  type ResolvedKeepaliveEnforcement,
  resolveKeepaliveEnforcement,
} from "./keepalive_enforcement.ts";

/**
 * A server's keepalive PINGs and connection limits (gRFC A9). Each limit
 * defaults to none.
 *
 * @example Behind an L4 load balancer: reconnect every 30 minutes
 * ```ts
 * import type { ServerKeepaliveOptions } from "./connection_manager.ts";
 * const keepalive: ServerKeepaliveOptions = {
 *   timeMs: 60_000, // find dead clients within ~80 s
 *   maxConnectionIdleMs: 15 * 60_000,
 *   maxConnectionAgeMs: 30 * 60_000,
 *   maxConnectionAgeGraceMs: 5 * 60_000,
 * };
 * ```
 */
export interface ServerKeepaliveOptions {
  /**
   * After this long without reading anything from a client, ping it
   * (with or without calls), ms. Default 7,200,000 (2 hours, as gRPC's
   * other servers); Infinity disables.
   */
  timeMs?: number;
  /**
   * A client that sends nothing within this long of a PING is dead: its
   * connection closes and its calls are cancelled (their handlers'
   * `signal` fires), ms. Default 20,000.
   */
  timeoutMs?: number;
  /**
   * A connection without calls for this long is closed gracefully (GOAWAY
   * NO_ERROR `max_idle`), ms; checked a few times per period, so it closes
   * up to a quarter of it late. Default Infinity (never).
   */
  maxConnectionIdleMs?: number;
  /**
   * A connection this old (±10 % random per connection) is closed
   * gracefully (GOAWAY NO_ERROR `max_age`, in two phases: calls racing it
   * are not lost); its client reconnects, possibly to another backend
   * behind an L4 load balancer, ms. Default Infinity (never).
   */
  maxConnectionAgeMs?: number;
  /**
   * Calls still running this long after the `max_age` GOAWAY are cancelled
   * and the connection closed, ms. Default Infinity (they may finish).
   */
  maxConnectionAgeGraceMs?: number;
}

/** Default of {@linkcode ServerKeepaliveOptions.timeMs}: 2 hours (gRFC A9). */
export const DEFAULT_SERVER_KEEPALIVE_TIME_MS = 2 * 60 * 60_000;
/** Default of {@linkcode ServerKeepaliveOptions.timeoutMs}: 20 s (gRFC A9). */
export const DEFAULT_SERVER_KEEPALIVE_TIMEOUT_MS = 20_000;

/** Everything a {@linkcode ConnectionManager} needs, resolved once per server. */
export interface ResolvedConnectionManagement {
  /** The server's own PINGs, or undefined when disabled. */
  readonly keepalive: KeepaliveSettings | undefined;
  /** Idle, age and grace limits. */
  readonly limits: ConnectionAgeLimits;
  /** What the server tolerates of its clients' PINGs. */
  readonly enforcement: ResolvedKeepaliveEnforcement;
  /** Time and timers. */
  readonly clock: Clock;
  /** Random source of the age's jitter. */
  readonly random: () => number;
}

/**
 * Applies the defaults and checks the values: the one place they are
 * written.
 *
 * @example
 * ```ts
 * import { resolveConnectionManagement } from "./connection_manager.ts";
 * resolveConnectionManagement({}, {}).keepalive?.timeMs; // 7200000
 * ```
 *
 * @param keepalive the server's `keepalive` option
 * @param enforcement the server's `keepaliveEnforcement` option
 * @param clock time and timers (default: the system clock)
 * @param random jitter source (default `Math.random`)
 * @returns the resolved settings
 * @throws {RangeError} for a value that is not a positive number of ms
 */
export function resolveConnectionManagement(
  keepalive: ServerKeepaliveOptions = {},
  enforcement: KeepaliveEnforcementOptions = {},
  clock: Clock = SYSTEM_CLOCK,
  random: () => number = Math.random,
): ResolvedConnectionManagement {
  const ms = (name: keyof ServerKeepaliveOptions, fallback: number) => {
    const value = keepalive[name] ?? fallback;
    if (!(value > 0)) {
      throw new RangeError(`keepalive.${name} must be > 0 (ms)`);
    }
    return value;
  };
  const timeMs = ms("timeMs", DEFAULT_SERVER_KEEPALIVE_TIME_MS);
  const timeoutMs = ms("timeoutMs", DEFAULT_SERVER_KEEPALIVE_TIMEOUT_MS);
  return {
    keepalive: Number.isFinite(timeMs)
      ? { timeMs, timeoutMs, permitWithoutStreams: true }
      : undefined,
    limits: {
      maxIdleMs: ms("maxConnectionIdleMs", Infinity),
      maxAgeMs: ms("maxConnectionAgeMs", Infinity),
      maxAgeGraceMs: ms("maxConnectionAgeGraceMs", Infinity),
    },
    enforcement: resolveKeepaliveEnforcement(enforcement),
    clock,
    random,
  };
}

/**
 * Keepalive enforcement, keepalive PINGs and age limits of one server
 * connection. Made before its connection (the PING hook is a connection
 * option), then attached to it.
 *
 * @example Inside a server
 * ```ts ignore
 * const manager = new ConnectionManager(resolved);
 * const conn = new Http2Connection(socket, { role: "server", onPing: manager.onPing });
 * manager.attach(conn);
 * ```
 */
export class ConnectionManager {
  readonly #settings: ResolvedConnectionManagement;
  readonly #strikes: PingStrikes;
  #conn: Http2Connection | undefined;

  /** @param settings the server's resolved settings */
  constructor(settings: ResolvedConnectionManagement) {
    this.#settings = settings;
    this.#strikes = new PingStrikes(settings.enforcement, settings.clock);
  }

  /** The connection's `onPing` hook: counts strikes, too many → GOAWAY. */
  readonly onPing = (): void => {
    const conn = this.#conn;
    if (conn === undefined) return;
    // What we sent grows with DATA bytes and with the streams the client
    // opened (each answered with HEADERS): no counting per frame.
    const sent = conn.dataBytesSent + conn.lastPeerStreamId;
    if (this.#strikes.onPing(conn.activeStreams, sent)) {
      // gRFC A8: GOAWAY ENHANCE_YOUR_CALM "too_many_pings", then close at
      // once: the failed calls tell the client's author.
      conn.destroy(ErrorCode.ENHANCE_YOUR_CALM, "too_many_pings");
    }
  };

  /**
   * Starts managing `conn`; everything stops when it closes.
   *
   * @param conn the server connection made with {@linkcode onPing}
   */
  attach(conn: Http2Connection): void {
    const settings = this.#settings;
    this.#conn = conn;
    if (settings.keepalive !== undefined) {
      startKeepalive(conn, settings.keepalive, settings.clock);
    }
    const limits = settings.limits;
    if (
      Number.isFinite(limits.maxIdleMs) || Number.isFinite(limits.maxAgeMs)
    ) {
      const age = new ConnectionAge(
        limits,
        {
          activeStreams: () => conn.activeStreams,
          streamsOpened: () => conn.lastPeerStreamId,
          drain: (debug) => void conn.close(debug),
          forceClose: () =>
            conn.destroy(ErrorCode.NO_ERROR, "max_age grace over"),
        },
        settings.clock,
        settings.random,
      );
      age.start();
      conn.closed.then(() => age.stop());
    }
  }
}
