/**
 * Server-side connection management of gRFC A9: a maximum age, so clients
 * behind an L4 load balancer reconnect now and then and spread over
 * backends that joined since (and a maximum grace after it for the calls
 * still running), and a maximum idle time, so connections nobody uses are
 * given back. Timer logic only, on an injected clock, fed by callbacks: the
 * server binds it to its HTTP/2 connection.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK, type TimerHandle } from "../util/clock.ts";

/** The limits, resolved (Infinity: no limit). */
export interface ConnectionAgeLimits {
  /** Close (gracefully) after this long without open streams, ms. */
  readonly maxIdleMs: number;
  /** Close (gracefully) at this age, ±10 % per connection, ms. */
  readonly maxAgeMs: number;
  /** After the age's GOAWAY, close by force after this long, ms. */
  readonly maxAgeGraceMs: number;
}

/** What a {@linkcode ConnectionAge} needs from its connection. */
export interface AgedConnection {
  /**
   * Streams open now.
   *
   * @returns the count
   */
  activeStreams(): number;
  /**
   * A number that grows whenever the peer opens a stream (the last stream
   * id), to tell "no streams now" from "none since the last look".
   *
   * @returns the number now
   */
  streamsOpened(): number;
  /**
   * Graceful close: GOAWAY NO_ERROR with `debug` (A9: `max_idle`,
   * `max_age`), open streams finish.
   *
   * @param debug the GOAWAY's debug text
   */
  drain(debug: string): void;
  /** The grace after `max_age` is over: close now, failing what is left. */
  forceClose(): void;
}

/**
 * Random spread of the maximum age: ±10 % per connection (A9), so
 * connections made together (a deploy, a reconnect storm) do not all close
 * together again.
 */
export const MAX_AGE_JITTER = 0.1;
/**
 * Looks for idleness this many times per `maxIdleMs` while streams are
 * open, so an idle connection closes at most a quarter of `maxIdleMs` late
 * — without a hook on every stream's end (polling instead of per-call work;
 * A9 allows a coarse implementation).
 */
export const IDLE_CHECKS_PER_PERIOD = 4;
/** Longest timer delay (`setTimeout` fires at once above 2^31−1 ms). */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * The age and idleness timers of one connection.
 *
 * @example Close after 30 minutes (±10 %), with 5 minutes of grace
 * ```ts
 * import { ConnectionAge } from "./connection_age.ts";
 * import { ManualClock } from "../util/clock.ts";
 *
 * const clock = new ManualClock();
 * const age = new ConnectionAge(
 *   { maxIdleMs: Infinity, maxAgeMs: 30 * 60_000, maxAgeGraceMs: 5 * 60_000 },
 *   {
 *     activeStreams: () => 1,
 *     streamsOpened: () => 1,
 *     drain: (debug) => console.log("GOAWAY", debug),
 *     forceClose: () => console.log("closed"),
 *   },
 *   clock,
 *   () => 0.5, // no jitter
 * );
 * age.start();
 * clock.advance(30 * 60_000); // GOAWAY max_age
 * clock.advance(5 * 60_000); // closed
 * age.stop();
 * ```
 */
export class ConnectionAge {
  readonly #limits: ConnectionAgeLimits;
  readonly #conn: AgedConnection;
  readonly #clock: Clock;
  readonly #random: () => number;
  #ageTimer: TimerHandle | undefined;
  #idleTimer: TimerHandle | undefined;
  /** Since when no stream was open, as far as the checks saw. */
  #idleSince: number | undefined;
  #openedAtCheck = 0;
  #stopped = false;

  /**
   * @param limits idle, age and grace limits (Infinity: none)
   * @param conn the connection's side
   * @param clock time and timers (default: the system clock)
   * @param random source in [0, 1) for the age's jitter (default `Math.random`)
   */
  constructor(
    limits: ConnectionAgeLimits,
    conn: AgedConnection,
    clock: Clock = SYSTEM_CLOCK,
    random: () => number = Math.random,
  ) {
    this.#limits = limits;
    this.#conn = conn;
    this.#clock = clock;
    this.#random = random;
  }

  /** Starts the timers (the connection is established). */
  start(): void {
    const limits = this.#limits;
    if (Number.isFinite(limits.maxAgeMs)) {
      const jitter = (this.#random() * 2 - 1) * MAX_AGE_JITTER;
      this.#ageTimer = this.#arm(
        this.#onMaxAge,
        limits.maxAgeMs * (1 + jitter),
      );
    }
    if (Number.isFinite(limits.maxIdleMs)) {
      // A9: idle since the connection was established.
      this.#idleSince = this.#clock.now();
      this.#openedAtCheck = this.#conn.streamsOpened();
      this.#idleTimer = this.#arm(this.#checkIdle, limits.maxIdleMs);
    }
  }

  /** Clears every timer (the connection closed). */
  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#ageTimer);
    this.#clock.clearTimeout(this.#idleTimer);
    this.#ageTimer = this.#idleTimer = undefined;
  }

  readonly #onMaxAge = (): void => {
    this.#ageTimer = undefined;
    if (this.#stopped) return;
    // Idleness no longer matters: the connection is going.
    this.#clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const grace = this.#limits.maxAgeGraceMs;
    if (Number.isFinite(grace)) {
      this.#ageTimer = this.#arm(this.#onGraceOver, grace);
    }
    this.#conn.drain("max_age");
  };

  readonly #onGraceOver = (): void => {
    this.#ageTimer = undefined;
    if (this.#stopped) return;
    this.stop();
    this.#conn.forceClose();
  };

  readonly #checkIdle = (): void => {
    this.#idleTimer = undefined;
    if (this.#stopped) return;
    const conn = this.#conn;
    const now = this.#clock.now();
    const maxIdleMs = this.#limits.maxIdleMs;
    const opened = conn.streamsOpened();
    if (conn.activeStreams() > 0) {
      this.#idleSince = undefined;
      this.#openedAtCheck = opened;
      this.#idleTimer = this.#arm(
        this.#checkIdle,
        maxIdleMs / IDLE_CHECKS_PER_PERIOD,
      );
      return;
    }
    if (this.#idleSince === undefined || opened !== this.#openedAtCheck) {
      // Streams came and went since the last look: idle from now at the
      // latest (a conservative guess: the connection closes late, never
      // early).
      this.#idleSince = now;
      this.#openedAtCheck = opened;
    }
    const left = this.#idleSince + maxIdleMs - now;
    if (left > 0) {
      this.#idleTimer = this.#arm(this.#checkIdle, left);
      return;
    }
    this.stop();
    conn.drain("max_idle");
  };

  #arm(fn: () => void, ms: number): TimerHandle {
    const clock = this.#clock;
    const timer = clock.setTimeout(
      fn,
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    // A connection's limits alone must not keep a program alive.
    clock.unref?.(timer);
    return timer;
  }
}
