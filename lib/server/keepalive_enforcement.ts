/**
 * Server enforcement of client keepalive (gRFC A8 "Server Enforcement"):
 * PINGs are cheap to answer, but a million clients pinging every second
 * are not, so a client that pings more often than the server permits gets
 * GOAWAY ENHANCE_YOUR_CALM with debug data `too_many_pings` and is
 * disconnected. Pure policy on an injected clock: the server feeds it the
 * PINGs it receives and what it sent meanwhile.
 *
 * Policy, as grpc-go's (`handlePing`), close to A8's suggested algorithm:
 * a PING less than `minTimeMs` after the previous one is a strike (less
 * than two hours when there are no calls and PINGs without calls are not
 * permitted); more than {@linkcode MAX_PING_STRIKES} strikes is too many.
 * Sending HEADERS or DATA resets the count: PINGs have other uses (a
 * client's BDP estimation pings as it receives data, e.g. grpc-go's), and a
 * server that talks invites them.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK } from "../util/clock.ts";

/**
 * What a server tolerates of its clients' PINGs.
 *
 * @example Clients pinging every 10 s, with or without calls
 * ```ts
 * import type { KeepaliveEnforcementOptions } from "./keepalive_enforcement.ts";
 * const enforcement: KeepaliveEnforcementOptions = {
 *   minTimeMs: 10_000,
 *   permitWithoutCalls: true,
 * };
 * ```
 */
export interface KeepaliveEnforcementOptions {
  /**
   * Shortest interval between two client PINGs, ms. Default 300,000
   * (5 minutes, gRFC A8's PERMIT_KEEPALIVE_TIME; grpc-go's and C-core's
   * default). Clients with a `keepalive.timeMs` below it get
   * `too_many_pings` on long calls. 0 permits any rate.
   */
  minTimeMs?: number;
  /**
   * Whether clients may ping while they have no call open. Default false
   * (gRFC A8): such PINGs are then permitted once per two hours only.
   */
  permitWithoutCalls?: boolean;
}

/** {@linkcode KeepaliveEnforcementOptions} with the defaults applied. */
export interface ResolvedKeepaliveEnforcement {
  /** Shortest interval between two PINGs, ms. */
  readonly minTimeMs: number;
  /** Whether PINGs without calls are held to `minTimeMs` only. */
  readonly permitWithoutCalls: boolean;
}

/** Default of {@linkcode KeepaliveEnforcementOptions.minTimeMs}: 5 minutes. */
export const DEFAULT_MIN_PING_INTERVAL_MS = 5 * 60_000;
/**
 * Interval for PINGs without calls when they are not permitted: two hours,
 * TCP keepalive's minimum (RFC 1122 §4.2.3.6), as A8 says.
 */
export const PING_INTERVAL_WITHOUT_CALLS_MS = 2 * 60 * 60_000;
/** Strikes tolerated; the next one is too many (A8's MAX_PING_STRIKES). */
export const MAX_PING_STRIKES = 2;

/**
 * Fills in the defaults.
 *
 * @example
 * ```ts
 * import { resolveKeepaliveEnforcement } from "./keepalive_enforcement.ts";
 * resolveKeepaliveEnforcement({}).minTimeMs; // 300000
 * ```
 *
 * @param options what the user gave
 * @returns every field set
 * @throws {RangeError} for a negative or non-numeric `minTimeMs`
 */
export function resolveKeepaliveEnforcement(
  options: KeepaliveEnforcementOptions = {},
): ResolvedKeepaliveEnforcement {
  const minTimeMs = options.minTimeMs ?? DEFAULT_MIN_PING_INTERVAL_MS;
  if (!(minTimeMs >= 0)) {
    throw new RangeError("keepaliveEnforcement.minTimeMs must be ≥ 0");
  }
  return {
    minTimeMs,
    permitWithoutCalls: options.permitWithoutCalls ?? false,
  };
}

/**
 * The PING strikes of one connection.
 *
 * @example Three PINGs a second apart, with a 5-minute minimum
 * ```ts
 * import { PingStrikes, resolveKeepaliveEnforcement } from "./keepalive_enforcement.ts";
 * import { ManualClock } from "../util/clock.ts";
 *
 * const clock = new ManualClock();
 * const strikes = new PingStrikes(resolveKeepaliveEnforcement({}), clock);
 * strikes.onPing(1, 0); // false: the first PING
 * clock.advance(1000);
 * strikes.onPing(1, 0); // false: strike 1
 * clock.advance(1000);
 * strikes.onPing(1, 0); // false: strike 2
 * clock.advance(1000);
 * console.log(strikes.onPing(1, 0)); // true: strike 3, too many
 * ```
 */
export class PingStrikes {
  readonly #policy: ResolvedKeepaliveEnforcement;
  readonly #clock: Clock;
  /** When the previous PING came (undefined: none yet). */
  #lastPingAt: number | undefined;
  /** `sent` at the previous PING. */
  #lastSent = 0;
  #strikes = 0;

  /**
   * @param policy minimum interval, and whether PINGs without calls are permitted
   * @param clock time (default: the system clock)
   */
  constructor(
    policy: ResolvedKeepaliveEnforcement,
    clock: Clock = SYSTEM_CLOCK,
  ) {
    this.#policy = policy;
    this.#clock = clock;
  }

  /** Strikes so far. */
  get strikes(): number {
    return this.#strikes;
  }

  /**
   * A PING arrived.
   *
   * @param activeStreams streams open on the connection now
   * @param sent any number that grows whenever the server sends HEADERS or
   * DATA (compared with its value at the previous PING)
   * @returns true when the client pings too often: send GOAWAY
   * ENHANCE_YOUR_CALM `too_many_pings` and close
   */
  onPing(activeStreams: number, sent: number): boolean {
    const now = this.#clock.now();
    const last = this.#lastPingAt;
    this.#lastPingAt = now;
    if (sent !== this.#lastSent) {
      // We sent HEADERS or DATA since the previous PING: a fresh start.
      this.#lastSent = sent;
      this.#strikes = 0;
      return false;
    }
    if (last === undefined) return false;
    const policy = this.#policy;
    const minInterval = activeStreams === 0 && !policy.permitWithoutCalls
      ? PING_INTERVAL_WITHOUT_CALLS_MS
      : policy.minTimeMs;
    if (now - last < minInterval) this.#strikes++;
    return this.#strikes > MAX_PING_STRIKES;
  }
}
