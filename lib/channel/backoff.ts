/**
 * Connection backoff, exactly as gRPC's connection-backoff.md:
 *
 * ```
 * INITIAL_BACKOFF = 1 s, MULTIPLIER = 1.6, JITTER = 0.2,
 * MAX_BACKOFF = 120 s, MIN_CONNECT_TIMEOUT = 20 s
 *
 * ConnectWithBackoff()
 *   current_backoff = INITIAL_BACKOFF
 *   current_deadline = now() + INITIAL_BACKOFF
 *   while (TryConnect(Max(current_deadline, now() + MIN_CONNECT_TIMEOUT))
 *          != SUCCESS)
 *     SleepUntil(current_deadline)
 *     current_backoff = Min(current_backoff * MULTIPLIER, MAX_BACKOFF)
 *     current_deadline = now() + current_backoff +
 *       UniformRandom(-JITTER * current_backoff, JITTER * current_backoff)
 * ```
 *
 * @module
 */

/** The knobs of connection backoff (connection-backoff.md's names). */
export interface BackoffOptions {
  /** First delay, ms. Default 1,000. */
  initialBackoffMs?: number;
  /** Growth per failed attempt. Default 1.6. */
  multiplier?: number;
  /** Relative random spread of each delay, ±. Default 0.2. */
  jitter?: number;
  /** Largest delay, ms. Default 120,000. */
  maxBackoffMs?: number;
  /** Shortest time an attempt is given to connect, ms. Default 20,000. */
  minConnectTimeoutMs?: number;
}

/** {@linkcode BackoffOptions} with every default filled in. */
export type ResolvedBackoffOptions = Required<BackoffOptions>;

/**
 * The defaults of connection-backoff.md.
 *
 * @example
 * ```ts
 * import { DEFAULT_BACKOFF } from "./backoff.ts";
 * console.log(DEFAULT_BACKOFF.maxBackoffMs); // 120000
 * ```
 */
export const DEFAULT_BACKOFF: ResolvedBackoffOptions = Object.freeze({
  initialBackoffMs: 1000,
  multiplier: 1.6,
  jitter: 0.2,
  maxBackoffMs: 120_000,
  minConnectTimeoutMs: 20_000,
});

/**
 * Fills in defaults and checks the values.
 *
 * @example
 * ```ts
 * import { resolveBackoffOptions } from "./backoff.ts";
 * console.log(resolveBackoffOptions({ initialBackoffMs: 10 }).multiplier); // 1.6
 * ```
 *
 * @param options what the user set
 * @returns every option
 * @throws {RangeError} on a negative delay, a multiplier below 1 or a
 * jitter outside [0, 1]
 */
export function resolveBackoffOptions(
  options: BackoffOptions = {},
): ResolvedBackoffOptions {
  const o = { ...DEFAULT_BACKOFF, ...definedOnly(options) };
  if (
    !(o.initialBackoffMs >= 0) || !(o.maxBackoffMs >= 0) ||
    !(o.minConnectTimeoutMs > 0)
  ) {
    throw new RangeError("backoff delays must be non-negative numbers");
  }
  if (!(o.multiplier >= 1)) throw new RangeError("multiplier must be ≥ 1");
  if (!(o.jitter >= 0 && o.jitter <= 1)) {
    throw new RangeError("jitter must be within [0, 1]");
  }
  return o;
}

function definedOnly(options: BackoffOptions): BackoffOptions {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The backoff state of one thing that reconnects (a subchannel, a DNS
 * resolver). Call `next()` after each failure for the delay before the next
 * attempt; `reset()` after a success.
 *
 * @example The sequence without jitter
 * ```ts
 * import { Backoff } from "./backoff.ts";
 * const b = new Backoff({ jitter: 0 });
 * console.log([b.next(), b.next(), b.next()]); // [ 1000, 1600, 2560 ]
 * ```
 */
export class Backoff {
  readonly #options: ResolvedBackoffOptions;
  readonly #random: () => number;
  #current: number;
  #attempts = 0;

  /**
   * @param options the knobs (defaults of connection-backoff.md)
   * @param random a random source in [0, 1) (injectable for tests)
   */
  constructor(
    options: BackoffOptions = {},
    random: () => number = Math.random,
  ) {
    this.#options = resolveBackoffOptions(options);
    this.#random = random;
    this.#current = this.#options.initialBackoffMs;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * How long the next connection attempt may take: the larger of the
   * current backoff and MIN_CONNECT_TIMEOUT.
   *
   * @returns the attempt's timeout, ms
   */
  connectTimeout(): number {
    return Math.max(this.#current, this.#options.minConnectTimeoutMs);
  }

  /**
   * The delay before the next attempt, after a failure; grows the backoff.
   *
   * @returns the jittered delay, ms
   */
  next(): number {
    // The first sleep is INITIAL_BACKOFF itself; each later one grows the
    // backoff first and then jitters it (the pseudo-code's loop order).
    if (this.#attempts++ === 0) return this.#current;
    const { multiplier, jitter, maxBackoffMs } = this.#options;
    this.#current = Math.min(this.#current * multiplier, maxBackoffMs);
    const spread = jitter * this.#current;
    return Math.max(0, this.#current + (this.#random() * 2 - 1) * spread);
  }

  /** Back to INITIAL_BACKOFF (a connection succeeded). */
  reset(): void {
    this.#current = this.#options.initialBackoffMs;
    this.#attempts = 0;
  }
}
