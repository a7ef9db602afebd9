/**
 * The Rapid Reset limiter (CVE-2023-44487): a client that opens streams and
 * resets them at once makes a server start work it never finishes, at no
 * cost to itself. A server counts such resets and ends the connection with
 * GOAWAY ENHANCE_YOUR_CALM past a rate.
 *
 * @module
 */

/**
 * Counts events in fixed one-second windows and says when a window holds
 * more than the limit. The clock is injected, so tests drive time by hand.
 *
 * @example Allow two resets a second
 * ```ts
 * import { RapidResetLimiter } from "./rapid_reset.ts";
 * let now = 0;
 * const limiter = new RapidResetLimiter(2, () => now);
 * limiter.allow(); // true
 * limiter.allow(); // true
 * limiter.allow(); // false: the third in the same second
 * now = 1001;
 * limiter.allow(); // true: a new window
 * ```
 */
export class RapidResetLimiter {
  readonly #limit: number;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #count = 0;

  /**
   * @param maxPerSecond resets tolerated in one window
   * @param now the clock in milliseconds (default `performance.now()`,
   * which never goes back)
   */
  constructor(
    maxPerSecond: number,
    now: () => number = () => performance.now(),
  ) {
    this.#limit = maxPerSecond;
    this.#now = now;
  }

  /**
   * Counts one reset.
   *
   * @returns false when the current window now holds more than the limit
   */
  allow(): boolean {
    const now = this.#now();
    if (now - this.#windowStart > 1000) {
      this.#windowStart = now;
      this.#count = 0;
    }
    return ++this.#count <= this.#limit;
  }
}
