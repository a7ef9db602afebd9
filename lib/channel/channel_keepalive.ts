/**
 * Client keepalive of a channel (gRFC A8): the option a user sets, and the
 * settings its subchannels share, whose time doubles when a server answers
 * `too_many_pings`.
 *
 * @module
 */

import type { KeepaliveSettings } from "../http2/keepalive.ts";

/**
 * Keepalive PINGs on a channel's connections (gRFC A8). Off unless `timeMs`
 * is set.
 *
 * A PING goes out after `timeMs` without reading anything from the server,
 * while calls are open (or always, with `permitWithoutCalls`); if nothing
 * comes back within `timeoutMs`, the connection is closed, its calls fail
 * with UNAVAILABLE ("keepalive ping not acknowledged") and the channel
 * reconnects. This finds a hung server or a dead network path in
 * `timeMs + timeoutMs` rather than TCP's minutes, and keeps idle
 * connections alive through load balancers that drop silent ones.
 *
 * Servers limit how often they may be pinged: gRPC servers default to once
 * per 5 minutes and no PINGs without calls (`keepaliveEnforcement` on ours,
 * `keepalive.EnforcementPolicy` in grpc-go, `grpc.http2.min_ping_interval_without_data_ms`
 * in C-core); more than two PINGs too soon get GOAWAY ENHANCE_YOUR_CALM
 * `too_many_pings`, which closes the connection, and the channel then
 * doubles its `timeMs`. Agree on a value with the server's owner. Other
 * clients floor `timeMs` at 10 s (grpc-go, A8); this one uses the value as
 * given.
 *
 * @example Keep a long-lived stream alive through a 60 s idle timeout
 * ```ts ignore
 * createChannel("lb.example:443", {
 *   tls: true,
 *   keepalive: { timeMs: 30_000, timeoutMs: 10_000 },
 * });
 * ```
 */
export interface ChannelKeepaliveOptions {
  /**
   * Silence (nothing read) after which a PING is sent, ms. Default: none,
   * keepalive off. Must be > 0. Timed with the channel's `clock`, whose
   * `now()` must count like `Date.now()` (the default clock does).
   */
  timeMs?: number;
  /**
   * How long to wait for the PING's answer (any byte counts) before closing
   * the connection, ms. Default 20,000.
   */
  timeoutMs?: number;
  /**
   * Also ping connections without calls. Default false: most servers
   * refuse PINGs without calls (`too_many_pings`) unless configured to
   * permit them.
   */
  permitWithoutCalls?: boolean;
  /**
   * Called when a server answered `too_many_pings` and the channel doubled
   * its `timeMs` for new connections (gRFC A8 asks that this be logged: log
   * it here). Default: nothing.
   */
  onTooManyPings?: (timeMs: number) => void;
}

/** Default of {@linkcode ChannelKeepaliveOptions.timeoutMs}: 20 s (gRFC A8). */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;

/** Debug data of the GOAWAY a server sends to a client pinging too often. */
export const TOO_MANY_PINGS = "too_many_pings";

/**
 * A channel's keepalive settings, shared by all its subchannels: each new
 * connection takes the time in force when it is made.
 *
 * @example Doubled once per offending setting
 * ```ts
 * import { ChannelKeepalive } from "./channel_keepalive.ts";
 * const keepalive = ChannelKeepalive.from({ timeMs: 1000 })!;
 * const used = keepalive.settings();
 * keepalive.tooManyPings(used.timeMs); // 2000
 * keepalive.tooManyPings(used.timeMs); // another connection with 1000: still 2000
 * console.log(keepalive.settings().timeMs); // 2000
 * ```
 */
export class ChannelKeepalive {
  #timeMs: number;
  readonly #timeoutMs: number;
  readonly #permitWithoutCalls: boolean;
  readonly #onTooManyPings: ((timeMs: number) => void) | undefined;

  private constructor(
    timeMs: number,
    timeoutMs: number,
    permitWithoutCalls: boolean,
    onTooManyPings: ((timeMs: number) => void) | undefined,
  ) {
    this.#timeMs = timeMs;
    this.#timeoutMs = timeoutMs;
    this.#permitWithoutCalls = permitWithoutCalls;
    this.#onTooManyPings = onTooManyPings;
  }

  /**
   * Resolves the channel option: defaults applied, values checked.
   *
   * @param options the channel's `keepalive` option
   * @returns the shared settings, or undefined when keepalive is off
   * @throws {RangeError} for a `timeMs` or `timeoutMs` not > 0
   */
  static from(
    options: ChannelKeepaliveOptions | undefined,
  ): ChannelKeepalive | undefined {
    const timeMs = options?.timeMs;
    if (timeMs === undefined || timeMs === Infinity) return undefined;
    const timeoutMs = options?.timeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
    if (!(timeMs > 0)) throw new RangeError("keepalive.timeMs must be > 0");
    if (!(timeoutMs > 0)) {
      throw new RangeError("keepalive.timeoutMs must be > 0");
    }
    return new ChannelKeepalive(
      timeMs,
      timeoutMs,
      options?.permitWithoutCalls ?? false,
      options?.onTooManyPings,
    );
  }

  /**
   * The settings for a connection made now.
   *
   * @returns time (possibly doubled), timeout, whether to ping without calls
   */
  settings(): KeepaliveSettings {
    return {
      timeMs: this.#timeMs,
      timeoutMs: this.#timeoutMs,
      permitWithoutStreams: this.#permitWithoutCalls,
    };
  }

  /**
   * A server sent GOAWAY ENHANCE_YOUR_CALM `too_many_pings` to a
   * connection pinging every `usedTimeMs`: new connections ping half as
   * often. Several connections with the same time double it once (as
   * grpc-go).
   *
   * @param usedTimeMs the time of the connection that got the GOAWAY
   */
  tooManyPings(usedTimeMs: number): void {
    const doubled = usedTimeMs * 2;
    if (doubled <= this.#timeMs) return;
    this.#timeMs = doubled;
    this.#onTooManyPings?.(doubled);
  }
}
